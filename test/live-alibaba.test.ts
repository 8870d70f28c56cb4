// The live Alibaba adapter against a loopback fake of the ECS OpenAPI, through the real
// @alicloud/ecs20140526 client (signing, HTTP, error mapping and response models included).
import { afterEach, describe, expect, it } from 'vitest';
import { endpointFor, isRetryableAlibabaError, parseEndpointUrl } from '../adapters/alibaba/client.ts';
import { createAlibabaAdapter } from '../adapters/alibaba/live.ts';
import { PAGE_KINDS } from '../adapters/alibaba/read.ts';
import { TimeoutError } from '../adapters/common/retry.ts';
import type { LiveAdapter, RawPage, Scope } from '../src/ports/live.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Rule } from '../src/model/types.ts';
import { readSets } from './support/address-sets.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';

const ACCESS_KEY_ID = 'LTAI5tWardenTestKey01';
const ACCESS_KEY_SECRET = 'wArDeN-tEsT-sEcReT-0123456789';
const ACCOUNT = '1234567890123456';
const REGION = 'cn-hangzhou';
const SCOPE: Scope = { provider: 'alibaba', account: ACCOUNT, region: REGION };

let fake: FakeAlibabaEcs | undefined;
/** Every error message a test saw, checked for credentials at the end of each test. */
let messages: string[] = [];

afterEach(async () => {
  for (const message of messages) {
    expect(message).not.toContain(ACCESS_KEY_SECRET);
    expect(message).not.toMatch(/Signature=[0-9a-f]{16,}/);
  }
  messages = [];
  await fake?.close();
  fake = undefined;
});

interface Setup {
  fake: FakeAlibabaEcs;
  adapter: LiveAdapter;
}

