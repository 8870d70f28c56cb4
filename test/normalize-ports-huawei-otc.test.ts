import { describe, expect, it } from 'vitest';
import { PORT_PAGE_KINDS, portPageKinds } from '../adapters/huawei/ports.ts';
import { readSnapshotDocument, SnapshotError } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { PageContext, PageResult } from '../src/model/page.ts';
import type { Provider } from '../src/model/types.ts';
import { eipRecord, portRecord } from './support/port-records.ts';

// Huawei/OTC ports, EIPs and floating IPs as the page kinds read them (the same normalizers for
// snapshots and live reads): groups in listed order with the bind order unknown, attachments for
// unused-group, public addresses joined by their binding, and what cannot be read reported.

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const REGION = 'ap-southeast-1';
const ctx = (provider: Provider = 'huawei'): PageContext => ({
  provider,
  account: PROJECT,
  region: REGION,
  origin: 'test',
});

const kind = (name: string) => portPageKinds.find((k) => k.name === name) as (typeof portPageKinds)[number];
const ports = (list: unknown[], provider: Provider = 'huawei'): PageResult =>
  kind(PORT_PAGE_KINDS.ports).normalize({ ports: list }, ctx(provider));
const eips = (list: unknown[]): PageResult => kind(PORT_PAGE_KINDS.publicips).normalize({ publicips: list }, ctx());
const floatingIps = (list: unknown[]): PageResult =>
  kind(PORT_PAGE_KINDS.floatingips).normalize({ floatingips: list }, ctx('otc'));

const port = (id: string, groups: string[], fields: Record<string, unknown> = {}) =>
  portRecord(PROJECT, id, groups, fields);
const eip = (address: string, portId: string | undefined, fields: Record<string, unknown> = {}) =>
  eipRecord(PROJECT, address, portId, fields);

const group = (id: string) => ({
  security_groups: [{ id, name: id, description: '', project_id: PROJECT }],
});
const groupsPage = (ids: string[]) => ({
  security_groups: ids.flatMap((id) => group(id).security_groups),
});

