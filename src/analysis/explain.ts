import { intervalToCidrs, parseCidr } from '../model/address.ts';
import { portsLabel, protocolLabel } from '../model/protocol.ts';
import type { Direction, Family, Protocol, Rule } from '../model/types.ts';
import { describePeer, describeRule } from './describe.ts';
import { splitRegionKey } from './evaluate.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import { publicCount, publicShare } from './public-space.ts';

/** One part of a group's effective policy: what is allowed (or explicitly denied), from where, and which rule decides it. */
export interface ExposurePart {
  direction: Direction;
  family: Family;
  protocol: string;
  ports: string;
  /** CIDR blocks of the part, or the symbolic peer (a group, prefix list or address group). */
  peers: string[];
  /** Share of the public address space of the family, 0..1 (0 for symbolic peers). */
  publicShare: number;
  decision: 'allow' | 'deny';
  decidedBy: string;
  ruleId: string;
  /** The deciding rule's group, where the policy combines several groups (an interface's). */
  group?: { id: string; name: string };
}

/** Where a rule of a combined policy comes from: its group, and the rule as the group lists it. */
export type OriginOf = (rule: Rule) => { group: { id: string; name: string }; rule: Rule } | undefined;

const MAX_BLOCKS = 8;

function listBlocks(blocks: string[]): string[] {
  return blocks.length > MAX_BLOCKS
    ? [...blocks.slice(0, MAX_BLOCKS), `… ${blocks.length - MAX_BLOCKS} more blocks`]
    : blocks;
}

/**
 * The sources of the parts one rule decides, said the way a person reads them: the rule's own
 * CIDR, minus the holes other rules cut into it (`0.0.0.0/0 except 185.220.101.0/24`).
 */
function describeSources(family: Family, intervals: readonly [bigint, bigint][], rule: Rule): string[] {
  const block = rule.peer.kind === 'cidr' ? parseCidr(rule.peer.cidr) : undefined;
  const covered = intervals.flatMap(([lo, hi]) => intervalToCidrs(family, lo, hi));
  if (rule.peer.kind === 'prefix-list' || rule.peer.kind === 'address-group')
    return [`${describePeer(rule.peer)}: ${listBlocks(covered).join(', ')}`];
  if (!block) return listBlocks(covered);
  const holes: string[] = [];
  let cursor = block.lo;
  for (const [lo, hi] of intervals) {
    if (lo > cursor) holes.push(...intervalToCidrs(family, cursor, lo - 1n));
    cursor = hi + 1n;
  }
  if (cursor <= block.hi) holes.push(...intervalToCidrs(family, cursor, block.hi));
  if (holes.length === 0) return [rule.peer.kind === 'cidr' ? rule.peer.cidr : covered.join(', ')];
  if (holes.length <= MAX_BLOCKS && holes.length < covered.length)
    return [`${rule.peer.kind === 'cidr' ? rule.peer.cidr : ''} except ${holes.join(', ')}`];
  return listBlocks(covered);
}

/** Allowed parts, and parts denied by an explicit rule, in a stable order. Default-deny parts are left out. */
export function explainPolicy(
  policy: EvaluatedPolicy,
  direction: Direction = 'ingress',
  originOf?: OriginOf,
): ExposurePart[] {
  const parts: ExposurePart[] = [];
  const keys = [...policy.segments.keys()].filter((k) => k.startsWith(`${direction}|`)).sort();
  for (const key of keys) {
    const [, spaceKey, atomText] = splitRegionKey(key);
    const space = policy.spaces.get(spaceKey);
    if (!space) continue;
    const atom = (policy.atoms.get(`${direction}|${spaceKey}`) ?? new Set()).has(Number(atomText))
      ? Number(atomText)
      : atomText;
    // One part per (ports, deciding rule): the address intervals it decides, in order.
    for (const segment of policy.segments.get(key) ?? []) {
      const grouped = new Map<Rule, [bigint, bigint][]>();
      for (const region of segment.regions) {
        if (!region.decidedBy) continue;
        const intervals = grouped.get(region.decidedBy) ?? [];
        intervals.push([region.lo, region.hi]);
        grouped.set(region.decidedBy, intervals);
      }
      for (const [rule, intervals] of grouped) {
        const named = policy.atoms.get(`${direction}|${spaceKey}`);
        const protocol =
          atom === 'other'
            ? (named?.size ?? 1) > 1
              ? 'all other protocols'
              : 'all protocols'
            : protocolLabel(atom as Protocol);
        const count = space.peer
          ? 0n
          : intervals.reduce((sum, [lo, hi]) => sum + publicCount(space.family, lo, hi), 0n);
        const origin = originOf?.(rule);
        parts.push({
          direction,
          family: space.family,
          protocol,
          ports: atom === 'other' ? 'all' : portsLabel(atom as Protocol, segment.ports),
          peers: space.peer ? [describePeer(space.peer)] : describeSources(space.family, intervals, rule),
          publicShare: publicShare(space.family, count),
          decision: rule.action,
          decidedBy: describeRule(origin?.rule ?? rule),
          ruleId: rule.native.ruleId,
          ...(origin ? { group: { id: origin.group.id, name: origin.group.name } } : {}),
        });
      }
    }
  }
  return parts;
}
