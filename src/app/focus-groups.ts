import type { ReadBeside } from '../analysis/audit.ts';
import { placeKey } from '../model/ids.ts';
import { filtersByGroups, PORT_SECURITY_PROVIDERS, UNFILTERED_SET } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { Estate } from '../model/types.ts';
import { groupSetIdsOf } from '../realtime/interface-change.ts';

// An audit of some groups of a scope (`/warden show`, a real-time event) still reads the whole scope: the
// other groups are kept beside the audited ones, so an interface is judged with every group it carries.

export interface FocusedEstate {
  /** The audited groups, their unreadable records, the interfaces that carry one of them and every port whose groups do not filter. */
  estate: Estate;
  /** The scope's other groups: they decide those interfaces with the audited groups; no findings of their own. */
  beside: ReadBeside;
  /**
   * The group sets (`a+b`) of the carrying interfaces whose groups were all read: each such interface is
   * judged with all of them, so the findings of those sets are complete; and, where Huawei/OTC ports were
   * read, the set of ports with port security disabled (all of them are kept).
   */
  setIds: string[];
}

/** Narrows what was read to the groups named by `groupIds`, keeping the rest beside them. */
export function focusOnGroups(estate: Estate, groupIds: readonly string[]): FocusedEstate {
  const audited = new Set(groupIds);
  const isAudited = (id: string): boolean => audited.has(id);
  const read = new Set(estate.groups.map((g) => placeKey(g, g.id)));
  const carries = (item: NetworkInterface): boolean => item.groupIds.some(isAudited);
  // Ports with port security disabled are judged without their groups: all of them are kept, so their
  // finding is complete in any audit that read the listing (and a port that just left it resolves it).
  const carrying = estate.interfaces?.filter((item) => carries(item) || !filtersByGroups(item));
  const judged = (carrying ?? []).filter(
    (item) => carries(item) && item.groupIds.every((id) => read.has(placeKey(item, id))),
  );
  const unfiltered = estate.interfaces?.some((item) => PORT_SECURITY_PROVIDERS.has(item.provider))
    ? [UNFILTERED_SET.groupId]
    : [];
  return {
    estate: {
      ...estate,
      groups: estate.groups.filter((g) => isAudited(g.id)),
      unparseable: estate.unparseable.filter((u) => isAudited(u.groupId)),
      ...(carrying ? { interfaces: carrying } : {}),
    },
    beside: {
      groups: estate.groups.filter((g) => !isAudited(g.id)),
      unparseable: estate.unparseable.filter((u) => !isAudited(u.groupId)),
    },
    setIds: [...groupSetIdsOf(judged), ...unfiltered],
  };
}
