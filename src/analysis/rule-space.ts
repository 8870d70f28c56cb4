import { familyMax, parseCidr } from '../model/address.ts';
import { ALL_PORTS, mergeRanges } from '../model/protocol.ts';
import type { AddressSet, Family, Peer, PortRange, PortSet, Rule, SecurityGroup } from '../model/types.ts';
import type { Interval } from './public-space.ts';

// What a rule matches once the sets it names are looked up: its addresses (a CIDR, the entries of
// a prefix list or address group) and its ports (its own, or an Alibaba port list's). A set whose
// entries are unknown is the worst case: in an allow it matches the whole family (or every port),
// in a deny nothing, so an unknown set can only make findings appear.

export interface SpaceInfo {
  key: string;
  family: Family;
  /** undefined for the CIDR spaces `ipv4` and `ipv6`. */
  peer: Peer | undefined;
  max: bigint;
}

export const CIDR_SPACES: Record<Family, SpaceInfo> = {
  ipv4: { key: 'ipv4', family: 'ipv4', peer: undefined, max: familyMax('ipv4') },
  ipv6: { key: 'ipv6', family: 'ipv6', peer: undefined, max: familyMax('ipv6') },
};

export interface RuleSpace {
  space: SpaceInfo;
  /** Disjoint, sorted; empty when the rule matches no address (an empty set, an unknown one in a deny). */
  intervals: Interval[];
  ports: PortRange[];
  /** The address set behind the peer, where one was read. */
  set?: AddressSet;
  /** Why what the rule matches is unknown (the set's or port list's entries were not read); evaluated as the worst case. */
  unresolved?: string;
}

export function peerKey(peer: Peer): string {
  switch (peer.kind) {
    case 'cidr':
      return 'cidr';
    case 'group':
      return peer.self ? 'group:self' : `group:${peer.account ? `${peer.account}/` : ''}${peer.groupId}`;
    case 'prefix-list':
      return `prefix-list:${peer.id}`;
    case 'address-group':
      return `address-group:${peer.id}`;
  }
}

/** The set a rule's peer names, as attached to its group (undefined: not read). */
export function addressSetOf(group: Pick<SecurityGroup, 'addressSets'>, peer: Peer): AddressSet | undefined {
  if (peer.kind !== 'prefix-list' && peer.kind !== 'address-group') return undefined;
  return group.addressSets?.find((s) => s.id === peer.id);
}

function portSetOf(group: Pick<SecurityGroup, 'portSets'>, id: string): PortSet | undefined {
  return group.portSets?.find((s) => s.id === id);
}

const setIntervals = new WeakMap<AddressSet, Interval[]>();

/** A set's entries of its declared family as disjoint intervals (adjacent and overlapping entries joined). */
function intervalsOf(set: AddressSet): Interval[] {
  let known = setIntervals.get(set);
  if (!known) {
    const blocks = (set.entries ?? [])
      .map((e) => parseCidr(e))
      .filter((b) => b !== undefined && b.family === set.family);
    const sorted = blocks
      .map((b) => ({ lo: b!.lo, hi: b!.hi }))
      .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    known = [];
    for (const block of sorted) {
      const last = known[known.length - 1];
      if (last && block.lo <= last.hi + 1n) last.hi = block.hi > last.hi ? block.hi : last.hi;
      else known.push({ ...block });
    }
    setIntervals.set(set, known);
  }
  return known;
}

export function unresolvedSetReason(set: AddressSet | undefined, peer: Peer): string | undefined {
  if (set?.entries !== undefined) return undefined;
  const name = peer.kind === 'prefix-list' ? 'prefix list' : 'address group';
  const why = (set?.unresolved ?? 'its entries were not read').replace(/\.$/, '');
  return `${name} ${set?.name && set.name !== set.id ? `${set.id} (${set.name})` : (peer as { id: string }).id}: ${why}`;
}

/** A rule's ports: its own, or its port list's (an unread list: every port in an allow, none in a deny). */
export function portsOf(
  rule: Rule,
  group: Pick<SecurityGroup, 'portSets'>,
): { ports: PortRange[]; unresolved?: string } {
  if (!rule.portList) return { ports: rule.ports };
  const set = portSetOf(group, rule.portList.id);
  if (set?.ports !== undefined) return { ports: mergeRanges(set.ports) };
  const unresolved = `port list ${rule.portList.id}: ${set?.unresolved ?? 'its entries were not read'}`;
  return { ports: rule.action === 'allow' ? [ALL_PORTS] : [], unresolved };
}

/**
 * Where a rule's addresses live and which they are. A CIDR peer and a set peer share the CIDR
 * space of their family (the set's declared family); a group reference has a symbolic space of
 * one point, since the addresses behind it are not known here and never count as Internet.
 * undefined for a CIDR that does not parse.
 */
export function ruleSpace(rule: Rule, group: Pick<SecurityGroup, 'addressSets' | 'portSets'>): RuleSpace | undefined {
  const { ports, unresolved: portsUnresolved } = portsOf(rule, group);
  const peer = rule.peer;
  if (peer.kind === 'cidr') {
    const block = parseCidr(peer.cidr);
    if (!block) return undefined;
    return withReason(
      { space: CIDR_SPACES[block.family], intervals: [{ lo: block.lo, hi: block.hi }], ports },
      portsUnresolved,
    );
  }
  if (peer.kind === 'group') {
    const space = { key: `${rule.family}|${peerKey(peer)}`, family: rule.family, peer, max: 0n };
    return withReason({ space, intervals: [{ lo: 0n, hi: 0n }], ports }, portsUnresolved);
  }
  const set = addressSetOf(group, peer);
  const family = set?.family ?? rule.family;
  const space = CIDR_SPACES[family];
  const reason = unresolvedSetReason(set, peer);
  const base = set ? { space, set } : { space };
  if (reason === undefined)
    return withReason({ ...base, intervals: intervalsOf(set as AddressSet), ports }, portsUnresolved);
  const intervals = rule.action === 'allow' ? [{ lo: 0n, hi: space.max }] : [];
  return withReason({ ...base, intervals, ports }, [reason, portsUnresolved].filter((r) => r !== undefined).join('; '));
}

function withReason(space: RuleSpace, unresolved: string | undefined): RuleSpace {
  return unresolved ? { ...space, unresolved } : space;
}
