import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  akskFromEnv,
  canonicalHeaders,
  canonicalQueryString,
  canonicalUri,
  OtcCredentialsError,
  sdkDate,
  signRequest,
  urlEncode,
} from '../adapters/otc/sign.ts';
import { FAKE_AK, FAKE_SK, FakeOtc, verifySignature } from './support/fake-otc.ts';

// The worked example of the API Request Signing Guide (support.huaweicloud.com devg-apisign,
// api-sign-algorithm-002 "Constructing a Standard Request", -003 "Creating a To-Be-Signed String",
// -004 "Calculating the Signature", -005 "Adding the Signature to the Request Header"): the published
// hash of the canonical request, signature and Authorization value. OTC's API references send AK/SK
// users to this algorithm and its signing SDK.
const PUBLISHED = {
  url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  date: '20191115T033655Z',
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  hashedCanonicalRequest: 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
  authorization:
    'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('OTC AK/SK signing (SDK-HMAC-SHA256)', () => {
  it('reproduces the published worked example exactly', () => {
    const signed = signRequest(
      {
        method: 'GET',
        url: new URL(PUBLISHED.url),
        headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': PUBLISHED.date },
      },
      { accessKey: PUBLISHED.ak, secretKey: PUBLISHED.sk },
      new Date(0), // the X-Sdk-Date header given wins over the clock
    );
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(sha256(signed.canonicalRequest)).toBe(PUBLISHED.hashedCanonicalRequest);
    expect(signed.stringToSign).toBe(`SDK-HMAC-SHA256\n${PUBLISHED.date}\n${PUBLISHED.hashedCanonicalRequest}`);
    expect(signed.headers.Authorization).toBe(PUBLISHED.authorization);
  });

  it('takes X-Sdk-Date from the clock when the request has none, and sends it', () => {
    const signed = signRequest(
      { method: 'get', url: new URL(PUBLISHED.url), headers: { 'Content-Type': 'application/json' } },
      { accessKey: PUBLISHED.ak, secretKey: PUBLISHED.sk },
      new Date(Date.UTC(2019, 10, 15, 3, 36, 55, 789)),
    );
    expect(signed.headers['X-Sdk-Date']).toBe(PUBLISHED.date);
    expect(signed.headers.Authorization).toBe(PUBLISHED.authorization);
    expect(sdkDate(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('20260102T030405Z');
  });

  it('the fake gateway accepts the published example and rejects it under another SK', () => {
    const request = {
      method: 'GET',
      path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
      query: 'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
      headers: {
        host: 'service.region.example.com',
        'content-type': 'application/json',
        'x-sdk-date': PUBLISHED.date,
        authorization: PUBLISHED.authorization,
      },
      body: '',
    };
    expect(
      verifySignature(request, (ak) => (ak === PUBLISHED.ak ? PUBLISHED.sk : undefined), undefined),
    ).toBeUndefined();
    expect(verifySignature(request, () => `${PUBLISHED.sk}x`, undefined)).toBe('verify aksk signature fail');
    expect(
      verifySignature(
        { ...request, query: 'limit=3&marker=13551d6b-755d-4757-b956-536f674975c0' },
        () => PUBLISHED.sk,
        undefined,
      ),
    ).toBe('verify aksk signature fail');
  });

  it('matches an independent step-by-step computation for a POST with a body and a query', () => {
    const body = '{"security_group_rule":{"direction":"ingress","multiport":"22,3389"}}';
    const signed = signRequest(
      {
        method: 'POST',
        url: new URL('https://vpc.eu-de.otc.t-systems.com/v3/0123abcd/vpc/security-group-rules?z=1&a=b c'),
        headers: { 'Content-Type': 'application/json', 'X-Project-Id': '0123abcd' },
        body,
      },
      { accessKey: 'AKEXAMPLE0000000', secretKey: 'SKEXAMPLE/with+chars==' },
      new Date(Date.UTC(2026, 4, 17, 12, 0, 1)),
    );
    // Spelled out by hand from the guide's rules, then hashed and MACed here.
    const canonical =
      'POST\n' +
      '/v3/0123abcd/vpc/security-group-rules/\n' +
      'a=b%20c&z=1\n' +
      'content-type:application/json\n' +
      'host:vpc.eu-de.otc.t-systems.com\n' +
      'x-project-id:0123abcd\n' +
      'x-sdk-date:20260517T120001Z\n' +
      '\n' +
      'content-type;host;x-project-id;x-sdk-date\n' +
      createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex');
    const signature = createHmac('sha256', Buffer.from('SKEXAMPLE/with+chars==', 'utf8'))
      .update(`SDK-HMAC-SHA256\n20260517T120001Z\n${sha256(canonical)}`)
      .digest('hex');
    expect(signed.canonicalRequest).toBe(canonical);
    expect(signed.headers.Authorization).toBe(
      `SDK-HMAC-SHA256 Access=AKEXAMPLE0000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=${signature}`,
    );
    expect(signed.url.href).toBe(
      'https://vpc.eu-de.otc.t-systems.com/v3/0123abcd/vpc/security-group-rules?a=b%20c&z=1',
    );
  });

  it('canonical URI: every segment encoded, always a trailing slash', () => {
    expect(canonicalUri('/v3/p1/vpc/security-groups')).toBe('/v3/p1/vpc/security-groups/');
    expect(canonicalUri('/v3/p1/vpc/security-groups/')).toBe('/v3/p1/vpc/security-groups/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/a%20b/c d/%C3%BC/x*y')).toBe('/a%20b/c%20d/%C3%BC/x%2Ay/');
    expect(canonicalUri('/a%2Fb')).toBe('/a%2Fb/');
  });

  it('query: sorted by name then value, RFC 3986 encoding, "name=" for an empty value', () => {
    expect(
      canonicalQueryString([
        ['marker', 'x'],
        ['limit', '2000'],
        ['name', 'web server'],
        ['name', 'a*b'],
        ['tag', 'ü~'],
        ['empty', ''],
      ]),
    ).toBe('empty=&limit=2000&marker=x&name=a%2Ab&name=web%20server&tag=%C3%BC~');
    expect(urlEncode("-._~!*'()/+= &")).toBe('-._~%21%2A%27%28%29%2F%2B%3D%20%26');
    const signed = signRequest(
      { method: 'GET', url: new URL('https://h.example/p?b=2&a=x+y&a=1'), headers: {} },
      { accessKey: 'a', secretKey: 's' },
      new Date(0),
    );
    // '+' is a literal plus sign (the gateway does not read it as a space).
    expect(signed.canonicalRequest.split('\n')[2]).toBe('a=1&a=x%2By&b=2');
    expect(signed.url.search).toBe('?a=1&a=x%2By&b=2');
  });

  it('signed headers: names lowercased and sorted, values trimmed, host with its port', () => {
    expect(
      canonicalHeaders({ 'X-Sdk-Date': ' 20260101T000000Z ', Host: 'h:8443', 'Content-Type': '\tapplication/json ' }),
    ).toEqual({
      canonical: 'content-type:application/json\nhost:h:8443\nx-sdk-date:20260101T000000Z\n',
      signed: ['content-type', 'host', 'x-sdk-date'],
    });
    const signed = signRequest(
      {
        method: 'DELETE',
        url: new URL('http://127.0.0.1:8443/v3/p/vpc/security-group-rules/r1'),
        headers: { 'X-Project-Id': ' p ' },
      },
      { accessKey: 'a', secretKey: 's' },
      new Date(0),
    );
    expect(signed.signedHeaders).toEqual(['host', 'x-project-id', 'x-sdk-date']);
    expect(signed.canonicalRequest).toContain('\nhost:127.0.0.1:8443\nx-project-id:p\nx-sdk-date:19700101T000000Z\n');
    expect(signed.headers).not.toHaveProperty('host');
    expect(signed.headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=a, SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('AK/SK come from OTC_* or OS_* variables; missing ones are named in one line', () => {
    expect(akskFromEnv({ OTC_ACCESS_KEY: 'a', OTC_SECRET_KEY: 's' })).toEqual({ accessKey: 'a', secretKey: 's' });
    expect(akskFromEnv({ OS_ACCESS_KEY: 'a2', OS_SECRET_KEY: 's2' })).toEqual({ accessKey: 'a2', secretKey: 's2' });
    expect(() => akskFromEnv({})).toThrow(OtcCredentialsError);
    expect(() => akskFromEnv({ OTC_ACCESS_KEY: 'a' })).toThrow(
      /OTC_ACCESS_KEY and OTC_SECRET_KEY \(or OS_ACCESS_KEY and OS_SECRET_KEY\).*OTC_SECRET_KEY is not set/,
    );
    try {
      akskFromEnv({ OTC_ACCESS_KEY: 'a' });
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  describe('against the fake gateway over HTTP', () => {
    let fake: FakeOtc;
    beforeAll(async () => {
      fake = await FakeOtc.start();
      fake.addGroup('proj1', 'web');
    });
    afterAll(() => fake.close());

    async function send(secretKey: string, tamper?: (headers: Record<string, string>) => void) {
      const url = new URL(`${fake.vpcUrl}/v3/proj1/vpc/security-groups?limit=2000&name=web%20tier&name=a*b`);
      const signed = signRequest(
        { method: 'GET', url, headers: { 'X-Project-Id': 'proj1' } },
        { accessKey: FAKE_AK, secretKey },
        new Date(),
      );
      tamper?.(signed.headers);
      const response = await fetch(signed.url, { headers: signed.headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('accepts a request signed with the test AK/SK, query encoding included', async () => {
      const answer = await send(FAKE_SK);
      expect(answer.status).toBe(200);
      expect(answer.body.security_groups).toHaveLength(1);
    });

    it('rejects a wrong SK with 401 APIGW.0301', async () => {
      const answer = await send(`${FAKE_SK}0`);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({
        error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
        error_code: 'APIGW.0301',
      });
      expect(typeof answer.body.request_id).toBe('string');
    });

    it('rejects a request whose signed header changed after signing', async () => {
      const answer = await send(FAKE_SK, (headers) => {
        headers['X-Project-Id'] = 'proj2';
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error_code).toBe('APIGW.0301');
    });
  });
});
