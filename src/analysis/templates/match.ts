import { canonicalCidr } from '../../model/address.ts';
import { ALL_PORTS, parsePortList, parseProtocol, protocolLabel } from '../../model/protocol.ts';
import { portsText, ruleSignature } from '../../model/rule-signature.ts';
import type { Rule, SecurityGroup } from '../../model/types.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { BUILT_IN_TEMPLATES } from './catalog.ts';
import type { Template, TemplateRule } from './types.ts';

interface Catalog {
  byId: Map<string, Template>;
  /** `${provider}\u0000${name or description}` → the first template that lists it. */
  byName: Map<string, Template>;
}

const catalogs = new WeakMap<WardenConfig, Catalog>();

/** User templates first, then the built-in ones; indexed once per config. */
function catalogOf(config: WardenConfig): Catalog {
  let catalog = catalogs.get(config);
  if (!catalog) {
    const all = [...config.templates.custom, ...BUILT_IN_TEMPLATES] as Template[];
    catalog = { byId: new Map(), byName: new Map() };
    for (const template of all) {
      if (!catalog.byId.has(template.id)) catalog.byId.set(template.id, template);
      for (const provider of template.providers) {
        for (const name of template.names) {
          const key = `${provider}\u0000${name}`;
          if (!catalog.byName.has(key)) catalog.byName.set(key, template);
        }
      }
    }
    catalogs.set(config, catalog);
  }
  return catalog;
}

/** The template a group is meant to follow: assigned in config by id or `provider:name`, else by name (or description). */
export function templateFor(group: SecurityGroup, config: WardenConfig): Template | undefined {
  const catalog = catalogOf(config);
  const assigned = config.templates.assign[group.id] ?? config.templates.assign[`${group.provider}:${group.name}`];
  if (assigned) return catalog.byId.get(assigned);
  return (
    catalog.byName.get(`${group.provider}\u0000${group.name}`) ??
    (group.description !== '' ? catalog.byName.get(`${group.provider}\u0000${group.description}`) : undefined)
  );
}

export function templateRuleSignature(row: TemplateRule): string {
  const protocol = parseProtocol(row.protocol) ?? row.protocol;
  const ports = parsePortList(row.ports) ?? [ALL_PORTS];
  const peer = row.peer === 'self' || row.peer.startsWith('group:') ? row.peer : (canonicalCidr(row.peer) ?? row.peer);
  const parts = [
    row.direction,
    row.action ?? 'allow',
    row.family,
    typeof protocol === 'number' ? protocolLabel(protocol) : String(protocol),
    portsText({ protocol: typeof protocol === 'string' ? (protocol as Rule['protocol']) : protocol, ports }),
    peer,
  ];
  if (row.priority !== undefined) parts.push(String(row.priority));
  return parts.join(' ');
}

export interface TemplateDrift {
  template: Template;
  /** Enabled rules of the group that the template does not have. */
  added: Rule[];
  /** Template rows the group does not have. */
  missing: TemplateRule[];
}

/** Multiset difference between the group's enabled rules and the template's rows. */
export function templateDrift(group: SecurityGroup, template: Template): TemplateDrift {
  const remaining = new Map<string, TemplateRule[]>();
  for (const row of template.rules) {
    const key = templateRuleSignature(row);
    remaining.set(key, [...(remaining.get(key) ?? []), row]);
  }
  const added: Rule[] = [];
  for (const rule of group.rules.filter((r) => r.enabled)) {
    const candidates = [ruleSignature(rule, true), ruleSignature(rule, false)];
    const key = candidates.find((k) => (remaining.get(k)?.length ?? 0) > 0);
    if (key) remaining.get(key)?.shift();
    else added.push(rule);
  }
  return { template, added, missing: [...remaining.values()].flat().filter((row) => !row.optional) };
}

export function describeTemplateRule(row: TemplateRule): string {
  const protocol = row.protocol === 'all' ? 'all protocols' : `${row.protocol}/${row.ports ?? 'all'}`;
  const peer = row.peer === 'self' ? 'this group' : row.peer;
  return `${row.direction} ${row.action ?? 'allow'} ${row.family} ${protocol} ${row.direction === 'ingress' ? 'from' : 'to'} ${peer}`;
}
