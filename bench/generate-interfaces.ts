// The interface dimension of the synthetic estate: network interfaces carrying 1-5 of a scope's
// groups, rendered as the provider pages the normalizers read (AWS and Alibaba
// DescribeNetworkInterfaces; Huawei VPC ListPorts with ListPublicips, OTC Neutron ports with
// floating IPs). Most interfaces belong to fleets that share one group set
// (autoscaling groups, node pools); a long tail carries a set of its own. About `publicShare` of
// them have a public address, decided per fleet so that some groups are carried by private
// interfaces only.

import type { Random } from './generate-estate.ts';

type Json = Record<string, unknown>;

/** What the interface generator needs of a planned scope. */
export interface InterfaceScope {
  provider: string;
  account: string;
  region: string;
  vpcId: string;
  /** The scope's groups; `kind` keeps apart groups a cloud refuses to mix on one interface. */
  groups: readonly { id: string; kind: string }[];
}

export interface RenderedInterfaces {
  /** The listing's pages, to go after the scope's group pages in its snapshot document. */
  pages: Json[];
  interfaces: number;
  publicInterfaces: number;
  distinctGroupSets: number;
}

interface Plan {
  groupIds: string[];
  public: boolean;
}

/** The providers whose interface listings the bench renders, with their page renderers. */
const RENDERERS: Readonly<Record<string, (scope: InterfaceScope, plans: readonly Plan[], rng: Random) => Json[]>> = {
  aws: renderAws,
  alibaba: renderAlibaba,
  huawei: renderHuawei,
  otc: renderOtc,
};

export function generatesInterfaces(provider: string): boolean {
  return provider in RENDERERS;
}

const SET_SIZES: readonly (readonly [number, number])[] = [
  [1, 35],
  [2, 30],
  [3, 20],
  [4, 10],
  [5, 5],
];
/** Interfaces per fleet (autoscaling group, node pool, service) and the share that carries a set of its own. */
const FLEET_SIZES: readonly (readonly [readonly [number, number], number])[] = [
  [[2, 10], 50],
  [[11, 60], 35],
  [[61, 400], 15],
];
const TAIL_SHARE = 0.1;

/** `count` interface plans over the scope's groups: the long tail first, then fleets. */
function planInterfaces(scope: InterfaceScope, count: number, publicShare: number, rng: Random): Plan[] {
  // A few groups are on many sets (a shared "base" group per VPC), the rest evenly.
  const popular = scope.groups.slice(0, Math.max(1, Math.ceil(scope.groups.length / 50)));
  const groupSet = (): string[] => {
    const size = Math.min(rng.weighted(SET_SIZES), scope.groups.length);
    const first = rng.chance(0.4) ? rng.pick(popular) : rng.pick(scope.groups);
    const chosen = new Set([first.id]);
    for (let tries = 0; chosen.size < size && tries < 50; tries++) {
      const next = rng.pick(scope.groups);
      if (next.kind === first.kind) chosen.add(next.id);
    }
    return [...chosen];
  };
  const plans: Plan[] = [];
  const tail = Math.round(count * TAIL_SHARE);
  while (plans.length < tail) plans.push({ groupIds: groupSet(), public: rng.chance(publicShare) });
  while (plans.length < count) {
    const [lo, hi] = rng.weighted(FLEET_SIZES);
    const size = Math.min(rng.int(lo, hi), count - plans.length);
    const groupIds = groupSet();
    const isPublic = rng.chance(publicShare);
    for (let i = 0; i < size; i++) plans.push({ groupIds, public: isPublic });
  }
  return plans;
}

/** A public IPv4 address per interface index, from the benchmarking range (judged public by the association, not the range). */
function publicIp(index: number): string {
  return `198.${18 + ((index >>> 16) & 1)}.${(index >>> 8) & 255}.${index & 255}`;
}

function token(rng: Random): string {
  return Buffer.from(`{"v":"2","c":"${rng.hex(24)}"}`).toString('base64url');
}

function paged(
  items: readonly Json[],
  size: number,
  page: (list: Json[], next: string | undefined) => Json,
  rng: Random,
): Json[] {
  const pages: Json[] = [];
  for (let i = 0; i < items.length; i += size) {
    const last = i + size >= items.length;
    pages.push(page(items.slice(i, i + size), last ? undefined : token(rng)));
  }
  return pages.length > 0 ? pages : [page([], undefined)];
}

