import type { WardenConfig } from '../config/schema.ts';
import { derivedId } from '../model/ids.ts';
import type { Estate, Finding, Provider, ScanError, SecurityGroup, Severity, UnparseableRecord } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { toFinding } from './check.ts';
import type { Check, CheckContext, EstateIndex, FindingDraft } from './check.ts';
import { GROUP_CHECKS } from './checks/index.ts';
import { unparseableRuleMeta } from './checks/unparseable-rule.ts';
import { noteUnresolved, unresolvedPeer as unresolvedPeerCheck } from './checks/unresolved-peer.ts';
import { evaluateGroup } from './evaluate.ts';

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
}

export interface AuditReport {
  findings: Finding[];
  summary: AuditSummary;
}

function indexEstate(estate: Estate): EstateIndex {
  const keys = new Set(estate.groups.map((g) => `${g.provider}|${g.account}|${g.region}|${g.id}`));
  return { hasGroup: (provider, account, region, groupId) => keys.has(`${provider}|${account}|${region}|${groupId}`) };
}

function unparseableFinding(record: UnparseableRecord, config: WardenConfig): Finding {
  const ruleId = record.ruleId || derivedId('raw', record.raw);
  return toFinding(
    unparseableRuleMeta,
    { provider: record.provider, account: record.account, region: record.region, groupId: record.groupId, groupName: record.groupName },
    {
      subject: `raw/${ruleId}`,
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

/** Evaluates every group, runs every enabled check, and summarizes. Pure. */
export function auditEstate(estate: Estate, config: WardenConfig): AuditReport {
  const disabled = new Set(config.checks.disabled);
  const checks = GROUP_CHECKS.filter((c) => !disabled.has(c.meta.id));
  const index = indexEstate(estate);
  const findings: Finding[] = [];
  for (let g = 0; g < estate.groups.length; g++) {
    const group = estate.groups[g] as SecurityGroup;
    const context: CheckContext = { group, policy: evaluateGroup(group), config, estate: index };
    const scope = { provider: group.provider, account: group.account, region: group.region, groupId: group.id, groupName: group.name };
    for (let c = 0; c < checks.length; c++) {
      const check = checks[c] as Check;
      const drafts = check.run(context);
      for (let d = 0; d < drafts.length; d++) {
        const draft = check === unresolvedPeerCheck ? (drafts[d] as FindingDraft) : noteUnresolved(context.policy, drafts[d] as FindingDraft);
        const severity = config.checks.severity[check.meta.id] ?? draft.severity ?? check.meta.severity;
        findings.push(toFinding(check.meta, scope, draft, severity));
      }
    }
  }
  if (!disabled.has(unparseableRuleMeta.id)) findings.push(...estate.unparseable.map((r) => unparseableFinding(r, config)));
  findings.sort(compareFindings);
  return { findings, summary: summarize(estate, findings) };
}

function summarize(estate: Estate, findings: readonly Finding[]): AuditSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byProvider: Record<string, number> = {};
  const byCheck: Record<string, number> = {};
  for (const finding of findings) {
    bySeverity[finding.severity]++;
    byProvider[finding.provider] = (byProvider[finding.provider] ?? 0) + 1;
    byCheck[finding.check] = (byCheck[finding.check] ?? 0) + 1;
  }
  return {
    groups: estate.groups.length,
    rules: estate.groups.reduce((sum, g) => sum + g.rules.length, 0),
    findings: findings.length,
    bySeverity,
    byProvider: byProvider as Record<Provider, number>,
    byCheck,
    scanErrors: estate.scanErrors,
    partial: estate.scanErrors.length > 0,
  };
}
