import type { Check, EstateIndex, FindingDraft } from '../../analysis/check.ts';
import { toFinding } from '../../analysis/check.ts';
import { matchesFingerprint } from '../../model/fingerprint.ts';
import { GROUP_CHECKS } from '../../analysis/checks/index.ts';
import type { CheckId } from '../../model/check-ids.ts';
import { describePeer } from '../../analysis/describe.ts';
import { evaluateGroup } from '../../analysis/evaluate.ts';
import type { EvaluatedPolicy } from '../../analysis/evaluate.ts';
import { isAllowOnly } from '../../analysis/semantics.ts';
import { ruleSignature } from '../../model/rule-signature.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { GROUP_PORT, SERVICE_PORTS } from '../../config/schema.ts';
import { parseCidr } from '../../model/address.ts';
import { hashId } from '../../model/ids.ts';
import { capabilitiesOf } from '../../model/providers/index.ts';
import { mergeRanges, portsLabel, protocolLabel } from '../../model/protocol.ts';
import type { Family, Finding, Peer, PortRange, Protocol, Rule, SecurityGroup } from '../../model/types.ts';
import type { NewRule, Plan, PlanOperation, Precondition } from '../../model/change.ts';
import { applyOperations, newRuleSignature } from './planned.ts';
import { setNotes, setPreconditions } from './sets.ts';

// What every planner shares: finding the finding again, naming rules in diffs, the configured
// trusted sources and group ports, and turning a planner's draft into a Plan.

/** A finding found again on its group: the check that reports it and the check's own draft (with its subject). */
export interface LocatedFinding {
  check: Check<CheckId>;
  draft: FindingDraft;
  policy: EvaluatedPolicy;
}

function singleGroupIndex(group: SecurityGroup): EstateIndex {
  return {
    hasGroup: (provider, account, region, groupId) =>
      provider === group.provider && account === group.account && region === group.region && groupId === group.id,
  };
}

function scopeOf(group: SecurityGroup) {
  return {
    provider: group.provider,
    account: group.account,
    region: group.region,
    groupId: group.id,
    groupName: group.name,
  };
}

/**
 * Runs the finding's check on the group and returns the draft whose fingerprint is the finding's:
 * a finding does not carry its subject, the check's draft does. Undefined when the group does not
 * (or no longer) show the finding.
 */
export function locateFinding(
  finding: Pick<Finding, 'check' | 'fingerprint' | 'provider' | 'account' | 'region' | 'groupId'>,
  group: SecurityGroup,
  config: WardenConfig,
  estate: EstateIndex = singleGroupIndex(group),
  policy: EvaluatedPolicy = evaluateGroup(group),
): LocatedFinding | undefined {
  if (
    finding.provider !== group.provider ||
    finding.account !== group.account ||
    finding.region !== group.region ||
    finding.groupId !== group.id
  )
    return undefined;
  const check = GROUP_CHECKS.find((c) => c.meta.id === finding.check);
  if (!check) return undefined;
  for (const draft of check.run({ group, policy, config, estate })) {
    if (matchesFingerprint(toFinding(check.meta, scopeOf(group), draft, check.meta.severity), finding.fingerprint))
      return { check, draft, policy };
  }
  return undefined;
}

/** Whether a check reports a subject on a group. */
export function reportsSubject(
  checkId: string,
  subject: string,
  group: SecurityGroup,
  config: WardenConfig,
  policy: EvaluatedPolicy = evaluateGroup(group),
  estate: EstateIndex = singleGroupIndex(group),
): boolean {
  const check = GROUP_CHECKS.find((c) => c.meta.id === checkId);
  if (!check) return false;
  return check.run({ group, policy, config, estate }).some((d) => d.subject === subject);
}

/** Every finding the enabled checks report on one group, with its subject. */
export function groupFindings(
  group: SecurityGroup,
  config: WardenConfig,
  policy: EvaluatedPolicy = evaluateGroup(group),
  estate: EstateIndex = singleGroupIndex(group),
): { check: CheckId; subject: string; fingerprint: string }[] {
  const disabled = new Set(config.checks.disabled);
  const out: { check: CheckId; subject: string; fingerprint: string }[] = [];
  for (const check of GROUP_CHECKS) {
    if (disabled.has(check.meta.id)) continue;
    for (const draft of check.run({ group, policy, config, estate })) {
      out.push({
        check: check.meta.id,
        subject: draft.subject,
        fingerprint: toFinding(check.meta, scopeOf(group), draft, check.meta.severity).fingerprint,
      });
    }
  }
  return out;
}

