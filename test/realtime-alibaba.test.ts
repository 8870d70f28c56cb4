import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIONTRAIL_SECURITY_GROUP_EVENTS,
  alibabaStringToSign,
  changesFromActionTrail,
  trustedAlibabaCertUrl,
  verifyAlibabaDelivery,
  verifyAlibabaSignature,
} from '../adapters/alibaba/events.ts';
import type { TokenDelivery as AlibabaDelivery } from '../src/ports/realtime.ts';
import { corpus } from './support/corpus.ts';
import { groupIds, reasonOf } from './support/realtime.ts';

interface Fixture {
  expectedGroupIds: Record<string, string[]>;
  events: Record<string, Record<string, unknown>>;
  other: Record<string, Record<string, unknown>>;
}
const fixtures = new URL('./fixtures/realtime/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('alibaba-actiontrail-events.json', fixtures), 'utf8')) as Fixture;
const TEST_ONLY_KEY = readFileSync(new URL('test-only-signing-key.pem', fixtures), 'utf8');
const TEST_ONLY_CERT = readFileSync(new URL('test-only-signing-cert.pem', fixtures), 'utf8');
// Another key's certificate: Huawei's published SMN signing certificate, third-party data read from the corpus.
const CORPUS = corpus('realtime');
const otherCert = () => readFileSync(`${CORPUS.dir}huawei-smn-published-signing-cert.pem`, 'utf8');

const copy = <T>(value: T): T => structuredClone(value);
const dataOf = (event: Record<string, unknown>) => event.data as Record<string, unknown>;
const event = (name: string): Record<string, unknown> => {
  const found = fixture.events[name] ?? fixture.other[name];
  if (found === undefined) throw new Error(name);
  return copy(found);
};

describe('Alibaba Cloud ActionTrail events (EventBridge)', () => {
  it('lists every security-group call once, and the fixtures cover each of them', () => {
    expect(new Set(ACTIONTRAIL_SECURITY_GROUP_EVENTS).size).toBe(ACTIONTRAIL_SECURITY_GROUP_EVENTS.length);
    expect(Object.keys(fixture.events).sort()).toEqual([...ACTIONTRAIL_SECURITY_GROUP_EVENTS].sort());
  });

  it('matches the EventBridge rule pattern documented in docs/realtime.md', () => {
    const docs = readFileSync(new URL('../docs/realtime.md', import.meta.url), 'utf8');
    const patterns = [...docs.matchAll(/```json\n([\s\S]*?)```/gu)].map(
      (match) =>
        JSON.parse((match[1] ?? '').replace(/^ {3}/gmu, '')) as { source: string[]; data?: { eventName: string[] } },
    );
    const alibaba = patterns.find((pattern) => pattern.source.includes('acs.actiontrail'));
    expect(alibaba?.data?.eventName).toEqual([...ACTIONTRAIL_SECURITY_GROUP_EVENTS]);
  });

  it.each(Object.keys(fixture.events))('maps %s to the group ids it changed', (name) => {
    expect(groupIds(changesFromActionTrail(event(name)))).toEqual(fixture.expectedGroupIds[name]);
  });

  it('reads account, region, event id, actor and time from the ActionTrail record in the CloudEvent', () => {
    expect(changesFromActionTrail(event('AuthorizeSecurityGroup'))).toEqual({
      changes: [
        {
          provider: 'alibaba',
          account: '1234567890987654',
          region: 'cn-hangzhou',
          groupId: 'sg-bp1fg655nh68xyz9i1',
          eventName: 'AuthorizeSecurityGroup',
          eventId: '92b33345-0cef-47be-821f-fb9914d30001',
          actor: 'alice',
          at: '2024-06-03T08:15:29.000Z',
        },
      ],
    });
  });

  it('takes the CloudEvent JSON text as well as the parsed event', () => {
    expect(groupIds(changesFromActionTrail(JSON.stringify(event('DeleteSecurityGroup'))))).toEqual([
      'sg-bp1fg655nh68xyz9i9',
    ]);
  });

  it('falls back to the envelope for account and region', () => {
    const withoutRecord = event('DeleteSecurityGroup');
    const data = dataOf(withoutRecord);
    delete data.recipientAccountId;
    data.requestParameters = { SecurityGroupId: 'sg-bp1fg655nh68xyz9i9' };
    delete data.acsRegion;
    withoutRecord.aliyunregionid = 'eu-central-1';
    expect(changesFromActionTrail(withoutRecord)).toMatchObject({
      changes: [{ account: '1234567890987654', region: 'eu-central-1' }],
    });
  });

  it('accepts the per-service type naming (ecs:ActionTrail:ApiCall) too', () => {
    expect(groupIds(changesFromActionTrail(event('ecsServiceTypeVariant')))).toEqual(['sg-bp1fg655nh68xyz9i1']);
  });

  it('ignores failed calls (errorCode): nothing changed', () => {
    expect(reasonOf(changesFromActionTrail(event('failedAuthorize')))).toBe(
      'AuthorizeSecurityGroup failed ("Forbidden.RAM"): nothing changed',
    );
  });

  it('ignores ECS calls that do not change a security group (the documented DeleteDisk sample)', () => {
    expect(reasonOf(changesFromActionTrail(event('deleteDiskDocumented')))).toBe(
      'ECS "DeleteDisk" does not change a security group',
    );
  });

  it('ignores VPC calls other than EIP associations', () => {
    expect(reasonOf(changesFromActionTrail(event('vpcCreateVSwitch')))).toBe(
      'VPC "CreateVSwitch" does not associate an EIP',
    );
  });

  it('ignores CloudEvents that are not ActionTrail API calls or console operations', () => {
    const http = { ...event('AuthorizeSecurityGroup'), type: 'eventbridge:Events:HTTPEvent' };
    expect(reasonOf(changesFromActionTrail(http))).toBe(
      'not an ActionTrail API call or console operation: type "eventbridge:Events:HTTPEvent"',
    );
  });

  it('ignores an instance change that does not touch its security groups', () => {
    const rename = event('ModifyInstanceAttribute');
    dataOf(rename).requestParameters = {
      RegionId: 'cn-hangzhou',
      InstanceId: 'i-bp67acfmxazb4p0002',
      InstanceName: 'web-1',
    };
    expect(reasonOf(changesFromActionTrail(rename))).toBe('ModifyInstanceAttribute did not change security groups');
  });

  it('refuses group ids that are not sg- ids', () => {
    const odd = event('JoinSecurityGroup');
    (dataOf(odd).requestParameters as Record<string, unknown>).SecurityGroupId = '../../etc';
    expect(reasonOf(changesFromActionTrail(odd))).toBe(
      'JoinSecurityGroup names no valid security group id ("../../etc")',
    );
  });

  it('gives malformed bodies a one-line reason, never a throw', () => {
    const malformed: unknown[] = [
      undefined,
      null,
      7,
      '',
      '{',
      '[]',
      {},
      { type: 'actiontrail:ActionTrail:ApiCall' },
      { type: 'actiontrail:ActionTrail:ApiCall', data: [] },
    ];
    for (const body of malformed) {
      const reason = reasonOf(changesFromActionTrail(body));
      expect(reason).not.toMatch(/\n/u);
      expect(reason.length).toBeGreaterThan(0);
    }
  });

  it('never throws on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = changesFromActionTrail(value);
        return 'changes' in result || !/\n/u.test(result.ignored);
      }),
      { numRuns: 300 },
    );
  });
});

