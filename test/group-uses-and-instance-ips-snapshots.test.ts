import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alibabaPageKinds } from '../adapters/alibaba/normalize.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { runWarden } from './support/cli.ts';

// Snapshots with the pages the live reads write (recognized by shape): AWS launch template versions
// (groups by id and by name, public-IP setting per interface) and launch configurations; Alibaba
// DescribeInstances (the instance's public IP / EIP on its primary interface) and launch template
// versions. Through the CLI: unused-group and the Internet findings' severity follow them.

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-group-uses-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function audit(name: string, document: unknown): Promise<AuditReport> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(document));
  const result = await runWarden(['audit', '--source', file, '--format', 'json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as AuditReport;
}

const ssh = (report: AuditReport, group: string) =>
  report.findings.find((f) => f.check === 'internet-admin-port' && f.groupName === group);
const unused = (report: AuditReport) =>
  report.findings
    .filter((f) => f.check === 'unused-group')
    .map((f) => f.groupName)
    .sort();

const ACCOUNT = '123456789012';
const awsGroup = (id: string, name: string, open: boolean) => ({
  GroupId: id,
  GroupName: name,
  OwnerId: ACCOUNT,
  VpcId: 'vpc-1',
  Description: name,
  IpPermissions: open
    ? [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] }]
    : [],
  IpPermissionsEgress: [],
});

describe('AWS snapshot: launch template versions and launch configurations', () => {
  const pages = (uses: unknown[]) => ({
    provider: 'aws',
    account: ACCOUNT,
    region: 'eu-west-1',
    pages: [
      {
        SecurityGroups: [
          awsGroup('sg-0a', 'by-name', true),
          awsGroup('sg-0b', 'private-template', true),
          awsGroup('sg-0c', 'orphan', false),
          awsGroup('sg-0d', 'configured', false),
        ],
      },
      { NetworkInterfaces: [] },
      ...uses,
    ],
  });

  it('groups a template names (by id or by name) or a configuration names are in use; the template that asks for no public IP lowers its group, the one that does not say keeps it critical', async () => {
    const report = await audit('aws-uses', {
      ...pages([
        { LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'app' }] },
        {
          LaunchTemplateVersions: [
            // Names its group by name (a default VPC); says nothing of a public IP: the subnet decides, not read.
            { LaunchTemplateId: 'lt-1', VersionNumber: 1, LaunchTemplateData: { SecurityGroups: ['by-name'] } },
            {
              LaunchTemplateId: 'lt-1',
              VersionNumber: 2,
              LaunchTemplateData: {
                NetworkInterfaces: [{ DeviceIndex: 0, Groups: ['sg-0b'], AssociatePublicIpAddress: false }],
              },
            },
          ],
        },
        {
          LaunchConfigurations: [
            { LaunchConfigurationName: 'legacy', SecurityGroups: ['sg-0d'], AssociatePublicIpAddress: false },
          ],
        },
      ]),
    });
    expect(unused(report)).toEqual(['orphan']);
    expect(report.findings.find((f) => f.groupName === 'orphan')?.detail).toContain(
      'no launch template version names it; no launch configuration names it.',
    );
    expect(ssh(report, 'by-name')?.severity).toBe('critical');
    expect(ssh(report, 'private-template')?.severity).toBe('high');
    expect(ssh(report, 'private-template')?.detail).toContain('none assigning a public address');
  });

  it('empty listings say "read, none": unused-group says templates were checked', async () => {
    const report = await audit('aws-none', pages([{ LaunchTemplates: [] }, { LaunchConfigurations: [] }]));
    expect(unused(report)).toEqual(['by-name', 'configured', 'orphan', 'private-template']);
    expect(report.findings.find((f) => f.groupName === 'orphan')?.detail).toContain(
      'no launch template version names it; no launch configuration names it.',
    );
  });
});

