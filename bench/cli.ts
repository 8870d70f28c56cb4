import { parseArgs } from 'node:util';
import type { ParseArgsOptionsConfig } from 'node:util';

// The bench scripts' command line, the same for each: `--help`/`-h` prints the usage on stdout
// (exit 0); an unknown flag or a bad value prints `<script>: <problem>` and the usage on stderr
// (exit 2); otherwise the script's own exit code.

/** A flag or argument the script cannot use; its message names it and what is wrong. */
export class UsageError extends Error {}

export interface BenchCommand<O extends ParseArgsOptionsConfig> {
  /** The script's name, first on every error line (e.g. `audit-bench`). */
  name: string;
  usage: string;
  options: O;
  /** Whether the script takes arguments besides flags. */
  positionals?: boolean;
}

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>
>;

/** What a command's `main` receives: its flags' values (typed from its options) and positionals. */
export type BenchArgs<C extends BenchCommand<ParseArgsOptionsConfig>> = Parsed<C['options']>;

/** Parses `argv` for `command` and runs `main` with the flags, answering help and usage errors itself. */
export async function runBench<const O extends ParseArgsOptionsConfig>(
  command: BenchCommand<O>,
  main: (args: Parsed<O>) => number | Promise<number>,
  argv: string[] = process.argv.slice(2),
): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { ...command.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: command.positionals ?? false,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if ((parsed.values as { help?: boolean }).help) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await main(parsed as Parsed<O>);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command.name}: ${error.message}\n${command.usage}\n`);
    return 2;
  }
}

/** `--name`'s value as an integer from `min` to `max` (no upper bound without `max`). */
export function integer(name: string, text: string, min: number, max?: number): number {
  const value = Number(text);
  if (/^\d+$/.test(text) && Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max))
    return value;
  const range = max === undefined ? `≥ ${min}` : `from ${min} to ${max}`;
  throw new UsageError(`--${name} must be an integer ${range} (got ${JSON.stringify(text)})`);
}

/** `--name`'s value as a finite number, or `fallback` when the flag is absent. */
export function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--${name} must be a number (got ${JSON.stringify(text)})`);
  return value;
}

/** `--name`'s value when it is one of `choices`. */
export function oneOf<const C extends string>(name: string, text: string, choices: readonly C[]): C {
  if ((choices as readonly string[]).includes(text)) return text as C;
  const listed = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  throw new UsageError(`--${name} must be ${listed} (got ${JSON.stringify(text)})`);
}
