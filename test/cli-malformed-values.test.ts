import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { Finding } from '../src/model/types.ts';
import { runWarden } from './support/cli.ts';

// Issue 11, section 5: one malformed value affects one rule, never a page. The rule becomes an
// `unparseable-rule` finding, every other group of the page is audited, and the evaluation assumes
// the worst for it: an allow as allowing all traffic from anywhere, a deny as absent.

let tmp: string;
const file = (name: string) => join(tmp, name);

function awsGroup(id: string, permission: Record<string, unknown>): Record<string, unknown> {
  return {
    GroupId: id,
    GroupName: id,
    OwnerId: '123456789012',
    VpcId: 'vpc-1',
    Description: 'test',
    IpPermissions: [permission],
    IpPermissionsEgress: [],
  };
}

const HW_PROJECT = '8bf2294836b85aaa6a7f068724171d15';

function huaweiRule(id: string, groupId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    security_group_id: groupId,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    multiport: '22',
    action: 'allow',
    priority: 1,
    remote_ip_prefix: '0.0.0.0/0',
    remote_group_id: null,
    remote_address_group_id: null,
    description: 'r',
    enabled: true,
    ...fields,
  };
}

async function audit(name: string, snapshot: unknown): Promise<AuditReport> {
  await writeFile(file(name), JSON.stringify(snapshot));
  const result = await runWarden(['audit', '--source', file(name), '--format', 'json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AuditReport;
}

const of = (report: AuditReport, groupId: string, check: string): Finding[] =>
  report.findings.filter((f) => f.groupId === groupId && f.check === check);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-malformed-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('one malformed value affects one rule', () => {
  it('AWS: a port of 21.5 is unparseable (not all ports), and the rule counts as allowing everything from anywhere', async () => {
    const report = await audit('aws-port.json', {
      provider: 'aws',
      account: '123456789012',
      region: 'eu-west-1',
      pages: [
        {
          SecurityGroups: [
            awsGroup('sg-0000000000000fra1', {
              IpProtocol: 'tcp',
              FromPort: 21.5,
              ToPort: 21.5,
              IpRanges: [{ CidrIp: '10.0.0.0/8' }],
            }),
            awsGroup('sg-00000000000000ok1', {
              IpProtocol: 'tcp',
              FromPort: 443,
              ToPort: 443,
              IpRanges: [{ CidrIp: '10.0.0.0/8' }],
            }),
          ],
        },
      ],
    });
    expect(report.summary.groups).toBe(2);
    const [unparseable] = of(report, 'sg-0000000000000fra1', 'unparseable-rule');
    expect(unparseable?.detail).toContain('FromPort 21.5 / ToPort 21.5 is not an integer');
    expect(of(report, 'sg-0000000000000fra1', 'internet-all-ports')).toHaveLength(1);
    expect(of(report, 'sg-00000000000000ok1', 'unparseable-rule')).toHaveLength(0);
    expect(of(report, 'sg-00000000000000ok1', 'internet-all-ports')).toHaveLength(0);
    // A fix is not offered while the exposure comes from a rule that could not be read.
    const [open] = of(report, 'sg-0000000000000fra1', 'internet-all-ports');
    const fix = await runWarden([
      'fix',
      open?.fingerprint ?? '',
      '--source',
      file('aws-port.json'),
      '--format',
      'json',
    ]);
    expect(fix.code).toBe(1);
    const outcome = JSON.parse(fix.stdout) as { status: string; messages: string[] };
    expect(outcome.status).toBe('refused');
    expect(outcome.messages[0]).toMatch(
      /^the exposure comes \(also\) from rule raw~[0-9a-f]{12}, which Warden could not read and assumes to open everything/,
    );
  });

  it('AWS: an IPv6 zone id makes one rule unparseable; the other groups of the page are audited', async () => {
    const report = await audit('aws-zone.json', {
      provider: 'aws',
      account: '123456789012',
      region: 'eu-west-1',
      pages: [
        {
          SecurityGroups: [
            awsGroup('sg-000000000000zone1', {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              Ipv6Ranges: [{ CidrIpv6: 'fe80::%eth0/64' }],
            }),
            awsGroup('sg-0000000000000ssh1', {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              IpRanges: [{ CidrIp: '0.0.0.0/0' }],
            }),
          ],
        },
      ],
    });
    expect(report.summary.groups).toBe(2);
    expect(of(report, 'sg-000000000000zone1', 'unparseable-rule')[0]?.detail).toContain(
      '"fe80::%eth0/64" is not an ipv6 CIDR',
    );
    expect(of(report, 'sg-0000000000000ssh1', 'internet-admin-port')).toHaveLength(1);
  });

  it('Huawei: a deny with a priority outside 1-100 is absent, so the allow beneath it is reported; an allow outside 1-100 counts as allowing everything', async () => {
    const denied = 'aaaaaaaa-0000-4000-8000-000000000001';
    const wide = 'aaaaaaaa-0000-4000-8000-000000000002';
    const report = await audit('huawei-priority.json', {
      provider: 'huawei',
      account: HW_PROJECT,
      region: 'ap-southeast-1',
      pages: [
        {
          security_groups: [denied, wide].map((id) => ({
            id,
            name: id.slice(-1),
            description: '',
            project_id: HW_PROJECT,
          })),
        },
        {
          security_group_rules: [
            huaweiRule('r-allow', denied, { priority: 50 }),
            huaweiRule('r-deny', denied, { action: 'deny', priority: 0 }),
            huaweiRule('r-wide', wide, { priority: 150, multiport: '80', remote_ip_prefix: '10.0.0.0/8' }),
          ],
        },
      ],
    });
    expect(of(report, denied, 'unparseable-rule')[0]?.detail).toContain('priority 0 is not within 1-100');
    expect(of(report, denied, 'internet-admin-port').map((f) => f.ruleIds)).toEqual([['r-allow']]);
    expect(of(report, wide, 'unparseable-rule')[0]?.detail).toContain('priority 150 is not within 1-100');
    expect(of(report, wide, 'internet-all-ports')).toHaveLength(1);
  });

  it('Alibaba: priority 110 outside a default group is unparseable and assumed to allow everything; in the default group it is read', async () => {
    const permission = (id: string) => ({
      SecurityGroupRuleId: id,
      Direction: 'ingress',
      Policy: 'Accept',
      Priority: '110',
      IpProtocol: 'TCP',
      PortRange: '80/80',
      SourceCidrIp: '10.0.0.0/8',
    });
    const group = (id: string, description: string, rule: string) => ({
      RegionId: 'cn-hangzhou',
      SecurityGroupId: id,
      SecurityGroupName: id,
      Description: description,
      VpcId: 'vpc-1',
      InnerAccessPolicy: 'Accept',
      Permissions: { Permission: [permission(rule)] },
    });
    const report = await audit('alibaba-priority.json', {
      provider: 'alibaba',
      account: '1234567890123456',
      region: 'cn-hangzhou',
      pages: [
        group('sg-custom', 'web', 'sgr-custom'),
        group('sg-default', 'System created security group.', 'sgr-default'),
      ],
    });
    expect(of(report, 'sg-custom', 'unparseable-rule')[0]?.detail).toContain('Priority "110" is not within 1-100');
    expect(of(report, 'sg-custom', 'internet-all-ports')).toHaveLength(1);
    expect(of(report, 'sg-default', 'unparseable-rule')).toHaveLength(0);
    expect(of(report, 'sg-default', 'internet-all-ports')).toHaveLength(0);
  });
});
