import { MAX_PORT } from '../model/protocol.ts';
import type { Direction } from '../model/types.ts';
import { atomFor, regionKey, splitRegionKey } from './evaluate.ts';
import type { EvaluatedPolicy, ProtocolAtom, Region, Segment, SpaceInfo } from './evaluate.ts';

/** The decided parts of several policies laid over each other, in the shape `EvaluatedPolicy` carries them. */
export interface Overlay {
  spaces: Map<string, SpaceInfo>;
  segments: Map<string, Segment[]>;
  atoms: Map<string, Set<ProtocolAtom>>;
}

/**
 * Every packet allowed by at least one of the policies is allowed; its decider is the allowing rule
 * of the first such policy. A packet none allows is denied by the first policy with a rule that
 * matches it (default deny where none does). The policies are each evaluated alone, so a deny in
 * one never reaches into another.
 */
export function overlayPolicies(policies: readonly EvaluatedPolicy[]): Overlay {
  const spaces = new Map<string, SpaceInfo>();
  const atoms = new Map<string, Set<ProtocolAtom>>();
  for (const policy of policies) {
    for (const [key, space] of policy.spaces) spaces.set(key, space);
    for (const [key, present] of policy.atoms) {
      const union = atoms.get(key) ?? new Set<ProtocolAtom>();
      for (const atom of present) union.add(atom);
      atoms.set(key, union);
    }
  }
  const segments = new Map<string, Segment[]>();
  for (const [key, present] of atoms) {
    const [direction, space] = splitBucketKey(key);
    for (const atom of present) {
      const lists: Segment[][] = [];
      for (const policy of policies) {
        const own = atom === 'other' ? 'other' : atomFor(policy, direction, space, atom);
        const list = policy.segments.get(regionKey(direction, space, own));
        if (list) lists.push(list);
      }
      segments.set(regionKey(direction, space, atom), overlaySegments(lists, (spaces.get(space) as SpaceInfo).max));
    }
  }
  return { spaces, segments, atoms };
}

function splitBucketKey(key: string): [Direction, string] {
  const [direction, space] = splitRegionKey(`${key}|x`);
  return [direction, space];
}

/** Port segments of several lists, each covering every port, cut where any list is cut. */
function overlaySegments(lists: readonly Segment[][], max: bigint): Segment[] {
  if (lists.length === 0)
    return [
      { ports: { from: 0, to: MAX_PORT }, regions: [{ lo: 0n, hi: max, decision: 'deny', decidedBy: undefined }] },
    ];
  if (lists.length === 1) return lists[0] as Segment[];
  const cuts = [...new Set(lists.flatMap((list) => list.map((s) => s.ports.from)))].sort((a, b) => a - b);
  const cursors = lists.map(() => 0);
  const out: Segment[] = [];
  let previousInputs: (readonly Region[])[] | undefined;
  for (let i = 0; i < cuts.length; i++) {
    const from = cuts[i] as number;
    const to = i + 1 < cuts.length ? (cuts[i + 1] as number) - 1 : MAX_PORT;
    const inputs = lists.map((list, k) => {
      while ((list[cursors[k] as number] as Segment).ports.to < from) cursors[k] = (cursors[k] as number) + 1;
      return (list[cursors[k] as number] as Segment).regions;
    });
    const last = out[out.length - 1];
    // Segments whose inputs are the same region lists overlay to the same regions.
    if (last && previousInputs && inputs.every((r, k) => r === previousInputs?.[k])) {
      last.ports.to = to;
      continue;
    }
    previousInputs = inputs;
    out.push({ ports: { from, to }, regions: overlayRegions(inputs) });
  }
  return out;
}

function overlayRegions(inputs: readonly (readonly Region[])[]): Region[] {
  const cuts = [...new Set(inputs.flatMap((regions) => regions.map((r) => r.lo)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const cursors = inputs.map(() => 0);
  const out: Region[] = [];
  for (let i = 0; i < cuts.length; i++) {
    const lo = cuts[i] as bigint;
    let allowing: Region | undefined;
    let denying: Region | undefined;
    let hi: bigint | undefined;
    for (let k = 0; k < inputs.length; k++) {
      const regions = inputs[k] as readonly Region[];
      while ((regions[cursors[k] as number] as Region).hi < lo) cursors[k] = (cursors[k] as number) + 1;
      const region = regions[cursors[k] as number] as Region;
      if (hi === undefined || region.hi < hi) hi = region.hi;
      if (region.decision === 'allow') allowing ??= region;
      else if (region.decidedBy) denying ??= region;
    }
    const decider = allowing ?? denying;
    const decision = allowing ? 'allow' : 'deny';
    const previous = out[out.length - 1];
    if (previous && previous.decision === decision && previous.decidedBy === decider?.decidedBy)
      previous.hi = hi as bigint;
    else out.push({ lo, hi: hi as bigint, decision, decidedBy: decider?.decidedBy });
  }
  return out;
}