describe('Alibaba Cloud EventBridge delivery verification (target token)', () => {
  const SECRET = 'wk8Qm2-target-token-for-tests';
  const NOW = new Date('2024-06-03T08:16:00Z');
  const delivery = (overrides: Partial<AlibabaDelivery> = {}): AlibabaDelivery => ({
    headers: {
      'x-eventbridge-signature-token': SECRET,
      'x-eventbridge-signature-timestamp': String(NOW.getTime() - 2_000),
    },
    body: JSON.stringify(event('AuthorizeSecurityGroup')),
    secret: SECRET,
    now: NOW,
    maxAgeSeconds: 300,
    ...overrides,
  });

  it('accepts the configured token, a fresh delivery and a fresh event', () => {
    expect(verifyAlibabaDelivery(delivery())).toEqual({ ok: true });
  });

  it('matches header names case-insensitively', () => {
    expect(verifyAlibabaDelivery(delivery({ headers: { 'X-EventBridge-Signature-Token': SECRET } }))).toEqual({
      ok: true,
    });
  });

  it('accepts the parsed event as well as the raw body, and a timestamp in seconds', () => {
    const seconds = String(Math.floor(NOW.getTime() / 1000) - 2);
    expect(
      verifyAlibabaDelivery(
        delivery({
          body: event('AuthorizeSecurityGroup'),
          headers: { 'x-eventbridge-signature-token': SECRET, 'x-eventbridge-signature-timestamp': seconds },
        }),
      ),
    ).toEqual({
      ok: true,
    });
  });

  it.each([
    [
      'a wrong token',
      { 'x-eventbridge-signature-token': 'wk8Qm2-target-token-for-test' },
      'the x-eventbridge-signature-token header does not match the configured token',
    ],
    [
      'a longer token',
      { 'x-eventbridge-signature-token': `${SECRET}x` },
      'the x-eventbridge-signature-token header does not match the configured token',
    ],
    ['no token', {}, 'no x-eventbridge-signature-token header'],
    ['an empty token', { 'x-eventbridge-signature-token': '' }, 'no x-eventbridge-signature-token header'],
    [
      'two different tokens',
      { 'x-eventbridge-signature-token': [SECRET, 'other'] },
      'no x-eventbridge-signature-token header',
    ],
  ])('rejects %s', (_what, headers, reason) => {
    expect(verifyAlibabaDelivery(delivery({ headers }))).toEqual({ ok: false, reason });
  });

  it('rejects any delivery when no token is configured', () => {
    expect(verifyAlibabaDelivery(delivery({ secret: '', headers: { 'x-eventbridge-signature-token': '' } }))).toEqual({
      ok: false,
      reason: 'no EventBridge target token is configured',
    });
  });

  it('rejects a stale or malformed delivery timestamp', () => {
    const stale = {
      'x-eventbridge-signature-token': SECRET,
      'x-eventbridge-signature-timestamp': String(NOW.getTime() - 301_000),
    };
    expect(verifyAlibabaDelivery(delivery({ headers: stale }))).toEqual({
      ok: false,
      reason: 'the delivery is more than 300 s from now (x-eventbridge-signature-timestamp)',
    });
    const garbage = { 'x-eventbridge-signature-token': SECRET, 'x-eventbridge-signature-timestamp': 'yesterday' };
    expect(verifyAlibabaDelivery(delivery({ headers: garbage }))).toEqual({
      ok: false,
      reason: 'x-eventbridge-signature-timestamp is not a timestamp',
    });
  });

  it('rejects an event older than maxAgeSeconds, or from the future', () => {
    expect(
      verifyAlibabaDelivery(
        delivery({ now: new Date('2024-06-03T09:00:00Z'), headers: { 'x-eventbridge-signature-token': SECRET } }),
      ),
    ).toEqual({
      ok: false,
      reason: 'the event is older than 300 s',
    });
    expect(
      verifyAlibabaDelivery(
        delivery({ now: new Date('2024-06-03T07:00:00Z'), headers: { 'x-eventbridge-signature-token': SECRET } }),
      ),
    ).toEqual({
      ok: false,
      reason: 'the event time is in the future',
    });
  });

  it('gives malformed bodies and headers a one-line reason, never a throw', () => {
    expect(verifyAlibabaDelivery(delivery({ body: 'not json' }))).toEqual({
      ok: false,
      reason: 'the CloudEvent has no time',
    });
    expect(verifyAlibabaDelivery(delivery({ body: { time: 'soon' } }))).toEqual({
      ok: false,
      reason: 'the CloudEvent time "soon" is not a date',
    });
    expect(verifyAlibabaDelivery(delivery({ headers: null as never }))).toEqual({
      ok: false,
      reason: 'no x-eventbridge-signature-token header',
    });
    expect(verifyAlibabaDelivery(null as never)).toEqual({ ok: false, reason: 'unreadable delivery' });
  });
});

