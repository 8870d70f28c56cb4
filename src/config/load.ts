import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { unknownName } from './closest.ts';
import { catalogNameIssue } from './names.ts';
import { configSchema, defaultConfig } from './schema.ts';
import type { WardenConfig } from './schema.ts';
import { firstLine } from '../lib/errors.ts';

export class ConfigError extends Error {}

/** The files looked for in the working directory when neither --config nor WARDEN_CONFIG names one. */
export const CONFIG_FILE_NAMES = ['warden.yaml', 'warden.yml', 'warden.json'] as const;

/** The config file to use: the one asked for, else $WARDEN_CONFIG, else the first of CONFIG_FILE_NAMES in `cwd`; undefined for none. */
export function discoverConfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  if (explicit !== undefined) return explicit;
  const fromEnv = env['WARDEN_CONFIG']?.trim();
  if (fromEnv) return fromEnv;
  return CONFIG_FILE_NAMES.find((name) => existsSync(join(cwd, name)));
}

/** Reads and validates a JSON or YAML config file; one-line errors naming the file and the field. */
export async function loadConfig(path: string | undefined): Promise<WardenConfig> {
  if (!path) return defaultConfig();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${path}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${path}: invalid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${firstLine((error as Error).message)}`,
    );
  }
  const parsed = configSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `${path}: ${where(issue?.path ?? [])}: ${issue ? issueMessage(issue, data) : 'invalid config'}`,
    );
  }
  const named = catalogNameIssue(parsed.data);
  if (named) throw new ConfigError(`${path}: ${where(named.path)}: ${named.message}`);
  return parsed.data;
}

function where(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

/** zod's message, with the closest valid name for an unknown key or option (`data`: what was parsed against configSchema). */
export function issueMessage(issue: z.core.$ZodIssue, data: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return unknownName('key', key, keysAt(configSchema, issue.path));
  }
  if (issue.code === 'invalid_value' && issue.values.every((v) => typeof v === 'string')) {
    const input = valueAt(data, issue.path);
    if (typeof input === 'string') return unknownName('value', input, issue.values as string[]);
  }
  return issue.message;
}

interface SchemaNode {
  def?: {
    type?: string;
    innerType?: SchemaNode;
    element?: SchemaNode;
    in?: SchemaNode;
    valueType?: SchemaNode;
    options?: SchemaNode[];
  };
  shape?: Record<string, SchemaNode>;
}

/** The keys the schema allows at `path` (through defaults, optionals, arrays, records and transforms). */
function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let node = schema as SchemaNode | undefined;
  const unwrap = () => {
    while (node?.def?.innerType || node?.def?.in) node = node.def.innerType ?? node.def.in;
  };
  for (const step of path) {
    unwrap();
    if (node?.shape) node = node.shape[String(step)];
    else if (node?.def?.element) node = node.def.element;
    else if (node?.def?.valueType) node = node.def.valueType;
    else return [];
  }
  unwrap();
  if (!node?.shape && node?.def?.options) node = node.def.options.find((option) => option.shape);
  return Object.keys(node?.shape ?? {});
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const step of path)
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[step] : undefined;
  return value;
}
