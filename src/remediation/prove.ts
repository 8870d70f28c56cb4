import { evaluateGroup, splitRegionKey } from '../analysis/evaluate.ts';
import type { EvaluatedPolicy, ProtocolAtom, Region, Segment, SpaceInfo } from '../analysis/evaluate.ts';
import { describePeer } from '../analysis/describe.ts';
import { internetExposure, isInternet } from '../analysis/exposure.ts';
import type { WardenConfig } from '../config/schema.ts';
import { formatAddress } from '../model/address.ts';
import { hasPorts, isIcmp, MAX_PORT, portsLabel, protocolLabel, subtractRanges } from '../model/protocol.ts';
import type { Direction, Family, PortRange, Protocol, SecurityGroup } from '../model/types.ts';
import type { Plan, PlanProof } from '../model/change.ts';
import { applyPlanToGroup, checkPreconditions } from './planners/planned.ts';
import { locateFinding, reportsSubject } from './planners/common.ts';
import { findingCombos, portOfSubject } from './planners/internet-port.ts';
import { segmentsOf, wholeLineAllowed } from './planners/policy.ts';
import { describeScope, findingScope } from './planners/scope.ts';
import type { ScopePart } from './planners/scope.ts';

// The evaluator proves a plan before it is offered: the finding is gone, nothing is allowed that was
// not allowed before, and nothing changed outside the part of the policy the finding is about.

export interface Interval {
  lo: bigint;
  hi: bigint;
}

/** Where two policies differ: one direction, peer space, protocol atom and port range, with the addresses gained and lost. */
export interface PolicyChange {
  direction: Direction;
  space: SpaceInfo;
  atom: ProtocolAtom;
  ports: PortRange;
  gained: Interval[];
  lost: Interval[];
}

function allowedIntervals(regions: readonly Region[]): Interval[] {
  const out: Interval[] = [];
  for (const r of regions) {
    if (r.decision !== 'allow') continue;
    const last = out[out.length - 1];
    if (last && last.hi + 1n === r.lo) last.hi = r.hi;
    else out.push({ lo: r.lo, hi: r.hi });
  }
  return out;
}

/** a minus b, both sorted and disjoint. */
function minus(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    let pieces: Interval[] = [{ ...x }];
    for (const y of b) {
      if (y.hi < x.lo || y.lo > x.hi) continue;
      const next: Interval[] = [];
      for (const p of pieces) {
        if (y.hi < p.lo || y.lo > p.hi) next.push(p);
        else {
          if (p.lo < y.lo) next.push({ lo: p.lo, hi: y.lo - 1n });
          if (y.hi < p.hi) next.push({ lo: y.hi + 1n, hi: p.hi });
        }
      }
      pieces = next;
    }
    out.push(...pieces);
  }
  return out;
}

function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((x, i) => x.lo === b[i]?.lo && x.hi === b[i]?.hi);
}

function segmentAt(segments: readonly Segment[], port: number): Segment | undefined {
  return segments.find((s) => s.ports.from <= port && port <= s.ports.to);
}

