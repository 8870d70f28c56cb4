import type { WardenConfig } from '../config/schema.ts';
import type { Finding, Provider, SecurityGroup, Severity } from '../model/types.ts';
import { hashId } from '../model/ids.ts';
import type { EvaluatedPolicy } from './evaluate.ts';

export interface CheckMeta {
  /** Stable: users suppress findings by it. */
  id: string;
  title: string;
  severity: Severity;
  rationale: string;
  /** The provider document or benchmark the check comes from. */
  source: string;
  remediation: string;
}

/** Answers "does this group exist?" across the audited estate, for reference checks. */
export interface EstateIndex {
  hasGroup(provider: Provider, account: string, region: string, groupId: string): boolean;
  /** Whether a rule of another group names this group as its peer (then the group is in use); unknown where absent. */
  isReferenced?(provider: Provider, groupId: string): boolean;
}

export interface CheckContext {
  group: SecurityGroup;
  policy: EvaluatedPolicy;
  config: WardenConfig;
  estate: EstateIndex;
}

/** What a check reports; the audit adds the group's identity and the fingerprint. */
export interface FindingDraft {
  /** What inside the group the finding is about (e.g. `tcp/22`); part of the fingerprint. */
  subject: string;
  ruleIds: string[];
  title: string;
  detail: string;
  severity?: Severity;
}

export interface Check {
  meta: CheckMeta;
  run(context: CheckContext): FindingDraft[];
}

export interface FindingScope {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  groupName: string;
}

export function toFinding(meta: CheckMeta, scope: FindingScope, draft: FindingDraft, severity: Severity): Finding {
  const ruleIds = [...new Set(draft.ruleIds)].sort();
  const fingerprint = hashId([scope.provider, scope.account, scope.region, scope.groupId, meta.id, draft.subject, ...ruleIds]);
  return {
    check: meta.id,
    severity,
    provider: scope.provider,
    account: scope.account,
    region: scope.region,
    groupId: scope.groupId,
    groupName: scope.groupName,
    ruleIds,
    title: draft.title,
    detail: draft.detail,
    fingerprint,
  };
}
