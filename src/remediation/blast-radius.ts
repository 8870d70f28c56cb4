import { plural } from '../analysis/describe.ts';
import { isPublicInterface } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { Estate, SecurityGroup } from '../model/types.ts';
import { BLAST_SAMPLE } from '../model/change.ts';
import type { Plan, PlanBlastRadius, PlanTarget } from '../model/change.ts';

// A fix on a group changes traffic on every interface that carries the group: which ones, and how many.

/** The interfaces of the estate that carry the group, by id; undefined when interfaces were not read. */
export function carryingInterfaces(
  estate: Pick<Estate, 'interfaces'>,
  group: Pick<SecurityGroup, 'provider' | 'account' | 'region' | 'id'>,
): NetworkInterface[] | undefined {
  if (!estate.interfaces) return undefined;
  return estate.interfaces
    .filter(
      (i) =>
        i.provider === group.provider &&
        i.account === group.account &&
        i.region === group.region &&
        i.groupIds.includes(group.id),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function instanceOf(networkInterface: NetworkInterface): string | undefined {
  return networkInterface.attachedTo?.kind === 'instance' ? networkInterface.attachedTo.id : undefined;
}

/** The interfaces and instances carrying the plan's group; undefined when interfaces were not read. */
export function blastRadiusOf(estate: Pick<Estate, 'interfaces'>, target: PlanTarget): PlanBlastRadius | undefined {
  const carrying = carryingInterfaces(estate, { ...target, id: target.groupId });
  if (!carrying) return undefined;
  const instances = new Set(carrying.map(instanceOf).filter((id) => id !== undefined));
  return {
    interfaces: carrying.length,
    instances: instances.size,
    publicInterfaces: carrying.filter(isPublicInterface).length,
    sample: carrying.slice(0, BLAST_SAMPLE).map((i) => {
      const instance = instanceOf(i);
      return { interface: i.id, ...(instance ? { instance } : {}), public: isPublicInterface(i) };
    }),
  };
}

/** The plan with the interfaces its group is on, where the estate it was made from read them. */
export function withBlastRadius(plan: Plan, estate: Pick<Estate, 'interfaces'> | undefined): Plan {
  const blastRadius = estate ? blastRadiusOf(estate, plan.target) : undefined;
  return blastRadius ? { ...plan, blastRadius } : plan;
}

/** `this group is on 37 interfaces (12 instances, 3 public); the change touches all of them`. */
export function blastRadiusText(radius: PlanBlastRadius | undefined): string {
  if (!radius) return 'not known (network interfaces were not read): the change was proved on the group alone';
  if (radius.interfaces === 0) return 'this group is on no network interface';
  const touches = radius.interfaces === 1 ? 'the change touches it' : 'the change touches all of them';
  return `this group is on ${plural(radius.interfaces, 'interface')} (${plural(radius.instances, 'instance')}, ${radius.publicInterfaces} public); ${touches}`;
}

/**
 * The sample as one list, `eni-1 (i-1, public), eni-2 (i-2) and 35 more`: ids shown through `show`
 * (escaping for where it goes), and no more of them than fit in `max` characters.
 */
export function blastSampleText(
  radius: PlanBlastRadius,
  show: (id: string) => string = (id) => id,
  max = Number.POSITIVE_INFINITY,
): string {
  const items: string[] = [];
  let used = 0;
  for (const s of radius.sample) {
    const about = [s.instance === undefined ? undefined : show(s.instance), s.public ? 'public' : undefined];
    const known = about.filter((x) => x !== undefined);
    const item = `${show(s.interface)}${known.length ? ` (${known.join(', ')})` : ''}`;
    // Room is kept for the closing "and N more".
    if (used + item.length + 20 > max) break;
    items.push(item);
    used += item.length + 2;
  }
  const more = radius.interfaces - items.length;
  return `${items.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
