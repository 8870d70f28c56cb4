import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { runWarden } from './support/cli.ts';
import { motoEnv, seedSecurityGroup, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Issue 14 §1 and §5 on moto_server, through the CLI: instances with several groups, one interface
// public (AssociatePublicIpAddress) and one private; a launch template (two versions) and a launch
// configuration naming groups no interface carries. The audit's estate has the interfaces with their
// public addresses and the group uses; unused-group is silent for the groups they name; a group
// only private interfaces carry has its Internet finding lowered; `warden snapshot` writes the same
// pages, and auditing the snapshot gives the same findings. (moto does not keep an ENI's group
// order, so no order is asserted: AWS combines groups as a union.)

const REGION = 'eu-west-1';
const IMAGE = 'ami-12c6146b';
const SSH = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

let moto: Moto;
let dir: string;
const ids: Record<string, string> = {};

const run = (args: string[]) => runWarden(args, { cwd: dir, env: motoEnv(moto.endpoint, REGION) });

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-interfaces-aws-'));
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials });
  const autoscaling = new AutoScalingClient({ region: REGION, endpoint: moto.endpoint, credentials });
  try {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc?.VpcId as string;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.30.1.0/24' }))).Subnet
      ?.SubnetId as string;
    ids.web = await seedSecurityGroup(ec2, vpc, 'web', SSH);
    ids.backend = await seedSecurityGroup(ec2, vpc, 'backend', SSH);
    ids.shared = await seedSecurityGroup(ec2, vpc, 'shared', []);
    ids.template = await seedSecurityGroup(ec2, vpc, 'template-only', []);
    ids.templateOld = await seedSecurityGroup(ec2, vpc, 'template-old-version', []);
    ids.configuration = await seedSecurityGroup(ec2, vpc, 'configuration-only', []);
    ids.orphan = await seedSecurityGroup(ec2, vpc, 'orphan', []);
    // Public: its interface asks for a public IP; two groups on it.
    await ec2.send(
      new RunInstancesCommand({
        ImageId: IMAGE,
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [
          { DeviceIndex: 0, SubnetId: subnet, Groups: [ids.web, ids.shared], AssociatePublicIpAddress: true },
        ],
      }),
    );
    // Private: the subnet does not map public IPs; two groups on it.
    await ec2.send(
      new RunInstancesCommand({
        ImageId: IMAGE,
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnet,
        SecurityGroupIds: [ids.backend, ids.shared],
      }),
    );
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'old-app',
        LaunchTemplateData: { ImageId: IMAGE, SecurityGroupIds: [ids.templateOld] },
      }),
    );
    // The newer version names another group; the first version still counts (it can still be launched).
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId,
        LaunchTemplateData: {
          ImageId: IMAGE,
          NetworkInterfaces: [{ DeviceIndex: 0, Groups: [ids.template], AssociatePublicIpAddress: false }],
        },
      }),
    );
    await autoscaling.send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: 'legacy-app',
        ImageId: IMAGE,
        InstanceType: 't3.micro',
        SecurityGroups: [ids.configuration],
      }),
    );
  } finally {
    ec2.destroy();
    autoscaling.destroy();
  }
  await writeFile(join(dir, 'aws.yaml'), `providers:\n  aws:\n    regions: [${REGION}]\n`);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface EstatePage {
  kind?: string;
  body?: Record<string, unknown>;
}

describe('AWS interfaces, public addresses and launch templates, end to end on moto_server', () => {
  it('unused-group is silent for groups a launch template (any version) or launch configuration names, and says what it checked for the rest', async () => {
    const result = await run(['audit', '--provider', 'aws', '--config', join(dir, 'aws.yaml'), '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as AuditReport;
    const unused = report.findings.filter((f) => f.check === 'unused-group').map((f) => f.groupName);
    expect(unused).toContain('orphan');
    for (const named of ['template-only', 'template-old-version', 'configuration-only', 'web', 'backend', 'shared'])
      expect(unused).not.toContain(named);
    const orphan = report.findings.find((f) => f.check === 'unused-group' && f.groupName === 'orphan');
    expect(orphan?.detail).toContain('no launch template version names it; no launch configuration names it.');
  });

  it('SSH open to the world stays critical on the public interface and is lowered on the group only private interfaces carry', async () => {
    const result = await run(['audit', '--provider', 'aws', '--config', join(dir, 'aws.yaml'), '--format', 'json']);
    const report = JSON.parse(result.stdout) as AuditReport;
    const ssh = (name: string) =>
      report.findings.find((f) => f.check === 'internet-admin-port' && f.groupName === name);
    expect(ssh('web')?.severity).toBe('critical');
    expect(ssh('backend')?.severity).toBe('high');
    expect(ssh('backend')?.detail).toContain('attached to 1 interface, none public');
  });

  it('warden snapshot writes the interfaces, launch template versions and launch configurations; auditing it gives the same findings', async () => {
    const live = await run(['audit', '--provider', 'aws', '--config', join(dir, 'aws.yaml'), '--format', 'json']);
    const out = join(dir, 'estate.json');
    const snap = await run(['snapshot', '--provider', 'aws', '--config', join(dir, 'aws.yaml'), '--out', out]);
    expect(snap.code, snap.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    const pages = JSON.parse(text) as { scopes?: { pages?: EstatePage[] }[]; pages?: EstatePage[] };
    const bodies = JSON.stringify(pages);
    expect(bodies).toContain('"LaunchTemplateVersions"');
    expect(bodies).toContain('"LaunchConfigurations"');
    expect(bodies).toContain('"NetworkInterfaces"');
    // The public interface's association is in the snapshot, the private one's is not.
    expect(bodies).toContain('"PublicIp"');

    const fromFile = await run(['audit', '--source', out, '--format', 'json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(
      (JSON.parse(live.stdout) as AuditReport).findings,
    );
  });
});