describe('Alibaba Cloud EventBridge signature (x-eventbridge-signature-v2, defence in depth)', () => {
  const TARGET = 'https://warden.example.com/events/alibaba';
  const CERT_URL = 'https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/x509_public_certificate_test.pem';
  const BODY = JSON.stringify(event('AuthorizeSecurityGroup'));

  function signedHeaders(body: string, { trailingNewline = false } = {}): Record<string, string> {
    const headers: Record<string, string> = {
      'x-eventbridge-signature-timestamp': '1717402560000',
      'x-eventbridge-hash-method': 'SHA256',
      'x-eventbridge-signature-version': '1.0',
      'x-eventbridge-signature-url': CERT_URL,
      'x-eventbridge-signature-token': 'target-token',
    };
    const toSign = alibabaStringToSign({ targetUrl: TARGET, headers, body });
    if (toSign === undefined) throw new Error('no string to sign');
    headers['x-eventbridge-signature-v2'] = sign(
      'sha256',
      Buffer.from(trailingNewline ? `${toSign}\n` : toSign),
      TEST_ONLY_KEY,
    ).toString('base64');
    return headers;
  }

  it('builds the documented string to sign: URL, the signature headers in order, the body', () => {
    expect(alibabaStringToSign({ targetUrl: TARGET, headers: signedHeaders('{}'), body: '{}' })).toBe(
      [
        TARGET,
        'x-eventbridge-signature-timestamp: 1717402560000',
        'x-eventbridge-hash-method: SHA256',
        'x-eventbridge-signature-version: 1.0',
        `x-eventbridge-signature-url: ${CERT_URL}`,
        'x-eventbridge-signature-token: target-token',
        '{}',
      ].join('\n'),
    );
  });

  it('accepts a valid signature (with or without a trailing newline after the body)', () => {
    expect(
      verifyAlibabaSignature({
        targetUrl: TARGET,
        headers: signedHeaders(BODY),
        body: BODY,
        certificatePem: TEST_ONLY_CERT,
      }),
    ).toBe(true);
    expect(
      verifyAlibabaSignature({
        targetUrl: TARGET,
        headers: signedHeaders(BODY, { trailingNewline: true }),
        body: BODY,
        certificatePem: TEST_ONLY_CERT,
      }),
    ).toBe(true);
  });

  it('rejects a tampered body, target URL or signed header', () => {
    const headers = signedHeaders(BODY);
    const check = (delivery: { targetUrl?: string; headers?: Record<string, string>; body?: string }) =>
      verifyAlibabaSignature({ targetUrl: TARGET, headers, body: BODY, certificatePem: TEST_ONLY_CERT, ...delivery });
    expect(check({ body: BODY.replace('sg-bp1fg655nh68xyz9i1', 'sg-bp1fg655nh68xyz9i2') })).toBe(false);
    expect(check({ targetUrl: 'https://warden.example.com/events/otc' })).toBe(false);
    for (const name of [
      'x-eventbridge-signature-timestamp',
      'x-eventbridge-signature-url',
      'x-eventbridge-signature-token',
    ]) {
      expect(check({ headers: { ...headers, [name]: `${headers[name]}0` } })).toBe(false);
    }
    expect(check({ headers: { ...headers, 'x-eventbridge-hash-method': 'SHA1' } })).toBe(false);
  });

  it.skipIf(!CORPUS.present)("rejects a signature checked against another key's certificate", () => {
    expect(
      verifyAlibabaSignature({
        targetUrl: TARGET,
        headers: signedHeaders(BODY),
        body: BODY,
        certificatePem: otherCert(),
      }),
    ).toBe(false);
  });

  it('rejects a malformed certificate, a missing signature', () => {
    const headers = signedHeaders(BODY);
    expect(
      verifyAlibabaSignature({ targetUrl: TARGET, headers, body: BODY, certificatePem: 'not a certificate' }),
    ).toBe(false);
    const { 'x-eventbridge-signature-v2': _signature, ...unsigned } = headers;
    expect(
      verifyAlibabaSignature({ targetUrl: TARGET, headers: unsigned, body: BODY, certificatePem: TEST_ONLY_CERT }),
    ).toBe(false);
  });

  it.each([
    [CERT_URL, true],
    ['https://ap-southeast-1-eventbridge.oss-accelerate.aliyuncs.com/x509_public_certificate_abc.pem', true],
    ['http://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/x.pem', false],
    ['https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com.evil.com/x.pem', false],
    ['https://evil.com/cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/x.pem', false],
    ['https://user@cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/x.pem', false],
    ['https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com:8443/x.pem', false],
    ['https://mnstest.oss-cn-hangzhou.aliyuncs.com/x.pem', false],
    ['https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com\\@evil.com/x.pem', false],
    ['not a url', false],
  ])('trusts %s as a certificate URL: %s', (url, trusted) => {
    expect(trustedAlibabaCertUrl(url)).toBe(trusted);
  });
});
