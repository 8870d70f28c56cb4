import { inspect } from 'node:util';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { ListSecurityGroupsRequest, VpcClient } from '@huaweicloud/huaweicloud-sdk-vpc/v3/public-api.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { huaweiEndpoint, HuaweiApiError } from '../adapters/huawei/client.ts';
import { createOption } from '../adapters/huawei/encode.ts';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import { PAGE_LIMIT } from '../adapters/huawei/read.ts';
import { ADDRESS_GROUP_PAGE_KINDS } from '../adapters/huawei/address-groups.ts';
import { normalizeScope } from '../adapters/live-estate.ts';
import { pageKindsOf } from '../adapters/page-kinds.ts';
import type { LiveAdapter, RawPage, Scope } from '../src/ports/live.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate, Rule } from '../src/model/types.ts';
import { rule } from './support/build.ts';
import { readSets } from './support/address-sets.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import type { ApiRecord, FakeHuawei } from './support/fake-huawei.ts';

const AK = 'HWAKWARDENTEST00000001';
const SK = 'hwSkWardenTestSecretKey000000000000000001';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const OTHER_PROJECT = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const REGION = 'ap-southeast-1';
const ENV = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK };
const SCOPE: Scope = { provider: 'huawei', account: PROJECT, region: REGION };

let fake: FakeHuawei;
beforeEach(async () => {
  fake = await startFakeHuawei({ ak: AK, sk: SK, pageCap: 3 });
});
afterEach(async () => {
  await fake.close();
});

function configFor(huawei: Record<string, unknown> = {}): WardenConfig {
  return configSchema.parse({
    providers: { huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: fake.url, ...huawei } },
  });
}

function adapter(
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; retries?: number; config?: WardenConfig } = {},
): LiveAdapter {
  return createHuaweiAdapter({
    config: options.config ?? configFor(),
    env: options.env ?? ENV,
    retry: { sleep: async () => {}, timeoutMs: options.timeoutMs ?? 2000, retries: options.retries ?? 3 },
  });
}

function seedGroups(count: number, projectId = PROJECT): ApiRecord[] {
  return Array.from({ length: count }, (_, i) => fake.addGroup(projectId, { name: `sg-${i}` }));
}

function seedRules(count: number, groups: ApiRecord[]): ApiRecord[] {
  return Array.from({ length: count }, (_, i) =>
    fake.addRule(PROJECT, {
      security_group_id: groups[i % groups.length]?.id as string,
      multiport: String(1000 + (i % 60000)),
      priority: 1 + (i % 100),
    }),
  );
}

function requestsOf(operation: string) {
  return fake.requests.filter((r) => r.operation === operation);
}

function itemsOf(pages: RawPage[], kind: string, key: string): ApiRecord[] {
  return pages.filter((p) => p.kind === kind).flatMap((p) => (p.body as Record<string, ApiRecord[]>)[key] ?? []);
}

/** Everything written to stdout/stderr (and the console) while `work` runs; nothing is passed through. */
async function captureOutput(work: () => Promise<unknown>): Promise<{ output: string; error: unknown }> {
  const chunks: string[] = [];
  const take = (chunk: unknown, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  const saved = { out: process.stdout.write, err: process.stderr.write, console: { ...console } };
  process.stdout.write = take as typeof process.stdout.write;
  process.stderr.write = take as typeof process.stderr.write;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[method] = (...args: unknown[]) =>
      void chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '));
  }
  let error: unknown;
  try {
    await work();
  } catch (e) {
    error = e;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    Object.assign(console, saved.console);
  }
  return { output: chunks.join(''), error };
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(AK);
  expect(text).not.toContain(SK);
}

function everythingAbout(error: unknown): string {
  return `${String(error)} ${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)}`;
}

