import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { FixOutcome } from '../src/cli/fix.ts';
import { awsOfficeSshConfig, createVpc, motoClientConfig, runWardenOnMoto, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';
import type { CliRun } from './support/cli.ts';

// warden fix / revert end to end on moto_server, through the CLI as a person runs it:
// audit → fix → re-audit (finding gone, other rules untouched) → revert (rules as before).

const REGION = 'eu-west-1';

let moto: Moto;
let dir: string;
let ec2: EC2Client;
let groupId: string;

function run(args: string[]): Promise<CliRun> {
  return runWardenOnMoto(moto.endpoint, REGION, join(dir, 'state'), args);
}

/** The group's rules as comparable content (ids of re-added rules may differ after a revert). */
async function ruleContents(): Promise<string[]> {
  const rules: SecurityGroupRule[] =
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? [];
  return rules
    .map((r) =>
      [
        r.IsEgress,
        r.IpProtocol,
        r.FromPort,
        r.ToPort,
        r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId ?? r.PrefixListId,
      ].join(' '),
    )
    .sort();
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-fix-'));
  ec2 = new EC2Client(motoClientConfig(moto.endpoint, REGION));
  const vpc = await createVpc(ec2);
  groupId = (
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'jump', Description: 'jump host', VpcId: vpc }))
  ).GroupId as string;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }],
        },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'https' }] },
      ],
    }),
  );
  await writeFile(join(dir, 'warden.yaml'), awsOfficeSshConfig(REGION));
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('warden fix and revert on AWS (moto_server)', () => {
  it('replaces SSH from the Internet with the office range, verifies, records; revert restores the rules exactly', async () => {
    const config = join(dir, 'warden.yaml');
    const before = await ruleContents();
    const audit = await run(['audit', '--provider', 'aws', '--config', config, '--format', 'json']);
    expect(audit.stderr).toBe('');
    const finding = (JSON.parse(audit.stdout) as AuditReport).findings.find(
      (f) => f.check === 'internet-admin-port' && f.groupId === groupId,
    );
    expect(finding).toBeDefined();

    const dry = await run([
      'fix',
      finding!.fingerprint,
      '--provider',
      'aws',
      '--config',
      config,
      '--dry-run',
      '--format',
      'json',
    ]);
    const planned = JSON.parse(dry.stdout) as FixOutcome;
    expect(planned.status).toBe('planned');
    expect(planned.plan?.diff.join('\n')).toMatch(
      /- .*tcp\/22 from 0\.0\.0\.0\/0[\s\S]*\+ .*tcp\/22 from 203\.0\.113\.0\/24.*office/,
    );
    expect(await ruleContents()).toEqual(before);

    const fixed = await run([
      'fix',
      finding!.fingerprint,
      '--provider',
      'aws',
      '--config',
      config,
      '--yes',
      '--format',
      'json',
    ]);
    const outcome = JSON.parse(fixed.stdout) as FixOutcome;
    expect(outcome.status, outcome.messages.join('; ')).toBe('applied');
    expect(outcome.changeId).toMatch(/^chg-/);
    expect(outcome.verification).toEqual({ findingGone: true, otherRulesUntouched: true, interfacesNoMoreOpen: true });
    const after = await ruleContents();
    expect(after).toContain('false tcp 22 22 203.0.113.0/24');
    expect(after).not.toContain('false tcp 22 22 0.0.0.0/0');
    expect(after).toContain('false tcp 443 443 0.0.0.0/0');

    const reaudit = JSON.parse(
      (await run(['audit', '--provider', 'aws', '--config', config, '--format', 'json'])).stdout,
    ) as AuditReport;
    expect(reaudit.findings.some((f) => f.check === 'internet-admin-port' && f.groupId === groupId)).toBe(false);

    const again = JSON.parse(
      (await run(['fix', finding!.fingerprint, '--provider', 'aws', '--config', config, '--yes', '--format', 'json']))
        .stdout,
    ) as FixOutcome;
    expect(again.status).toBe('already-applied');
    expect(again.messages[0]).toContain(outcome.changeId as string);

    const unconfirmed = JSON.parse(
      (await run(['revert', outcome.changeId as string, '--config', config, '--format', 'json'])).stdout,
    ) as FixOutcome;
    expect(unconfirmed.status).toBe('refused');
    const reverted = await run(['revert', outcome.changeId as string, '--config', config, '--yes', '--format', 'json']);
    const revertOutcome = JSON.parse(reverted.stdout) as FixOutcome;
    expect(revertOutcome.status, revertOutcome.messages.join('; ')).toBe('reverted');
    expect(await ruleContents()).toEqual(before);

    const twice = JSON.parse(
      (await run(['revert', outcome.changeId as string, '--config', config, '--yes', '--format', 'json'])).stdout,
    ) as FixOutcome;
    expect(twice.status).toBe('refused');
  }, 60_000);

  it('an unknown fingerprint is a one-line error', async () => {
    const result = await run(['fix', 'ffffffffffff', '--provider', 'aws', '--config', join(dir, 'warden.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^warden: finding ffffffffffff: not in this audit/);
  }, 30_000);
});
