import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { applySuppressions } from '../src/analysis/suppressions.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { group as groupOf, networkInterface, rule } from './support/build.ts';
import { awsEniRecord, awsGroupRecord } from './support/aws-snapshot.ts';
import { runCli } from './support/run-cli.ts';

// The config's suppressions and interface findings, whose group is a set (`sg-a+sg-b`): a suppression
// naming one group covers an interface finding only when that group's rules alone decide it; naming
// the set (or the fingerprint) covers the set's finding. Accepting one group's exposure must never hide
// exposure through another group on the same interface.

const ACCOUNT = '111122223333';
const ADMIN = 'sg-0aaaaaaaaaaaaaaa2';
const RDP = 'sg-0aaaaaaaaaaaaaaa3';
const ALSO_SSH = 'sg-0aaaaaaaaaaaaaaa4';
let tmp: string;
const file = (name: string) => join(tmp, name);

const group = (id: string, name: string, port: number) => awsGroupRecord(ACCOUNT, id, name, port, '0.0.0.0/0');
const eni = (id: string, groups: string[], publicIp: string) => awsEniRecord(ACCOUNT, id, groups, { publicIp });

async function audit(suppressions: object[]): Promise<AuditReport> {
  await writeFile(file('warden.json'), JSON.stringify({ suppressions }));
  const result = await runCli([
    'audit',
    '--source',
    file('estate.json'),
    '--config',
    file('warden.json'),
    '--format',
    'json',
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AuditReport;
}

const interfaceFindings = (findings: AuditReport['findings']) =>
  findings
    .filter((f) => f.check === 'interface-exposed-to-internet')
    .map((f) => `${f.groupId} ${f.subject}`)
    .sort();

const entry = (group: string) => ({
  check: 'interface-exposed-to-internet' as const,
  group,
  reason: 'accepted for the test',
  expires: '2099-01-01',
});

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-suppress-interfaces-'));
  await writeFile(
    file('estate.json'),
    JSON.stringify({
      provider: 'aws',
      account: ACCOUNT,
      region: 'eu-west-1',
      pages: [
        { SecurityGroups: [group(ADMIN, 'admin', 22), group(RDP, 'rdp', 3389), group(ALSO_SSH, 'also-ssh', 22)] },
        {
          NetworkInterfaces: [
            eni('eni-0000000000000000a', [ADMIN, RDP], '54.0.0.1'),
            eni('eni-0000000000000000b', [ADMIN, ALSO_SSH], '54.0.0.2'),
          ],
        },
      ],
    }),
  );
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('suppressions and interface findings', () => {
  it('without suppressions, each set reports its exposure with the groups that decide it', async () => {
    const report = await audit([]);
    expect(interfaceFindings(report.findings)).toEqual([
      `${ADMIN}+${RDP} port/22`,
      `${ADMIN}+${RDP} port/3389`,
      `${ADMIN}+${ALSO_SSH} port/22`,
    ]);
    const deciding = (groupId: string, subject: string) =>
      report.findings
        .find((f) => f.groupId === groupId && f.subject === subject)
        ?.decidingGroups?.map((g) => g.id)
        .sort();
    expect(deciding(`${ADMIN}+${RDP}`, 'port/22')).toEqual([ADMIN]);
    expect(deciding(`${ADMIN}+${RDP}`, 'port/3389')).toEqual([RDP]);
    expect(deciding(`${ADMIN}+${ALSO_SSH}`, 'port/22')).toEqual([ADMIN, ALSO_SSH]);
  });

  it('a suppression naming one group hides the interface exposure its rules alone decide, and no exposure through another group', async () => {
    for (const named of [ADMIN, 'aws:admin']) {
      const report = await audit([entry(named)]);
      expect(interfaceFindings(report.suppressed ?? [])).toEqual([`${ADMIN}+${RDP} port/22`]);
      // RDP through the other group on the same interface, and SSH that another group opens too, stay reported.
      expect(interfaceFindings(report.findings)).toEqual([`${ADMIN}+${RDP} port/3389`, `${ADMIN}+${ALSO_SSH} port/22`]);
      // The group's own check is another check: accepting the interface exposure does not accept it.
      expect(report.findings.some((f) => f.check === 'internet-admin-port' && f.groupId === ADMIN)).toBe(true);
    }
  });

  it('a suppression naming the group set, or the finding, hides that set’s finding only', async () => {
    const bySet = await audit([entry(`${ADMIN}+${ALSO_SSH}`)]);
    expect(interfaceFindings(bySet.suppressed ?? [])).toEqual([`${ADMIN}+${ALSO_SSH} port/22`]);
    expect(interfaceFindings(bySet.findings)).toEqual([`${ADMIN}+${RDP} port/22`, `${ADMIN}+${RDP} port/3389`]);

    const target = bySet.suppressed?.[0]?.fingerprint as string;
    const byFingerprint = await audit([
      { fingerprint: target, reason: 'accepted for the test', expires: '2099-01-01' },
    ]);
    expect(byFingerprint.suppressed?.map((f) => f.fingerprint)).toEqual([target]);
  });
});

describe('Huawei bind order: the groups that decide an interface exposure', () => {
  const PUBLIC = { publicAddresses: [{ address: '198.51.100.7', family: 'ipv4' as const, kind: 'eip' as const }] };
  const ssh = (groupIds: string[], second: ReturnType<typeof rule>) => {
    const estate = {
      groups: [
        groupOf({ id: 'sg-first', rules: [rule({ ports: 22 })] }),
        groupOf({ id: 'sg-second', rules: [second] }),
      ],
      unparseable: [],
      scanErrors: [],
      interfaces: [networkInterface('huawei', 'port-1', groupIds, PUBLIC)],
    };
    const report = auditEstate(estate, defaultConfig());
    const accepted = applySuppressions(report, [entry('sg-first')], new Date('2026-01-01T00:00:00Z')).report;
    const exposed = (findings: AuditReport['findings']) =>
      findings.filter((f) => f.check === 'interface-exposed-to-internet' && f.subject === 'port/22');
    return {
      deciding: exposed(report.findings)[0]?.decidingGroups?.map((g) => g.id),
      kept: exposed(accepted.findings),
    };
  };

  it('a deny in the group bound second does not protect: the exposure is the first group’s alone, and accepting it covers it', () => {
    const { deciding, kept } = ssh(['sg-first', 'sg-second'], rule({ ports: 22, action: 'deny' }));
    expect(deciding).toEqual(['sg-first']);
    expect(kept).toEqual([]);
  });

  it('an allow in the group bound second would expose the port without the first: accepting the first group does not hide it', () => {
    const { deciding, kept } = ssh(['sg-first', 'sg-second'], rule({ ports: 22 }));
    expect(deciding).toEqual(['sg-first', 'sg-second']);
    expect(kept).toHaveLength(1);
  });
});
