// `npm run package` runs this before `osls package`: the config the functions will read
// (WARDEN_CONFIG_FILE, default deploy/warden.config.yml, packaged with them and read at that
// relative path) is validated now, not first when a function starts. One line and exit 2 on a
// missing, invalid, absolute or outside-the-project path.
import { isAbsolute, normalize } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load.ts';

export const DEFAULT_CONFIG_FILE = 'deploy/warden.config.yml';

/** Why the config file cannot be packaged, or undefined when it loads. */
export async function packagedConfigProblem(value: string | undefined): Promise<string | undefined> {
  const path = value?.trim() || DEFAULT_CONFIG_FILE;
  if (isAbsolute(path))
    return `WARDEN_CONFIG_FILE ${path}: must be relative to the project (the functions read it at that path in their package)`;
  if (normalize(path).split(/[\\/]/)[0] === '..')
    return `WARDEN_CONFIG_FILE ${path}: must be inside the project (only its files are packaged)`;
  try {
    await loadConfig(path);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return `WARDEN_CONFIG_FILE ${error.message}`;
    throw error;
  }
}

if (import.meta.main) {
  const problem = await packagedConfigProblem(process.env['WARDEN_CONFIG_FILE']);
  if (problem) {
    process.stderr.write(`warden package: ${problem}\n`);
    process.exitCode = 2;
  }
}
