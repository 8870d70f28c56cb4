import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { awsEniRecord, awsGroupRecord } from './support/aws-snapshot.ts';
import { runCli } from './support/run-cli.ts';
import type { CliRun } from './support/run-cli.ts';

// Issue 14 §3 through the CLI: interface findings and `warden explain --interface/--instance`.

const ACCOUNT = '111122223333';
let tmp: string;
const file = (name: string) => join(tmp, name);

const group = (id: string, name: string, port: number, cidr: string) => awsGroupRecord(ACCOUNT, id, name, port, cidr);

const WEB = group('sg-0aaaaaaaaaaaaaaa1', 'web', 443, '0.0.0.0/0');
const ADMIN = group('sg-0aaaaaaaaaaaaaaa2', 'admin', 22, '0.0.0.0/0');

const eni = (id: string, groups: string[], options: { publicIp?: string; instance?: string } = {}) =>
  awsEniRecord(ACCOUNT, id, groups, options);

function snapshot(interfaces?: object[]) {
  return JSON.stringify({
    provider: 'aws',
    account: ACCOUNT,
    region: 'eu-west-1',
    pages: [{ SecurityGroups: [WEB, ADMIN] }, ...(interfaces ? [{ NetworkInterfaces: interfaces }] : [])],
  });
}

/** Bad input: exit 2, nothing on stdout, one line on stderr. */
function usageError(result: CliRun): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  return result.stderr.trimEnd();
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-interfaces-'));
  await writeFile(
    file('estate.json'),
    snapshot([
      eni('eni-0000000000000000a', [WEB.GroupId, ADMIN.GroupId], {
        publicIp: '54.0.0.1',
        instance: 'i-0aaaaaaaaaaaaaaa1',
      }),
      eni('eni-0000000000000000b', [ADMIN.GroupId, WEB.GroupId], {
        publicIp: '54.0.0.2',
        instance: 'i-0aaaaaaaaaaaaaaa2',
      }),
      eni('eni-0000000000000000c', [ADMIN.GroupId, 'sg-0ffffffffffffffff'], { publicIp: '54.0.0.3' }),
    ]),
  );
  await writeFile(file('no-interfaces.json'), snapshot());
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('warden audit with interfaces', () => {
  it('reports one interface finding per group set, with the interfaces it concerns, and counts interfaces it could not judge', async () => {
    const result = await runCli(['audit', '--source', file('estate.json'), '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as AuditReport;
    const exposed = report.findings.filter((f) => f.check === 'interface-exposed-to-internet');
    expect(exposed.map((f) => [f.groupId, f.subject, f.severity, f.reach?.interfaces, f.reach?.instances])).toEqual([
      [`${WEB.GroupId}+${ADMIN.GroupId}`, 'port/22', 'critical', 2, 2],
    ]);
    expect(report.summary.interfacesNotEvaluated).toEqual({
      count: 1,
      reasons: [
        {
          reason:
            'group sg-0ffffffffffffffff is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read)',
          interfaces: 1,
          sample: ['eni-0000000000000000c'],
        },
      ],
    });
    const table = await runCli(['audit', '--source', file('estate.json')]);
    expect(table.stdout).toContain('1 interface not evaluated (not judged on fewer groups than they carry):');
    expect(table.stdout).toContain(
      'group sg-0ffffffffffffffff is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read): 1 interface (eni-0000000000000000c)',
    );
  });
});

describe('warden explain --interface / --instance', () => {
  it('shows the combined exposure of an interface with the deciding group and rule of each part', async () => {
    const result = await runCli(['explain', '--source', file('estate.json'), '--interface', 'eni-0000000000000000a']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `aws ${ACCOUNT} eu-west-1 interface eni-0000000000000000a (instance i-0aaaaaaaaaaaaaaa1) — effective ingress`,
    );
    expect(result.stdout).toContain('public: 54.0.0.1 (public-ip)');
    expect(result.stdout).toMatch(
      /allow ipv4 tcp\/22 from 0\.0\.0\.0\/0 \[100% of public ipv4\]\n\s+decided by group sg-0aaaaaaaaaaaaaaa2 \(admin\): /,
    );
    expect(result.stdout).toMatch(
      /allow ipv4 tcp\/443 from 0\.0\.0\.0\/0 .*\n\s+decided by group sg-0aaaaaaaaaaaaaaa1 \(web\): /,
    );
  });

  it('--instance explains every interface attached to it; --format json carries groups, notes and parts', async () => {
    const result = await runCli([
      'explain',
      '--source',
      file('estate.json'),
      '--instance',
      'i-0aaaaaaaaaaaaaaa2',
      '--format',
      'json',
    ]);
    expect(result.code).toBe(0);
    const [explained, ...rest] = JSON.parse(result.stdout) as {
      interfaceId: string;
      semantics: string;
      notes: string[];
      parts: { ports: string; group?: { id: string }; decision: string }[];
    }[];
    expect(rest).toEqual([]);
    expect(explained?.interfaceId).toBe('eni-0000000000000000b');
    expect(explained?.semantics).toBe('union');
    expect(explained?.parts.map((p) => `${p.decision} ${p.ports} ${p.group?.id}`)).toEqual([
      'allow 22 sg-0aaaaaaaaaaaaaaa2',
      'allow 443 sg-0aaaaaaaaaaaaaaa1',
    ]);
  });

  it('an interface with a group that was not read says so in its notes', async () => {
    const result = await runCli(['explain', '--source', file('estate.json'), '--interface', 'eni-0000000000000000c']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'note: group sg-0ffffffffffffffff is bound to the interface but was not read: its rules are left out',
    );
  });

  it('an unknown interface or instance is one line naming it, exit 2', async () => {
    expect(usageError(await runCli(['explain', '--source', file('estate.json'), '--interface', 'eni-0nothere']))).toBe(
      `warden: interface eni-0nothere is not in ${file('estate.json')}`,
    );
    expect(usageError(await runCli(['explain', '--source', file('estate.json'), '--instance', 'i-0nothere']))).toBe(
      `warden: instance i-0nothere is not in ${file('estate.json')} (no interface listed there is attached to it)`,
    );
  });

  it('a source without an interface listing is one line, exit 2', async () => {
    expect(
      usageError(
        await runCli(['explain', '--source', file('no-interfaces.json'), '--interface', 'eni-0000000000000000a']),
      ),
    ).toBe(
      `warden: interface eni-0000000000000000a: ${file('no-interfaces.json')} lists no network interfaces (take a snapshot that reads them)`,
    );
  });

  it('a group id together with --interface, or both options, is a usage error', async () => {
    expect(
      usageError(await runCli(['explain', '--source', file('estate.json'), '--interface', 'eni-1', 'sg-1'])),
    ).toMatch(/^warden: explain takes one of: a group id, --interface <id>, --instance <id> \(/);
    expect(
      usageError(
        await runCli(['explain', '--source', file('estate.json'), '--interface', 'eni-1', '--instance', 'i-1']),
      ),
    ).toMatch(/^warden: explain takes one of: a group id, --interface <id>, --instance <id> \(/);
  });
});
