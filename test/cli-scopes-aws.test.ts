import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextReport } from '../src/cli/report-context.ts';
import { expectUsageLine, runWarden } from './support/cli.ts';
import { createVpc, motoEnv, seedSecurityGroup, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Issue 11 §1 on moto_server, through the CLI: an AWS audit without a config reads the default
// credentials' own account; regions and accounts the config does not list are usage errors; the
// CLI reads the accounts of providers.aws.organization as the scheduled fan-out does.

const OWN = '123456789012';
const REGION = 'eu-west-1';

let moto: Moto;
let dir: string;
let member: string;

const run = (args: string[]) => runWarden(args, { cwd: dir, env: motoEnv(moto.endpoint, REGION) });

const accountsOf = (report: ContextReport): string[] => {
  const source = report.summary.source;
  return source.kind === 'live' ? [...new Set(source.scopes.map((s) => s.account))].sort() : [];
};

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-scopes-aws-'));
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials });
  const vpc = await createVpc(ec2, '10.20.0.0/16');
  await seedSecurityGroup(ec2, vpc, 'jump', [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  ec2.destroy();
  const organizations = new OrganizationsClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const { CreateAccountStatus } = await organizations.send(
    new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }),
  );
  const status = await organizations.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus?.Id }),
  );
  member = status.CreateAccountStatus?.AccountId as string;
  organizations.destroy();
  await writeFile(join(dir, 'listed.yaml'), `providers:\n  aws:\n    regions: [${REGION}, us-east-1]\n`);
  await writeFile(
    join(dir, 'org.yaml'),
    `providers:\n  aws:\n    regions: [${REGION}]\n    organization: { externalId: warden-ext }\n`,
  );
}, 60_000);

afterAll(async () => {
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('warden audit --provider aws', () => {
  it('without a config reads the default credentials’ own account in the regions given', async () => {
    const result = await run(['audit', '--provider', 'aws', '--regions', REGION, '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as ContextReport;
    expect(report.summary.config).toBeNull();
    expect(report.summary.source).toEqual({
      kind: 'live',
      scopes: [{ provider: 'aws', account: OWN, region: REGION }],
    });
    expect(
      report.findings.some((f) => f.check === 'internet-admin-port' && f.groupName === 'jump' && f.account === OWN),
    ).toBe(true);
  });

  it('a region the config does not list: exit 2 naming it and the listed regions (was "0 groups … no findings", exit 0)', async () => {
    const result = await run([
      'audit',
      '--provider',
      'aws',
      '--config',
      'listed.yaml',
      '--regions',
      'eu-west-9',
      '--fail-on',
      'info',
    ]);
    expectUsageLine(
      result,
      `warden: --regions eu-west-9 selects nothing: listed.yaml lists aws regions ${REGION}, us-east-1`,
    );
  });

  it('an account the config does not reach: exit 2 naming it and the accounts', async () => {
    const result = await run(['audit', '--provider', 'aws', '--config', 'listed.yaml', '--accounts', '111111111111']);
    expectUsageLine(result, `warden: --accounts 111111111111 selects nothing: listed.yaml lists aws accounts ${OWN}`);
  });

  it('providers.aws.organization: the Organization’s member accounts are audited too, and can be selected', async () => {
    const all = await run(['audit', '--provider', 'aws', '--config', 'org.yaml', '--format', 'json']);
    const report = JSON.parse(all.stdout) as ContextReport;
    expect(accountsOf(report)).toEqual([OWN, member].sort());
    expect(report.summary.scanErrors).toEqual([]);
    const one = await run([
      'audit',
      '--provider',
      'aws',
      '--config',
      'org.yaml',
      '--accounts',
      member,
      '--format',
      'json',
    ]);
    expect(one.stderr).toBe('');
    expect(accountsOf(JSON.parse(one.stdout) as ContextReport)).toEqual([member]);
  });
});
