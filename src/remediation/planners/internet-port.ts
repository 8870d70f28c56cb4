import { evaluateGroup } from '../../analysis/evaluate.ts';
import type { EvaluatedPolicy } from '../../analysis/evaluate.ts';
import { internetExposure, internetIndex, isInternet, weakestExposure } from '../../analysis/exposure.ts';
import { publicCount, publicShare } from '../../analysis/public-space.ts';
import { isAllowOnly } from '../../analysis/semantics.ts';
import type { WardenConfig } from '../../config/schema.ts';
import { parseCidr } from '../../model/address.ts';
import { MAX_PORT, mergeRanges, subtractRanges } from '../../model/protocol.ts';
import type { Family, Finding, Rule, SecurityGroup } from '../../model/types.ts';
import type { NewRule } from '../../model/change.ts';
import { portsOf } from '../../analysis/rule-space.ts';
import { applyOperations, withPorts } from './planned.ts';
import type { LocatedFinding, PlanDraft } from './common.ts';
import type { Planner } from './fixers.ts';
import type { ScopePart } from './scope.ts';
import {
  addOnce,
  coversPort,
  describeForDiff,
  emptyDraft,
  existingTwin,
  familyLabel,
  noteOnce,
  portText,
  removeOnce,
  sourceText,
  trustedPeer,
  trustedSourcesFor,
} from './common.ts';
import { wouldWiden } from './policy.ts';

// internet-admin-port and internet-high-risk-port: close one port to the Internet, keeping it open
// to the configured trusted sources and keeping every other port of the rules involved as it is.

/** One protocol and address family over which the finding's port is open to the Internet. */
export interface PortCombo {
  protocol: 'tcp' | 'udp';
  family: Family;
}

export function portOfSubject(subject: string): number | undefined {
  const match = /^port\/(\d+)$/.exec(subject);
  return match ? Number(match[1]) : undefined;
}

/** The protocols and families the check reports the port open over (high-risk leaves out protocols open on every port). */
export function findingCombos(policy: EvaluatedPolicy, config: WardenConfig, check: string, port: number): PortCombo[] {
  const index = internetIndex(policy, config);
  const skip = new Set<string>();
  if (check === 'internet-high-risk-port') {
    for (const protocol of ['tcp', 'udp'] as const) {
      if (
        (['ipv4', 'ipv6'] as const).some((family) =>
          isInternet(weakestExposure(policy, 'ingress', family, protocol, { from: 1, to: MAX_PORT }), config),
        )
      )
        skip.add(protocol);
    }
  }
  const combos: PortCombo[] = [];
  for (const entry of index.entries) {
    if (skip.has(entry.protocol)) continue;
    if (entry.open.some((s) => s.from <= port && port <= s.to))
      combos.push({ protocol: entry.protocol, family: entry.family });
  }
  return combos;
}

const comboKey = (c: PortCombo) => `${c.protocol}|${c.family}`;

function isExactly(rule: Rule, protocol: 'tcp' | 'udp', port: number): boolean {
  const ranges = mergeRanges(rule.ports);
  return rule.protocol === protocol && ranges.length === 1 && ranges[0]?.from === port && ranges[0]?.to === port;
}

function splittable(rule: Rule): boolean {
  return rule.protocol === 'tcp' || rule.protocol === 'udp';
}

/** Deny priorities: one above the rule they must outrank (deny wins ties, so priority 1 outranks priority 1), within 1..100. */
function denyPriorityFor(rules: readonly Rule[]): number {
  return Math.min(100, Math.max(1, Math.min(...rules.map((r) => r.priority)) - 1));
}

/** Allow rules on the port, not the deciders, whose own source is not the Internet, that a deny over the deciders' blocks would also close. */
function collateral(
  group: SecurityGroup,
  combo: PortCombo,
  port: number,
  deciders: readonly Rule[],
  denyPriority: number,
  config: WardenConfig,
): Rule[] {
  const blocks = deciders
    .map((r) => (r.peer.kind === 'cidr' ? parseCidr(r.peer.cidr) : undefined))
    .filter((b) => b !== undefined);
  return group.rules.filter((q) => {
    if (
      !q.enabled ||
      q.action !== 'allow' ||
      q.direction !== 'ingress' ||
      deciders.includes(q) ||
      q.priority < denyPriority
    )
      return false;
    if (q.protocol !== 'all' && q.protocol !== combo.protocol) return false;
    if (!coversPort(q, port) || q.peer.kind !== 'cidr') return false;
    const block = parseCidr(q.peer.cidr);
    if (!block || block.family !== combo.family || !blocks.some((b) => b.lo <= block.hi && block.lo <= b.hi))
      return false;
    return publicShare(combo.family, publicCount(combo.family, block.lo, block.hi)) < config.internet.minShare;
  });
}

interface Context {
  group: SecurityGroup;
  config: WardenConfig;
  policy: EvaluatedPolicy;
  port: number;
  combos: PortCombo[];
}

