import { readFileSync } from 'node:fs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../functions/lib/runtime.ts';
import { createRealtimeHandler } from '../functions/realtime.ts';
import { configSchema } from '../src/config/schema.ts';
import type { IdempotencyStore } from '../src/store/state.ts';
import type { GroupChange } from '../src/app/audit-group.ts';
import type { ScopeOutcome } from '../src/app/audit-scope.ts';
import type { UseCases } from '../src/app/use-cases.ts';
import { httpApiEvent } from './support/lambda-events.ts';
import { signedSmnMessage, TEST_ONLY_CERT } from './support/realtime.ts';

// The realtime function's HTTPS side (API Gateway HTTP API → POST /events/{source}): what it
// verifies before it audits anything, and which group it then audits. The audit itself
// (auditGroup, src/app/audit-group.ts) is proven against EC2 on moto in functions-moto.test.ts; here the worker
// only records what it was asked.

const PROJECT = '07066c6fc90025a02f6dc01e105b286e';
const TOKEN = 'a-long-random-eventbridge-target-token-0123456789';
const NOW = new Date('2024-06-03T08:16:00.000Z');
const HUAWEI_CERT_URL = 'https://smn.ap-southeast-1.myhuaweicloud.com/smn/SMN_ap-southeast-1_test.pem';

const config = configSchema.parse({
  providers: {
    alibaba: { regions: ['cn-hangzhou'] },
    huawei: { regions: [{ region: 'ap-southeast-1', projectId: PROJECT }] },
  },
});

const fixtures = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/realtime/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
const ALIBABA = fixtures('alibaba-actiontrail-events.json');
const CTS = fixtures('huawei-cts-traces.json');

const OUTCOME: ScopeOutcome = {
  groups: 1,
  rules: 3,
  findings: 1,
  bySeverity: { high: 1 },
  new: 1,
  resolved: 0,
  posted: 1,
  heldBack: 0,
  throttles: 0,
  digestPosted: false,
};

/** The store's idempotency claims (a TTL'd conditional put on DynamoDB, proven on dynalite in threat-endpoints.test.ts). */
function memoryClaims(): IdempotencyStore {
  const claimed = new Map<string, number>();
  return {
    async claim(id, ttlSeconds, now = NOW) {
      if ((claimed.get(id) ?? 0) > now.getTime()) return false;
      claimed.set(id, now.getTime() + ttlSeconds * 1000);
      return true;
    },
    async release(id) {
      claimed.delete(id);
    },
  };
}

function rig(overrides: { fetched?: string[]; confirmed?: string[]; env?: Record<string, string> } = {}) {
  const audited: GroupChange[] = [];
  const useCases = {
    auditGroup: async (change: GroupChange) => (audited.push(change), OUTCOME),
  } as unknown as UseCases;
  const runtime = {
    env: { WARDEN_EVENTS_TOKEN: TOKEN, ...overrides.env },
    config,
    useCases,
    store: { idempotency: memoryClaims() },
  } as unknown as Runtime;
  const fetched = overrides.fetched ?? [];
  const confirmed = overrides.confirmed ?? [];
  const handler = createRealtimeHandler({
    runtime: async () => runtime,
    now: () => NOW,
    fetchCertificate: async (url) => (fetched.push(url), TEST_ONLY_CERT),
    confirmSubscription: async (url) => void confirmed.push(url),
  });
  const post = async (source: string, body: string, headers: Record<string, string> = {}) =>
    (await handler(httpApiEvent(source, body, headers, NOW))) as APIGatewayProxyStructuredResultV2 & {
      statusCode: number;
      body: string;
    };
  return { audited, fetched, confirmed, post };
}

const alibabaEvent = () => JSON.stringify(ALIBABA['events']?.['AuthorizeSecurityGroup']);

describe('POST /events/alibaba (ActionTrail through Alibaba Cloud EventBridge)', () => {
  it('audits the group of a delivery that carries the target token', async () => {
    const r = rig();
    const result = await r.post('alibaba', alibabaEvent(), { 'X-EventBridge-Signature-Token': TOKEN });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ audited: 1 });
    expect(r.audited).toHaveLength(1);
    expect(r.audited[0]).toMatchObject({
      provider: 'alibaba',
      account: '',
      region: 'cn-hangzhou',
      eventName: 'AuthorizeSecurityGroup',
    });
    expect(r.audited[0]?.groupId).toMatch(/^sg-/);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { 'x-eventbridge-signature-token': `${TOKEN}x` }],
  ])('refuses a delivery with %s (401) and audits nothing', async (_what, headers) => {
    const r = rig();
    const result = await r.post('alibaba', alibabaEvent(), headers);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toMatch(/x-eventbridge-signature-token/);
    expect(r.audited).toEqual([]);
  });

  it('refuses a replayed old event (401)', async () => {
    const r = rig();
    const old = {
      ...(ALIBABA['events']?.['AuthorizeSecurityGroup'] as Record<string, unknown>),
      time: '2024-06-02T08:00:00Z',
    };
    const result = await r.post('alibaba', JSON.stringify(old), { 'x-eventbridge-signature-token': TOKEN });
    expect(result.statusCode).toBe(401);
    expect(r.audited).toEqual([]);
  });
});

