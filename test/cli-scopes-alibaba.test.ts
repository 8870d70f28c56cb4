import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextReport } from '../src/cli/report-context.ts';
import { expectUsageLine, runWarden } from './support/cli.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';

// Issue 11 §1, Alibaba through the CLI and the loopback fake: without a config (or with one that
// names no account) the account is the credentials' own, from STS GetCallerIdentity, so findings
// keep their fingerprints when a config naming the account is added later.

const ACCESS_KEY_ID = 'LTAI5tWardenScopeKey1';
const ACCESS_KEY_SECRET = 'wArDeN-sCoPe-sEcReT-0123456789';
const REGION = 'cn-hangzhou';

let fake: FakeAlibabaEcs;
let dir: string;

const run = (args: string[]) => runWarden(args, { cwd: dir, env: fake.env() });

beforeAll(async () => {
  fake = new FakeAlibabaEcs({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-scopes-alibaba-'));
  const web = fake.addGroup(REGION, { SecurityGroupName: 'web' });
  fake.addPermission(web, {
    Direction: 'ingress',
    IpProtocol: 'TCP',
    PortRange: '22/22',
    SourceCidrIp: '0.0.0.0/0',
    Policy: 'Accept',
    Priority: '1',
  });
  await writeFile(
    join(dir, 'named.yaml'),
    `providers:\n  alibaba:\n    account: "${fake.accountId}"\n    regions: [${REGION}]\n`,
  );
  await writeFile(join(dir, 'unnamed.yaml'), `providers:\n  alibaba:\n    regions: [${REGION}]\n`);
});

afterAll(async () => {
  await fake?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('warden audit --provider alibaba', () => {
  it('without a config reads the credentials’ account (STS GetCallerIdentity); the fingerprints equal those with a config naming it', async () => {
    const bare = await run(['audit', '--provider', 'alibaba', '--regions', REGION, '--format', 'json']);
    expect(bare.stderr).toBe('');
    expect(bare.code).toBe(0);
    const report = JSON.parse(bare.stdout) as ContextReport;
    expect(report.summary.source).toEqual({
      kind: 'live',
      scopes: [{ provider: 'alibaba', account: fake.accountId, region: REGION }],
    });
    const ssh = report.findings.filter((f) => f.check === 'internet-admin-port');
    expect(ssh.map((f) => f.account)).toEqual([fake.accountId]);
    expect(fake.callsOf('GetCallerIdentity').at(-1)?.headers['x-acs-version']).toBe('2015-04-01');

    const named = JSON.parse(
      (await run(['audit', '--provider', 'alibaba', '--config', 'named.yaml', '--format', 'json'])).stdout,
    ) as ContextReport;
    const unnamed = JSON.parse(
      (await run(['audit', '--provider', 'alibaba', '--config', 'unnamed.yaml', '--format', 'json'])).stdout,
    ) as ContextReport;
    const fingerprints = (r: ContextReport) => r.findings.map((f) => f.fingerprint).sort();
    expect(fingerprints(named)).toEqual(fingerprints(report));
    expect(fingerprints(unnamed)).toEqual(fingerprints(report));
  });

  it('an account other than the credentials’ is a usage error naming it', async () => {
    const result = await run(['audit', '--provider', 'alibaba', '--regions', REGION, '--accounts', '5555']);
    expectUsageLine(
      result,
      `warden: --accounts 5555 selects nothing: the options and credentials give alibaba accounts ${fake.accountId}`,
    );
  });
});