// --- Naming rules -------------------------------------------------------------------------------

/** A rule as a diff line shows it: `tcp/22 from 0.0.0.0/0`, `deny tcp/22 from ::/0, priority 1`, `egress all traffic to 0.0.0.0/0`. */
export function describeForDiff(rule: NewRule | Rule, group: SecurityGroup): string {
  const what =
    rule.protocol === 'all'
      ? 'all traffic'
      : `${protocolLabel(rule.protocol)}/${rule.ports.map((r) => portsLabel(rule.protocol, r)).join(',')}`;
  const direction = rule.direction === 'egress' ? 'egress ' : '';
  const action = rule.action === 'deny' ? 'deny ' : '';
  const way = rule.direction === 'ingress' ? 'from' : 'to';
  const family = rule.peer.kind !== 'cidr' && rule.family === 'ipv6' ? ' (IPv6)' : '';
  const priority =
    isAllowOnly(group) || (rule.action === 'allow' && rule.priority === 1) ? '' : `, priority ${rule.priority}`;
  const disabled = rule.enabled ? '' : ' (disabled)';
  return `${direction}${action}${what} ${way} ${describePeer(rule.peer)}${setContent(rule, group)}${family}${priority}${disabled}`;
}

/** What a named set holds, for a diff line: ` (office: 203.0.113.0/28, 198.51.100.7/32)`, or that it was not read. */
function setContent(rule: NewRule | Rule, group: SecurityGroup): string {
  const peer = rule.peer;
  if (peer.kind !== 'prefix-list' && peer.kind !== 'address-group') return '';
  const set = group.addressSets?.find((s) => s.id === peer.id);
  const name = set?.name && set.name !== set.id ? `${set.name}: ` : '';
  if (set?.entries === undefined) return ` (${name}entries not read)`;
  const shown = set.entries.slice(0, 4).join(', ');
  return ` (${name}${set.entries.length === 0 ? 'empty' : shown}${set.entries.length > 4 ? ` and ${set.entries.length - 4} more` : ''})`;
}

export function portText(protocol: Protocol, port: number): string {
  return `${protocolLabel(protocol)}/${port}`;
}

export function familyLabel(family: Family): string {
  return family === 'ipv4' ? 'IPv4' : 'IPv6';
}

// --- Config: trusted sources and group ports -----------------------------------------------------

export interface TrustedSource {
  source: string;
  label?: string;
}

/** The trusted sources configured for a port: under its number, then under every service name for it; without repeats. */
export function trustedSourcesFor(port: number, config: WardenConfig): TrustedSource[] {
  const byKey = config.remediation.trustedSources;
  const keys = Object.keys(byKey).filter((key) =>
    /^\d+$/.test(key) ? Number(key) === port : SERVICE_PORTS[key.toLowerCase()] === port,
  );
  keys.sort((a, b) => Number(!/^\d+$/.test(a)) - Number(!/^\d+$/.test(b)));
  const seen = new Set<string>();
  const out: TrustedSource[] = [];
  for (const key of keys) {
    for (const entry of byKey[key] ?? []) {
      if (seen.has(entry.source)) continue;
      seen.add(entry.source);
      out.push(entry.label === undefined ? { source: entry.source } : { source: entry.source, label: entry.label });
    }
  }
  return out;
}

