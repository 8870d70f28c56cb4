import { findingReach } from '../../analysis/finding-reach.ts';
import type { Estate, FindingReach, SecurityGroup } from '../../model/types.ts';
import { code, count, plural } from './elements.ts';

/**
 * "3 interfaces (1 public) · 2 instances: `eni-1` (`i-1`), `eni-2` and 1 more", within `max`
 * characters: the interfaces and instances a finding concerns, named from its capped sample.
 */
export function reachText(reach: FindingReach, max: number): string {
  const head = `${plural(reach.interfaces, 'interface')} (${count(reach.publicInterfaces)} public) · ${plural(reach.instances, 'instance')}`;
  const named: string[] = [];
  // Keep room for " and 1,234,567 more".
  let used = head.length + 2;
  for (const entry of reach.sample) {
    const part = entry.instance
      ? `${code(entry.interface, 60)} (${code(entry.instance, 60)})`
      : code(entry.interface, 60);
    if (used + part.length + 2 > max - 24) break;
    named.push(part);
    used += part.length + 2;
  }
  const more = reach.interfaces - named.length;
  if (named.length === 0) return head;
  return `${head}: ${named.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}`;
}

/** The interfaces and instances that carry a group (`/warden show`), or why they are not known. */
export function groupInterfacesText(estate: Pick<Estate, 'interfaces'>, group: SecurityGroup, max = 1500): string {
  if (estate.interfaces === undefined) return 'not known: the interfaces of this scope were not read';
  const carrying = estate.interfaces.filter(
    (i) =>
      i.provider === group.provider &&
      i.account === group.account &&
      i.region === group.region &&
      i.groupIds.includes(group.id),
  );
  if (carrying.length === 0) return 'attached to no interface';
  return reachText(findingReach(carrying), max);
}
