import type { AddressSet, Estate, PortSet, Provider, Rule, SecurityGroup } from './types.ts';

// Address and port sets (prefix lists, address groups, Alibaba port lists) join the groups whose
// rules name them: one place decides which set a rule's peer means, for every later evaluation.

interface SetIdentity {
  provider: Provider;
  account: string;
  region: string;
  id: string;
}

function setKey(set: SetIdentity): string {
  return `${set.provider}\u0000${set.account}\u0000${set.region}\u0000${set.id}`;
}

/**
 * The reason an entries page gives for an empty answer about a list no page describes: EC2
 * emulators answer an unknown id with no entries, so an empty answer means an empty list only
 * together with the list's description.
 */
export const EMPTY_UNCONFIRMED =
  "the entries call gave no entries, and no list of that id was described (not found, or another account's list not shared with this one)";

/** One set per provider/account/region/id, in a deterministic order; a read (resolved) one wins over an unresolved one. */
export function mergeSets<T extends SetIdentity>(sets: readonly T[], resolved: (set: T) => boolean): T[] {
  const byKey = new Map<string, T>();
  for (const set of sets) {
    const key = setKey(set);
    const known = byKey.get(key);
    if (!known || (!resolved(known) && resolved(set))) byKey.set(key, set);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, set]) => set);
}

/**
 * Address sets read in parts (a list's description on one page, its entries on another) joined
 * into one per provider/account/region/id: the entries from the page that read them, the name,
 * version and owner from the one that describes the list. Without entries it stays unresolved,
 * with every reason given.
 */
export function mergeAddressSets(sets: readonly AddressSet[]): AddressSet[] {
  const byKey = new Map<string, AddressSet[]>();
  for (const set of sets) byKey.set(setKey(set), [...(byKey.get(setKey(set)) ?? []), set]);
  return mergeSets([...byKey.values()].map(joinParts), (s) => s.entries !== undefined);
}

function joinParts(parts: readonly AddressSet[]): AddressSet {
  const described = parts.find((p) => p.name !== '') ?? (parts[0] as AddressSet);
  const joined: AddressSet = { ...described, providerManaged: parts.some((p) => p.providerManaged) };
  for (const part of parts)
    if (joined.version === undefined && part.version !== undefined) joined.version = part.version;
  const read =
    parts.find((p) => p.entries !== undefined && p.entries.length > 0) ?? parts.find((p) => p.entries !== undefined);
  const confirmedEmpty = described.name !== '' && parts.some((p) => p.unresolved === EMPTY_UNCONFIRMED);
  if (read || confirmedEmpty) {
    delete joined.unresolved;
    joined.entries = read?.entries ?? [];
    if (read && read.entries && read.entries.length > 0) joined.family = read.family;
    return joined;
  }
  // Why the entries failed says more than that the description came without them.
  const failed = parts.filter((p) => p !== described || parts.length === 1);
  const reasons = [...new Set(failed.map((p) => p.unresolved).filter((r) => r !== undefined))];
  joined.unresolved = reasons.join('; ') || 'its entries were not read';
  return joined;
}

/**
 * The set a group's rule names: the one read in the group's own account, else (a snapshot page
 * that did not know the account, or a list shared from another account) the one read with that
 * id in the same provider and region. Set ids are unique per provider and region.
 */
function findSet<T extends SetIdentity>(
  sets: readonly T[],
  group: SecurityGroup,
  id: string,
  resolved: (set: T) => boolean,
): T | undefined {
  const candidates = sets.filter((s) => s.id === id && s.provider === group.provider && s.region === group.region);
  return (
    candidates.find((s) => s.account === group.account && resolved(s)) ??
    candidates.find((s) => resolved(s)) ??
    candidates.find((s) => s.account === group.account) ??
    candidates[0]
  );
}

export function namedAddressSet(rule: Rule): string | undefined {
  return rule.peer.kind === 'prefix-list' || rule.peer.kind === 'address-group' ? rule.peer.id : undefined;
}

/**
 * Gives each group the sets its rules name, and each rule naming an address set the family the
 * set declares (the rule pages alone cannot know it: an AWS prefix list may be IPv6).
 */
export function attachSets(estate: Estate): void {
  const addressSets = estate.addressSets ?? [];
  const portSets = estate.portSets ?? [];
  if (addressSets.length === 0 && portSets.length === 0) return;
  for (const group of estate.groups) {
    const address = new Map<string, AddressSet>();
    const ports = new Map<string, PortSet>();
    group.rules = group.rules.map((rule) => {
      const setId = namedAddressSet(rule);
      const set = setId === undefined ? undefined : findSet(addressSets, group, setId, (s) => s.entries !== undefined);
      if (set) address.set(set.id, set);
      const portSet = rule.portList && findSet(portSets, group, rule.portList.id, (s) => s.ports !== undefined);
      if (portSet) ports.set(portSet.id, portSet);
      return set && set.family !== rule.family ? { ...rule, family: set.family } : rule;
    });
    if (address.size > 0) group.addressSets = [...address.values()];
    if (ports.size > 0) group.portSets = [...ports.values()];
  }
}
