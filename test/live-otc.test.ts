import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_GROUP_PAGE_KINDS } from '../adapters/huawei/address-groups.ts';
import { PORT_PAGE_KINDS } from '../adapters/huawei/ports.ts';
import type { RawPage } from '../src/ports/live.ts';
import { OtcApiError } from '../adapters/otc/client.ts';
import type { OtcAdapterOptions } from '../adapters/otc/client.ts';
import { OtcRuleError } from '../adapters/otc/encode.ts';
import { createOtcAdapter } from '../adapters/otc/live.ts';
import { pageKindsOf } from '../adapters/page-kinds.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate, Rule } from '../src/model/types.ts';
import { readSets } from './support/address-sets.ts';
import { FAKE_AK, FAKE_SK, FAKE_USER, FakeOtc } from './support/fake-otc.ts';
import type { FakeGroup } from './support/fake-otc.ts';

const P1 = '5dd3c0b24cdc4d31952c49589182a89d';
const P2 = '0a1b2c3d4e5f40718293a4b5c6d7e8f9';
const SECRETS = [FAKE_SK, FAKE_USER.password];

let fake: FakeOtc;
let temp: string | undefined;

beforeEach(async () => {
  fake = await FakeOtc.start({ pageSize: 2 });
  fake.projectNames.set(P1, 'eu-de');
  fake.projectNames.set(P2, 'eu-nl');
});

afterEach(async () => {
  await fake.close();
  if (temp) await rm(temp, { recursive: true, force: true });
  temp = undefined;
});

function config(otc: Record<string, unknown> = {}) {
  return configSchema.parse({
    providers: { otc: { regions: [{ region: 'eu-de', projectId: P1 }], endpoint: fake.vpcUrl, ...otc } },
    scan: { timeoutMs: 300, retries: 3 },
  });
}

const AKSK_ENV = { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK };
const PASSWORD_ENV = {
  OS_USERNAME: FAKE_USER.name,
  OS_PASSWORD: FAKE_USER.password,
  OS_USER_DOMAIN_NAME: FAKE_USER.domain,
};

function adapter(
  otc: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = AKSK_ENV,
  extra: Partial<OtcAdapterOptions> = {},
) {
  return createOtcAdapter({
    config: config(otc),
    env: { WARDEN_OTC_IAM_ENDPOINT: fake.iamUrl, ...env },
    retry: { sleep: async () => {}, timeoutMs: 300 },
    ...extra,
  });
}

const scope = { provider: 'otc' as const, account: P1, region: 'eu-de' };

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const message = (error as Error).message;
    for (const secret of SECRETS) expect(message).not.toContain(secret);
    for (const token of fake.tokens.keys()) expect(message).not.toContain(token);
    expect(message).not.toMatch(/Authorization|Signature=|X-Auth-Token/i);
    expect(message).not.toContain('\n');
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The port and floating-IP listings every read ends with. */
const PORT_KINDS = [PORT_PAGE_KINDS.ports, PORT_PAGE_KINDS.floatingips];

/** The pages of the groups, rules and address groups (without the ports and floating IPs). */
function groupPages(pages: RawPage[]): RawPage[] {
  return pages.filter((p) => !(PORT_KINDS as string[]).includes(p.kind));
}

function ids(pages: RawPage[], key: string): string[] {
  return pages.flatMap((page) =>
    ((page.body as Record<string, Array<{ id: string }>>)[key] ?? []).map((item) => item.id),
  );
}

/** Each page's kind is a page kind of the snapshot reader that recognizes the page by its shape. */
function expectKindsMatch(pages: RawPage[]): void {
  for (const page of pages) {
    const kind = pageKindsOf('otc').find((k) => k.name === page.kind);
    expect(kind, page.kind).toBeDefined();
    const body = page.body as Record<string, unknown[]>;
    if ((body.security_groups ?? body.security_group_rules ?? []).length > 0)
      expect(kind?.matches(page.body)).toBe(true);
  }
}

function estateOf(pages: RawPage[], account = P1): Estate {
  return mergePages(
    readSnapshotDocument(
      { provider: 'otc', account, region: 'eu-de', pages: pages.map((p) => p.body) },
      'live otc eu-de',
    ),
  );
}

