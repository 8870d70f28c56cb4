import { isRecord } from '../../src/lib/record.ts';
import type { NetworkInterface, PublicAddress } from '../../src/model/network-interface.ts';
import { addPublicAddress } from '../../src/model/network-interface.ts';
import type { PageContext } from '../../src/model/page.ts';

// One DescribeNetworkInterfaces entry (NetworkInterfaceSets.NetworkInterfaceSet[], as the OpenAPI
// returns it) as the model's interface. Public addresses on the interface itself: the EIP or public
// IP associated with it (AssociatedPublicIp) or with one of its private addresses
// (PrivateIpSets.PrivateIpSet[].AssociatedPublicIp), and its IPv6 addresses (global unicast). The
// fixed public IP of an instance is listed on the instance (DescribeInstances), not on its primary
// interface: until that listing is read for the scope, a primary interface's addresses are unknown.

export const INSTANCE_PUBLIC_IPS_UNREAD = 'the instance public IPs (DescribeInstances) were not read';

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const list = (holder: unknown, key: string): unknown[] =>
  isRecord(holder) && Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];

export function alibabaInterface(
  item: Record<string, unknown>,
  id: string,
  groupIds: string[],
  ctx: PageContext,
): NetworkInterface {
  // Indexed loops and no closures: this runs for every interface of a fleet.
  const publicAddresses: PublicAddress[] = [];
  addAssociation(publicAddresses, item.AssociatedPublicIp);
  const privateIps = list(item.PrivateIpSets, 'PrivateIpSet');
  for (let i = 0; i < privateIps.length; i++) {
    const privateIp = privateIps[i];
    if (isRecord(privateIp)) addAssociation(publicAddresses, privateIp.AssociatedPublicIp);
  }
  const ipv6Addresses = list(item.Ipv6Sets, 'Ipv6Set');
  for (let i = 0; i < ipv6Addresses.length; i++) {
    const v6 = ipv6Addresses[i];
    if (isRecord(v6)) addAddress(publicAddresses, text(v6.Ipv6Address), 'ipv6', 'ipv6');
  }
  const attachment = isRecord(item.Attachment) ? item.Attachment : {};
  const instanceId = text(item.InstanceId) || text(attachment.InstanceId);
  const type = text(item.Type);
  const networkInterface: NetworkInterface = {
    provider: 'alibaba',
    account: ctx.account,
    region: ctx.region,
    vpcId: text(item.VpcId),
    id,
    groupIds,
    groupOrder: 'unknown',
    publicAddresses,
  };
  if (type) networkInterface.type = type;
  if (instanceId) networkInterface.attachedTo = { kind: 'instance', id: instanceId };
  if (type === 'Primary' && instanceId) networkInterface.publicAddressesUnknown = INSTANCE_PUBLIC_IPS_UNREAD;
  return networkInterface;
}

/** An association's IPv4 address: an EIP where it names its allocation, else the instance's public IP. */
function addAssociation(publicAddresses: PublicAddress[], association: unknown): void {
  if (!isRecord(association)) return;
  const kind = text(association.AllocationId) ? 'eip' : 'public-ip';
  addAddress(publicAddresses, text(association.PublicIpAddress), 'ipv4', kind);
}

function addAddress(
  publicAddresses: PublicAddress[],
  address: string,
  family: PublicAddress['family'],
  kind: PublicAddress['kind'],
): void {
  if (address) addPublicAddress(publicAddresses, { address, family, kind });
}