let messages = 0;
/** A message sent a minute before NOW, with an id of its own. */
const fresh = () => ({
  timestamp: new Date(NOW.getTime() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  message_id: `0f0e${String(++messages).padStart(28, '0')}`,
});

describe('POST /events/huawei (CTS through SMN)', () => {
  const trace = () => CTS['traces']?.['createSecurity-group-rule'] as Record<string, unknown>;
  const notification = (fields: Record<string, string> = {}) =>
    signedSmnMessage({
      type: 'Notification',
      topic_urn: `urn:smn:ap-southeast-1:${PROJECT}:warden-cts`,
      signing_cert_url: HUAWEI_CERT_URL,
      message: JSON.stringify(trace()),
      ...fresh(),
      ...fields,
    });

  it('verifies the SMN signature with the certificate from the SMN host, then audits the rule’s group', async () => {
    const r = rig();
    const result = await r.post('huawei', JSON.stringify(notification()));
    expect(result.statusCode).toBe(200);
    expect(r.fetched).toEqual([HUAWEI_CERT_URL]);
    expect(r.audited.map((c) => [c.provider, c.account, c.groupId])).toEqual([
      [
        'huawei',
        PROJECT,
        (CTS['expectedGroupIds'] as unknown as Record<string, string[]>)['createSecurity-group-rule']?.[0],
      ],
    ]);
  });

  it('refuses a tampered message (401), a certificate from anywhere else (401), and a topic of another project (403)', async () => {
    const r = rig();
    const tampered = { ...notification(), message: JSON.stringify({ ...trace(), project_id: 'someone-else' }) };
    expect((await r.post('huawei', JSON.stringify(tampered))).statusCode).toBe(401);
    const elsewhere = notification({
      signing_cert_url: 'https://smn.ap-southeast-1.myhuaweicloud.com.evil.example/cert.pem',
    });
    expect((await r.post('huawei', JSON.stringify(elsewhere))).statusCode).toBe(401);
    expect(r.fetched).toEqual([HUAWEI_CERT_URL]);
    const otherTopic = notification({
      topic_urn: 'urn:smn:ap-southeast-1:ffffffffffffffffffffffffffffffff:their-topic',
    });
    expect((await r.post('huawei', JSON.stringify(otherTopic))).statusCode).toBe(403);
    expect(r.audited).toEqual([]);
  });

  it('confirms a verified subscription by visiting its SMN subscribe_url, and no other', async () => {
    const r = rig();
    const subscribeUrl = 'https://console.ap-southeast-1.myhuaweicloud.com/smn/subscription/confirm?token=abc';
    const confirmation = signedSmnMessage({
      ...fresh(),
      type: 'SubscriptionConfirmation',
      topic_urn: `urn:smn:ap-southeast-1:${PROJECT}:warden-cts`,
      signing_cert_url: HUAWEI_CERT_URL,
      subscribe_url: subscribeUrl,
      message: 'You are invited to subscribe',
    });
    expect((await r.post('huawei', JSON.stringify(confirmation))).statusCode).toBe(200);
    expect(r.confirmed).toEqual([subscribeUrl]);
    const phishing = signedSmnMessage({
      ...fresh(),
      type: 'SubscriptionConfirmation',
      topic_urn: `urn:smn:ap-southeast-1:${PROJECT}:warden-cts`,
      signing_cert_url: HUAWEI_CERT_URL,
      subscribe_url: 'https://evil.example/confirm',
      message: 'x',
    });
    expect((await r.post('huawei', JSON.stringify(phishing))).statusCode).toBe(400);
    expect(r.confirmed).toEqual([subscribeUrl]);
  });

  it('audits the whole project and region when a rule deletion does not say which group lost the rule', async () => {
    const r = rig();
    const bare = {
      ...(CTS['other']?.['deleteRuleWithoutBodies'] as Record<string, unknown>),
      project_id: PROJECT,
      region_id: 'ap-southeast-1',
    };
    const message = signedSmnMessage({
      ...fresh(),
      type: 'Notification',
      topic_urn: `urn:smn:ap-southeast-1:${PROJECT}:warden-cts`,
      signing_cert_url: HUAWEI_CERT_URL,
      message: JSON.stringify(bare),
    });
    expect((await r.post('huawei', JSON.stringify(message))).statusCode).toBe(200);
    expect(r.audited).toHaveLength(1);
    expect(r.audited[0]).toMatchObject({ provider: 'huawei', account: PROJECT, region: 'ap-southeast-1' });
    expect(r.audited[0]?.groupId).toBeUndefined();
  });

  it('takes its age window from WARDEN_SMN_MAX_AGE_SECONDS; a value that is not a number of seconds answers 500 and fetches nothing', async () => {
    const narrow = rig({ env: { WARDEN_SMN_MAX_AGE_SECONDS: '30' } });
    const refused = await narrow.post('huawei', JSON.stringify(notification()));
    expect([refused.statusCode, JSON.parse(refused.body)]).toEqual([
      401,
      { error: 'the message is 60 s old (at most 30 s)' },
    ]);
    const wrong = rig({ env: { WARDEN_SMN_MAX_AGE_SECONDS: '15m' } });
    const misconfigured = await wrong.post('huawei', JSON.stringify(notification()));
    expect([misconfigured.statusCode, JSON.parse(misconfigured.body)]).toEqual([
      500,
      { error: 'the SMN age window is misconfigured' },
    ]);
    expect([...narrow.fetched, ...wrong.fetched]).toEqual([]);
  });

  it('answers malformed bodies with 400 and unknown sources with 404', async () => {
    const r = rig();
    expect((await r.post('huawei', '{not json')).statusCode).toBe(400);
    expect((await r.post('gcp', '{}')).statusCode).toBe(404);
    expect(r.audited).toEqual([]);
  });
});
