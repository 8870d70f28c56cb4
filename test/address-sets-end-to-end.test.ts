// End to end through the CLI, per cloud: SSH open to a prefix list (Alibaba) or an IP address group
// (Huawei, OTC) that holds 0.0.0.0/0 is an Internet-exposed admin port, read live from the loopback
// fakes; `warden snapshot` writes the list pages and the snapshot audit has the same findings.
// Needs the evaluator that reads address sets (issue 11, the core half) to pass.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

let dir: string;
let closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-address-sets-'));
});
afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/warden.js', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Live audit, snapshot, snapshot audit (which must have the same findings): the live findings of `checks`. */
async function auditBothWays(
  provider: string,
  config: string,
  env: NodeJS.ProcessEnv,
  checks = ['internet-admin-port'],
): Promise<AuditReport['findings']> {
  const configFile = join(dir, 'warden.yaml');
  await writeFile(configFile, config);
  const live = await run(['audit', '--provider', provider, '--config', configFile, '--format', 'json'], env);
  expect(live.code, live.stderr).toBe(0);
  const liveFindings = (JSON.parse(live.stdout) as AuditReport).findings;

  const out = join(dir, 'estate.json');
  const snap = await run(['snapshot', '--provider', provider, '--config', configFile, '--out', out], env);
  expect(snap.code, snap.stderr).toBe(0);
  const fromFile = await run(['audit', '--source', out, '--format', 'json'], {});
  expect(fromFile.code, fromFile.stderr).toBe(0);
  expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(liveFindings);
  expect(await readFile(out, 'utf8')).not.toContain('0123456789secret');
  return liveFindings.filter((f) => checks.includes(f.check));
}

