import { createInterface } from 'node:readline/promises';
import { userInfo } from 'node:os';
import type { LiveAdapter } from '../ports/live.ts';
import type { AuditReport } from '../analysis/audit.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { Estate, Finding, SecurityGroup } from '../model/types.ts';
import type { WardenConfig } from '../config/schema.ts';
import { applyPlan, auditVerifier, revertChange } from '../remediation/apply.ts';
import { changeFingerprints } from '../remediation/plan.ts';
import { planFor, whyNoPlan } from '../remediation/planners/index.ts';
import { provePlan } from '../remediation/prove.ts';
import { renderPlan } from '../remediation/render.ts';
import type { ChangeRecord, Plan, PlanProof } from '../model/change.ts';
import type { ChangeStore } from '../ports/changes.ts';
import { ambiguousPrefix, matchFingerprint } from '../model/fingerprint-prefix.ts';
import { unreadableIdOf } from '../analysis/unreadable.ts';

/** What `warden fix` and `warden revert` print with --format json: one object. */
export interface FixOutcome {
  changeId: string | null;
  status: ChangeRecord['status'] | 'planned';
  plan: Plan | null;
  proof: PlanProof | null;
  verification: ChangeRecord['verification'] | null;
  messages: string[];
}

export class FixError extends Error {}

/**
 * The finding a fingerprint names: exact, or a prefix that matches exactly one finding; an earlier
 * version's fingerprint of it (in a posted message, a stored change) names it too.
 */
export function findFinding(report: AuditReport, fingerprint: string): Finding {
  const exact = report.findings.find((f) => matchesFingerprint(f, fingerprint));
  if (exact) return exact;
  let match = matchFingerprint(report.findings, fingerprint, (f) => f.fingerprint);
  if ('count' in match && match.count === 0) match = matchFingerprint(report.findings.filter((f) => f.legacyFingerprint !== undefined), fingerprint, (f) => f.legacyFingerprint as string);
  if ('found' in match) return match.found;
  if (match.count > 1) throw new FixError(ambiguousPrefix(fingerprint, match.count));
  throw new FixError(`finding ${fingerprint}: not in this audit (run \`warden audit\` with the same scope options to list fingerprints)`);
}

/** The newest applied fix of the finding a fingerprint (or prefix) names, by today's or an earlier version's fingerprint. */
/**
 * The latest applied change whose finding a fingerprint (or a prefix matching exactly one finding)
 * names, under its current or its earlier version's fingerprint.
 */
export async function appliedChangeFor(store: ChangeStore, fingerprint: string, config: WardenConfig): Promise<ChangeRecord | undefined> {
  const latestByFingerprint = new Map<string, ChangeRecord>();
  for (const change of await store.list()) {
    if (change.kind !== 'apply' || change.status !== 'applied') continue;
    for (const fp of changeFingerprints(change, config)) latestByFingerprint.set(fp, change);
  }
  const match = matchFingerprint([...latestByFingerprint], fingerprint, ([fp]) => fp);
  if ('found' in match) return match.found[1];
  const changes = new Set([...latestByFingerprint].filter(([fp]) => fp.startsWith(fingerprint)).map(([, change]) => change.plan.finding.fingerprint));
  if (changes.size > 1) throw new FixError(ambiguousPrefix(fingerprint, changes.size));
  return [...latestByFingerprint].find(([fp]) => fp.startsWith(fingerprint))?.[1];
}

export function groupOf(estate: Estate, finding: Finding): SecurityGroup {
  const group = estate.groups.find(
    (g) => g.provider === finding.provider && g.account === finding.account && g.region === finding.region && g.id === finding.groupId,
  );
  if (!group) throw new FixError(`finding ${finding.fingerprint}: its group ${finding.groupId} was not read`);
  return group;
}

export interface Planned {
  plan: Plan;
  proof: PlanProof;
}

/** A plan for the finding that the evaluator proves, or the reason there is none. */
export function proposeFix(finding: Finding, group: SecurityGroup, config: WardenConfig): Planned | { refused: string } {
  const unreadable = finding.ruleIds.map(unreadableIdOf).find((id) => id !== undefined);
  if (unreadable) {
    return { refused: `the exposure comes (also) from rule ${unreadable}, which Warden could not read and assumes to open everything: fix or remove that rule in the console first (its unparseable-rule finding says why)` };
  }
  const plan = planFor(finding, group, config);
  if (!plan) return { refused: whyNoPlan(finding, group, config) };
  const proof = provePlan(group, plan, config);
  if (!proof.findingGone) return { refused: 'the plan would not remove the finding; no fix is offered' };
  if (!proof.neverWidens) return { refused: 'the plan would allow traffic that is not allowed today; no fix is offered' };
  if (!proof.onlyFindingPartChanged) return { refused: `the plan would change more than the finding: ${proof.otherChanges.join('; ')}` };
  return { plan, proof };
}

export function describePlanned(planned: Planned): string[] {
  return renderPlan(planned.plan, planned.proof);
}

/** Asks a person at a terminal; never assumes yes. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export function actor(env: NodeJS.ProcessEnv = process.env): string {
  return env['WARDEN_ACTOR'] ?? `${userInfo().username}@cli`;
}

export async function applyFix(options: {
  adapter: LiveAdapter;
  planned: Planned;
  config: WardenConfig;
  estate: Estate;
  store: ChangeStore;
}): Promise<ChangeRecord> {
  const { plan } = options.planned;
  const scope = { provider: plan.target.provider, account: plan.target.account, region: plan.target.region };
  return applyPlan({ adapter: options.adapter, scope, plan, store: options.store, actor: actor(), verify: auditVerifier(options.config, options.estate) });
}

export async function revertFix(options: { adapter: LiveAdapter; change: ChangeRecord; store: ChangeStore }): Promise<ChangeRecord> {
  const target = options.change.plan.target;
  const scope = { provider: target.provider, account: target.account, region: target.region };
  return revertChange({ adapter: options.adapter, scope, change: options.change, store: options.store, actor: actor() });
}

export function outcomeOf(record: ChangeRecord, proof: PlanProof | null): FixOutcome {
  return {
    changeId: record.changeId,
    status: record.status,
    plan: record.plan,
    proof,
    verification: record.verification ?? null,
    messages: record.messages,
  };
}
