import { familyMax, parseCidr } from '../model/address.ts';
import { MAX_PORT } from '../model/protocol.ts';
import type { Direction, Family, Peer, PortRange, Protocol, Rule, SecurityGroup } from '../model/types.ts';
import { appliedRules } from './semantics.ts';

/**
 * The effective policy of one group: the whole (direction, peer space, protocol, port,
 * address) space cut into regions, each with its decision and the rule that decides it.
 *
 * Decision for a packet (DESIGN.md): among the applied rules that match it, the smallest
 * priority number wins; at equal priority deny wins; no match is the default deny.
 *
 * Peer spaces: `ipv4` and `ipv6` hold CIDR rules over the address line. A rule whose peer
 * is a group, prefix list or address group has its own symbolic space with a single point,
 * since the addresses behind it are not known here; those spaces never count as Internet.
 */

/** A protocol that some rule names, or `other`: every protocol no rule names (only `all` rules reach it). */
export type ProtocolAtom = Protocol | 'other';

export interface Region {
  direction: Direction;
  space: string;
  protocol: ProtocolAtom;
  ports: PortRange;
  lo: bigint;
  hi: bigint;
  decision: 'allow' | 'deny';
  /** The deciding rule; undefined where no rule matches (default deny). */
  decidedBy: Rule | undefined;
}

export interface SpaceInfo {
  key: string;
  family: Family;
  /** undefined for the CIDR spaces `ipv4` and `ipv6`. */
  peer: Peer | undefined;
  max: bigint;
}

export interface EvaluatedPolicy {
  group: SecurityGroup;
  rules: Rule[];
  spaces: Map<string, SpaceInfo>;
  /** Regions by `${direction}|${space}|${atom}`, sorted by port then address. */
  regions: Map<string, Region[]>;
  /** Atoms present per `${direction}|${space}`. */
  atoms: Map<string, Set<ProtocolAtom>>;
  /** Rules whose removal alone changes at least one decision. */
  effective: Set<Rule>;
}