/** A jump host open to the Internet on SSH, plus the default group's self-reference and egress. */
function seedJumpHost(project = P1): { group: FakeGroup; ssh: string } {
  const group = fake.addGroup(project, 'jump-host', 'bastion');
  const ssh = fake.addRule(group, {
    protocol: 'tcp',
    multiport: '22',
    remote_ip_prefix: '0.0.0.0/0',
    description: 'ssh from anywhere',
  }).id;
  fake.addRule(group, { direction: 'egress', protocol: null, remote_ip_prefix: '0.0.0.0/0' });
  fake.addRule(group, { protocol: null, remote_ip_prefix: null, remote_group_id: group.id });
  return { group, ssh };
}

function v3Rule(overrides: Partial<Rule> = {}): Rule {
  return {
    direction: 'ingress',
    action: 'allow',
    priority: 1,
    family: 'ipv4',
    protocol: 'tcp',
    ports: [{ from: 443, to: 443 }],
    peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
    enabled: true,
    description: 'https',
    native: { ruleId: '', derivedId: true, raw: null },
    ...overrides,
  };
}

describe('OTC live adapter: reading', () => {
  it('lists its scopes from config, narrowed by the filter', async () => {
    const otc = adapter({
      regions: [
        { region: 'eu-de', projectId: P1 },
        { region: 'eu-nl', projectId: P2 },
      ],
    });
    expect(await otc.scopes()).toEqual([scope, { provider: 'otc', account: P2, region: 'eu-nl' }]);
    expect(await otc.scopes({ regions: ['eu-nl'] })).toEqual([{ provider: 'otc', account: P2, region: 'eu-nl' }]);
    expect(await otc.scopes({ accounts: ['other'] })).toEqual([]);
    expect(await createOtcAdapter({ config: defaultConfig(), env: {} }).scopes()).toEqual([]);
  });

  it('VPC v3: pages through every group and rule with page_info.next_marker, signed with AK/SK', async () => {
    const groups = Array.from({ length: 5 }, (_, i) => fake.addGroup(P1, `sg-${i}`));
    const rules = groups.flatMap((g, i) =>
      i < 3 ? [fake.addRule(g, { multiport: `${8000 + i}` }), fake.addRule(g, { action: 'deny', priority: 2 })] : [],
    );
    fake.addRule(fake.addGroup(P2, 'other-project'), {});
    const otc = adapter();
    const events: number[] = [];
    const pages = await otc.read(scope, (event) => events.push(event.pages));

    expect(pages.filter((p) => p.kind === 'vpc-v3:ListSecurityGroups')).toHaveLength(3);
    expect(pages.filter((p) => p.kind === 'vpc-v3:ListSecurityGroupRules')).toHaveLength(3);
    expect(ids(pages, 'security_groups').sort()).toEqual(groups.map((g) => g.id).sort());
    expect(ids(pages, 'security_group_rules').sort()).toEqual(rules.map((r) => r.id).sort());
    // Then one (empty) page each of ports and floating IPs.
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(otc.stats).toEqual({ calls: 8, retries: 0, throttles: 0 });

    const requests = fake.vpcRequests();
    expect(requests.every((r) => r.status === 200 && r.query.startsWith('limit=2000'))).toBe(true);
    expect(requests.filter((r) => r.path === `/v3/${P1}/vpc/security-groups`).map((r) => r.query)).toEqual([
      'limit=2000',
      `limit=2000&marker=${groups[1]?.id}`,
      `limit=2000&marker=${groups[3]?.id}`,
    ]);
    for (const request of requests) {
      expect(request.headers.authorization).toMatch(
        /^SDK-HMAC-SHA256 Access=WARDENFAKEAK00000001, SignedHeaders=host;x-project-id;x-sdk-date, Signature=/,
      );
      expect(request.headers['x-project-id']).toBe(P1);
    }

    expectKindsMatch(pages);
    const estate = estateOf(pages);
    expect(estate.groups).toHaveLength(5);
    expect(estate.unparseable).toEqual([]);
    expect(estate.groups.every((g) => g.api === 'vpc-v3')).toBe(true);
    expect(estate.groups.flatMap((g) => g.rules).filter((r) => r.action === 'deny')).toHaveLength(3);
  });

  it("'auto' falls back to Neutron v2.0 where v3 answers 404, and the pages carry Neutron kinds", async () => {
    fake.v3Missing.add(P1);
    const groups = Array.from({ length: 4 }, (_, i) => fake.addGroup(P1, `sg-${i}`));
    for (const g of groups) fake.addRule(g, { multiport: '443' });
    const otc = adapter();
    const pages = await otc.read(scope);

    expect(new Set(pages.map((p) => p.kind))).toEqual(
      new Set(['neutron-v2:security-groups', 'neutron-v2:security-group-rules', ...PORT_KINDS]),
    );
    expect(ids(pages, 'security_groups').sort()).toEqual(groups.map((g) => g.id).sort());
    expect(ids(pages, 'security_group_rules')).toHaveLength(4);
    // Full pages carry a "next" link; the last one comes back empty. Only the marker is taken from
    // the link: every request went to the configured endpoint.
    const neutron = fake.vpcRequests().filter((r) => r.path === '/v2.0/security-groups');
    expect(neutron.map((r) => r.query)).toEqual([
      'limit=2000',
      `limit=2000&marker=${groups[1]?.id}`,
      `limit=2000&marker=${groups[3]?.id}`,
    ]);
    expect(
      fake
        .vpcRequests()
        .filter((r) => r.path.startsWith('/v3/'))
        .every((r) => r.status === 404),
    ).toBe(true);

    expectKindsMatch(pages);
    const estate = estateOf(pages);
    expect(estate.unparseable).toEqual([]);
    expect(estate.groups.map((g) => g.api)).toEqual(['neutron-v2', 'neutron-v2', 'neutron-v2', 'neutron-v2']);
    expect(estate.groups.every((g) => g.rules.length === 1 && g.rules[0]?.ports[0]?.from === 443)).toBe(true);

    // The decision is remembered for the scope: the next read goes straight to Neutron.
    const before = fake.vpcRequests().length;
    await otc.read(scope);
    expect(
      fake
        .vpcRequests()
        .slice(before)
        .every((r) => r.path.startsWith('/v2.0/')),
    ).toBe(true);
  });

  it("'auto' does not fall back on a 404 in the middle of a v3 listing", async () => {
    for (let i = 0; i < 3; i++) fake.addGroup(P1, `sg-${i}`);
    fake.fail('not-found', 1, (r) => r.path.endsWith('/security-groups') && r.query.includes('marker='));
    const error = await failure(adapter().read(scope));
    expect((error as OtcApiError).status).toBe(404);
    expect(fake.vpcRequests().some((r) => r.path.startsWith('/v2.0/'))).toBe(false);
  });

  it("api 'vpc-v3' does not fall back: a 404 rejects the scope", async () => {
    fake.v3Missing.add(P1);
    const error = await failure(adapter({ api: 'vpc-v3' }).read(scope));
    expect(error).toBeInstanceOf(OtcApiError);
    expect(error.message).toMatch(
      /^OTC eu-de vpc-v3 List\w+ \(GET \/v3\/5dd3c0b24cdc4d31952c49589182a89d\/vpc\/security-\S+\?limit=2000\) failed: HTTP 404 APIGW.0101: /,
    );
  });

  it("api 'neutron-v2' reads Neutron only", async () => {
    seedJumpHost();
    const pages = await adapter({ api: 'neutron-v2' }).read(scope);
    expect(groupPages(pages).every((p) => p.kind.startsWith('neutron-v2:'))).toBe(true);
    expect(fake.vpcRequests().every((r) => r.path.startsWith('/v2.0/'))).toBe(true);
  });

  it('retries throttling (429 APIG.0308), 5xx and a hung call, counting them', async () => {
    const { group } = seedJumpHost();
    fake.fail('throttle', 2);
    fake.fail('error500', 1);
    fake.fail('hang', 1);
    const otc = adapter();
    const started = Date.now();
    const pages = await otc.read(scope);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(ids(pages, 'security_groups')).toEqual([group.id]);
    expect(ids(pages, 'security_group_rules')).toHaveLength(3);
    expect(otc.stats.retries).toBe(4);
    expect(otc.stats.throttles).toBe(2);
    expect(otc.stats.calls).toBe(9); // five pages (one of groups, two of rules, ports, floating IPs) and four failed attempts
  });

  it('gives up after the configured retries, naming the call and the status', async () => {
    seedJumpHost();
    fake.fail('error500', 100);
    const otc = createOtcAdapter({ config: config(), env: AKSK_ENV, retry: { sleep: async () => {}, retries: 2 } });
    const error = await failure(otc.read(scope));
    expect(error.message).toMatch(/OTC eu-de vpc-v3 List\w+ \(GET .*\) failed: HTTP 500 VPC.9999: System error$/);
    expect((error as OtcApiError).status).toBe(500);
    expect(otc.stats.retries).toBe(4); // two lists, two retries each
  });

  it('a hang on every attempt ends in a timeout, not a hung scope', async () => {
    seedJumpHost();
    fake.fail('hang', 100);
    const otc = createOtcAdapter({
      config: config(),
      env: AKSK_ENV,
      retry: { sleep: async () => {}, retries: 1, timeoutMs: 150 },
    });
    const error = await failure(otc.read(scope));
    expect(error.name).toBe('TimeoutError');
    expect(error.message).toMatch(/^OTC eu-de vpc-v3 List\w+ \(GET .*\) timed out after 150 ms$/);
  });

  it('network failures (connection refused) are retried, then named', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const otc = adapter({ endpoint: `http://127.0.0.1:${port}` });
    const error = await failure(otc.read(scope));
    expect(error.message).toMatch(/^OTC eu-de vpc-v3 List\w+ \(GET .*\) failed: network error: ECONNREFUSED$/);
    expect(otc.stats.retries).toBe(6); // three retries for each of the two lists
  });

  it('a malformed body rejects the scope clearly, without retrying', async () => {
    seedJumpHost();
    fake.fail('malformed', 1, (r) => r.path.endsWith('/security-groups'));
    const otc = adapter();
    const error = await failure(otc.read(scope));
    expect(error.message).toBe(
      `OTC eu-de vpc-v3 ListSecurityGroups (GET /v3/${P1}/vpc/security-groups?limit=2000): the response (HTTP 200, 38 bytes) is not JSON`,
    );
    expect(otc.stats.retries).toBe(0);

    fake.fail('wrong-shape', 1, (r) => r.path.endsWith('/security-group-rules'));
    const shape = await failure(adapter().read(scope));
    expect(shape.message).toBe(
      'OTC eu-de vpc-v3 ListSecurityGroupRules: the response has no "security_group_rules" list (got keys request_id, items)',
    );
  });

  it('a wrong SK is rejected by the fake gateway; the error names the call and status, never a secret', async () => {
    seedJumpHost();
    const otc = adapter({}, { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: 'not-the-right-secret-key' });
    const error = await failure(otc.read(scope));
    expect(error.message).toMatch(
      /failed: HTTP 401 APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail$/,
    );
    expect(error.message).not.toContain('not-the-right-secret-key');
    expect(otc.stats.retries).toBe(0);
  });

  it('missing credentials: one line naming the variables, before any request', async () => {
    const aksk = await failure(adapter({}, {}).read(scope));
    expect(aksk.message).toMatch(/OTC_ACCESS_KEY and OTC_SECRET_KEY \(or OS_ACCESS_KEY and OS_SECRET_KEY\)/);
    const token = await failure(adapter({ auth: 'token' }, { OS_USERNAME: 'u' }).read(scope));
    expect(token.message).toMatch(
      /OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME \(or OS_DOMAIN_NAME\).*not set: OS_PASSWORD, OS_USER_DOMAIN_NAME$/,
    );
    expect(fake.requests).toEqual([]);
  });

  it('refuses plain http to a non-loopback endpoint', async () => {
    const error = await failure(
      adapter({}, { ...AKSK_ENV, WARDEN_OTC_ENDPOINT: 'http://vpc.eu-de.example.invalid' }).read(scope),
    );
    expect(error.message).toMatch(
      /^WARDEN_OTC_ENDPOINT: plain http is allowed only for a loopback host \(got vpc.eu-de.example.invalid\); use https$/,
    );
    expect(fake.requests).toEqual([]);
  });

  it('WARDEN_OTC_ENDPOINT overrides the config endpoint, with {region}', async () => {
    seedJumpHost();
    const otc = createOtcAdapter({
      config: configSchema.parse({ providers: { otc: { regions: [{ region: 'eu-de', projectId: P1 }] } } }),
      env: { ...AKSK_ENV, WARDEN_OTC_ENDPOINT: `${fake.vpcUrl.replace('127.0.0.1', 'localhost')}/{region}/..` },
      retry: { sleep: async () => {}, timeoutMs: 300 },
    });
    // "/eu-de/.." normalizes back to the server root.
    expect(ids(await otc.read(scope), 'security_groups')).toHaveLength(1);
  });
});

