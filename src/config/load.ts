import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { configSchema, defaultConfig } from './schema.ts';
import type { WardenConfig } from './schema.ts';

export class ConfigError extends Error {}

/** Reads and validates a JSON or YAML config file; one-line errors naming the file and the field. */
export async function loadConfig(path: string | undefined): Promise<WardenConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: invalid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${firstLine((error as Error).message)}`);
  }
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`${path}: ${where}: ${issue?.message ?? 'invalid config'}`);
  }
  return parsed.data;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
