// Prefix lists, port lists (Alibaba) and IP address groups (Huawei/OTC VPC v3) as the normalizers
// read them: AddressSet / PortSet objects, entries canonical, unreadable sets unresolved with the
// reason (never partial, never empty), and the rules that name them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alibabaPageKinds, normalize as normalizeAlibaba } from '../adapters/alibaba/normalize.ts';
import { addressGroupPageKinds } from '../adapters/huawei/address-groups.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { canonicalCidr, parseCidr } from '../src/model/address.ts';
import type { PageContext } from '../src/model/page.ts';
import { ALL_PORTS } from '../src/model/protocol.ts';

const ali: PageContext = { provider: 'alibaba', account: '1234567890123456', region: 'cn-hangzhou', origin: 'test' };

function aliSets(page: unknown) {
  const result = normalizeAlibaba(page, ali);
  expect(result.unparseable).toEqual([]);
  return { addressSets: result.addressSets ?? [], portSets: result.portSets ?? [] };
}

const base = { provider: 'alibaba', account: ali.account, region: ali.region, providerManaged: false };

describe('Alibaba prefix lists', () => {
  it('DescribePrefixLists: each list with its name and declared family; entries unknown (undefined) on this page', () => {
    const { addressSets } = aliSets({
      RequestId: 'r',
      NextToken: '',
      PrefixLists: {
        PrefixList: [
          {
            PrefixListId: 'pl-v4',
            PrefixListName: 'office',
            AddressFamily: 'IPv4',
            MaxEntries: 10,
            AssociationCount: 1,
          },
          {
            PrefixListId: 'pl-v6',
            PrefixListName: 'office6',
            AddressFamily: 'IPv6',
            MaxEntries: 10,
            AssociationCount: 0,
          },
        ],
      },
    });
    expect(addressSets).toEqual([
      { ...base, kind: 'prefix-list', id: 'pl-v4', name: 'office', family: 'ipv4' },
      { ...base, kind: 'prefix-list', id: 'pl-v6', name: 'office6', family: 'ipv6' },
    ]);
  });

  it('DescribePrefixListAttributes: the entries as canonical CIDR blocks of the declared family', () => {
    const { addressSets } = aliSets({
      RequestId: 'r',
      PrefixListId: 'pl-v4',
      PrefixListName: 'anywhere',
      AddressFamily: 'IPv4',
      MaxEntries: 10,
      Entries: {
        Entry: [
          { Cidr: '0.0.0.0/0', Description: '' },
          { Cidr: '10.1.2.3/8', Description: 'host bits' },
          { Cidr: '10.0.0.0/8' },
        ],
      },
    });
    expect(addressSets).toEqual([
      {
        ...base,
        kind: 'prefix-list',
        id: 'pl-v4',
        name: 'anywhere',
        family: 'ipv4',
        entries: ['0.0.0.0/0', '10.0.0.0/8'],
      },
    ]);
    const v6 = aliSets({
      PrefixListId: 'pl-v6',
      AddressFamily: 'IPv6',
      Entries: { Entry: [{ Cidr: '2001:DB8::/32' }] },
    }).addressSets;
    expect(v6).toMatchObject([{ id: 'pl-v6', family: 'ipv6', entries: ['2001:db8::/32'] }]);
    // An empty list that was described is empty: it holds no addresses.
    expect(aliSets({ PrefixListId: 'pl-e', AddressFamily: 'IPv4', Entries: { Entry: [] } }).addressSets).toMatchObject([
      { id: 'pl-e', entries: [] },
    ]);
  });

  it('an entry that is not a CIDR of the declared family makes the whole list unresolved, never partial', () => {
    const wrongFamily = aliSets({
      PrefixListId: 'pl-x',
      AddressFamily: 'IPv4',
      Entries: { Entry: [{ Cidr: '0.0.0.0/0' }, { Cidr: '::/0' }] },
    }).addressSets[0];
    expect(wrongFamily).toMatchObject({
      id: 'pl-x',
      family: 'ipv4',
      unresolved: 'prefix list pl-x cannot be read: entry 2: Cidr "::/0" is not an IPv4 block',
    });
    expect(wrongFamily?.entries).toBeUndefined();
    const junk = aliSets({ PrefixListId: 'pl-y', AddressFamily: 'IPv4', Entries: { Entry: [{ Cidr: '10.0.0.0/33' }] } })
      .addressSets[0];
    expect(junk).toMatchObject({
      unresolved: 'prefix list pl-y cannot be read: entry 1: Cidr "10.0.0.0/33" is not a CIDR block',
    });
    const family = aliSets({ PrefixListId: 'pl-z', AddressFamily: 'IPv5', Entries: { Entry: [] } }).addressSets[0];
    expect(family).toMatchObject({
      unresolved: 'prefix list pl-z cannot be read: AddressFamily "IPv5" is not IPv4 or IPv6',
    });
  });

  it('a refused DescribePrefixListAttributes (the API error body with the list id) is unresolved with the provider’s reason', () => {
    const { addressSets } = aliSets({
      RequestId: 'r',
      HostId: 'ecs.aliyuncs.com',
      Code: 'InvalidPrefixListId.NotFound',
      Message: 'The specified prefix list was not found.',
      PrefixListId: 'pl-other',
    });
    expect(addressSets).toEqual([
      {
        ...base,
        kind: 'prefix-list',
        id: 'pl-other',
        name: '',
        family: 'ipv4',
        unresolved:
          'DescribePrefixListAttributes pl-other was refused: InvalidPrefixListId.NotFound (The specified prefix list was not found.)',
      },
    ]);
  });
});

