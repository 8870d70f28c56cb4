import { spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

// The real CLI (or another script of the repository) as a child process from the repository root,
// for tests that assert what a user sees: exit code, stdout and stderr.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Bytes for standard input; without it, stdin is closed (not a terminal). */
  input?: string | Buffer;
  /** The script to run, relative to the repository root (default the CLI, src/cli/main.ts). */
  script?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The environment without colour switches, as in a CI log or a pipe. */
function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env['FORCE_COLOR'];
  delete env['NO_COLOR'];
  return env;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [resolvePath(ROOT, options.script ?? 'src/cli/main.ts'), ...args], {
      cwd: options.cwd ?? ROOT,
      env: plainEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Bad input: the exit code (2 unless told), nothing on stdout, exactly one `warden: …` line on stderr, which is returned. */
export function expectOneLineError(result: CliRun, code = 2): string {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^warden: /);
  return lines[0] as string;
}
