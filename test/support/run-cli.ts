import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The real CLI as a child process (node src/cli/main.ts <args>, or another entry such as
// bin/warden.js) from the repository root, with stdout a pipe (not a terminal) and no colour
// switches, as in a CI log. Under `npm test` process.execPath is the project's Node 24.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, script = 'src/cli/main.ts'): Promise<CliRun> {
  const base = { ...process.env };
  delete base['FORCE_COLOR'];
  delete base['NO_COLOR'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
