import { placeKey, samePlace } from './ids.ts';
import type { GroupUse, GroupUseListing, NetworkInterface } from './network-interface.ts';
import { addPublicAddress } from './network-interface.ts';
import type { PageResult } from './page.ts';
import type { Estate } from './types.ts';

/**
 * The interfaces and group uses the pages list, joined into the estate: an interface read twice
 * (two snapshots, two pages) is kept once with the addresses of both; public addresses listed
 * apart (EIPs, floating IPs) join the interface they are bound to; an interface whose cloud lists
 * public addresses apart stays `publicAddressesUnknown` unless that listing was read for its scope.
 * Leaves `interfaces` / `groupUses` absent when no page listed any, so "not read" stays visible.
 */
export function mergeInterfacePages(pages: readonly PageResult[], estate: Estate): void {
  const interfaces = new Map<string, NetworkInterface>();
  // The pages' own interfaces are kept as they are, and copied only where this merge changes one
  // (most are read once, and copying 50,000 of them costs more than the merge itself).
  const copies = new Set<NetworkInterface>();
  const changing = (key: string, item: NetworkInterface): NetworkInterface => {
    if (copies.has(item)) return item;
    const copy = { ...item, groupIds: [...item.groupIds], publicAddresses: [...item.publicAddresses] };
    copies.add(copy);
    interfaces.set(key, copy);
    return copy;
  };
  // A copy without the field rather than `delete`, which turns each of thousands of interfaces into a
  // dictionary-mode object several times its size.
  const knownAddresses = (key: string, item: NetworkInterface, final = false): void => {
    const { publicAddressesUnknown, ...rest } = item;
    if (publicAddressesUnknown === undefined) return;
    // Once nothing more is merged into it, the copy may share the lists.
    const copy = final ? rest : { ...rest, groupIds: [...item.groupIds], publicAddresses: [...item.publicAddresses] };
    copies.add(copy);
    interfaces.set(key, copy);
  };
  let listed = false;
  for (const page of pages) {
    if (page.interfaces === undefined) continue;
    listed = true;
    for (const item of page.interfaces) {
      const key = placeKey(item, item.id);
      const known = interfaces.get(key);
      if (!known) {
        interfaces.set(key, item);
        continue;
      }
      const merged = changing(key, known);
      for (const address of item.publicAddresses) addPublicAddress(merged.publicAddresses, address);
      if (item.publicAddressesUnknown === undefined) knownAddresses(key, merged);
    }
  }
  const covered = new Set(pages.flatMap((page) => (page.publicAddressScopes ?? []).map((s) => placeKey(s, ''))));
  for (const page of pages) for (const gap of page.publicAddressGaps ?? []) covered.delete(placeKey(gap, ''));
  for (const page of pages) {
    for (const fragment of page.publicAddresses ?? []) {
      const key = placeKey(fragment, fragment.interfaceId);
      const target = interfaces.get(key);
      if (target) addPublicAddress(changing(key, target).publicAddresses, fragment.address);
    }
  }
  // Interfaces come scope by scope: whether a scope is covered is looked up once per run of it.
  let last: { item: NetworkInterface; covered: boolean } | undefined;
  interfaces.forEach((item, key) => {
    if (item.publicAddressesUnknown === undefined) return;
    if (!last || !samePlace(last.item, item)) last = { item, covered: covered.has(placeKey(item, '')) };
    if (last.covered) knownAddresses(key, item, true);
  });
  // Sorted by the map's keys, natively (code-unit order, as `<` compares them).
  if (listed) estate.interfaces = [...interfaces.keys()].sort().map((key) => interfaces.get(key) as NetworkInterface);
  const uses = pages.flatMap((page) => page.groupUses ?? []);
  if (uses.length > 0 || pages.some((page) => page.groupUses !== undefined)) {
    const kept = new Map<string, GroupUse>();
    for (const named of uses) {
      for (const use of resolveGroupNames(named, estate)) {
        const key = `${placeKey(use, use.groupId)}\u0000${use.by.kind}\u0000${use.by.id}`;
        const known = kept.get(key);
        // A template any version of which assigns a public address launches public instances.
        if (known) known.assignsPublicAddress ||= use.assignsPublicAddress;
        else kept.set(key, { ...use });
      }
    }
    estate.groupUses = [...kept.values()];
  }
  const listings = new Map<string, GroupUseListing>();
  for (const page of pages)
    for (const listing of page.groupUseListings ?? []) listings.set(listingKey(listing), listing);
  if (listings.size > 0) estate.groupUseListings = [...listings.values()];
}

function listingKey(listing: GroupUseListing): string {
  return `${listing.provider}\u0000${listing.kind}`;
}

/**
 * A use that names its group by name (an AWS launch template's `SecurityGroups`, a launch
 * configuration in a default VPC) as a use of each group of its scope with that name.
 */
function resolveGroupNames(use: GroupUse, estate: Estate): GroupUse[] {
  if (use.provider !== 'aws' || use.groupId.startsWith('sg-')) return [use];
  const named = estate.groups.filter(
    (g) =>
      g.provider === use.provider && g.account === use.account && g.region === use.region && g.name === use.groupId,
  );
  return named.length === 0 ? [use] : named.map((g) => ({ ...use, groupId: g.id }));
}
