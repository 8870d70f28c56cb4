import { placeKey, scopeRuns } from '../model/ids.ts';
import { isPublicInterface } from '../model/network-interface.ts';
import type { GroupUse, GroupUseKind, NetworkInterface } from '../model/network-interface.ts';
import type { Estate, SecurityGroup, Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';

/** What carries a group, and whether any of it can be reached from the Internet. */
export interface GroupReach {
  /** The interfaces that carry the group. */
  interfaces: NetworkInterface[];
  /** How many of them have a public address (or addresses that could not be read). */
  publicInterfaces: number;
  /** Launch templates and configurations that name the group. */
  uses: GroupUse[];
  /** The kinds of them that were listed for the group's provider (a kind not here was not read, so `uses` may miss it). */
  usesListed: ReadonlySet<GroupUseKind>;
  /** How many of them give what they launch a public address. */
  publicUses: number;
}

/** The checks whose findings say what a group opens to the Internet: their severity follows reachability. */
export const INTERNET_EXPOSURE_CHECKS: ReadonlySet<string> = new Set([
  'internet-admin-port',
  'internet-high-risk-port',
  'internet-all-ports',
  'wide-public-cidr',
]);

/**
 * The reach of each group, or undefined for a group whose interfaces were not read (a snapshot
 * without an interface listing, a scope whose listing failed): such a group is judged as before.
 */
export function reachIndex(estate: Estate): (group: SecurityGroup) => GroupReach | undefined {
  const interfaces = estate.interfaces;
  if (interfaces === undefined) return () => undefined;
  // By scope, then group id. Each interface is asked whether it is public once, not once per group it carries.
  const byScope = scopeRuns(() => new Map<string, Carrying>());
  for (const item of interfaces) {
    const byGroup = byScope.at(item);
    const isPublic = isPublicInterface(item) ? 1 : 0;
    for (const groupId of item.groupIds) {
      const carrying = byGroup.get(groupId);
      if (carrying) {
        carrying.interfaces.push(item);
        carrying.publicInterfaces += isPublic;
      } else byGroup.set(groupId, { interfaces: [item], publicInterfaces: isPublic });
    }
  }
  const usesByGroup = new Map<string, GroupUse[]>();
  for (const use of estate.groupUses ?? []) {
    const key = placeKey(use, use.groupId);
    const list = usesByGroup.get(key);
    if (list) list.push(use);
    else usesByGroup.set(key, [use]);
  }
  const listed = new Map<string, Set<GroupUseKind>>();
  for (const listing of estate.groupUseListings ?? []) {
    const kinds = listed.get(listing.provider) ?? new Set<GroupUseKind>();
    kinds.add(listing.kind);
    listed.set(listing.provider, kinds);
  }
  const none: ReadonlySet<GroupUseKind> = new Set();
  const carriedByNone: Carrying = { interfaces: [], publicInterfaces: 0 };
  const noUses: GroupUse[] = [];
  return (group) => {
    if (group.attachments === undefined) return undefined;
    const { interfaces: carrying, publicInterfaces } = byScope.find(group)?.get(group.id) ?? carriedByNone;
    const uses = usesByGroup.size === 0 ? noUses : (usesByGroup.get(placeKey(group, group.id)) ?? noUses);
    let publicUses = 0;
    for (let i = 0; i < uses.length; i++) if ((uses[i] as GroupUse).assignsPublicAddress) publicUses++;
    return { interfaces: carrying, publicInterfaces, uses, usesListed: listed.get(group.provider) ?? none, publicUses };
  };
}

/** The interfaces that carry one group, and how many of them are public. */
interface Carrying {
  interfaces: NetworkInterface[];
  publicInterfaces: number;
}

/** Whether nothing that carries or launches with the group can be reached from the Internet. */
export function isUnreachable(reach: GroupReach): boolean {
  return reach.publicInterfaces === 0 && reach.publicUses === 0;
}

/** "attached to 3 interfaces, none public" — the reason a group's Internet findings rank lower. */
export function unreachableNote(reach: GroupReach): string {
  const carried =
    reach.interfaces.length === 0
      ? 'attached to no interface'
      : `attached to ${reach.interfaces.length} interface${reach.interfaces.length === 1 ? '' : 's'}, none public`;
  const launched =
    reach.uses.length === 0
      ? ''
      : `; named by ${reach.uses.length} launch template${reach.uses.length === 1 ? '' : 's'} or configuration${reach.uses.length === 1 ? '' : 's'}, none assigning a public address`;
  return `${carried}${launched}`;
}

/** A severity lowered by `levels` (never below the lowest). */
export function lowerSeverity(severity: Severity, levels: number): Severity {
  const index = SEVERITIES.indexOf(severity);
  return SEVERITIES[Math.min(SEVERITIES.length - 1, index + levels)] as Severity;
}
