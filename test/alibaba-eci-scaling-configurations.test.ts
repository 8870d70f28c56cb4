import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alibabaPageKinds } from '../adapters/alibaba/normalize.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { runWarden } from './support/cli.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';

// Issue 14 §1: the ECI scaling configurations of Alibaba Auto Scaling (ESS API reference,
// "DescribeEciScalingConfigurations", version 2014-08-28: `ScalingConfigurations.ScalingConfiguration[]`
// with SecurityGroupId, AutoCreateEip, EipBandwidth, Ipv6AddressCount; 2022-02-22 gives the list bare)
// name the group of the container groups they launch. Read live through the OpenAPI client (signed and
// checked by the loopback fake), written by `warden snapshot`, recognized in a snapshot by shape.

const ACCESS_KEY_ID = 'LTAI5tWardenEciKey001';
const ACCESS_KEY_SECRET = 'wArDeN-eCi-sEcReT-0123456789';
const REGION = 'cn-hangzhou';
const CHECKED =
  "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; no Auto Scaling scaling configuration names it; no Auto Scaling ECI scaling configuration names it.";

let fake: FakeAlibabaEcs;
let dir: string;

const run = (args: string[]) => runWarden(args, { cwd: dir, env: fake.env() });
const LIVE = ['--provider', 'alibaba', '--regions', REGION];

const unused = (report: AuditReport) =>
  report.findings
    .filter((f) => f.check === 'unused-group')
    .map((f) => f.groupName)
    .sort();
const ssh = (report: AuditReport, group: string) =>
  report.findings.find((f) => f.check === 'internet-admin-port' && f.groupName === group);
const detailOf = (report: AuditReport, group: string) =>
  report.findings.find((f) => f.check === 'unused-group' && f.groupName === group)?.detail;
const isEciPage = (page: Record<string, unknown>) => JSON.stringify(page).includes('"ContainerGroupName"');

beforeAll(async () => {
  fake = new FakeAlibabaEcs({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), 'warden-eci-'));
  const sshOpen = (name: string) => {
    const id = fake.addGroup(REGION, { SecurityGroupName: name });
    fake.addPermission(id, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' });
    return id;
  };
  const web = sshOpen('web');
  fake.addInterface(REGION, [web]);
  const pods = sshOpen('pods');
  const podsEip = sshOpen('pods-eip');
  const podsV6 = sshOpen('pods-ipv6');
  fake.addGroup(REGION, { SecurityGroupName: 'orphan' });
  // An ECS scaling configuration on `web` only, so that listing is read and non-empty.
  fake.addScalingConfiguration(REGION, { SecurityGroupIds: [web] });
  // 51 private ECI configurations (two pages of 50), an inactive one creating an EIP, one with IPv6 addresses.
  for (let i = 0; i < 51; i++) fake.addEciScalingConfiguration(REGION, { SecurityGroupId: pods });
  fake.addEciScalingConfiguration(REGION, {
    SecurityGroupId: podsEip,
    LifecycleState: 'Inactive',
    AutoCreateEip: true,
    EipBandwidth: 10,
  });
  fake.addEciScalingConfiguration(REGION, { SecurityGroupId: podsV6, Ipv6AddressCount: 1 });
});

afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Alibaba ECI scaling configurations name groups', () => {
  it('live: DescribeEciScalingConfigurations is read page by page (PageNumber/PageSize 50 until TotalCount), a group only an ECI configuration names is not unused-group, and one creating an EIP or IPv6 addresses keeps its SSH critical', async () => {
    const live = await run(['audit', ...LIVE, '--format', 'json']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as AuditReport;
    expect(unused(report)).toEqual(['orphan']);
    expect(detailOf(report, 'orphan')).toContain(CHECKED);
    expect(ssh(report, 'pods-eip')?.severity).toBe('critical');
    expect(ssh(report, 'pods-ipv6')?.severity).toBe('critical');
    expect(ssh(report, 'pods')?.severity).toBe('high');
    expect(ssh(report, 'pods')?.detail).toContain('none assigning a public address');
    const calls = fake.callsOf('DescribeEciScalingConfigurations');
    expect(calls.map((c) => `${c.params.PageNumber}/${c.params.PageSize}`)).toEqual(['1/50', '2/50']);
    expect(calls.every((c) => c.headers['x-acs-version'] === '2014-08-28' && c.status === 200)).toBe(true);
    expect(fake.rejected).toEqual([]);
  });

  it('snapshot: `warden snapshot` writes the DescribeEciScalingConfigurations pages, and auditing the file gives the live findings', async () => {
    const live = JSON.parse((await run(['audit', ...LIVE, '--format', 'json'])).stdout) as AuditReport;
    const out = join(dir, 'estate.json');
    const snap = await run(['snapshot', ...LIVE, '--out', out]);
    expect(snap.code, snap.stderr).toBe(0);
    const written = JSON.parse(await readFile(out, 'utf8')) as unknown;
    const pages = [written].flat().flatMap((doc) => (doc as { pages: Record<string, unknown>[] }).pages);
    expect(pages.filter(isEciPage)).toHaveLength(2);
    const fromFile = await run(['audit', '--source', out, '--format', 'json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(live.findings);
  });

  it('a snapshot whose ECI listing is an empty page (no entry to tell it from an ECS one) says ECI scaling configurations were not read, never that none names the group', async () => {
    const out = join(dir, 'estate-empty-eci.json');
    await run(['snapshot', ...LIVE, '--out', out]);
    const docs = [JSON.parse(await readFile(out, 'utf8')) as unknown].flat() as { pages: Record<string, unknown>[] }[];
    const empty = {
      RequestId: 'r',
      TotalCount: 0,
      PageNumber: 1,
      PageSize: 50,
      ScalingConfigurations: { ScalingConfiguration: [] },
    };
    const withEmpty = docs.map((doc) => ({ ...doc, pages: [...doc.pages.filter((p) => !isEciPage(p)), empty] }));
    const file = join(dir, 'empty-eci.json');
    await writeFile(file, JSON.stringify(withEmpty));
    const audit = await run(['audit', '--source', file, '--format', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout) as AuditReport;
    expect(unused(report)).toEqual(['orphan', 'pods', 'pods-eip', 'pods-ipv6']);
    expect(detailOf(report, 'pods')).toContain(
      "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; no Auto Scaling scaling configuration names it; ECI scaling configurations were not read, so check them before deleting it.",
    );
  });

  it('a refused DescribeEciScalingConfigurations fails the scope (exit 3, the call named): nothing is reported unused', async () => {
    fake.deny('DescribeEciScalingConfigurations');
    const audit = await run(['audit', ...LIVE, '--format', 'json']);
    expect(audit.code).toBe(3);
    const report = JSON.parse(audit.stdout) as AuditReport & { summary: { scanErrors: { message: string }[] } };
    expect(report.summary.scanErrors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        new RegExp(`^alibaba ${fake.accountId} ${REGION} DescribeEciScalingConfigurations failed: .*Forbidden\\.RAM`),
      ),
    ]);
    expect(unused(report)).toEqual([]);
  });
});