async function setup(
  options: { secret?: string; timeoutMs?: number; retries?: number; concurrency?: number } = {},
): Promise<Setup> {
  fake = new FakeAlibabaEcs({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  const url = await fake.start();
  const config = configSchema.parse({
    providers: {
      alibaba: { account: ACCOUNT, regions: [REGION, 'cn-shanghai'], concurrency: options.concurrency ?? 4 },
    },
    scan: { timeoutMs: options.timeoutMs ?? 2000, retries: options.retries ?? 3 },
  });
  const env = {
    WARDEN_ALIBABA_ENDPOINT: url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: options.secret ?? ACCESS_KEY_SECRET,
  };
  const adapter = createAlibabaAdapter({ config, env, retry: { sleep: async () => {}, random: () => 0 } });
  return { fake, adapter };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    messages.push((error as Error).message, JSON.stringify(error));
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function kinds(pages: RawPage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const page of pages) counts[page.kind] = (counts[page.kind] ?? 0) + 1;
  return counts;
}

function rule(fields: Partial<Rule> = {}): Rule {
  return {
    direction: 'ingress',
    action: 'allow',
    priority: 5,
    family: 'ipv4',
    protocol: 'tcp',
    ports: [{ from: 443, to: 443 }],
    peer: { kind: 'cidr', cidr: '10.0.0.0/8' },
    enabled: true,
    description: 'added by warden',
    native: { ruleId: '', derivedId: true, raw: null },
    ...fields,
  };
}

function seedSmall(f: FakeAlibabaEcs): string[] {
  const ids = [f.addGroup(REGION), f.addGroup(REGION)];
  for (const id of ids)
    f.addPermission(id, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '80/80', SourceCidrIp: '10.0.0.0/8' });
  f.addInterface(REGION, ids);
  return ids;
}

describe('scopes and endpoints', () => {
  it('lists config account × regions, narrowed by the filter', async () => {
    const { adapter } = await setup();
    expect(await adapter.scopes()).toEqual([SCOPE, { ...SCOPE, region: 'cn-shanghai' }]);
    expect(await adapter.scopes({ regions: ['cn-shanghai', 'eu-central-1'] })).toEqual([
      { ...SCOPE, region: 'cn-shanghai' },
    ]);
    expect(await adapter.scopes({ accounts: ['999'] })).toEqual([]);
    expect(await adapter.scopes({ accounts: [ACCOUNT], regions: [REGION] })).toEqual([SCOPE]);
    const unconfigured = createAlibabaAdapter({ config: defaultConfig(), env: {} });
    expect(await unconfigured.scopes()).toEqual([]);
  });

  it('defaults to ecs.<region>.aliyuncs.com over https; the env URL wins over config; http only for loopback', () => {
    expect(endpointFor('eu-central-1', undefined, undefined)).toEqual({
      endpoint: 'ecs.eu-central-1.aliyuncs.com',
      protocol: 'https',
    });
    expect(endpointFor(REGION, 'https://ecs-vpc.cn-hangzhou.aliyuncs.com', undefined)).toEqual({
      endpoint: 'ecs-vpc.cn-hangzhou.aliyuncs.com',
      protocol: 'https',
    });
    expect(endpointFor(REGION, 'https://ecs-vpc.cn-hangzhou.aliyuncs.com', 'http://127.0.0.1:8080')).toEqual({
      endpoint: '127.0.0.1:8080',
      protocol: 'http',
    });
    expect(parseEndpointUrl('http://[::1]:9000', 'x')).toEqual({ endpoint: '[::1]:9000', protocol: 'http' });
    expect(() => parseEndpointUrl('http://ecs.cn-hangzhou.aliyuncs.com', 'WARDEN_ALIBABA_ENDPOINT')).toThrow(
      /loopback/,
    );
    expect(() => parseEndpointUrl('https://proxy.example/ecs', 'x')).toThrow(/host\[:port\] only/);
    expect(() => parseEndpointUrl('ecs.cn-hangzhou.aliyuncs.com', 'x')).toThrow(/not a URL/);
    const config = configSchema.parse({ providers: { alibaba: { regions: [REGION] } } });
    expect(() => createAlibabaAdapter({ config, env: { WARDEN_ALIBABA_ENDPOINT: 'http://10.1.2.3' } })).toThrow(
      /WARDEN_ALIBABA_ENDPOINT/,
    );
  });
});

describe('reading a scope', () => {
  it('reads every page: 250 groups in pages of 100, a group with 1,500 rules in pages of 1,000, 600 interfaces in pages of 500, their instances in pages of 100, launch template versions, scaling configurations and ECI scaling configurations in pages of 50', async () => {
    const { fake, adapter } = await setup({ concurrency: 8 });
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) ids.push(fake.addGroup(REGION));
    const big = ids[7] as string;
    for (let i = 0; i < 1500; i++) {
      fake.addPermission(big, {
        Direction: i % 3 === 0 ? 'egress' : 'ingress',
        IpProtocol: 'TCP',
        PortRange: `${1000 + i}/${1000 + i}`,
        [i % 3 === 0 ? 'DestCidrIp' : 'SourceCidrIp']: '10.0.0.0/8',
      });
    }
    for (const id of ids.slice(0, 20))
      fake.addPermission(id, {
        Direction: 'ingress',
        IpProtocol: 'TCP',
        PortRange: '443/443',
        SourceCidrIp: '0.0.0.0/0',
      });
    // Every 100th instance has a fixed public IP, every 150th (from the 2nd) an EIP; the rest are private.
    const interfaceIds: string[] = [];
    for (let i = 0; i < 600; i++)
      interfaceIds.push(
        fake.addInterface(REGION, [ids[i % ids.length] as string], {
          ...(i % 100 === 0 ? { PublicIpAddress: [`47.96.0.${i / 100}`] } : {}),
          ...(i % 150 === 1 ? { EipAddress: `39.100.0.${i}` } : {}),
        }),
      );
    // A template of 60 versions (two pages of versions), one of which assigns a public IP, and one of one private version.
    const spread = fake.addLaunchTemplate(
      REGION,
      Array.from({ length: 60 }, (_, v) => ({
        SecurityGroupIds: [ids[v === 0 ? 0 : 1] as string],
        InternetMaxBandwidthOut: v === 59 ? 5 : 0,
      })),
    );
    const quiet = fake.addLaunchTemplate(REGION, [
      { SecurityGroupIds: [ids[2], ids[3]] as string[], InternetMaxBandwidthOut: 0 },
    ]);
    // 55 scaling configurations (two pages of 50): private ones on group 4, one public on group 5, and an
    // inactive one whose secondary interface alone names group 6.
    const configs = Array.from({ length: 53 }, () =>
      fake.addScalingConfiguration(REGION, { SecurityGroupIds: [ids[4] as string] }),
    );
    const open = fake.addScalingConfiguration(REGION, {
      SecurityGroupIds: [ids[4] as string, ids[5] as string],
      InternetMaxBandwidthOut: 10,
    });
    const dormant = fake.addScalingConfiguration(REGION, {
      LifecycleState: 'Inactive',
      SecurityGroupIds: [],
      NetworkInterfaces: [
        { InstanceType: 'Primary', SecurityGroupIds: [ids[4] as string] },
        { InstanceType: 'Secondary', SecurityGroupIds: [ids[6] as string] },
      ],
    });
    // 51 ECI scaling configurations (two pages of 50): private ones on group 8, one creating an EIP on group 9.
    const eciConfigs = Array.from({ length: 50 }, () =>
      fake.addEciScalingConfiguration(REGION, { SecurityGroupId: ids[8] as string }),
    );
    const eciPublic = fake.addEciScalingConfiguration(REGION, {
      SecurityGroupId: ids[9] as string,
      AutoCreateEip: true,
    });
    fake.addGroup('cn-shanghai'); // another region: not in this scope

    const progress: number[] = [];
    const pages = await adapter.read(SCOPE, (event) => progress.push(event.pages));

    expect(kinds(pages)).toEqual({
      [PAGE_KINDS.groups]: 3,
      [PAGE_KINDS.attribute]: 251,
      [PAGE_KINDS.interfaces]: 2,
      [PAGE_KINDS.instances]: 6,
      [PAGE_KINDS.launchTemplates]: 1,
      [PAGE_KINDS.launchTemplateVersions]: 3,
      [PAGE_KINDS.scalingConfigurations]: 2,
      [PAGE_KINDS.eciScalingConfigurations]: 2,
    });
    expect(
      fake.callsOf('DescribeScalingConfigurations').map((c) => `${c.params.PageNumber}/${c.params.PageSize}`),
    ).toEqual(['1/50', '2/50']);
    expect(
      fake.callsOf('DescribeEciScalingConfigurations').map((c) => `${c.params.PageNumber}/${c.params.PageSize}`),
    ).toEqual(['1/50', '2/50']);
    expect(fake.callsOf('DescribeInstances').map((c) => c.params.MaxResults)).toEqual(Array(6).fill('100'));
    expect(
      fake.callsOf('DescribeLaunchTemplateVersions').map((c) => `${c.params.LaunchTemplateId}:${c.params.PageNumber}`),
    ).toEqual(expect.arrayContaining([`${spread}:1`, `${spread}:2`, `${quiet}:1`]));
    const sgCalls = fake.callsOf('DescribeSecurityGroups');
    expect(sgCalls.map((c) => c.params.MaxResults)).toEqual(['100', '100', '100']);
    expect(sgCalls[0]?.params.NextToken).toBeUndefined();
    expect(sgCalls[1]?.params.NextToken).toEqual(expect.any(String));
    expect(sgCalls.every((c) => c.params.RegionId === REGION)).toBe(true);

    const attributeCalls = fake.callsOf('DescribeSecurityGroupAttribute');
    expect(new Set(attributeCalls.map((c) => c.params.SecurityGroupId))).toEqual(new Set(ids));
    expect(
      attributeCalls.every(
        (c) => c.params.Direction === 'all' && c.params.MaxResults === '1000' && c.params.RegionId === REGION,
      ),
    ).toBe(true);
    const bigPages = pages.filter(
      (p) => p.kind === PAGE_KINDS.attribute && (p.body as { SecurityGroupId: string }).SecurityGroupId === big,
    );
    expect(
      bigPages.map((p) => (p.body as { Permissions: { Permission: unknown[] } }).Permissions.Permission.length),
    ).toEqual([1000, 501]);
    expect(fake.callsOf('DescribeNetworkInterfaces').map((c) => c.params.MaxResults)).toEqual(['500', '500']);

    // Nothing lost between the pages: normalized and merged, every group and rule is there.
    const estate = mergePages(
      readSnapshotDocument(
        { provider: 'alibaba', account: ACCOUNT, region: REGION, pages: pages.map((p) => p.body) },
        'live',
      ),
    );
    expect(estate.unparseable).toEqual([]);
    expect(estate.groups).toHaveLength(250);
    const bigGroup = estate.groups.find((g) => g.id === big);
    expect(bigGroup?.rules).toHaveLength(1501);
    expect(new Set(bigGroup?.rules.map((r) => r.native.ruleId)).size).toBe(1501);
    expect(estate.groups.reduce((n, g) => n + (g.attachments?.length ?? 0), 0)).toBe(600);
    // Every primary interface has its instance's public IPs: none stays unknown, 6 + 4 are public.
    expect(estate.interfaces).toHaveLength(600);
    expect(estate.interfaces?.filter((i) => i.publicAddressesUnknown !== undefined)).toEqual([]);
    const publicOnes = (estate.interfaces ?? []).filter((i) => i.publicAddresses.length > 0);
    expect(publicOnes.map((i) => interfaceIds.indexOf(i.id)).sort((a, b) => a - b)).toEqual([
      0, 1, 100, 151, 200, 300, 301, 400, 451, 500,
    ]);
    expect(estate.interfaces?.find((i) => i.id === interfaceIds[1])?.publicAddresses).toEqual([
      { address: '39.100.0.1', family: 'ipv4', kind: 'eip' },
    ]);
    // Every version counts; a template any version of which assigns a public IP is public.
    const usesBy = (kind: string) =>
      estate.groupUses
        ?.filter((u) => u.by.kind === kind)
        .map((u) => `${u.by.id} ${ids.indexOf(u.groupId)} ${u.assignsPublicAddress}`)
        .sort();
    expect(usesBy('launch-template')).toEqual(
      [`${quiet} 2 false`, `${quiet} 3 false`, `${spread} 0 false`, `${spread} 1 true`].sort(),
    );
    // Every scaling configuration on every page, active or not, through its interfaces too.
    expect(usesBy('scaling-configuration')).toEqual(
      [
        ...configs.map((id) => `${id} 4 false`),
        `${open} 4 true`,
        `${open} 5 true`,
        `${dormant} 4 false`,
        `${dormant} 6 false`,
      ].sort(),
    );
    expect(usesBy('eci-scaling-configuration')).toEqual(
      [...eciConfigs.map((id) => `${id} 8 false`), `${eciPublic} 9 true`].sort(),
    );
    expect(estate.groupUseListings).toEqual(
      expect.arrayContaining([
        { provider: 'alibaba', kind: 'launch-template' },
        { provider: 'alibaba', kind: 'scaling-configuration' },
        { provider: 'alibaba', kind: 'eci-scaling-configuration' },
      ]),
    );

    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toBe(pages.length);
    expect(adapter.stats).toEqual({ calls: 270, retries: 0, throttles: 0 });
    expect(fake.rejected).toEqual([]);
  });

  it('reads the rules of the groups with at most `concurrency` calls at once', async () => {
    const { fake, adapter } = await setup({ concurrency: 3 });
    for (let i = 0; i < 12; i++) fake.addGroup(REGION);
    fake.delay('DescribeSecurityGroupAttribute', 15);
    const pages = await adapter.read(SCOPE);
    expect(kinds(pages)[PAGE_KINDS.attribute]).toBe(12);
    expect(fake.maxInFlight('DescribeSecurityGroupAttribute')).toBe(3);
  });

  it('keeps each page body as the API returned it (PascalCase, NextToken included)', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake);
    const pages = await adapter.read(SCOPE);
    const attribute = pages.find((p) => p.kind === PAGE_KINDS.attribute)?.body as Record<string, unknown>;
    expect(attribute).toMatchObject({
      SecurityGroupId: id,
      InnerAccessPolicy: 'Accept',
      NextToken: '',
      RegionId: REGION,
    });
    expect(attribute.RequestId).toEqual(expect.any(String));
    expect((attribute.Permissions as { Permission: Record<string, unknown>[] }).Permission[0]).toMatchObject({
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '80/80',
      SourceCidrIp: '10.0.0.0/8',
      Policy: 'Accept',
      Priority: '1',
      SecurityGroupRuleId: expect.stringMatching(/^sgr-/),
    });
  });

  it('retries throttling answers and counts them', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 2, 'throttle');
    fake.failNext('DescribeSecurityGroupAttribute', 1, 'throttle');
    const pages = await adapter.read(SCOPE);
    expect(kinds(pages)).toEqual({
      [PAGE_KINDS.groups]: 1,
      [PAGE_KINDS.attribute]: 2,
      [PAGE_KINDS.interfaces]: 1,
      [PAGE_KINDS.instances]: 1,
      [PAGE_KINDS.launchTemplates]: 1,
      [PAGE_KINDS.scalingConfigurations]: 1,
      [PAGE_KINDS.eciScalingConfigurations]: 1,
    });
    expect(fake.callsOf('DescribeSecurityGroups').map((c) => c.status)).toEqual([400, 400, 200]);
    expect(adapter.stats).toEqual({ calls: 11, retries: 3, throttles: 3 });
  });

  it('retries 500 and 503 answers', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroupAttribute', 1, 'server-error');
    fake.failNext('DescribeNetworkInterfaces', 1, 'unavailable');
    const pages = await adapter.read(SCOPE);
    expect(pages).toHaveLength(8);
    expect(fake.callsOf('DescribeNetworkInterfaces').map((c) => c.status)).toEqual([503, 200]);
    expect(adapter.stats).toEqual({ calls: 10, retries: 2, throttles: 0 });
  });

  it('times out a call that hangs and retries it', async () => {
    const { fake, adapter } = await setup({ timeoutMs: 300 });
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 1, 'hang');
    const started = Date.now();
    const pages = await adapter.read(SCOPE);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pages).toHaveLength(8);
    expect(fake.callsOf('DescribeSecurityGroups').map((c) => c.status)).toEqual([-1, 200]);
    expect(adapter.stats.retries).toBe(1);
  });

  it('a refused DescribeInstances or DescribeLaunchTemplateVersions fails the scope, naming the call: public IPs and launch templates are never silently unread', async () => {
    for (const action of ['DescribeInstances', 'DescribeLaunchTemplateVersions']) {
      const { fake, adapter } = await setup();
      const [id] = seedSmall(fake);
      fake.addLaunchTemplate(REGION, [{ SecurityGroupIds: [id as string], InternetMaxBandwidthOut: 0 }]);
      fake.deny(action);
      const error = await rejection(adapter.read(SCOPE));
      expect(error.message).toMatch(
        new RegExp(`alibaba ${ACCOUNT} ${REGION} ${action}( lt-\\w+)? failed: .*Forbidden\\.RAM`),
      );
    }
  });

  it('gives up after the configured retries with an error naming the scope and the call', async () => {
    const { fake, adapter } = await setup({ retries: 2 });
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 10, 'throttle');
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(
      /alibaba 1234567890123456 cn-hangzhou DescribeSecurityGroups failed: .*Throttling\.User/,
    );
    expect(error).toMatchObject({ code: 'Throttling.User', statusCode: 400 });
    expect(adapter.stats).toEqual({ calls: 3, retries: 2, throttles: 3 });
  });

  it('retries network failures: an endpoint that refuses connections fails after the retries, naming the cause', async () => {
    const { fake, adapter } = await setup({ retries: 2 });
    await fake.close();
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(/cn-hangzhou DescribeSecurityGroups failed: .*ECONNREFUSED/);
    expect(adapter.stats).toEqual({ calls: 3, retries: 2, throttles: 0 });
  });

  it('classifies errors as the SDK raises them', () => {
    expect(isRetryableAlibabaError({ name: 'ThrottlingError', code: 'Throttling.Api', statusCode: 400 })).toBe(true);
    expect(isRetryableAlibabaError({ name: 'ClientError', code: 'ServiceUnavailable', statusCode: 400 })).toBe(true);
    expect(isRetryableAlibabaError({ name: 'ServerError', code: 'InternalError', statusCode: 500 })).toBe(true);
    expect(isRetryableAlibabaError({ name: 'ServerError', code: 'undefined', data: { statusCode: 502 } })).toBe(true);
    expect(isRetryableAlibabaError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableAlibabaError(Object.assign(new Error('ReadTimeout(300)'), { name: 'RequestTimeoutError' }))).toBe(
      true,
    );
    expect(isRetryableAlibabaError(new TimeoutError('x', 1))).toBe(true);
    expect(isRetryableAlibabaError({ name: 'ClientError', code: 'InvalidParameter', statusCode: 400 })).toBe(false);
    expect(isRetryableAlibabaError({ name: 'ClientError', code: 'Forbidden.RAM', statusCode: 403 })).toBe(false);
    expect(isRetryableAlibabaError(new SyntaxError('Unexpected end of JSON input'))).toBe(false);
  });

  it('rejects the scope on a body that is not JSON, without retrying it', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 1, 'malformed');
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(
      /cn-hangzhou DescribeSecurityGroups failed: malformed response: the body is not valid JSON/,
    );
    expect(fake.callsOf('DescribeSecurityGroups')).toHaveLength(1);
  });

  it('rejects the scope on a JSON body of the wrong shape (not an empty read)', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    fake.failNext('DescribeSecurityGroupAttribute', 1, 'wrong-shape');
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toContain(
      `DescribeSecurityGroupAttribute ${id} failed: malformed response: the response has no Permissions.Permission list`,
    );
  });

  it('rejects the scope on a body whose fields have the wrong types', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 1, 'wrong-type');
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(
      /DescribeSecurityGroups failed: malformed response: type of securityGroups is mismatch/,
    );
    expect(fake.callsOf('DescribeSecurityGroups')).toHaveLength(1);
  });

  it('rejects the scope when an interfaces page has no interface list', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeNetworkInterfaces', 1, 'wrong-shape');
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(
      /DescribeNetworkInterfaces failed: malformed response: the response has no NetworkInterfaceSets\.NetworkInterfaceSet list/,
    );
  });

  it('signs every request ACS3-HMAC-SHA256 with a fresh nonce, and the fake verifies each signature', async () => {
    const { fake, adapter } = await setup();
    seedSmall(fake);
    fake.failNext('DescribeSecurityGroups', 1, 'throttle');
    await adapter.read(SCOPE);
    // one throttled + one DescribeSecurityGroups, two attributes, one interfaces, one instances, one launch
    // templates, one scaling configurations and one ECI scaling configurations (Auto Scaling, at its own
    // API version)
    expect(fake.requests.length).toBe(9);
    for (const request of fake.requests) {
      expect(request.headers.authorization).toMatch(
        new RegExp(
          `^ACS3-HMAC-SHA256 Credential=${ACCESS_KEY_ID},SignedHeaders=[^,]*x-acs-signature-nonce[^,]*,Signature=[0-9a-f]{64}$`,
        ),
      );
      expect(request.headers['x-acs-action']).toBe(request.action);
      expect(request.headers['x-acs-version']).toBe(
        request.action.endsWith('ScalingConfigurations') ? '2014-08-28' : '2014-05-26',
      );
      expect(request.headers['x-acs-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(request.headers['x-acs-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(request)).not.toContain(ACCESS_KEY_SECRET);
    }
    expect(new Set(fake.requests.map((r) => r.headers['x-acs-signature-nonce'])).size).toBe(fake.requests.length);
    expect(fake.rejected).toEqual([]);
  });

  it('fails fast on a bad secret, and no error carries the secret', async () => {
    const wrongSecret = 'wArDeN-wRoNg-sEcReT-9876543210';
    const { fake, adapter } = await setup({ secret: wrongSecret });
    seedSmall(fake);
    const error = await rejection(adapter.read(SCOPE));
    expect(error.message).toMatch(/DescribeSecurityGroups failed: .*SignatureDoesNotMatch/);
    expect(error.message).not.toContain(wrongSecret);
    expect(JSON.stringify(error)).not.toContain(wrongSecret);
    expect(fake.rejected.map((r) => r.code)).toEqual(['SignatureDoesNotMatch']);
    expect(adapter.stats.calls).toBe(1);
  });
});