describe('Huawei/OTC ports as interfaces', () => {
  it('a port keeps its groups in the listed order, with the bind order unknown, its attachment and its device owner', () => {
    const result = ports([port('p-1', ['sg-b', 'sg-a', 'sg-c'])]);
    expect(result.unparseable).toEqual([]);
    expect(result.interfaces).toEqual([
      {
        provider: 'huawei',
        account: PROJECT,
        region: REGION,
        vpcId: '',
        id: 'p-1',
        groupIds: ['sg-b', 'sg-a', 'sg-c'],
        groupOrder: 'unknown',
        publicAddresses: [],
        publicAddressesUnknown: 'EIPs not read',
        attachedTo: { kind: 'instance', id: 'ecs-p-1' },
        type: 'compute:cn-north-4a',
      },
    ]);
    // The port attaches its groups itself (mergePages): nothing apart.
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([{ provider: 'huawei', account: PROJECT, region: REGION }]);
  });

  it('device_owner says what a port is attached to: ECS, load balancer, NAT gateway, anything else, or nothing', () => {
    const result = ports([
      port('lb', [], { device_owner: 'neutron:LOADBALANCERV2', device_id: 'elb-1' }),
      port('nat', [], { device_owner: 'network:nat_gateway', device_id: 'nat-1' }),
      port('dhcp', [], { device_owner: 'network:dhcp', device_id: 'dhcp-1' }),
      port('free', [], { device_owner: '', device_id: '' }),
    ]);
    expect(result.interfaces?.map((i) => [i.id, i.attachedTo, i.type])).toEqual([
      ['lb', { kind: 'load-balancer', id: 'elb-1' }, 'neutron:LOADBALANCERV2'],
      ['nat', { kind: 'nat-gateway', id: 'nat-1' }, 'network:nat_gateway'],
      ['dhcp', { kind: 'other', id: 'dhcp-1' }, 'network:dhcp'],
      ['free', undefined, undefined],
    ]);
  });

  it('a VPC v3 port (ListPorts GET /v3/{project_id}/ports, SDK v3 model Port) lists its addresses as private_ips: a global IPv6 one is public, never read as no address', () => {
    const v3 = (id: string, addresses: string[]) => {
      const { fixed_ips: _fixed, ...rest } = port(id, ['sg-a']) as Record<string, unknown>;
      return { ...rest, private_ips: addresses.map((ip_address) => ({ ip_address, subnet_cidr_id: 'c-1' })) };
    };
    const result = ports([v3('v3-dual', ['192.168.0.9', '2407:c080:802:1f::11']), v3('v3-v4', ['192.168.0.8'])]);
    expect(result.unparseable).toEqual([]);
    expect(result.interfaces?.map((i) => [i.id, i.publicAddresses])).toEqual([
      ['v3-dual', [{ address: '2407:c080:802:1f::11', family: 'ipv6', kind: 'ipv6' }]],
      ['v3-v4', []],
    ]);
    // Both lists on one port is no shape either API answers with: one line, never a guess.
    const both = ports([{ ...v3('both', ['2407:c080:802:1f::12']), fixed_ips: [] }]);
    expect(both.interfaces).toEqual([]);
    expect(both.unparseable.map((u) => u.reason)).toEqual([expect.stringContaining('both fixed_ips and private_ips')]);
  });

  it('an IPv6 fixed IP is public only when the port names its IPv6 bandwidth; without the field (Neutron) a global one counts as public', () => {
    const v6 = [
      { ip_address: '192.168.0.10', subnet_id: 's' },
      { ip_address: '2407:c080:802:1f::10', subnet_id: 's6' },
      { ip_address: 'fe80::1', subnet_id: 's6' },
    ];
    const result = ports([
      port('no-bandwidth', [], { fixed_ips: v6, ipv6_bandwidth_id: null }),
      port('bandwidth', [], { fixed_ips: v6, ipv6_bandwidth_id: 'bw-1' }),
      port('neutron', [], { fixed_ips: v6 }),
      port('unique-local', [], { fixed_ips: [{ ip_address: 'fd00::5', subnet_id: 's6' }] }),
    ]);
    const public6 = [{ address: '2407:c080:802:1f::10', family: 'ipv6', kind: 'ipv6' }];
    expect(result.interfaces?.map((i) => [i.id, i.publicAddresses])).toEqual([
      ['no-bandwidth', []],
      ['bandwidth', public6],
      ['neutron', public6],
      ['unique-local', []],
    ]);
  });

  it('an unreadable port is reported, never dropped, and the listing then vouches for no scope', () => {
    const result = ports([port('ok', ['sg-1']), port('bad', 'sg-1' as unknown as string[]), 'not a port']);
    expect(result.interfaces?.map((i) => i.id)).toEqual(['ok']);
    expect(result.unparseable.map((u) => u.reason)).toEqual([
      'ports[1]: security_groups "sg-1" is not a list',
      'ports[2]: not an object: "not a port"',
    ]);
    expect(result.attachmentScopes).toEqual([]);
  });

  it('OTC ports say their public addresses wait for the floating IP listing', () => {
    expect(ports([port('p', ['sg'])], 'otc').interfaces?.[0]?.publicAddressesUnknown).toBe('floating IPs not read');
  });
});

