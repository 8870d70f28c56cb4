import { isRecord } from '../../src/lib/record.ts';
import type { PublicAddress, PublicAddressFragment } from '../../src/model/network-interface.ts';
import { emptyPageResult, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult, Scope } from '../../src/model/page.ts';

// DescribeInstances (`Instances.Instance[]`, as the OpenAPI returns it): an instance's fixed public
// IPs (PublicIpAddress.IpAddress[]) and its EIP (EipAddress.IpAddress) are listed on the instance, not
// on its primary network interface (NetworkInterfaces.NetworkInterface[] whose Type is Primary). Each
// becomes a public address of that interface; every page vouches for its scope
// (`publicAddressScopes`), which clears the primary interfaces' "instance public IPs not read".

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const list = (holder: unknown, key: string): unknown[] =>
  isRecord(holder) && Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];

export function isInstancesPage(
  page: unknown,
): page is { Instances: { Instance: unknown[] } } & Record<string, unknown> {
  return isRecord(page) && isRecord(page.Instances) && Array.isArray(page.Instances.Instance);
}

/** The public addresses of one instance, as its primary interface's. */
function instanceAddresses(item: Record<string, unknown>): PublicAddress[] {
  const addresses: PublicAddress[] = list(item.PublicIpAddress, 'IpAddress')
    .map(text)
    .filter(Boolean)
    .map((address) => ({ address, family: 'ipv4', kind: 'public-ip' }));
  const eip = isRecord(item.EipAddress) ? text(item.EipAddress.IpAddress) : '';
  if (eip) addresses.push({ address: eip, family: 'ipv4', kind: 'eip' });
  return addresses;
}

function describeInstances(page: unknown, ctx: PageContext): PageResult {
  const result: PageResult = { ...emptyPageResult(), publicAddresses: [], publicAddressScopes: [] };
  const body = isInstancesPage(page) ? page : { Instances: { Instance: [] } };
  const scopes = new Map<string, Scope>();
  const scopeOf = (region: string) =>
    scopes.set(region, { provider: 'alibaba', account: ctx.account, region }).get(region) as Scope;
  for (const item of body.Instances.Instance) {
    const region =
      ctx.region || (isRecord(item) ? text(item.RegionId) : '') || text((page as Record<string, unknown>).RegionId);
    const scope = scopeOf(region);
    if (!isRecord(item)) {
      result.unparseable.push(unparseableRecord({ ...ctx, region }, {}, 'instance that is not an object', item));
      continue;
    }
    const addresses = instanceAddresses(item);
    if (addresses.length === 0) continue;
    const primary = list(item.NetworkInterfaces, 'NetworkInterface').find(
      (n) => isRecord(n) && text(n.Type) === 'Primary' && text(n.NetworkInterfaceId) !== '',
    );
    const interfaceId = isRecord(primary) ? text(primary.NetworkInterfaceId) : '';
    if (!interfaceId) {
      // Its public addresses cannot be joined to an interface: said, never dropped.
      result.unparseable.push(
        unparseableRecord(
          { ...ctx, region },
          { ruleId: text(item.InstanceId) },
          `instance ${text(item.InstanceId) || '(no InstanceId)'} has public addresses but lists no primary network interface`,
          item,
        ),
      );
      continue;
    }
    for (const address of addresses)
      result.publicAddresses!.push({ ...scope, interfaceId, address } satisfies PublicAddressFragment);
  }
  if (body.Instances.Instance.length === 0) scopeOf(ctx.region || text((page as Record<string, unknown>).RegionId));
  result.publicAddressScopes = [...scopes.values()].filter((s) => s.region !== '');
  return result;
}

export const alibabaInstancePageKinds: PageKind[] = [
  {
    name: 'alibaba:DescribeInstances',
    providers: ['alibaba'],
    matches: isInstancesPage,
    normalize: describeInstances,
  },
];
