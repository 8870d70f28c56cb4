import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productEndpointFor } from '../adapters/alibaba/client.ts';
import { alibabaPageKinds } from '../adapters/alibaba/normalize.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import {
  ESS_CHECKED as CHECKED,
  ESS_LIVE as LIVE,
  ESS_REGION as REGION,
  expectRefusalFailsScope,
  expectSnapshotAuditsAsLive,
  snapshotPages,
  sshFinding as ssh,
  startEssRig,
  unusedDetail as detailOf,
  unusedGroups as unused,
} from './support/alibaba-ess.ts';
import type { EssRig } from './support/alibaba-ess.ts';

// Issue 14 §1: Alibaba Auto Scaling (ESS) scaling configurations name groups. Read live through the
// OpenAPI client (DescribeScalingConfigurations, version 2014-08-28, signed and checked by the loopback
// fake), written by `warden snapshot` and recognized in a snapshot by shape: a group only a scaling
// configuration names is in use, and one that assigns a public IP keeps its group's SSH critical.

let rig: EssRig;
const run = (args: string[]) => rig.run(args);

beforeAll(async () => {
  rig = await startEssRig({ accessKeyId: 'LTAI5tWardenEssKey001', accessKeySecret: 'wArDeN-eSs-sEcReT-0123456789' });
  const { fake, sshOpen } = rig;
  const web = sshOpen('web');
  fake.addInterface(REGION, [web]);
  // An ECI configuration (on a group in use anyway): an empty ECI listing in a snapshot could not be told
  // from an empty ECS one (test/alibaba-eci-scaling-configurations.test.ts), a listed one can.
  fake.addEciScalingConfiguration(REGION, { SecurityGroupId: web });
  const scaled = sshOpen('scaled');
  const scaledPublic = sshOpen('scaled-public');
  const secondary = fake.addGroup(REGION, { SecurityGroupName: 'scaled-secondary' });
  fake.addGroup(REGION, { SecurityGroupName: 'orphan' });
  // 51 private configurations (two pages of 50), one public, and an inactive one naming a group on its secondary interface.
  for (let i = 0; i < 51; i++) fake.addScalingConfiguration(REGION, { SecurityGroupIds: [scaled] });
  fake.addScalingConfiguration(REGION, { SecurityGroupIds: [scaledPublic], InternetMaxBandwidthOut: 5 });
  fake.addScalingConfiguration(REGION, {
    LifecycleState: 'Inactive',
    SecurityGroupIds: [],
    NetworkInterfaces: [
      { InstanceType: 'Primary', SecurityGroupIds: [scaled] },
      { InstanceType: 'Secondary', SecurityGroupIds: [secondary] },
    ],
  });
});

afterAll(async () => {
  await rig?.close();
});

describe('Alibaba scaling configurations name groups', () => {
  it('live: a group only a scaling configuration names is in use, unused-group says scaling configurations were checked, and a configuration with a public IP keeps SSH critical', async () => {
    const live = await run(['audit', ...LIVE, '--format', 'json']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout) as AuditReport;
    expect(unused(report)).toEqual(['orphan']);
    expect(detailOf(report, 'orphan')).toContain(CHECKED);
    expect(ssh(report, 'scaled-public')?.severity).toBe('critical');
    expect(ssh(report, 'scaled')?.severity).toBe('high');
    expect(ssh(report, 'scaled')?.detail).toContain('none assigning a public address');
    const calls = rig.fake.callsOf('DescribeScalingConfigurations');
    expect(calls.map((c) => `${c.params.PageNumber}/${c.params.PageSize}`)).toEqual(['1/50', '2/50']);
    expect(calls.every((c) => c.headers['x-acs-version'] === '2014-08-28' && c.status === 200)).toBe(true);
    expect(rig.fake.rejected).toEqual([]);
  });

  it('snapshot: `warden snapshot` writes the DescribeScalingConfigurations pages, and auditing the file gives the live findings', async () => {
    const out = join(rig.dir, 'estate.json');
    const { pages } = await snapshotPages(rig, out);
    // Two ECS pages and the ECI page.
    expect(pages.filter((p) => 'ScalingConfigurations' in p)).toHaveLength(3);
    await expectSnapshotAuditsAsLive(rig, out);
  });

  it('a snapshot without scaling configuration pages says they were not read, so the user checks them before deleting', async () => {
    const { docs } = await snapshotPages(rig, join(rig.dir, 'estate-for-old.json'));
    const old = docs.map((doc) => ({ ...doc, pages: doc.pages.filter((p) => !('ScalingConfigurations' in p)) }));
    const file = join(rig.dir, 'old.json');
    await writeFile(file, JSON.stringify(old));
    const audit = await run(['audit', '--source', file, '--format', 'json']);
    expect(audit.code, audit.stderr).toBe(0);
    const report = JSON.parse(audit.stdout) as AuditReport;
    expect(unused(report)).toEqual(['orphan', 'scaled', 'scaled-public', 'scaled-secondary']);
    expect(detailOf(report, 'scaled')).toContain(
      "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; scaling configurations and ECI scaling configurations were not read, so check them before deleting it.",
    );
  });

  it('a refused DescribeScalingConfigurations fails the scope (exit 3, the call named): nothing is reported unused', async () => {
    await expectRefusalFailsScope(rig, 'DescribeScalingConfigurations');
  });
});

