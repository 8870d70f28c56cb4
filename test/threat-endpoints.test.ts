import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from './support/cli.ts';
import type { CliRun } from './support/cli.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';
import { startFakeEc2 } from './support/fake-ec2.ts';
import type { FakeEc2 } from './support/fake-ec2.ts';

// Issue 12 §7, the attacks on the internet-facing edges, each played through the real CLI or
// Lambda handler against loopback fakes, then what must hold.

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-threat-endpoints-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every place a run leaves text: stdout, stderr, and the files it wrote. */
async function everythingWritten(run: CliRun, files: string[]): Promise<string> {
  const written = await Promise.all(files.map((file) => readFile(file, 'utf8').catch(() => '')));
  return [run.stdout, run.stderr, ...written].join('\n');
}

describe('attack: an Alibaba endpoint echoes the request headers (x-acs-accesskey-id, x-acs-security-token, Authorization) in its error body', () => {
  const credentials = { accessKeyId: 'LTAI5tThreatEchoKeyId01', accessKeySecret: 'threat-echo-secret-0123456789', securityToken: 'CAIS.threat-echo-sts-token-0123456789abcdef' };
  const REGION = 'cn-hangzhou';
  let fake: FakeAlibabaEcs;
  let url: string;

  beforeAll(async () => {
    fake = new FakeAlibabaEcs(credentials);
    url = await fake.start();
    fake.addGroup(REGION, { SecurityGroupName: 'web' });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const run = (args: string[]) =>
    runWarden(args, {
      cwd: dir,
      env: {
        WARDEN_ALIBABA_ENDPOINT: url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
        ALIBABA_CLOUD_SECURITY_TOKEN: credentials.securityToken,
      },
    });

  it('no key id, secret or token appears in the JSON report, stderr or a snapshot; the scope is a scan error', async () => {
    fake.failNext('DescribeSecurityGroups', 1_000, 'echo-headers');
    const audit = await run(['audit', '--provider', 'alibaba', '--accounts', fake.accountId, '--regions', REGION, '--format', 'json']);
    expect(audit.code).toBe(3);
    const report = JSON.parse(audit.stdout) as { summary: { scanErrors: { message: string }[] } };
    expect(report.summary.scanErrors).toHaveLength(1);
    expect(report.summary.scanErrors[0]?.message).toContain('IncompleteSignature');
    const out = join(dir, 'alibaba-snapshot.json');
    const snapshot = await run(['snapshot', '--provider', 'alibaba', '--accounts', fake.accountId, '--regions', REGION, '--out', out]);
    expect(snapshot.stderr).toContain('scan error');
    const text = await everythingWritten(audit, []) + (await everythingWritten(snapshot, [out]));
    for (const value of Object.values(credentials)) expect(text).not.toContain(value);
    expect(text).toContain('x-acs-accesskey-id: [redacted]');
  });
});

describe('attack: an EC2 endpoint echoes the request headers while the keys come from AWS_PROFILE (a credentials file, not the environment)', () => {
  const REGION = 'eu-west-1';
  const keys = { id: 'AKIAPROFILETHREAT001', secret: 'profile/threat/secret/for/the/loopback/only', token: 'FwoGZXIvYXdzEPROFILEthreatSessionToken0123456789' };
  let fake: FakeEc2;
  let home: string;

  beforeAll(async () => {
    fake = await startFakeEc2({ groups: 1, interfaces: 0 });
    home = join(dir, 'home');
    await mkdir(join(home, '.aws'), { recursive: true });
    await writeFile(join(home, '.aws', 'credentials'), `[threat]\naws_access_key_id = ${keys.id}\naws_secret_access_key = ${keys.secret}\naws_session_token = ${keys.token}\n`);
    await writeFile(join(home, '.aws', 'config'), `[profile threat]\nregion = ${REGION}\n`);
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('no key id, secret or session token appears in the JSON report or stderr', async () => {
    fake.inject('DescribeSecurityGroups', 'echo-headers', { times: Infinity });
    const audit = await runWarden(['audit', '--provider', 'aws', '--regions', REGION, '--format', 'json'], {
      cwd: dir,
      env: {
        HOME: home,
        AWS_PROFILE: 'threat',
        AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
        AWS_CONFIG_FILE: join(home, '.aws', 'config'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_EC2: fake.endpoint,
        AWS_ENDPOINT_URL_STS: fake.endpoint,
      },
    });
    expect(audit.code).toBe(3);
    const report = JSON.parse(audit.stdout) as { summary: { scanErrors: { message: string }[] } };
    expect(report.summary.scanErrors[0]?.message).toContain('InvalidRequest');
    const text = await everythingWritten(audit, []);
    for (const value of Object.values(keys)) expect(text).not.toContain(value);
    expect(fake.requests.some((r) => r.action === 'DescribeSecurityGroups')).toBe(true);
  });
});
