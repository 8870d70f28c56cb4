import { describe, expect, it } from 'vitest';
import { createScanHandler } from '../functions/scan.ts';
import type { Runtime } from '../functions/lib/runtime.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { sqsEvent, sqsRecord } from './support/lambda-events.ts';

// Attacks on the split of privilege between Warden's functions: each plays the attack through the
// real Lambda handler, then asserts what must hold.

const SCAN_QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:warden-ci-ScanQueue';

/** The scan function's runtime with a worker that records the jobs it is handed (nothing else is reached). */
function recordingRuntime(handled: WardenJob[]): () => Promise<Runtime> {
  const worker = {
    handle: async (job: WardenJob) => {
      handled.push(job);
    },
  };
  return async () => ({ worker }) as unknown as Runtime;
}

function jobRecord(kind: WardenJob['kind'], id: string) {
  const job: WardenJob = { kind, args: { planId: 'plan-1', changeId: 'change-1' }, user: 'UATTACKER', channel: 'C1', requestId: `req-${id}` };
  return sqsRecord({ id, body: JSON.stringify({ type: 'job', job }) }, SCAN_QUEUE_ARN);
}

describe('attack: an apply or revert job slipped onto the scan queue (which the Slack and schedule roles may send to)', () => {
  it('the scan handler refuses it: the worker never runs it, the message fails (to the dead-letter queue), read-only jobs still run', async () => {
    const handled: WardenJob[] = [];
    const scan = createScanHandler({ runtime: recordingRuntime(handled) });
    const result = await scan(sqsEvent([jobRecord('apply', 'm-apply'), jobRecord('revert', 'm-revert'), jobRecord('findings', 'm-findings')]));
    expect(handled.map((j) => j.kind)).toEqual(['findings']);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-apply', 'm-revert']);
  });
});
