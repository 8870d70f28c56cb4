import { MAX_PORT } from '../model/protocol.ts';
import type { Direction, Rule } from '../model/types.ts';
import { regionKey, splitRegionKey } from './evaluate.ts';
import type { EvaluatedPolicy, ProtocolAtom, Region, Segment, SpaceInfo } from './evaluate.ts';

/** The decided parts of several policies laid over each other, in the shape `EvaluatedPolicy` carries them. */
export type Overlay = Pick<EvaluatedPolicy, 'spaces' | 'segments' | 'atoms'>;

/**
 * How the policies' decisions for one packet combine, each policy evaluated alone (so a deny in one
 * never reaches into another); the regions are listed in the policies' order, and the one picked
 * decides (a region without a decider is the default deny):
 * - `most-open`: the first that allows, else the first with a deciding rule.
 * - `first-match`: the first with a deciding rule.
 * - `priority`: the best deciding rule: smallest priority, then deny, then the earlier policy.
 */
export type OverlayRule = 'most-open' | 'first-match' | 'priority';

/**
 * The spaces of every policy, and per bucket the atoms any of them names (new sets). forEach and
 * indexed loops: every interface set overlays its groups, and iterators allocate.
 */
export function unionOfSpacesAndAtoms(
  policies: readonly Overlay[],
): Pick<Overlay, 'spaces'> & { atoms: Map<string, Set<ProtocolAtom>> } {
  const spaces = new Map<string, SpaceInfo>();
  const atoms = new Map<string, Set<ProtocolAtom>>();
  for (let p = 0; p < policies.length; p++) {
    const policy = policies[p] as Overlay;
    policy.spaces.forEach((space, key) => spaces.set(key, space));
    policy.atoms.forEach((present, key) => {
      const union = atoms.get(key);
      if (union) present.forEach((atom) => union.add(atom));
      else atoms.set(key, new Set(present));
    });
  }
  return { spaces, atoms };
}

export function overlayPolicies(policies: readonly Overlay[], how: OverlayRule): Overlay {
  const { spaces, atoms } = unionOfSpacesAndAtoms(policies);
  const segments = new Map<string, Segment[]>();
  atoms.forEach((present, key) => {
    const bucket = overlayBucket(key, spaces);
    present.forEach((atom) => {
      segments.set(regionKey(bucket.direction, bucket.space, atom), overlayAtom(policies, bucket, atom, how));
    });
  });
  return { spaces, segments, atoms };
}

/** A bucket (`${direction}|${space}`) as an overlay reads it: its key, its parts, and its address line's end. */
export interface OverlayBucket {
  key: string;
  direction: Direction;
  space: string;
  max: bigint;
}

/** The bucket `key` of policies whose spaces are `spaces` (their union). */
export function overlayBucket(key: string, spaces: ReadonlyMap<string, SpaceInfo>): OverlayBucket {
  const [direction, space] = splitRegionKey(`${key}|x`);
  return { key, direction, space, max: (spaces.get(space) as SpaceInfo).max };
}

/**
 * The overlay of one atom of one bucket: each policy's regions for the atom, or for its `other`
 * atom where it names no rule of that protocol, laid by `how`; `over` (the result of a previous
 * reading) leads.
 */
export function overlayAtom(
  policies: readonly Overlay[],
  bucket: OverlayBucket,
  atom: ProtocolAtom,
  how: OverlayRule,
  over?: Segment[],
): Segment[] {
  const lists: Segment[][] = over ? [over] : [];
  for (let p = 0; p < policies.length; p++) {
    const policy = policies[p] as Overlay;
    const own = policy.atoms.get(bucket.key)?.has(atom) ? atom : 'other';
    const list = policy.segments.get(regionKey(bucket.direction, bucket.space, own));
    if (list) lists.push(list);
  }
  return overlaySegments(lists, bucket.max, how);
}

