import { evaluateGroup } from '../../analysis/evaluate.ts';
import type { EvaluatedPolicy } from '../../analysis/evaluate.ts';
import { isInternet, weakestExposure } from '../../analysis/exposure.ts';
import { publicCount, publicShare } from '../../analysis/public-space.ts';
import { BUILT_IN_TEMPLATES } from '../../analysis/templates/catalog.ts';
import { templateFor } from '../../analysis/templates/match.ts';
import { ruleSignature } from '../../model/rule-signature.ts';
import type { Template, TemplateRule } from '../../analysis/templates/types.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { parseCidr } from '../../model/address.ts';
import {
  MAX_PORT,
  hasPorts,
  intersectRanges,
  portsLabel,
  protocolLabel,
  subtractRanges,
} from '../../model/protocol.ts';
import { capabilitiesOf, isSystemPriority } from '../../model/providers/index.ts';
import type { Family, Finding, PortRange, Rule, SecurityGroup } from '../../model/types.ts';
import type { NewRule } from '../../model/change.ts';
import { portsOf } from '../../analysis/rule-space.ts';
import { applyOperations, plannedRule, withPorts } from './planned.ts';
import type { LocatedFinding, PlanDraft } from './common.ts';
import type { Planner } from './fixers.ts';
import {
  addOnce,
  documentedRanges,
  emptyDraft,
  groupPortsFor,
  noteOnce,
  removeOnce,
  sourceText,
  trustedPeer,
  trustedSourcesFor,
} from './common.ts';
import type { GroupPort } from './common.ts';
import { templateRowToRule } from './template.ts';
import { wouldWiden } from './policy.ts';

// internet-all-ports: replace the rules that open every port to the Internet with the documented
// ports: the group's template if it is narrower, else the ports config documents for the group,
// else for a Sys-FullAccess group the Sys-WebServer rows without the admin ports.

const WEB_SERVER_ID = 'huawei-sys-webserver';

type Open = { family: Family; protocol: 'all' | 'tcp' | 'udp' };

/** Families and protocols over which every port is open to the Internet (what the check reports). */
export function openEverywhere(policy: EvaluatedPolicy, config: WardenConfig): Open[] {
  const open: Open[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (isInternet(weakestExposure(policy, 'ingress', family, 'all', { from: 0, to: MAX_PORT }), config))
      open.push({ family, protocol: 'all' });
    for (const protocol of ['tcp', 'udp'] as const) {
      if (isInternet(weakestExposure(policy, 'ingress', family, protocol, { from: 1, to: MAX_PORT }), config))
        open.push({ family, protocol });
    }
  }
  return open;
}

function internetWide(cidr: string, config: WardenConfig): boolean {
  const block = parseCidr(cidr);
  return (
    block !== undefined &&
    publicShare(block.family, publicCount(block.family, block.lo, block.hi)) >= config.internet.minShare
  );
}

function rowOpensEverything(row: TemplateRule, config: WardenConfig): boolean {
  if (
    row.direction !== 'ingress' ||
    (row.action ?? 'allow') !== 'allow' ||
    row.peer === 'self' ||
    row.peer.startsWith('group:')
  )
    return false;
  if (!internetWide(row.peer, config)) return false;
  return (
    row.protocol === 'all' ||
    ((row.protocol === 'tcp' || row.protocol === 'udp') &&
      (row.ports === undefined || row.ports === 'all' || row.ports === '1-65535' || row.ports === '0-65535'))
  );
}

function within(inner: readonly PortRange[], outer: readonly PortRange[]): boolean {
  return subtractRanges(inner, outer).length === 0;
}

function blockWithin(inner: Rule['peer'], outer: NewRule['peer']): boolean {
  if (inner.kind !== 'cidr' || outer.kind !== 'cidr') return false;
  const a = parseCidr(inner.cidr);
  const b = parseCidr(outer.cidr);
  return a !== undefined && b !== undefined && a.family === b.family && b.lo <= a.lo && a.hi <= b.hi;
}

/** A rule the documented rules already cover: same family, protocol (or an all-protocol row), ports and source inside. */
function documentedBy(rule: Rule, documented: readonly NewRule[]): boolean {
  return documented.some(
    (d) =>
      d.family === rule.family &&
      d.direction === rule.direction &&
      d.action === 'allow' &&
      (d.protocol === 'all' ||
        (d.protocol === rule.protocol && (!hasPorts(rule.protocol) || within(rule.ports, d.ports)))) &&
      blockWithin(rule.peer, d.peer),
  );
}

function listText(rules: readonly NewRule[]): string {
  const parts = rules.map((r) =>
    r.protocol === 'all'
      ? 'all traffic'
      : hasPorts(r.protocol)
        ? `${protocolLabel(r.protocol)}/${r.ports.map((p) => portsLabel(r.protocol, p)).join(',')}`
        : protocolLabel(r.protocol),
  );
  return [...new Set(parts)].join(', ') || 'nothing';
}

interface Source {
  kind: 'template' | 'group-ports';
  label: string;
  template?: Template;
  /** Built-in templates open admin ports to the Internet (Sys-WebServer, Alibaba default): those rows are left out. */
  dropAdmin: boolean;
  ports?: GroupPort[];
  key?: string;
}

