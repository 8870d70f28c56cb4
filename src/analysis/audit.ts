import type { WardenConfig } from '../config/schema.ts';
import { derivedId, hashId, stableStringify } from '../model/ids.ts';
import type {
  Estate,
  Finding,
  Provider,
  Rule,
  ScanError,
  SecurityGroup,
  Severity,
  UnparseableRecord,
} from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { toFinding } from './check.ts';
import type { Check, CheckContext, EstateIndex, FindingDraft } from './check.ts';
import { GROUP_CHECKS } from './checks/index.ts';
import { unparseableRuleMeta } from './checks/unparseable-rule.ts';
import { standInsByGroup, worstCaseRules } from './unreadable.ts';
import { noteUnresolved, unresolvedPeer as unresolvedPeerCheck } from './checks/unresolved-peer.ts';
import { evaluateGroup } from './evaluate.ts';
import { INTERNET_EXPOSURE_CHECKS, isUnreachable, lowerSeverity, reachIndex, unreachableNote } from './reachability.ts';
import type { GroupReach } from './reachability.ts';
import { findingReach } from './finding-reach.ts';
import { startInterfaceAudit } from './interface-audit.ts';
import type { InterfaceAudit, InterfacesNotEvaluated } from './interface-audit.ts';
import type { SuppressedFinding } from './suppressions.ts';

export interface AuditSummary {
  groups: number;
  rules: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byProvider: Record<string, number>;
  byCheck: Record<string, number>;
  /** Scopes that could not be read; when any, the audit is partial. */
  scanErrors: ScanError[];
  partial: boolean;
  /** Findings set apart by the config's `suppressions` (listed in the report's `suppressed`, not in `findings`). */
  suppressed?: number;
  /** With `--baseline`: the earlier report, and how many findings it already had (left out of `findings`). */
  baseline?: { file: string; known: number };
  /** Where interfaces were read: how many, how many were evaluated, and those that were not, with why. */
  interfaces?: { read: number; evaluated: number };
  interfacesNotEvaluated?: InterfacesNotEvaluated;
}

export interface AuditReport {
  findings: Finding[];
  /** Findings an entry of the config's `suppressions` accepts, with the entry's reason and expiry. */
  suppressed?: SuppressedFinding[];
  summary: AuditSummary;
}

function indexEstate(estate: Estate): EstateIndex {
  const keys = new Set(estate.groups.map((g) => `${g.provider}|${g.account}|${g.region}|${g.id}`));
  // By provider and group id alone: the ids are unique, and a rule's owner account may be spelled
  // where the group's own account is unknown (a snapshot without `account`).
  const referenced = new Set<string>();
  for (const group of estate.groups) {
    for (const rule of group.rules) {
      if (rule.peer.kind === 'group' && !rule.peer.self) referenced.add(`${group.provider}|${rule.peer.groupId}`);
    }
  }
  return {
    hasGroup: (provider, account, region, groupId) => keys.has(`${provider}|${account}|${region}|${groupId}`),
    isReferenced: (provider, groupId) => referenced.has(`${provider}|${groupId}`),
  };
}

// A raw record's identity fields: the rule's own id, when it was made or changed, its description.
const NOT_CONTENT = new Set([
  'id',
  'securitygroupruleid',
  'security_group_rule_id',
  'created_at',
  'updated_at',
  'createtime',
  'description',
]);

/** The raw record minus its identity fields (at any depth): what the unreadable rule says. */
function rawContent(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(rawContent);
  if (raw === null || typeof raw !== 'object') return raw;
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>)
      .filter(([key]) => !NOT_CONTENT.has(key.toLowerCase()))
      .map(([key, value]) => [key, rawContent(value)]),
  );
}

/** `raw/<hash of the content>`; the n-th record of the same content in a group gets `#n`. */
function unparseableSubjects(records: readonly UnparseableRecord[]): string[] {
  const seen = new Map<string, number>();
  return records.map((record) => {
    const subject = `raw/${hashId([stableStringify(rawContent(record.raw))])}`;
    const key = [record.provider, record.account, record.region, record.groupId, subject].join('\u0000');
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n > 1 ? `${subject}#${n}` : subject;
  });
}