describe('SSH open to a list or address group that holds 0.0.0.0/0 is an Internet-exposed admin port', () => {
  it('Alibaba: a rule with SourcePrefixListId', async () => {
    const fake = new FakeAlibabaEcs({ accessKeyId: 'LTAI5tWardenE2E', accessKeySecret: 'ali-0123456789secret' });
    const url = await fake.start();
    closers.push(() => fake.close());
    const group = fake.addGroup('cn-hangzhou', { SecurityGroupName: 'jump' });
    const anywhere = fake.addPrefixList('cn-hangzhou', { PrefixListName: 'anywhere', cidrs: ['0.0.0.0/0'] });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: anywhere,
      Priority: '1',
    });
    const quiet = fake.addGroup('cn-hangzhou', { SecurityGroupName: 'office-only' });
    const office = fake.addPrefixList('cn-hangzhou', { PrefixListName: 'office', cidrs: ['10.0.0.0/8'] });
    fake.addPermission(quiet, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: office,
      Priority: '1',
    });

    const admin = await auditBothWays(
      'alibaba',
      'providers:\n  alibaba:\n    account: "1234567890123456"\n    regions: [cn-hangzhou]\n',
      {
        WARDEN_ALIBABA_ENDPOINT: url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tWardenE2E',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'ali-0123456789secret',
      },
    );
    expect(admin.map((f) => f.groupName)).toEqual(['jump']);
  });

  it('Huawei: a rule with remote_address_group_id', async () => {
    const fake = await startFakeHuawei({ ak: 'HWAKE2E0000001', sk: 'hw-0123456789secret' });
    closers.push(() => fake.close());
    const group = fake.addGroup(PROJECT, { name: 'jump' });
    const anywhere = fake.addAddressGroup(PROJECT, { name: 'anywhere', ip_set: ['0.0.0.0/0'] });
    fake.addRule(PROJECT, {
      security_group_id: group.id as string,
      multiport: '22',
      remote_ip_prefix: '',
      remote_address_group_id: anywhere.id,
      priority: 1,
    });
    const quiet = fake.addGroup(PROJECT, { name: 'office-only' });
    const office = fake.addAddressGroup(PROJECT, { name: 'office', ip_set: ['10.0.0.1-10.0.0.20'] });
    fake.addRule(PROJECT, {
      security_group_id: quiet.id as string,
      multiport: '22',
      remote_ip_prefix: '',
      remote_address_group_id: office.id,
      priority: 1,
    });

    const admin = await auditBothWays(
      'huawei',
      `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${PROJECT} }\n`,
      {
        HUAWEICLOUD_SDK_AK: 'HWAKE2E0000001',
        HUAWEICLOUD_SDK_SK: 'hw-0123456789secret',
        WARDEN_HUAWEI_ENDPOINT: fake.url,
      },
    );
    expect(admin.map((f) => f.groupName)).toEqual(['jump']);
  });

  it('OTC (VPC v3): a rule with remote_address_group_id', async () => {
    const fake = await FakeOtc.start({ pageSize: 2 });
    closers.push(() => fake.close());
    const group = fake.addGroup(PROJECT, 'jump');
    const anywhere = fake.addAddressGroup(PROJECT, 'anywhere', ['0.0.0.0/0']);
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: anywhere.id });
    const quiet = fake.addGroup(PROJECT, 'office-only');
    const office = fake.addAddressGroup(PROJECT, 'office', ['10.0.0.0/8']);
    fake.addRule(quiet, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: office.id });

    const admin = await auditBothWays(
      'otc',
      `providers:\n  otc:\n    endpoint: ${fake.vpcUrl}\n    regions:\n      - { region: eu-de, projectId: ${PROJECT} }\n`,
      {
        OTC_ACCESS_KEY: FAKE_AK,
        OTC_SECRET_KEY: FAKE_SK,
      },
    );
    expect(admin.map((f) => f.groupName)).toEqual(['jump']);
  });

  it('a list that cannot be read is a finding of its own with the provider’s reason, and its allow counts as the Internet (Alibaba, another account’s list; Huawei, ListAddressGroup denied)', async () => {
    const ali = new FakeAlibabaEcs({ accessKeyId: 'LTAI5tWardenE2E', accessKeySecret: 'ali-0123456789secret' });
    const url = await ali.start();
    closers.push(() => ali.close());
    const group = ali.addGroup('cn-hangzhou', { SecurityGroupName: 'jump' });
    const theirs = ali.addPrefixList('cn-hangzhou', { cidrs: ['10.0.0.0/8'], foreign: true });
    ali.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: theirs,
      Priority: '1',
    });
    const aliFindings = await auditBothWays(
      'alibaba',
      'providers:\n  alibaba:\n    account: "1234567890123456"\n    regions: [cn-hangzhou]\n',
      {
        WARDEN_ALIBABA_ENDPOINT: url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tWardenE2E',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'ali-0123456789secret',
      },
      ['internet-admin-port', 'unresolved-peer'],
    );
    expect(aliFindings.map((f) => [f.check, f.groupName])).toEqual(
      expect.arrayContaining([
        ['internet-admin-port', 'jump'],
        ['unresolved-peer', 'jump'],
      ]),
    );
    expect(aliFindings.find((f) => f.check === 'unresolved-peer')?.detail).toContain('InvalidPrefixListId.NotFound');

    const hw = await startFakeHuawei({ ak: 'HWAKE2E0000001', sk: 'hw-0123456789secret' });
    closers.push(() => hw.close());
    const jump = hw.addGroup(PROJECT, { name: 'jump' });
    hw.addRule(PROJECT, {
      security_group_id: jump.id as string,
      multiport: '22',
      remote_ip_prefix: '',
      remote_address_group_id: 'ag-not-readable',
      priority: 1,
    });
    hw.deny('ListAddressGroup');
    const hwFindings = await auditBothWays(
      'huawei',
      `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${PROJECT} }\n`,
      {
        HUAWEICLOUD_SDK_AK: 'HWAKE2E0000001',
        HUAWEICLOUD_SDK_SK: 'hw-0123456789secret',
        WARDEN_HUAWEI_ENDPOINT: hw.url,
      },
      ['internet-admin-port', 'unresolved-peer'],
    );
    expect(hwFindings.map((f) => [f.check, f.groupName])).toEqual(
      expect.arrayContaining([
        ['internet-admin-port', 'jump'],
        ['unresolved-peer', 'jump'],
      ]),
    );
    expect(hwFindings.find((f) => f.check === 'unresolved-peer')?.detail).toContain('vpc:addressGroups:list');
  });
});