function sourceFor(group: SecurityGroup, config: WardenConfig): Source | string {
  const template = templateFor(group, config);
  const custom = (id: string) => config.templates.custom.some((t) => t.id === id);
  if (template && !template.rules.some((row) => rowOpensEverything(row, config))) {
    return { kind: 'template', label: `template ${template.id}`, template, dropAdmin: !custom(template.id) };
  }
  const documented = groupPortsFor(group, config);
  if (documented)
    return {
      kind: 'group-ports',
      label: `remediation.groupPorts["${documented.key}"]`,
      ports: documented.ports,
      key: documented.key,
      dropAdmin: false,
    };
  const web = BUILT_IN_TEMPLATES.find((t) => t.id === WEB_SERVER_ID) as Template;
  // The documented web-server template stands in only on the cloud that documents it.
  if (template && web.providers.includes(group.provider) && template.providers.includes(group.provider)) {
    return {
      kind: 'template',
      label: `template ${WEB_SERVER_ID} without the admin ports`,
      template: web,
      dropAdmin: true,
    };
  }
  const why = template ? `its template ${template.id} opens every port itself` : 'no template applies to it';
  return `${group.id} has no narrower documented policy (${why}): assign it a template (templates.assign) or list the ports it serves under remediation.groupPorts["${group.id}"] (or "${group.provider}:${group.name}")`;
}

interface Documented {
  rules: { rule: NewRule; label?: string }[];
  /** Admin ports a built-in template would open to the Internet, per family: left to trusted sources. */
  droppedAdmin: { family: Family; protocol: 'tcp' | 'udp'; port: number; priority: number }[];
}

/** The template's ingress rows with a CIDR source, in the open families, admin ports cut out for built-in templates. */
function templateRows(
  source: Source,
  group: SecurityGroup,
  families: ReadonlySet<Family>,
  config: WardenConfig,
  priorityFor: (family: Family) => number,
): Documented {
  const template = source.template as Template;
  const out: Documented = { rules: [], droppedAdmin: [] };
  for (const row of template.rules) {
    if (
      row.direction !== 'ingress' ||
      row.peer === 'self' ||
      row.peer.startsWith('group:') ||
      !families.has(row.family)
    )
      continue;
    let rule = templateRowToRule(row, group, `warden: ${source.label}`);
    if (row.priority === undefined) rule = { ...rule, priority: priorityFor(row.family) };
    // Alibaba's default rows sit at 110, where only the system puts rules: the API's lowest priority instead.
    const can = capabilitiesOf(group);
    if (isSystemPriority(can, rule.priority)) rule = { ...rule, priority: can.priorities.max };
    if (
      source.dropAdmin &&
      rule.action === 'allow' &&
      (rule.protocol === 'tcp' || rule.protocol === 'udp') &&
      rule.peer.kind === 'cidr' &&
      internetWide(rule.peer.cidr, config)
    ) {
      const admin = config.adminPorts.filter((p) => rule.ports.some((r) => r.from <= p && p <= r.to));
      for (const port of admin)
        out.droppedAdmin.push({ family: rule.family, protocol: rule.protocol, port, priority: rule.priority });
      const rest = subtractRanges(
        rule.ports,
        admin.map((p) => ({ from: p, to: p })),
      );
      for (const range of rest) out.rules.push({ rule: { ...rule, ports: [range] }, label: source.label });
      continue;
    }
    out.rules.push({ rule, label: source.label });
  }
  return out;
}

/** Per removed rule, the documented ports within it (bare ports in the rule's protocol, TCP for all-protocol rules). */
function groupPortRows(source: Source, candidates: readonly Rule[], group: SecurityGroup): Documented {
  const out: Documented = { rules: [], droppedAdmin: [] };
  for (const rule of candidates) {
    const protocols =
      rule.protocol === 'all'
        ? (['tcp', 'udp'] as const)
        : rule.protocol === 'tcp' || rule.protocol === 'udp'
          ? [rule.protocol]
          : [];
    for (const protocol of protocols) {
      for (const range of intersectRanges(
        documentedRanges(source.ports ?? [], protocol, rule.protocol),
        portsOf(rule, group).ports,
      )) {
        out.rules.push({
          rule: { ...withPorts(rule, [range]), protocol, description: `warden: ${source.label}` },
          label: source.label,
        });
      }
    }
  }
  return out;
}

