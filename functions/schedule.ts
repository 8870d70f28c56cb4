import type { Context, ScheduledEvent } from 'aws-lambda';
import { newRunId, startRun } from './lib/fanout.ts';
import type { OrganizationsSender } from './lib/fanout.ts';
import { correlate, logger, metrics } from './lib/observability.ts';
import type { SqsSender } from './lib/queues.ts';
import { buildRuntime, lazyRuntime } from './lib/runtime.ts';
import type { Runtime } from './lib/runtime.ts';

// The schedule function (EventBridge schedule): finishes runs that never completed, then splits
// the configured estate into scopes (provider × account × region) and puts one message per scope
// on the scan queue, so a thousand accounts × regions are audited in parallel by the scan function.
// Fixes and reverts whose process died part-way are recovered by the apply function's own schedule.

export interface ScheduleResult {
  runId: string;
  scopes: number;
  /** Earlier runs whose digest this tick posted (a scope failed for good, or a crash). */
  finishedLate: string[];
}

export interface ScheduleDeps {
  runtime: () => Promise<Runtime>;
  /** ListAccounts, for providers.aws.organization; default the SDK's client. */
  organizations?: OrganizationsSender;
  sqs?: SqsSender;
  now?: () => Date;
}

/** A run not digested this long after it started is finished with what it has. */
const STALE_AFTER_MS = 45 * 60_000;

export function createScheduleHandler(deps: ScheduleDeps) {
  const now = deps.now ?? (() => new Date());
  return async (_event: ScheduledEvent, context?: Context): Promise<ScheduleResult> => {
    if (context) logger.addContext(context);
    const runtime = await deps.runtime();
    const { store, useCases } = runtime;
    const runId = newRunId(now());
    correlate(runId, { trigger: 'schedule' });

    const finishedLate: string[] = [];
    for (const run of await store.runs.unfinished(new Date(now().getTime() - STALE_AFTER_MS))) {
      if (await useCases.finishRun(run.runId)) finishedLate.push(run.runId);
    }
    if (finishedLate.length) logger.warn('finished runs that did not complete', { runs: finishedLate });

    // Stuck applies and reverts are recovered where the write keys and grants are: by the apply
    // function's schedule, its next delivery, or an approver's Resume click. This function holds neither.
    const started = await startRun(runtime, {
      runId,
      trigger: 'schedule',
      now: now(),
      ...(deps.organizations ? { organizations: deps.organizations } : {}),
      ...(deps.sqs ? { sqs: deps.sqs } : {}),
    });
    metrics.publishStoredMetrics();
    return { runId, scopes: started.scopes, finishedLate };
  };
}

export { planScopes } from './lib/fanout.ts';

export const handler = createScheduleHandler({ runtime: lazyRuntime(() => buildRuntime()) });
