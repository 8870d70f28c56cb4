import { regionKey } from './evaluate.ts';
import type { ProtocolAtom, Segment, SpaceInfo } from './evaluate.ts';
import { overlayAtom, overlayBucket, unionOfSpacesAndAtoms } from './policy-overlay.ts';
import type { Overlay, OverlayBucket, OverlayRule } from './policy-overlay.ts';

/** One step of an interface's overlay: how the policies combine, and whether the result of the previous step leads. */
export interface OverlayStep {
  how: OverlayRule;
  /** Lay the previous step's result over the policies, before them (the most open of several readings). */
  overPrevious?: boolean;
}

/**
 * The policies laid over each other as `overlayPolicies` lays them, one atom of one bucket (direction
 * and peer space) at a time, when a reader first asks for it: the checks of most interfaces look at a
 * few regions only (the Internet ones, over TCP and UDP), and the cross-group check at the buckets where
 * the groups' rules disagree. Regions never interact, so each one overlaid alone is the same as the
 * whole overlay.
 */
export function lazyOverlay(policies: readonly Overlay[], steps: readonly OverlayStep[]): Overlay {
  const { spaces, atoms } = unionOfSpacesAndAtoms(policies);
  const overlay = (bucket: OverlayBucket, atom: ProtocolAtom): Segment[] => {
    let decided: Segment[] | undefined;
    for (const step of steps)
      decided = overlayAtom(policies, bucket, atom, step.how, step.overPrevious ? decided : undefined);
    return decided as Segment[];
  };
  return { spaces, atoms, segments: new SegmentsByRegion(atoms, spaces, overlay) };
}

/** The atom a region key `${direction}|${space}|${atom}` names, as the bucket's atoms hold it (protocol numbers are numbers). */
function atomNamed(present: ReadonlySet<ProtocolAtom>, name: string): ProtocolAtom | undefined {
  if (present.has(name as ProtocolAtom)) return name as ProtocolAtom;
  const number = Number(name);
  return name !== '' && Number.isInteger(number) && present.has(number) ? number : undefined;
}

/**
 * The overlaid regions by region key, each computed on first use. Every way of reading the map sees
 * the complete overlay: a listing computes the regions not yet asked for.
 */
class SegmentsByRegion extends Map<string, Segment[]> {
  readonly #atoms: ReadonlyMap<string, ReadonlySet<ProtocolAtom>>;
  readonly #spaces: ReadonlyMap<string, SpaceInfo>;
  readonly #overlay: (bucket: OverlayBucket, atom: ProtocolAtom) => Segment[];
  #complete = false;

  constructor(
    atoms: ReadonlyMap<string, ReadonlySet<ProtocolAtom>>,
    spaces: ReadonlyMap<string, SpaceInfo>,
    overlay: (bucket: OverlayBucket, atom: ProtocolAtom) => Segment[],
  ) {
    super();
    this.#atoms = atoms;
    this.#spaces = spaces;
    this.#overlay = overlay;
  }

  /** The region's segments, computed now if they were not yet; undefined for a key the overlay has no region for. */
  #regions(key: string): Segment[] | undefined {
    const known = super.get(key);
    if (known !== undefined) return known;
    const cut = key.lastIndexOf('|');
    const bucketKey = key.slice(0, cut);
    const present = this.#atoms.get(bucketKey);
    const atom = present && atomNamed(present, key.slice(cut + 1));
    if (atom === undefined) return undefined;
    const segments = this.#overlay(overlayBucket(bucketKey, this.#spaces), atom);
    super.set(key, segments);
    return segments;
  }

  #fillAll(): void {
    if (this.#complete) return;
    this.#complete = true;
    this.#atoms.forEach((present, bucketKey) => {
      const bucket = overlayBucket(bucketKey, this.#spaces);
      present.forEach((atom) => {
        const key = regionKey(bucket.direction, bucket.space, atom);
        if (!super.has(key)) super.set(key, this.#overlay(bucket, atom));
      });
    });
  }

  override get(key: string): Segment[] | undefined {
    return this.#regions(key);
  }

  override has(key: string): boolean {
    return this.#regions(key) !== undefined;
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