export function planAllPorts(
  _finding: Finding,
  located: LocatedFinding,
  group: SecurityGroup,
  config: WardenConfig,
): PlanDraft | string {
  const open = openEverywhere(located.policy, config);
  if (open.length === 0) return `no port of ${group.id} is open to the Internet any more`;
  const source = sourceFor(group, config);
  if (typeof source === 'string') return source;
  const families = new Set(open.map((o) => o.family));
  // Every rule that lets the Internet in over an open family, whether or not it decides today (the outcome must not depend on rule order).
  let candidates = group.rules.filter(
    (r) =>
      r.enabled &&
      r.direction === 'ingress' &&
      r.action === 'allow' &&
      r.peer.kind === 'cidr' &&
      families.has(r.family) &&
      internetWide(r.peer.cidr, config) &&
      (r.protocol === 'all' || hasPorts(r.protocol)),
  );
  let draft: PlanDraft | string = emptyDraft();
  for (let round = 0; round < 8; round++) {
    draft = build(group, config, located.policy, source, candidates, families);
    if (typeof draft === 'string') return draft;
    const after = evaluateGroup(
      applyOperations(
        { ...group, rules: group.rules.filter((r) => !(draft as PlanDraft).removes.includes(r)) },
        (draft as PlanDraft).adds.map((a) => ({ op: 'add' as const, rule: a.rule })),
      ),
    );
    const still = openEverywhere(after, config);
    if (still.length === 0) break;
    const fresh = new Set<Rule>();
    for (const o of still) {
      const exposure = weakestExposure(
        after,
        'ingress',
        o.family,
        o.protocol,
        o.protocol === 'all' ? { from: 0, to: MAX_PORT } : { from: 1, to: MAX_PORT },
      );
      for (const rule of exposure.rules) if (group.rules.includes(rule) && !candidates.includes(rule)) fresh.add(rule);
    }
    if (fresh.size === 0) break;
    candidates = [...candidates, ...fresh];
  }
  return draft;
}

function build(
  group: SecurityGroup,
  config: WardenConfig,
  policy: EvaluatedPolicy,
  source: Source,
  candidates: readonly Rule[],
  families: ReadonlySet<Family>,
): PlanDraft | string {
  const lowest = (family: Family) =>
    Math.min(...candidates.filter((r) => r.family === family).map((r) => r.priority), Infinity);
  const priorityFor = (family: Family) => (Number.isFinite(lowest(family)) ? lowest(family) : 1);
  let documented: Documented;
  try {
    documented =
      source.kind === 'template'
        ? templateRows(source, group, families, config, priorityFor)
        : groupPortRows(source, candidates, group);
  } catch (error) {
    return (error as Error).message;
  }
  const draft = emptyDraft();
  const rows = documented.rules.map((d) => d.rule);
  const removes = candidates.filter((r) => !documentedBy(r, rows));
  for (const rule of removes) removeOnce(draft, rule);
  const kept = group.rules.filter((r) => r.enabled && !removes.includes(r));
  const present = (rule: NewRule) =>
    kept.some((r) => ruleSignature(r, false) === ruleSignature(plannedRule(rule, 0), false));
  for (const { rule, label } of documented.rules) {
    if (present(rule)) continue;
    if (wouldWiden(policy, rule)) {
      noteOnce(
        draft,
        `${listText([rule])} from ${rule.peer.kind === 'cidr' ? rule.peer.cidr : 'its source'} (${label ?? source.label}) left out: it is not allowed today, and a fix never widens access`,
      );
      continue;
    }
    addOnce(draft, rule, label);
  }
  // Admin ports a built-in template opens to the Internet go to the trusted sources instead.
  for (const admin of documented.droppedAdmin) {
    const name = `${admin.protocol}/${admin.port}`;
    let passes = 0;
    for (const trusted of trustedSourcesFor(admin.port, config)) {
      const peer = trustedPeer(trusted, admin.family, group);
      if ('skip' in peer) {
        if (peer.skip === 'unsupported') noteOnce(draft, `trusted source ${sourceText(trusted)} left out: ${peer.why}`);
        continue;
      }
      const rule: NewRule = {
        direction: 'ingress',
        action: 'allow',
        priority: admin.priority,
        family: peer.family,
        protocol: admin.protocol,
        ports: [{ from: admin.port, to: admin.port }],
        peer: peer.peer,
        enabled: true,
        description: `warden: ${trusted.label ?? trusted.source} keeps ${name}`,
      };
      if (present(rule) || wouldWiden(policy, rule)) continue;
      addOnce(draft, rule, trusted.label);
      passes++;
    }
    if (passes === 0)
      noteOnce(
        draft,
        `${name}, open to the Internet in the template, is left out: admin ports get only the sources in remediation.trustedSources`,
      );
  }
  if (removes.length === 0)
    return `every rule open to the Internet on ${group.id} is within ${source.label}, which itself opens every port`;
  const documentedList = listText([
    ...kept.filter(
      (r) =>
        r.direction === 'ingress' &&
        r.action === 'allow' &&
        r.peer.kind === 'cidr' &&
        internetWide(r.peer.cidr, config),
    ),
    ...draft.adds
      .filter((a) => a.rule.peer.kind === 'cidr' && internetWide(a.rule.peer.cidr, config))
      .map((a) => a.rule),
  ]);
  draft.summary = `Replace every-port Internet access on ${group.name} (${group.id}) with ${documentedList} (${source.label})`;
  noteOnce(
    draft,
    `through ${removes.map((r) => r.native.ruleId).join(', ')}, only the documented ports stay reachable; everything else they allowed stops, from private addresses too`,
  );
  return draft;
}

export const allPortsFixer: Planner = { plan: planAllPorts, scope: () => [{ direction: 'ingress' }] };