// EC2 DescribeNetworkInterfaces (MaxResults ≤ 1000): instance ENIs, with a few Lambda and load balancer ones.
function renderAws(scope: InterfaceScope, plans: readonly Plan[], rng: Random): Json[] {
  const items = plans.map((plan, index): Json => {
    const id = `eni-0${rng.hex(16)}`;
    const type = rng.weighted([
      ['interface', 90],
      ['lambda', 5],
      ['network_load_balancer', 5],
    ] as const);
    const item: Json = {
      NetworkInterfaceId: id,
      InterfaceType: type,
      OwnerId: scope.account,
      VpcId: scope.vpcId,
      SubnetId: `subnet-0${rng.hex(16)}`,
      Status: 'in-use',
      PrivateIpAddress: `10.${(index >>> 16) & 255}.${(index >>> 8) & 255}.${index & 255}`,
      Groups: plan.groupIds.map((groupId) => ({ GroupId: groupId, GroupName: groupId })),
      Ipv6Addresses: [],
      RequesterManaged: type !== 'interface',
    };
    if (type === 'interface')
      item['Attachment'] = {
        AttachmentId: `eni-attach-0${rng.hex(16)}`,
        InstanceId: `i-0${rng.hex(16)}`,
        DeviceIndex: 0,
        Status: 'attached',
      };
    else item['RequesterId'] = type === 'lambda' ? 'AROAEXAMPLELAMBDA' : 'amazon-elb';
    if (plan.public) {
      if (rng.chance(0.05))
        item['Ipv6Addresses'] = [
          { Ipv6Address: `2001:db8:${(index >>> 16).toString(16)}::${(index & 0xffff).toString(16)}` },
        ];
      else
        item['Association'] = rng.chance(0.7)
          ? { PublicIp: publicIp(index), IpOwnerId: 'amazon' }
          : { PublicIp: publicIp(index), IpOwnerId: scope.account, AllocationId: `eipalloc-0${rng.hex(16)}` };
    }
    return item;
  });
  return paged(
    items,
    1000,
    (list, next) => (next ? { NetworkInterfaces: list, NextToken: next } : { NetworkInterfaces: list }),
    rng,
  );
}

// Alibaba ECS DescribeNetworkInterfaces (MaxResults ≤ 500, NextToken). Generated as secondary ENIs on
// instances: a primary ENI's fixed public IP is listed on the instance (DescribeInstances), which main
// does not read yet, so a primary ENI would count as public whatever the plan says.
function renderAlibaba(scope: InterfaceScope, plans: readonly Plan[], rng: Random): Json[] {
  const prefix = scope.vpcId.slice(4, 6);
  const items = plans.map((plan, index): Json => {
    const instanceId = `i-${prefix}${rng.hex(18)}`;
    const item: Json = {
      NetworkInterfaceId: `eni-${prefix}${rng.hex(18)}`,
      Type: 'Secondary',
      Status: 'InUse',
      InstanceId: instanceId,
      VpcId: scope.vpcId,
      VSwitchId: `vsw-${prefix}${rng.hex(18)}`,
      PrivateIpAddress: `172.${16 + ((index >>> 16) & 15)}.${(index >>> 8) & 255}.${index & 255}`,
      SecurityGroupIds: { SecurityGroupId: plan.groupIds },
      Attachment: { InstanceId: instanceId, DeviceIndex: 1 },
      Ipv6Sets: { Ipv6Set: [] },
      PrivateIpSets: { PrivateIpSet: [] },
    };
    if (plan.public)
      item['AssociatedPublicIp'] = { PublicIpAddress: publicIp(index), AllocationId: `eip-${prefix}${rng.hex(18)}` };
    return item;
  });
  return paged(
    items,
    500,
    (list, next) => ({
      RequestId: rng.uuid().toUpperCase(),
      TotalCount: items.length,
      ...(next ? { NextToken: next } : {}),
      NetworkInterfaceSets: { NetworkInterfaceSet: list },
    }),
    rng,
  );
}

