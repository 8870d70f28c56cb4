import type { WardenConfig } from '../config/schema.ts';
import type { ExposureMeasure, Finding, Provider, Rule, SecurityGroup, Severity } from '../model/types.ts';
import { hashId } from '../model/ids.ts';
import { contentKey } from '../model/rule-signature.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import type { GroupReach } from './reachability.ts';

export interface CheckMeta<Id extends string = string> {
  /** Stable: users suppress findings by it. */
  id: Id;
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
  /** What carries or launches with the group; undefined where the interfaces were not read. */
  reach?: GroupReach | undefined;
  /**
   * How a deciding rule is named in a finding's detail: an interface's combined policy names the
   * rule's group and the rule as that group lists it (its own priority, not the rank in the bind order).
   */
  describeRule?: ((rule: Rule) => string) | undefined;
}

/** What a check reports; the audit adds the group's identity and the fingerprint. */
export interface FindingDraft {
  /**
   * What inside the group the finding is about (e.g. `port/22`, `rule/<content signature>`); part of
   * the fingerprint, so it never names a provider rule id or a description.
   */
  subject: string;
  /** The subject earlier versions used, where it differs (it named rule ids): for `legacyFingerprint`. */
  legacySubject?: string;
  ruleIds: string[];
  title: string;
  detail: string;
  severity?: Severity;
  /** How much the finding exposes (see `ExposureMeasure`); absent where nothing can widen. */
  exposure?: ExposureMeasure;
  /** An interface finding's deciding groups (`Finding.decidingGroups`). */
  decidingGroups?: Finding['decidingGroups'];
}

export interface Check<Id extends string = string> {
  meta: CheckMeta<Id>;
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
  const place = [scope.provider, scope.account, scope.region, scope.groupId, meta.id];
  const fingerprint = hashId([...place, draft.subject]);
  // Earlier versions hashed the rule ids too: state stored under that fingerprint still matches.
  const legacyFingerprint = hashId([...place, draft.legacySubject ?? draft.subject, ...ruleIds]);
  return {
    check: meta.id,
    severity,
    provider: scope.provider,
    account: scope.account,
    region: scope.region,
    groupId: scope.groupId,
    groupName: scope.groupName,
    subject: draft.subject,
    ruleIds,
    title: draft.title,
    detail: draft.detail,
    ...(draft.exposure ? { exposure: draft.exposure } : {}),
    ...(draft.decidingGroups ? { decidingGroups: draft.decidingGroups } : {}),
    fingerprint,
    ...(legacyFingerprint !== fingerprint ? { legacyFingerprint } : {}),
  };
}

/**
 * The subject of a finding about one rule: `rule/<content signature>`, so a rule re-created with a
 * new id (a revert) keeps its findings.
 */
export function ruleSubject(rule: Rule): string {
  return `rule/${contentKey(rule)}`;
}

/**
 * One draft per subject: rules of the same content in a group (providers refuse such duplicates,
 * but data may hold them) are one finding, carrying every such rule's id, and a fix handles them all.
 */
export function oneDraftPerSubject(drafts: readonly FindingDraft[]): FindingDraft[] {
  const bySubject = new Map<string, FindingDraft>();
  for (const draft of drafts) {
    const known = bySubject.get(draft.subject);
    if (known) known.ruleIds = [...new Set([...known.ruleIds, ...draft.ruleIds])];
    else bySubject.set(draft.subject, { ...draft, ruleIds: [...draft.ruleIds] });
  }
  return [...bySubject.values()];
}
