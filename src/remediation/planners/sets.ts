import { hashId } from '../../model/ids.ts';
import type { Rule, SecurityGroup } from '../../model/types.ts';
import type { Plan, SetPrecondition } from '../../model/change.ts';

// A finding that comes through a prefix list, address group or port list: the plan says so, changes
// only the group's rules (the list is shared: other groups use it), and holds only while the list
// is as it was when the plan was made.

/** The version a set is at: the provider's own where it has one, else a hash of its entries ('unread' when unknown). */
function versionOf(set: {
  version?: string;
  entries?: readonly string[];
  ports?: readonly { from: number; to: number }[];
}): string {
  if (set.version !== undefined) return set.version;
  const content = set.entries ?? set.ports?.map((p) => `${p.from}-${p.to}`);
  return content === undefined ? 'unread' : `entries:${hashId([...content].sort())}`;
}

/** A set as the group carries it now (a set not read counts as unread). */
function conditionOf(group: SecurityGroup, kind: SetPrecondition['kind'], id: string): SetPrecondition {
  const set =
    kind === 'port-list' ? group.portSets?.find((s) => s.id === id) : group.addressSets?.find((s) => s.id === id);
  return { kind, id, name: set?.name ?? '', version: set ? versionOf(set) : 'unread' };
}

/** The sets the rules name, each once, at their current versions. */
export function setPreconditions(group: SecurityGroup, rules: readonly Rule[]): SetPrecondition[] {
  const out: SetPrecondition[] = [];
  const add = (kind: SetPrecondition['kind'], id: string) => {
    if (!out.some((c) => c.kind === kind && c.id === id)) out.push(conditionOf(group, kind, id));
  };
  for (const rule of rules) {
    if (rule.peer.kind === 'prefix-list' || rule.peer.kind === 'address-group') add(rule.peer.kind, rule.peer.id);
    if (rule.portList) add('port-list', rule.portList.id);
  }
  return out;
}

function label(condition: SetPrecondition): string {
  const kind = condition.kind.replace('-', ' ');
  return `${kind} ${condition.id}${condition.name && condition.name !== condition.id ? ` (${condition.name})` : ''}`;
}

/** The plan's caveat for each set its finding comes through. */
export function setNotes(conditions: readonly SetPrecondition[], group: SecurityGroup): string[] {
  return conditions.map(
    (c) =>
      `the exposure comes through ${label(c)}, which other groups may use: the plan changes only the rules of ${group.name || group.id}, never the list` +
      (c.version === 'unread'
        ? '; its entries could not be read'
        : `; it holds while the list is unchanged (version ${c.version})`),
  );
}

/** How the group's sets differ from what the plan expects, one line each (empty: none). */
export function setDrift(plan: Pick<Plan, 'setPreconditions'>, group: SecurityGroup): string[] {
  const lines: string[] = [];
  for (const expected of plan.setPreconditions ?? []) {
    const now = conditionOf(group, expected.kind, expected.id);
    if (now.version !== expected.version)
      lines.push(
        `${label(expected)} changed since the plan was made (version ${expected.version}, now ${now.version})`,
      );
  }
  return lines;
}