/** One attempt with a given set of deciding rules per combo: the draft, or why there is no safe plan. */
function build(ctx: Context, deciders: Map<string, Rule[]>): PlanDraft | string {
  const { group, config, policy, port, combos } = ctx;
  const draft = emptyDraft();
  const trusted = trustedSourcesFor(port, config);
  const denyCapable = !isAllowOnly(group);
  const what = [...new Set(combos.map((c) => portText(c.protocol, port)))];
  const kept: string[] = [];
  const keptSources: string[] = [];
  let method = '';
  for (const combo of combos) {
    const rules = deciders.get(comboKey(combo)) ?? [];
    if (rules.length === 0) continue;
    const exact = rules.filter((r) => isExactly(r, combo.protocol, port));
    const wide = rules.filter((r) => !exact.includes(r));
    const name = portText(combo.protocol, port);
    let mode: 'none' | 'split' | 'deny' = wide.length === 0 ? 'none' : denyCapable ? 'deny' : 'split';
    const denyPriority = wide.length > 0 ? denyPriorityFor(wide) : 0;
    const usable = trusted.filter((t) => !('skip' in trustedPeer(t, combo.family, group)));
    if (mode === 'split' && !wide.every(splittable)) {
      const rule = wide.find((r) => !splittable(r)) as Rule;
      return `${describeForDiff(rule, group)} (${rule.native.ruleId}) allows every protocol; ${group.provider}${group.api === 'neutron-v2' ? ' Neutron' : ''} groups are allow-only, so ${name} cannot be cut out of it without listing every other protocol: fix the internet-all-ports finding first (its plan replaces the rule)`;
    }
    if (mode === 'deny') {
      const caught = collateral(group, combo, port, wide, denyPriority, config);
      const trustedFits = usable.length === 0 || denyPriority >= 2;
      if ((!trustedFits || caught.length > 0) && wide.every(splittable)) mode = 'split';
      else {
        if (!trustedFits) {
          noteOnce(
            draft,
            `the trusted sources for ${name} over ${familyLabel(combo.family)} cannot pass: the deny must sit at priority ${denyPriority} to outrank ${wide.map((r) => r.native.ruleId).join(', ')}, leaving no higher priority for them (a priority number of 3 or more on ${wide.length === 1 ? 'that rule' : 'those rules'} would leave room)`,
          );
        }
        for (const q of caught)
          noteOnce(
            draft,
            `the deny also closes ${name} from ${describeForDiff(q, group).replace(/^.* from /, '')} (allowed by ${q.native.ruleId})`,
          );
      }
    }
    for (const rule of exact) removeOnce(draft, rule);
    if (mode === 'split') {
      for (const rule of wide) {
        removeOnce(draft, rule);
        for (const range of subtractRanges(portsOf(rule, group).ports, [{ from: port, to: port }]))
          addOnce(draft, withPorts(rule, [range]));
        kept.push(rule.native.ruleId);
      }
      method = 'split';
    }
    if (mode === 'deny') {
      for (const rule of wide) {
        if (rule.peer.kind !== 'cidr') continue;
        const deny: NewRule = {
          direction: 'ingress',
          action: 'deny',
          priority: denyPriority,
          family: combo.family,
          protocol: combo.protocol,
          ports: [{ from: port, to: port }],
          peer: { ...rule.peer },
          enabled: true,
          description: `warden: close ${name} to the Internet`,
        };
        addOnce(draft, deny);
        if (!draft.reliesOn.includes(rule)) draft.reliesOn.push(rule);
        kept.push(rule.native.ruleId);
      }
      method = 'deny';
    }
    // Trusted sources keep the port: at the removed rules' priority, or above the deny.
    const removedHere = [...exact, ...(mode === 'split' ? wide : [])];
    const priority = mode === 'deny' ? denyPriority - 1 : Math.min(...removedHere.map((r) => r.priority));
    let passes = 0;
    if (priority >= 1 && Number.isFinite(priority)) {
      for (const source of trusted) {
        const peer = trustedPeer(source, combo.family, group);
        if ('skip' in peer) {
          if (peer.skip === 'unsupported')
            noteOnce(draft, `trusted source ${sourceText(source)} left out: ${peer.why}`);
          continue;
        }
        const rule: NewRule = {
          direction: 'ingress',
          action: 'allow',
          priority,
          family: peer.family,
          protocol: combo.protocol,
          ports: [{ from: port, to: port }],
          peer: peer.peer,
          enabled: true,
          description: `warden: ${source.label ?? source.source} keeps ${name}`,
        };
        const twin = existingTwin(group, draft, rule);
        if (twin) {
          if (!draft.reliesOn.includes(twin)) draft.reliesOn.push(twin);
          keptSources.push(sourceLabel(source));
          passes++;
          continue;
        }
        if (wouldWiden(policy, rule)) {
          noteOnce(
            draft,
            `trusted source ${sourceText(source)} left out for ${name}${combo.family === 'ipv6' ? ' over IPv6' : ''}: it cannot reach it today, and a fix never widens access`,
          );
          continue;
        }
        addOnce(draft, rule, source.label);
        keptSources.push(sourceLabel(source));
        passes++;
      }
    }
    if (passes === 0) {
      if (trusted.length === 0) noteOnce(draft, `access to ${name} from outside will stop`);
      else if (usable.length === 0)
        noteOnce(
          draft,
          `access to ${name} over ${familyLabel(combo.family)} from outside will stop (no ${familyLabel(combo.family)} trusted source is configured for port ${port})`,
        );
      else noteOnce(draft, `access to ${name} over ${familyLabel(combo.family)} from outside will stop`);
    }
  }
  const sources = [...new Set(keptSources)];
  const where = `${group.name} (${group.id})`;
  const names = [...new Set(kept)];
  const one = names.length === 1;
  const how =
    method === 'deny'
      ? `; ${names.join(', ')} stay${one ? 's' : ''}, outranked on ${what.join(' and ')} by a deny`
      : method === 'split'
        ? `; ${names.join(', ')} keep${one ? 's its' : ' their'} other ports`
        : '';
  draft.summary =
    sources.length > 0
      ? `Limit ${what.join(' and ')} from the Internet to ${sources.join(', ')} on ${where}${how}`
      : `Close ${what.join(' and ')} to the Internet on ${where}${how}`;
  return draft;
}

