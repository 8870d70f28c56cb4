import { placeKey, scopeRuns } from '../model/ids.ts';
import type { WardenConfig } from '../config/schema.ts';
import { filtersByGroups, isPublicInterface } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import { capabilitiesOf } from '../model/providers/index.ts';
import type { Estate, Finding, Rule, SecurityGroup, Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { toFinding } from './check.ts';
import { INTERFACE_CHECKS } from './checks/index.ts';
import { findingReach } from './finding-reach.ts';
import { groupSetScope } from './interface-describe.ts';
import { evaluateInterface, interfacePolicyKey } from './interface-evaluate.ts';
import type { InterfaceCheck } from './interface-check.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import { evaluatedPart, partFromPolicy } from './interface-rules.ts';
import type { GroupPart } from './interface-rules.ts';

/** Interfaces that were read but not judged, and why (never judged on fewer groups than they carry). */
export interface InterfacesNotEvaluated {
  count: number;
  /** One entry per reason, most interfaces first: how many, and the first few by id. */
  reasons: { reason: string; interfaces: number; sample: string[] }[];
}

export interface InterfaceAudit {
  findings: Finding[];
  /** How many interfaces were read, and how many of them were evaluated. */
  interfaces: number;
  evaluated: number;
  notEvaluated: InterfacesNotEvaluated;
}

const REASON_SAMPLE = 5;
const MAX_REASONS = 20;

/** An interface audit under way beside the group audit: told of each group's evaluation as it is made. */
export interface InterfaceAuditRun {
  /**
   * The group audit evaluated `group` (on its applied rules, unreadable ones at their worst) as
   * `policy`. A set is judged as soon as its last audited group is evaluated, and a group's
   * evaluation is let go with the last set that takes it.
   */
  evaluated(group: SecurityGroup, policy: EvaluatedPolicy): void;
  /**
   * The audited groups in the order to evaluate them: the groups of a set together, then those of
   * the sets sharing a group with it, so that evaluations are let go soon after they are made. Any
   * order gives the same findings.
   */
  order: readonly SecurityGroup[];
  /** Judges the sets not judged yet (scopes of groups read beside the audited ones) and reports. */
  finish(): InterfaceAudit;
}

interface JudgedSet {
  carrying: NetworkInterface[];
  /** The groups as the estate holds them, in the interface's order. */
  groups: SecurityGroup[];
}

/**
 * Runs the interface checks once per distinct set of groups on the estate's interfaces (equal
 * `interfacePolicyKey`, equal policy), each finding listing the interfaces it concerns. An interface
 * naming a group that was not read is counted in `notEvaluated`, never judged on the rest.
 * `rulesOf` gives each group's rules as the audit evaluates them (unreadable rules at their worst).
 * `audited` are the groups the caller evaluates and reports through `evaluated`: a set takes each
 * such group's part from that evaluation (evaluating again only rules that name the group itself),
 * so no group is evaluated twice, and an evaluation is held only while a set still needs it (held
 * for a whole fleet, they would survive every young-generation collection, and the audit would
 * spend its time copying them).
 */
export function startInterfaceAudit(
  estate: Estate,
  config: WardenConfig,
  rulesOf: (group: SecurityGroup) => Rule[] = (group) => group.rules,
  audited: readonly SecurityGroup[] = [],
): InterfaceAuditRun {
  const interfaces = estate.interfaces ?? [];
  const disabled = new Set(config.checks.disabled);
  const checks = INTERFACE_CHECKS.filter((c) => !disabled.has(c.meta.id));
  const groups = new Map<string, SecurityGroup>();
  for (const group of estate.groups) groups.set(placeKey(group, group.id), group);

  const missing = new Map<string, string[]>();
  const bySet = new Map<string, NetworkInterface[]>();
  let notEvaluated = 0;
  // Fleets share a group list: its groups and its set are looked up once per list, not per interface.
  const listOf = groupLists();
  for (const item of interfaces) {
    const node = listOf(item);
    let list = node.list;
    if (!list) {
      // A port whose groups do not filter it is judged without them: they decide nothing there.
      const filtered = filtersByGroups(item);
      const unread = filtered ? [...new Set(item.groupIds)].filter((id) => !groups.has(placeKey(item, id))) : [];
      const judged = unread.length === 0 && (item.groupIds.length > 0 || !filtered);
      let carrying: NetworkInterface[] | undefined;
      if (judged) {
        const key = interfacePolicyKey(item);
        carrying = bySet.get(key);
        if (!carrying) {
          carrying = [];
          bySet.set(key, carrying);
        }
      }
      list = { unread, carrying };
      node.list = list;
    }
    if (list.unread.length > 0) {
      notEvaluated++;
      for (const id of list.unread) {
        const reason = `group ${id} is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read)`;
        const ids = missing.get(reason);
        if (ids) ids.push(item.id);
        else missing.set(reason, [item.id]);
      }
      continue;
    }
    list.carrying?.push(item);
  }

  // The sets worth judging, each waiting for its audited groups' evaluations.
  const judged: JudgedSet[] = [];
  for (const carrying of bySet.values()) {
    const first = carrying[0] as NetworkInterface;
    const setGroups = (filtersByGroups(first) ? first.groupIds : []).map(
      (id) => groups.get(placeKey(first, id)) as SecurityGroup,
    );
    // A set only private interfaces carry, whose groups combine as a union, has nothing to report:
    // no exposure to the Internet, and no rule one group could override in another.
    if (
      filtersByGroups(first) &&
      !carrying.some(isPublicInterface) &&
      setGroups.every((g) => capabilitiesOf(g).multiGroup === 'union')
    )
      continue;
    judged.push({ carrying, groups: setGroups });
  }
  const isAudited = new Set(audited);
  // Per set, how many of its audited groups are still to be evaluated; per group, its sets and how many are not judged yet.
  const awaiting = new Map<JudgedSet, number>();
  const setsOf = new Map<SecurityGroup, JudgedSet[]>();
  const unjudged = new Map<SecurityGroup, number>();
  for (const set of judged) {
    const distinct = new Set(set.groups);
    let count = 0;
    for (const group of distinct) {
      unjudged.set(group, (unjudged.get(group) ?? 0) + 1);
      if (!isAudited.has(group)) continue;
      count++;
      const sets = setsOf.get(group);
      if (sets) sets.push(set);
      else setsOf.set(group, [set]);
    }
    awaiting.set(set, count);
  }

  const order = judgingOrder(judged, audited, isAudited, setsOf);

  // The groups as the audit evaluates them (unreadable rules at their worst), one object per group.
  const asAudited = new Map<SecurityGroup, SecurityGroup>();
  const auditedAs = (group: SecurityGroup): SecurityGroup => {
    let known = asAudited.get(group);
    if (!known) {
      const rules = rulesOf(group);
      known = rules === group.rules ? group : { ...group, rules };
      asAudited.set(group, known);
    }
    return known;
  };
  // Keyed by the group as audited: the estate's group (its part taken from the group audit's
  // evaluation), or its copy with stand-ins, or a group read beside (evaluated here).
  const parts = new Map<SecurityGroup, GroupPart>();
  const partOf = (group: SecurityGroup): GroupPart => {
    let part = parts.get(group);
    if (!part) {
      part = evaluatedPart(group);
      parts.set(group, part);
    }
    return part;
  };
  const merged = new Map<string, { finding: Finding; interfaces: NetworkInterface[] }>();

  const judge = (set: JudgedSet): void => {
    awaiting.delete(set);
    const first = set.carrying[0] as NetworkInterface;
    const policy = evaluateInterface(first, set.groups.map(auditedAs), partOf);
    const where = { provider: first.provider, account: first.account, region: first.region, ...groupSetScope(policy) };
    for (const check of checks as readonly InterfaceCheck[]) {
      for (const draft of check.run({ policy, interfaces: set.carrying, config })) {
        const severity = config.checks.severity[check.meta.id] ?? draft.severity ?? check.meta.severity;
        const finding = toFinding(check.meta, where, draft, severity);
        // Two listings of one set (bind order known on some interfaces, not on others) are one finding.
        const known = merged.get(finding.fingerprint);
        if (!known) merged.set(finding.fingerprint, { finding, interfaces: [...draft.interfaces] });
        else {
          known.interfaces.push(...draft.interfaces);
          if (rank(finding.severity) < rank(known.finding.severity)) known.finding = finding;
        }
      }
    }
    // A group's evaluation is let go with the last set that takes it.
    for (const group of new Set(set.groups)) {
      const left = (unjudged.get(group) ?? 1) - 1;
      if (left > 0) unjudged.set(group, left);
      else {
        unjudged.delete(group);
        parts.delete(auditedAs(group));
      }
    }
  };

  return {
    order,
    evaluated(group, policy) {
      const sets = setsOf.get(group);
      if (!sets) return;
      setsOf.delete(group);
      // Only a group evaluated on its own rules gives the part as it is (stand-ins make another rule list).
      if (auditedAs(group) === group) parts.set(group, partFromPolicy(group, policy));
      for (const set of sets) {
        const left = (awaiting.get(set) as number) - 1;
        if (left > 0) awaiting.set(set, left);
        else judge(set);
      }
    },
    finish() {
      for (const set of [...awaiting.keys()]) judge(set);
      const findings = [...merged.values()].map(({ finding, interfaces: concerned }) => ({
        ...finding,
        reach: findingReach(concerned),
      }));
      return {
        findings,
        interfaces: interfaces.length,
        evaluated: interfaces.length - notEvaluated,
        notEvaluated: { count: notEvaluated, reasons: reasonsOf(missing) },
      };
    },
  };
}

/** What the interfaces listing one group list (in one scope, read one way) have in common. */
interface GroupList {
  /** The groups it names that were not read: its interfaces are not judged. */
  unread: string[];
  /** The interfaces of its set (shared by the lists with the same `interfacePolicyKey`), unless not judged. */
  carrying: NetworkInterface[] | undefined;
}

interface GroupListNode {
  next?: Map<string, GroupListNode>;
  list?: GroupList;
}

/**
 * The node of an interface's group list: per scope and reading, then one step per group id, so no key
 * is made per interface.
 */
function groupLists(): (item: NetworkInterface) => GroupListNode {
  const scopes = scopeRuns(() => new Map<string, GroupListNode>());
  return (item) => {
    const readings = scopes.at(item);
    const reading = readingOf(item);
    let node: GroupListNode | undefined = readings.get(reading);
    if (!node) {
      node = {};
      readings.set(reading, node);
    }
    for (let i = 0; i < item.groupIds.length; i++) {
      const id = item.groupIds[i] as string;
      const next: Map<string, GroupListNode> = (node.next ??= new Map());
      let child: GroupListNode | undefined = next.get(id);
      if (!child) {
        child = {};
        next.set(id, child);
      }
      node = child;
    }
    return node;
  };
}

/** How an interface's group list is read: its order, and whether its groups filter it (constant strings, made once). */
function readingOf(item: NetworkInterface): string {
  const disabled = item.filtering === 'disabled';
  if (item.groupOrder === 'bind') return disabled ? 'bind|disabled' : 'bind|groups';
  return disabled ? 'unknown|disabled' : 'unknown|groups';
}

/** The audited groups, those of the judged sets first: depth first through the sets that share a group. */
function judgingOrder(
  judged: readonly JudgedSet[],
  audited: readonly SecurityGroup[],
  isAudited: ReadonlySet<SecurityGroup>,
  setsOf: ReadonlyMap<SecurityGroup, readonly JudgedSet[]>,
): SecurityGroup[] {
  const order: SecurityGroup[] = [];
  const placed = new Set<SecurityGroup>();
  const reached = new Set<JudgedSet>();
  for (const start of judged) {
    if (reached.has(start)) continue;
    reached.add(start);
    const stack = [start];
    for (let set = stack.pop(); set; set = stack.pop()) {
      for (const group of set.groups) {
        if (!isAudited.has(group) || placed.has(group)) continue;
        placed.add(group);
        order.push(group);
      }
      for (const group of set.groups)
        for (const next of setsOf.get(group) ?? [])
          if (!reached.has(next)) {
            reached.add(next);
            stack.push(next);
          }
    }
  }
  for (const group of audited) if (!placed.has(group)) order.push(group);
  return order;
}

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

function reasonsOf(missing: ReadonlyMap<string, string[]>): InterfacesNotEvaluated['reasons'] {
  return [...missing]
    .map(([reason, ids]) => ({ reason, interfaces: ids.length, sample: [...ids].sort().slice(0, REASON_SAMPLE) }))
    .sort((a, b) => b.interfaces - a.interfaces || (a.reason < b.reason ? -1 : 1))
    .slice(0, MAX_REASONS);
}
