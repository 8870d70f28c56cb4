import { placeKey, scopeRuns } from './ids.ts';
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
  // Per scope, by id: no key is made per interface.
  const scopes = scopeRuns(() => new Map<string, NetworkInterface>());
  // The pages' own interfaces are kept as they are, and copied only where this merge changes one
  // (most are read once, and copying 50,000 of them costs more than the merge itself).
  const copies = new Set<NetworkInterface>();
  const changing = (inScope: Map<string, NetworkInterface>, item: NetworkInterface): NetworkInterface => {
    if (copies.has(item)) return item;
    const copy = { ...item, groupIds: [...item.groupIds], publicAddresses: [...item.publicAddresses] };
    copies.add(copy);
    inScope.set(item.id, copy);
    return copy;
  };
  // A copy without the field rather than `delete`, which turns each of thousands of interfaces into a
  // dictionary-mode object several times its size.
  const knownAddresses = (inScope: Map<string, NetworkInterface>, item: NetworkInterface, final = false): void => {
    const { publicAddressesUnknown, ...rest } = item;
    if (publicAddressesUnknown === undefined) return;
    // Once nothing more is merged into it, the copy may share the lists.
    const copy = final ? rest : { ...rest, groupIds: [...item.groupIds], publicAddresses: [...item.publicAddresses] };
    copies.add(copy);
    inScope.set(item.id, copy);
  };
  let listed = false;
  for (const page of pages) {
    if (page.interfaces === undefined) continue;
    listed = true;
    for (const item of page.interfaces) {
      const inScope = scopes.at(item);
      const known = inScope.get(item.id);
      if (!known) {
        inScope.set(item.id, item);
        continue;
      }
      const merged = changing(inScope, known);
      for (const address of item.publicAddresses) addPublicAddress(merged.publicAddresses, address);
      if (item.publicAddressesUnknown === undefined) knownAddresses(inScope, merged);
    }
  }
  const covered = new Set(pages.flatMap((page) => (page.publicAddressScopes ?? []).map((s) => placeKey(s, ''))));
  for (const page of pages) for (const gap of page.publicAddressGaps ?? []) covered.delete(placeKey(gap, ''));
  for (const page of pages) {
    for (const fragment of page.publicAddresses ?? []) {
      const inScope = scopes.find(fragment);
      const target = inScope?.get(fragment.interfaceId);
      if (inScope && target) addPublicAddress(changing(inScope, target).publicAddresses, fragment.address);
    }
  }
  scopes.byKey.forEach((inScope, key) => {
    if (!covered.has(key)) return;
    inScope.forEach((item) => knownAddresses(inScope, item, true));
  });
  // In key order (scope, then id: a scope's key ends in the separator, so this is the order of
  // their place keys), sorted natively (code-unit order, as `<` compares them).
  if (listed) {
    const list: NetworkInterface[] = [];
    for (const key of [...scopes.byKey.keys()].sort()) {
      const inScope = scopes.byKey.get(key) as Map<string, NetworkInterface>;
      for (const id of [...inScope.keys()].sort()) list.push(inScope.get(id) as NetworkInterface);
    }
    estate.interfaces = list;
  }
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