describe('OTC live adapter: IAM token authentication', () => {
  it('gets a project-scoped token from OS_* variables, caches it until expires_at, sends X-Auth-Token', async () => {
    seedJumpHost();
    let clock = Date.now();
    const otc = adapter({ auth: 'token' }, PASSWORD_ENV, { now: () => clock });
    await otc.read(scope);
    await otc.read(scope);
    expect(fake.tokensIssued).toBe(1);

    const iam = fake.requests.filter((r) => r.server === 'iam');
    expect(iam).toHaveLength(1);
    expect(iam[0]?.method).toBe('POST');
    expect(iam[0]?.path).toBe('/v3/auth/tokens');
    expect(iam[0]?.query).toBe('nocatalog=true');
    expect(JSON.parse(iam[0]?.body ?? '')).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: FAKE_USER.name, password: FAKE_USER.password, domain: { name: FAKE_USER.domain } },
          },
        },
        scope: { project: { id: P1 } },
      },
    });
    const token = [...fake.tokens.keys()][0];
    for (const request of fake.vpcRequests()) {
      expect(request.headers['x-auth-token']).toBe(token);
      expect(request.headers.authorization).toBeUndefined();
    }

    clock += 24 * 3600_000 + 1; // past expires_at
    await otc.read(scope);
    expect(fake.tokensIssued).toBe(2);
  });

  it('a token the service stops accepting is replaced once', async () => {
    seedJumpHost();
    const otc = adapter({ auth: 'token' }, PASSWORD_ENV);
    await otc.read(scope);
    fake.tokens.clear(); // revoked
    const pages = await otc.read(scope);
    expect(ids(pages, 'security_groups')).toHaveLength(1);
    expect(fake.tokensIssued).toBe(2);
  });

  it('reads the credentials from the clouds.yaml cloud OS_CLOUD names (~/.config/openstack), secure.yaml merged', async () => {
    seedJumpHost();
    temp = await mkdtemp(join(tmpdir(), 'warden-otc-'));
    const home = join(temp, 'home');
    await mkdir(join(home, '.config', 'openstack'), { recursive: true });
    await writeFile(
      join(home, '.config', 'openstack', 'clouds.yaml'),
      [
        'clouds:',
        '  other:',
        '    auth: { username: nobody, password: nothing, user_domain_name: none }',
        '  otc-prod:',
        '    region_name: eu-de',
        '    auth:',
        '      auth_url: https://iam.eu-de.otc.t-systems.com:443/v3',
        `      username: ${FAKE_USER.name}`,
        `      user_domain_name: ${FAKE_USER.domain}`,
        '      project_name: eu-de',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(home, '.config', 'openstack', 'secure.yaml'),
      `clouds:\n  otc-prod:\n    auth:\n      password: ${FAKE_USER.password}\n`,
    );
    const otc = adapter({ auth: 'token' }, { OS_CLOUD: 'otc-prod', HOME: home }, { cwd: join(temp, 'nowhere') });
    const estate = estateOf(await otc.read(scope));
    expect(estate.groups.map((g) => g.name)).toEqual(['jump-host']);
    expect(fake.tokensIssued).toBe(1);
  });

  it('prefers ./clouds.yaml and names the file when the cloud is missing or incomplete', async () => {
    temp = await mkdtemp(join(tmpdir(), 'warden-otc-'));
    await writeFile(join(temp, 'clouds.yaml'), `clouds:\n  partial:\n    auth:\n      username: ${FAKE_USER.name}\n`);
    const env = { HOME: join(temp, 'home') };
    const missing = await failure(
      adapter({ auth: 'token' }, { ...env, OS_CLOUD: 'absent' }, { cwd: temp }).read(scope),
    );
    expect(missing.message).toBe(`${join(temp, 'clouds.yaml')}: no cloud "absent" under "clouds" (OS_CLOUD)`);
    const partial = await failure(
      adapter({ auth: 'token' }, { ...env, OS_CLOUD: 'partial' }, { cwd: temp }).read(scope),
    );
    expect(partial.message).toBe(
      `cloud "partial" in ${join(temp, 'clouds.yaml')} lacks auth.password, auth.user_domain_name for OTC token authentication`,
    );
    expect(fake.requests).toEqual([]);
  });

  it('a wrong password fails once (no retry that could lock the account) and never shows the password', async () => {
    const otc = adapter({ auth: 'token' }, { ...PASSWORD_ENV, OS_PASSWORD: 'wrong-Passw0rd-xyz' });
    const error = await failure(otc.read(scope));
    expect(error.message).toMatch(
      /^OTC IAM ObtainToken \(POST 127\.0\.0\.1:\d+\/v3\/auth\/tokens\) failed: HTTP 401 Unauthorized: The username or password is wrong\.$/,
    );
    expect(error.message).not.toContain('wrong-Passw0rd-xyz');
    expect(fake.requests.filter((r) => r.server === 'iam')).toHaveLength(1);
  });

  it('IAM throttling is retried', async () => {
    seedJumpHost();
    fake.fail('throttle', 1, (r) => r.server === 'iam');
    const otc = adapter({ auth: 'token' }, PASSWORD_ENV);
    await otc.read(scope);
    expect(fake.tokensIssued).toBe(1);
    expect(otc.stats.throttles).toBe(1);
  });
});

