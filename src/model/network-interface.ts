import type { Provider } from './types.ts';

/**
 * A network interface (AWS ENI, Alibaba ENI, Huawei/OTC port) and the groups bound to it: the unit
 * that decides traffic. A packet meets every group on the interface at once, combined by the
 * provider's rule (the capability table's `multiGroup`), and only an interface with a public address
 * can be reached from the Internet at all.
 */
export interface NetworkInterface {
  provider: Provider;
  account: string;
  region: string;
  vpcId: string;
  id: string;
  /** The groups bound to it, in the order the provider lists them. */
  groupIds: string[];
  /**
   * Whether `groupIds` is the bind order that decides traffic: `bind` where the provider documents
   * the listing as that order, `unknown` where it does not (every order is then evaluated).
   */
  groupOrder: 'bind' | 'unknown';
  /** Public addresses associated with it (judged by the association, never by the address range). */
  publicAddresses: PublicAddress[];
  /**
   * Why its public addresses may be incomplete: set by a normalizer whose cloud lists public
   * addresses apart from the interface (Huawei EIPs, OTC floating IPs), and cleared by `mergePages`
   * once that listing was read in full for the interface's scope. Such an interface counts as public.
   */
  publicAddressesUnknown?: string;
  /** What it is attached to, where known. */
  attachedTo?: InterfaceAttachment;
  /** The provider's interface type or device owner, as evidence (`interface`, `network:router_interface` …). */
  type?: string;
  /**
   * Whether its groups filter its traffic: `disabled` for a Huawei/OTC port with port security
   * disabled (`port_security_enabled: false`), whose groups, even where the API still lists some, do
   * not take effect: all traffic is allowed both ways. Absent means `groups`.
   */
  filtering?: 'groups' | 'disabled';
}

export interface PublicAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** How it is associated: an auto-assigned public IP, an EIP / floating IP, or a global IPv6 address. */
  kind: 'public-ip' | 'eip' | 'floating-ip' | 'ipv6';
}

export interface InterfaceAttachment {
  kind: 'instance' | 'load-balancer' | 'lambda' | 'endpoint' | 'nat-gateway' | 'other';
  id: string;
}

/**
 * Something that names a group without an interface carrying it yet: a launch template or launch
 * configuration (its instances will carry the group), so the group is in use and must not be deleted.
 */
export interface GroupUse {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  by: { kind: GroupUseKind; id: string; name?: string };
  /** Whether what it launches gets a public address (such a template makes its instances public). */
  assignsPublicAddress: boolean;
}

export type GroupUseKind =
  'launch-template' | 'launch-configuration' | 'scaling-configuration' | 'eci-scaling-configuration';

/** A listing of one kind of group use that was read (found none or some): "read, none" is not "not read". */
export interface GroupUseListing {
  provider: Provider;
  kind: GroupUseKind;
}

/**
 * An interface is reachable from the Internet when any public address is associated with it, or
 * when its public addresses could not be read (never judged private on what was not read).
 */
export function isPublicInterface(
  networkInterface: Pick<NetworkInterface, 'publicAddresses' | 'publicAddressesUnknown'>,
): boolean {
  return networkInterface.publicAddresses.length > 0 || networkInterface.publicAddressesUnknown !== undefined;
}

/**
 * The group set interface findings on ports with port security disabled name: the port setting, not
 * a group (the groups such a port lists decide nothing).
 */
export const UNFILTERED_SET = { groupId: 'port-security-disabled', groupName: 'port security disabled' } as const;

/** The clouds whose ports can have port security disabled (Huawei VPC and OTC Neutron ports). */
export const PORT_SECURITY_PROVIDERS: ReadonlySet<Provider> = new Set(['huawei', 'otc']);

/** Whether its groups decide its traffic (false for a port with port security disabled). */
export function filtersByGroups(networkInterface: Pick<NetworkInterface, 'filtering'>): boolean {
  return networkInterface.filtering !== 'disabled';
}

/** Adds a public address to a list unless the list has it already (the same address read twice). */
export function addPublicAddress(list: PublicAddress[], address: PublicAddress): void {
  if (!list.some((a) => a.address === address.address)) list.push(address);
}

/** A public address read apart from its interface (an EIP or floating IP listing names the port it is bound to). */
export interface PublicAddressFragment {
  provider: Provider;
  account: string;
  region: string;
  interfaceId: string;
  address: PublicAddress;
}

/** The key of a set of groups on an interface: which groups, and in which order where the order decides. */
export function groupSetKey(
  networkInterface: Pick<NetworkInterface, 'groupIds' | 'groupOrder'>,
  ordered: boolean,
): string {
  const ids =
    ordered && networkInterface.groupOrder === 'bind'
      ? networkInterface.groupIds
      : [...networkInterface.groupIds].sort();
  return ids.join(',');
}
