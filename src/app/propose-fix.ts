import type { AuditReport } from '../analysis/audit.ts';
import { unreadableIdOf } from '../analysis/unreadable.ts';
import type { WardenConfig } from '../config/schema.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import { ambiguousPrefix, matchFingerprint } from '../model/fingerprint-prefix.ts';
import type { Estate, Finding, SecurityGroup } from '../model/types.ts';
import { planFor, whyNoPlan } from '../remediation/planners/index.ts';
import { withBlastRadius } from '../remediation/blast-radius.ts';
import { provePlanOnEstate } from '../remediation/prove-interfaces.ts';
import type { Plan, PlanProof } from '../model/change.ts';

// Proposing a fix (the CLI's `warden fix`, Slack's finding messages, an approved apply re-proving its plan):
// the finding a fingerprint names, its group, and a plan the evaluator proves — or why there is none.

export class FixError extends Error {}

/**
 * The finding a fingerprint names: exact, or a prefix that matches exactly one finding; an earlier
 * version's fingerprint of it (in a posted message, a stored change) names it too.
 */
export function findFinding(report: AuditReport, fingerprint: string): Finding {
  const exact = report.findings.find((f) => matchesFingerprint(f, fingerprint));
  if (exact) return exact;
  let match = matchFingerprint(report.findings, fingerprint, (f) => f.fingerprint);
  if ('count' in match && match.count === 0)
    match = matchFingerprint(
      report.findings.filter((f) => f.legacyFingerprint !== undefined),
      fingerprint,
      (f) => f.legacyFingerprint as string,
    );
  if ('found' in match) return match.found;
  if (match.count > 1) throw new FixError(ambiguousPrefix(fingerprint, match.count));
  throw new FixError(
    `finding ${fingerprint}: not in this audit (run \`warden audit\` with the same scope options to list fingerprints)`,
  );
}

export function groupOf(estate: Estate, finding: Finding): SecurityGroup {
  const group = estate.groups.find(
    (g) =>
      g.provider === finding.provider &&
      g.account === finding.account &&
      g.region === finding.region &&
      g.id === finding.groupId,
  );
  if (!group && finding.decidingGroups)
    throw new FixError(
      `finding ${finding.fingerprint}: it is about the interfaces carrying the groups ${finding.groupId}, not one group: fix the deciding group's own finding (\`warden audit\` lists it)`,
    );
  if (!group) throw new FixError(`finding ${finding.fingerprint}: its group ${finding.groupId} was not read`);
  return group;
}

export interface Planned {
  plan: Plan;
  proof: PlanProof;
}

/**
 * A plan for the finding that the evaluator proves, or the reason there is none. With the estate it
 * was read from, the plan lists the interfaces carrying the group and is proved on each of them.
 */
export function proposeFix(
  finding: Finding,
  group: SecurityGroup,
  config: WardenConfig,
  estate?: Estate,
): Planned | { refused: string } {
  const unreadable = finding.ruleIds.map(unreadableIdOf).find((id) => id !== undefined);
  if (unreadable) {
    return {
      refused: `the exposure comes (also) from rule ${unreadable}, which Warden could not read and assumes to open everything: fix or remove that rule in the console first (its unparseable-rule finding says why)`,
    };
  }
  const planned = planFor(finding, group, config);
  if (!planned) return { refused: whyNoPlan(finding, group, config) };
  const plan = withBlastRadius(planned, estate);
  const proof = provePlanOnEstate(group, plan, config, estate);
  // On interfaces, the lines say where: which interface, and through which group the exposure stays.
  const where =
    proof.interfaces && proof.otherChanges.length > 0 ? `: ${proof.otherChanges.slice(0, 3).join('; ')}` : '';
  if (!proof.findingGone) return { refused: `the plan would not remove the finding; no fix is offered${where}` };
  if (!proof.neverWidens)
    return { refused: `the plan would allow traffic that is not allowed today; no fix is offered${where}` };
  if (!proof.onlyFindingPartChanged)
    return { refused: `the plan would change more than the finding: ${proof.otherChanges.join('; ')}` };
  return { plan, proof };
}