describe('OTC live adapter: changing rules', () => {
  it('VPC v3: adds a deny rule with priority and multiport, removes it', async () => {
    const { group } = seedJumpHost();
    const otc = adapter();
    const rule = v3Rule({
      action: 'deny',
      priority: 5,
      ports: [
        { from: 22, to: 22 },
        { from: 3389, to: 3389 },
      ],
      description: 'block admin ports',
    });
    const id = await otc.addRule(scope, group.id, rule);
    const post = fake.vpcRequests().find((r) => r.method === 'POST');
    expect(post?.path).toBe(`/v3/${P1}/vpc/security-group-rules`);
    expect(JSON.parse(post?.body ?? '')).toEqual({
      security_group_rule: {
        security_group_id: group.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        multiport: '22,3389',
        remote_ip_prefix: '0.0.0.0/0',
        action: 'deny',
        priority: '5',
        description: 'block admin ports',
      },
    });
    expect(post?.headers.authorization).toMatch(/SignedHeaders=content-type;host;x-project-id;x-sdk-date,/);
    const stored = fake.rules.find((r) => r.id === id);
    expect(stored).toMatchObject({ action: 'deny', priority: 5, multiport: '22,3389' });

    // Read back through the normalizer, then remove by the provider's id.
    const read = estateOf(await otc.read(scope)).groups[0]?.rules.find((r) => r.native.ruleId === id);
    expect(read).toMatchObject({
      action: 'deny',
      priority: 5,
      ports: [
        { from: 22, to: 22 },
        { from: 3389, to: 3389 },
      ],
    });
    await otc.removeRule(scope, group.id, read as Rule);
    expect(fake.rules.some((r) => r.id === id)).toBe(false);
    expect(fake.vpcRequests().at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v3/${P1}/vpc/security-group-rules/${id}`,
      status: 204,
    });
  });

  it('VPC v3: a throttled POST is retried; a 5xx POST is not (the rule may exist)', async () => {
    const { group } = seedJumpHost();
    const otc = adapter();
    fake.fail('throttle', 1, (r) => r.method === 'POST');
    await otc.addRule(scope, group.id, v3Rule());
    expect(fake.vpcRequests().filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(fake.rules.filter((r) => r.multiport === '443')).toHaveLength(1);

    fake.fail('error500', 1, (r) => r.method === 'POST');
    const error = await failure(otc.addRule(scope, group.id, v3Rule()));
    expect(error.message).toMatch(/CreateSecurityGroupRule \(POST \/v3\/.*\) failed: HTTP 500/);
    expect(fake.vpcRequests().filter((r) => r.method === 'POST')).toHaveLength(3);

    fake.fail('hang', 1, (r) => r.method === 'POST');
    const unknown = await failure(otc.addRule(scope, group.id, v3Rule()));
    expect(unknown.message).toMatch(
      /timed out after 300 ms; the rule may or may not have been created: re-read the group before trying again$/,
    );
  });

  it('a DELETE retried after a lost answer accepts that the rule is gone', async () => {
    const { group, ssh } = seedJumpHost();
    const otc = adapter();
    const rule = estateOf(await otc.read(scope)).groups[0]?.rules.find((r) => r.native.ruleId === ssh) as Rule;
    // The first DELETE removed the rule but its answer was lost (a 500 here): the retry finds nothing.
    fake.rules.splice(
      fake.rules.findIndex((r) => r.id === ssh),
      1,
    );
    fake.fail('error500', 1, (r) => r.method === 'DELETE');
    await otc.removeRule(scope, group.id, rule);
    expect(
      fake
        .vpcRequests()
        .filter((r) => r.method === 'DELETE')
        .map((r) => r.status),
    ).toEqual([500, 404]);
  });

  it('refuses to remove a rule without a provider id or of another group', async () => {
    const { group, ssh } = seedJumpHost();
    const otc = adapter();
    await expect(otc.removeRule(scope, group.id, v3Rule())).rejects.toBeInstanceOf(OtcRuleError);
    const rule = estateOf(await otc.read(scope)).groups[0]?.rules.find((r) => r.native.ruleId === ssh) as Rule;
    await expect(otc.removeRule(scope, 'another-group', rule)).rejects.toThrow(/belongs to security group/);
    expect(fake.rules.some((r) => r.id === ssh)).toBe(true);
  });

  it('Neutron (auto fallback): adds an allow rule with one port range, rejects deny and multiport, removes', async () => {
    fake.v3Missing.add(P1);
    const { group } = seedJumpHost();
    const otc = adapter();
    const id = await otc.addRule(
      scope,
      group.id,
      v3Rule({ peer: { kind: 'cidr', cidr: '192.0.2.0/24' }, ports: [{ from: 8000, to: 8080 }] }),
    );
    const post = fake.vpcRequests().find((r) => r.method === 'POST');
    expect(post?.path).toBe('/v2.0/security-group-rules');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      security_group_rule: {
        security_group_id: group.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 8000,
        port_range_max: 8080,
        remote_ip_prefix: '192.0.2.0/24',
        description: 'https',
      },
    });
    expect(fake.rules.find((r) => r.id === id)).toMatchObject({
      port_range_min: 8000,
      port_range_max: 8080,
      action: 'allow',
    });

    const posts = () => fake.vpcRequests().filter((r) => r.method === 'POST').length;
    await expect(otc.addRule(scope, group.id, v3Rule({ action: 'deny' }))).rejects.toThrow(
      /allow-only; a deny rule needs VPC v3/,
    );
    await expect(
      otc.addRule(
        scope,
        group.id,
        v3Rule({
          ports: [
            { from: 22, to: 22 },
            { from: 80, to: 80 },
          ],
        }),
      ),
    ).rejects.toThrow(/one port range; 22,80 needs one rule per range/);
    expect(posts()).toBe(1);

    const rule = estateOf(await otc.read(scope)).groups[0]?.rules.find((r) => r.native.ruleId === id) as Rule;
    expect(rule).toMatchObject({ action: 'allow', ports: [{ from: 8000, to: 8080 }] });
    await otc.removeRule(scope, group.id, rule);
    expect(fake.rules.some((r) => r.id === id)).toBe(false);
    expect(fake.vpcRequests().at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/v2.0/security-group-rules/${id}`,
      status: 204,
    });
  });

  it("'auto' decides the API with a one-record probe when a change comes before any read", async () => {
    fake.v3Missing.add(P1);
    const { group } = seedJumpHost();
    const otc = adapter();
    await otc.addRule(scope, group.id, v3Rule());
    expect(fake.vpcRequests().map((r) => `${r.method} ${r.path}?${r.query} ${r.status}`)).toEqual([
      `GET /v3/${P1}/vpc/security-groups?limit=1 404`,
      'POST /v2.0/security-group-rules? 201',
    ]);
  });
});