describe('Huawei live adapter: reading', () => {
  it('follows next_marker through every page: 4,500 rules in pages of 2,000 and 2,001 groups', async () => {
    const groups = seedGroups(2001);
    const rules = seedRules(4500, groups);
    const live = adapter();
    const events: Array<{ pages: number; groups: number }> = [];

    const pages = await live.read(SCOPE, (event) => events.push({ pages: event.pages, groups: event.groups }));

    expect(pages.map((p) => p.kind)).toEqual([
      'vpc-v3:ListSecurityGroups',
      'vpc-v3:ListSecurityGroups',
      'vpc-v3:ListSecurityGroupRules',
      'vpc-v3:ListSecurityGroupRules',
      'vpc-v3:ListSecurityGroupRules',
      'vpc:ListPorts',
      'vpc:ListPublicips',
    ]);
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroups', 'security_groups').map((g) => g.id)).toEqual(
      groups.map((g) => g.id),
    );
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroupRules', 'security_group_rules').map((r) => r.id)).toEqual(
      rules.map((r) => r.id),
    );

    const ruleCalls = requestsOf('ListSecurityGroupRules');
    expect(ruleCalls.map((r) => r.query)).toEqual([
      { limit: String(PAGE_LIMIT) },
      { limit: '2000', marker: rules[1999]?.id },
      { limit: '2000', marker: rules[3999]?.id },
    ]);
    const bodies = pages
      .filter((p) => p.kind === 'vpc-v3:ListSecurityGroupRules')
      .map((p) => p.body as { page_info: Record<string, unknown> });
    expect(bodies.map((b) => b.page_info.current_count)).toEqual([2000, 2000, 500]);
    expect(bodies[2]?.page_info).not.toHaveProperty('next_marker');
    expect(live.stats).toEqual({ calls: 7, retries: 0, throttles: 0 });
    expect(events.at(-1)).toEqual({ pages: 5, groups: 2001 });
  });

  it('stops after one call when a full page of exactly 2,000 has no next_marker', async () => {
    seedRules(2000, seedGroups(1));
    const live = adapter();
    const pages = await live.read(SCOPE);
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroupRules', 'security_group_rules')).toHaveLength(2000);
    expect(requestsOf('ListSecurityGroupRules')).toHaveLength(1);
  });

  it('hands back the plain snake_case JSON the API sent, without the SDK-added httpStatusCode', async () => {
    seedRules(3, seedGroups(1));
    const pages = await adapter().read(SCOPE);
    for (const page of pages) {
      expect(Object.getPrototypeOf(page.body)).toBe(Object.prototype);
      expect(page.body).not.toHaveProperty('httpStatusCode');
      expect(JSON.parse(JSON.stringify(page.body))).toEqual(page.body);
      if (!page.kind.startsWith('vpc-v3:')) continue;
      expect(page.body).toHaveProperty('request_id');
      expect(page.body).toHaveProperty('page_info.current_count');
    }
    // The v1 ports and EIP listings answer with their list alone.
    expect(pages.filter((p) => !p.kind.startsWith('vpc-v3:')).map((p) => p.body)).toEqual([
      { ports: [] },
      { publicips: [] },
    ]);
    const first = itemsOf(pages, 'vpc-v3:ListSecurityGroupRules', 'security_group_rules')[0];
    expect(Object.keys(first ?? {})).toEqual(
      expect.arrayContaining(['security_group_id', 'remote_ip_prefix', 'multiport', 'priority', 'action']),
    );
  });

  it('retries throttling (429 APIG.0308) and counts the retries and throttles', async () => {
    seedRules(10, seedGroups(2));
    fake.failNext('throttle', 2, 'ListSecurityGroupRules');
    const live = adapter();
    const pages = await live.read(SCOPE);
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroupRules', 'security_group_rules')).toHaveLength(10);
    expect(requestsOf('ListSecurityGroupRules').map((r) => r.status)).toEqual([429, 429, 200]);
    expect(live.stats).toEqual({ calls: 6, retries: 2, throttles: 2 });
  });

  it('retries 5xx answers, which are not throttles', async () => {
    seedGroups(3);
    fake.failNext('server-error', 2, 'ListSecurityGroups');
    const live = adapter();
    const pages = await live.read(SCOPE);
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroups', 'security_groups')).toHaveLength(3);
    expect(requestsOf('ListSecurityGroups').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(live.stats).toEqual({ calls: 6, retries: 2, throttles: 0 });
  });

  it('times out a hung call and retries it', async () => {
    seedGroups(2);
    fake.failNext('hang', 1, 'ListSecurityGroups');
    const live = adapter({ timeoutMs: 200 });
    const started = Date.now();
    const pages = await live.read(SCOPE);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroups', 'security_groups')).toHaveLength(2);
    expect(requestsOf('ListSecurityGroups').map((r) => r.fault ?? r.status)).toEqual(['hang', 200]);
    expect(live.stats.retries).toBe(1);
  });

  it('gives up after the configured retries with one clear line naming the scope, the call and the API error', async () => {
    seedGroups(1);
    fake.failNext('throttle', 10, 'ListSecurityGroups');
    const live = adapter({ retries: 2 });
    const error = await live.read(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HuaweiApiError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^huawei ap-southeast-1 project 0a1b2c3d4e5f60718293a4b5c6d7e8f9: ListSecurityGroups failed: HTTP 429 APIG\.0308: The throttling threshold has been reached/,
    );
    expect(message).toContain('(3 attempts)');
    expect(message).not.toContain('\n');
    expect(error).toMatchObject({ status: 429, code: 'APIG.0308' });
    expect(live.stats.throttles).toBe(3);
  });

  it('rejects the scope with a clear error on a malformed body, without retrying it', async () => {
    seedRules(5, seedGroups(1));
    fake.failNext('malformed', 1, 'ListSecurityGroupRules');
    const live = adapter();
    const error = await live.read(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HuaweiApiError);
    expect((error as Error).message).toBe(
      `huawei ${REGION} project ${PROJECT}: ListSecurityGroupRules answered HTTP 200 with a body that is not the API's JSON (no "security_group_rules" list): {}`,
    );
    expect(requestsOf('ListSecurityGroupRules')).toHaveLength(1);
  });

  it('signs every call with SDK-HMAC-SHA256 for the project (no IAM call), and the fake verifies the signature', async () => {
    seedRules(3, seedGroups(1));
    const live = adapter();
    const added = await live.addRule(SCOPE, fake.groups(PROJECT)[0]?.id as string, rule({ ports: 443, priority: 5 }));
    await live.removeRule(SCOPE, '', { ...rule({}), native: { ruleId: added, derivedId: false, raw: null } });
    await live.read(SCOPE);
    expect(fake.requests.map((r) => r.operation)).toEqual(
      expect.arrayContaining([
        'CreateSecurityGroupRule',
        'DeleteSecurityGroupRule',
        'ListSecurityGroups',
        'ListSecurityGroupRules',
      ]),
    );
    for (const request of fake.requests) {
      expect(request.path).toMatch(new RegExp(`^/v3/${PROJECT}/vpc/|^/v1/${PROJECT}/(?:ports|publicips)$`));
      expect(request.headers.authorization).toMatch(
        new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`),
      );
      expect(request.headers.authorization).toMatch(/SignedHeaders=(?:[a-z0-9-]+;)*host;x-project-id;x-sdk-date[;,]/);
      expect(request.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(request.headers['x-project-id']).toBe(PROJECT);
      expect(request.auth).toBe('ok');
      // customUserAgent: the SDK then skips writing a tracking id to ~/.huaweicloud/application_id.
      expect(request.headers['user-agent']).toBe('huaweicloud-usdk-nodejs/3.0; warden');
    }
  });

  it('fails fast on a rejected signature (401 APIG.0301) and never shows the keys', async () => {
    seedGroups(1);
    const wrongSk = 'hwSkWrongSecretKey9999999999999999999999';
    const live = adapter({ env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: wrongSk } });
    const { output, error } = await captureOutput(() => live.read(SCOPE));
    expect(error).toMatchObject({ status: 401, code: 'APIG.0301' });
    expect((error as Error).message).toContain('ListSecurityGroups failed: HTTP 401 APIG.0301');
    expect(fake.requests.every((r) => r.auth === 'signature does not match')).toBe(true);
    expect(requestsOf('ListSecurityGroups')).toHaveLength(1);
    for (const text of [output, everythingAbout(error)]) {
      expectNoSecrets(text);
      expect(text).not.toContain(wrongSk);
    }
  });
});

describe('Huawei live adapter: credentials never reach our output', () => {
  it('the SDK itself logs the Authorization header with the AK on a failed call (why the adapter silences it)', async () => {
    const client = VpcClient.newBuilder()
      .withCredential(new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT))
      .withEndpoint(fake.url)
      .withOptions({ customUserAgent: 'warden-test' })
      .build();
    fake.failNext('server-error', 1);
    const before = Logger4jInstance.level;
    Logger4jInstance.level = 'error';
    try {
      const { output, error } = await captureOutput(() =>
        client.listSecurityGroups(new ListSecurityGroupsRequest().withLimit(1)),
      );
      expect(error).toMatchObject({ httpStatusCode: 500, errorCode: 'SYS.0500' });
      expect(output).toContain(`Access=${AK}`);
    } finally {
      Logger4jInstance.level = before;
    }
  });

  it('nothing of the AK or SK reaches stdout, stderr, the console or the errors, even with the SDK logger turned back on', async () => {
    const group = seedGroups(1)[0]?.id as string;
    const live = adapter({ retries: 1, timeoutMs: 200 });
    Logger4jInstance.level = 'debug';
    const failures: unknown[] = [];
    const { output } = await captureOutput(async () => {
      fake.failNext('server-error', 2, 'ListSecurityGroups');
      failures.push(await live.read(SCOPE).catch((e: unknown) => e));
      fake.failNext('throttle', 2, 'ListSecurityGroupRules');
      failures.push(await live.read(SCOPE).catch((e: unknown) => e));
      fake.failNext('server-error', 1, 'CreateSecurityGroupRule');
      failures.push(await live.addRule(SCOPE, group, rule({ ports: 22 })).catch((e: unknown) => e));
      fake.failNext('hang', 1, 'CreateSecurityGroupRule');
      failures.push(await live.addRule(SCOPE, group, rule({ ports: 23 })).catch((e: unknown) => e));
      fake.failNext('malformed', 1, 'ListSecurityGroups');
      failures.push(await live.read(SCOPE).catch((e: unknown) => e));
    });
    expect(failures).toHaveLength(5);
    for (const failure of failures) expect(failure).toBeInstanceOf(HuaweiApiError);
    expect(String(Logger4jInstance.level)).toBe('OFF');
    expectNoSecrets(output);
    for (const failure of failures) expectNoSecrets(everythingAbout(failure));
  });

  it('names both variables in one line when the AK/SK are missing, and calls nothing', async () => {
    for (const env of [{}, { HUAWEICLOUD_SDK_AK: AK }, { HUAWEICLOUD_SDK_SK: '  ' }]) {
      const live = adapter({ env });
      const errors = await Promise.all([
        live.scopes().catch((e: unknown) => e),
        live.read(SCOPE).catch((e: unknown) => e),
      ]);
      for (const error of errors) {
        const message = (error as Error).message;
        expect(message).toMatch(/^huawei: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set/);
        expect(message).not.toContain('\n');
        expectNoSecrets(message);
      }
    }
    expect(
      (await adapter({ env: { HUAWEICLOUD_SDK_AK: AK } })
        .scopes()
        .catch((e: Error) => e.message)) as string,
    ).toMatch(/not set: HUAWEICLOUD_SDK_SK$/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Huawei live adapter: rules', () => {
  it('addRule always sends priority and action, and returns the id of the created rule; removeRule deletes it', async () => {
    const group = seedGroups(1)[0]?.id as string;
    const live = adapter();
    const deny = rule({
      action: 'deny',
      priority: 1,
      protocol: 'tcp',
      ports: 22,
      peer: '0.0.0.0/0',
      description: 'block ssh',
    });

    const id = await live.addRule(SCOPE, group, deny);

    const post = requestsOf('CreateSecurityGroupRule')[0];
    expect(post?.status).toBe(201);
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      security_group_rule: {
        security_group_id: group,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        multiport: '22',
        remote_ip_prefix: '0.0.0.0/0',
        action: 'deny',
        priority: '1',
        description: 'block ssh',
      },
    });
    const stored = fake.rules(PROJECT).find((r) => r.id === id);
    expect(stored).toMatchObject({ security_group_id: group, action: 'deny', priority: 1, multiport: '22' });

    // The API defaults are allow and priority 100: an explicit allow at 100 is still sent in full.
    await live.addRule(SCOPE, group, rule({ action: 'allow', priority: 100, ports: 80 }));
    expect(JSON.parse(requestsOf('CreateSecurityGroupRule')[1]?.body ?? '{}')).toMatchObject({
      security_group_rule: { action: 'allow', priority: '100' },
    });

    await live.removeRule(SCOPE, group, { ...deny, native: { ruleId: id, derivedId: false, raw: stored } });
    expect(fake.rules(PROJECT).some((r) => r.id === id)).toBe(false);
    expect(requestsOf('DeleteSecurityGroupRule').map((r) => [r.path, r.status])).toEqual([
      [`/v3/${PROJECT}/vpc/security-group-rules/${id}`, 204],
    ]);

    // Already gone (a lost answer to an applied delete): the goal holds, no error.
    await expect(
      live.removeRule(SCOPE, group, { ...deny, native: { ruleId: id, derivedId: false, raw: stored } }),
    ).resolves.toBeUndefined();
    await expect(
      live.removeRule(SCOPE, group, { ...deny, native: { ruleId: 'hw~abc', derivedId: true, raw: null } }),
    ).rejects.toThrow(/without its provider rule id/);

    // A 404 from the gateway (no such API: a wrong endpoint path) is not "already removed".
    const misrouted = adapter({ config: configFor({ endpoint: `${fake.url}/wrong-base` }) });
    await expect(
      misrouted.removeRule(SCOPE, group, { ...deny, native: { ruleId: id, derivedId: false, raw: stored } }),
    ).rejects.toThrow(/DeleteSecurityGroupRule failed: HTTP 404 APIG\.0101/);
  });

  it('round-trips every kind of rule: what addRule creates reads back as the same rule', async () => {
    const [group, other] = seedGroups(2).map((g) => g.id as string) as [string, string];
    const live = adapter();
    const wanted: Rule[] = [
      rule({ protocol: 'all', priority: 3, action: 'deny', peer: '203.0.113.0/24' }),
      rule({
        protocol: 'udp',
        ports: [
          { from: 53, to: 53 },
          { from: 80, to: 90 },
        ],
        priority: 7,
      }),
      rule({ protocol: 'gre', priority: 9 }),
      rule({ protocol: 132, priority: 11, direction: 'egress' }),
      rule({ protocol: 'icmpv6', peer: '2001:db8::/32', priority: 13 }),
      rule({ protocol: 'icmp', priority: 15, peer: { kind: 'group', groupId: other, self: false } }),
      rule({
        protocol: 'tcp',
        ports: [{ from: 0, to: 65535 }],
        priority: 17,
        peer: { kind: 'group', groupId: group, self: true },
      }),
      rule({ protocol: 'tcp', ports: 3389, priority: 19, peer: { kind: 'address-group', id: 'ag-1234' } }),
    ];
    const ids: string[] = [];
    for (const r of wanted) ids.push(await live.addRule(SCOPE, group, r));
    const estate = estateOf(await live.read(SCOPE));
    const read = estate.groups.find((g) => g.id === group)?.rules ?? [];
    expect(estate.unparseable).toEqual([]);
    wanted.forEach((want, i) => {
      const got = read.find((r) => r.native.ruleId === ids[i]);
      const { native: _a, ...wantFields } = want;
      const { native: _b, ...gotFields } = got as Rule;
      expect(gotFields).toEqual(wantFields);
    });
    const bodies = requestsOf('CreateSecurityGroupRule').map(
      (r) => (JSON.parse(r.body) as { security_group_rule: ApiRecord }).security_group_rule,
    );
    expect(bodies[0]).not.toHaveProperty('protocol');
    expect(bodies[0]).not.toHaveProperty('multiport');
    expect(bodies[1]).toMatchObject({ protocol: 'udp', multiport: '53,80-90' });
    expect(bodies[2]).toMatchObject({ protocol: '47' });
    expect(bodies[4]).toMatchObject({ protocol: 'icmpv6', ethertype: 'IPv6' });
    expect(bodies[6]).toMatchObject({ remote_group_id: group });
    expect(bodies[6]).not.toHaveProperty('multiport');
    expect(bodies[7]).toMatchObject({ remote_address_group_id: 'ag-1234' });
  });

  it('refuses what a VPC v3 rule cannot say, before calling', () => {
    expect(() => createOption('sg', rule({ priority: 0 }))).toThrow(/priority 0 is outside 1-100/);
    expect(() => createOption('sg', rule({ priority: 101 }))).toThrow(/outside 1-100/);
    expect(() => createOption('sg', rule({ protocol: 'icmp', ports: [{ from: 2048, to: 2048 }] }))).toThrow(
      /ICMP types or codes/,
    );
    expect(() => createOption('sg', rule({ peer: { kind: 'prefix-list', id: 'pl-1' } }))).toThrow(/prefix list/);
    expect(() => createOption('sg', rule({ ports: 0 }))).toThrow(/port 0/);
    expect(() => createOption('sg', rule({ ports: [] }))).toThrow(/without ports/);
    expect(JSON.parse(JSON.stringify(createOption('sg', rule({ enabled: false, ports: 22 }))))).toMatchObject({
      enabled: false,
      priority: '1',
      action: 'allow',
    });
  });

  it('retries a throttled create, but not a 5xx or a timeout (the rule may exist already)', async () => {
    const group = seedGroups(1)[0]?.id as string;
    const live = adapter({ timeoutMs: 200 });
    fake.failNext('throttle', 1, 'CreateSecurityGroupRule');
    await live.addRule(SCOPE, group, rule({ ports: 22 }));
    expect(requestsOf('CreateSecurityGroupRule').map((r) => r.status)).toEqual([429, 201]);
    expect(fake.rules(PROJECT)).toHaveLength(1);

    fake.failNext('server-error', 1, 'CreateSecurityGroupRule');
    await expect(live.addRule(SCOPE, group, rule({ ports: 80 }))).rejects.toThrow(
      /CreateSecurityGroupRule failed: HTTP 500 SYS\.0500/,
    );
    fake.failNext('hang', 1, 'CreateSecurityGroupRule');
    await expect(live.addRule(SCOPE, group, rule({ ports: 443 }))).rejects.toThrow(
      /timed out after 200 ms; the rule may have been created/,
    );
    expect(requestsOf('CreateSecurityGroupRule')).toHaveLength(4);
    expect(live.stats).toMatchObject({ retries: 1, throttles: 1 });
  });

  it('retries a failed delete (deletes are idempotent)', async () => {
    const group = seedGroups(1)[0]?.id as string;
    const target = fake.addRule(PROJECT, { security_group_id: group });
    const live = adapter();
    fake.failNext('server-error', 1, 'DeleteSecurityGroupRule');
    await live.removeRule(SCOPE, group, {
      ...rule({}),
      native: { ruleId: target.id as string, derivedId: false, raw: target },
    });
    expect(requestsOf('DeleteSecurityGroupRule').map((r) => r.status)).toEqual([500, 204]);
    expect(fake.rules(PROJECT)).toHaveLength(0);
  });
});

describe('Huawei live adapter: scopes and endpoints', () => {
  it('lists the configured regions (account = project id), narrowed by the filter', async () => {
    const config = configSchema.parse({
      providers: {
        huawei: {
          regions: [
            { region: REGION, projectId: PROJECT },
            { region: 'cn-north-4', projectId: OTHER_PROJECT },
          ],
          endpoint: fake.url,
        },
      },
    });
    const live = adapter({ config });
    expect(await live.scopes()).toEqual([SCOPE, { provider: 'huawei', account: OTHER_PROJECT, region: 'cn-north-4' }]);
    expect(await live.scopes({ regions: ['cn-north-4'] })).toEqual([
      { provider: 'huawei', account: OTHER_PROJECT, region: 'cn-north-4' },
    ]);
    expect(await live.scopes({ accounts: [PROJECT] })).toEqual([SCOPE]);
    expect(await live.scopes({ regions: ['eu-west-101'] })).toEqual([]);
    await expect(adapter({ config: defaultConfig() }).scopes()).rejects.toThrow(
      /providers\.huawei\.regions is not configured/,
    );
  });

  it('reads each project of its own scope', async () => {
    fake.addGroup(PROJECT, { name: 'mine' });
    fake.addGroup(OTHER_PROJECT, { name: 'theirs' });
    const pages = await adapter().read({ provider: 'huawei', account: OTHER_PROJECT, region: 'cn-north-4' });
    expect(itemsOf(pages, 'vpc-v3:ListSecurityGroups', 'security_groups').map((g) => g.name)).toEqual(['theirs']);
    expect(fake.requests.every((r) => r.headers['x-project-id'] === OTHER_PROJECT)).toBe(true);
  });

  it('resolves the endpoint: WARDEN_HUAWEI_ENDPOINT, then config, then vpc.<region>.myhuaweicloud.com', () => {
    const plain = defaultConfig();
    const configured = configSchema.parse({
      providers: {
        huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: 'https://vpc.example.internal/' },
      },
    });
    expect(huaweiEndpoint(plain, {}, 'cn-north-4')).toBe('https://vpc.cn-north-4.myhuaweicloud.com');
    expect(huaweiEndpoint(configured, {}, REGION)).toBe('https://vpc.example.internal');
    expect(huaweiEndpoint(configured, { WARDEN_HUAWEI_ENDPOINT: 'http://127.0.0.1:8443/base/' }, REGION)).toBe(
      'http://127.0.0.1:8443/base',
    );
    expect(huaweiEndpoint(plain, { WARDEN_HUAWEI_ENDPOINT: 'http://localhost:9000' }, REGION)).toBe(
      'http://localhost:9000',
    );
    expect(huaweiEndpoint(plain, { WARDEN_HUAWEI_ENDPOINT: 'http://[::1]:9000' }, REGION)).toBe('http://[::1]:9000');
    expect(() => huaweiEndpoint(plain, { WARDEN_HUAWEI_ENDPOINT: 'http://vpc.example.com' }, REGION)).toThrow(
      /WARDEN_HUAWEI_ENDPOINT: plain http is allowed only for a loopback host \(got vpc.example.com\)/,
    );
    const insecure = configSchema.parse({
      providers: { huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: 'http://10.0.0.1' } },
    });
    expect(() => huaweiEndpoint(insecure, {}, REGION)).toThrow(/providers\.huawei\.endpoint: .*loopback/);
    expect(() => huaweiEndpoint(plain, { WARDEN_HUAWEI_ENDPOINT: 'vpc.example.com' }, REGION)).toThrow(/is not a URL/);
  });

  it('keeps at most `concurrency` calls of a region in flight', async () => {
    seedGroups(2001);
    seedRules(10, fake.groups(PROJECT));
    await adapter({ config: configFor({ concurrency: 1 }) }).read(SCOPE);
    expect(fake.requests.map((r) => r.operation)).toEqual([
      'ListSecurityGroups',
      'ListSecurityGroups',
      'ListSecurityGroupRules',
      'ListPorts',
      'ListPublicips',
    ]);
  });
});

function estateOf(pages: RawPage[]): Estate {
  const huaweiKinds = pageKindsOf('huawei');
  const kinds = new Set(huaweiKinds.map((k) => k.name));
  for (const page of pages) {
    expect(kinds.has(page.kind)).toBe(true);
    expect(huaweiKinds.find((k) => k.name === page.kind)?.matches(page.body)).toBe(true);
  }
  const results = readSnapshotDocument(
    { provider: 'huawei', account: PROJECT, region: REGION, pages: pages.map((p) => p.body) },
    'live huawei',
  );
  return mergePages(results);
}

describe('Huawei live adapter: end to end', () => {
  it('read → normalize → merge → audit: a deny at priority 1 covering an allow at 100 closes SSH; the allow alone is open', async () => {
    const covered = fake.addGroup(PROJECT, { name: 'covered' });
    const open = fake.addGroup(PROJECT, { name: 'open' });
    for (const group of [covered, open]) {
      fake.addRule(PROJECT, {
        security_group_id: group.id as string,
        protocol: 'tcp',
        multiport: '22',
        remote_ip_prefix: '0.0.0.0/0',
        action: 'allow',
        priority: 100,
      });
    }
    const live = adapter();
    const denyId = await live.addRule(
      SCOPE,
      covered.id as string,
      rule({ action: 'deny', priority: 1, ports: 22, peer: '0.0.0.0/0' }),
    );

    const adminFindings = (estate: Estate) =>
      auditEstate(estate, defaultConfig())
        .findings.filter((f) => f.check === 'internet-admin-port')
        .map((f) => [f.groupName, f.account, f.region]);

    const estate = estateOf(await live.read(SCOPE));
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect([...estate.groups].sort(byName).map((g) => [g.name, g.account, g.region, g.rules.length])).toEqual([
      ['covered', PROJECT, REGION, 2],
      ['open', PROJECT, REGION, 1],
    ]);
    expect(adminFindings(estate)).toEqual([['open', PROJECT, REGION]]);

    // Reverting the fix (removing the deny) opens the covered group again.
    await live.removeRule(SCOPE, covered.id as string, {
      ...rule({}),
      native: { ruleId: denyId, derivedId: false, raw: null },
    });
    const reverted = estateOf(await live.read(SCOPE));
    expect(
      adminFindings(reverted)
        .map(([name]) => name)
        .sort(),
    ).toEqual(['covered', 'open']);
  });
});

describe('Huawei VPC v3 address groups, live', () => {
  it('reads every page of ListAddressGroup when a rule names an address group; entries and families as declared; the snapshot reads the same', async () => {
    const group = fake.addGroup(PROJECT, { name: 'web' });
    const anywhere = fake.addAddressGroup(PROJECT, { name: 'anywhere', ip_set: ['0.0.0.0/0'] });
    const v6 = fake.addAddressGroup(PROJECT, { name: 'v6', ip_version: 6, ip_set: ['2001:db8::1-2001:db8::3'] });
    for (let i = 0; i < 6; i++) fake.addAddressGroup(PROJECT, { name: `other-${i}`, ip_set: [`10.${i}.0.0/16`] });
    fake.addRule(PROJECT, {
      security_group_id: group.id as string,
      multiport: '22',
      remote_ip_prefix: '',
      remote_address_group_id: anywhere.id,
    });
    fake.addRule(PROJECT, {
      security_group_id: group.id as string,
      ethertype: 'IPv6',
      multiport: '22',
      remote_ip_prefix: '',
      remote_address_group_id: v6.id,
    });

    const pages = await adapter().read(SCOPE);

    const listed = pages.filter((p) => p.kind === ADDRESS_GROUP_PAGE_KINDS.list);
    expect(listed.map((p) => (p.body as { address_groups: unknown[] }).address_groups.length)).toEqual([3, 3, 2]);
    const calls = fake.requests.filter((r) => r.operation === 'ListAddressGroup');
    expect(calls.map((r) => [r.query.limit, r.query.marker === undefined])).toEqual([
      ['2000', true],
      ['2000', false],
      ['2000', false],
    ]);
    const { live: read, snapshot } = readSets(SCOPE, pages);
    expect(read.unparseable).toEqual([]);
    expect(snapshot).toEqual(read);
    const live = read.addressSets;
    expect(live).toHaveLength(8);
    expect(live.find((s) => s.id === anywhere.id)).toEqual({
      provider: 'huawei',
      account: PROJECT,
      region: REGION,
      kind: 'address-group',
      id: anywhere.id,
      name: 'anywhere',
      family: 'ipv4',
      entries: ['0.0.0.0/0'],
      providerManaged: false,
    });
    expect(live.find((s) => s.id === v6.id)).toMatchObject({
      family: 'ipv6',
      entries: ['2001:db8::1/128', '2001:db8::2/127'],
    });
    const rules = normalizeScope(SCOPE, pages).flatMap((r) => r.rules.map((f) => f.rule.peer));
    expect(rules).toEqual([
      { kind: 'address-group', id: anywhere.id },
      { kind: 'address-group', id: v6.id },
    ]);
  });

  it('no rule names an address group: ListAddressGroup is not called', async () => {
    const group = fake.addGroup(PROJECT);
    fake.addRule(PROJECT, { security_group_id: group.id as string });
    fake.addAddressGroup(PROJECT, { ip_set: ['0.0.0.0/0'] });
    const pages = await adapter().read(SCOPE);
    expect(fake.requests.filter((r) => r.operation === 'ListAddressGroup')).toEqual([]);
    expect(pages.some((p) => p.kind.includes('AddressGroup'))).toBe(false);
  });

  it('ListAddressGroup denied: each named address group is unresolved with the provider’s reason and the rule’s family; the scope is read', async () => {
    const group = fake.addGroup(PROJECT);
    fake.addRule(PROJECT, {
      security_group_id: group.id as string,
      ethertype: 'IPv6',
      remote_ip_prefix: '',
      remote_address_group_id: 'ag-elsewhere',
    });
    fake.deny('ListAddressGroup');
    const pages = await adapter().read(SCOPE);
    const { live: read, snapshot } = readSets(SCOPE, pages);
    expect(snapshot).toEqual(read);
    expect(read.addressSets).toEqual([
      {
        provider: 'huawei',
        account: PROJECT,
        region: REGION,
        kind: 'address-group',
        id: 'ag-elsewhere',
        name: '',
        family: 'ipv6',
        providerManaged: false,
        unresolved:
          "ListAddressGroup was refused: HTTP 403 VPC.0005 (Policy doesn't allow vpc:addressGroups:list to be performed.)",
      },
    ]);
    expect(JSON.stringify(pages)).not.toContain(SK);
  });

  it('throttling of ListAddressGroup is retried; a listing that keeps failing with 5xx fails the scope', async () => {
    const group = fake.addGroup(PROJECT);
    const named = fake.addAddressGroup(PROJECT, { ip_set: ['0.0.0.0/0'] });
    fake.addRule(PROJECT, {
      security_group_id: group.id as string,
      remote_ip_prefix: '',
      remote_address_group_id: named.id,
    });
    fake.failNext('throttle', 2, 'ListAddressGroup');
    const a = adapter();
    expect(readSets(SCOPE, await a.read(SCOPE)).live.addressSets).toMatchObject([
      { id: named.id, entries: ['0.0.0.0/0'] },
    ]);
    expect(a.stats.throttles).toBe(2);
    fake.failNext('server-error', 4, 'ListAddressGroup');
    await expect(a.read(SCOPE)).rejects.toThrow(
      `huawei ${REGION} project ${PROJECT}: ListAddressGroup failed: HTTP 500 SYS.0500: Internal Server Error. (4 attempts)`,
    );
  });
});
