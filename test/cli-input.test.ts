import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { expectOneLineError, ROOT, runWarden } from './support/cli.ts';

// Issue 11, section 5: input that is read, or refused in one line. Through the CLI.

const AWS_EXAMPLE = join(ROOT, 'examples/aws-eu-west-1.json');

let tmp: string;
const file = (name: string) => join(tmp, name);
let example: string;

/** The summary without `source`, which names what was read (the path, or `-` for standard input). */
function summaryOf(stdout: string): Omit<AuditReport['summary'], 'source'> {
  const { source: _source, ...summary } = (
    JSON.parse(stdout) as { summary: AuditReport['summary'] & { source?: unknown } }
  ).summary;
  return summary;
}

/** The audit of `source` (read with `input` on stdin) succeeds and sums up as examples/aws-eu-west-1.json does. */
async function expectSameAsExample(source: string, input?: string): Promise<void> {
  const [read, direct] = await Promise.all([
    runWarden(['audit', '--source', source, '--format', 'json'], input === undefined ? {} : { input }),
    runWarden(['audit', '--source', AWS_EXAMPLE, '--format', 'json']),
  ]);
  expect(read.code, read.stderr).toBe(0);
  expect(summaryOf(read.stdout).groups).toBeGreaterThan(0);
  expect(summaryOf(read.stdout)).toEqual(summaryOf(direct.stdout));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-input-'));
  example = await readFile(AWS_EXAMPLE, 'utf8');
  // A folder whose only snapshot is a symbolic link, and a link back to the folder itself.
  await mkdir(file('linked'));
  await symlink(AWS_EXAMPLE, file('linked/aws.json'));
  await symlink('.', file('linked/loop'));
  await writeFile(file('bom.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(example)]));
  await writeFile(file('utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(example, 'utf16le')]));
  await writeFile(file('broken.json'), '{\n  "provider": "aws",\n  "pages": [ {"SecretToken": "hunter2"} oops ]\n}\n');
  execFileSync('mkfifo', [file('pipe.json')]);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('--source reads every snapshot it is given', () => {
  it('a symlinked *.json under the folder is read, and a link loop is read once', async () => {
    await expectSameAsExample(file('linked'));
  });

  it('`--source -` reads one snapshot from standard input', async () => {
    await expectSameAsExample('-', example);
  });

  it('`--source -` reads a bare API body (aws ec2 describe-security-groups | warden audit --source -)', async () => {
    const body = JSON.stringify({
      SecurityGroups: [
        {
          GroupId: 'sg-0aaaaaaaaaaaaaaa1',
          GroupName: 'ssh',
          OwnerId: '123456789012',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          IpPermissionsEgress: [],
        },
      ],
    });
    const result = await runWarden(['audit', '--source', '-', '--format', 'json'], { input: body });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(report.summary.groups).toBe(1);
    expect(report.findings.some((f) => f.check === 'internet-admin-port')).toBe(true);
  });

  it('empty standard input is refused in one line', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--source', '-']))).toBe(
      'warden: --source -: standard input is empty',
    );
  });

  it('/dev/null is refused in one line, exit 2', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--source', '/dev/null']))).toBe(
      'warden: /dev/null: a character device, not a snapshot file or folder (use --source - to read standard input)',
    );
  });

  it('a FIFO is refused in one line, exit 2, without blocking on it', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--source', file('pipe.json')]))).toBe(
      `warden: ${file('pipe.json')}: a FIFO, not a snapshot file or folder (use --source - to read standard input)`,
    );
  });

  it('a snapshot with a UTF-8 byte order mark is read', async () => {
    const result = await runWarden(['audit', '--source', file('bom.json'), '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(summaryOf(result.stdout).groups).toBeGreaterThan(0);
  });

  it('a UTF-16 snapshot (Windows PowerShell `>`) is read', async () => {
    await expectSameAsExample(file('utf16.json'));
  });

  it('a JSON error names the file, line and column and never echoes the content', async () => {
    const message = expectOneLineError(await runWarden(['audit', '--source', file('broken.json')]));
    expect(message).toBe(
      `warden: ${file('broken.json')}: invalid JSON at line 3, column 41: expected ',' or ']' after array element`,
    );
    expect(message).not.toContain('hunter2');
  });
});

describe("a JSON error without a position in the parser's message", () => {
  it('still names line and column, and not the unexpected text', async () => {
    await writeFile(file('token.json'), '{\n  "pages":\n    secret-value\n}');
    const message = expectOneLineError(await runWarden(['audit', '--source', file('token.json')]));
    expect(message).toBe(`warden: ${file('token.json')}: invalid JSON at line 3, column 5: unexpected character`);
  });
});
