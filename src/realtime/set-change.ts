import type { SecurityGroup } from '../model/types.ts';

// A prefix list or address group changed: the groups to audit are those whose rules name it.

/** Ids of the groups with a rule (or port list) naming the set, in the estate's order. */
export function groupsNamingSet(groups: readonly SecurityGroup[], setId: string): string[] {
  return groups
    .filter((g) =>
      g.rules.some(
        (r) =>
          ((r.peer.kind === 'prefix-list' || r.peer.kind === 'address-group') && r.peer.id === setId) ||
          r.portList?.id === setId,
      ),
    )
    .map((g) => g.id);
}
