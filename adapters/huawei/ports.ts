// Huawei Cloud and OTC ports and the public addresses bound to them, as network interfaces:
// - ports: Huawei VPC `ListPorts` (GET /v1/{project_id}/ports, SDK v2 model Port) and Neutron
//   `GET /v2.0/ports` (OTC "Querying Ports"): { ports: [{ id, security_groups, fixed_ips,
//   device_id, device_owner, tenant_id|project_id, ipv6_bandwidth_id (Huawei v1 only) … }] }; the
//   VPC v3 `ListPorts` (GET /v3/{project_id}/ports, SDK v3 model Port) lists the addresses as
//   private_ips [{ ip_address, subnet_cidr_id }] (a snapshot may hold it; the live read uses v1);
// - EIPs: Huawei/OTC `ListPublicips` (GET /v1/{project_id}/publicips): { publicips: [{ id,
//   public_ip_address, public_ipv6_address, port_id, tenant_id … }] }, and the EIP v3 shape
//   (associate_instance_type PORT, associate_instance_id, vnic.port_id);
// - floating IPs: Neutron `GET /v2.0/floatingips` (OTC's EIPs through Neutron):
//   { floatingips: [{ id, floating_ip_address, port_id, tenant_id|project_id … }] }.
//
// Public IPv6: Huawei's and OTC's "IPv4 and IPv6 Dual-Stack Network" pages say an ECS reaches the
// Internet over IPv6 only once its IPv6 address is added to a (shared) bandwidth. Huawei's v1 port
// names that bandwidth (`ipv6_bandwidth_id`): a global IPv6 fixed IP is public exactly when it is
// set. A port shape without the field (Neutron) cannot tell, so its global IPv6 addresses count as
// public rather than be judged private on what was not read.
//
// Port security: `port_security_enabled` (Huawei VPC v1 and v3 Port, Neutron port-security
// extension; default true). Huawei's port reference: when it is not enabled, the security groups
// (and DHCP anti-spoofing) do not take effect. Neutron refuses to disable it while groups are bound,
// but a listing may still name some: either way they filter nothing on that port.

import { parseCidr } from '../../src/model/address.ts';
import type { InterfaceAttachment, NetworkInterface, PublicAddress } from '../../src/model/network-interface.ts';
import type { PageContext, PageKind, PageResult, Scope } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { Provider } from '../../src/model/types.ts';
import {
  accountOf,
  asRecord,
  fail,
  flagOnByDefault,
  normalizeList,
  optionalText,
  readSafely,
  requiredText,
  show,
} from './normalize.ts';

type Raw = Record<string, unknown>;

const ACCOUNT_FIELDS = ['project_id', 'tenant_id'] as const;

/** Why a port's public addresses are unknown until its cloud's EIP listing is read for the scope. */
export function eipsNotRead(provider: Provider): string {
  return provider === 'otc' ? 'floating IPs not read' : 'EIPs not read';
}

/** device_owner → what the port is attached to (Neutron's owner names; Huawei's ELB and NAT ports). */
function attachmentOf(deviceOwner: string, deviceId: string): InterfaceAttachment | undefined {
  if (deviceId === '') return undefined;
  if (deviceOwner.startsWith('compute:')) return { kind: 'instance', id: deviceId };
  if (deviceOwner.startsWith('neutron:LOADBALANCER')) return { kind: 'load-balancer', id: deviceId };
  if (deviceOwner === 'network:nat_gateway') return { kind: 'nat-gateway', id: deviceId };
  return { kind: 'other', id: deviceId };
}

/** A global unicast IPv6 address (not link-local fe80::/10, not unique-local fc00::/7). */
function isGlobalIpv6(address: string): boolean {
  // Most fixed IPs are IPv4: not parsed (nor kept in the parse cache) to be told so.
  if (!address.includes(':')) return false;
  const block = parseCidr(`${address}/128`);
  if (!block || block.family !== 'ipv6') return false;
  const top = Number(block.lo >> 112n);
  return (top & 0xffc0) !== 0xfe80 && (top & 0xfe00) !== 0xfc00;
}

