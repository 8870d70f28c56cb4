import type { Action, Direction, PortRange, Protocol, Rule, SecurityGroup } from '../model/types.ts';
import { regionKey, splitRegionKey } from './evaluate.ts';
import type { CompiledRule, EvaluatedPolicy, Packet, ProtocolAtom, Region, Segment } from './evaluate.ts';
import type { InterfacePolicy } from './interface-evaluate.ts';

/** A rule that decides part of its own group's policy, decided the other way on the interface by another group's rule. */
export interface OverriddenRule {
  group: SecurityGroup;
  /** As its group lists it. */
  rule: Rule;
  /** What it decides in its own group, and no longer on the interface. */
  decision: Action;
  overriddenBy: { group: SecurityGroup; rule: Rule; decision: Action };
  /** One part where it happens, and a packet in it (the packet's space names group peers by id). */
  example: { packet: Packet; ports: PortRange; addresses: { lo: bigint; hi: bigint } };
}

/**
 * The rules of each group that decide something in the group alone but are overridden on this
 * interface by another group's rule with the opposite decision: an allow made useless by a deny of
 * a group bound earlier (or at a better priority), a deny that no longer protects because another
 * group allows first (or, where the bind order is unknown, in some order). One entry per pair of
 * rule and overriding rule, with the first part found.
 */
export function overriddenRules(policy: InterfacePolicy): OverriddenRule[] {
  // Where every allow of every group counts, what one group allows the interface allows too, and
  // no rule denies: nothing can be overridden.
  if (policy.groups.length < 2 || policy.semantics === 'union') return [];
  const found: OverriddenRule[] = [];
  const seen = new Map<Rule, Set<Rule>>();
  const owns = policy.parts.map((part) => part.policy);
  const disagreeing = bucketsWithBothActions(owns);
  // forEach and indexed loops: this runs for every set of groups, and iterators allocate.
  for (let o = 0; o < owns.length; o++) {
    const own = owns[o] as EvaluatedPolicy;
    own.atoms.forEach((ownAtoms, bucketKey) => {
      if (!disagreeing.has(bucketKey)) return;
      const [direction, space] = splitRegionKey(`${bucketKey}|x`);
      const atoms = policy.policy.atoms.get(bucketKey) ?? ownAtoms;
      atoms.forEach((atom) => {
        const ownAtom: ProtocolAtom = ownAtoms.has(atom) ? atom : 'other';
        const mine = own.segments.get(regionKey(direction, space, ownAtom)) ?? [];
        const theirs = policy.policy.segments.get(regionKey(direction, space, atom)) ?? [];
        forOverlaps(mine, theirs, (sa, sb, ownRegion, combinedRegion) => {
          const rule = ownRegion.decidedBy;
          const by = combinedRegion.decidedBy;
          if (!rule || !by || ownRegion.decision === combinedRegion.decision) return;
          const origin = policy.origins.get(rule);
          const overriding = policy.origins.get(by);
          if (!origin || !overriding || overriding.group === origin.group) return;
          const pairs = seen.get(rule) ?? new Set<Rule>();
          if (pairs.has(by)) return;
          pairs.add(by);
          seen.set(rule, pairs);
          const protocol = atom === 'other' ? unnamedProtocol(atoms) : atom;
          const ports = { from: Math.max(sa.ports.from, sb.ports.from), to: Math.min(sa.ports.to, sb.ports.to) };
          const lo = ownRegion.lo > combinedRegion.lo ? ownRegion.lo : combinedRegion.lo;
          const hi = ownRegion.hi < combinedRegion.hi ? ownRegion.hi : combinedRegion.hi;
          found.push({
            group: origin.group,
            rule: origin.rule,
            decision: ownRegion.decision,
            overriddenBy: { group: overriding.group, rule: overriding.rule, decision: combinedRegion.decision },
            example: {
              packet: { direction: direction as Direction, space, protocol, port: ports.from, address: lo },
              ports,
              addresses: { lo, hi },
            },
          });
        });
      });
    });
  }
  return found;
}

/**
 * The buckets (direction and peer space) where the groups' rules both allow and deny. Elsewhere
 * every deciding rule, in a group or on the interface, decides the same way, so none is overridden.
 */
function bucketsWithBothActions(policies: readonly EvaluatedPolicy[]): Set<string> {
  const actions = new Map<string, Action>();
  const both = new Set<string>();
  for (let p = 0; p < policies.length; p++) {
    (policies[p] as EvaluatedPolicy).buckets.forEach((bucket, bucketKey) => {
      if (both.has(bucketKey)) return;
      for (let r = 0; r < bucket.rules.length; r++) {
        const rule = (bucket.rules[r] as CompiledRule).rule;
        const action = actions.get(bucketKey);
        if (action === undefined) actions.set(bucketKey, rule.action);
        else if (action !== rule.action) {
          both.add(bucketKey);
          return;
        }
      }
    });
  }
  return both;
}

/**
 * Walks two segment lists over the same ports and addresses, calling back for every part where
 * regions of both meet (the part: the segments' common ports, the regions' common addresses), except
 * where both share one list of regions (the overlay kept a policy's own regions there: every region
 * is decided by the same rule on both sides).
 */
function forOverlaps(
  a: readonly Segment[],
  b: readonly Segment[],
  visit: (segmentA: Segment, segmentB: Segment, fromA: Region, fromB: Region) => void,
): void {
  // Indexed loops: this runs for every region pair of every set, and array iterators allocate.
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const sa = a[i] as Segment;
    while (j < b.length && (b[j] as Segment).ports.to < sa.ports.from) j++;
    for (let k = j; k < b.length && (b[k] as Segment).ports.from <= sa.ports.to; k++) {
      const sb = b[k] as Segment;
      if (sa.regions === sb.regions) continue;
      let m = 0;
      for (let r = 0; r < sa.regions.length; r++) {
        const ra = sa.regions[r] as Region;
        while (m < sb.regions.length && (sb.regions[m] as Region).hi < ra.lo) m++;
        for (let n = m; n < sb.regions.length && (sb.regions[n] as Region).lo <= ra.hi; n++) {
          const rb = sb.regions[n] as Region;
          visit(sa, sb, ra, rb);
        }
      }
    }
  }
}

const NAMED: Protocol[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre'];

/** A protocol no rule of the bucket names, so a packet of it falls in the `other` atom. */
function unnamedProtocol(named: ReadonlySet<ProtocolAtom>): Protocol {
  const name = NAMED.find((p) => !named.has(p));
  if (name) return name;
  let number = 253;
  while (named.has(number)) number--;
  return number;
}
