import type { Check, CheckMeta } from '../check.ts';
import { egressAll } from './egress-all.ts';
import { internetAdminPort } from './internet-admin-port.ts';
import { internetAllPorts } from './internet-all-ports.ts';
import { internetHighRiskPort } from './internet-high-risk-port.ts';
import { missingDescription } from './missing-description.ts';
import { portRange } from './port-range.ts';
import { priorityConflict } from './priority-conflict.ts';
import { shadowedRule } from './shadowed-rule.ts';
import { staleReference } from './stale-reference.ts';
import { templateDriftCheck } from './template-drift.ts';
import { tooManyRules } from './too-many-rules.ts';
import { unparseableRuleMeta } from './unparseable-rule.ts';
import { unresolvedPeer } from './unresolved-peer.ts';
import { unusedGroup } from './unused-group.ts';
import { widePublicCidr } from './wide-public-cidr.ts';

// Adding a check: its file, one line here, and its fix decision in `remediation/planners/fixers.ts`
// (which does not typecheck until the new id has an entry there).
const groupChecks = [
  internetAdminPort,
  internetHighRiskPort,
  internetAllPorts,
  widePublicCidr,
  unresolvedPeer,
  portRange,
  templateDriftCheck,
  shadowedRule,
  priorityConflict,
  staleReference,
  tooManyRules,
  unusedGroup,
  egressAll,
  missingDescription,
] as const;

/** The id of every check Warden has, as a type: records keyed by it must decide for every check. */
export type CheckId = (typeof groupChecks)[number]['meta']['id'] | typeof unparseableRuleMeta.id;

/** Checks run on every evaluated group. */
export const GROUP_CHECKS: readonly Check<CheckId>[] = groupChecks;

const catalog: readonly CheckMeta<CheckId>[] = [...GROUP_CHECKS.map((c) => c.meta), unparseableRuleMeta];

/** Every check's metadata; its ids are plain strings, so lookups by an id read from outside need no cast. */
export const CATALOG: readonly CheckMeta[] = catalog;

export const CHECK_IDS: readonly CheckId[] = catalog.map((c) => c.id);

const KNOWN_IDS: ReadonlySet<string> = new Set(CHECK_IDS);

/** Whether a check id read from outside (config, stored state, a snapshot) names a check Warden has. */
export function isCheckId(id: string): id is CheckId {
  return KNOWN_IDS.has(id);
}
