import { MAX_PORT } from '../model/protocol.ts';
import type { Direction, PortRange, Protocol, Rule, SecurityGroup } from '../model/types.ts';
import { ruleSpace } from './rule-space.ts';
import type { RuleSpace, SpaceInfo } from './rule-space.ts';
import { appliedRules } from './semantics.ts';

export { peerKey } from './rule-space.ts';
export type { RuleSpace, SpaceInfo } from './rule-space.ts';

/**
 * The effective policy of one group: the whole (direction, peer space, protocol, port,
 * address) space cut into regions, each with its decision and the rule that decides it.
 *
 * Decision for a packet (DESIGN.md): among the applied rules that match it, the smallest
 * priority number wins; at equal priority deny wins; no match is the default deny.
 *
 * Peer spaces: `ipv4` and `ipv6` hold the rules whose peers are addresses over the address
 * line: CIDR rules, and prefix-list / address-group rules as the entries of their set (see
 * `ruleSpace` for a set whose entries are unknown). A rule whose peer is a group has its own
 * symbolic space with a single point, since the addresses behind it are not known here; those
 * spaces never count as Internet.
 */

/** A protocol that some rule names, or `other`: every protocol no rule names (only `all` rules reach it). */
export type ProtocolAtom = Protocol | 'other';

/** An address interval of one segment with its decision. Segments covered by the same rules share their regions. */
export interface Region {
  lo: bigint;
  hi: bigint;
  decision: 'allow' | 'deny';
  /** The deciding rule; undefined where no rule matches (default deny). */
  decidedBy: Rule | undefined;
}

/** The regions of one port range: the whole address line of the space, cut where decisions change. */
export interface Segment {
  ports: PortRange;
  regions: Region[];
}

export interface EvaluatedPolicy {
  group: SecurityGroup;
  rules: Rule[];
  spaces: Map<string, SpaceInfo>;
  /** Regions by `${direction}|${space}|${atom}`, cut in port segments, sorted by port then address. */
  segments: Map<string, Segment[]>;
  /** Atoms present per `${direction}|${space}`. */
  atoms: Map<string, Set<ProtocolAtom>>;
  /** Rules whose removal alone changes at least one decision. */
  effective: Set<Rule>;
  /** The compiled rules per `${direction}|${space}`: the unit that what-if questions re-evaluate. */
  buckets: Map<string, Bucket>;
  /** What each applied rule matches, with the sets it names looked up (absent: a CIDR that does not parse). */
  ruleSpaces: Map<Rule, RuleSpace>;
  /**
   * Where this policy lays others over each other (an interface's groups, each evaluated alone): those
   * policies. Every region it allows is allowed by a rule of one of them.
   */
  layers?: readonly EvaluatedPolicy[];
}

/** One address interval of a rule (a set peer compiles into one per disjoint run of entries). */
export interface CompiledRule {
  rule: Rule;
  index: number;
  lo: bigint;
  hi: bigint;
  /** The rule's ports, or its port list's. */
  ports: PortRange[];
  /** The rule's addresses as ranks on its bucket's address line: cells loRank..hiRank. */
  loRank: number;
  hiRank: number;
}

/** All rules of one direction and peer space: they interact only with each other. */
export interface Bucket {
  direction: Direction;
  space: SpaceInfo;
  rules: CompiledRule[];
  /**
   * Every address where some rule's range starts or ends, sorted: cell k is [line[k], line[k+1]-1].
   * Sweeps work on cell numbers, so BigInt arithmetic happens once per bucket, not per cut.
   */
  line: bigint[];
  /** The last address of each cell: cellEnd[k] = line[k+1] - 1, or the space's last address. */
  cellEnd: bigint[];
}

/** The space a rule's addresses live in; `group` supplies the sets the rule may name. */
export function spaceOf(
  rule: Rule,
  group: Pick<SecurityGroup, 'addressSets' | 'portSets'> = {},
): SpaceInfo | undefined {
  return ruleSpace(rule, group)?.space;
}

export function regionKey(direction: Direction, space: string, atom: ProtocolAtom): string {
  return `${direction}|${space}|${String(atom)}`;
}

/** The canonical decider among the first `count` matching rules (first listed among the winners); none means default deny. */
function winner(rules: readonly CompiledRule[], count: number, skip?: CompiledRule): CompiledRule | undefined {
  let best: CompiledRule | undefined;
  for (let i = 0; i < count; i++) {
    const candidate = rules[i] as CompiledRule;
    if (candidate === skip) continue;
    if (!best || outranks(candidate, best)) best = candidate;
  }
  return best;
}

function decisionOf(decider: CompiledRule | undefined): 'allow' | 'deny' {
  return decider ? decider.rule.action : 'deny';
}