describe('Alibaba port lists', () => {
  it('DescribePortRangeLists: each list by id and name; entries unknown (undefined) on this page', () => {
    const { portSets } = aliSets({
      RequestId: 'r',
      NextToken: '',
      PortRangeLists: [{ PortRangeListId: 'prl-1', PortRangeListName: 'web', MaxEntries: 20 }],
    });
    expect(portSets).toEqual([
      { provider: 'alibaba', account: ali.account, region: ali.region, id: 'prl-1', name: 'web' },
    ]);
  });

  it('DescribePortRangeListEntries (with the list id Warden adds): the ranges, merged', () => {
    const { portSets } = aliSets({
      RequestId: 'r',
      PortRangeListId: 'prl-1',
      Entries: [{ PortRange: '80/80' }, { PortRange: '22/22' }, { PortRange: '81/90' }],
    });
    expect(portSets).toEqual([
      {
        provider: 'alibaba',
        account: ali.account,
        region: ali.region,
        id: 'prl-1',
        name: '',
        ports: [
          { from: 22, to: 22 },
          { from: 80, to: 90 },
        ],
      },
    ]);
  });

  it('an unreadable entry or a refusal makes the port list unresolved with the reason', () => {
    expect(
      aliSets({ PortRangeListId: 'prl-1', Entries: [{ PortRange: '80/80' }, { PortRange: '90/80' }] }).portSets[0],
    ).toMatchObject({
      unresolved: 'port list prl-1 cannot be read: entry 2: PortRange "90/80" is not "from/to" within 1/65535',
    });
    expect(
      aliSets({
        Code: 'Forbidden.RAM',
        Message: 'User not authorized to operate on the specified resource.',
        PortRangeListId: 'prl-2',
      }).portSets[0],
    ).toMatchObject({
      id: 'prl-2',
      unresolved:
        'DescribePortRangeListEntries prl-2 was refused: Forbidden.RAM (User not authorized to operate on the specified resource.)',
    });
  });

  it('a bare DescribePortRangeListEntries body (no list id) is not a page Warden reads: the snapshot reader refuses it', () => {
    expect(() =>
      readSnapshotDocument(
        { provider: 'alibaba', pages: [{ RequestId: 'r', Entries: [{ PortRange: '80/80' }] }] },
        'f.json',
      ),
    ).toThrow(/f\.json: pages\[0\]: not an alibaba API response this version reads/);
  });

  it('a rule naming a port list carries it (Rule.portList) and covers every port until resolved', () => {
    const result = normalizeAlibaba(
      {
        SecurityGroupId: 'sg-1',
        Permissions: {
          Permission: [
            {
              SecurityGroupRuleId: 'sgr-1',
              Direction: 'ingress',
              IpProtocol: 'TCP',
              PortRange: '-1/-1',
              PortRangeListId: 'prl-1',
              SourcePrefixListId: 'pl-v4',
              Policy: 'Accept',
              Priority: '1',
            },
          ],
        },
      },
      ali,
    );
    expect(result.unparseable).toEqual([]);
    expect(result.rules[0]?.rule).toMatchObject({
      portList: { id: 'prl-1' },
      ports: [ALL_PORTS],
      peer: { kind: 'prefix-list', id: 'pl-v4' },
    });
  });
});

