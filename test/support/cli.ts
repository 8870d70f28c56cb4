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

/** Variables of the machine that would change what the CLI reads; unset unless `env` sets them. */
const AMBIENT = ['WARDEN_CONFIG', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_STS', 'HUAWEICLOUD_SDK_PROJECT_ID', 'OS_PROJECT_ID', 'ALIBABA_CLOUD_SECURITY_TOKEN'];

export function runWarden(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of AMBIENT) delete env[name];
    Object.assign(env, options.env);
    const child = spawn(process.execPath, [WARDEN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Bad input or usage: exit 2, nothing on stdout, exactly `line` on stderr. */
export function expectUsageLine(result: CliRun, line: string): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe(`${line}\n`);
  expect(result.code).toBe(2);
}
