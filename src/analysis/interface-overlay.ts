import type { ProtocolAtom, Segment, SpaceInfo } from './evaluate.ts';
import { overlayPolicies, unionOfSpacesAndAtoms } from './policy-overlay.ts';
import type { Overlay, OverlayRule } from './policy-overlay.ts';

/** One step of an interface's overlay: how the policies combine, and whether the result of the previous step leads. */
export interface OverlayStep {
  how: OverlayRule;
  /** Lay the previous step's result over the policies, before them (the most open of several readings). */
  overPrevious?: boolean;
}

/**
 * The policies laid over each other as `overlayPolicies` lays them, one bucket (direction and peer
 * space) at a time, when a reader first asks for one of its regions: the checks of most interfaces
 * look at a few buckets only (the Internet ones), and the cross-group check at the buckets where
 * the groups' rules disagree. Buckets never interact, so each one overlaid alone is the same as the
 * whole overlay.
 */
export function lazyOverlay(policies: readonly Overlay[], steps: readonly OverlayStep[]): Overlay {
  const { spaces, atoms } = unionOfSpacesAndAtoms(policies);
  const overlayBucket = (bucketKey: string): Map<string, Segment[]> => {
    const views = policies.map((policy) => bucketView(policy, bucketKey));
    let decided: Overlay | undefined;
    for (const step of steps)
      decided = overlayPolicies(step.overPrevious && decided ? [decided, ...views] : views, step.how);
    return (decided as Overlay).segments;
  };
  return { spaces, atoms, segments: new SegmentsByBucket(atoms.keys(), overlayBucket) };
}

/** The policy as `overlayPolicies` reads it, narrowed to one bucket (its segments are looked up by key, never listed). */
function bucketView(policy: Overlay, bucketKey: string): Overlay {
  const present = policy.atoms.get(bucketKey);
  const spaceKey = bucketKey.slice(bucketKey.indexOf('|') + 1);
  const space = policy.spaces.get(spaceKey);
  const spaces = new Map<string, SpaceInfo>();
  if (space) spaces.set(spaceKey, space);
  const atoms = new Map<string, Set<ProtocolAtom>>();
  if (present) atoms.set(bucketKey, present);
  return { spaces, segments: policy.segments, atoms };
}

/** `${direction}|${space}` of a region key `${direction}|${space}|${atom}`. */
function bucketOf(regionKey: string): string {
  return regionKey.slice(0, regionKey.lastIndexOf('|'));
}

/**
 * The overlaid regions by region key, each bucket computed on first use. Every way of reading the
 * map sees the complete overlay: a listing computes the buckets not yet asked for.
 */
class SegmentsByBucket extends Map<string, Segment[]> {
  readonly #pending: Set<string>;
  readonly #overlay: (bucketKey: string) => Map<string, Segment[]>;

  constructor(bucketKeys: Iterable<string>, overlay: (bucketKey: string) => Map<string, Segment[]>) {
    super();
    this.#pending = new Set(bucketKeys);
    this.#overlay = overlay;
  }

  #fill(bucketKey: string): void {
    if (!this.#pending.delete(bucketKey)) return;
    for (const [key, segments] of this.#overlay(bucketKey)) super.set(key, segments);
  }

  #fillAll(): void {
    for (const bucketKey of [...this.#pending]) this.#fill(bucketKey);
  }

  override get(key: string): Segment[] | undefined {
    this.#fill(bucketOf(key));
    return super.get(key);
  }

  override has(key: string): boolean {
    this.#fill(bucketOf(key));
    return super.has(key);
  }

  override get size(): number {
    this.#fillAll();
    return super.size;
  }

  override entries(): MapIterator<[string, Segment[]]> {
    this.#fillAll();
    return super.entries();
  }

  override keys(): MapIterator<string> {
    this.#fillAll();
    return super.keys();
  }

  override values(): MapIterator<Segment[]> {
    this.#fillAll();
    return super.values();
  }

  override forEach(
    callback: (value: Segment[], key: string, map: Map<string, Segment[]>) => void,
    thisArg?: unknown,
  ): void {
    this.#fillAll();
    super.forEach(callback, thisArg);
  }

  override [Symbol.iterator](): MapIterator<[string, Segment[]]> {
    return this.entries();
  }
}
