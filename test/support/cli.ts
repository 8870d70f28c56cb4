import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

// The installed `warden` command (bin/warden.js) as a child process, for tests that meet the CLI
// as a user does: exit code, stdout and stderr.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WARDEN = join(ROOT, 'bin/warden.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables of the machine that would change what the CLI reads or how it prints; unset unless `env` sets them. */
const AMBIENT = [
  'WARDEN_CONFIG',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_STS',
  'HUAWEICLOUD_SDK_PROJECT_ID',
  'OS_PROJECT_ID',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'FORCE_COLOR',
  'NO_COLOR',
];

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes for standard input; without them it is empty (and never a terminal). */
  input?: string | Buffer;
  /** Another script of the repository to run instead of bin/warden.js (e.g. src/slack/dev.ts). */
  script?: string;
}

export function runWarden(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of AMBIENT) delete env[name];
    Object.assign(env, options.env);
    const script = options.script ? join(ROOT, options.script) : WARDEN;
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that never reads its input closes the pipe first: not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Bad input or usage: exit 2, nothing on stdout, exactly `line` on stderr. */
export function expectUsageLine(result: CliRun, line: string): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(`${line}\n`);
  expect(result.code).toBe(2);
}

/** Bad input: the exit code (2 unless told), nothing on stdout, exactly one `warden: …` line on stderr, which is returned. */
export function expectOneLineError(
  result: Pick<CliRun, 'stdout' | 'stderr'> & { code: number | null },
  code = 2,
): string {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^warden: /);
  return lines[0] as string;
}