describe('the DescribeEciScalingConfigurations page (ESS API reference, DescribeEciScalingConfigurations)', () => {
  const kind = alibabaPageKinds.find((k) => k.name === 'alibaba:DescribeEciScalingConfigurations');
  const ctx = { provider: 'alibaba' as const, account: '1968132000120001', region: REGION, origin: 'test' };
  const uses = (page: unknown) =>
    alibabaPageKinds
      .filter((k) => k.matches(page))
      .flatMap((k) => k.normalize(page, ctx).groupUses ?? [])
      .map((u) => `${u.by.kind} ${u.by.id} ${u.groupId} ${u.assignsPublicAddress}`);

  it('is recognized by its entries, as version 2014-08-28 nests the list and 2022-02-22 gives it bare; an EIP (AutoCreateEip not false) or IPv6 addresses make it public', () => {
    const nested = {
      TotalCount: 2,
      ScalingConfigurations: {
        ScalingConfiguration: [
          {
            ScalingConfigurationId: 'asc-1',
            ContainerGroupName: 'web',
            SecurityGroupId: 'sg-a',
            AutoCreateEip: false,
            EipBandwidth: 5,
            Ipv6AddressCount: 0,
            Containers: { Container: [{ Name: 'app', Image: 'nginx' }] },
          },
          { ScalingConfigurationId: 'asc-2', SecurityGroupId: 'sg-b', AutoCreateEip: true, EipBandwidth: 5 },
        ],
      },
    };
    const bare = {
      ScalingConfigurations: [
        {
          ScalingConfigurationId: 'asc-3',
          ScalingConfigurationName: 'pods',
          SecurityGroupId: 'sg-c',
          AutoCreateEip: 'false',
          Ipv6AddressCount: 2,
          Containers: [{ Name: 'app', Image: 'nginx' }],
        },
        // Without AutoCreateEip nothing says no EIP is created: public.
        { ScalingConfigurationId: 'asc-4', SecurityGroupId: 'sg-d', Containers: [] },
      ],
    };
    expect(uses(nested)).toEqual([
      'eci-scaling-configuration asc-1 sg-a false',
      'eci-scaling-configuration asc-2 sg-b true',
    ]);
    expect(uses(bare)).toEqual([
      'eci-scaling-configuration asc-3 sg-c true',
      'eci-scaling-configuration asc-4 sg-d true',
    ]);
    expect(alibabaPageKinds.filter((k) => k.matches(bare)).map((k) => k.name)).toEqual([
      'alibaba:DescribeEciScalingConfigurations',
    ]);
  });

  it('an ECS scaling configurations page is not an ECI one, and an empty page (of either) reads as the ECS listing only', () => {
    const ecs = {
      ScalingConfigurations: {
        ScalingConfiguration: [
          { ScalingConfigurationId: 'asc-9', SecurityGroupId: 'sg-e', InternetMaxBandwidthOut: 0 },
        ],
      },
    };
    expect(kind?.matches(ecs)).toBe(false);
    expect(uses(ecs)).toEqual(['scaling-configuration asc-9 sg-e false']);
    const empty = { TotalCount: 0, ScalingConfigurations: { ScalingConfiguration: [] } };
    expect(alibabaPageKinds.filter((k) => k.matches(empty)).map((k) => k.name)).toEqual([
      'alibaba:DescribeScalingConfigurations',
    ]);
  });

  it('a configuration without its id is reported, never dropped; the page says the ECI listing was read', () => {
    const broken = kind?.normalize(
      { ScalingConfigurations: { ScalingConfiguration: [{ SecurityGroupId: 'sg-a', ContainerGroupName: 'x' }] } },
      ctx,
    );
    expect(broken?.unparseable.map((u) => u.reason)).toEqual([
      'ECI scaling configuration without ScalingConfigurationId',
    ]);
    expect(broken?.groupUseListings).toEqual([{ provider: 'alibaba', kind: 'eci-scaling-configuration' }]);
  });
});
