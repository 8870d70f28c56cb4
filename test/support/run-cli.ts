import { runWarden } from './cli.ts';
import type { CliRun } from './cli.ts';

export type { CliRun };

/** The CLI run as `runWarden` runs it, with positional env and entry script (src/cli/main.ts unless told). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, script = 'src/cli/main.ts'): Promise<CliRun> {
  return runWarden(args, { env, script });
}