describe('changing rules', () => {
  it('adds an ingress rule and returns the id it learns by re-reading the group', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    const ruleId = await adapter.addRule(SCOPE, id, rule());
    expect(ruleId).toMatch(/^sgr-/);
    const added = fake.rulesOf(id).find((r) => r.SecurityGroupRuleId === ruleId);
    expect(added).toMatchObject({
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '443/443',
      SourceCidrIp: '10.0.0.0/8',
      Policy: 'Accept',
      Priority: '5',
      Description: 'added by warden',
    });
    const [authorize] = fake.callsOf('AuthorizeSecurityGroup');
    expect(authorize?.params).toMatchObject({
      RegionId: REGION,
      SecurityGroupId: id,
      'Permissions.1.IpProtocol': 'TCP',
      'Permissions.1.PortRange': '443/443',
      'Permissions.1.SourceCidrIp': '10.0.0.0/8',
      'Permissions.1.Policy': 'accept',
      'Permissions.1.Priority': '5',
      ClientToken: expect.any(String),
    });
    // Read before and after, only the rule's direction.
    expect(fake.callsOf('DescribeSecurityGroupAttribute').map((c) => c.params.Direction)).toEqual([
      'ingress',
      'ingress',
    ]);
  });

  it('adds egress, IPv6, group and drop rules with the fields the API names', async () => {
    const { fake, adapter } = await setup();
    const [id, other] = seedSmall(fake) as [string, string];
    const egress = await adapter.addRule(
      SCOPE,
      id,
      rule({
        direction: 'egress',
        protocol: 'udp',
        ports: [{ from: 53, to: 53 }],
        peer: { kind: 'cidr', cidr: '8.8.8.8/32' },
      }),
    );
    const v6 = await adapter.addRule(
      SCOPE,
      id,
      rule({
        family: 'ipv6',
        protocol: 'icmpv6',
        ports: [{ from: 0, to: 65535 }],
        peer: { kind: 'cidr', cidr: '2001:db8::/32' },
      }),
    );
    const fromGroup = await adapter.addRule(
      SCOPE,
      id,
      rule({ protocol: 'all', ports: [{ from: 0, to: 65535 }], peer: { kind: 'group', groupId: other, self: false } }),
    );
    const drop = await adapter.addRule(
      SCOPE,
      id,
      rule({ action: 'deny', priority: 1, ports: [{ from: 22, to: 22 }], peer: { kind: 'cidr', cidr: '0.0.0.0/0' } }),
    );
    const allTcp = await adapter.addRule(
      SCOPE,
      id,
      rule({ ports: [{ from: 0, to: 65535 }], peer: { kind: 'cidr', cidr: '172.16.0.0/12' } }),
    );
    const byId = new Map(fake.rulesOf(id).map((r) => [r.SecurityGroupRuleId, r]));
    expect(byId.get(egress)).toMatchObject({
      Direction: 'egress',
      IpProtocol: 'UDP',
      PortRange: '53/53',
      DestCidrIp: '8.8.8.8/32',
    });
    expect(byId.get(v6)).toMatchObject({
      Direction: 'ingress',
      IpProtocol: 'ICMPv6',
      PortRange: '-1/-1',
      Ipv6SourceCidrIp: '2001:db8::/32',
    });
    expect(byId.get(fromGroup)).toMatchObject({ IpProtocol: 'ALL', PortRange: '-1/-1', SourceGroupId: other });
    expect(byId.get(drop)).toMatchObject({
      Policy: 'Drop',
      Priority: '1',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
    });
    expect(byId.get(allTcp)).toMatchObject({ IpProtocol: 'TCP', PortRange: '1/65535', SourceCidrIp: '172.16.0.0/12' });
    expect(fake.callsOf('AuthorizeSecurityGroupEgress')[0]?.params).toMatchObject({
      'Permissions.1.DestCidrIp': '8.8.8.8/32',
    });
  });

  it('survives a throttled Authorize: one rule added, its id returned', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    fake.failNext('AuthorizeSecurityGroup', 1, 'throttle');
    const ruleId = await adapter.addRule(SCOPE, id, rule());
    expect(fake.rulesOf(id).filter((r) => r.SecurityGroupRuleId === ruleId)).toHaveLength(1);
    expect(fake.rulesOf(id)).toHaveLength(2);
    const tokens = fake.callsOf('AuthorizeSecurityGroup').map((c) => c.params.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('refuses to claim a rule that was already there', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    const existing = fake.addPermission(id, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '443/443',
      SourceCidrIp: '10.0.0.0/8',
      Priority: '9',
    });
    const error = await rejection(adapter.addRule(SCOPE, id, rule()));
    expect(error.message).toContain(`an identical rule already exists (${existing})`);
    expect(fake.rulesOf(id)).toHaveLength(2);
  });

  it('rejects rules Alibaba cannot express before calling the API', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    await expect(
      adapter.addRule(SCOPE, id, rule({ protocol: 'icmp', ports: [{ from: 8 * 256, to: 8 * 256 + 255 }] })),
    ).rejects.toThrow(/ICMP rule covers the whole protocol/);
    await expect(adapter.addRule(SCOPE, id, rule({ protocol: 50 }))).rejects.toThrow(/not protocol 50/);
    await expect(
      adapter.addRule(
        SCOPE,
        id,
        rule({
          ports: [
            { from: 22, to: 22 },
            { from: 80, to: 80 },
          ],
        }),
      ),
    ).rejects.toThrow(/exactly one port range/);
    await expect(adapter.addRule(SCOPE, id, rule({ priority: 101 }))).rejects.toThrow(/1\.\.100/);
    await expect(adapter.addRule(SCOPE, id, rule({ peer: { kind: 'address-group', id: 'ag-1' } }))).rejects.toThrow(
      /address-group/,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('removes a rule by its id (ingress and egress)', async () => {
    const { fake, adapter } = await setup();
    const [id] = seedSmall(fake) as [string];
    const ingress = await adapter.addRule(SCOPE, id, rule());
    const egress = await adapter.addRule(
      SCOPE,
      id,
      rule({ direction: 'egress', peer: { kind: 'cidr', cidr: '192.0.2.0/24' } }),
    );
    await adapter.removeRule(SCOPE, id, rule({ native: { ruleId: ingress, derivedId: false, raw: null } }));
    await adapter.removeRule(
      SCOPE,
      id,
      rule({ direction: 'egress', native: { ruleId: egress, derivedId: false, raw: null } }),
    );
    expect(fake.rulesOf(id).map((r) => r.SecurityGroupRuleId)).not.toContain(ingress);
    expect(fake.rulesOf(id).map((r) => r.SecurityGroupRuleId)).not.toContain(egress);
    expect(fake.callsOf('RevokeSecurityGroup')[0]?.params).toMatchObject({
      RegionId: REGION,
      SecurityGroupId: id,
      'SecurityGroupRuleId.1': ingress,
    });
    expect(fake.callsOf('RevokeSecurityGroupEgress')[0]?.params).toMatchObject({ 'SecurityGroupRuleId.1': egress });

    // Later reads reflect it.
    const pages = await adapter.read(SCOPE);
    const listed = pages.flatMap((p) =>
      p.kind === PAGE_KINDS.attribute
        ? (p.body as { Permissions: { Permission: { SecurityGroupRuleId: string }[] } }).Permissions.Permission
        : [],
    );
    expect(listed.map((r) => r.SecurityGroupRuleId)).not.toContain(ingress);

    const error = await rejection(
      adapter.removeRule(SCOPE, id, rule({ native: { ruleId: ingress, derivedId: false, raw: null } })),
    );
    expect(error.message).toMatch(/RevokeSecurityGroup sg-\w+ sgr-\w+ failed: .*InvalidParam\.SecurityGroupRuleId/);
    await expect(adapter.removeRule(SCOPE, id, rule())).rejects.toThrow(/no SecurityGroupRuleId/);
  });
});

describe('end to end', () => {
  it('read → normalize → merge → audit finds SSH open to the Internet, and not where a higher-priority drop covers it', async () => {
    const { fake, adapter } = await setup();
    const open = fake.addGroup(REGION, { SecurityGroupName: 'web-open' });
    fake.addPermission(open, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Description: 'ssh',
    });
    const covered = fake.addGroup(REGION, { SecurityGroupName: 'web-covered' });
    fake.addPermission(covered, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '50',
      Description: 'ssh',
    });
    fake.addPermission(covered, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Policy: 'Drop',
      Description: 'no ssh',
    });
    fake.addInterface(REGION, [open, covered]);

    const pages = await adapter.read(SCOPE);
    const results = readSnapshotDocument(
      { provider: 'alibaba', account: ACCOUNT, region: REGION, pages: pages.map((p) => p.body) },
      'live',
    );
    const estate = mergePages(results);
    expect(estate.unparseable).toEqual([]);
    const summary = new Map(estate.groups.map((g) => [g.id, [g.rules.length, g.attachments?.length]]));
    expect(summary).toEqual(
      new Map([
        [open, [1, 1]],
        [covered, [2, 1]],
      ]),
    );
    expect(estate.groups.every((g) => g.account === ACCOUNT && g.region === REGION && g.provider === 'alibaba')).toBe(
      true,
    );

    const report = auditEstate(estate, defaultConfig());
    const admin = report.findings.filter((f) => f.check === 'internet-admin-port');
    expect(admin.map((f) => f.groupId)).toEqual([open]);
    expect(admin[0]?.ruleIds).toEqual(fake.rulesOf(open).map((r) => r.SecurityGroupRuleId));
  });
});

