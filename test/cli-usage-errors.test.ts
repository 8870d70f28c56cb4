import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { COMMANDS } from '../src/cli/usage.ts';
import { expectOneLineError, ROOT, runWarden } from './support/cli.ts';

// Issue 11, section 5: every CLI error is one line on stderr, pointing to the command's help;
// --help and --version for every command; prefixes and change ids checked before anything is read.

let tmp: string;
const file = (name: string) => join(tmp, name);
let version: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-usage-'));
  version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('--help and --version for every command', () => {
  for (const command of COMMANDS) {
    it(`warden ${command} --help prints its usage, exit 0`, async () => {
      const result = await runWarden([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(`Usage: warden ${command}`)).toBe(true);
      expect(result.stderr).toBe('');
    });

    it(`warden ${command} --version prints the package version, exit 0`, async () => {
      const result = await runWarden([command, '--version']);
      expect(result).toEqual({ code: 0, stdout: `warden ${version}\n`, stderr: '' });
    });
  }

  it('warden --version and warden --help', async () => {
    expect(await runWarden(['--version'])).toEqual({ code: 0, stdout: `warden ${version}\n`, stderr: '' });
    const help = await runWarden(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`warden ${command}`);
  });
});

describe.concurrent('usage errors: one line, exit 2, no usage dump', () => {
  it('no command', async () => {
    expect(expectOneLineError(await runWarden([]))).toBe('warden: no command given (see `warden --help`)');
  });

  it("a missing option value names the command's help", async () => {
    expect(expectOneLineError(await runWarden(['snapshot', '--provider', 'aws']))).toBe(
      'warden: snapshot needs --out <file> (see `warden snapshot --help`)',
    );
  });

  it('warden fix with a prefix shorter than 8 hex characters', async () => {
    expect(expectOneLineError(await runWarden(['fix', '0123abc']))).toBe(
      'warden: "0123abc" is not a finding fingerprint (at least 8 hex characters) (see `warden fix --help`)',
    );
  });

  it('warden revert with something that is not a change id', async () => {
    expect(expectOneLineError(await runWarden(['revert', '../../etc/passwd']))).toBe(
      'warden: "../../etc/passwd" is not a change id (chg-…, as `warden fix` printed it) (see `warden revert --help`)',
    );
  });

  it('warden snapshot --out checks that it can write before it reads anything', async () => {
    // No config and no credentials: reading would fail with another message; the output is checked first.
    expect(
      expectOneLineError(await runWarden(['snapshot', '--provider', 'aws', '--out', file('missing/folder/snap.json')])),
    ).toBe(`warden: --out ${file('missing/folder/snap.json')}: cannot write: ENOENT`);
    expect(expectOneLineError(await runWarden(['snapshot', '--provider', 'aws', '--out', tmp]))).toBe(
      `warden: --out ${tmp}: is a folder, not a file`,
    );
  });
});

describe.concurrent('unexpected errors: one line, exit 4, the stack only with WARDEN_DEBUG=1', () => {
  const record = 'chg-20250101T000000.000Z-abcdef';

  async function brokenStore(name: string): Promise<string> {
    const dir = file(name);
    await mkdir(join(dir, 'changes'), { recursive: true });
    await writeFile(join(dir, 'changes', `${record}.json`), 'not json');
    return dir;
  }

  it('without WARDEN_DEBUG', async () => {
    const dir = await brokenStore('state-plain');
    const message = expectOneLineError(
      await runWarden(['revert', record, '--yes'], { env: { WARDEN_STATE_DIR: dir } }),
      4,
    );
    expect(message).toMatch(
      /^warden: internal error: Error: change record .* is not valid JSON: .* \(WARDEN_DEBUG=1 shows where\)$/,
    );
  });

  it('with WARDEN_DEBUG=1', async () => {
    const dir = await brokenStore('state-debug');
    const result = await runWarden(['revert', record, '--yes'], { env: { WARDEN_STATE_DIR: dir, WARDEN_DEBUG: '1' } });
    expect(result.code).toBe(4);
    expect(result.stderr.split('\n')[0]).toMatch(/^warden: internal error: Error: change record /);
    expect(result.stderr).toMatch(/\n\s+at .*changes\.ts/);
  });
});

describe.concurrent('fingerprint prefixes: at least 8 hex characters, matching exactly one', () => {
  const FINGERPRINT = 'abcdef012345';

  async function stateWithApplied(name: string): Promise<string> {
    const dir = file(name);
    await mkdir(join(dir, 'changes'), { recursive: true });
    const change = {
      changeId: 'chg-20250101T000000.000Z-000001',
      kind: 'apply',
      actor: 'alice@cli',
      at: '2025-01-01T00:00:00.000Z',
      plan: {
        finding: { fingerprint: FINGERPRINT, check: 'internet-admin-port' },
        target: {
          provider: 'aws',
          account: '123456789012',
          region: 'eu-west-1',
          groupId: 'sg-0applied',
          groupName: 'web',
        },
      },
      preImage: [],
      addedRuleIds: [],
      status: 'applied',
      messages: [],
    };
    await writeFile(join(dir, 'changes', `${change.changeId}.json`), JSON.stringify(change));
    return dir;
  }

  it('the already-applied path takes an 8-character prefix', async () => {
    const dir = await stateWithApplied('applied-8');
    const result = await runWarden(['fix', FINGERPRINT.slice(0, 8), '--format', 'json'], {
      env: { WARDEN_STATE_DIR: dir },
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { status: string }).status).toBe('already-applied');
  });

  it('the already-applied path refuses a 6-character prefix, as every other path does', async () => {
    const dir = await stateWithApplied('applied-6');
    const result = await runWarden(['fix', FINGERPRINT.slice(0, 6)], { env: { WARDEN_STATE_DIR: dir } });
    expect(expectOneLineError(result)).toBe(
      'warden: "abcdef" is not a finding fingerprint (at least 8 hex characters) (see `warden fix --help`)',
    );
  });

  it('a prefix of a finding in the audit finds it', async () => {
    const audit = await runWarden(['audit', '--format', 'json']);
    const report = JSON.parse(audit.stdout) as AuditReport;
    // A group's finding: an interface finding (its group a set) has no fix of its own.
    const target = report.findings.find(
      (f) =>
        !f.decidingGroups &&
        report.findings.filter((g) => g.fingerprint.startsWith(f.fingerprint.slice(0, 8))).length === 1,
    );
    const result = await runWarden(['fix', (target?.fingerprint ?? '').slice(0, 8), '--dry-run', '--format', 'json'], {
      env: { WARDEN_STATE_DIR: file('empty-state') },
    });
    expect([0, 1]).toContain(result.code);
    expect(result.stderr).toBe('');
  });
});

/** A control character other than a newline or tab, as a terminal would act on it. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

describe.concurrent('control characters in provider text are escaped on the terminal', () => {
  it('a group name with an escape sequence and a newline', async () => {
    const name = 'evil\u001b[2J\nname';
    const snapshot = {
      provider: 'aws',
      account: '123456789012',
      region: 'eu-west-1',
      pages: [
        {
          SecurityGroups: [
            {
              GroupId: 'sg-0000000000000bad1',
              GroupName: name,
              Description: 'desc\u0007',
              OwnerId: '123456789012',
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: 22,
                  ToPort: 22,
                  IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh\u001b]0;pwned\u0007' }],
                },
              ],
              IpPermissionsEgress: [],
            },
          ],
        },
      ],
    };
    await writeFile(file('control.json'), JSON.stringify(snapshot));
    for (const format of ['table', 'markdown']) {
      const result = await runWarden(['audit', '--source', file('control.json'), '--format', format]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(RAW_CONTROL);
      expect(result.stdout).toContain(format === 'table' ? 'evil\\x1b[2J\\x0aname' : 'evil\\x1b[2J name');
    }
    const explained = await runWarden(['explain', '--source', file('control.json'), 'sg-0000000000000bad1']);
    expect(explained.stdout).not.toMatch(RAW_CONTROL);
    expect(explained.stdout).toContain('evil\\x1b[2J\\x0aname');
  });
});
