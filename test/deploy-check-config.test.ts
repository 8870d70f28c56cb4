import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.ts';

// Issue 11, section 5: `npm run package` with a missing, invalid or absolute WARDEN_CONFIG_FILE
// stops with one line naming the cause; the config is validated when packaging (deploy/check-config.ts,
// run before `osls package`), not first at function start.

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const check = (value: string | undefined) =>
  exec(process.execPath, ['deploy/check-config.ts'], value === undefined ? {} : { WARDEN_CONFIG_FILE: value });

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(ROOT, '.tmp-check-config-'));
  await writeFile(join(tmp, 'bad.yml'), 'wide:\n  ipv4Prefix: 40\n');
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('deploy/check-config.ts', () => {
  it('passes the default config', async () => {
    expect(await check(undefined)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('a missing file', async () => {
    expect(await check('deploy/nope.yml')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'warden package: WARDEN_CONFIG_FILE deploy/nope.yml: cannot read config: ENOENT\n',
    });
  });

  it('an invalid config names the field', async () => {
    const path = relative(ROOT, join(tmp, 'bad.yml'));
    expect(await check(path)).toEqual({
      code: 2,
      stdout: '',
      stderr: `warden package: WARDEN_CONFIG_FILE ${path}: wide.ipv4Prefix: Too big: expected number to be <=32\n`,
    });
  });

  it('an absolute path', async () => {
    const path = join(ROOT, 'deploy/warden.config.yml');
    expect(await check(path)).toEqual({
      code: 2,
      stdout: '',
      stderr: `warden package: WARDEN_CONFIG_FILE ${path}: must be relative to the project (the functions read it at that path in their package)\n`,
    });
  });

  it('a path outside the project', async () => {
    const result = await check('../warden.yml');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'warden package: WARDEN_CONFIG_FILE ../warden.yml: must be inside the project (only its files are packaged)\n',
    );
  });
});

describe('npm run package', () => {
  it('stops before osls with the one line when WARDEN_CONFIG_FILE is missing', async () => {
    const home = await mkdtemp(join(tmpdir(), 'warden-npm-'));
    try {
      const result = await exec('npm', ['run', '--silent', 'package'], {
        WARDEN_CONFIG_FILE: 'deploy/nope.yml',
        HOME: home,
        SLS_TELEMETRY_DISABLED: '1',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        'warden package: WARDEN_CONFIG_FILE deploy/nope.yml: cannot read config: ENOENT',
      ]);
      expect(result.stdout).not.toMatch(/Packaging|osls|Serverless/i);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