describe('EIPs and floating IPs join their ports', () => {
  it('an EIP bound to a port makes it public; a port without one is private once the EIP listing covers the scope', () => {
    const estate = mergePages([
      ports([port('web', ['sg-web']), port('db', ['sg-db'])]),
      eips([eip('203.0.113.7', 'web'), eip('203.0.113.8', undefined)]),
    ]);
    expect(estate.interfaces?.map((i) => [i.id, i.publicAddresses, i.publicAddressesUnknown])).toEqual([
      ['db', [], undefined],
      ['web', [{ address: '203.0.113.7', family: 'ipv4', kind: 'eip' }], undefined],
    ]);
  });

  it('without the EIP listing every port stays public-unknown', () => {
    const estate = mergePages([ports([port('db', ['sg-db'])])]);
    expect(estate.interfaces?.[0]?.publicAddressesUnknown).toBe('EIPs not read');
  });

  it('the EIP v3 shape (associate_instance_type PORT) and an IPv6 EIP join too', () => {
    const result = eips([
      {
        id: 'e3',
        public_ip_address: '198.51.100.4',
        public_ipv6_address: '2001:db8::4',
        associate_instance_type: 'PORT',
        associate_instance_id: 'p-3',
        project_id: PROJECT,
      },
      { id: 'e-nat', public_ip_address: '198.51.100.5', associate_instance_type: 'NATGW', project_id: PROJECT },
    ]);
    expect(result.publicAddresses?.map((f) => [f.interfaceId, f.address])).toEqual([
      ['p-3', { address: '198.51.100.4', family: 'ipv4', kind: 'eip' }],
      ['p-3', { address: '2001:db8::4', family: 'ipv6', kind: 'eip' }],
    ]);
    expect(result.publicAddressScopes).toEqual([{ provider: 'huawei', account: PROJECT, region: REGION }]);
  });

  it('an unreadable EIP is reported and its page vouches for no scope, so the ports stay public-unknown', () => {
    const result = eips([eip('203.0.113.9', 'web'), { id: 'broken', port_id: 'db', public_ip_address: 7 }]);
    expect(result.unparseable.map((u) => u.reason)).toEqual(['publicips[1]: public_ip_address 7 is not a string']);
    expect(result.publicAddressScopes).toBeUndefined();
    const estate = mergePages([ports([port('db', ['sg-db'])]), result]);
    expect(estate.interfaces?.[0]?.publicAddressesUnknown).toBe('EIPs not read');
  });

  it('OTC floating IPs bound to a port make it public (kind floating-ip); unbound ones are nobody’s', () => {
    const estate = mergePages([
      ports([port('web', ['sg-web']), port('db', ['sg-db'])], 'otc'),
      floatingIps([
        { id: 'f1', floating_ip_address: '80.158.1.2', port_id: 'web', status: 'ACTIVE', tenant_id: PROJECT },
        { id: 'f2', floating_ip_address: '80.158.1.3', port_id: null, status: 'DOWN', tenant_id: PROJECT },
      ]),
    ]);
    expect(estate.interfaces?.map((i) => [i.id, i.publicAddresses, i.publicAddressesUnknown])).toEqual([
      ['db', [], undefined],
      ['web', [{ address: '80.158.1.2', family: 'ipv4', kind: 'floating-ip' }], undefined],
    ]);
  });
});

describe('ports in snapshots, and unused-group on Huawei', () => {
  it('a snapshot wrapper is read by shape: ports, EIPs and groups; a group no port carries is unused, one a port carries is not', () => {
    const document = {
      provider: 'huawei',
      account: PROJECT,
      region: REGION,
      pages: [
        groupsPage(['sg-used', 'sg-idle']),
        { ports: [port('web', ['sg-used'])] },
        { publicips: [eip('203.0.113.7', 'web')] },
      ],
    };
    const estate = mergePages(readSnapshotDocument(document, 'estate.json'));
    expect(estate.interfaces?.map((i) => [i.id, i.groupIds, i.publicAddresses.length])).toEqual([
      ['web', ['sg-used'], 1],
    ]);
    expect(estate.groups.map((g) => [g.id, g.attachments])).toEqual([
      ['sg-idle', []],
      ['sg-used', [{ kind: 'network-interface', id: 'web' }]],
    ]);
    const unused = auditEstate(estate, defaultConfig()).findings.filter((f) => f.check === 'unused-group');
    expect(unused.map((f) => f.groupId)).toEqual(['sg-idle']);
  });

  it('a bare ports page is Huawei’s and OTC’s alike: the snapshot must say which', () => {
    expect(() => readSnapshotDocument({ ports: [] }, 'ports.json')).toThrow(SnapshotError);
    expect(() => readSnapshotDocument({ ports: [] }, 'ports.json')).toThrow(
      'ports.json: page shape is shared by Huawei Cloud and OTC; wrap it as {"provider": "huawei"|"otc", "pages": [...]}',
    );
  });
});
