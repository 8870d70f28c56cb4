import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changesFromCtsNotification,
  CTS_SECURITY_GROUP_TRACES,
  parseSmnMessage,
  smnStringToSign,
  trustedSigningCertUrl,
  trustedSubscribeUrl,
  verifySmnSignature,
} from '../adapters/huawei/events.ts';
import type { SmnMessage } from '../src/ports/realtime.ts';
import { corpus } from './support/corpus.ts';
import { groupIds, reasonOf, signedSmnMessage, TEST_ONLY_CERT } from './support/realtime.ts';

const fixtures = new URL('./fixtures/realtime/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures), 'utf8');
const json = <T>(name: string) => JSON.parse(read(name)) as T;

// A real notification holds a third party's names, and Huawei's signing certificate is Huawei's: both are
// read from the shared corpus, never shipped.
const REAL_CORPUS = corpus('realtime');
const huaweiPublishedCert = () => readFileSync(`${REAL_CORPUS.dir}huawei-smn-published-signing-cert.pem`, 'utf8');
const realNotification = () =>
  parsed(
    (
      JSON.parse(readFileSync(`${REAL_CORPUS.dir}huawei-smn-real-notification.json`, 'utf8')) as {
        notification: Record<string, unknown>;
      }
    ).notification,
  );

interface Documented {
  subscriptionConfirmation: Record<string, unknown>;
  notification: Record<string, unknown>;
  unsubscribeConfirmation: Record<string, unknown>;
  stringToSignExamples: Record<
    'notification' | 'subscriptionConfirmation',
    { fields: Record<string, string>; lines: string[] }
  >;
}
const DOCUMENTED = json<Documented>('smn-documented-messages.json');

interface Traces {
  expectedGroupIds: Record<string, string[]>;
  traces: Record<string, Record<string, unknown>>;
  other: Record<string, Record<string, unknown>>;
}
const CTS = json<Traces>('huawei-cts-traces.json');
const trace = (name: string): Record<string, unknown> => {
  const found = CTS.traces[name] ?? CTS.other[name];
  if (found === undefined) throw new Error(name);
  return structuredClone(found);
};

const TOPIC = 'urn:smn:eu-de:07066c6fc90025a02f6dc01e105b286e:warden-cts';
const CERT_URL = 'https://smn.eu-de.otc.t-systems.com/smn/SMN_eu-de_5d3b3f1e8a8c4b6e9f7a0c2d4e6f8a1b.pem';

function parsed(body: unknown): SmnMessage {
  const result = parseSmnMessage(body);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const signedMessage = (fields: Partial<SmnMessage> & Pick<SmnMessage, 'type'>) =>
  signedSmnMessage({ topic_urn: TOPIC, signing_cert_url: CERT_URL, ...fields });

const ctsNotification = (traceBody: unknown, extra: Partial<SmnMessage> = {}) =>
  signedMessage({ type: 'Notification', subject: 'CTS key event', message: JSON.stringify(traceBody), ...extra });

describe('SMN string to sign', () => {
  it.each(['notification', 'subscriptionConfirmation'] as const)(
    'reproduces the documented %s example line for line',
    (kind) => {
      const example = DOCUMENTED.stringToSignExamples[kind];
      const message = { signature: 'x', signing_cert_url: 'https://x', ...example.fields } as unknown as SmnMessage;
      expect(smnStringToSign(message)).toBe(`${example.lines.join('\n')}\n`);
    },
  );

  it('omits subject when it is absent or empty', () => {
    const base = parsed(DOCUMENTED.notification);
    expect(smnStringToSign(base)).not.toContain('subject\n');
    expect(smnStringToSign({ ...base, subject: '' })).not.toContain('subject\n');
    expect(smnStringToSign({ ...base, subject: 'demo' })).toContain(
      'message_id\nd86c201092574e71a3ca85826652c58b\nsubject\ndemo\ntimestamp\n',
    );
  });

  it('signs subscribe_url, not subject, for confirmations and unsubscriptions', () => {
    for (const body of [DOCUMENTED.subscriptionConfirmation, DOCUMENTED.unsubscribeConfirmation]) {
      const text = smnStringToSign({ ...parsed(body), subject: 'ignored' });
      expect(text).toContain(`subscribe_url\n${String(body.subscribe_url)}\n`);
      expect(text).not.toContain('subject');
    }
  });
});

describe.skipIf(!REAL_CORPUS.present)('a real Huawei Cloud SMN notification (../shared/corpus/realtime/)', () => {
  it("verifies against Huawei's published signing certificate, and not once its message changed", () => {
    const message = realNotification();
    expect(verifySmnSignature(message, huaweiPublishedCert())).toBe(true);
    expect(verifySmnSignature({ ...message, message: `${message.message} ` }, huaweiPublishedCert())).toBe(false);
  });

  it('is not a CTS trace, and is ignored as one', () => {
    expect(reasonOf(changesFromCtsNotification('huawei', realNotification()))).toBe(
      'the SMN message is not a CTS trace',
    );
  });
});

describe('SMN signature verification', () => {
  it.each(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)(
    'accepts a valid %s signature',
    (type) => {
      const message = signedMessage(
        type === 'Notification'
          ? { type, subject: 'demo' }
          : { type, subscribe_url: 'https://console.otc.t-systems.com/smn/subscription/confirm?token=abc' },
      );
      expect(verifySmnSignature(message, TEST_ONLY_CERT)).toBe(true);
    },
  );

  it.each(['message', 'message_id', 'subject', 'timestamp', 'topic_urn'] as const)(
    'rejects a notification whose %s was tampered with',
    (field) => {
      const message = signedMessage({ type: 'Notification', subject: 'demo' });
      expect(verifySmnSignature({ ...message, [field]: `${message[field] ?? ''}x` }, TEST_ONLY_CERT)).toBe(false);
    },
  );

  it('rejects a confirmation whose subscribe_url or type was tampered with', () => {
    const message = signedMessage({
      type: 'SubscriptionConfirmation',
      subscribe_url: 'https://console.otc.t-systems.com/smn/subscription/confirm?token=abc',
    });
    expect(
      verifySmnSignature(
        { ...message, subscribe_url: 'https://console.otc.t-systems.com/smn/subscription/confirm?token=abd' },
        TEST_ONLY_CERT,
      ),
    ).toBe(false);
    expect(verifySmnSignature({ ...message, type: 'UnsubscribeConfirmation' }, TEST_ONLY_CERT)).toBe(false);
  });

  it('rejects a dropped subject (the signed notification had one)', () => {
    const { subject: _subject, ...withoutSubject } = signedMessage({ type: 'Notification', subject: 'demo' });
    expect(verifySmnSignature(withoutSubject, TEST_ONLY_CERT)).toBe(false);
  });

  it('does not cover signing_cert_url: that is what trustedSigningCertUrl is for', () => {
    const message = signedMessage({ type: 'Notification' });
    expect(
      verifySmnSignature({ ...message, signing_cert_url: 'https://evil.example.com/cert.pem' }, TEST_ONLY_CERT),
    ).toBe(true);
    expect(trustedSigningCertUrl('https://evil.example.com/cert.pem', 'otc')).toBe(false);
  });

  it.skipIf(!REAL_CORPUS.present)(
    "rejects a message of ours checked against another key's certificate (Huawei's, from the corpus)",
    () => {
      expect(verifySmnSignature(signedMessage({ type: 'Notification' }), huaweiPublishedCert())).toBe(false);
    },
  );

  it('rejects a malformed certificate, a garbled signature, an undocumented signature version', () => {
    const message = signedMessage({ type: 'Notification' });
    expect(verifySmnSignature(message, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBe(false);
    expect(verifySmnSignature({ ...message, signature: 'not base64 !!' }, TEST_ONLY_CERT)).toBe(false);
    expect(verifySmnSignature({ ...message, signature: '' }, TEST_ONLY_CERT)).toBe(false);
    expect(verifySmnSignature({ ...message, signature_version: 'v2' }, TEST_ONLY_CERT)).toBe(false);
    expect(verifySmnSignature({ ...message, signature_version: 'V1' }, TEST_ONLY_CERT)).toBe(true);
  });
});

describe('SMN certificate and confirmation URLs', () => {
  it.each([
    [
      'https://smn.cn-south-1.myhuaweicloud.com/smn/SMN_cn-south-1_3f97b396bf5f4ff0a6dd320acb38bb03.pem',
      'huawei',
      true,
    ],
    [
      'https://smn.sa-brazil-1.myhuaweicloud.com/smn/SMN_sa-brazil-1_439574c9504b45589a008b0d718fad99.pem',
      'huawei',
      true,
    ],
    ['https://smn.ap-southeast-1.myhuaweicloud.com/smn/SMN_x.pem', 'huawei', true],
    ['https://smn.ap-southeast-1.myhuaweicloud.com:443/smn/SMN_x.pem', 'huawei', false],
    ['https://SMN.ap-southeast-1.myhuaweicloud.com/smn/SMN_x.pem', 'huawei', false],
    [CERT_URL, 'otc', true],
    ['https://smn.eu-nl.otc.t-systems.com/smn/SMN_eu-nl_0123.pem', 'otc', true],
    ['http://smn.eu-de.otc.t-systems.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com.evil.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com@evil.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://evil.com@smn.eu-de.otc.t-systems.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com:8443/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com./smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://evilsmn.eu-de.otc.t-systems.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.otc.t-systems.com/smn/SMN_eu-de_0123.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com\\@evil.com/cert.pem', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com/smn/SMN_eu-de_0123.pem?x=1', 'otc', false],
    ['https://smn.eu-de.otc.t-systems.com/smn/index.html', 'otc', false],
    ['https://smn.cn-south-1.myhuaweicloud.com/smn/SMN_x.pem', 'otc', false],
    [CERT_URL, 'huawei', false],
    ['https://console.xxx.com/smn/SMN_region01_b3974c411807498bb532b3cd6cd65d91.pem', 'huawei', false],
    ['not a url', 'huawei', false],
  ] as const)('trusts %s for %s: %s', (url, provider, trusted) => {
    expect(trustedSigningCertUrl(url, provider)).toBe(trusted);
  });

  it.each([
    [
      'https://sa-brazil-1-console.huaweicloud.com/smn/subscription/confirm?token=bd41&topic_urn=urn:smn:sa-brazil-1:bd4140f92d7941cdb34be53d74e37ac5:alarm-testing',
      'huawei',
      true,
    ],
    ['https://console.huaweicloud.com/smn/subscription/unsubscribe?region=cn-north-4', 'huawei', true],
    ['https://console.otc.t-systems.com/smn/subscription/confirm?token=abc', 'otc', true],
    ['http://console.otc.t-systems.com/smn/subscription/confirm?token=abc', 'otc', false],
    ['https://console.otc.t-systems.com.evil.com/smn/subscription/confirm', 'otc', false],
    ['https://evilhuaweicloud.com/smn/subscription/confirm', 'huawei', false],
    ['https://user:pw@console.huaweicloud.com/smn/subscription/confirm', 'huawei', false],
    ['https://169.254.169.254/latest/meta-data/', 'huawei', false],
  ] as const)('trusts %s as a %s subscribe_url: %s', (url, provider, trusted) => {
    expect(trustedSubscribeUrl(url, provider)).toBe(trusted);
  });
});

describe('SMN message parsing', () => {
  it.each(['subscriptionConfirmation', 'notification', 'unsubscribeConfirmation'] as const)(
    'reads the documented %s example',
    (kind) => {
      const body = DOCUMENTED[kind];
      const message = parsed(JSON.stringify(body));
      expect(message.type).toBe(body.type);
      expect(message.topic_urn).toBe('urn:smn:region01:0553db98c800d5192f9bc01232b89622:vpc_status_report_topic');
      expect(message.signing_cert_url).toBe(body.signing_cert_url);
    },
  );

  it('accepts a null subject as no subject', () => {
    expect(parsed({ ...DOCUMENTED.notification, subject: null }).subject).toBeUndefined();
  });

  it.each([
    [undefined, 'not an SMN message: the body is not a JSON object'],
    ['{not json', 'not an SMN message: the body is not a JSON object'],
    [[], 'not an SMN message: the body is not a JSON object'],
    [{ ...DOCUMENTED.notification, type: 'Alarm' }, 'not an SMN message: type "Alarm"'],
    [{ ...DOCUMENTED.notification, signature: undefined }, 'SMN Notification without signature'],
    [{ ...DOCUMENTED.notification, message_id: 42 }, 'SMN Notification without message_id'],
    [{ ...DOCUMENTED.notification, subject: ['x'] }, 'SMN Notification: subject is not a string'],
    [
      { ...DOCUMENTED.subscriptionConfirmation, subscribe_url: undefined },
      'SMN SubscriptionConfirmation without subscribe_url',
    ],
  ])('gives a one-line reason for %j', (body, reason) => {
    expect(parseSmnMessage(body)).toEqual({ ok: false, reason });
  });

  it('never throws on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseSmnMessage(value);
        return result.ok || !/\n/u.test(result.reason);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CTS key event notifications', () => {
  it('names every documented security-group trace once', () => {
    expect(new Set(CTS_SECURITY_GROUP_TRACES).size).toBe(CTS_SECURITY_GROUP_TRACES.length);
    const covered = new Set(Object.values(CTS.traces).map((t) => t.trace_name));
    for (const name of CTS_SECURITY_GROUP_TRACES) expect(covered).toContain(name);
    const docs = readFileSync(new URL('../docs/realtime.md', import.meta.url), 'utf8');
    for (const name of CTS_SECURITY_GROUP_TRACES) expect(docs).toContain(`\`${name}\``);
  });

  it.each(Object.keys(CTS.traces))('maps %s to the group ids it changed', (name) => {
    expect(groupIds(changesFromCtsNotification('huawei', ctsNotification(trace(name))))).toEqual(
      CTS.expectedGroupIds[name],
    );
  });

  it('reads project, region, trace id, user and time; labels the provider', () => {
    const result = changesFromCtsNotification('otc', ctsNotification(trace('createSecurity-group-rule')));
    expect(result).toEqual({
      changes: [
        {
          provider: 'otc',
          account: '07066c6fc90025a02f6dc01e105b286e',
          region: 'eu-de',
          groupId: '5a0215be-d7a1-4de3-8193-a1b2c3facef0',
          eventName: 'createSecurity-group-rule',
          eventId: 'cbdd4480-2e03-11ef-82de-cf140e2a7001',
          actor: 'alice',
          at: '2024-06-19T06:18:51.170Z',
        },
      ],
    });
  });

  it('takes project and region from the topic URN when the trace has none', () => {
    const bare = trace('deleteSecurity-group');
    delete bare.project_id;
    const result = changesFromCtsNotification(
      'huawei',
      ctsNotification(bare, { topic_urn: 'urn:smn:ap-southeast-3:0919a0fb6c80f38f2f06c01ea940d5d3:cts' }),
    );
    expect(result).toMatchObject({
      changes: [{ account: '0919a0fb6c80f38f2f06c01ea940d5d3', region: 'ap-southeast-3' }],
    });
  });

  it('reads a trace wrapped under "cts" (the FunctionGraph trigger shape)', () => {
    expect(
      groupIds(changesFromCtsNotification('otc', ctsNotification({ cts: trace('deleteSecurity-group') }))),
    ).toEqual(['af0215be-d7a1-4de3-8193-a1b2c3facef5']);
  });

  it('ignores failed calls (trace_rating warning, or an HTTP error code)', () => {
    expect(reasonOf(changesFromCtsNotification('huawei', ctsNotification(trace('failedRuleCreate'))))).toBe(
      'createSecurity-group-rule failed (trace_rating warning): nothing changed',
    );
    const rated = { ...trace('createSecurity-group'), trace_rating: 'normal', code: 403 };
    expect(reasonOf(changesFromCtsNotification('huawei', ctsNotification(rated)))).toBe(
      'createSecurity-group failed (code 403): nothing changed',
    );
  });

  it('ignores traces that do not change a security group (the documented deleteEip example)', () => {
    expect(reasonOf(changesFromCtsNotification('otc', ctsNotification(trace('deleteEipDocumented'))))).toBe(
      'CTS "deleteEip" does not change a security group',
    );
  });

  it('ignores security-group trace names from other services than VPC', () => {
    expect(reasonOf(changesFromCtsNotification('huawei', ctsNotification(trace('ecsServiceSameName'))))).toBe(
      'createSecurity-group from "ECS", not VPC',
    );
  });

  it('asks for the whole project and region when a rule deletion names no security group (a deleted deny rule can open access)', () => {
    const result = changesFromCtsNotification('huawei', ctsNotification(trace('deleteRuleWithoutBodies')));
    if (!('changes' in result)) throw new Error(result.ignored);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ provider: 'huawei', eventName: 'deleteSecurity-group-rule' });
    expect(result.changes[0]).not.toHaveProperty('groupId');
  });

  it('ignores a port update that does not change its security groups', () => {
    expect(reasonOf(changesFromCtsNotification('huawei', ctsNotification(trace('portUpdateWithoutGroups'))))).toBe(
      "updatePort did not change the port's security groups",
    );
  });

  it('ignores confirmations and messages that are not traces', () => {
    const confirmation = signedMessage({
      type: 'SubscriptionConfirmation',
      subscribe_url: 'https://console.otc.t-systems.com/smn/subscription/confirm?token=abc',
    });
    expect(reasonOf(changesFromCtsNotification('otc', confirmation))).toBe(
      'SMN SubscriptionConfirmation: no trace (confirm or drop the subscription)',
    );
    expect(
      reasonOf(changesFromCtsNotification('huawei', signedMessage({ type: 'Notification', message: 'plain text' }))),
    ).toBe('the SMN message is not a CTS trace');
  });

  it('refuses group ids that are not UUIDs', () => {
    const odd = { ...trace('deleteSecurity-group'), resource_id: 'sg-web' };
    expect(reasonOf(changesFromCtsNotification('huawei', ctsNotification(odd)))).toBe(
      'deleteSecurity-group names no valid security group id ("sg-web")',
    );
  });

  it('never throws, whatever the trace (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = changesFromCtsNotification('otc', ctsNotification(value));
        return 'changes' in result || !/\n/u.test(result.ignored);
      }),
      { numRuns: 300 },
    );
    expect(reasonOf(changesFromCtsNotification('otc', null as never))).toBe('unreadable CTS notification');
  });

  it('end to end: a signed HTTPS delivery is parsed, verified, and yields the changed group', () => {
    const body = JSON.stringify(ctsNotification(trace('createSecurity-group-rule')));
    const message = parsed(body);
    expect(trustedSigningCertUrl(message.signing_cert_url, 'otc')).toBe(true);
    expect(verifySmnSignature(message, TEST_ONLY_CERT)).toBe(true);
    expect(groupIds(changesFromCtsNotification('otc', message))).toEqual(['5a0215be-d7a1-4de3-8193-a1b2c3facef0']);
  });
});
