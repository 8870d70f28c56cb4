import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../functions/lib/runtime.ts';
import { CERTIFICATE_CACHE_SIZE, createRealtimeHandler, fetchSigningCertificate } from '../functions/realtime.ts';
import { configSchema } from '../src/config/schema.ts';
import type { SmnMessage } from '../src/ports/realtime.ts';
import type { GroupChange } from '../src/app/audit-group.ts';
import type { ScopeOutcome } from '../src/app/audit-scope.ts';
import type { UseCases } from '../src/app/use-cases.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { runWarden } from './support/cli.ts';
import type { CliRun } from './support/cli.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import { startFakeEc2 } from './support/fake-ec2.ts';
import type { FakeEc2 } from './support/fake-ec2.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { httpApiEvent } from './support/lambda-events.ts';
import { signedSmnMessage, TEST_ONLY_CERT } from './support/realtime.ts';

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
  const credentials = {
    accessKeyId: 'LTAI5tThreatEchoKeyId01',
    accessKeySecret: 'threat-echo-secret-0123456789',
    securityToken: 'CAIS.threat-echo-sts-token-0123456789abcdef',
  };
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
    const audit = await run([
      'audit',
      '--provider',
      'alibaba',
      '--accounts',
      fake.accountId,
      '--regions',
      REGION,
      '--format',
      'json',
    ]);
    expect(audit.code).toBe(3);
    const report = JSON.parse(audit.stdout) as { summary: { scanErrors: { message: string }[] } };
    expect(report.summary.scanErrors).toHaveLength(1);
    expect(report.summary.scanErrors[0]?.message).toContain('IncompleteSignature');
    const out = join(dir, 'alibaba-snapshot.json');
    const snapshot = await run([
      'snapshot',
      '--provider',
      'alibaba',
      '--accounts',
      fake.accountId,
      '--regions',
      REGION,
      '--out',
      out,
    ]);
    expect(snapshot.stderr).toContain('scan error');
    const text = (await everythingWritten(audit, [])) + (await everythingWritten(snapshot, [out]));
    for (const value of Object.values(credentials)) expect(text).not.toContain(value);
    expect(text).toContain('x-acs-accesskey-id: [redacted]');
  });
});