/** Every place two evaluations of a group differ in what they allow, per direction, space, protocol atom and port range. */
export function diffPolicies(before: EvaluatedPolicy, after: EvaluatedPolicy): PolicyChange[] {
  const keys = new Set<string>();
  const spaces = new Map<string, SpaceInfo>([...before.spaces, ...after.spaces]);
  for (const p of [before, after])
    for (const [key, atoms] of p.atoms) for (const atom of atoms) keys.add(`${key}|${String(atom)}`);
  const changes: PolicyChange[] = [];
  for (const key of [...keys].sort()) {
    const [direction, spaceKey, atomText] = splitRegionKey(key);
    const space = spaces.get(spaceKey);
    if (!space) continue;
    const atom: ProtocolAtom = /^\d+$/.test(atomText) ? Number(atomText) : (atomText as ProtocolAtom);
    const a = segmentsOf(before, direction, spaceKey, atom, space.max);
    const b = segmentsOf(after, direction, spaceKey, atom, space.max);
    const cuts = [...new Set([...a.map((s) => s.ports.from), ...b.map((s) => s.ports.from)])].sort((x, y) => x - y);
    for (let i = 0; i < cuts.length; i++) {
      const from = cuts[i] as number;
      const to = i + 1 < cuts.length ? (cuts[i + 1] as number) - 1 : MAX_PORT;
      const was = allowedIntervals(segmentAt(a, from)?.regions ?? []);
      const now = allowedIntervals(segmentAt(b, from)?.regions ?? []);
      const gained = minus(now, was);
      const lost = minus(was, now);
      if (gained.length === 0 && lost.length === 0) continue;
      const last = changes[changes.length - 1];
      if (
        last &&
        last.direction === direction &&
        last.space.key === spaceKey &&
        last.atom === atom &&
        last.ports.to + 1 === from &&
        sameIntervals(last.gained, gained) &&
        sameIntervals(last.lost, lost)
      ) {
        last.ports.to = to;
      } else changes.push({ direction, space, atom, ports: { from, to }, gained, lost });
    }
  }
  return changes;
}

/** The ports of a change that lie outside every scope part matching its direction, space and protocol. */
export function outsideScope(change: PolicyChange, scope: readonly ScopePart[]): PortRange[] {
  let rest: PortRange[] = [{ ...change.ports }];
  for (const part of scope) {
    if (part.direction && part.direction !== change.direction) continue;
    if (part.spaces && !part.spaces.includes(change.space.key)) continue;
    if (part.protocols && (change.atom === 'other' || !part.protocols.includes(change.atom))) continue;
    rest = part.ports ? subtractRanges(rest, part.ports) : [];
    if (rest.length === 0) break;
  }
  return rest;
}

/**
 * Whether a change gains access. A symbolic source (a group, prefix list, address group) whose
 * addresses are unknown gains nothing new where every address of its family was allowed before.
 */
export function widens(change: PolicyChange, before: EvaluatedPolicy): boolean {
  if (change.gained.length === 0) return false;
  if (change.space.peer === undefined) return true;
  return !wholeLineAllowed(before, change.direction, change.space.family, change.atom, change.ports);
}

