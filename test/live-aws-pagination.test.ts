import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsCallError, isRetryableAwsError, isThrottle } from '../adapters/aws/client.ts';
import { toIpPermission } from '../adapters/aws/encode.ts';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { awsPageKinds } from '../adapters/aws/normalize.ts';
import { readLiveEstate } from '../adapters/live-estate.ts';
import type { RawPage, Scope } from '../src/ports/live.ts';
import { configSchema } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import { rule } from './support/build.ts';
import { startFakeEc2 } from './support/fake-ec2.ts';
import type { FakeEc2 } from './support/fake-ec2.ts';
import { setProcessEnv } from './support/moto.ts';

// The AWS adapter against a fake EC2 that paginates for real (moto does not): 2,500 groups,
// 5,000 rules and 1,200 interfaces in pages of MaxResults=1000, with throttling, a 500 and a
// request that never answers injected on chosen pages. The endpoints come from the
// service-specific variables (AWS_ENDPOINT_URL_EC2 / _STS / _AUTO_SCALING), which the SDK prefers over
// AWS_ENDPOINT_URL (here a loopback port nobody listens on).

const REGION = 'eu-west-1';
const KEY_ID = 'AKIAFAKEWARDEN00TEST';
const env: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: 'fake/secret/for/the/loopback/fake/only',
  AWS_REGION: REGION,
};
const noWait = { sleep: async () => undefined, random: () => 0.5 };

function adapterFor(timeoutMs: number, retries: number, aws: Record<string, unknown> = {}) {
  const config = configSchema.parse({
    providers: { aws: { regions: [REGION], ...aws } },
    scan: { timeoutMs: Math.max(100, timeoutMs), retries },
  });
  return createAwsAdapter({ config, env, retry: { ...noWait, timeoutMs } });
}

function pagesOf<T>(pages: RawPage[], kind: string, key: string): T[][] {
  return pages.filter((p) => p.kind === `aws:${kind}`).map((p) => (p.body as Record<string, T[]>)[key] as T[]);
}