describe('Huawei and OTC VPC v3 address groups', () => {
  const page = (groups: unknown[]) => ({
    request_id: 'r',
    address_groups: groups,
    page_info: { previous_marker: '', current_count: groups.length },
  });
  const group = (fields: Record<string, unknown>) => ({
    id: 'ag-1',
    name: 'office',
    description: '',
    max_capacity: 20,
    ip_version: 4,
    ip_set: ['0.0.0.0/0'],
    tenant_id: 'p1',
    enterprise_project_id: '0',
    status: 'NORMAL',
    ...fields,
  });
  const sets = (provider: 'huawei' | 'otc', groups: unknown[]) => {
    const results = readSnapshotDocument({ provider, account: 'p1', region: 'r1', pages: [page(groups)] }, 'f.json');
    expect(results.flatMap((r) => r.unparseable)).toEqual([]);
    return results.flatMap((r) => r.addressSets ?? []);
  };

  it('ListAddressGroup: addresses, ranges and CIDR blocks as the CIDR blocks covering exactly them, for both providers', () => {
    for (const provider of ['huawei', 'otc'] as const) {
      expect(
        sets(provider, [group({ ip_set: ['192.168.21.25', '192.168.21.25-192.168.21.30', '10.1.2.3/8'] })]),
      ).toEqual([
        {
          provider,
          account: 'p1',
          region: 'r1',
          kind: 'address-group',
          id: 'ag-1',
          name: 'office',
          family: 'ipv4',
          providerManaged: false,
          entries: ['192.168.21.25/32', '192.168.21.26/31', '192.168.21.28/31', '192.168.21.30/32', '10.0.0.0/8'],
        },
      ]);
    }
    expect(sets('huawei', [group({ ip_version: 6, ip_set: ['2001:db8::1-2001:db8::2', '::/0'] })])[0]).toMatchObject({
      family: 'ipv6',
      entries: ['2001:db8::1/128', '2001:db8::2/128', '::/0'],
    });
    // ip_extra_set carries the entries with remarks; read where ip_set is absent.
    expect(
      sets('huawei', [group({ ip_set: undefined, ip_extra_set: [{ ip: '0.0.0.0/0', remarks: 'all' }] })])[0],
    ).toMatchObject({ entries: ['0.0.0.0/0'] });
    expect(sets('huawei', [group({ ip_set: [] })])[0]).toMatchObject({ entries: [] });
  });

  it('an unreadable entry, a wrong family or an unknown ip_version makes the group unresolved with the reason', () => {
    const reasons = [
      group({ id: 'a', ip_set: ['0.0.0.0/0', '::/0'] }),
      group({ id: 'b', ip_set: ['10.0.0.9-10.0.0.1'] }),
      group({ id: 'c', ip_set: ['10.0.0.0/8-10.0.0.1'] }),
      group({ id: 'd', ip_version: 5 }),
      group({ id: 'e', ip_set: null }),
    ].map((g) => sets('huawei', [g])[0]);
    expect(reasons.map((s) => s?.unresolved)).toEqual([
      'address group a cannot be read: ip_set entry "::/0" is not IPv4',
      'address group b cannot be read: ip_set entry "10.0.0.9-10.0.0.1" ends before it starts',
      'address group c cannot be read: ip_set entry "10.0.0.0/8-10.0.0.1" is not a range of two addresses',
      'address group d cannot be read: ip_version 5 is not 4 or 6',
      'address group e cannot be read: ip_set null is not a list',
    ]);
    for (const set of reasons) expect(set?.entries).toBeUndefined();
  });

  it('a refusal of ListAddressGroup (error body with the groups the rules name) makes each unresolved with the reason and the rules’ family', () => {
    const results = readSnapshotDocument(
      {
        provider: 'otc',
        account: 'p1',
        region: 'eu-de',
        pages: [
          {
            status: 403,
            error_code: 'VPC.0005',
            error_msg: 'Policy doesn\u2019t allow vpc:addressGroups:list to be performed.',
            address_groups_referenced: [{ id: 'ag-6', ip_version: 6 }],
          },
        ],
      },
      'f.json',
    );
    expect(results[0]?.addressSets).toEqual([
      {
        provider: 'otc',
        account: 'p1',
        region: 'eu-de',
        kind: 'address-group',
        id: 'ag-6',
        name: '',
        family: 'ipv6',
        providerManaged: false,
        unresolved:
          'ListAddressGroup was refused: HTTP 403 VPC.0005 (Policy doesn\u2019t allow vpc:addressGroups:list to be performed.)',
      },
    ]);
  });

  it('a rule naming an address group has it as its peer, with the rule’s ethertype', () => {
    const results = readSnapshotDocument(
      {
        provider: 'huawei',
        account: 'p1',
        region: 'r1',
        pages: [
          {
            security_group_rules: [
              {
                id: 'r1',
                security_group_id: 'sg-1',
                direction: 'ingress',
                ethertype: 'IPv6',
                protocol: 'tcp',
                multiport: '22',
                action: 'allow',
                priority: 1,
                remote_address_group_id: 'ag-6',
              },
            ],
          },
        ],
      },
      'f.json',
    );
    expect(results[0]?.rules[0]?.rule).toMatchObject({ family: 'ipv6', peer: { kind: 'address-group', id: 'ag-6' } });
  });
});