function sourceLabel(source: { source: string; label?: string }): string {
  const id = source.source.replace(/^(sg|prefix-list|address-group):/, '');
  return source.label ? `${source.label} (${id})` : id;
}

/** The live rules deciding the port's Internet-open part of each combo in a policy. */
function decidingRules(policy: EvaluatedPolicy, ctx: Context, live: ReadonlySet<Rule>): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>();
  for (const combo of ctx.combos) {
    const exposure = internetExposure(policy, 'ingress', combo.family, combo.protocol, ctx.port);
    if (!isInternet(exposure, ctx.config)) continue;
    out.set(
      comboKey(combo),
      exposure.rules.filter((r) => live.has(r)),
    );
  }
  return out;
}

export function planInternetPort(
  finding: Finding,
  located: LocatedFinding,
  group: SecurityGroup,
  config: WardenConfig,
): PlanDraft | string {
  const port = portOfSubject(located.draft.subject);
  if (port === undefined) return `unexpected subject ${located.draft.subject}`;
  const combos = findingCombos(located.policy, config, finding.check, port);
  if (combos.length === 0) return `port ${port} is no longer open to the Internet on ${group.id}`;
  const ctx: Context = { group, config, policy: located.policy, port, combos };
  const live = new Set(group.rules);
  const deciders = decidingRules(located.policy, ctx, live);
  // Removing a decider can hand the port to the next rule in line (a lower priority, a later
  // duplicate): re-evaluate and take those in too, until the port is closed or nothing new turns up.
  let result = build(ctx, deciders);
  for (let round = 0; round < 8 && typeof result !== 'string'; round++) {
    const operations = [
      ...result.adds.map((a) => ({ op: 'add' as const, rule: a.rule })),
      ...result.removes.map((r) => ({ op: 'remove' as const, ruleId: r.native.ruleId, signature: '', rule: r })),
    ];
    const after = evaluateGroup(applyOperationsLoose(group, operations));
    let grew = false;
    for (const [key, rules] of decidingRules(after, ctx, live)) {
      const known = deciders.get(key) ?? [];
      const fresh = rules.filter((r) => !known.includes(r));
      if (fresh.length === 0) continue;
      deciders.set(key, [...known, ...fresh]);
      grew = true;
    }
    if (!grew) break;
    result = build(ctx, deciders);
  }
  return result;
}

/** The group after adds and removes, removes by rule object (the loop works on drafts before signatures exist). */
function applyOperationsLoose(
  group: SecurityGroup,
  operations: readonly (
    { op: 'add'; rule: NewRule } | { op: 'remove'; rule: Rule; ruleId: string; signature: string }
  )[],
): SecurityGroup {
  const removed = new Set(operations.filter((o) => o.op === 'remove').map((o) => o.rule));
  const base = { ...group, rules: group.rules.filter((r) => !removed.has(r)) };
  return applyOperations(
    base,
    operations.filter((o) => o.op === 'add'),
  );
}

/** The finding's port, inbound, over the protocols the check reports it open. */
function internetPortScope(
  { check, draft, policy }: LocatedFinding,
  _group: SecurityGroup,
  config: WardenConfig,
): ScopePart[] {
  const port = portOfSubject(draft.subject);
  if (port === undefined) return [];
  const protocols = [...new Set(findingCombos(policy, config, check.meta.id, port).map((c) => c.protocol))];
  return [{ direction: 'ingress', protocols, ports: [{ from: port, to: port }] }];
}

export const internetPortFixer: Planner = { plan: planInternetPort, scope: internetPortScope };