describe('AWS live adapter: pagination, throttling, 5xx and timeouts against a fake EC2', () => {
  let fake: FakeEc2;
  let restoreEnv: () => void = () => undefined;
  let scope: Scope;

  beforeAll(async () => {
    fake = await startFakeEc2({ groups: 2500, interfaces: 1200 });
    restoreEnv = setProcessEnv({
      ...env,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_EC2: fake.endpoint,
      AWS_ENDPOINT_URL_STS: fake.endpoint,
      AWS_ENDPOINT_URL_AUTO_SCALING: fake.endpoint,
    });
    scope = { provider: 'aws', account: fake.account, region: REGION };
  });

  afterAll(async () => {
    restoreEnv();
    await fake?.stop();
  });

  afterEach(() => fake.reset());

  it('reads every group, rule and interface exactly once, through 2 throttles, a 500 and a hang; counts calls, retries and throttles', async () => {
    fake.inject('DescribeSecurityGroups', 'throttle', { times: 2, page: 2 });
    fake.inject('DescribeSecurityGroupRules', 'server-error', { page: 1 });
    fake.inject('DescribeNetworkInterfaces', 'hang', { page: 2 });
    // Long enough for a 1,000-group page on a busy machine; the hung request costs one timeout.
    const adapter = adapterFor(1500, 3);
    const progress: { pages: number; groups: number }[] = [];
    try {
      expect(await adapter.scopes()).toEqual([scope]);
      const pages = await adapter.read(scope, (event) => progress.push({ pages: event.pages, groups: event.groups }));

      const groupPages = pagesOf<{ GroupId: string }>(pages, 'DescribeSecurityGroups', 'SecurityGroups');
      const rulePages = pagesOf<{ SecurityGroupRuleId: string }>(
        pages,
        'DescribeSecurityGroupRules',
        'SecurityGroupRules',
      );
      const interfacePages = pagesOf<{ NetworkInterfaceId: string }>(
        pages,
        'DescribeNetworkInterfaces',
        'NetworkInterfaces',
      );
      expect(groupPages.map((p) => p.length)).toEqual([1000, 1000, 500]);
      expect(rulePages.map((p) => p.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
      expect(interfacePages.map((p) => p.length)).toEqual([1000, 200]);
      const groupIds = groupPages.flat().map((g) => g.GroupId);
      expect(groupIds).toHaveLength(2500);
      expect(new Set(groupIds).size).toBe(2500);
      expect([...groupIds].sort()).toEqual([...fake.groupIds].sort());
      const ruleIds = rulePages.flat().map((r) => r.SecurityGroupRuleId);
      expect(new Set(ruleIds).size).toBe(5000);
      expect([...ruleIds].sort()).toEqual([...fake.ruleIds].sort());
      expect(new Set(interfacePages.flat().map((n) => n.NetworkInterfaceId)).size).toBe(1200);
      for (const page of pages)
        expect(Object.keys(page.body as object).some((k) => k === '$metadata' || k === 'NextToken')).toBe(false);

      // 1 GetCallerIdentity + 10 pages + 2 throttled + 1 failed with 500 + 1 hung + the (empty) launch
      // template and launch configuration listings = 17 requests, every one ours.
      const launchActions = ['DescribeLaunchTemplates', 'DescribeLaunchConfigurations'];
      const listings = fake.requests.filter((r) => r.action !== 'GetCallerIdentity');
      expect(
        listings.filter((r) => !launchActions.includes(r.action)).every((r) => r.maxResults === 1000 && r.signed),
      ).toBe(true);
      expect(listings.filter((r) => launchActions.includes(r.action)).map((r) => `${r.action}:${r.status}`)).toEqual(
        expect.arrayContaining(['DescribeLaunchTemplates:200', 'DescribeLaunchConfigurations:200']),
      );
      const statuses = (action: string) =>
        fake.requests.filter((r) => r.action === action).map((r) => `${r.page}:${r.status}`);
      expect(statuses('DescribeSecurityGroups')).toEqual(['1:200', '2:503', '2:503', '2:200', '3:200']);
      expect(statuses('DescribeSecurityGroupRules')).toEqual(['1:500', '1:200', '2:200', '3:200', '4:200', '5:200']);
      expect(statuses('DescribeNetworkInterfaces')).toEqual(['1:200', '2:hung', '2:200']);
      expect(fake.requests).toHaveLength(17);
      expect(adapter.stats).toEqual({ calls: 17, retries: 4, throttles: 2 });

      expect(progress.map((p) => p.pages)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(progress.at(-1)?.groups).toBe(2500);

      // The pages normalize and merge into the whole estate: rules from the authoritative listing, attachments known.
      const estate = mergePages(
        pages.map((p, i) =>
          (awsPageKinds.find((k) => k.name === p.kind) as (typeof awsPageKinds)[number]).normalize(p.body, {
            ...scope,
            origin: `page ${i}`,
          }),
        ),
      );
      expect(estate.groups).toHaveLength(2500);
      expect(estate.unparseable).toEqual([]);
      expect(
        estate.groups.every((g) => g.rules.length === 2 && g.rules.every((r) => r.native.ruleId.startsWith('sgr-'))),
      ).toBe(true);
      expect(estate.groups.every((g) => g.attachments !== undefined)).toBe(true);
      expect(estate.groups.filter((g) => (g.attachments ?? []).length > 0).length).toBeGreaterThan(1000);
      // Launch templates and configurations were read (none): "read, none", not "not read".
      expect(estate.groupUses).toEqual([]);
    } finally {
      adapter.close();
    }
  });

  it('a scope whose calls keep being throttled rejects, naming the call; the live reader reports it as a scan error', async () => {
    fake.inject('DescribeSecurityGroupRules', 'throttle', { times: Infinity });
    const adapter = adapterFor(2000, 3);
    try {
      await expect(adapter.read(scope)).rejects.toThrow(
        'EC2 DescribeSecurityGroupRules: RequestLimitExceeded: Request limit exceeded. (after 4 attempts)',
      );
      const throttled = fake.requests.filter((r) => r.action === 'DescribeSecurityGroupRules');
      expect(throttled.map((r) => r.status)).toEqual([503, 503, 503, 503]);
      expect(adapter.stats.throttles).toBeGreaterThanOrEqual(3);
      expect(adapter.stats.calls).toBe(fake.requests.length);

      const read = await readLiveEstate([adapter]);
      expect(read.estate.scanErrors).toEqual([
        {
          ...scope,
          origin: 'live',
          message: 'EC2 DescribeSecurityGroupRules: RequestLimitExceeded: Request limit exceeded. (after 4 attempts)',
        },
      ]);
      expect(read.estate.groups).toEqual([]); // nothing of the unread scope is reported clean
    } finally {
      adapter.close();
    }
  });

  it('a call that never answers is timed out and retried, and rejects when every attempt times out', async () => {
    fake.inject('DescribeNetworkInterfaces', 'hang', { times: Infinity });
    const adapter = adapterFor(150, 2);
    try {
      const started = Date.now();
      await expect(adapter.read(scope)).rejects.toThrow(
        /^EC2 DescribeNetworkInterfaces eu-west-1 timed out after 150 ms \(after 3 attempts\)$/,
      );
      expect(Date.now() - started).toBeLessThan(3000);
      expect(fake.requests.filter((r) => r.action === 'DescribeNetworkInterfaces').map((r) => r.status)).toEqual([
        'hung',
        'hung',
        'hung',
      ]);
      expect(adapter.stats.retries).toBeGreaterThanOrEqual(2);
      expect(adapter.stats.throttles).toBe(0);
    } finally {
      adapter.close();
    }
  });

  it('a listing whose NextToken never advances is an error, not an endless loop', async () => {
    fake.inject('DescribeSecurityGroups', 'stuck-token', { times: Infinity });
    const adapter = adapterFor(2000, 0);
    try {
      await expect(adapter.read(scope)).rejects.toThrow(
        'EC2 DescribeSecurityGroups: NextToken repeated, the listing does not advance',
      );
      expect(fake.requests.filter((r) => r.action === 'DescribeSecurityGroups').length).toBeLessThanOrEqual(3);
    } finally {
      adapter.close();
    }
  });

  it('providers.aws.concurrency bounds the calls in flight in a region (1: the listings take turns)', async () => {
    const adapter = adapterFor(2000, 0, { concurrency: 1 });
    try {
      const pages = await adapter.read(scope);
      // 10 pages of groups, rules and interfaces, and the empty launch template and configuration listings.
      expect(pages).toHaveLength(12);
      expect(fake.maxInFlight).toBe(1);
    } finally {
      adapter.close();
    }
  });

  it("a role that cannot be assumed fails its scope with STS's answer, not retried around every call", async () => {
    const member = '210987654321';
    const adapter = adapterFor(2000, 3, {
      accounts: [{ roleArn: `arn:aws:iam::${member}:role/warden-audit`, externalId: 'ext' }],
    });
    try {
      expect(await adapter.scopes()).toEqual([{ provider: 'aws', account: member, region: REGION }]);
      expect(fake.requests).toEqual([]); // the account comes from the ARN: no call
      const error = (await adapter
        .read({ provider: 'aws', account: member, region: REGION })
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toBe(
        `STS AssumeRole: AccessDenied: User: arn:aws:iam::${fake.account}:user/warden is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${member}:role/warden-audit`,
      );
      expect(fake.requests.filter((r) => r.action === 'AssumeRole').length).toBeLessThanOrEqual(3); // at most once per listing
      expect(fake.requests.filter((r) => r.action.startsWith('Describe'))).toEqual([]);
    } finally {
      adapter.close();
    }
  });

  it('an error that quotes the access key id reaches the caller with the key masked; client errors are not retried', async () => {
    fake.inject('DescribeSecurityGroups', 'auth-failure-echoing-key', { times: Infinity });
    const adapter = adapterFor(2000, 3);
    try {
      const error = (await adapter.read(scope).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(
        /^EC2 DescribeSecurityGroups: AuthFailure: AWS was not able to validate the provided access credentials \(\*\*\*\)$/,
      );
      expect(error.message).not.toContain(KEY_ID);
      expect(fake.requests.filter((r) => r.action === 'DescribeSecurityGroups')).toHaveLength(1);
    } finally {
      adapter.close();
    }
  });
});

describe('AWS adapter: model rule to IpPermission, and which errors are retried', () => {
  const G = 'sg-0123456789abcdef0';
  it('builds one IpPermission per rule, in EC2 terms', () => {
    expect(
      toIpPermission(rule({ protocol: 'tcp', ports: 443, peer: '203.0.113.0/24', description: 'office' }), G),
    ).toEqual({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'office' }],
    });
    expect(toIpPermission(rule({ protocol: 'all', peer: '::/0', description: '' }), G)).toEqual({
      IpProtocol: '-1',
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
    });
    expect(
      toIpPermission(
        rule({
          protocol: 'udp',
          ports: [5000, 5010],
          peer: { kind: 'group', groupId: 'sg-1', self: false, account: '210987654321' },
          description: 'x',
        }),
        G,
      ),
    ).toEqual({
      IpProtocol: 'udp',
      FromPort: 5000,
      ToPort: 5010,
      UserIdGroupPairs: [{ GroupId: 'sg-1', UserId: '210987654321', Description: 'x' }],
    });
    expect(
      toIpPermission(
        rule({ protocol: 'tcp', ports: 22, peer: { kind: 'group', groupId: 'sg-other', self: true }, description: '' }),
        G,
      ).UserIdGroupPairs,
    ).toEqual([{ GroupId: G }]);
    expect(
      toIpPermission(
        rule({ protocol: 'tcp', ports: 443, peer: { kind: 'prefix-list', id: 'pl-12345678' }, description: '' }),
        G,
      ).PrefixListIds,
    ).toEqual([{ PrefixListId: 'pl-12345678' }]);
    expect(
      toIpPermission(
        rule({ protocol: 'icmp', ports: [{ from: 3 * 256 + 4, to: 3 * 256 + 4 }], peer: '10.0.0.0/8' }),
        G,
      ),
    ).toMatchObject({ IpProtocol: 'icmp', FromPort: 3, ToPort: 4 });
    expect(
      toIpPermission(rule({ protocol: 'icmp', ports: [{ from: 8 * 256, to: 8 * 256 + 255 }], peer: '10.0.0.0/8' }), G),
    ).toMatchObject({ FromPort: 8, ToPort: -1 });
    expect(toIpPermission(rule({ protocol: 'icmpv6', peer: '::/0' }), G)).toMatchObject({
      IpProtocol: 'icmpv6',
      FromPort: -1,
      ToPort: -1,
    });
    expect(toIpPermission(rule({ protocol: 'gre', peer: '10.0.0.0/8' }), G)).toEqual({
      IpProtocol: '47',
      IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'test rule' }],
    });
    expect(toIpPermission(rule({ protocol: 'tcp', peer: '0.0.0.0/0', description: '' }), G)).toMatchObject({
      FromPort: 0,
      ToPort: 65535,
    });
  });

  it('refuses what EC2 cannot hold', () => {
    expect(() => toIpPermission(rule({ action: 'deny', ports: 22 }), G)).toThrow(/allow-only/);
    expect(() =>
      toIpPermission(
        rule({
          ports: [
            { from: 22, to: 22 },
            { from: 80, to: 80 },
          ],
        }),
        G,
      ),
    ).toThrow(/one port range per rule/);
    expect(() => toIpPermission(rule({ enabled: false, ports: 22 }), G)).toThrow(/cannot be disabled/);
    expect(() => toIpPermission(rule({ protocol: 'icmp', ports: [{ from: 0, to: 8 * 256 }] }), G)).toThrow(
      /one ICMP type/,
    );
    expect(() => toIpPermission(rule({ protocol: 'gre', ports: [{ from: 1, to: 2 }] }), G)).toThrow(/no ports on AWS/);
    expect(() => toIpPermission(rule({ ports: 22, peer: { kind: 'address-group', id: 'ag-1' } }), G)).toThrow(
      /cannot refer to an address group/,
    );
  });

  it('retries throttling, 5xx, server faults and network errors; not client errors or final verdicts', () => {
    const sdkError = (name: string, status: number, fault = 'client') =>
      Object.assign(new Error(name), { name, Code: name, $fault: fault, $metadata: { httpStatusCode: status } });
    for (const name of ['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled']) {
      expect(isRetryableAwsError(sdkError(name, 400))).toBe(true);
      expect(isThrottle(sdkError(name, 400))).toBe(true);
    }
    expect(isRetryableAwsError(sdkError('InternalError', 500, 'server'))).toBe(true);
    expect(isRetryableAwsError(sdkError('Unavailable', 503, 'server'))).toBe(true);
    expect(isThrottle(sdkError('InternalError', 500, 'server'))).toBe(false);
    expect(isRetryableAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableAwsError(sdkError('InvalidGroup.NotFound', 400))).toBe(false);
    expect(isRetryableAwsError(sdkError('UnauthorizedOperation', 403))).toBe(false);
    expect(isRetryableAwsError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
    expect(
      isRetryableAwsError(
        new AwsCallError('STS AssumeRole', 'Throttling', 'Rate exceeded', 6, sdkError('Throttling', 400)),
      ),
    ).toBe(false);
  });
});
