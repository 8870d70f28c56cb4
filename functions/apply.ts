import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processApplyBatch } from './lib/batch.ts';
import { correlate, logger, metrics, MetricUnit } from './lib/observability.ts';
import { buildRuntime, lazyRuntime } from './lib/runtime.ts';
import type { Runtime } from './lib/runtime.ts';

// The apply function (SQS FIFO, grouped by security group): runs approved fixes and reverts, one
// at a time per group, through the worker (re-proved against the live group, verified, recorded;
// the approval's conditional transitions make a redelivered job a no-op). Only this function's
// role may change security groups. Its schedule tick recovers fixes and reverts whose process died
// part-way: it holds the write keys and grants that takes.

export interface ApplyDeps {
  runtime: () => Promise<Runtime>;
}

/** What a schedule tick did: the plans whose stuck apply or revert it recovered. */
export interface RecoveryResult {
  recovered: string[];
}

function isScheduled(event: SQSEvent | ScheduledEvent): event is ScheduledEvent {
  return (
    (event as ScheduledEvent)['detail-type'] === 'Scheduled Event' && (event as ScheduledEvent).source === 'aws.events'
  );
}

export function createApplyHandler(deps: ApplyDeps) {
  async function recover(event: ScheduledEvent, useCases: Runtime['useCases']): Promise<RecoveryResult> {
    correlate(`recover:${event.id}`, { trigger: 'schedule' });
    const recovered = await useCases.recoverStuckApplies();
    if (recovered.length > 0) logger.warn('recovered interrupted changes', { plans: recovered });
    metrics.publishStoredMetrics();
    return { recovered };
  }

  function handle(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  function handle(event: ScheduledEvent, context?: Context): Promise<RecoveryResult>;
  async function handle(
    event: SQSEvent | ScheduledEvent,
    context?: Context,
  ): Promise<SQSBatchResponse | RecoveryResult> {
    if (context) logger.addContext(context);
    const { worker, useCases, store } = await deps.runtime();
    if (isScheduled(event)) return recover(event, useCases);
    const response = await processApplyBatch(event, async ({ message }) => {
      if (message.type !== 'job' || (message.job.kind !== 'apply' && message.job.kind !== 'revert')) {
        throw new Error(
          `the apply queue takes apply and revert jobs, not ${message.type === 'job' ? message.job.kind : message.type}`,
        );
      }
      const { job } = message;
      correlate(job.requestId, { job: job.kind });
      await worker.handle(job);
      const target = String(job.args['planId'] ?? job.args['changeId'] ?? '');
      const outcome = (await store.trail.forTarget(target)).at(-1)?.outcome ?? 'unknown';
      const single = metrics.singleMetric();
      single.addDimensions({ kind: job.kind, outcome: outcome.split(':')[0] ?? 'unknown' });
      single.addMetric('ApplyOutcomes', MetricUnit.Count, 1);
      logger.info('job done', { kind: job.kind, target, outcome });
    });
    metrics.publishStoredMetrics();
    return response;
  }
  return handle;
}

export const handler = createApplyHandler({ runtime: lazyRuntime(() => buildRuntime()) });