describe('Alibaba snapshot: instance public IPs and launch templates', () => {
  const REGION = 'cn-hangzhou';
  const GROUP = 'sg-bp67acfmxazb4p0001';
  const ENI = 'eni-bp17pdijfczax1hu0001';
  const INSTANCE = 'i-bp1e2l6djkndyuli0001';
  const document = (extra: unknown[]) => ({
    provider: 'alibaba',
    account: ACCOUNT,
    region: REGION,
    pages: [
      { SecurityGroups: { SecurityGroup: [{ SecurityGroupId: GROUP, SecurityGroupName: 'web', VpcId: 'vpc-1' }] } },
      {
        SecurityGroupId: GROUP,
        RegionId: REGION,
        InnerAccessPolicy: 'Accept',
        Permissions: {
          Permission: [
            {
              SecurityGroupRuleId: 'sgr-1',
              Direction: 'ingress',
              Policy: 'Accept',
              Priority: 1,
              IpProtocol: 'TCP',
              PortRange: '22/22',
              SourceCidrIp: '0.0.0.0/0',
            },
          ],
        },
      },
      {
        NetworkInterfaceSets: {
          NetworkInterfaceSet: [
            {
              NetworkInterfaceId: ENI,
              Type: 'Primary',
              InstanceId: INSTANCE,
              VpcId: 'vpc-1',
              SecurityGroupIds: { SecurityGroupId: [GROUP] },
            },
          ],
        },
      },
      ...extra,
    ],
  });
  const instance = (publicIps: string[], eip = '') => ({
    Instances: {
      Instance: [
        {
          InstanceId: INSTANCE,
          PublicIpAddress: { IpAddress: publicIps },
          EipAddress: { IpAddress: eip },
          NetworkInterfaces: { NetworkInterface: [{ NetworkInterfaceId: ENI, Type: 'Primary' }] },
        },
      ],
    },
  });

  it('without DescribeInstances the primary interface may be public: SSH stays critical', async () => {
    expect(ssh(await audit('ali-unread', document([])), 'web')?.severity).toBe('critical');
  });

  it('DescribeInstances with no public IP makes the primary interface private: SSH lowered to high', async () => {
    const finding = ssh(await audit('ali-private', document([instance([])])), 'web');
    expect(finding?.severity).toBe('high');
    expect(finding?.detail).toContain('attached to 1 interface, none public');
  });

  it("the instance's fixed public IP or EIP makes its primary interface public: SSH stays critical", async () => {
    expect(ssh(await audit('ali-public', document([instance(['47.96.1.2'])])), 'web')?.severity).toBe('critical');
    expect(ssh(await audit('ali-eip', document([instance([], '39.100.1.2')])), 'web')?.severity).toBe('critical');
  });

  it('an instance with public addresses but no primary interface listed is reported, never dropped', () => {
    const kind = alibabaPageKinds.find((k) => k.name === 'alibaba:DescribeInstances');
    const result = kind?.normalize(
      { Instances: { Instance: [{ InstanceId: 'i-1', PublicIpAddress: { IpAddress: ['47.96.1.2'] } }] } },
      { provider: 'alibaba', account: ACCOUNT, region: REGION, origin: 'test' },
    );
    expect(result?.unparseable.map((u) => u.reason)).toEqual([
      'instance i-1 has public addresses but lists no primary network interface',
    ]);
    expect(result?.publicAddressScopes).toEqual([{ provider: 'alibaba', account: ACCOUNT, region: REGION }]);
  });

  it('a launch template version naming the group keeps a group no interface carries from unused-group', async () => {
    const base = document([instance([])]);
    const withoutInterfaces = { ...base, pages: base.pages.slice(0, 2) };
    const interfacesNone = { NetworkInterfaceSets: { NetworkInterfaceSet: [] }, RegionId: REGION };
    const none = await audit('ali-lt-none', {
      ...withoutInterfaces,
      pages: [...withoutInterfaces.pages, interfacesNone, { LaunchTemplateSets: { LaunchTemplateSet: [] } }],
    });
    expect(unused(none)).toEqual(['web']);
    const named = await audit('ali-lt', {
      ...withoutInterfaces,
      pages: [
        ...withoutInterfaces.pages,
        interfacesNone,
        { LaunchTemplateSets: { LaunchTemplateSet: [{ LaunchTemplateId: 'lt-1' }] } },
        {
          LaunchTemplateVersionSets: {
            LaunchTemplateVersionSet: [
              {
                LaunchTemplateId: 'lt-1',
                VersionNumber: 1,
                LaunchTemplateData: { SecurityGroupId: GROUP, InternetMaxBandwidthOut: 0 },
              },
            ],
          },
        },
      ],
    });
    expect(unused(named)).toEqual([]);
    expect(ssh(named, 'web')?.severity).toBe('high');
  });
});