describe('attack: an EC2 endpoint echoes the request headers while the keys come from AWS_PROFILE (a credentials file, not the environment)', () => {
  const REGION = 'eu-west-1';
  const keys = {
    id: 'AKIAPROFILETHREAT001',
    secret: 'profile/threat/secret/for/the/loopback/only',
    token: 'FwoGZXIvYXdzEPROFILEthreatSessionToken0123456789',
  };
  let fake: FakeEc2;
  let home: string;

  beforeAll(async () => {
    fake = await startFakeEc2({ groups: 1, interfaces: 0 });
    home = join(dir, 'home');
    await mkdir(join(home, '.aws'), { recursive: true });
    await writeFile(
      join(home, '.aws', 'credentials'),
      `[threat]\naws_access_key_id = ${keys.id}\naws_secret_access_key = ${keys.secret}\naws_session_token = ${keys.token}\n`,
    );
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
        AWS_ENDPOINT_URL_AUTO_SCALING: fake.endpoint,
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

describe('attack: a Huawei Cloud endpoint echoes the request headers (Authorization, X-Security-Token) in its error body', () => {
  it('no AK, SK or security token appears in the JSON report or stderr', async () => {
    const keys = {
      ak: 'HWTHREATECHO0000AK01',
      sk: 'hw-threat-echo-secret-0123456789',
      token: 'hw-threat-echo-security-token-abcdef0123456789',
    };
    const fake = await startFakeHuawei({ ak: keys.ak, sk: keys.sk });
    try {
      const project = '0123456789abcdef0123456789abcdef';
      fake.addGroup(project, { name: 'web' });
      fake.failNext('echo-headers', 1_000);
      await writeFile(
        join(dir, 'huawei.yaml'),
        `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${project} }\n`,
      );
      const audit = await runWarden(['audit', '--provider', 'huawei', '--config', 'huawei.yaml', '--format', 'json'], {
        cwd: dir,
        env: {
          HUAWEICLOUD_SDK_AK: keys.ak,
          HUAWEICLOUD_SDK_SK: keys.sk,
          HUAWEICLOUD_SDK_SECURITY_TOKEN: keys.token,
          WARDEN_HUAWEI_ENDPOINT: fake.url,
        },
      });
      expect(audit.code).toBe(3);
      expect(audit.stdout).toContain('APIG.0201');
      const text = await everythingWritten(audit, []);
      for (const value of Object.values(keys)) expect(text).not.toContain(value);
    } finally {
      await fake.close();
    }
  });
});

// ---------------------------------------------------------------- SMN (Huawei Cloud / OTC)

const PROJECT = '07066c6fc90025a02f6dc01e105b286e';
const SENT = new Date('2026-03-02T10:00:00Z');
const certUrl = (region = 'ap-southeast-1') => `https://smn.${region}.myhuaweicloud.com/smn/SMN_${region}_ca.pem`;
const TRACE = {
  trace_name: 'createSecurity-group',
  service_type: 'VPC',
  resource_type: 'security_groups',
  resource_id: '0e3b8f6f-2f6c-4a8d-9b55-7a8b2f0c1d2e',
  project_id: PROJECT,
  region_id: 'ap-southeast-1',
  trace_rating: 'normal',
  code: '200',
};
const OUTCOME: ScopeOutcome = {
  groups: 1,
  rules: 1,
  findings: 0,
  bySeverity: {},
  new: 0,
  resolved: 0,
  posted: 0,
  heldBack: 0,
  throttles: 0,
  digestPosted: false,
};

let db: Dynalite;
let tables = 0;

/**
 * The real realtime handler on the DynamoDB state store (dynalite); the worker and the certificate fetch record what they were asked.
 * `fails`: how many audits throw (the scope could not be audited) before they succeed.
 */
async function smnRig(fails = 0) {
  const tableName = `warden-threat-smn-${++tables}`;
  await ensureTable(db.client, tableName);
  const store = createDynamoStateStore({ tableName, client: db.client });
  const audited: GroupChange[] = [];
  const fetched: string[] = [];
  let failing = fails;
  const auditGroup = async (change: GroupChange) => {
    if (failing-- > 0) throw new Error('the VPC API answered 503');
    audited.push(change);
    return OUTCOME;
  };
  const useCases = { auditGroup } as unknown as UseCases;
  const config = configSchema.parse({
    providers: { huawei: { regions: [{ region: 'ap-southeast-1', projectId: PROJECT }] } },
  });
  const runtime = { env: {}, config, useCases, store } as unknown as Runtime;
  let clock = new Date(SENT.getTime() + 30_000);
  const handler = createRealtimeHandler({
    runtime: async () => runtime,
    now: () => clock,
    fetchCertificate: async (url) => (fetched.push(url), TEST_ONLY_CERT),
  });
  const post = async (body: string) =>
    (await handler(httpApiEvent('huawei', body, {}, clock))) as APIGatewayProxyStructuredResultV2 & {
      statusCode: number;
      body: string;
    };
  return { audited, fetched, post, at: (when: Date) => void (clock = when) };
}

const notification = (fields: Partial<SmnMessage> = {}) =>
  signedSmnMessage({
    type: 'Notification',
    topic_urn: `urn:smn:ap-southeast-1:${PROJECT}:warden-cts`,
    signing_cert_url: certUrl(),
    message: JSON.stringify(TRACE),
    message_id: '5a1d0e3c9b8a4f7e8d6c5b4a39281706',
    timestamp: SENT.toISOString().replace('.000Z', 'Z'),
    ...fields,
  });

describe('SMN endpoint attacks (POST /events/huawei)', () => {
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });

  describe('attack: a captured notification is delivered again (replay of its message_id)', () => {
    it('audits the first delivery; the same message_id again is refused (409) and audits nothing', async () => {
      const r = await smnRig();
      const body = JSON.stringify(notification());
      expect((await r.post(body)).statusCode).toBe(200);
      expect(r.audited).toHaveLength(1);
      const replay = await r.post(body);
      expect(replay.statusCode).toBe(409);
      expect(JSON.parse(replay.body)).toEqual({ error: 'message_id already received' });
      expect(r.audited).toHaveLength(1);
    });
  });

  describe('attack: a replay claim that outlives a failed audit (SMN retries the notification)', () => {
    it('a delivery whose audit failed (500) is audited when SMN retries it; a replay after that still gets 409', async () => {
      const r = await smnRig(1);
      const body = JSON.stringify(notification({ message_id: '7c3f2a5e1d0c6b9a0f8e7d6c5b4a3928' }));
      await expect(r.post(body)).rejects.toThrow('the VPC API answered 503');
      expect(r.audited).toEqual([]);

      const retry = await r.post(body);
      expect(retry.statusCode).toBe(200);
      expect(JSON.parse(retry.body)).toEqual({ audited: 1 });
      expect(r.audited).toHaveLength(1);

      const replay = await r.post(body);
      expect(replay.statusCode).toBe(409);
      expect(JSON.parse(replay.body)).toEqual({ error: 'message_id already received' });
      expect(r.audited).toHaveLength(1);
    });
  });

  describe('attack: a signed notification older than the window is delivered', () => {
    it('is refused (401) without fetching a certificate, once 15 minutes have passed', async () => {
      const r = await smnRig();
      r.at(new Date(SENT.getTime() + 15 * 60_000 + 1_000));
      const result = await r.post(JSON.stringify(notification({ message_id: '6b2e1f4d0c9b5a8f9e7d6c5b4a392817' })));
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body)).toEqual({ error: 'the message is 901 s old (at most 900 s)' });
      expect(r.fetched).toEqual([]);
      expect(r.audited).toEqual([]);
    });

    it('a message dated beyond the window in the future is refused too', async () => {
      const r = await smnRig();
      r.at(new Date(SENT.getTime() - 16 * 60_000));
      expect((await r.post(JSON.stringify(notification()))).statusCode).toBe(401);
      expect(r.fetched).toEqual([]);
    });
  });

  describe('attack: unsigned and malformed deliveries, to make the function fetch', () => {
    it('never fetches a certificate for them', async () => {
      const r = await smnRig();
      const signed = notification();
      const bodies = [
        JSON.stringify({ ...signed, signature: '' }),
        JSON.stringify({ ...signed, signature: 'not base64 at all!' }),
        JSON.stringify({ ...signed, signature: 'c2hvcnQ=' }),
        JSON.stringify({ ...signed, signature_version: 'v2' }),
        JSON.stringify({ ...signed, timestamp: 'yesterday' }),
        JSON.stringify({ ...signed, signing_cert_url: 'https://evil.example/ca.pem' }),
        '{"type":"Notification"',
      ];
      const statuses = [];
      for (const body of bodies) statuses.push((await r.post(body)).statusCode);
      expect(statuses).toEqual([400, 401, 401, 401, 401, 401, 400]);
      expect(r.fetched).toEqual([]);
      expect(r.audited).toEqual([]);
    });
  });

  describe('attack: many distinct trusted certificate URLs, to grow the certificate cache', () => {
    it('keeps at most CERTIFICATE_CACHE_SIZE certificates: the oldest is fetched again, the newest is not', async () => {
      const r = await smnRig();
      const regions = Array.from({ length: CERTIFICATE_CACHE_SIZE + 1 }, (_, i) => `ap-southeast-${i + 1}`);
      let n = 0;
      const post = (region: string) =>
        r.post(
          JSON.stringify(
            notification({
              signing_cert_url: certUrl(region),
              message_id: `7c3f2a5e1d0c6b9a8f7e6d5c4b${String(++n).padStart(6, '0')}`,
            }),
          ),
        );
      for (const region of regions) expect((await post(region)).statusCode).toBe(200);
      expect(r.fetched).toHaveLength(regions.length);
      await post(regions.at(-1) as string);
      expect(r.fetched).toHaveLength(regions.length);
      await post(regions[0] as string);
      expect(r.fetched).toHaveLength(regions.length + 1);
    });
  });

  describe('attack: the certificate URL answers with a redirect to another host', () => {
    it('the default certificate fetch does not follow it', async () => {
      const seen: string[] = [];
      const server = createServer((request, response) => {
        seen.push(request.url ?? '');
        if (request.url === '/ca.pem') response.writeHead(302, { location: '/elsewhere.pem' }).end();
        else response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(TEST_ONLY_CERT);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        await expect(fetchSigningCertificate(`http://127.0.0.1:${port}/ca.pem`)).rejects.toThrow();
        expect(seen).toEqual(['/ca.pem']);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