/** Port segments of several lists, each covering every port, cut where any list is cut. */
function overlaySegments(lists: readonly Segment[][], max: bigint, how: OverlayRule): Segment[] {
  if (lists.length === 0)
    return [
      { ports: { from: 0, to: MAX_PORT }, regions: [{ lo: 0n, hi: max, decision: 'deny', decidedBy: undefined }] },
    ];
  if (lists.length === 1) return lists[0] as Segment[];
  // Walks every list at once: each step runs to the nearest segment end of any list.
  const cursors = new Array<number>(lists.length).fill(0);
  const inputs = new Array<readonly Region[]>(lists.length);
  const previousInputs = new Array<readonly Region[] | undefined>(lists.length).fill(undefined);
  const out: Segment[] = [];
  let from = 0;
  while (from <= MAX_PORT) {
    let to = MAX_PORT;
    let same = out.length > 0;
    for (let k = 0; k < lists.length; k++) {
      const segment = (lists[k] as Segment[])[cursors[k] as number] as Segment;
      if (segment.ports.to < to) to = segment.ports.to;
      inputs[k] = segment.regions;
      if (previousInputs[k] !== segment.regions) same = false;
    }
    if (same) (out[out.length - 1] as Segment).ports.to = to;
    else {
      out.push({ ports: { from, to }, regions: overlayRegions(inputs, how) });
      for (let k = 0; k < lists.length; k++) previousInputs[k] = inputs[k];
    }
    for (let k = 0; k < lists.length; k++)
      if (((lists[k] as Segment[])[cursors[k] as number] as Segment).ports.to === to)
        cursors[k] = (cursors[k] as number) + 1;
    from = to + 1;
  }
  return out;
}

/** Regions of several lists over the same address line, each covering it, decided by `how` where they meet. */
function overlayRegions(inputs: readonly (readonly Region[])[], how: OverlayRule): Region[] {
  const cursors = new Array<number>(inputs.length).fill(0);
  const out: Region[] = [];
  let lo = 0n;
  for (;;) {
    let picked: Region | undefined;
    let hi: bigint | undefined;
    for (let k = 0; k < inputs.length; k++) {
      const region = (inputs[k] as readonly Region[])[cursors[k] as number] as Region;
      if (hi === undefined || region.hi < hi) hi = region.hi;
      if (region.decidedBy && (!picked || better(region, picked, how))) picked = region;
    }
    const decision = picked ? picked.decision : 'deny';
    const previous = out[out.length - 1];
    if (previous && previous.decision === decision && previous.decidedBy === picked?.decidedBy)
      previous.hi = hi as bigint;
    else out.push({ lo, hi: hi as bigint, decision, decidedBy: picked?.decidedBy });
    let done = false;
    for (let k = 0; k < inputs.length; k++) {
      const regions = inputs[k] as readonly Region[];
      if ((regions[cursors[k] as number] as Region).hi !== hi) continue;
      cursors[k] = (cursors[k] as number) + 1;
      if ((cursors[k] as number) >= regions.length) done = true;
    }
    if (done) return sameAsAnInput(out, inputs);
    lo = (hi as bigint) + 1n;
  }
}

/**
 * The input the overlay equals region for region (where one policy alone decides, as when the others
 * have no rule there), else the overlay: a policy's own regions keep what was measured on them.
 */
function sameAsAnInput(out: Region[], inputs: readonly (readonly Region[])[]): Region[] {
  for (let k = 0; k < inputs.length; k++) {
    const input = inputs[k] as readonly Region[];
    if (input.length !== out.length) continue;
    let same = true;
    for (let i = 0; same && i < out.length; i++) {
      const a = out[i] as Region;
      const b = input[i] as Region;
      same = a.lo === b.lo && a.hi === b.hi && a.decision === b.decision && a.decidedBy === b.decidedBy;
    }
    if (same) return input as Region[];
  }
  return out;
}

/** Whether a later region with a decider displaces the one picked so far. */
function better(region: Region, picked: Region, how: OverlayRule): boolean {
  if (how === 'first-match') return false;
  if (how === 'most-open') return region.decision === 'allow' && picked.decision !== 'allow';
  const a = region.decidedBy as Rule;
  const b = picked.decidedBy as Rule;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.action === 'deny' && b.action === 'allow';
}
