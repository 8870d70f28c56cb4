import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  DeleteSecurityGroupCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { awsPageKinds } from '../adapters/aws/normalize.ts';
import type { RawPage, Scope } from '../src/ports/live.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate, Rule } from '../src/model/types.ts';
import { rule } from './support/build.ts';
import { createVpc, motoEnv, seedSecurityGroup, setProcessEnv, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// The AWS adapter against moto_server: an estate seeded through the real SDK, read back
// through the adapter, normalized by the same page kinds as snapshots, audited; then a rule
// added and removed through the adapter, and a member account reached through AssumeRole.
// moto's default account is 123456789012; AssumeRole into another account id gives
// credentials that moto maps to that account's own (separate) estate.

const OWN = '123456789012';
const MEMBER = '210987654321';
const ROLE = `arn:aws:iam::${MEMBER}:role/warden-audit`;
const REGION = 'eu-west-1';

function awsConfig(
  aws: Record<string, unknown>,
  scan: Record<string, unknown> = { timeoutMs: 5000, retries: 1 },
): WardenConfig {
  return configSchema.parse({ providers: { aws }, scan });
}

function normalize(scope: Scope, pages: RawPage[]): Estate {
  return mergePages(
    pages.map((page, i) => {
      const kind = awsPageKinds.find((k) => k.name === page.kind);
      if (!kind) throw new Error(`no page kind ${page.kind}`);
      return kind.normalize(page.body, { ...scope, origin: `moto ${page.kind} page ${i + 1}` });
    }),
  );
}

// The tests share one moto estate and run in order (vitest 5 runs a file's tests sequentially
// unless marked concurrent; it has no `describe.sequential`).
describe('AWS live adapter against moto', () => {
  let moto: Moto;
  let restoreEnv: () => void = () => undefined;
  let env: NodeJS.ProcessEnv;
  let seed: EC2Client;
  const ids: Record<string, string> = {};
  const scope: Scope = { provider: 'aws', account: OWN, region: REGION };
  const config = awsConfig({ regions: [REGION], accounts: [{}, { roleArn: ROLE, externalId: 'warden-ext-1' }] });
  let adapter: ReturnType<typeof createAwsAdapter>;

  const group = async (name: string, vpcId: string, permissions: IpPermission[]) => {
    const id = await seedSecurityGroup(seed, vpcId, name, permissions);
    ids[name] = id;
    return id;
  };

  beforeAll(async () => {
    moto = await startMoto();
    env = motoEnv(moto.endpoint, REGION);
    // The SDK reads AWS_ENDPOINT_URL from process.env only; credentials also go to the adapter as `env`.
    restoreEnv = setProcessEnv(env);
    seed = new EC2Client({ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const vpcId = await createVpc(seed);
    const subnet = await seed.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }));
    const tcp = (port: number | [number, number], ranges: Partial<IpPermission>): IpPermission => ({
      IpProtocol: 'tcp',
      FromPort: typeof port === 'number' ? port : port[0],
      ToPort: typeof port === 'number' ? port : port[1],
      ...ranges,
    });
    await group('ssh-world', vpcId, [
      tcp(22, { IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }] }),
    ]);
    await group('mysql-world', vpcId, [tcp(3306, { IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'mysql' }] })]);
    await group('all-ipv6', vpcId, [
      { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'everything over IPv6' }] },
    ]);
    await group('wide-12', vpcId, [
      tcp(443, { IpRanges: [{ CidrIp: '16.0.0.0/12', Description: 'a /12 partner range' }] }),
    ]);
    await group('port-range', vpcId, [
      tcp([8000, 8999], { IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'app ports' }] }),
    ]);
    // moto, like EC2 across VPC peering, lets a referenced group be deleted: the reference stays, stale.
    const gone = await group('gone', vpcId, []);
    await group('stale-ref', vpcId, [
      tcp(5432, { UserIdGroupPairs: [{ GroupId: gone, Description: 'from a deleted group' }] }),
    ]);
    await seed.send(new DeleteSecurityGroupCommand({ GroupId: gone }));
    await group('unused', vpcId, [tcp(80, { IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'http inside' }] })]);
    for (const groups of [
      ['ssh-world', 'mysql-world', 'all-ipv6'],
      ['wide-12', 'port-range', 'stale-ref'],
    ]) {
      await seed.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnet.Subnet?.SubnetId,
          Groups: groups.map((g) => ids[g] as string),
        }),
      );
    }
    adapter = createAwsAdapter({ config, env, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  }, 30_000);

  afterAll(async () => {
    adapter?.close();
    seed?.destroy();
    restoreEnv();
    await moto?.stop();
  }, 15_000);

  it('lists the default credentials account (from STS, once) and the role account (from the ARN) per region', async () => {
    expect(await adapter.scopes()).toEqual([
      { provider: 'aws', account: OWN, region: REGION },
      { provider: 'aws', account: MEMBER, region: REGION },
    ]);
    const calls = adapter.stats.calls;
    await adapter.scopes();
    expect(adapter.stats.calls).toBe(calls); // GetCallerIdentity is cached
  });

  it('the filter narrows scopes by account and region', async () => {
    const two = createAwsAdapter({
      config: awsConfig({
        regions: [REGION, 'us-east-1'],
        accounts: [{}, { roleArn: ROLE, externalId: 'warden-ext-1' }],
      }),
      env,
    });
    try {
      expect(await two.scopes()).toHaveLength(4);
      expect(await two.scopes({ accounts: [MEMBER] })).toEqual([
        { provider: 'aws', account: MEMBER, region: REGION },
        { provider: 'aws', account: MEMBER, region: 'us-east-1' },
      ]);
      expect(await two.scopes({ regions: ['us-east-1'] })).toEqual([
        { provider: 'aws', account: OWN, region: 'us-east-1' },
        { provider: 'aws', account: MEMBER, region: 'us-east-1' },
      ]);
      expect(await two.scopes({ regions: ['us-east-1'], accounts: [OWN] })).toEqual([
        { provider: 'aws', account: OWN, region: 'us-east-1' },
      ]);
      expect(await two.scopes({ regions: ['ap-south-1'] })).toEqual([]);
    } finally {
      two.close();
    }
  });

  it('refuses an account id that the default credentials do not belong to', async () => {
    const wrong = createAwsAdapter({
      config: awsConfig({ regions: [REGION], accounts: [{ id: '111111111111' }] }),
      env,
    });
    await expect(wrong.scopes()).rejects.toThrow(/default credentials belong to 123456789012, not 111111111111/);
    await expect(wrong.read({ provider: 'aws', account: '999999999999', region: REGION })).rejects.toThrow(
      /default credentials belong to/,
    );
    wrong.close();
  });

  it('reads every page, in the API shape, and the audit finds what was seeded', async () => {
    const seen: number[] = [];
    const pages = await adapter.read(scope, (event) => seen.push(event.pages));
    const listings = ['aws:DescribeSecurityGroups', 'aws:DescribeSecurityGroupRules', 'aws:DescribeNetworkInterfaces'];
    // Launch templates and configurations are read too (none here: each listing answers one empty page).
    expect(new Set(pages.map((p) => p.kind))).toEqual(
      new Set([...listings, 'aws:DescribeLaunchTemplates', 'aws:DescribeLaunchConfigurations']),
    );
    expect(seen).toEqual(pages.filter((p) => listings.includes(p.kind)).map((_, i) => i + 1));
    for (const page of pages) {
      expect(page.body).not.toHaveProperty('$metadata');
      expect(page.body).not.toHaveProperty('NextToken');
    }
    const groupsPage = pages.find((p) => p.kind === 'aws:DescribeSecurityGroups')?.body as {
      SecurityGroups: { GroupId: string; OwnerId: string }[];
    };
    expect(groupsPage.SecurityGroups.map((g) => g.GroupId)).toEqual(
      expect.arrayContaining(
        Object.entries(ids)
          .filter(([n]) => n !== 'gone')
          .map(([, id]) => id),
      ),
    );
    expect(groupsPage.SecurityGroups.map((g) => g.GroupId)).not.toContain(ids['gone']);

    const estate = normalize(scope, pages);
    expect(estate.unparseable).toEqual([]);
    const sshGroup = estate.groups.find((g) => g.id === ids['ssh-world']);
    expect(sshGroup?.rules.every((r) => r.native.ruleId.startsWith('sgr-'))).toBe(true); // DescribeSecurityGroupRules is authoritative
    expect(sshGroup?.attachments?.map((a) => a.kind)).toEqual(['network-interface']);

    const findings = auditEstate(estate, config).findings;
    const found = (check: string, name: string) =>
      findings.some((f) => f.check === check && f.groupId === ids[name] && f.account === OWN && f.region === REGION);
    expect(found('internet-admin-port', 'ssh-world')).toBe(true);
    expect(found('internet-high-risk-port', 'mysql-world')).toBe(true);
    expect(found('internet-all-ports', 'all-ipv6')).toBe(true);
    expect(found('wide-public-cidr', 'wide-12')).toBe(true);
    expect(found('port-range', 'port-range')).toBe(true);
    expect(found('stale-reference', 'stale-ref')).toBe(true);
    expect(found('unused-group', 'unused')).toBe(true);
    // and not where they do not belong
    for (const name of ['ssh-world', 'mysql-world', 'all-ipv6', 'wide-12', 'port-range', 'stale-ref'])
      expect(found('unused-group', name)).toBe(false);
    expect(found('internet-admin-port', 'wide-12')).toBe(false);
    expect(found('internet-admin-port', 'port-range')).toBe(false);
    expect(found('stale-reference', 'ssh-world')).toBe(false);
    const stale = findings.find((f) => f.check === 'stale-reference');
    expect(stale?.detail).toContain(ids['gone']);
  });

  it('adds a rule (its sgr- id comes back and a re-read shows it) and removes it by that id', async () => {
    const groupId = ids['unused'] as string;
    const https = rule({ protocol: 'tcp', ports: 443, peer: '203.0.113.0/24', description: 'https from the office' });
    const id = await adapter.addRule(scope, groupId, https);
    expect(id).toMatch(/^sgr-[0-9a-f]+$/);
    const added = normalize(scope, await adapter.read(scope))
      .groups.find((g) => g.id === groupId)
      ?.rules.find((r) => r.native.ruleId === id);
    expect(added).toMatchObject({
      direction: 'ingress',
      protocol: 'tcp',
      ports: [{ from: 443, to: 443 }],
      peer: { kind: 'cidr', cidr: '203.0.113.0/24' },
      description: 'https from the office',
    });

    await adapter.removeRule(scope, groupId, added as Rule);
    const after = normalize(scope, await adapter.read(scope)).groups.find((g) => g.id === groupId);
    expect(after?.rules.map((r) => r.native.ruleId)).not.toContain(id);
    expect(after?.rules.some((r) => r.peer.kind === 'cidr' && r.peer.cidr === '10.0.0.0/8')).toBe(true); // the other rule stays
  });

  it('removes a rule read without an id (derived aws~ id) by its permission; egress and ICMP and group peers round-trip', async () => {
    const groupId = ids['unused'] as string;
    const icmp = rule({
      direction: 'egress',
      protocol: 'icmp',
      ports: [{ from: 8 * 256, to: 8 * 256 + 255 }],
      peer: '198.51.100.0/24',
      description: 'ping out',
    });
    const fromGroup = rule({
      protocol: 'udp',
      ports: [5000, 5010],
      peer: { kind: 'group', groupId: ids['ssh-world'] as string, self: false },
      description: 'from ssh hosts',
    });
    const icmpId = await adapter.addRule(scope, groupId, icmp);
    const groupRuleId = await adapter.addRule(scope, groupId, fromGroup);
    const pages = await adapter.read(scope);
    const rules = normalize(scope, pages).groups.find((g) => g.id === groupId)?.rules ?? [];
    expect(rules.find((r) => r.native.ruleId === icmpId)).toMatchObject({
      direction: 'egress',
      protocol: 'icmp',
      ports: [{ from: 2048, to: 2303 }],
    });
    expect(rules.find((r) => r.native.ruleId === groupRuleId)).toMatchObject({
      protocol: 'udp',
      ports: [{ from: 5000, to: 5010 }],
      peer: { kind: 'group', groupId: ids['ssh-world'] },
    });

    // The same rules as DescribeSecurityGroups alone shows them: no rule ids, derived ones.
    const nested =
      normalize(
        scope,
        pages.filter((p) => p.kind === 'aws:DescribeSecurityGroups'),
      ).groups.find((g) => g.id === groupId)?.rules ?? [];
    const derivedIcmp = nested.find((r) => r.protocol === 'icmp') as Rule;
    const derivedGroup = nested.find((r) => r.peer.kind === 'group') as Rule;
    expect(derivedIcmp.native.derivedId).toBe(true);
    await adapter.removeRule(scope, groupId, derivedIcmp);
    await adapter.removeRule(scope, groupId, derivedGroup);
    const left = normalize(scope, await adapter.read(scope))
      .groups.find((g) => g.id === groupId)
      ?.rules.map((r) => r.native.ruleId);
    expect(left).not.toContain(icmpId);
    expect(left).not.toContain(groupRuleId);
  });

  it('refuses what AWS cannot express, before any call', async () => {
    const calls = adapter.stats.calls;
    await expect(adapter.addRule(scope, ids['unused'] as string, rule({ action: 'deny', ports: 22 }))).rejects.toThrow(
      /allow-only/,
    );
    await expect(
      adapter.addRule(
        scope,
        ids['unused'] as string,
        rule({
          ports: [
            { from: 22, to: 22 },
            { from: 80, to: 90 },
          ],
        }),
      ),
    ).rejects.toThrow(/one port range per rule/);
    await expect(adapter.addRule(scope, ids['unused'] as string, rule({ enabled: false, ports: 22 }))).rejects.toThrow(
      /cannot be disabled/,
    );
    expect(adapter.stats.calls).toBe(calls);
  });

  it('a missing rule is an error naming the operation, without credentials', async () => {
    const missing = rule({ ports: 22, id: 'sgr-0000000000000dead' });
    const error = (await adapter.removeRule(scope, ids['unused'] as string, missing).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^EC2 RevokeSecurityGroupIngress: /);
    expect(error.message).not.toContain('testing');
  });

  it('reads the member account through AssumeRole (session warden-audit, external id): its own groups', async () => {
    const member: Scope = { provider: 'aws', account: MEMBER, region: REGION };
    const pages = await adapter.read(member);
    const groups = (
      pages.find((p) => p.kind === 'aws:DescribeSecurityGroups')?.body as {
        SecurityGroups: { GroupId: string; OwnerId: string }[];
      }
    ).SecurityGroups;
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((g) => g.OwnerId === MEMBER)).toBe(true);
    expect(groups.map((g) => g.GroupId)).not.toContain(ids['ssh-world']);
    const estate = normalize(member, pages);
    expect(estate.groups.every((g) => g.account === MEMBER)).toBe(true);
    // The role's credentials are cached: a second read makes no second AssumeRole.
    const before = adapter.stats.calls;
    await adapter.read(member);
    expect(adapter.stats.calls - before).toBe(pages.length);
  });

  it('adapters sharing a role cache (one Lambda container) assume a member role once, in any region', async () => {
    const shared = new Map();
    const memberOnly = (region: string) =>
      awsConfig({ regions: [region], accounts: [{ id: MEMBER, roleArn: ROLE, externalId: 'warden-ext-1' }] });
    const first = createAwsAdapter({ config: memberOnly(REGION), env, roleCredentials: shared });
    const second = createAwsAdapter({ config: memberOnly('us-east-1'), env, roleCredentials: shared });
    const firstPages = await first.read({ provider: 'aws', account: MEMBER, region: REGION });
    const secondPages = await second.read({ provider: 'aws', account: MEMBER, region: 'us-east-1' });
    // The first adapter's calls: AssumeRole, then its pages; the second's: its pages only.
    expect(first.stats.calls).toBe(firstPages.length + 1);
    expect(second.stats.calls).toBe(secondPages.length);
    expect(shared.size).toBe(1);
    first.close();
    second.close();
  });

  it('a scope of an account that is not configured is refused', async () => {
    await expect(adapter.read({ provider: 'aws', account: '999999999999', region: REGION })).rejects.toThrow(
      /999999999999 is not in providers.aws.accounts/,
    );
  });
});
