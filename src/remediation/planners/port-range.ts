import type { WardenConfig } from '../../config/schema.ts';
import { intersectRanges, portsLabel, protocolLabel } from '../../model/protocol.ts';
import type { Finding, PortRange, Rule, SecurityGroup } from '../../model/types.ts';
import type { LocatedFinding, PlanDraft } from './common.ts';
import { addOnce, documentedRanges, emptyDraft, groupPortsFor, removeOnce } from './common.ts';
import { withoutNative } from './planned.ts';

// port-range: replace the range by the ports the group is documented to serve within it.

export function rangesText(protocol: Rule['protocol'], ranges: readonly PortRange[]): string {
  return `${protocolLabel(protocol)}/${ranges.map((r) => portsLabel(protocol, r)).join(',')}`;
}

export function planPortRange(_finding: Finding, located: LocatedFinding, group: SecurityGroup, config: WardenConfig): PlanDraft | string {
  const id = located.draft.subject.replace(/^rule\//, '');
  const rule = group.rules.find((r) => r.native.ruleId === id);
  if (!rule) return `rule ${id} is no longer in ${group.id}`;
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return `rule ${id} is not a TCP or UDP rule`;
  const documented = groupPortsFor(group, config);
  if (!documented) {
    return `no ports are documented for ${group.id}: list the ports it serves under remediation.groupPorts["${group.id}"] (or "${group.provider}:${group.name}") to narrow ${rangesText(rule.protocol, rule.ports)}`;
  }
  const keep = intersectRanges(documentedRanges(documented.ports, rule.protocol, rule.protocol), rule.ports);
  const draft = emptyDraft();
  for (const range of keep) addOnce(draft, { ...withoutNative(rule), ports: [range] });
  removeOnce(draft, rule);
  const where = `${group.name} (${group.id})`;
  if (keep.length === 0) {
    draft.summary = `Remove ${id} (${rangesText(rule.protocol, rule.ports)}) from ${where}: none of the ports documented for the group lie in it`;
    draft.notes.push(`access to ${rangesText(rule.protocol, rule.ports)} through ${id} will stop (remediation.groupPorts["${documented.key}"] lists no port in it)`);
  } else {
    draft.summary = `Narrow ${id} on ${where} from ${rangesText(rule.protocol, rule.ports)} to the documented ${rangesText(rule.protocol, keep)}`;
    const still = keep.filter((r) => r.to - r.from + 1 > config.maxPortsPerRule);
    if (still.length > 0) draft.notes.push(`${rangesText(rule.protocol, still)} stays a range (as documented in remediation.groupPorts["${documented.key}"]) and is still reported as port-range`);
  }
  return draft;
}
