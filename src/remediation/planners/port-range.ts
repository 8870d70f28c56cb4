import { spaceOf } from '../../analysis/evaluate.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { intersectRanges, mergeRanges, portsLabel, protocolLabel } from '../../model/protocol.ts';
import type { Finding, PortRange, Rule, SecurityGroup } from '../../model/types.ts';
import type { LocatedFinding, PlanDraft } from './common.ts';
import type { Planner } from './fixers.ts';
import type { ScopePart } from './scope.ts';
import { addOnce, documentedRanges, emptyDraft, groupPortsFor, removeOnce } from './common.ts';
import { withoutNative } from './planned.ts';

// port-range: replace the range by the ports the group is documented to serve within it.

export function rangesText(protocol: Rule['protocol'], ranges: readonly PortRange[]): string {
  return `${protocolLabel(protocol)}/${ranges.map((r) => portsLabel(protocol, r)).join(',')}`;
}

export function planPortRange(
  _finding: Finding,
  located: LocatedFinding,
  group: SecurityGroup,
  config: WardenConfig,
): PlanDraft | string {
  // The subject names the rule by content; the draft carries the provider id of each rule with that content.
  const id = located.draft.ruleIds.join(', ');
  const rules = located.draft.ruleIds.map((ruleId) => group.rules.find((r) => r.native.ruleId === ruleId));
  const rule = rules[0];
  if (!rule || rules.some((r) => r === undefined)) return `rule ${id} is no longer in ${group.id}`;
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return `rule ${id} is not a TCP or UDP rule`;
  const documented = groupPortsFor(group, config);
  if (!documented) {
    return `no ports are documented for ${group.id}: list the ports it serves under remediation.groupPorts["${group.id}"] (or "${group.provider}:${group.name}") to narrow ${rangesText(rule.protocol, rule.ports)}`;
  }
  const keep = intersectRanges(documentedRanges(documented.ports, rule.protocol, rule.protocol), rule.ports);
  // Replacing the rule by the same ports would change its id and nothing else.
  if (rangesText(rule.protocol, keep) === rangesText(rule.protocol, mergeRanges(rule.ports))) {
    return `every port of ${rangesText(rule.protocol, rule.ports)} is documented for ${group.id} (remediation.groupPorts["${documented.key}"]): there is nothing to narrow`;
  }
  const draft = emptyDraft();
  for (const range of keep) addOnce(draft, { ...withoutNative(rule), ports: [range] });
  for (const each of rules as Rule[]) removeOnce(draft, each);
  const where = `${group.name} (${group.id})`;
  if (keep.length === 0) {
    draft.summary = `Remove ${id} (${rangesText(rule.protocol, rule.ports)}) from ${where}: none of the ports documented for the group lie in it`;
    draft.notes.push(
      `access to ${rangesText(rule.protocol, rule.ports)} through ${id} will stop (remediation.groupPorts["${documented.key}"] lists no port in it)`,
    );
  } else {
    draft.summary = `Narrow ${id} on ${where} from ${rangesText(rule.protocol, rule.ports)} to the documented ${rangesText(rule.protocol, keep)}`;
    const still = keep.filter((r) => r.to - r.from + 1 > config.maxPortsPerRule);
    if (still.length > 0)
      draft.notes.push(
        `${rangesText(rule.protocol, still)} stays a range (as documented in remediation.groupPorts["${documented.key}"]) and is still reported as port-range`,
      );
  }
  return draft;
}

/** The ports of the finding's rule, in its direction, protocol and address space. */
function portRangeScope({ draft }: LocatedFinding, group: SecurityGroup): ScopePart[] {
  // Every rule of the finding's content (TCP 0-65535 and 1-65535 are one content): their ports together.
  const rules = group.rules.filter((r) => draft.ruleIds.includes(r.native.ruleId));
  const rule = rules[0];
  const space = rule && spaceOf(rule);
  if (!rule || !space) return [];
  return [
    {
      direction: rule.direction,
      spaces: [space.key],
      protocols: [rule.protocol],
      ports: mergeRanges(rules.flatMap((r) => r.ports)),
    },
  ];
}

export const portRangeFixer: Planner = { plan: planPortRange, scope: portRangeScope };