describe('the Auto Scaling endpoint', () => {
  it('is ess.aliyuncs.com where the ESS reference lists the central endpoint, else ess.<region>.aliyuncs.com; an override serves it as it serves ECS', () => {
    expect(productEndpointFor('ess', 'cn-hangzhou', undefined, undefined)).toEqual({
      endpoint: 'ess.aliyuncs.com',
      protocol: 'https',
    });
    expect(productEndpointFor('ess', 'eu-central-1', undefined, undefined)).toEqual({
      endpoint: 'ess.eu-central-1.aliyuncs.com',
      protocol: 'https',
    });
    expect(productEndpointFor('ess', 'eu-central-1', undefined, 'http://127.0.0.1:8080')).toEqual({
      endpoint: '127.0.0.1:8080',
      protocol: 'http',
    });
    expect(productEndpointFor('sts', 'eu-central-1', undefined, undefined)).toEqual({
      endpoint: 'sts.aliyuncs.com',
      protocol: 'https',
    });
  });
});

describe('the DescribeScalingConfigurations page', () => {
  const kind = alibabaPageKinds.find((k) => k.name === 'alibaba:DescribeScalingConfigurations');
  const ctx = { provider: 'alibaba' as const, account: '1968132000120001', region: REGION, origin: 'test' };

  it('is recognized by shape, as version 2014-08-28 nests its lists and as 2022-02-22 gives them bare', () => {
    const nested = {
      ScalingConfigurations: {
        ScalingConfiguration: [
          { ScalingConfigurationId: 'asc-1', SecurityGroupIds: { SecurityGroupId: ['sg-a', 'sg-b'] } },
        ],
      },
    };
    const bare = {
      ScalingConfigurations: [
        {
          ScalingConfigurationId: 'asc-2',
          ScalingConfigurationName: 'web',
          InternetMaxBandwidthOut: 0,
          NetworkInterfaces: [{ InstanceType: 'Secondary', SecurityGroupIds: ['sg-c'] }],
        },
      ],
    };
    const uses = (page: unknown) =>
      alibabaPageKinds
        .filter((k) => k.matches(page))
        .flatMap((k) => k.normalize(page, ctx).groupUses ?? [])
        .map((u) => `${u.by.kind} ${u.by.id} ${u.groupId} ${u.assignsPublicAddress}`);
    // Without InternetMaxBandwidthOut the instances may get a public IP: only an explicit 0 is private.
    expect(uses(nested)).toEqual(['scaling-configuration asc-1 sg-a true', 'scaling-configuration asc-1 sg-b true']);
    expect(uses(bare)).toEqual(['scaling-configuration asc-2 sg-c false']);
  });

  it('an empty listing says "read, none"; a configuration without its id is reported, never dropped', () => {
    const empty = kind?.normalize({ TotalCount: 0, ScalingConfigurations: { ScalingConfiguration: [] } }, ctx);
    expect(empty?.groupUses).toEqual([]);
    expect(empty?.groupUseListings).toEqual([{ provider: 'alibaba', kind: 'scaling-configuration' }]);
    const broken = kind?.normalize(
      { ScalingConfigurations: { ScalingConfiguration: [{ SecurityGroupId: 'sg-a' }] } },
      ctx,
    );
    expect(broken?.unparseable.map((u) => u.reason)).toEqual(['scaling configuration without ScalingConfigurationId']);
  });
});
