import { describeRule } from '../../analysis/describe.ts';
import { describeTemplateRule, templateDrift, templateFor } from '../../analysis/templates/match.ts';
import type { TemplateRule } from '../../analysis/templates/types.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { canonicalCidr, parseCidr } from '../../model/address.ts';
import { ALL_PORTS, hasPorts, mergeRanges, parseProtocol } from '../../model/protocol.ts';
import { capabilitiesOf, descriptorOf, isSystemPriority } from '../../model/providers/index.ts';
import type { Finding, Peer, PortRange, SecurityGroup } from '../../model/types.ts';
import type { NewRule } from '../../model/change.ts';
import type { PlanDraft } from './common.ts';
import type { Planner } from './fixers.ts';
import { addOnce, emptyDraft, removeOnce } from './common.ts';

// template-drift: restore the template. Also the rows all-ports plans draw from.

function parseRowPorts(text: string | undefined): PortRange[] | undefined {
  if (text === undefined || text.trim() === '' || text.trim() === 'all') return [ALL_PORTS];
  const ranges: PortRange[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from > to || to > 65535) return undefined;
    ranges.push({ from, to });
  }
  return mergeRanges(ranges);
}

/**
 * A template row as a rule to add to the group: `self` becomes the group's own id, `group:<id>` a
 * reference to that group, a CIDR its canonical text; no priority means 1. Throws on a row it cannot read.
 */
export function templateRowToRule(
  row: TemplateRule,
  group: SecurityGroup,
  description = 'warden: template row',
): NewRule {
  const protocol = parseProtocol(row.protocol);
  if (protocol === undefined)
    throw new Error(`template row "${describeTemplateRule(row)}": ${JSON.stringify(row.protocol)} is not a protocol`);
  const parsed = hasPorts(protocol) ? parseRowPorts(row.ports) : [ALL_PORTS];
  if (!parsed)
    throw new Error(`template row "${describeTemplateRule(row)}": ${JSON.stringify(row.ports)} is not a port list`);
  let peer: Peer;
  if (row.peer === 'self') peer = { kind: 'group', groupId: group.id, self: true };
  else if (row.peer.startsWith('group:')) {
    const id = row.peer.slice('group:'.length);
    peer = { kind: 'group', groupId: id, self: id === group.id };
  } else {
    const cidr = canonicalCidr(row.peer);
    const block = cidr === undefined ? undefined : parseCidr(cidr);
    if (!cidr || !block)
      throw new Error(
        `template row "${describeTemplateRule(row)}": ${JSON.stringify(row.peer)} is not a CIDR, self or group:<id>`,
      );
    if (block.family !== row.family)
      throw new Error(`template row "${describeTemplateRule(row)}": ${cidr} is not an ${row.family} block`);
    peer = { kind: 'cidr', cidr };
  }
  return {
    direction: row.direction,
    action: row.action ?? 'allow',
    priority: row.priority ?? 1,
    family: row.family,
    protocol,
    ports: parsed,
    peer,
    enabled: true,
    description: row.description ?? description,
  };
}

export function planTemplateDrift(_finding: Finding, group: SecurityGroup, config: WardenConfig): PlanDraft | string {
  const template = templateFor(group, config);
  if (!template) return `no template applies to ${group.id} any more`;
  const drift = templateDrift(group, template);
  const can = capabilitiesOf(group);
  const system = drift.missing.filter((row) => isSystemPriority(can, row.priority ?? 1));
  if (system.length > 0) {
    const { min, max } = can.priorities;
    return `${describeTemplateRule(system[0] as TemplateRule)} sits at priority ${system[0]?.priority}, where only ${descriptorOf(group.provider).title} itself creates rules (the API takes ${min}..${max}): it cannot be restored by a plan`;
  }
  const draft = emptyDraft();
  try {
    for (const row of drift.missing)
      addOnce(draft, templateRowToRule(row, group, `warden: template ${template.id}`), `template ${template.id}`);
  } catch (error) {
    return (error as Error).message;
  }
  for (const rule of drift.added) removeOnce(draft, rule);
  const parts: string[] = [];
  if (drift.added.length) parts.push(`remove ${drift.added.length} added rule${drift.added.length === 1 ? '' : 's'}`);
  if (drift.missing.length)
    parts.push(`add back ${drift.missing.length} missing row${drift.missing.length === 1 ? '' : 's'}`);
  draft.summary = `Restore template ${template.id} on ${group.name} (${group.id}): ${parts.join(' and ')}`;
  if (drift.added.length) draft.notes.push(`access through ${drift.added.map(describeRule).join('; ')} will stop`);
  return draft;
}

/** Restoring a template may change any part of the group. */
export const templateDriftFixer: Planner = {
  plan: (finding, _located, group, config) => planTemplateDrift(finding, group, config),
  scope: () => [{}],
};