describe('OTC live adapter: end to end', () => {
  for (const api of ['vpc-v3', 'neutron-v2'] as const) {
    it(`read → normalize → merge → audit finds internet-admin-port on the jump host (${api})`, async () => {
      if (api === 'neutron-v2') fake.v3Missing.add(P1);
      const { group, ssh } = seedJumpHost();
      // The jump host is reachable: its port has a floating IP (a group no public port carries ranks lower).
      fake.addFloatingIp(P1, '80.158.0.10', fake.addPort(P1, [group]));
      const quiet = fake.addGroup(P1, 'app', 'internal only');
      fake.addRule(quiet, { multiport: '8080', remote_ip_prefix: '10.0.0.0/8' });
      const pages = await adapter().read(scope);
      expect(groupPages(pages).every((p) => p.kind.startsWith(`${api}:`))).toBe(true);
      const report = auditEstate(estateOf(pages), defaultConfig());
      const admin = report.findings.filter((f) => f.check === 'internet-admin-port');
      expect(admin).toHaveLength(1);
      expect(admin[0]).toMatchObject({
        provider: 'otc',
        account: P1,
        region: 'eu-de',
        groupId: group.id,
        groupName: 'jump-host',
        severity: 'critical',
      });
      expect(admin[0]?.ruleIds).toContain(ssh);
      expect(report.findings.some((f) => f.groupId === quiet.id && f.check.startsWith('internet-'))).toBe(false);
      expect(report.summary.partial).toBe(false);
    });
  }
});