/** A trusted source as a peer of a rule in this group and family, or why it cannot be one. */
export function trustedPeer(
  source: TrustedSource,
  family: Family,
  group: SecurityGroup,
): { peer: Peer; family: Family } | { skip: 'family' } | { skip: 'unsupported'; why: string } {
  const [kind, ...rest] = source.source.split(':');
  const id = rest.join(':');
  const can = capabilitiesOf(group);
  // Where references carry no address family (AWS, Alibaba), the model keeps them as IPv4.
  const symbolicFamily: Family = can.referencesCarryFamily ? family : 'ipv4';
  if (kind === 'sg' && id)
    return { peer: { kind: 'group', groupId: id, self: id === group.id }, family: symbolicFamily };
  if (kind === 'prefix-list' && id) {
    if (!can.addressSetPeers.includes('prefix-list'))
      return { skip: 'unsupported', why: `${group.provider} security groups cannot reference prefix lists` };
    return knownSet(group, { kind: 'prefix-list', id }, family);
  }
  if (kind === 'address-group' && id) {
    if (!can.addressSetPeers.includes('address-group')) {
      return {
        skip: 'unsupported',
        why: `${group.provider}${group.api === 'neutron-v2' ? ' Neutron' : ''} security groups cannot reference address groups`,
      };
    }
    return knownSet(group, { kind: 'address-group', id }, family);
  }
  const block = parseCidr(source.source);
  if (!block) return { skip: 'unsupported', why: 'it is not a CIDR block' };
  if (block.family !== family) return { skip: 'family' };
  return { peer: { kind: 'cidr', cidr: source.source }, family };
}

/**
 * A trusted list as a peer: only one whose entries were read with the group (a rule of it names the
 * list), since a fix is proved on the addresses it lets in; in the family the list declares.
 */
function knownSet(
  group: SecurityGroup,
  peer: Extract<Peer, { kind: 'prefix-list' | 'address-group' }>,
  family: Family,
): { peer: Peer; family: Family } | { skip: 'family' } | { skip: 'unsupported'; why: string } {
  const set = group.addressSets?.find((s) => s.id === peer.id);
  const name = peer.kind === 'prefix-list' ? 'prefix list' : 'address group';
  if (set?.entries === undefined)
    return {
      skip: 'unsupported',
      why: `the ${name}'s entries were not read with ${group.id} (no rule of it names the list), so what it lets in cannot be proved`,
    };
  if (set.family !== family) return { skip: 'family' };
  return { peer, family };
}

export function sourceText(source: TrustedSource): string {
  return source.label ? `${source.label} (${source.source})` : source.source;
}

export interface GroupPort {
  /** undefined: the protocol of the rule being replaced (TCP for all-protocol rules). */
  protocol: 'tcp' | 'udp' | undefined;
  range: PortRange;
}

/** The ports config documents for a group (by id, then `provider:name`), or undefined when none are configured. */
export function groupPortsFor(
  group: SecurityGroup,
  config: WardenConfig,
): { key: string; ports: GroupPort[] } | undefined {
  const byGroup = config.remediation.groupPorts;
  const key = Object.hasOwn(byGroup, group.id)
    ? group.id
    : Object.hasOwn(byGroup, `${group.provider}:${group.name}`)
      ? `${group.provider}:${group.name}`
      : undefined;
  if (key === undefined) return undefined;
  const ports: GroupPort[] = [];
  for (const text of byGroup[key] ?? []) {
    const match = GROUP_PORT.exec(text.trim());
    if (!match) continue;
    const from = Number(match[2]);
    ports.push({ protocol: match[1] as 'tcp' | 'udp' | undefined, range: { from, to: Number(match[3] ?? match[2]) } });
  }
  return { key, ports };
}

/** The documented ports that apply to a protocol (bare ports apply to the replaced rule's protocol; TCP for `all`). */
export function documentedRanges(
  ports: readonly GroupPort[],
  protocol: 'tcp' | 'udp',
  replacedProtocol: Protocol,
): PortRange[] {
  const own = replacedProtocol === 'all' ? 'tcp' : replacedProtocol;
  return mergeRanges(ports.filter((p) => (p.protocol ?? own) === protocol).map((p) => p.range));
}

// --- Port arithmetic -------------------------------------------------------------------------------

export function coversPort(rule: Pick<Rule, 'ports'>, port: number): boolean {
  return rule.ports.some((r) => r.from <= port && port <= r.to);
}

// --- From a planner's draft to a Plan -------------------------------------------------------------------

export interface PlanDraft {
  adds: { rule: NewRule; label?: string }[];
  removes: Rule[];
  /** Live rules the plan does not touch but whose presence it counts on. */
  reliesOn: Rule[];
  notes: string[];
  summary: string;
}

export function emptyDraft(summary = ''): PlanDraft {
  return { adds: [], removes: [], reliesOn: [], notes: [], summary };
}

