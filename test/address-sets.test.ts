import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import { emptyPageResult } from '../src/model/page.ts';
import { planFindings } from '../src/remediation/plan.ts';
import type { AddressSet, Finding, PortSet, SecurityGroup } from '../src/model/types.ts';
import { runWarden } from './support/cli.ts';
import { addressSet, group, rule } from './support/build.ts';
import { auditGroups } from './support/audit.ts';

// Peers that hold addresses (prefix lists, address groups) and Alibaba port lists, evaluated as
// what they hold by every check; a list whose entries were not read is a finding of its own and the
// worst case (allow: everything, deny: nothing), never silence.

let dir: string;

const sgr = (id: string, port: number, list: string) => ({
  SecurityGroupRuleId: id,
  GroupId: 'sg-0aaaaaaaaaaaaaaa1',
  GroupOwnerId: '123456789012',
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  PrefixListId: list,
});
const GROUPS = {
  SecurityGroups: [
    {
      GroupId: 'sg-0aaaaaaaaaaaaaaa1',
      GroupName: 'web',
      OwnerId: '123456789012',
      VpcId: 'vpc-1',
      Description: 'web',
      IpPermissions: [],
      IpPermissionsEgress: [],
    },
  ],
};
const prefixLists = (lists: { id: string; name: string; family: string; owner: string }[]) => ({
  PrefixLists: lists.map((l) => ({
    PrefixListId: l.id,
    PrefixListName: l.name,
    AddressFamily: l.family,
    OwnerId: l.owner,
    Version: 3,
    State: 'create-complete',
    MaxEntries: 10,
  })),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-address-sets-'));
  // The rules only: a snapshot without the lists' pages.
  await writeFile(
    join(dir, 'rules-only.json'),
    JSON.stringify({
      provider: 'aws',
      region: 'eu-west-1',
      pages: [GROUPS, { SecurityGroupRules: [sgr('sgr-1', 22, 'pl-0aaaaaaaaaaaaaaa1')] }],
    }),
  );
  await writeFile(
    join(dir, 'with-lists.json'),
    JSON.stringify({
      provider: 'aws',
      region: 'eu-west-1',
      pages: [
        GROUPS,
        {
          SecurityGroupRules: [
            sgr('sgr-1', 22, 'pl-0aaaaaaaaaaaaaaa6'),
            sgr('sgr-2', 443, 'pl-0aaaaaaaaaaaaaaa2'),
            sgr('sgr-3', 3306, 'pl-0aaaaaaaaaaaaaaae'),
            sgr('sgr-4', 5432, 'pl-0aaaaaaaaaaaaaaa9'),
          ],
        },
        prefixLists([
          { id: 'pl-0aaaaaaaaaaaaaaa6', name: 'anywhere-v6', family: 'IPv6', owner: '123456789012' },
          {
            id: 'pl-0aaaaaaaaaaaaaaa2',
            name: 'com.amazonaws.global.cloudfront.origin-facing',
            family: 'IPv4',
            owner: 'AWS',
          },
          { id: 'pl-0aaaaaaaaaaaaaaae', name: 'empty', family: 'IPv4', owner: '123456789012' },
        ]),
        { PrefixListId: 'pl-0aaaaaaaaaaaaaaa6', Entries: [{ Cidr: '::/0' }] },
        { PrefixListId: 'pl-0aaaaaaaaaaaaaaa2', Entries: [{ Cidr: '13.32.0.0/15' }, { Cidr: '52.84.0.0/15' }] },
        { PrefixListId: 'pl-0aaaaaaaaaaaaaaae', Entries: [] },
        // Not described: an empty answer is what an emulator gives for any id.
        { PrefixListId: 'pl-0aaaaaaaaaaaaaaa9', Entries: [] },
      ],
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prefix lists in snapshots, through the CLI', () => {
  it('a snapshot without the list: unresolved-peer (medium) naming the list, and SSH through it counts as open to the Internet', async () => {
    const result = await runWarden([
      'audit',
      '--source',
      join(dir, 'rules-only.json'),
      '--format',
      'json',
      '--fail-on',
      'medium',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as AuditReport;
    const unresolved = report.findings.filter((f) => f.check === 'unresolved-peer');
    expect(unresolved.map((f) => [f.severity, f.title, f.ruleIds])).toEqual([
      ['medium', 'Entries of prefix list pl-0aaaaaaaaaaaaaaa1 could not be read', ['sgr-1']],
    ]);
    expect(unresolved[0]?.detail).toMatch(
      /^prefix list pl-0aaaaaaaaaaaaaaa1: its entries were not read\. sgr-1 \(allow tcp\/22 from prefix list pl-0aaaaaaaaaaaaaaa1\) is evaluated with it assumed/,
    );
    const ssh = report.findings.find((f) => f.check === 'internet-admin-port');
    expect(ssh?.detail).toContain('Depends on prefix list pl-0aaaaaaaaaaaaaaa1: its entries were not read');
  });

  it("the lists' pages: an IPv6 list is IPv6, an AWS-managed list is not wide, a described empty list opens nothing, an undescribed one is unresolved", async () => {
    const result = await runWarden(['audit', '--source', join(dir, 'with-lists.json'), '--format', 'json']);
    expect(result.stderr).toBe('');
    const findings = (JSON.parse(result.stdout) as AuditReport).findings;
    const of = (check: string) => findings.filter((f) => f.check === check);
    expect(of('internet-admin-port').map((f) => f.detail)).toEqual([expect.stringContaining('TCP IPv6 100%')]);
    expect(of('wide-public-cidr')).toEqual([]);
    expect(of('internet-high-risk-port').map((f) => f.ruleIds)).toEqual([['sgr-4']]);
    expect(of('unresolved-peer').map((f) => f.title)).toEqual([
      'Entries of prefix list pl-0aaaaaaaaaaaaaaa9 could not be read',
    ]);
  });
});

function audit(groups: SecurityGroup[]): Finding[] {
  return auditGroups(groups);
}
const checks = (findings: Finding[]) => [...new Set(findings.map((f) => f.check))].sort();

describe('address sets in the core', () => {
  it('mergePages keeps one set per provider/account/region/id, a read one over an unresolved one in either order, and attaches it to the groups naming it', () => {
    const page = (sets: AddressSet[]) => ({ ...emptyPageResult(), addressSets: sets });
    const groupPage = {
      ...emptyPageResult(),
      rules: [
        {
          provider: 'huawei' as const,
          account: 'acct',
          region: 'region-1',
          groupId: 'sg-1',
          rule: rule({ id: 'r1', ports: 22, peer: { kind: 'address-group', id: 'ag-1' } }),
          authoritative: true,
        },
      ],
    };
    for (const order of [
      [addressSet('ag-1', undefined), addressSet('ag-1', ['0.0.0.0/0'])],
      [addressSet('ag-1', ['0.0.0.0/0']), addressSet('ag-1', undefined)],
    ]) {
      const estate = mergePages([groupPage, page(order), page([addressSet('ag-1', ['0.0.0.0/0'])])]);
      expect(estate.addressSets).toEqual([addressSet('ag-1', ['0.0.0.0/0'])]);
      expect(estate.groups[0]?.addressSets).toEqual([addressSet('ag-1', ['0.0.0.0/0'])]);
    }
  });

  it('an unresolved deny counts as nothing (the allow below it stays open); a read deny closes it', () => {
    const rules = (deny: string) => [
      rule({ id: 'deny', action: 'deny', priority: 1, ports: 22, peer: { kind: 'address-group', id: deny } }),
      rule({ id: 'allow', priority: 2, ports: 22, peer: '0.0.0.0/0' }),
    ];
    const unknown = audit([group({ rules: rules('ag-x'), addressSets: [addressSet('ag-x', undefined)] })]);
    expect(checks(unknown)).toEqual(expect.arrayContaining(['internet-admin-port', 'unresolved-peer']));
    const known = audit([group({ rules: rules('ag-all'), addressSets: [addressSet('ag-all', ['0.0.0.0/0'])] })]);
    expect(checks(known)).not.toContain('internet-admin-port');
    expect(checks(known)).not.toContain('unresolved-peer');
  });

  it('every check sees the addresses: all ports open through a set, and a CIDR rule shadowed by a set rule', () => {
    const findings = audit([
      group({
        rules: [
          rule({ id: 'wide', protocol: 'all', peer: { kind: 'address-group', id: 'ag-halves' } }),
          rule({ id: 'inner', ports: 22, peer: '10.0.0.0/8', priority: 2 }),
        ],
        addressSets: [addressSet('ag-halves', ['0.0.0.0/1', '128.0.0.0/1'])],
      }),
    ]);
    expect(checks(findings)).toEqual(
      expect.arrayContaining(['internet-all-ports', 'internet-admin-port', 'shadowed-rule']),
    );
    expect(findings.find((f) => f.check === 'shadowed-rule')?.ruleIds).toEqual(['inner']);
  });

  it('an Alibaba port list resolves to its ports; one not read opens every port in an allow', () => {
    const portSet = (id: string, ports?: { from: number; to: number }[]): PortSet => ({
      provider: 'alibaba',
      account: 'acct',
      region: 'region-1',
      id,
      name: id,
      ...(ports ? { ports } : { unresolved: 'Forbidden' }),
    });
    const viaList = (id: string) => ({
      ...rule({ id: 'r', ports: [{ from: 0, to: 65535 }], peer: '0.0.0.0/0', priority: 1 }),
      portList: { id },
    });
    const read = audit([
      group({
        provider: 'alibaba',
        rules: [viaList('prl-ssh')],
        portSets: [portSet('prl-ssh', [{ from: 22, to: 22 }])],
      }),
    ]);
    expect(checks(read)).toContain('internet-admin-port');
    expect(checks(read)).not.toContain('internet-all-ports');
    expect(checks(read)).not.toContain('port-range');
    const unread = audit([group({ provider: 'alibaba', rules: [viaList('prl-x')], portSets: [portSet('prl-x')] })]);
    expect(checks(unread)).toEqual(expect.arrayContaining(['internet-all-ports', 'unresolved-peer']));
    expect(unread.find((f) => f.check === 'unresolved-peer')?.title).toBe(
      'Entries of port list prl-x could not be read',
    );
  });

  it('a finding that rests on a list whose entries were not read gets no plan, and says why', () => {
    const g = group({
      rules: [rule({ id: 'r', ports: 22, peer: { kind: 'address-group', id: 'ag-x' } })],
      addressSets: [addressSet('ag-x', undefined)],
    });
    const findings = audit([g]).filter((f) => f.check === 'internet-admin-port');
    const planned = planFindings([g], findings, defaultConfig());
    expect(planned.offered).toEqual([]);
    expect(planned.withoutPlan.map((w) => w.reason)).toEqual([
      'the finding rests on address group ag-x: Forbidden: grant Warden read access to the list (or put its entries in the snapshot) and audit again',
    ]);
  });
});