function addressGroupCalls() {
  return fake.vpcRequests().filter((r) => r.path === `/v3/${P1}/vpc/address-groups`);
}

describe('OTC VPC v3 address groups, live', () => {
  it('reads every page of ListAddressGroup when a v3 rule names an address group; the snapshot reads the same', async () => {
    const group = fake.addGroup(P1, 'web');
    const anywhere = fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    fake.addAddressGroup(P1, 'office', ['192.0.2.10-192.0.2.11']);
    fake.addAddressGroup(P1, 'v6', ['::/0'], 6);
    fake.addAddressGroup('another-project', 'theirs', ['10.0.0.0/8']);
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: anywhere.id });

    const pages = await adapter().read(scope);

    const listed = pages.filter((p) => p.kind === ADDRESS_GROUP_PAGE_KINDS.list);
    expect(listed.map((p) => (p.body as { address_groups: unknown[] }).address_groups.length)).toEqual([2, 1]);
    const queries = addressGroupCalls().map((r) => r.query);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toBe('limit=2000');
    expect(queries[1]).toMatch(/^limit=2000&marker=[0-9a-f-]+$/);
    const { live: read, snapshot } = readSets(scope, pages);
    expect(read.unparseable).toEqual([]);
    expect(snapshot).toEqual(read);
    const live = read.addressSets;
    expect(live.map((s) => [s.id === anywhere.id ? 'anywhere' : s.name, s.family, s.entries])).toEqual([
      ['anywhere', 'ipv4', ['0.0.0.0/0']],
      ['office', 'ipv4', ['192.0.2.10/31']],
      ['v6', 'ipv6', ['::/0']],
    ]);
    expect(
      live.every((s) => s.provider === 'otc' && s.account === P1 && s.region === 'eu-de' && s.kind === 'address-group'),
    ).toBe(true);
  });

  it('no rule names an address group, or the project is on Neutron v2.0: ListAddressGroup is not called', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22' });
    fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    await adapter().read(scope);
    await adapter({ api: 'neutron-v2' }).read(scope);
    expect(addressGroupCalls()).toEqual([]);
  });

  it('ListAddressGroup forbidden: each named address group is unresolved with the provider’s reason; the scope is read', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: 'ag-unknown' });
    fake.fail('forbidden', 1, (r) => r.path.endsWith('/vpc/address-groups'));
    const pages = await adapter({ api: 'vpc-v3' }).read(scope);
    const { live: read, snapshot } = readSets(scope, pages);
    expect(snapshot).toEqual(read);
    expect(read.addressSets).toEqual([
      {
        provider: 'otc',
        account: P1,
        region: 'eu-de',
        kind: 'address-group',
        id: 'ag-unknown',
        name: '',
        family: 'ipv4',
        providerManaged: false,
        unresolved:
          "ListAddressGroup was refused: HTTP 403 VPC.0005 (Policy doesn't allow vpc:addressGroups:list to be performed.)",
      },
    ]);
    expect(JSON.stringify(pages)).not.toContain(FAKE_SK);
  });

  it('a 404 from ListAddressGroup (the API is not published) leaves the project on VPC v3: the groups are unresolved, the rules still v3', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22', action: 'deny', remote_ip_prefix: null, remote_address_group_id: 'ag-1' });
    fake.fail('not-found', 1, (r) => r.path.endsWith('/vpc/address-groups'));
    const a = adapter();
    const pages = await a.read(scope);
    expect(readSets(scope, pages).live.addressSets).toMatchObject([
      { id: 'ag-1', unresolved: expect.stringMatching(/^ListAddressGroup was refused: HTTP 404 APIGW.0101/) },
    ]);
    expect(groupPages(pages).filter((p) => p.kind.startsWith('neutron'))).toEqual([]);
  });

  it('throttling is retried; 5xx beyond the retries fails the scope', async () => {
    const group = fake.addGroup(P1, 'web');
    const named = fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: named.id });
    fake.fail('throttle', 2, (r) => r.path.endsWith('/vpc/address-groups'));
    const a = adapter({ api: 'vpc-v3' });
    expect(readSets(scope, await a.read(scope)).live.addressSets).toMatchObject([
      { id: named.id, entries: ['0.0.0.0/0'] },
    ]);
    fake.fail('error500', 4, (r) => r.path.endsWith('/vpc/address-groups'));
    await expect(a.read(scope)).rejects.toThrow(
      /ListAddressGroup \(GET \/v3\/.*\/vpc\/address-groups\?limit=2000\) failed: HTTP 500/,
    );
  });
});
