import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { limitConcurrency } from '../src/lib/pool.ts';
import { processScanBatch } from './lib/batch.ts';
import type { QueueRecord } from './lib/batch.ts';
import { correlate, logger, metrics, recordScopeMetrics } from './lib/observability.ts';
import { buildRuntime, lazyRuntime } from './lib/runtime.ts';
import type { Runtime } from './lib/runtime.ts';

// The scan function (SQS, standard queue): each message is one scope of a run (audit it, record
// it, post its new findings, and post the run's digest when it is the last) or one of Slack's
// read-only jobs (apply and revert jobs are refused: they belong on the apply queue). A message
// that fails is reported back alone (ReportBatchItemFailures): SQS retries it, and after three
// receives it goes to the dead-letter queue, which has an alarm.

export interface ScanDeps {
  runtime: () => Promise<Runtime>;
  /** Messages handled at once. */
  concurrency?: number;
}

export function createScanHandler(deps: ScanDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const { worker, useCases } = await deps.runtime();
    const handle = limitConcurrency(deps.concurrency ?? 4, async ({ message }: QueueRecord) => {
      if (message.type === 'scope') {
        correlate(`${message.runId}/${message.provider}/${message.account}/${message.region}`, {
          runId: message.runId,
        });
        const outcome = await useCases.scanScope(message);
        recordScopeMetrics(outcome, message.provider);
        logger.info('scope audited', { ...outcome, bySeverity: outcome.bySeverity });
        return;
      }
      // Only the apply function's role may change security groups: a change job here is refused, not run.
      if (message.job.kind === 'apply' || message.job.kind === 'revert')
        throw new Error(`the scan queue takes scopes and read-only jobs, not ${message.job.kind}`);
      correlate(message.job.requestId, { job: message.job.kind });
      await worker.handle(message.job);
      logger.info('job done', { kind: message.job.kind });
    });
    const response = await processScanBatch(event, handle);
    metrics.publishStoredMetrics();
    return response;
  };
}

export const handler = createScanHandler({ runtime: lazyRuntime(() => buildRuntime()) });
