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

/** Checks run on every evaluated group. Adding a check: one file and one line here. */
export const GROUP_CHECKS: readonly Check[] = [
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
];

export const CATALOG: readonly CheckMeta[] = [...GROUP_CHECKS.map((c) => c.meta), unparseableRuleMeta];