function cidrsOf(family: Family, lo: bigint, hi: bigint): string[] {
  const bits = family === 'ipv4' ? 32 : 128;
  const out: string[] = [];
  let start = lo;
  while (start <= hi) {
    let size = 0;
    while (
      size < bits &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= hi
    )
      size++;
    out.push(`${formatAddress(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
    if (out.length > 8) break;
  }
  return out;
}

function addressesText(space: SpaceInfo, intervals: readonly Interval[]): string {
  if (space.peer) return `${describePeer(space.peer)}${space.family === 'ipv6' ? ' (IPv6)' : ''}`;
  const cidrs = intervals.flatMap((i) => cidrsOf(space.family, i.lo, i.hi));
  return cidrs.length > 4 ? `${cidrs.slice(0, 4).join(', ')} and ${cidrs.length - 4} more blocks` : cidrs.join(', ');
}

function trafficText(atom: ProtocolAtom, ports: PortRange): string {
  if (atom === 'other') return 'other protocols';
  const protocol = atom as Protocol;
  if (hasPorts(protocol) || isIcmp(protocol)) return `${protocolLabel(protocol)}/${portsLabel(protocol, ports)}`;
  return protocolLabel(protocol);
}

/** One line for a change: `ingress tcp/80 from 10.0.0.0/8: no longer allowed`. */
export function describeChange(change: PolicyChange, ports: PortRange = change.ports): string {
  const way = change.direction === 'ingress' ? 'from' : 'to';
  const parts: string[] = [];
  if (change.gained.length)
    parts.push(
      `${change.direction} ${trafficText(change.atom, ports)} ${way} ${addressesText(change.space, change.gained)}: newly allowed`,
    );
  if (change.lost.length)
    parts.push(
      `${change.direction} ${trafficText(change.atom, ports)} ${way} ${addressesText(change.space, change.lost)}: no longer allowed`,
    );
  return parts.join('; ');
}

/** A proof with what it was measured on: the scope the plan may change and every change it makes (bigints: not JSON). */
export interface PlanProofDetail {
  proof: PlanProof;
  scope: ScopePart[];
  changes: PolicyChange[];
  /** Where the group shows the finding: its subject and the group's policy before the plan. */
  located?: { subject: string; before: EvaluatedPolicy };
}

function failed(lines: string[]): PlanProofDetail {
  return {
    proof: { findingGone: false, onlyFindingPartChanged: false, neverWidens: false, otherChanges: lines },
    scope: [],
    changes: [],
  };
}

/**
 * Proves a plan on the group it is for, with the evaluator: after the plan the finding's check no
 * longer reports its subject (and a port is no longer open to the Internet over the protocols and
 * families it was); every packet allowed after was allowed before; and nothing changed outside the
 * finding's scope (`findingScope`). `otherChanges` lists what widens or lies outside the scope.
 */
export function provePlan(group: SecurityGroup, plan: Plan, config: WardenConfig): PlanProof {
  return provePlanInDetail(group, plan, config).proof;
}

export function provePlanInDetail(group: SecurityGroup, plan: Plan, config: WardenConfig): PlanProofDetail {
  const problems = checkPreconditions(group, plan);
  if (problems.length > 0) return failed(problems.map((p) => `precondition: ${p}`));
  const before = evaluateGroup(group);
  const finding = { ...plan.target, check: plan.finding.check, fingerprint: plan.finding.fingerprint };
  const located = locateFinding(finding, group, config, undefined, before);
  if (!located)
    return failed([`${group.id} does not show finding ${plan.finding.fingerprint} (${plan.finding.check})`]);
  const afterGroup = applyPlanToGroup(group, plan);
  const after = evaluateGroup(afterGroup);
  let findingGone = !reportsSubject(plan.finding.check, located.draft.subject, afterGroup, config, after);
  const port = portOfSubject(located.draft.subject);
  if (findingGone && port !== undefined) {
    for (const combo of findingCombos(before, config, plan.finding.check, port)) {
      if (isInternet(internetExposure(after, 'ingress', combo.family, combo.protocol, port), config))
        findingGone = false;
    }
  }
  const scope = findingScope(located, group, config);
  const changes = diffPolicies(before, after);
  const otherChanges: string[] = [];
  let neverWidens = true;
  let onlyFindingPartChanged = true;
  for (const change of changes) {
    if (widens(change, before)) {
      neverWidens = false;
      otherChanges.push(`widens: ${describeChange({ ...change, lost: [] })}`);
    }
    const outside = outsideScope(change, scope);
    if (outside.length > 0) {
      onlyFindingPartChanged = false;
      for (const ports of outside)
        otherChanges.push(`outside ${describeScope(scope)}: ${describeChange(change, ports)}`);
    }
  }
  return {
    proof: { findingGone, onlyFindingPartChanged, neverWidens, otherChanges },
    scope,
    changes,
    located: { subject: located.draft.subject, before },
  };
}

/** A proof that lets the plan be offered: all three hold. */
export function isProven(proof: PlanProof): boolean {
  return proof.findingGone && proof.neverWidens && proof.onlyFindingPartChanged;
}

/** Why a proof does not let the plan be offered, in one line. */
export function unprovenReason(proof: PlanProof): string {
  const parts: string[] = [];
  if (!proof.findingGone) parts.push('the finding would remain');
  if (!proof.neverWidens) parts.push('it would allow traffic that is not allowed today');
  if (!proof.onlyFindingPartChanged) parts.push("it would change more than the finding's part of the policy");
  const detail = proof.otherChanges.slice(0, 3).join('; ');
  return `${parts.join(', ')}${detail ? ` (${detail}${proof.otherChanges.length > 3 ? `; ${proof.otherChanges.length - 3} more` : ''})` : ''}`;
}
