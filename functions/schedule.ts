import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { listOrganizationAccounts } from '../adapters/aws/accounts.ts';
import { roleForAccount } from '../adapters/aws/roles.ts';
import { createAdapters } from '../adapters/live-registry.ts';
import type { Scope } from '../adapters/live.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { PROVIDERS } from '../src/model/types.ts';
import type { ScopeMessage } from '../src/slack/queue.ts';
import { correlate, logger, metrics, MetricUnit } from './lib/observability.ts';
import { sendAll } from './lib/queues.ts';
import type { SqsSender } from './lib/queues.ts';
import { requiredEnv } from './lib/env.ts';
import { buildRuntime, lazyRuntime } from './lib/runtime.ts';
import type { Runtime } from './lib/runtime.ts';

// The schedule function (EventBridge schedule): finishes runs that never completed, then splits
// the configured estate into scopes (provider × account × region) and puts one message per scope
// on the scan queue, so a thousand accounts × regions are audited in parallel by the scan function.

export interface ScheduleResult {
  runId: string;
  scopes: number;
  /** Earlier runs whose digest this tick posted (a scope failed for good, or a crash). */
  finishedLate: string[];
}

export interface ScheduleDeps {
  runtime: () => Promise<Runtime>;
  /** ListAccounts, for providers.aws.organization; default the SDK's client. */
  organizations?: Parameters<typeof listOrganizationAccounts>[0];
  sqs?: SqsSender;
  now?: () => Date;
}

/** A run not digested this long after it started is finished with what it has. */
const STALE_AFTER_MS = 45 * 60_000;

/** Every scope of the configured estate, each with the role that reaches it. */
export async function planScopes(config: WardenConfig, env: NodeJS.ProcessEnv, organizations?: ScheduleDeps['organizations']): Promise<Omit<ScopeMessage, 'runId'>[]> {
  const out: Omit<ScopeMessage, 'runId'>[] = [];
  for (const provider of PROVIDERS) {
    if (!config.providers[provider]) continue;
    const [adapter] = await createAdapters([provider], config, env);
    const scopes: Scope[] = await (adapter as NonNullable<typeof adapter>).scopes();
    // The adapter's AWS scopes are the listed accounts: by their own role, or the home account's credentials.
    const byRole = new Set((config.providers.aws?.accounts ?? []).flatMap((a) => (a.roleArn ? [a.roleArn.split(':')[4] ?? a.id] : [])));
    for (const scope of scopes) out.push({ type: 'scope', ...scope, ...(provider === 'aws' && byRole.has(scope.account) ? roleForAccount(config, scope.account, 'read') : {}) });
  }
  const aws = config.providers.aws;
  if (aws?.organization) {
    const listed = new Set(out.filter((s) => s.provider === 'aws').map((s) => s.account));
    const { OrganizationsClient } = await import('@aws-sdk/client-organizations');
    const client = organizations ?? new OrganizationsClient({ maxAttempts: 1, region: 'us-east-1' });
    for (const account of await listOrganizationAccounts(client, config)) {
      if (listed.has(account) || aws.organization.exclude.includes(account)) continue;
      const role = roleForAccount(config, account, 'read');
      for (const region of aws.regions) out.push({ type: 'scope', provider: 'aws', account, region, ...role });
    }
  }
  return out;
}

export function createScheduleHandler(deps: ScheduleDeps) {
  const now = deps.now ?? (() => new Date());
  return async (_event: ScheduledEvent, context?: Context): Promise<ScheduleResult> => {
    if (context) logger.addContext(context);
    const runtime = await deps.runtime();
    const { config, env, store, worker } = runtime;
    const runId = `run-${now().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    correlate(runId, { trigger: 'schedule' });

    const finishedLate: string[] = [];
    for (const run of await store.runs.unfinished(new Date(now().getTime() - STALE_AFTER_MS))) {
      if (await worker.finishRun(run.runId)) finishedLate.push(run.runId);
    }
    if (finishedLate.length) logger.warn('finished runs that did not complete', { runs: finishedLate });

    const scopes = await planScopes(config, env, deps.organizations);
    const messages: ScopeMessage[] = scopes.map((s) => ({ ...s, runId }));
    await store.runs.start({ runId, expected: messages.length, trigger: 'schedule', now: now(), ...(config.slack?.channel ? { channel: config.slack.channel } : {}) });
    const sent = await sendAll(deps.sqs ?? runtime.sqs, requiredEnv(env, 'WARDEN_SCAN_QUEUE_URL'), messages);
    logger.info('run started', { scopes: messages.length, sent });
    metrics.addMetric('ScopesQueued', MetricUnit.Count, sent);
    metrics.publishStoredMetrics();
    return { runId, scopes: messages.length, finishedLate };
  };
}

export const handler = createScheduleHandler({ runtime: lazyRuntime(() => buildRuntime()) });