// Indexed loops and no closures below: they run for every port of a fleet.

function readGroupIds(raw: Raw): string[] {
  const list = raw.security_groups;
  if (!Array.isArray(list)) return fail(`security_groups ${show(list)} is not a list`);
  const groupIds: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const id: unknown = list[i];
    groupIds.push(
      typeof id === 'string' && id !== '' ? id : fail(`security_groups entry ${show(id)} is not a group id`),
    );
  }
  return groupIds;
}

/** The port's addresses: `fixed_ips` (v1, Neutron) or `private_ips` (VPC v3), each entry's `ip_address`. */
function readFixedIps(raw: Raw): string[] {
  const hasFixed = raw.fixed_ips !== undefined && raw.fixed_ips !== null;
  const hasPrivate = raw.private_ips !== undefined && raw.private_ips !== null;
  if (hasFixed && hasPrivate) return fail('both fixed_ips and private_ips are listed');
  const field = hasPrivate ? 'private_ips' : 'fixed_ips';
  const list = raw[field];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return fail(`${field} ${show(list)} is not a list`);
  const addresses: string[] = [];
  for (let i = 0; i < list.length; i++) addresses.push(requiredText(asRecord(list[i]), 'ip_address'));
  return addresses;
}

/** The port's own public addresses: its global IPv6 fixed IPs where they reach the Internet (see above). */
function ipv6Public(raw: Raw, fixedIps: readonly string[]): PublicAddress[] {
  const knowsBandwidth = Object.hasOwn(raw, 'ipv6_bandwidth_id');
  if (knowsBandwidth && optionalText(raw, 'ipv6_bandwidth_id') === undefined) return [];
  const addresses: PublicAddress[] = [];
  for (let i = 0; i < fixedIps.length; i++) {
    const address = fixedIps[i] as string;
    if (isGlobalIpv6(address)) addresses.push({ address, family: 'ipv6', kind: 'ipv6' });
  }
  return addresses;
}

export function readPort(value: unknown, ctx: PageContext): NetworkInterface {
  const raw = asRecord(value);
  const id = requiredText(raw, 'id');
  const groupIds = readGroupIds(raw);
  const fixedIps = readFixedIps(raw);
  const deviceOwner = optionalText(raw, 'device_owner') ?? '';
  const port: NetworkInterface = {
    provider: ctx.provider,
    account: ctx.account,
    region: ctx.region,
    vpcId: optionalText(raw, 'vpc_id') ?? '',
    id,
    groupIds,
    // Huawei binds groups in an order that decides, but does not document that this list is it.
    groupOrder: 'unknown',
    publicAddresses: ipv6Public(raw, fixedIps),
    publicAddressesUnknown: eipsNotRead(ctx.provider),
  };
  const attachedTo = attachmentOf(deviceOwner, optionalText(raw, 'device_id') ?? '');
  if (attachedTo) port.attachedTo = attachedTo;
  if (deviceOwner !== '') port.type = deviceOwner;
  if (!flagOnByDefault(raw, 'port_security_enabled')) port.filtering = 'disabled';
  return port;
}

/**
 * The scopes a complete listing vouches for: the accounts of its records, or the page's own
 * account when it lists none. A listing with a record it cannot read vouches for no scope.
 */
function scopesOf(ctx: PageContext, accounts: ReadonlySet<string>): Scope[] {
  const all = accounts.size === 0 ? [ctx.account] : [...accounts];
  return all.map((account) => ({ provider: ctx.provider, account, region: ctx.region }));
}

function normalizePorts(page: unknown, ctx: PageContext): PageResult {
  const accounts = new Set<string>();
  const interfaces: NetworkInterface[] = [];
  const out = normalizeList(page, 'ports', ctx, (item, path, result) => {
    const account = accountOf(ctx, item, ACCOUNT_FIELDS);
    const portCtx = account === ctx.account ? ctx : { ...ctx, account };
    const port = readSafely(result, portCtx, item, { path, groupId: '' }, () => readPort(item, portCtx));
    if (!port) return;
    accounts.add(port.account);
    interfaces.push(port);
  });
  out.interfaces = interfaces;
  if (out.unparseable.length === 0) out.attachmentScopes = scopesOf(ctx, accounts);
  return out;
}

