import { atomFor, regionKey } from '../../analysis/evaluate.ts';
import type { EvaluatedPolicy, ProtocolAtom, Region, Segment } from '../../analysis/evaluate.ts';
import { ruleSpace } from '../../analysis/rule-space.ts';
import { isImplicit } from '../../analysis/semantics.ts';
import { MAX_PORT } from '../../model/protocol.ts';
import type { Direction, Family, PortRange, Rule } from '../../model/types.ts';
import type { NewRule } from '../../model/change.ts';
import { plannedRule } from './planned.ts';

// Questions planners ask the evaluated policy of the group as it is.

/** The segments of a region key, or one all-deny segment where no rule reaches that space and protocol. */
export function segmentsOf(
  policy: EvaluatedPolicy,
  direction: Direction,
  space: string,
  atom: ProtocolAtom,
  max: bigint,
): Segment[] {
  const own: ProtocolAtom = atom === 'other' ? 'other' : atomFor(policy, direction, space, atom);
  return (
    policy.segments.get(regionKey(direction, space, own)) ?? [
      { ports: { from: 0, to: MAX_PORT }, regions: [{ lo: 0n, hi: max, decision: 'deny', decidedBy: undefined }] },
    ]
  );
}

/** What a rule matches, as protocols to look up: its own, or every atom of its space for an all-protocol rule. */
function atomsOf(policy: EvaluatedPolicy, rule: Rule, space: string): ProtocolAtom[] {
  if (rule.protocol !== 'all') return [rule.protocol];
  return [...(policy.atoms.get(`${rule.direction}|${space}`) ?? new Set<ProtocolAtom>(['other']))];
}

/** Calls `visit` for every region of the policy the rule's traffic falls in (its space, protocols, ports and addresses). */
function forEachRegionOf(
  policy: EvaluatedPolicy,
  rule: Rule,
  visit: (region: Region, ports: PortRange, atom: ProtocolAtom) => void,
): void {
  // Its addresses and ports with the sets it names looked up, as the evaluator places it.
  const placed = ruleSpace(rule, policy.group);
  if (!placed) return;
  const { space, intervals, ports } = placed;
  for (const atom of atomsOf(policy, rule, space.key)) {
    for (const segment of segmentsOf(policy, rule.direction, space.key, atom, space.max)) {
      for (const p of ports) {
        const from = Math.max(p.from, segment.ports.from);
        const to = Math.min(p.to, segment.ports.to);
        if (from > to) continue;
        for (const region of segment.regions)
          if (intervals.some((i) => region.lo <= i.hi && i.lo <= region.hi)) visit(region, { from, to }, atom);
      }
    }
  }
}

/** The listed rules that decide the traffic a rule matches (implicit provider rules and the default deny left out). */
export function decidersOf(policy: EvaluatedPolicy, rule: Rule): Rule[] {
  const out = new Set<Rule>();
  forEachRegionOf(policy, rule, (region) => {
    if (region.decidedBy && !isImplicit(region.decidedBy)) out.add(region.decidedBy);
  });
  return [...out];
}

/**
 * Whether every address of a CIDR space is allowed for a protocol over a port range. `other` (the
 * protocols some other space does not name) asks about every protocol of the CIDR space.
 */
export function wholeLineAllowed(
  policy: EvaluatedPolicy,
  direction: Direction,
  family: Family,
  atom: ProtocolAtom,
  ports: PortRange,
): boolean {
  const space = policy.spaces.get(family);
  if (!space) return false;
  if (atom === 'other') {
    const atoms = policy.atoms.get(`${direction}|${family}`) ?? new Set<ProtocolAtom>(['other']);
    return [...atoms].every((a) => wholeLineAllowedAt(policy, direction, family, a, ports, space.max));
  }
  return wholeLineAllowedAt(policy, direction, family, atom, ports, space.max);
}

function wholeLineAllowedAt(
  policy: EvaluatedPolicy,
  direction: Direction,
  family: Family,
  atom: ProtocolAtom,
  ports: PortRange,
  max: bigint,
): boolean {
  for (const segment of segmentsOf(policy, direction, family, atom, max)) {
    if (segment.ports.to < ports.from || segment.ports.from > ports.to) continue;
    if (!segment.regions.every((r) => r.decision === 'allow')) return false;
  }
  return true;
}

/**
 * Whether adding the rule to the policy would let through traffic that is not allowed today. A region
 * stays closed when a deny that outranks the new rule decides it. A group peer has addresses the
 * evaluator does not know: its traffic was allowed if its own space allowed it or if every address of
 * its family was allowed (then its members were, whoever they are). A prefix list or address group
 * counts as the addresses it holds.
 */
export function wouldWiden(policy: EvaluatedPolicy, added: NewRule): boolean {
  const rule = plannedRule(added, 0);
  if (rule.action !== 'allow' || !rule.enabled) return false;
  let widens = false;
  forEachRegionOf(policy, rule, (region, ports, atom) => {
    if (widens || region.decision === 'allow') return;
    const decider = region.decidedBy;
    if (decider && decider.action === 'deny' && decider.priority <= rule.priority) return;
    if (rule.peer.kind === 'group' && wholeLineAllowed(policy, rule.direction, rule.family, atom, ports)) return;
    widens = true;
  });
  return widens;
}
