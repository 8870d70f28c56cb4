import { isPublicInterface } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { FindingReach } from '../model/types.ts';
import { REACH_SAMPLE } from '../model/types.ts';

/** The interfaces a finding concerns, as the finding carries them: counts, and the first few by id. */
export function findingReach(interfaces: readonly NetworkInterface[]): FindingReach {
  const instances = new Set<string>();
  let publicInterfaces = 0;
  for (const item of interfaces) {
    if (isPublicInterface(item)) publicInterfaces++;
    if (item.attachedTo?.kind === 'instance') instances.add(item.attachedTo.id);
  }
  const sample = firstById(interfaces, REACH_SAMPLE).map((item) => ({
    interface: item.id,
    ...(item.attachedTo?.kind === 'instance' ? { instance: item.attachedTo.id } : {}),
    publicAddresses: item.publicAddresses.map((a) => a.address),
  }));
  return { interfaces: interfaces.length, publicInterfaces, instances: instances.size, sample };
}

/**
 * The first `count` interfaces in id order, as a stable sort would give them, without sorting (or
 * copying) a fleet of thousands for the few a finding names.
 */
function firstById(interfaces: readonly NetworkInterface[], count: number): NetworkInterface[] {
  const first: NetworkInterface[] = [];
  if (count === 0) return first;
  for (const item of interfaces) {
    if (first.length === count && !(item.id < (first[count - 1] as NetworkInterface).id)) continue;
    let at = first.length;
    while (at > 0 && item.id < (first[at - 1] as NetworkInterface).id) at--;
    first.splice(at, 0, item);
    if (first.length > count) first.pop();
  }
  return first;
}

/** "eni-1 (i-1), eni-2 and 48 more": the sample of a reach, for a detail line. */
export function reachSampleText(reach: FindingReach, max = 5): string {
  const shown = reach.sample.slice(0, max).map((s) => (s.instance ? `${s.interface} (${s.instance})` : s.interface));
  const more = reach.interfaces - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}
