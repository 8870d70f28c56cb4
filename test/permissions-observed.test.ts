import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateLaunchTemplateCommand, CreateManagedPrefixListCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { createAlibabaAdapter } from '../adapters/alibaba/live.ts';
import { ALIBABA_PERMISSIONS } from '../adapters/alibaba/permissions.ts';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { AWS_PERMISSIONS } from '../adapters/aws/permissions.ts';
import type { AdapterMethod, ProviderPermissions } from '../adapters/common/permissions.ts';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import { HUAWEI_PERMISSIONS } from '../adapters/huawei/permissions.ts';
import type { LiveAdapter } from '../src/ports/live.ts';
import { createOtcAdapter } from '../adapters/otc/live.ts';
import { OTC_PERMISSIONS } from '../adapters/otc/permissions.ts';
import { configSchema } from '../src/config/schema.ts';
import { rule } from './support/build.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';
import { createVpc, motoClientConfig, motoEnv, seedSecurityGroup, setProcessEnv, startMoto } from './support/moto.ts';

// The permission declarations (adapters/<provider>/permissions.ts) say which operations each use of an
// adapter calls; test/permissions-declared.test.ts derives every role's and key's grants from them. Here
// each adapter runs against its provider's loopback fake (moto_server for AWS) and the operations that
// reached it are compared with what its use declares.

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * Runs each adapter method against the provider's loopback fake and names the operations that reached
 * it: each must be one its use declares (so the functions' grants, derived from the uses, cover it).
 */
async function observeUses(
  adapter: LiveAdapter,
  log: () => string[],
  groupId: string,
): Promise<Partial<Record<AdapterMethod, string[]>>> {
  const seen: Partial<Record<AdapterMethod, string[]>> = {};
  const during = async <T>(use: AdapterMethod, run: () => Promise<T>): Promise<T> => {
    const from = log().length;
    try {
      return await run();
    } finally {
      seen[use] = sorted([...(seen[use] ?? []), ...log().slice(from)]);
    }
  };
  const [scope] = await during('scopes', () => adapter.scopes());
  if (!scope) throw new Error(`${adapter.provider}: no scope`);
  await during('read', () => adapter.read(scope));
  const added = rule({ ports: 2222, peer: '203.0.113.0/24', priority: 7, description: 'declared' });
  const id = await during('addRule', () => adapter.addRule(scope, groupId, added));
  await during('removeRule', () =>
    adapter.removeRule(scope, groupId, { ...added, native: { ruleId: id, derivedId: false, raw: null } }),
  );
  return seen;
}

function expectDeclared(
  provider: string,
  declared: ProviderPermissions,
  seen: Partial<Record<AdapterMethod, string[]>>,
  expected: Partial<Record<AdapterMethod, string[]>>,
): void {
  for (const [use, operations] of Object.entries(seen)) {
    expect(
      operations.filter((op) => !declared.uses[use]?.includes(op)),
      `${provider} ${use} called operations adapters/${provider}/permissions.ts does not declare for it`,
    ).toEqual([]);
  }
  expect(seen, provider).toMatchObject(expected);
}

const NO_WAIT = { sleep: async () => undefined, random: () => 0 };

/** A loopback proxy in front of moto_server that notes each request's query-protocol Action (EC2, STS). */
async function recordingProxy(
  target: string,
): Promise<{ endpoint: string; actions: string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const actions: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = new URLSearchParams(body.toString('utf8')).get('Action');
      if (action) actions.push(action);
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on('error', () => response.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
/** Huawei's and OTC's VPC calls per use, with a rule naming an address group (AK/SK keys: no token). */
const VPC_USES_SEEN = {
  scopes: [],
  read: ['ListAddressGroup', 'ListPorts', 'ListSecurityGroupRules', 'ListSecurityGroups'],
  addRule: ['CreateSecurityGroupRule'],
  removeRule: ['DeleteSecurityGroupRule'],
};
/** Huawei reads its EIPs (ListPublicips), OTC its floating IPs (ListFloatingIps). */
const withRead = (extra: string) => ({ ...VPC_USES_SEEN, read: [...VPC_USES_SEEN.read, extra].sort() });

describe('each adapter method calls only the operations its use declares (against the loopback fakes)', () => {
  it('aws: scopes asks STS who it is; read, through a member role, describes groups, rules, interfaces, launch templates and configurations and the prefix lists rules name; the writes authorize and revoke', async () => {
    const moto = await startMoto();
    const proxy = await recordingProxy(moto.endpoint);
    const restore = setProcessEnv(motoEnv(proxy.endpoint));
    const ec2 = new EC2Client(motoClientConfig(moto.endpoint));
    const adapters: ReturnType<typeof createAwsAdapter>[] = [];
    try {
      const vpc = await createVpc(ec2);
      const list = (
        await ec2.send(
          new CreateManagedPrefixListCommand({
            PrefixListName: 'partners',
            AddressFamily: 'IPv4',
            MaxEntries: 5,
            Entries: [{ Cidr: '192.0.2.0/24' }],
          }),
        )
      ).PrefixList?.PrefixListId as string;
      const group = await seedSecurityGroup(ec2, vpc, 'web', [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: list }] },
      ]);
      await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'web',
          LaunchTemplateData: { ImageId: 'ami-12c6146b', SecurityGroupIds: [group] },
        }),
      );
      const adapterFor = (aws: Record<string, unknown>) => {
        const adapter = createAwsAdapter({
          config: configSchema.parse({ providers: { aws: { regions: ['eu-west-1'], ...aws } } }),
          env: motoEnv(proxy.endpoint),
          retry: NO_WAIT,
        });
        adapters.push(adapter);
        return adapter;
      };
      // moto's own account, reached through a role of it: the role's credentials see the seeded group.
      const seen = await observeUses(
        adapterFor({ accounts: [{ roleArn: 'arn:aws:iam::123456789012:role/WardenApply', externalId: 'x1' }] }),
        () => proxy.actions,
        group,
      );
      const from = proxy.actions.length;
      await adapterFor({}).scopes();
      seen.scopes = sorted([...(seen.scopes ?? []), ...proxy.actions.slice(from)]);
      expectDeclared('aws', AWS_PERMISSIONS, seen, {
        scopes: ['GetCallerIdentity'],
        read: [
          'AssumeRole',
          'DescribeLaunchConfigurations',
          'DescribeLaunchTemplateVersions',
          'DescribeLaunchTemplates',
          'DescribeManagedPrefixLists',
          'DescribeNetworkInterfaces',
          'DescribeSecurityGroupRules',
          'DescribeSecurityGroups',
          'GetManagedPrefixListEntries',
        ],
        addRule: ['AuthorizeSecurityGroupIngress'],
        removeRule: ['RevokeSecurityGroupIngress'],
      });
    } finally {
      for (const adapter of adapters) adapter.close();
      ec2.destroy();
      restore();
      await proxy.close();
      await moto.stop();
    }
  }, 90_000);

  it('alibaba: scopes asks STS for the account; read describes groups, their rules, the lists they name, interfaces, instances, launch templates, scaling configurations; addRule re-reads the group around its Authorize', async () => {
    const credentials = { accessKeyId: 'LTAI5tWardenPermKey001', accessKeySecret: 'wArDeN-pErM-sEcReT-0123456789' };
    const fake = new FakeAlibabaEcs(credentials);
    const url = await fake.start();
    try {
      const group = fake.addGroup('cn-hangzhou', { SecurityGroupName: 'web' });
      const list = fake.addPrefixList('cn-hangzhou', { cidrs: ['192.0.2.0/24'] });
      const ports = fake.addPortList('cn-hangzhou', { ranges: ['22/22'] });
      fake.addPermission(group, {
        Direction: 'ingress',
        IpProtocol: 'TCP',
        PortRange: '443/443',
        SourcePrefixListId: list,
      });
      fake.addPermission(group, {
        Direction: 'ingress',
        IpProtocol: 'TCP',
        PortRange: '-1/-1',
        PortRangeListId: ports,
        SourceCidrIp: '0.0.0.0/0',
      });
      fake.addInterface('cn-hangzhou', [group]);
      fake.addLaunchTemplate('cn-hangzhou', [{ SecurityGroupIds: [group], InternetMaxBandwidthOut: 0 }]);
      fake.addScalingConfiguration('cn-hangzhou', { SecurityGroupIds: [group] });
      fake.addEciScalingConfiguration('cn-hangzhou', { SecurityGroupId: group });
      const env = {
        WARDEN_ALIBABA_ENDPOINT: url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
      };
      const adapter = createAlibabaAdapter({
        config: configSchema.parse({ providers: { alibaba: { regions: ['cn-hangzhou'] } } }),
        env,
        retry: NO_WAIT,
      });
      expectDeclared(
        'alibaba',
        ALIBABA_PERMISSIONS,
        await observeUses(adapter, () => fake.requests.map((r) => r.action), group),
        {
          scopes: ['GetCallerIdentity'],
          read: [
            'DescribeEciScalingConfigurations',
            'DescribeInstances',
            'DescribeLaunchTemplateVersions',
            'DescribeLaunchTemplates',
            'DescribeNetworkInterfaces',
            'DescribePortRangeListEntries',
            'DescribePortRangeLists',
            'DescribePrefixListAttributes',
            'DescribePrefixLists',
            'DescribeScalingConfigurations',
            'DescribeSecurityGroupAttribute',
            'DescribeSecurityGroups',
          ],
          addRule: ['AuthorizeSecurityGroup', 'DescribeSecurityGroupAttribute'],
          removeRule: ['RevokeSecurityGroup'],
        },
      );
    } finally {
      await fake.close();
    }
  });

  it('huawei: scopes makes no call; read lists groups, rules and the address groups rules name; the writes create and delete one rule each', async () => {
    const keys = { ak: 'HWAKWARDENPERMTEST0001', sk: 'hwSkWardenPermTestSecretKey0000000000001' };
    const project = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
    const fake = await startFakeHuawei(keys);
    try {
      const group = fake.addGroup(project, { name: 'web' });
      const office = fake.addAddressGroup(project, { ip_set: ['192.0.2.0/24'] });
      fake.addRule(project, {
        security_group_id: group.id as string,
        multiport: '22',
        remote_ip_prefix: '',
        remote_address_group_id: office.id,
      });
      const config = configSchema.parse({
        providers: { huawei: { regions: [{ region: 'ap-southeast-1', projectId: project }], endpoint: fake.url } },
      });
      const adapter = createHuaweiAdapter({
        config,
        env: { HUAWEICLOUD_SDK_AK: keys.ak, HUAWEICLOUD_SDK_SK: keys.sk },
        retry: NO_WAIT,
      });
      expectDeclared(
        'huawei',
        HUAWEI_PERMISSIONS,
        await observeUses(adapter, () => fake.requests.map((r) => r.operation), group.id as string),
        withRead('ListPublicips'),
      );
    } finally {
      await fake.close();
    }
  });

  it("otc: scopes makes no call; read lists groups, rules and address groups; the writes first learn the project's API ('auto')", async () => {
    const project = '5dd3c0b24cdc4d31952c49589182a89d';
    const fake = await FakeOtc.start();
    /** The API reference's operation of a request, by its method and the resource it names (VPC v3 or Neutron v2.0). */
    const OPERATIONS: Record<string, string> = {
      'GET security-groups': 'ListSecurityGroups',
      'GET security-group-rules': 'ListSecurityGroupRules',
      'GET address-groups': 'ListAddressGroup',
      'GET ports': 'ListPorts',
      'GET floatingips': 'ListFloatingIps',
      'POST security-group-rules': 'CreateSecurityGroupRule',
      'DELETE security-group-rules': 'DeleteSecurityGroupRule',
    };
    const operation = (r: { server: string; method: string; path: string }): string => {
      if (r.server === 'iam') return 'ObtainToken';
      const resource = r.path
        .split('/')
        .find((part) => /^(security-groups|security-group-rules|address-groups|ports|floatingips)$/.test(part));
      return OPERATIONS[`${r.method} ${resource}`] ?? `${r.method} ${r.path}`;
    };
    try {
      const group = fake.addGroup(project, 'web');
      const office = fake.addAddressGroup(project, 'office', ['192.0.2.0/24']);
      fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: office.id });
      const config = configSchema.parse({
        providers: { otc: { regions: [{ region: 'eu-de', projectId: project }], endpoint: fake.vpcUrl, api: 'auto' } },
      });
      const adapter = createOtcAdapter({
        config,
        env: { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK },
        retry: NO_WAIT,
      });
      expectDeclared(
        'otc',
        OTC_PERMISSIONS,
        await observeUses(adapter, () => fake.requests.map(operation), group.id),
        withRead('ListFloatingIps'),
      );
    } finally {
      await fake.close();
    }
  });
});
