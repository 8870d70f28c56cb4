import { createInterface } from 'node:readline/promises';
import { userInfo } from 'node:os';
import { normalizeScope } from '../../adapters/live-estate.ts';
import type { LiveAdapter } from '../ports/live.ts';
import type { Estate } from '../model/types.ts';
import type { WardenConfig } from '../config/schema.ts';
import { applyPlan, auditVerifier, revertChange } from '../remediation/apply.ts';
import { changeFingerprints } from '../remediation/plan.ts';
import { renderPlan } from '../remediation/render.ts';
import type { ChangeRecord, Plan, PlanProof } from '../model/change.ts';
import type { ChangeStore } from '../ports/changes.ts';
import { ambiguousPrefix, matchFingerprint } from '../model/fingerprint-prefix.ts';
import { FixError } from '../app/propose-fix.ts';
import type { Planned } from '../app/propose-fix.ts';

/** What `warden fix` and `warden revert` print with --format json: one object. */
export interface FixOutcome {
  changeId: string | null;
  status: ChangeRecord['status'] | 'planned';
  plan: Plan | null;
  proof: PlanProof | null;
  verification: ChangeRecord['verification'] | null;
  messages: string[];
}

/** The newest applied fix of the finding a fingerprint (or prefix) names, by today's or an earlier version's fingerprint. */
/**
 * The latest applied change whose finding a fingerprint (or a prefix matching exactly one finding)
 * names, under its current or its earlier version's fingerprint.
 */
export async function appliedChangeFor(
  store: ChangeStore,
  fingerprint: string,
  config: WardenConfig,
): Promise<ChangeRecord | undefined> {
  const latestByFingerprint = new Map<string, ChangeRecord>();
  for (const change of await store.list()) {
    if (change.kind !== 'apply' || change.status !== 'applied') continue;
    for (const fp of changeFingerprints(change, config)) latestByFingerprint.set(fp, change);
  }
  const match = matchFingerprint([...latestByFingerprint], fingerprint, ([fp]) => fp);
  if ('found' in match) return match.found[1];
  const changes = new Set(
    [...latestByFingerprint]
      .filter(([fp]) => fp.startsWith(fingerprint))
      .map(([, change]) => change.plan.finding.fingerprint),
  );
  if (changes.size > 1) throw new FixError(ambiguousPrefix(fingerprint, changes.size));
  return [...latestByFingerprint].find(([fp]) => fp.startsWith(fingerprint))?.[1];
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
  return applyPlan({
    adapter: options.adapter,
    normalize: normalizeScope,
    scope,
    plan,
    store: options.store,
    actor: actor(),
    verify: auditVerifier(options.config, options.estate),
  });
}

export async function revertFix(options: {
  adapter: LiveAdapter;
  change: ChangeRecord;
  store: ChangeStore;
}): Promise<ChangeRecord> {
  const target = options.change.plan.target;
  const scope = { provider: target.provider, account: target.account, region: target.region };
  return revertChange({
    adapter: options.adapter,
    normalize: normalizeScope,
    scope,
    change: options.change,
    store: options.store,
    actor: actor(),
  });
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