function outranks(a: CompiledRule, b: CompiledRule): boolean {
  if (a.rule.priority !== b.rule.priority) return a.rule.priority < b.rule.priority;
  if (a.rule.action !== b.rule.action) return a.rule.action === 'deny';
  return a.index < b.index;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A region without its ports, in address cells: the sweep of one set of covering rules, reusable across port segments. */
interface Sweep {
  lo: number;
  hi: number;
  decision: 'allow' | 'deny';
  decider: CompiledRule | undefined;
}

function evaluateAtom(bucket: Bucket, rules: readonly CompiledRule[], effective: Set<Rule>): Segment[] {
  const cells = bucket.line.length;
  if (rules.length === 0)
    return [
      {
        ports: { from: 0, to: MAX_PORT },
        regions: [{ lo: 0n, hi: bucket.space.max, decision: 'deny', decidedBy: undefined }],
      },
    ];
  const rawCuts: number[] = [0];
  for (let r = 0; r < rules.length; r++) {
    const ports = (rules[r] as CompiledRule).ports;
    for (let k = 0; k < ports.length; k++) {
      const p = ports[k] as PortRange;
      rawCuts.push(p.from);
      if (p.to < MAX_PORT) rawCuts.push(p.to + 1);
    }
  }
  const portCuts = sortedUnique(rawCuts);
  // Port segments covered by the same rules have the same address sweep: compute it once.
  // A handful of distinct covering sets per atom: parallel arrays beat a Map here.
  const sweepKeys: (string | number)[] = [];
  const sweepRegions: Region[][] = [];
  const segments: Segment[] = [];
  const small = rules.length <= 30;
  for (let i = 0; i < portCuts.length; i++) {
    const from = portCuts[i] as number;
    const to = i + 1 < portCuts.length ? (portCuts[i + 1] as number) - 1 : MAX_PORT;
    let key: number | string;
    if (small) {
      let mask = 0;
      for (let r = 0; r < rules.length; r++) if (coversPort((rules[r] as CompiledRule).ports, from)) mask |= 1 << r;
      key = mask;
    } else {
      key = rules
        .filter((c) => coversPort(c.ports, from))
        .map((c) => c.index)
        .join(',');
    }
    const known = sweepKeys.indexOf(key);
    let regions = known === -1 ? undefined : sweepRegions[known];
    if (!regions) {
      const covering = rules.filter((c) => coversPort(c.ports, from));
      regions = sweepAddresses(cells, covering, effective).map((w) => ({
        lo: bucket.line[w.lo] as bigint,
        hi: bucket.cellEnd[w.hi] as bigint,
        decision: w.decision,
        decidedBy: w.decider?.rule,
      }));
      sweepKeys.push(key);
      sweepRegions.push(regions);
    }
    const previous = segments[segments.length - 1];
    if (previous && sameRegions(previous.regions, regions)) previous.ports.to = to;
    else segments.push({ ports: { from, to }, regions });
  }
  return segments;
}

function coversPort(ports: readonly PortRange[], port: number): boolean {
  for (let k = 0; k < ports.length; k++) {
    const p = ports[k] as PortRange;
    if (p.from <= port && port <= p.to) return true;
  }
  return false;
}

function insertionSort<T extends number | bigint>(values: T[]): void {
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as T;
    let j = i - 1;
    while (j >= 0 && (values[j] as T) > v) {
      values[j + 1] = values[j] as T;
      j--;
    }
    values[j + 1] = v;
  }
}

/**
 * Sorted, without repeats, in place. The evaluator's hot loops index arrays and sort small ones by
 * insertion: without TurboFan (see bin/warden.js), `for…of` and Array#sort allocate on every call.
 */
function sortedUnique(values: number[]): number[] {
  if (values.length > 32) values.sort((a, b) => a - b);
  else insertionSort(values);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[n - 1]) values[n++] = values[i] as number;
  values.length = n;
  return values;
}

function sweepAddresses(cells: number, rules: readonly CompiledRule[], effective: Set<Rule>): Sweep[] {
  if (rules.length === 0) return [{ lo: 0, hi: cells - 1, decision: 'deny', decider: undefined }];
  const raw: number[] = [0];
  for (let r = 0; r < rules.length; r++) {
    const c = rules[r] as CompiledRule;
    raw.push(c.loRank);
    if (c.hiRank + 1 < cells) raw.push(c.hiRank + 1);
  }
  const cuts = sortedUnique(raw);
  const out: Sweep[] = [];
  // One scratch list for every cell: the first `count` entries are the cell's covering rules.
  const covering: CompiledRule[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const lo = cuts[i] as number;
    const hi = i + 1 < cuts.length ? (cuts[i + 1] as number) - 1 : cells - 1;
    let count = 0;
    for (let r = 0; r < rules.length; r++) {
      const c = rules[r] as CompiledRule;
      if (c.loRank <= lo && lo <= c.hiRank) covering[count++] = c;
    }
    const decider = winner(covering, count);
    const decision = decisionOf(decider);
    markEffective(covering, count, decision, decider, effective);
    const last = out[out.length - 1];
    if (last && last.decision === decision && last.decider === decider) last.hi = hi;
    else out.push({ lo, hi, decision, decider });
  }
  return out;
}

