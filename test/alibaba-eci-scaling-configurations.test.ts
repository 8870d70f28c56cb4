import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alibabaPageKinds } from '../adapters/alibaba/normalize.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import {
  ESS_CHECKED as CHECKED,
  ESS_LIVE,
  ESS_REGION,
  expectRefusalFailsScope,
  expectSnapshotAuditsAsLive,
  snapshotPages,
  sshFinding,
  startEssRig,
  unusedDetail,
  unusedGroups,
} from './support/alibaba-ess.ts';
import type { EssRig } from './support/alibaba-ess.ts';

// Issue 14 §1: the ECI scaling configurations of Alibaba Auto Scaling (ESS API reference,
// "DescribeEciScalingConfigurations", version 2014-08-28: `ScalingConfigurations.ScalingConfiguration[]`
// with SecurityGroupId, AutoCreateEip, EipBandwidth, Ipv6AddressCount; 2022-02-22 gives the list bare)
// name the group of the container groups they launch. Read live through the OpenAPI client (signed and
// checked by the loopback fake), written by `warden snapshot`, recognized in a snapshot by shape.

let rig: EssRig;
const isEciPage = (page: Record<string, unknown>) => JSON.stringify(page).includes('"ContainerGroupName"');

beforeAll(async () => {
  rig = await startEssRig({ accessKeyId: 'LTAI5tWardenEciKey001', accessKeySecret: 'wArDeN-eCi-sEcReT-0123456789' });
  const { fake, sshOpen } = rig;
  const web = sshOpen('web');
  fake.addInterface(ESS_REGION, [web]);
  const pods = sshOpen('pods');
  const podsEip = sshOpen('pods-eip');
  const podsV6 = sshOpen('pods-ipv6');
  fake.addGroup(ESS_REGION, { SecurityGroupName: 'orphan' });
  // An ECS scaling configuration on `web` only, so that listing is read and non-empty.
  fake.addScalingConfiguration(ESS_REGION, { SecurityGroupIds: [web] });
  // 51 private ECI configurations (two pages of 50), an inactive one creating an EIP, one with IPv6 addresses.
  for (let i = 0; i < 51; i++) fake.addEciScalingConfiguration(ESS_REGION, { SecurityGroupId: pods });
  fake.addEciScalingConfiguration(ESS_REGION, {
    SecurityGroupId: podsEip,
    LifecycleState: 'Inactive',
    AutoCreateEip: true,
    EipBandwidth: 10,
  });
  fake.addEciScalingConfiguration(ESS_REGION, { SecurityGroupId: podsV6, Ipv6AddressCount: 1 });
});

afterAll(async () => {
  await rig?.close();
});

describe('Alibaba ECI scaling configurations name groups', () => {
  it('live: DescribeEciScalingConfigurations is read page by page (PageNumber/PageSize 50 until TotalCount), a group only an ECI configuration names is not unused-group, and one creating an EIP or IPv6 addresses keeps its SSH critical', async () => {
    const live = await rig.run(['audit', ...ESS_LIVE, '--format', 'json']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as AuditReport;
    expect(unusedGroups(report)).toEqual(['orphan']);
    expect(unusedDetail(report, 'orphan')).toContain(CHECKED);
    expect(sshFinding(report, 'pods-eip')?.severity).toBe('critical');
    expect(sshFinding(report, 'pods-ipv6')?.severity).toBe('critical');
    expect(sshFinding(report, 'pods')?.severity).toBe('high');
    expect(sshFinding(report, 'pods')?.detail).toContain('none assigning a public address');
    const calls = rig.fake.callsOf('DescribeEciScalingConfigurations');
    expect(calls.map((c) => `${c.params.PageNumber}/${c.params.PageSize}`)).toEqual(['1/50', '2/50']);
    expect(calls.every((c) => c.headers['x-acs-version'] === '2014-08-28' && c.status === 200)).toBe(true);
    expect(rig.fake.rejected).toEqual([]);
  });

  it('snapshot: `warden snapshot` writes the DescribeEciScalingConfigurations pages, and auditing the file gives the live findings', async () => {
    const out = join(rig.dir, 'estate.json');
    const { pages } = await snapshotPages(rig, out);
    expect(pages.filter(isEciPage)).toHaveLength(2);
    await expectSnapshotAuditsAsLive(rig, out);
  });

  it('a snapshot whose ECI listing is an empty page (no entry to tell it from an ECS one) says ECI scaling configurations were not read, never that none names the group', async () => {
    const { docs } = await snapshotPages(rig, join(rig.dir, 'estate-empty-eci.json'));
    const empty = {
      RequestId: 'r',
      TotalCount: 0,
      PageNumber: 1,
      PageSize: 50,
      ScalingConfigurations: { ScalingConfiguration: [] },
    };
    const withEmpty = docs.map((doc) => ({ ...doc, pages: [...doc.pages.filter((p) => !isEciPage(p)), empty] }));
    const file = join(rig.dir, 'empty-eci.json');
    await writeFile(file, JSON.stringify(withEmpty));
    const audit = await rig.run(['audit', '--source', file, '--format', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout) as AuditReport;
    expect(unusedGroups(report)).toEqual(['orphan', 'pods', 'pods-eip', 'pods-ipv6']);
    expect(unusedDetail(report, 'pods')).toContain(
      "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; no Auto Scaling scaling configuration names it; ECI scaling configurations were not read, so check them before deleting it.",
    );
  });

  it('a refused DescribeEciScalingConfigurations fails the scope (exit 3, the call named): nothing is reported unused', async () => {
    await expectRefusalFailsScope(rig, 'DescribeEciScalingConfigurations');
  });
});

describe('the DescribeEciScalingConfigurations page (ESS API reference, DescribeEciScalingConfigurations)', () => {
  const kind = alibabaPageKinds.find((k) => k.name === 'alibaba:DescribeEciScalingConfigurations');
  const ctx = { provider: 'alibaba' as const, account: '1968132000120001', region: ESS_REGION, origin: 'test' };
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
