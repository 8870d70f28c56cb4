// Alibaba prefix lists and port lists read live through the real @alicloud/ecs20140526 client
// against the loopback ECS fake: the lists the rules name are listed (100 ids a request, NextToken
// pages) and each one's entries read; a list that cannot be read is unresolved with the provider's
// reason, never a scan error of the scope; the snapshot written from the pages reads the same.
import { afterEach, describe, expect, it } from 'vitest';
import { createAlibabaAdapter, PAGE_KINDS } from '../adapters/alibaba/live.ts';
import type { LiveAdapter, RawPage, Scope } from '../adapters/live.ts';
import { normalizeScope } from '../adapters/live-estate.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { configSchema } from '../src/config/schema.ts';
import type { PageResult } from '../src/model/page.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';

const ACCESS_KEY_ID = 'LTAI5tWardenTestKey02';
const ACCESS_KEY_SECRET = 'wArDeN-tEsT-sEcReT-sets-0123456789';
const ACCOUNT = '1234567890123456';
const REGION = 'cn-hangzhou';
const SCOPE: Scope = { provider: 'alibaba', account: ACCOUNT, region: REGION };

let fake: FakeAlibabaEcs | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(): Promise<{ fake: FakeAlibabaEcs; adapter: LiveAdapter }> {
  fake = new FakeAlibabaEcs({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET });
  const url = await fake.start();
  const config = configSchema.parse({ providers: { alibaba: { account: ACCOUNT, regions: [REGION], concurrency: 4 } }, scan: { timeoutMs: 2000, retries: 3 } });
  const env = { WARDEN_ALIBABA_ENDPOINT: url, ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET };
  return { fake, adapter: createAlibabaAdapter({ config, env, retry: { sleep: async () => {}, random: () => 0 } }) };
}

function kinds(pages: RawPage[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const page of pages) counts[page.kind] = (counts[page.kind] ?? 0) + 1;
  return counts;
}

function sets(results: PageResult[]) {
  return { addressSets: results.flatMap((r) => r.addressSets ?? []), portSets: results.flatMap((r) => r.portSets ?? []), unparseable: results.flatMap((r) => r.unparseable) };
}

/** What `warden snapshot` writes for the scope, read back by the snapshot reader. */
function fromSnapshot(pages: RawPage[]): PageResult[] {
  const document: unknown = JSON.parse(JSON.stringify({ ...SCOPE, pages: pages.map((p) => p.body) }));
  return readSnapshotDocument(document, 'snapshot.json');
}