/** A rule is effective here when removing it alone flips the decision. Only rules at the winning priority can. */
function markEffective(
  covering: readonly CompiledRule[],
  count: number,
  decision: 'allow' | 'deny',
  decider: CompiledRule | undefined,
  effective: Set<Rule>,
): void {
  if (!decider) return;
  for (let i = 0; i < count; i++) {
    const candidate = covering[i] as CompiledRule;
    if (candidate.rule.priority !== decider.rule.priority || effective.has(candidate.rule)) continue;
    if (decisionOf(winner(covering, count, candidate)) !== decision) effective.add(candidate.rule);
  }
}

function sameRegions(a: readonly Region[], b: readonly Region[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((r, i) => {
    const q = b[i] as Region;
    return r.lo === q.lo && r.hi === q.hi && r.decision === q.decision && r.decidedBy === q.decidedBy;
  });
}

export interface BucketResult {
  atoms: Set<ProtocolAtom>;
  segments: Map<ProtocolAtom, Segment[]>;
}

/** Evaluates one direction and peer space. `effective` collects the rules whose removal changes a decision. */
export function evaluateBucket(bucket: Bucket, effective: Set<Rule>): BucketResult {
  const atoms = new Set<ProtocolAtom>();
  for (const c of bucket.rules) if (c.rule.protocol !== 'all') atoms.add(c.rule.protocol);
  atoms.add('other');
  const segments = new Map<ProtocolAtom, Segment[]>();
  for (const atom of atoms) {
    const matching = bucket.rules.filter((c) => c.rule.protocol === 'all' || c.rule.protocol === atom);
    segments.set(atom, evaluateAtom(bucket, matching, effective));
  }
  return { atoms, segments };
}

/** Builds the bucket's address line and gives every rule its cells on it. */
function rankAddresses(bucket: Bucket): void {
  const points: bigint[] = [0n];
  for (let r = 0; r < bucket.rules.length; r++) {
    const c = bucket.rules[r] as CompiledRule;
    points.push(c.lo);
    if (c.hi < bucket.space.max) points.push(c.hi + 1n);
  }
  if (points.length > 32) points.sort(compareBigint);
  else insertionSort(points);
  const line = points.filter((v, i) => i === 0 || v !== points[i - 1]);
  const rankOf = (value: bigint): number => {
    let lo = 0;
    let hi = line.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((line[mid] as bigint) <= value) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const c of bucket.rules) {
    c.loRank = rankOf(c.lo);
    c.hiRank = c.hi < bucket.space.max ? rankOf(c.hi + 1n) - 1 : line.length - 1;
  }
  bucket.line = line;
  bucket.cellEnd = line.map((_, k) => (k + 1 < line.length ? (line[k + 1] as bigint) - 1n : bucket.space.max));
}

/** The applied rules compiled per direction and peer space, before any decision: what `evaluateGroup` sweeps. */
export function bucketsOf(
  rules: readonly Rule[],
  group: SecurityGroup,
  ruleSpaces: Map<Rule, RuleSpace>,
): Map<string, Bucket> {
  const buckets = new Map<string, Bucket>();
  rules.forEach((rule, index) => {
    const placed = ruleSpace(rule, group);
    if (!placed) return;
    ruleSpaces.set(rule, placed);
    if (placed.intervals.length === 0 || placed.ports.length === 0) return;
    const key = `${rule.direction}|${placed.space.key}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { direction: rule.direction, space: placed.space, rules: [], line: [], cellEnd: [] };
      buckets.set(key, bucket);
    }
    for (const interval of placed.intervals)
      bucket.rules.push({ rule, index, lo: interval.lo, hi: interval.hi, ports: placed.ports, loRank: 0, hiRank: 0 });
  });
  for (const bucket of buckets.values()) rankAddresses(bucket);
  return buckets;
}

/** Evaluates a group with its provider's semantics. `rules` overrides the applied rule list (for what-if questions). */
export function evaluateGroup(group: SecurityGroup, rules: readonly Rule[] = appliedRules(group)): EvaluatedPolicy {
  const ruleSpaces = new Map<Rule, RuleSpace>();
  const buckets = bucketsOf(rules, group, ruleSpaces);
  const spaces = new Map<string, SpaceInfo>();
  const segments = new Map<string, Segment[]>();
  const atoms = new Map<string, Set<ProtocolAtom>>();
  const effective = new Set<Rule>();
  for (const [key, bucket] of buckets) {
    spaces.set(bucket.space.key, bucket.space);
    const result = evaluateBucket(bucket, effective);
    atoms.set(key, result.atoms);
    for (const [atom, list] of result.segments) {
      const rk = regionKey(bucket.direction, bucket.space.key, atom);
      segments.set(rk, list);
    }
  }
  return { group, rules: rules as Rule[], spaces, segments, atoms, effective, buckets, ruleSpaces };
}

/** The atom a concrete protocol falls into for a direction and space. */
export function atomFor(
  policy: EvaluatedPolicy,
  direction: Direction,
  space: string,
  protocol: Protocol,
): ProtocolAtom {
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
export function lookup(
  policy: EvaluatedPolicy,
  packet: Packet,
): { decision: 'allow' | 'deny'; decidedBy: Rule | undefined } {
  const region = regionsAt(policy, packet.direction, packet.space, packet.protocol, packet.port).find(
    (r) => r.lo <= packet.address && packet.address <= r.hi,
  );
  return region
    ? { decision: region.decision, decidedBy: region.decidedBy }
    : { decision: 'deny', decidedBy: undefined };
}

/** Regions of one direction, space and protocol that cover a port. */
export function regionsAt(
  policy: EvaluatedPolicy,
  direction: Direction,
  space: string,
  protocol: Protocol,
  port: number,
): Region[] {
  const atom = atomFor(policy, direction, space, protocol);
  const list = policy.segments.get(regionKey(direction, space, atom));
  if (!list) return [];
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const segment = list[mid] as Segment;
    if (port < segment.ports.from) hi = mid - 1;
    else if (port > segment.ports.to) lo = mid + 1;
    else return segment.regions;
  }
  return [];
}

/**
 * The allowed part of the policy in a canonical form, independent of which rule decides:
 * two policies with equal signatures allow exactly the same traffic.
 */
export function allowedSignature(policy: EvaluatedPolicy, atomsFrom: readonly EvaluatedPolicy[] = []): string {
  const parts: string[] = [];
  const keys = new Set<string>();
  for (const p of [policy, ...atomsFrom])
    for (const [key, set] of p.atoms) for (const atom of set) keys.add(`${key}|${String(atom)}`);
  for (const key of [...keys].sort()) {
    const [direction, space, atomText] = splitRegionKey(key);
    const atom: Protocol | 'other' = /^\d+$/.test(atomText) ? Number(atomText) : (atomText as Protocol | 'other');
    const own = atom === 'other' ? 'other' : atomFor(policy, direction, space, atom);
    parts.push(`${key}:${mergeAllowed(policy.segments.get(regionKey(direction, space, own)) ?? [])}`);
  }
  return parts.join('\n');
}

/** The allowed part of one bucket's result, canonical: equal strings allow exactly the same traffic. */
export function bucketAllowedSignature(result: BucketResult, atoms: Iterable<ProtocolAtom>): string {
  const parts: string[] = [];
  for (const atom of [...new Set(atoms)].map(String).sort()) {
    const own = result.atoms.has(atom as ProtocolAtom)
      ? (atom as ProtocolAtom)
      : /^\d+$/.test(atom) && result.atoms.has(Number(atom))
        ? Number(atom)
        : 'other';
    parts.push(`${atom}:${mergeAllowed(result.segments.get(own) ?? [])}`);
  }
  return parts.join('\n');
}

/** `${direction}|${space}|${atom}` back into its parts (a symbolic space contains `|` itself). */
export function splitRegionKey(key: string): [Direction, string, string] {
  const first = key.indexOf('|');
  const last = key.lastIndexOf('|');
  return [key.slice(0, first) as Direction, key.slice(first + 1, last), key.slice(last + 1)];
}

/** Allowed (port range × address interval) cells, merged so that equal sets print equally. */
function mergeAllowed(segments: readonly Segment[]): string {
  const merged: { from: number; to: number; sig: string }[] = [];
  for (const segment of segments) {
    const intervals: [bigint, bigint][] = [];
    for (const r of segment.regions) {
      if (r.decision !== 'allow') continue;
      const last = intervals[intervals.length - 1];
      if (last && last[1] + 1n === r.lo) last[1] = r.hi;
      else intervals.push([r.lo, r.hi]);
    }
    if (intervals.length === 0) continue;
    const sig = intervals.map(([lo, hi]) => `${lo}-${hi}`).join(',');
    const last = merged[merged.length - 1];
    if (last && last.to + 1 === segment.ports.from && last.sig === sig) last.to = segment.ports.to;
    else merged.push({ from: segment.ports.from, to: segment.ports.to, sig });
  }
  return merged.map((m) => `${m.from}-${m.to}=${m.sig}`).join(';');
}