/** A port as Huawei's VPC ListPorts and OTC's Neutron /v2.0/ports list it: the groups in the listed order. */
function port(scope: InterfaceScope, plan: Plan, index: number, rng: Random): Json {
  return {
    id: rng.uuid(),
    name: '',
    network_id: rng.uuid(),
    admin_state_up: true,
    mac_address: `fa:16:3e:${rng.hex(2)}:${rng.hex(2)}:${rng.hex(2)}`,
    fixed_ips: [{ ip_address: `192.168.${(index >>> 8) & 255}.${index & 255}`, subnet_id: rng.uuid() }],
    device_id: rng.uuid(),
    device_owner: `compute:${scope.region}a`,
    tenant_id: scope.account,
    project_id: scope.account,
    status: 'ACTIVE',
    security_groups: plan.groupIds,
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    port_security_enabled: true,
    'binding:vnic_type': 'normal',
  };
}

/**
 * The ports, then the public-address listing that makes the public ones public (bound to their
 * port). Every port's groups come in listed order, which the normalizer marks as an unknown bind
 * order (the provider does not document the list as the bind order).
 */
function renderPorts(
  scope: InterfaceScope,
  plans: readonly Plan[],
  rng: Random,
  addresses: { key: 'publicips' | 'floatingips'; render: (port: Json, index: number) => Json },
  page: (key: string, list: Json[], next: string | undefined) => Json,
): Json[] {
  const ports = plans.map((plan, index) => port(scope, plan, index, rng));
  const bound = ports.flatMap((item, index) => ((plans[index] as Plan).public ? [addresses.render(item, index)] : []));
  return [
    ...paged(ports, 2000, (list, next) => page('ports', list, next), rng),
    ...paged(bound, 1000, (list, next) => page(addresses.key, list, next), rng),
  ];
}

// Huawei VPC ListPorts and ListPublicips (v1), paged by marker.
function huaweiEip(item: Json, index: number): Json {
  return {
    id: `eip-${String(item['id'])}`,
    status: 'ACTIVE',
    type: '5_bgp',
    public_ip_address: publicIp(index),
    private_ip_address: ((item['fixed_ips'] as Json[])[0] as Json)['ip_address'],
    port_id: item['id'],
    ip_version: 4,
    bandwidth_size: 5,
    bandwidth_share_type: 'PER',
    tenant_id: item['tenant_id'],
    enterprise_project_id: '0',
  };
}

function renderHuawei(scope: InterfaceScope, plans: readonly Plan[], rng: Random): Json[] {
  return renderPorts(scope, plans, rng, { key: 'publicips', render: huaweiEip }, (key, list) => ({
    [key]: list,
    request_id: rng.hex(32),
  }));
}

// OTC Neutron /v2.0/ports and /v2.0/floatingips, paged by their `*_links` next link.
function otcFloatingIp(item: Json, index: number): Json {
  return {
    id: `fip-${String(item['id'])}`,
    floating_ip_address: publicIp(index),
    floating_network_id: '0a2228f2-7f8a-45f1-8e09-9039e1d09975',
    router_id: null,
    port_id: item['id'],
    fixed_ip_address: ((item['fixed_ips'] as Json[])[0] as Json)['ip_address'],
    status: 'ACTIVE',
    tenant_id: item['tenant_id'],
    project_id: item['tenant_id'],
  };
}

function renderOtc(scope: InterfaceScope, plans: readonly Plan[], rng: Random): Json[] {
  const host = `https://vpc.${scope.region}.otc.t-systems.com/v2.0`;
  return renderPorts(scope, plans, rng, { key: 'floatingips', render: otcFloatingIp }, (key, list, next) => ({
    [key]: list,
    ...(next ? { [`${key}_links`]: [{ rel: 'next', href: `${host}/${key}?marker=${next}` }] } : {}),
  }));
}

/** The scope's interface listing as pages, or undefined where the bench cannot generate one. */
export function renderInterfaces(
  scope: InterfaceScope,
  count: number,
  publicShare: number,
  rng: Random,
): RenderedInterfaces | undefined {
  const render = RENDERERS[scope.provider];
  if (render === undefined || scope.groups.length === 0) return undefined;
  const plans = planInterfaces(scope, count, publicShare, rng);
  const pages = render(scope, plans, rng);
  return {
    pages,
    interfaces: plans.length,
    publicInterfaces: plans.filter((p) => p.public).length,
    distinctGroupSets: new Set(plans.map((p) => [...p.groupIds].sort().join(','))).size,
  };
}