interface CompiledRule {
  rule: Rule;
  index: number;
  lo: bigint;
  hi: bigint;
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

export function spaceOf(rule: Rule): SpaceInfo | undefined {
  if (rule.peer.kind === 'cidr') {
    const block = parseCidr(rule.peer.cidr);
    if (!block) return undefined;
    return { key: block.family, family: block.family, peer: undefined, max: familyMax(block.family) };
  }
  return { key: `${rule.family}|${peerKey(rule.peer)}`, family: rule.family, peer: rule.peer, max: 0n };
}

export function regionKey(direction: Direction, space: string, atom: ProtocolAtom): string {
  return `${direction}|${space}|${String(atom)}`;
}

function compile(rule: Rule, index: number): { space: SpaceInfo; compiled: CompiledRule } | undefined {
  const space = spaceOf(rule);
  if (!space) return undefined;
  if (rule.peer.kind === 'cidr') {
    const block = parseCidr(rule.peer.cidr);
    if (!block) return undefined;
    return { space, compiled: { rule, index, lo: block.lo, hi: block.hi } };
  }
  return { space, compiled: { rule, index, lo: 0n, hi: 0n } };
}

/** Decision of a set of matching rules, and the canonical decider (first listed among the winners). */
function decide(rules: readonly CompiledRule[], skip?: CompiledRule): { decision: 'allow' | 'deny'; decider: CompiledRule | undefined } {
  let best: CompiledRule | undefined;
  for (const candidate of rules) {
    if (candidate === skip) continue;
    if (!best || outranks(candidate, best)) best = candidate;
  }
  return { decision: best ? best.rule.action : 'deny', decider: best };
}

function outranks(a: CompiledRule, b: CompiledRule): boolean {
  if (a.rule.priority !== b.rule.priority) return a.rule.priority < b.rule.priority;
  if (a.rule.action !== b.rule.action) return a.rule.action === 'deny';
  return a.index < b.index;
}

function boundaries(values: Iterable<number>, max: number): number[] {
  return [...new Set([0, ...values])].filter((v) => v <= max).sort((a, b) => a - b);
}

function evaluateAtom(
  direction: Direction,
  space: SpaceInfo,
  atom: ProtocolAtom,
  rules: readonly CompiledRule[],
  effective: Set<Rule>,
): Region[] {
  const portCuts = boundaries(
    rules.flatMap((c) => c.rule.ports.flatMap((p) => [p.from, p.to + 1])),
    MAX_PORT,
  );
  const segments: { ports: PortRange; regions: Region[] }[] = [];
  for (let i = 0; i < portCuts.length; i++) {
    const from = portCuts[i] as number;
    const to = i + 1 < portCuts.length ? (portCuts[i + 1] as number) - 1 : MAX_PORT;
    const covering = rules.filter((c) => c.rule.ports.some((p) => p.from <= from && from <= p.to));
    const ports = { from, to };
    const regions = evaluateAddresses(direction, space, atom, ports, covering, effective);
    const previous = segments[segments.length - 1];
    // Regions of a segment share its ports object, so widening it widens them all.
    if (previous && sameRegions(previous.regions, regions)) previous.ports.to = to;
    else segments.push({ ports, regions });
  }
  return segments.flatMap((s) => s.regions);
}

function evaluateAddresses(
  direction: Direction,
  space: SpaceInfo,
  atom: ProtocolAtom,
  ports: PortRange,
  rules: readonly CompiledRule[],
  effective: Set<Rule>,
): Region[] {
  const cuts = [...new Set([0n, ...rules.flatMap((c) => [c.lo, c.hi + 1n])])]
    .filter((v) => v <= space.max)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const regions: Region[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const lo = cuts[i] as bigint;
    const hi = i + 1 < cuts.length ? (cuts[i + 1] as bigint) - 1n : space.max;
    const covering = rules.filter((c) => c.lo <= lo && lo <= c.hi);
    const { decision, decider } = decide(covering);
    markEffective(covering, decision, decider, effective);
    const last = regions[regions.length - 1];
    if (last && last.decision === decision && last.decidedBy === decider?.rule) {
      last.hi = hi;
    } else {
      regions.push({ direction, space: space.key, protocol: atom, ports, lo, hi, decision, decidedBy: decider?.rule });
    }
  }
  return regions;
}

/** A rule is effective here when removing it alone flips the decision. Only rules at the winning priority can. */
function markEffective(
  covering: readonly CompiledRule[],
  decision: 'allow' | 'deny',
  decider: CompiledRule | undefined,
  effective: Set<Rule>,
): void {
  if (!decider) return;
  for (const candidate of covering) {
    if (candidate.rule.priority !== decider.rule.priority || effective.has(candidate.rule)) continue;
    if (decide(covering, candidate).decision !== decision) effective.add(candidate.rule);
  }
}

function sameRegions(a: readonly Region[], b: readonly Region[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((r, i) => {
    const s = b[i] as Region;
    return r.lo === s.lo && r.hi === s.hi && r.decision === s.decision && r.decidedBy === s.decidedBy;
  });
}

/** Evaluates a group with its provider's semantics. `rules` overrides the applied rule list (for what-if questions). */
export function evaluateGroup(group: SecurityGroup, rules: readonly Rule[] = appliedRules(group)): EvaluatedPolicy {
  const spaces = new Map<string, SpaceInfo>();
  const buckets = new Map<string, { direction: Direction; space: SpaceInfo; rules: CompiledRule[] }>();
  rules.forEach((rule, index) => {
    const compiled = compile(rule, index);
    if (!compiled) return;
    spaces.set(compiled.space.key, compiled.space);
    const key = `${rule.direction}|${compiled.space.key}`;
    const bucket = buckets.get(key) ?? { direction: rule.direction, space: compiled.space, rules: [] };
    bucket.rules.push(compiled.compiled);
    buckets.set(key, bucket);
  });

  const regions = new Map<string, Region[]>();
  const atoms = new Map<string, Set<ProtocolAtom>>();
  const effective = new Set<Rule>();
  for (const [key, bucket] of buckets) {
    const named = new Set<ProtocolAtom>(bucket.rules.map((c) => c.rule.protocol).filter((p) => p !== 'all'));
    named.add('other');
    atoms.set(key, named);
    for (const atom of named) {
      const matching = bucket.rules.filter((c) => c.rule.protocol === 'all' || c.rule.protocol === atom);
      regions.set(regionKey(bucket.direction, bucket.space.key, atom), evaluateAtom(bucket.direction, bucket.space, atom, matching, effective));
    }
  }
  return { group, rules: [...rules], spaces, regions, atoms, effective };
}

/** The atom a concrete protocol falls into for a direction and space. */
export function atomFor(policy: EvaluatedPolicy, direction: Direction, space: string, protocol: Protocol): ProtocolAtom {
  const present = policy.atoms.get(`${direction}|${space}`);
  return protocol !== 'all' && present?.has(protocol) ? protocol : 'other';
}

export interface Packet {
  direction: Direction;
  /** `ipv4`, `ipv6`, or a symbolic space key such as `ipv4|group:self`. */
  space: string;
  protocol: Protocol;
  /** TCP/UDP port, ICMP `type*256+code`, 0 for protocols without ports. */
  port: number;
  address: bigint;
}

/** The decision for one packet: looks the packet up in the evaluated regions. */
export function lookup(policy: EvaluatedPolicy, packet: Packet): { decision: 'allow' | 'deny'; decidedBy: Rule | undefined } {
  const atom = atomFor(policy, packet.direction, packet.space, packet.protocol);
  const regions = policy.regions.get(regionKey(packet.direction, packet.space, atom)) ?? [];
  const region = regions.find(
    (r) => r.ports.from <= packet.port && packet.port <= r.ports.to && r.lo <= packet.address && packet.address <= r.hi,
  );
  return region ? { decision: region.decision, decidedBy: region.decidedBy } : { decision: 'deny', decidedBy: undefined };
}

/** Regions of one direction, space and protocol that cover a port. */
export function regionsAt(policy: EvaluatedPolicy, direction: Direction, space: string, protocol: Protocol, port: number): Region[] {
  const atom = atomFor(policy, direction, space, protocol);
  return (policy.regions.get(regionKey(direction, space, atom)) ?? []).filter((r) => r.ports.from <= port && port <= r.ports.to);
}

/**
 * The allowed part of the policy in a canonical form, independent of which rule decides:
 * two policies with equal signatures allow exactly the same traffic.
 */
export function allowedSignature(policy: EvaluatedPolicy, atomsFrom: readonly EvaluatedPolicy[] = []): string {
  const parts: string[] = [];
  const keys = new Set<string>();
  for (const p of [policy, ...atomsFrom]) for (const [key, set] of p.atoms) for (const atom of set) keys.add(`${key}|${String(atom)}`);
  for (const key of [...keys].sort()) {
    const [direction, space, atomText] = splitKey(key);
    const atom: Protocol | 'other' = /^\d+$/.test(atomText) ? Number(atomText) : (atomText as Protocol | 'other');
    const own = atom === 'other' ? 'other' : atomFor(policy, direction, space, atom);
    const regions = (policy.regions.get(regionKey(direction, space, own)) ?? []).filter((r) => r.decision === 'allow');
    parts.push(`${key}:${mergeAllowed(regions)}`);
  }
  return parts.join('\n');
}

function splitKey(key: string): [Direction, string, string] {
  const first = key.indexOf('|');
  const last = key.lastIndexOf('|');
  return [key.slice(0, first) as Direction, key.slice(first + 1, last), key.slice(last + 1)];
}

/** Allowed (port range × address interval) cells, merged so that equal sets print equally. */
function mergeAllowed(regions: readonly Region[]): string {
  const byPorts = new Map<string, { ports: PortRange; intervals: [bigint, bigint][] }>();
  for (const r of regions) {
    const key = `${r.ports.from}-${r.ports.to}`;
    const entry = byPorts.get(key) ?? { ports: r.ports, intervals: [] };
    const last = entry.intervals[entry.intervals.length - 1];
    if (last && last[1] + 1n === r.lo) last[1] = r.hi;
    else entry.intervals.push([r.lo, r.hi]);
    byPorts.set(key, entry);
  }
  const rows = [...byPorts.values()].sort((a, b) => a.ports.from - b.ports.from);
  const merged: { from: number; to: number; sig: string }[] = [];
  for (const row of rows) {
    const sig = row.intervals.map(([lo, hi]) => `${lo}-${hi}`).join(',');
    const last = merged[merged.length - 1];
    if (last && last.to + 1 === row.ports.from && last.sig === sig) last.to = row.ports.to;
    else merged.push({ from: row.ports.from, to: row.ports.to, sig });
  }
  return merged.map((m) => `${m.from}-${m.to}=${m.sig}`).join(';');
}
