import type { NetworkInterface } from '../model/network-interface.ts';
import type { InterfaceTarget } from '../ports/realtime.ts';

// An interface or instance changed (an address associated, an interface attached, its groups set):
// the groups to audit are those its interfaces carry, as the scope's interface listing says.

/**
 * The interfaces of the listing the change concerns: the interface it names, else every interface
 * attached to the instance it names; none when the listing was not read or does not hold them.
 */
export function interfacesOfChange(
  interfaces: readonly NetworkInterface[] | undefined,
  target: InterfaceTarget,
): NetworkInterface[] {
  if (interfaces === undefined) return [];
  const { interfaceId, instanceId } = target;
  const named = interfaceId === undefined ? [] : interfaces.filter((item) => item.id === interfaceId);
  if (named.length > 0 || instanceId === undefined) return named;
  return interfaces.filter((item) => item.attachedTo?.kind === 'instance' && item.attachedTo.id === instanceId);
}

/**
 * The `groupId`s under which the interface checks record the findings of these interfaces' sets of
 * several groups: `a+b`, in bind order where it decides, else sorted (both spellings).
 */
export function groupSetIdsOf(interfaces: readonly NetworkInterface[]): string[] {
  const ids = new Set<string>();
  for (const item of interfaces) {
    if (item.groupIds.length > 1) {
      ids.add(item.groupIds.join('+'));
      ids.add([...item.groupIds].sort().join('+'));
    }
  }
  return [...ids];
}
