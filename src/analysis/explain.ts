import { intervalToCidrs } from '../model/address.ts';
import { portsLabel, protocolLabel } from '../model/protocol.ts';
import type { Direction, Family } from '../model/types.ts';
import { describePeer, describeRule } from './describe.ts';
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
}

const MAX_BLOCKS = 8;

/** Allowed parts, and parts denied by an explicit rule, in a stable order. Default-deny parts are left out. */
export function explainPolicy(policy: EvaluatedPolicy, direction: Direction = 'ingress'): ExposurePart[] {
  const parts: ExposurePart[] = [];
  const keys = [...policy.regions.keys()].filter((k) => k.startsWith(`${direction}|`)).sort();
  for (const key of keys) {
    for (const region of policy.regions.get(key) ?? []) {
      if (!region.decidedBy) continue;
      const space = policy.spaces.get(region.space);
      if (!space) continue;
      const named = policy.atoms.get(`${direction}|${region.space}`);
      const protocol =
        region.protocol === 'other' ? ((named?.size ?? 1) > 1 ? 'all other protocols' : 'all protocols') : protocolLabel(region.protocol);
      let peers: string[];
      if (space.peer) {
        peers = [describePeer(space.peer)];
      } else {
        const blocks = intervalToCidrs(space.family, region.lo, region.hi);
        peers = blocks.length > MAX_BLOCKS ? [...blocks.slice(0, MAX_BLOCKS), `… ${blocks.length - MAX_BLOCKS} more blocks`] : blocks;
      }
      parts.push({
        direction,
        family: space.family,
        protocol,
        ports: region.protocol === 'other' ? 'all' : portsLabel(region.protocol, region.ports),
        peers,
        publicShare: space.peer ? 0 : publicShare(space.family, publicCount(space.family, region.lo, region.hi)),
        decision: region.decision,
        decidedBy: describeRule(region.decidedBy),
        ruleId: region.decidedBy.native.ruleId,
      });
    }
  }
  return parts;
}