describe('Alibaba prefix lists and port lists, live', () => {
  it('reads the 150 prefix lists and the port list the rules name: listed 100 ids a request in NextToken pages (40 a page here), then each one’s entries; the snapshot reads the same', async () => {
    const { fake, adapter } = await setup();
    fake.listPageCap = 40;
    const group = fake.addGroup(REGION, { SecurityGroupName: 'web' });
    const lists: string[] = [];
    for (let i = 0; i < 150; i++) {
      const id = fake.addPrefixList(REGION, { AddressFamily: i % 2 === 0 ? 'IPv4' : 'IPv6', cidrs: i % 2 === 0 ? [`10.${i}.0.0/16`] : [`2001:db8:${i.toString(16)}::/48`] });
      lists.push(id);
      fake.addPermission(group, { Direction: i % 3 === 0 ? 'egress' : 'ingress', IpProtocol: 'TCP', PortRange: '443/443', [i % 3 === 0 ? 'DestPrefixListId' : 'SourcePrefixListId']: id });
    }
    fake.addPrefixList(REGION, { cidrs: ['192.0.2.0/24'] }); // not named by any rule: not read
    const ports = fake.addPortList(REGION, { PortRangeListName: 'admin', ranges: ['22/22', '3389/3389'] });
    fake.addPermission(group, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '-1/-1', PortRangeListId: ports, SourceCidrIp: '0.0.0.0/0' });

    const pages = await adapter.read(SCOPE);

    expect(kinds(pages)).toMatchObject({ [PAGE_KINDS.prefixLists]: 5, [PAGE_KINDS.prefixListAttributes]: 150, [PAGE_KINDS.portRangeLists]: 1, [PAGE_KINDS.portRangeListEntries]: 1 });
    const listings = fake.callsOf('DescribePrefixLists');
    expect(listings.map((c) => [Object.keys(c.params).filter((k) => k.startsWith('PrefixListId.')).length, c.params.MaxResults, c.params.NextToken === undefined])).toEqual([
      [100, '100', true],
      [100, '100', false],
      [100, '100', false],
      [50, '100', true],
      [50, '100', false],
    ]);
    expect(new Set(fake.callsOf('DescribePrefixListAttributes').map((c) => c.params.PrefixListId))).toEqual(new Set(lists));
    expect(fake.callsOf('DescribePortRangeListEntries').map((c) => c.params.PortRangeListId)).toEqual([ports]);

    const live = sets(normalizeScope(SCOPE, pages));
    expect(live.unparseable).toEqual([]);
    const read = live.addressSets.filter((s) => s.entries !== undefined);
    expect(read).toHaveLength(150);
    expect(read.find((s) => s.id === lists[0])).toEqual({ provider: 'alibaba', account: ACCOUNT, region: REGION, kind: 'prefix-list', id: lists[0], name: expect.any(String), family: 'ipv4', entries: ['10.0.0.0/16'], providerManaged: false });
    expect(read.find((s) => s.id === lists[1])).toMatchObject({ family: 'ipv6', entries: ['2001:db8:1::/48'] });
    expect(live.portSets.find((s) => s.ports !== undefined)).toEqual({ provider: 'alibaba', account: ACCOUNT, region: REGION, id: ports, name: '', ports: [{ from: 22, to: 22 }, { from: 3389, to: 3389 }] });
    // The listing names each list with its family, entries not read on that page.
    expect(live.addressSets.filter((s) => s.unresolved !== undefined)).toHaveLength(150);

    expect(sets(fromSnapshot(pages))).toEqual(live);
  });

  it('a list that cannot be read — another account’s, denied, a port list not found — is unresolved with the provider’s reason; the scope is read', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const foreign = fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'], foreign: true });
    const mine = fake.addPrefixList(REGION, { PrefixListName: 'office', AddressFamily: 'IPv6', cidrs: ['::/0'] });
    fake.addPermission(group, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '22/22', SourcePrefixListId: foreign });
    fake.addPermission(group, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '22/22', SourcePrefixListId: mine });
    fake.addPermission(group, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '-1/-1', PortRangeListId: 'prl-gone', SourceCidrIp: '0.0.0.0/0' });

    let pages = await adapter.read(SCOPE);
    let live = sets(normalizeScope(SCOPE, pages));
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
      { provider: 'alibaba', account: ACCOUNT, region: REGION, id: 'prl-gone', name: '', unresolved: 'DescribePortRangeListEntries prl-gone was refused: InvalidPortRangeListId.NotFound (The specified port range list was not found.)' },
    ]);
    expect(sets(fromSnapshot(pages))).toEqual(live);

    // Without ecs:DescribePrefixListAttributes every list is unresolved (named and typed by the listing); without the listing, the entries still decide.
    fake.deny('DescribePrefixListAttributes');
    pages = await adapter.read(SCOPE);
    live = sets(normalizeScope(SCOPE, pages));
    const refused = live.addressSets.filter((s) => s.id === mine && s.unresolved?.includes('Forbidden.RAM'));
    expect(refused).toEqual([
      expect.objectContaining({
        name: 'office',
        family: 'ipv6',
        unresolved: `DescribePrefixListAttributes ${mine} was refused: Forbidden.RAM (User not authorized to operate on the specified resource, or this API doesn't support RAM.)`,
      }),
    ]);
    expect(live.addressSets.some((s) => s.entries !== undefined)).toBe(false);
    expect(sets(fromSnapshot(pages))).toEqual(live);

    const second = await setup();
    const g2 = second.fake.addGroup(REGION);
    const l2 = second.fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'] });
    second.fake.addPermission(g2, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '22/22', SourcePrefixListId: l2 });
    second.fake.deny('DescribePrefixLists');
    const pages2 = await second.adapter.read(SCOPE);
    expect(kinds(pages2)[PAGE_KINDS.prefixLists]).toBeUndefined();
    expect(sets(normalizeScope(SCOPE, pages2)).addressSets).toMatchObject([{ id: l2, entries: ['0.0.0.0/0'] }]);
  });

  it('throttling is retried; a list that keeps failing with 5xx fails the scope (it was not read), never an empty list', async () => {
    const { fake, adapter } = await setup();
    const group = fake.addGroup(REGION);
    const list = fake.addPrefixList(REGION, { cidrs: ['0.0.0.0/0'] });
    fake.addPermission(group, { Direction: 'ingress', IpProtocol: 'TCP', PortRange: '22/22', SourcePrefixListId: list });
    fake.failNext('DescribePrefixListAttributes', 2, 'throttle');
    const pages = await adapter.read(SCOPE);
    expect(sets(normalizeScope(SCOPE, pages)).addressSets.find((s) => s.entries)).toMatchObject({ id: list, entries: ['0.0.0.0/0'] });
    expect(adapter.stats.throttles).toBe(2);

    fake.failNext('DescribePrefixListAttributes', 4, 'server-error');
    await expect(adapter.read(SCOPE)).rejects.toThrow(`alibaba ${ACCOUNT} ${REGION} DescribePrefixListAttributes ${list} failed: InternalError: code: 500`);
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