function unparseableFinding(record: UnparseableRecord, subject: string, config: WardenConfig): Finding {
  const ruleId = record.ruleId || derivedId('raw', record.raw);
  return toFinding(
    unparseableRuleMeta,
    {
      provider: record.provider,
      account: record.account,
      region: record.region,
      groupId: record.groupId,
      groupName: record.groupName,
    },
    {
      subject,
      legacySubject: `raw/${ruleId}`,
      ruleIds: [ruleId],
      title: 'Rule could not be read; assumed to open everything',
      detail: `${record.origin}: ${record.reason}. Raw: ${truncate(JSON.stringify(record.raw) ?? String(record.raw), 300)}`,
    },
    config.checks.severity[unparseableRuleMeta.id] ?? unparseableRuleMeta.severity,
  );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const SEVERITY_RANK = new Map(SEVERITIES.map((s, i) => [s, i]));

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Most severe first, then by place; plain code-point order (locale collation costs more than the audit). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (SEVERITY_RANK.get(a.severity) ?? 9) - (SEVERITY_RANK.get(b.severity) ?? 9) ||
    compareText(a.provider, b.provider) ||
    compareText(a.account, b.account) ||
    compareText(a.region, b.region) ||
    compareText(a.groupId, b.groupId) ||
    compareText(a.check, b.check) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

/**
 * The groups of the scopes read beside the audited ones (an audit of one group reads its whole scope):
 * they decide the audited groups' interfaces with them and say whether a group a rule names exists or is
 * named, but get no findings of their own.
 */
export type ReadBeside = Pick<Estate, 'groups' | 'unparseable'>;

/** The estate with the groups read beside it: every group an interface carries (for its evaluation and a plan's proof). */
export function withBeside(estate: Estate, beside: ReadBeside | undefined): Estate {
  if (!beside) return estate;
  return {
    ...estate,
    groups: [...estate.groups, ...beside.groups],
    unparseable: [...estate.unparseable, ...beside.unparseable],
  };
}

/** Evaluates every group, runs every enabled check, and summarizes. Pure. */
export function auditEstate(estate: Estate, config: WardenConfig, beside?: ReadBeside): AuditReport {
  const disabled = new Set(config.checks.disabled);
  const checks = GROUP_CHECKS.filter((c) => !disabled.has(c.meta.id));
  const read = withBeside(estate, beside);
  const index = indexEstate(read);
  const standIns = standInsByGroup(read.unparseable);
  const reachOf = reachIndex(estate);
  const withStandIns = (group: SecurityGroup): Rule[] => {
    const extra = standIns(group);
    return extra.length === 0 ? group.rules : [...group.rules, ...extra];
  };
  const interfaceRun =
    read.interfaces === undefined ? undefined : startInterfaceAudit(read, config, withStandIns, estate.groups);
  const findings: Finding[] = [];
  const order = interfaceRun?.order ?? estate.groups;
  for (let g = 0; g < order.length; g++) {
    const group = order[g] as SecurityGroup;
    const reach = reachOf(group);
    // The same for each of the group's Internet findings: counted once, on the first.
    let groupReach: Finding['reach'];
    const context: CheckContext = {
      group,
      policy: evaluateGroup(group, worstCaseRules(group, standIns(group))),
      config,
      estate: index,
      reach,
    };
    const scope = {
      provider: group.provider,
      account: group.account,
      region: group.region,
      groupId: group.id,
      groupName: group.name,
    };
    for (let c = 0; c < checks.length; c++) {
      const check = checks[c] as Check;
      const drafts = check.run(context);
      for (let d = 0; d < drafts.length; d++) {
        const draft =
          check === unresolvedPeerCheck
            ? (drafts[d] as FindingDraft)
            : noteUnresolved(context.policy, drafts[d] as FindingDraft);
        const severity = config.checks.severity[check.meta.id] ?? draft.severity ?? check.meta.severity;
        const finding = toFinding(check.meta, scope, ...rankedByReach(check.meta.id, draft, severity, reach, config));
        if (reach && INTERNET_EXPOSURE_CHECKS.has(check.meta.id))
          finding.reach = groupReach ??= findingReach(reach.interfaces);
        findings.push(finding);
      }
    }
    // The interfaces of a scope are judged as soon as its last group is, with the groups' evaluations.
    interfaceRun?.evaluated(group, context.policy);
  }
  const interfaceAudit = interfaceRun?.finish();
  if (interfaceAudit) findings.push(...interfaceAudit.findings);
  if (!disabled.has(unparseableRuleMeta.id)) {
    const subjects = unparseableSubjects(estate.unparseable);
    findings.push(...estate.unparseable.map((r, i) => unparseableFinding(r, subjects[i] as string, config)));
  }
  findings.sort(compareFindings);
  return { findings, suppressed: [], summary: summarize(estate, findings, interfaceAudit) };
}

/**
 * An Internet finding on a group no public interface carries, lowered by `exposure.privateSeverityDrop`
 * levels with the reason in its detail: it says what the group would expose, not what is exposed.
 */
function rankedByReach(
  check: string,
  draft: FindingDraft,
  severity: Severity,
  reach: GroupReach | undefined,
  config: WardenConfig,
): [FindingDraft, Severity] {
  const drop = config.exposure.privateSeverityDrop;
  if (drop === 0 || reach === undefined || !INTERNET_EXPOSURE_CHECKS.has(check) || !isUnreachable(reach))
    return [draft, severity];
  const lowered = lowerSeverity(severity, drop);
  const note = `Would expose this if attached to a public interface: ${unreachableNote(reach)}, so ${severity} lowered to ${lowered}.`;
  return [{ ...draft, detail: `${draft.detail} ${note}` }, lowered];
}

/** The counts of a summary that depend only on the findings (recounted when some are set apart). */
export function countFindings(
  findings: readonly Finding[],
): Pick<AuditSummary, 'findings' | 'bySeverity' | 'byProvider' | 'byCheck'> {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byProvider: Record<string, number> = {};
  const byCheck: Record<string, number> = {};
  for (const finding of findings) {
    bySeverity[finding.severity]++;
    byProvider[finding.provider] = (byProvider[finding.provider] ?? 0) + 1;
    byCheck[finding.check] = (byCheck[finding.check] ?? 0) + 1;
  }
  return { findings: findings.length, bySeverity, byProvider: byProvider as Record<Provider, number>, byCheck };
}

function summarize(
  estate: Estate,
  findings: readonly Finding[],
  interfaceAudit: InterfaceAudit | undefined,
): AuditSummary {
  return {
    groups: estate.groups.length,
    rules: estate.groups.reduce((sum, g) => sum + g.rules.length, 0),
    ...countFindings(findings),
    scanErrors: estate.scanErrors,
    partial: estate.scanErrors.length > 0,
    suppressed: 0,
    ...(interfaceAudit
      ? {
          interfaces: { read: interfaceAudit.interfaces, evaluated: interfaceAudit.evaluated },
          interfacesNotEvaluated: interfaceAudit.notEvaluated,
        }
      : {}),
  };
}
