import { parseCidr } from '../../src/model/address.ts';
import { peerKey } from '../../src/analysis/evaluate.ts';
import type { Packet } from '../../src/analysis/evaluate.ts';
import type { Rule } from '../../src/model/types.ts';

/**
 * The decision for one packet by brute force, straight from the documented semantics:
 * of the rules that match, the smallest priority wins; at equal priority deny wins;
 * nothing matches → deny. Shares no code with the evaluator's region algorithm.
 */
export function referenceDecision(rules: readonly Rule[], packet: Packet): 'allow' | 'deny' {
  let best: Rule | undefined;
  for (const rule of rules) {
    if (!rule.enabled || rule.direction !== packet.direction) continue;
    if (rule.protocol !== 'all' && rule.protocol !== packet.protocol) continue;
    if (!rule.ports.some((r) => r.from <= packet.port && packet.port <= r.to)) continue;
    if (rule.peer.kind === 'cidr') {
      const block = parseCidr(rule.peer.cidr);
      if (!block || block.family !== packet.space) continue;
      if (packet.address < block.lo || packet.address > block.hi) continue;
    } else if (packet.space !== `${rule.family}|${peerKey(rule.peer)}`) {
      continue;
    }
    if (!best || rule.priority < best.priority || (rule.priority === best.priority && rule.action === 'deny')) best = rule;
  }
  return best?.action ?? 'deny';
}