describe('Alibaba prefix lists and port lists, live', () => {
  it('reads the 150 prefix lists and the port list the rules name: listed 100 ids a request in NextToken pages (40 a page here), then each one’s entries; the snapshot reads the same', async () => {
    const { fake, adapter } = await setup();
    fake.listPageCap = 40;
    const group = fake.addGroup(REGION, { SecurityGroupName: 'web' });
    const lists: string[] = [];
    for (let i = 0; i < 150; i++) {
      const id = fake.addPrefixList(REGION, {
        AddressFamily: i % 2 === 0 ? 'IPv4' : 'IPv6',
        cidrs: i % 2 === 0 ? [`10.${i}.0.0/16`] : [`2001:db8:${i.toString(16)}::/48`],
      });
      lists.push(id);
      fake.addPermission(group, {
        Direction: i % 3 === 0 ? 'egress' : 'ingress',
        IpProtocol: 'TCP',
        PortRange: '443/443',
        [i % 3 === 0 ? 'DestPrefixListId' : 'SourcePrefixListId']: id,
      });
    }
    fake.addPrefixList(REGION, { cidrs: ['192.0.2.0/24'] }); // not named by any rule: not read
    const ports = fake.addPortList(REGION, { PortRangeListName: 'admin', ranges: ['22/22', '3389/3389'] });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '-1/-1',
      PortRangeListId: ports,
      SourceCidrIp: '0.0.0.0/0',
    });

    const pages = await adapter.read(SCOPE);

    expect(kinds(pages)).toMatchObject({
      [PAGE_KINDS.prefixLists]: 5,
      [PAGE_KINDS.prefixListAttributes]: 150,
      [PAGE_KINDS.portRangeLists]: 1,
      [PAGE_KINDS.portRangeListEntries]: 1,
    });
    const listings = fake.callsOf('DescribePrefixLists');
    expect(
      listings.map((c) => [
        Object.keys(c.params).filter((k) => k.startsWith('PrefixListId.')).length,
        c.params.MaxResults,
        c.params.NextToken === undefined,
      ]),
    ).toEqual([
      [100, '100', true],
      [100, '100', false],
      [100, '100', false],
      [50, '100', true],
      [50, '100', false],
    ]);
    expect(new Set(fake.callsOf('DescribePrefixListAttributes').map((c) => c.params.PrefixListId))).toEqual(
      new Set(lists),
    );
    expect(fake.callsOf('DescribePortRangeListEntries').map((c) => c.params.PortRangeListId)).toEqual([ports]);

    const { live, snapshot } = readSets(SCOPE, pages);
    expect(live.unparseable).toEqual([]);
    const read = live.addressSets.filter((s) => s.entries !== undefined);
    expect(read).toHaveLength(150);
    expect(read.find((s) => s.id === lists[0])).toEqual({
      provider: 'alibaba',
      account: ACCOUNT,
      region: REGION,
      kind: 'prefix-list',
      id: lists[0],
      name: expect.any(String),
      family: 'ipv4',
      entries: ['10.0.0.0/16'],
      providerManaged: false,
    });
    expect(read.find((s) => s.id === lists[1])).toMatchObject({ family: 'ipv6', entries: ['2001:db8:1::/48'] });
    expect(live.portSets.find((s) => s.ports !== undefined)).toEqual({
      provider: 'alibaba',
      account: ACCOUNT,
      region: REGION,
      id: ports,
      name: '',
      ports: [
        { from: 22, to: 22 },
        { from: 3389, to: 3389 },
      ],
    });
    // The listing names each list with its name and family; its entries are on the list's own page.
    const listedOnly = live.addressSets.filter((s) => s.entries === undefined);
    expect(listedOnly).toHaveLength(150);
    expect(
      listedOnly.every(
        (s) =>
          s.unresolved === undefined && read.some((r) => r.id === s.id && r.family === s.family && r.name === s.name),
      ),
    ).toBe(true);

    expect(snapshot).toEqual(live);
  });

  it('a list that cannot be read — another account’s, denied, a port list not found — is unresolved with the provider’s reason; the scope is read', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const foreign = fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'], foreign: true });
    const mine = fake.addPrefixList(REGION, { PrefixListName: 'office', AddressFamily: 'IPv6', cidrs: ['::/0'] });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: foreign,
    });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: mine,
    });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '-1/-1',
      PortRangeListId: 'prl-gone',
      SourceCidrIp: '0.0.0.0/0',
    });

    let read = readSets(SCOPE, await adapter.read(SCOPE));
    let live = read.live;
    expect(live.addressSets.filter((s) => s.id === foreign)).toEqual([
      {
        provider: 'alibaba',
        account: ACCOUNT,
        region: REGION,
        kind: 'prefix-list',
        id: foreign,
        name: '',
        family: 'ipv4',
        providerManaged: false,
        unresolved: `DescribePrefixListAttributes ${foreign} was refused: InvalidPrefixListId.NotFound (The specified prefix list was not found.)`,
      },
    ]);
    expect(live.portSets).toEqual([
      {
        provider: 'alibaba',
        account: ACCOUNT,
        region: REGION,
        id: 'prl-gone',
        name: '',
        unresolved:
          'DescribePortRangeListEntries prl-gone was refused: InvalidPortRangeListId.NotFound (The specified port range list was not found.)',
      },
    ]);
    expect(read.snapshot).toEqual(live);

    // Without ecs:DescribePrefixListAttributes every list is unresolved (named and typed by the listing); without the listing, the entries still decide.
    fake.deny('DescribePrefixListAttributes');
    read = readSets(SCOPE, await adapter.read(SCOPE));
    live = read.live;
    const refused = live.addressSets.filter((s) => s.id === mine && s.unresolved?.includes('Forbidden.RAM'));
    expect(refused).toEqual([
      expect.objectContaining({
        name: 'office',
        family: 'ipv6',
        unresolved: `DescribePrefixListAttributes ${mine} was refused: Forbidden.RAM (User not authorized to operate on the specified resource, or this API doesn't support RAM.)`,
      }),
    ]);
    expect(live.addressSets.some((s) => s.entries !== undefined)).toBe(false);
    expect(read.snapshot).toEqual(live);
  });

  it('without ecs:DescribePrefixLists the lists are still read: each list’s own answer decides', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const list = fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'] });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: list,
    });
    fake.deny('DescribePrefixLists');
    const pages = await adapter.read(SCOPE);
    expect(kinds(pages)[PAGE_KINDS.prefixLists]).toBeUndefined();
    expect(readSets(SCOPE, pages).live.addressSets).toMatchObject([{ id: list, entries: ['0.0.0.0/0'] }]);
  });

  it('throttling is retried; a list that keeps failing with 5xx fails the scope (it was not read), never an empty list', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const list = fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'] });
    fake.addPermission(group, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourcePrefixListId: list,
    });
    fake.failNext('DescribePrefixListAttributes', 2, 'throttle');
    const pages = await adapter.read(SCOPE);
    expect(readSets(SCOPE, pages).live.addressSets.find((s) => s.entries)).toMatchObject({
      id: list,
      entries: ['0.0.0.0/0'],
    });
    expect(adapter.stats.throttles).toBe(2);

    fake.failNext('DescribePrefixListAttributes', 4, 'server-error');
    await expect(adapter.read(SCOPE)).rejects.toThrow(
      `alibaba ${ACCOUNT} ${REGION} DescribePrefixListAttributes ${list} failed: InternalError: code: 500`,
    );
  });

  it('addRule of a rule whose ports come from a port list sends PortRangeListId (no PortRange, which would make the API ignore the list) and finds it on re-read', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const ports = fake.addPortList(REGION, { ranges: ['22/22'] });
    const id = await adapter.addRule(SCOPE, group, {
      direction: 'ingress',
      action: 'allow',
      priority: 5,
      family: 'ipv4',
      protocol: 'tcp',
      ports: [{ from: 0, to: 65535 }],
      portList: { id: ports },
      peer: { kind: 'cidr', cidr: '10.0.0.0/8' },
      enabled: true,
      description: 'admin ports',
      native: { ruleId: '', derivedId: true, raw: null },
    });
    const params = fake.callsOf('AuthorizeSecurityGroup')[0]?.params ?? {};
    expect(params['Permissions.1.PortRangeListId']).toBe(ports);
    expect(params['Permissions.1.PortRange']).toBeUndefined();
    expect(fake.rulesOf(group).map((r) => [r.SecurityGroupRuleId, r.PortRangeListId])).toEqual([[id, ports]]);
  });
});