/** Adds a rule unless the draft already adds the same content. */
export function addOnce(draft: PlanDraft, rule: NewRule, label?: string): void {
  const key = newRuleSignature(rule);
  if (draft.adds.some((a) => newRuleSignature(a.rule) === key)) return;
  draft.adds.push(label === undefined ? { rule } : { rule, label });
}

export function removeOnce(draft: PlanDraft, rule: Rule): void {
  if (!draft.removes.includes(rule)) draft.removes.push(rule);
}

export function noteOnce(draft: PlanDraft, note: string): void {
  if (!draft.notes.includes(note)) draft.notes.push(note);
}

/** A live rule with the same content (priority included) that the plan keeps: adding another would duplicate it. */
export function existingTwin(group: SecurityGroup, draft: PlanDraft, rule: NewRule): Rule | undefined {
  const key = newRuleSignature(rule);
  return group.rules.find((r) => r.enabled && !draft.removes.includes(r) && ruleSignature(r, true) === key);
}

function operationKey(op: PlanOperation): string {
  return op.op === 'add'
    ? `add ${newRuleSignature(op.rule)}${op.label ? ` (${op.label})` : ''}`
    : `remove ${op.ruleId} ${op.signature}`;
}

/** Stable: the same finding and the same operations give the same id. */
export function planId(fingerprint: string, operations: readonly PlanOperation[]): string {
  return `plan-${hashId([fingerprint, ...operations.map(operationKey)])}`;
}

/** Adds first, then removes; preconditions for every live rule removed or relied on; diff, id and what it resolves. */
export function finishPlan(
  finding: Finding,
  group: SecurityGroup,
  config: WardenConfig,
  draft: PlanDraft,
  estate?: EstateIndex,
): Plan {
  const operations: PlanOperation[] = [
    ...draft.adds.map((a): PlanOperation =>
      a.label === undefined ? { op: 'add', rule: a.rule } : { op: 'add', rule: a.rule, label: a.label },
    ),
    ...draft.removes.map((rule): PlanOperation => ({
      op: 'remove',
      ruleId: rule.native.ruleId,
      signature: ruleSignature(rule, true),
      rule,
    })),
  ];
  const preconditions: Precondition[] = [];
  for (const rule of [...draft.removes, ...draft.reliesOn]) {
    if (preconditions.some((p) => p.ruleId === rule.native.ruleId)) continue;
    preconditions.push({ ruleId: rule.native.ruleId, signature: ruleSignature(rule, true) });
  }
  const diff = [
    ...draft.removes.map((rule) => `- ${describeForDiff(rule, group)}`),
    ...draft.adds.map((a) => `+ ${describeForDiff(a.rule, group)}${a.label ? ` (${a.label})` : ''}`),
  ];
  const through = setPreconditions(group, [
    ...draft.removes,
    ...draft.reliesOn,
    ...group.rules.filter((r) => finding.ruleIds.includes(r.native.ruleId)),
  ]);
  return {
    id: planId(finding.fingerprint, operations),
    finding: {
      fingerprint: finding.fingerprint,
      check: finding.check,
      title: finding.title,
      severity: finding.severity,
    },
    target: {
      provider: group.provider,
      account: group.account,
      region: group.region,
      groupId: group.id,
      groupName: group.name,
    },
    operations,
    preconditions,
    ...(through.length > 0 ? { setPreconditions: through } : {}),
    resolves: resolvedBy(finding, group, config, operations, estate),
    summary: draft.summary,
    notes: [...draft.notes, ...setNotes(through, group)],
    diff,
  };
}

/** The plan's own finding, then every other finding of the group whose check no longer reports its subject after the operations. */
function resolvedBy(
  finding: Finding,
  group: SecurityGroup,
  config: WardenConfig,
  operations: readonly PlanOperation[],
  estate?: EstateIndex,
): string[] {
  const before = groupFindings(group, config, undefined, estate);
  const after = new Set(
    groupFindings(applyOperations(group, operations), config, undefined, estate).map(
      (f) => `${f.check}\u0000${f.subject}`,
    ),
  );
  const resolved = [finding.fingerprint];
  for (const f of before)
    if (!after.has(`${f.check}\u0000${f.subject}`) && !resolved.includes(f.fingerprint)) resolved.push(f.fingerprint);
  return resolved;
}