describe('any page of these kinds', () => {
  const cidrish = fc.oneof(
    fc.constantFrom(
      '0.0.0.0/0',
      '10.0.0.1',
      '10.0.0.1-10.0.0.9',
      '::/0',
      '2001:db8::1-2001:db8::2',
      '300.1.1.1/8',
      '',
      '1-2',
    ),
    fc.string(),
    fc.integer(),
  );
  const kinds = [
    ...alibabaPageKinds
      .filter((k) => k.name.includes('Prefix') || k.name.includes('PortRange'))
      .map((k) => ({ kind: k, provider: 'alibaba' as const })),
    ...addressGroupPageKinds.map((k) => ({ kind: k, provider: 'huawei' as const })),
  ];
  const pages = fc.oneof(
    fc.anything(),
    fc.record({
      PrefixListId: fc.oneof(fc.string(), fc.anything()),
      AddressFamily: fc.constantFrom('IPv4', 'IPv6', 'ipv5', undefined),
      Entries: fc.record({ Entry: fc.array(fc.record({ Cidr: cidrish })) }),
    }),
    fc.record({
      PrefixLists: fc.record({
        PrefixList: fc.array(
          fc.record({ PrefixListId: fc.oneof(fc.string(), fc.anything()), AddressFamily: fc.anything() }),
        ),
      }),
    }),
    fc.record({
      PortRangeListId: fc.string(),
      Entries: fc.array(
        fc.record({ PortRange: fc.oneof(fc.constantFrom('22/22', '1/65535', '0/1', '9/8'), fc.string()) }),
      ),
    }),
    fc.record({ PortRangeListId: fc.string(), Code: fc.string(), Message: fc.anything() }),
    fc.record({
      address_groups: fc.array(
        fc.oneof(
          fc.anything(),
          fc.record({
            id: fc.oneof(fc.uuid(), fc.anything()),
            ip_version: fc.constantFrom(4, 6, '4', 5, null),
            ip_set: fc.oneof(fc.array(cidrish), fc.anything()),
          }),
        ),
      ),
    }),
    fc.record({
      address_groups_referenced: fc.array(
        fc.oneof(fc.anything(), fc.record({ id: fc.string(), ip_version: fc.anything() })),
      ),
      error_msg: fc.anything(),
    }),
  );

  it('never throws; every set has canonical entries of its family, or is unresolved with a reason — never both, never partial', () => {
    fc.assert(
      fc.property(pages, fc.integer({ min: 0, max: kinds.length - 1 }), (page, index) => {
        const { kind, provider } = kinds[index] as (typeof kinds)[number];
        const result = kind.normalize(page, { provider, account: 'a', region: 'r', origin: 'fuzz' });
        for (const set of result.addressSets ?? []) {
          if (set.unresolved !== undefined) expect(set.entries).toBeUndefined();
          for (const cidr of set.entries ?? []) {
            expect(canonicalCidr(cidr)).toBe(cidr);
            expect(parseCidr(cidr)?.family).toBe(set.family);
          }
        }
        for (const set of result.portSets ?? []) {
          if (set.unresolved !== undefined) expect(set.ports).toBeUndefined();
          for (const range of set.ports ?? [])
            expect(1 <= range.from && range.from <= range.to && range.to <= 65535).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