function addressOf(address: string, kind: PublicAddress['kind']): PublicAddress {
  return { address, family: address.includes(':') ? 'ipv6' : 'ipv4', kind };
}

/** The port an EIP is bound to: `port_id` (v1), or the v3 association with a PORT; '' when bound to none. */
function boundPort(raw: Raw): string {
  const portId = optionalText(raw, 'port_id');
  if (portId !== undefined) return portId;
  if (optionalText(raw, 'associate_instance_type') === 'PORT')
    return optionalText(raw, 'associate_instance_id') ?? fail('associate_instance_id is missing for a PORT');
  const vnic = raw.vnic;
  return isRecord(vnic) ? (optionalText(vnic, 'port_id') ?? '') : '';
}

function readEipAddresses(raw: Raw): PublicAddress[] {
  const v4 = optionalText(raw, 'public_ip_address');
  const v6 = optionalText(raw, 'public_ipv6_address');
  const addresses = [v4, v6].filter((a): a is string => a !== undefined).map((a) => addressOf(a, 'eip'));
  return addresses.length > 0 ? addresses : fail('neither public_ip_address nor public_ipv6_address is set');
}

function readFloatingIp(raw: Raw): PublicAddress[] {
  return [addressOf(requiredText(raw, 'floating_ip_address'), 'floating-ip')];
}

/** A listing of public addresses, each joined to the port it is bound to (judged by the binding, not the status). */
function normalizeAddresses(
  key: 'publicips' | 'floatingips',
  read: (raw: Raw) => PublicAddress[],
): (page: unknown, ctx: PageContext) => PageResult {
  return (page, ctx) => {
    const accounts = new Set<string>();
    const out = normalizeList(page, key, ctx, (item, path, result) => {
      const account = accountOf(ctx, item, ACCOUNT_FIELDS);
      const itemCtx = account === ctx.account ? ctx : { ...ctx, account };
      const place = { path, groupId: '' };
      const bound = readSafely(result, itemCtx, item, place, () => {
        const raw = asRecord(item);
        return { portId: boundPort(raw), addresses: read(raw) };
      });
      if (!bound) return;
      accounts.add(itemCtx.account);
      if (bound.portId === '') return;
      for (const address of bound.addresses) {
        (result.publicAddresses ??= []).push({
          provider: ctx.provider,
          account: itemCtx.account,
          region: ctx.region,
          interfaceId: bound.portId,
          address,
        });
      }
    });
    out.publicAddresses ??= [];
    // A page with an EIP it cannot read keeps its scope's ports public-unknown, whatever other pages vouch.
    if (out.unparseable.length === 0) out.publicAddressScopes = scopesOf(ctx, accounts);
    else out.publicAddressGaps = scopesOf(ctx, accounts);
    return out;
  };
}

function isListPage(page: unknown, key: string): boolean {
  return isRecord(page) && Array.isArray(page[key]);
}

export const PORT_PAGE_KINDS = {
  ports: 'vpc:ListPorts',
  publicips: 'vpc:ListPublicips',
  floatingips: 'neutron-v2:floatingips',
} as const;

/** The shapes are Huawei's and OTC's alike (both serve the Neutron and the v1 VPC/EIP paths). */
export const portPageKinds: PageKind[] = [
  {
    name: PORT_PAGE_KINDS.ports,
    providers: ['huawei', 'otc'],
    matches: (page) => isListPage(page, 'ports'),
    normalize: normalizePorts,
  },
  {
    name: PORT_PAGE_KINDS.publicips,
    providers: ['huawei', 'otc'],
    matches: (page) => isListPage(page, 'publicips'),
    normalize: normalizeAddresses('publicips', readEipAddresses),
  },
  {
    name: PORT_PAGE_KINDS.floatingips,
    providers: ['huawei', 'otc'],
    matches: (page) => isListPage(page, 'floatingips'),
    normalize: normalizeAddresses('floatingips', readFloatingIp),
  },
];
