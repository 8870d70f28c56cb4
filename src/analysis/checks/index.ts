import type { CheckId } from '../../model/check-ids.ts';
import type { Check, CheckMeta } from '../check.ts';
import type { InterfaceCheck } from '../interface-check.ts';
import { crossGroupOverride } from './cross-group-override.ts';
import { egressAll } from './egress-all.ts';
import { internetAdminPort } from './internet-admin-port.ts';
import { internetAllPorts } from './internet-all-ports.ts';
import { internetHighRiskPort } from './internet-high-risk-port.ts';
import { interfaceExposedToInternet } from './interface-exposed-to-internet.ts';
import { interfaceRuleLimit } from './interface-rule-limit.ts';
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

// Adding a check: its file, one line here, its id in `model/check-ids.ts`, and its fix decision in
// `remediation/planners/fixers.ts` (none of which typechecks until the others have it).
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

// Checks on the combined policy of each distinct set of groups bound to interfaces.
const interfaceChecks = [interfaceExposedToInternet, crossGroupOverride, interfaceRuleLimit] as const;

/** The ids the checks here declare. */
type CatalogId =
  | (typeof groupChecks)[number]['meta']['id']
  | (typeof interfaceChecks)[number]['meta']['id']
  | typeof unparseableRuleMeta.id;

// The checks here are the model's CHECK_IDS (src/model/check-ids.ts), no more and no fewer: a check id
// the model lists with no check here does not compile, nor does a check whose id the model does not list.
const _everyIdHasACheck: [Exclude<CheckId, CatalogId>] extends [never] ? true : never = true;
const _everyCheckIsListed: [Exclude<CatalogId, CheckId>] extends [never] ? true : never = true;

/** Checks run on every evaluated group. */
export const GROUP_CHECKS: readonly Check<CheckId>[] = groupChecks;

/** Checks run once per distinct set of groups on interfaces, where interfaces were read. */
export const INTERFACE_CHECKS: readonly InterfaceCheck<CheckId>[] = interfaceChecks;

/**
 * Every check's metadata, in the order of CHECK_IDS; its ids are plain strings, so lookups by an id
 * read from outside need no cast.
 */
export const CATALOG: readonly CheckMeta[] = [
  ...GROUP_CHECKS.map((c) => c.meta),
  ...INTERFACE_CHECKS.map((c) => c.meta),
  unparseableRuleMeta,
];
