import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { FixOutcome } from '../src/cli/fix.ts';
import type { Finding } from '../src/model/types.ts';
import type { ChangeRecord } from '../src/model/change.ts';
import {
  awsOfficeSshConfig,
  createVpc,
  motoClientConfig,
  runWardenOnMoto,
  seedSecurityGroup,
  startMoto,
} from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Fingerprints through the CLI on moto_server: fix → revert re-creates the SSH rule with a new id,
// and every finding of the group keeps its fingerprint; a change record an earlier version wrote
// (under the legacy fingerprint) still answers `warden fix` with "already applied".

const REGION = 'eu-west-1';

let moto: Moto;
let dir: string;
let ec2: EC2Client;
let groupId: string;
let config: string;

function warden(args: string[]) {
  return runWardenOnMoto(moto.endpoint, REGION, join(dir, 'state'), args);
}

async function groupFindings(): Promise<Finding[]> {
  const audit = await warden(['audit', '--provider', 'aws', '--config', config, '--format', 'json']);
  expect(audit.stderr).toBe('');
  return (JSON.parse(audit.stdout) as AuditReport).findings.filter((f) => f.groupId === groupId);
}

function byCheckAndSubject(findings: readonly Finding[]): Record<string, string> {
  return Object.fromEntries(findings.map((f) => [`${f.check} ${f.subject}`, f.fingerprint]));
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-fingerprint-'));
  ec2 = new EC2Client(motoClientConfig(moto.endpoint, REGION));
  const vpc = await createVpc(ec2);
  groupId = await seedSecurityGroup(ec2, vpc, 'jump', [
    {
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }],
    },
    { IpProtocol: 'tcp', FromPort: 8000, ToPort: 8100, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
  ]);
  config = join(dir, 'warden.yaml');
  await writeFile(config, awsOfficeSshConfig(REGION));
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('fingerprints across warden fix and revert (moto_server)', () => {
  it('every finding of the group keeps its fingerprint after fix → revert re-creates the rule with a new id', async () => {
    const before = await groupFindings();
    const ssh = before.find((f) => f.check === 'internet-admin-port') as Finding;
    expect(ssh).toBeDefined();
    expect(before.map((f) => f.check)).toEqual(expect.arrayContaining(['port-range', 'missing-description']));

    // The fingerprint an earlier version printed names the finding too.
    const dry = await warden([
      'fix',
      ssh.legacyFingerprint as string,
      '--provider',
      'aws',
      '--config',
      config,
      '--dry-run',
      '--format',
      'json',
    ]);
    expect((JSON.parse(dry.stdout) as FixOutcome).plan?.finding.fingerprint).toBe(ssh.fingerprint);

    const fixed = JSON.parse(
      (await warden(['fix', ssh.fingerprint, '--provider', 'aws', '--config', config, '--yes', '--format', 'json']))
        .stdout,
    ) as FixOutcome;
    expect(fixed.status, fixed.messages.join('; ')).toBe('applied');

    // As an earlier version recorded it: under the legacy fingerprint. `warden fix` still finds it applied.
    const file = join(dir, 'state', 'changes', `${fixed.changeId as string}.json`);
    const record = JSON.parse(await readFile(file, 'utf8')) as ChangeRecord;
    record.plan.finding.fingerprint = ssh.legacyFingerprint as string;
    await writeFile(file, JSON.stringify(record, null, 2));
    const again = await warden([
      'fix',
      ssh.fingerprint,
      '--provider',
      'aws',
      '--config',
      config,
      '--yes',
      '--format',
      'json',
    ]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as FixOutcome).status).toBe('already-applied');

    const reverted = JSON.parse(
      (await warden(['revert', fixed.changeId as string, '--config', config, '--yes', '--format', 'json'])).stdout,
    ) as FixOutcome;
    expect(reverted.status, reverted.messages.join('; ')).toBe('reverted');

    const after = await groupFindings();
    const sshAfter = after.find((f) => f.check === 'internet-admin-port') as Finding;
    expect(sshAfter.ruleIds).not.toEqual(ssh.ruleIds);
    expect(byCheckAndSubject(after)).toEqual(byCheckAndSubject(before));
  }, 90_000);
});
