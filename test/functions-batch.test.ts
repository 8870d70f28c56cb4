import { describe, expect, it } from 'vitest';
import { createApplyHandler } from '../functions/apply.ts';
import type { Runtime } from '../functions/lib/runtime.ts';
import { createScanHandler } from '../functions/scan.ts';
import type { ScopeMessage, WardenJob } from '../src/slack/queue.ts';
import { sqsEvent, sqsRecord } from './support/lambda-events.ts';

// The SQS functions' batch handling (Powertools Batch and Parser), without any server: each record
// parsed with the queue schema, failures reported per record, the scan queue's concurrency bounded,
// the FIFO apply queue stopping at its first failure.

const SCAN_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:warden-scan';
const APPLY_QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:warden-apply.fifo';

function scope(n: number): ScopeMessage {
  return { type: 'scope', runId: 'run-1', provider: 'aws', account: '123456789012', region: `eu-west-${n}` };
}

function job(kind: WardenJob['kind'], n: number): string {
  return JSON.stringify({
    type: 'job',
    job: {
      kind,
      args: { planId: `plan-${n}`, fingerprint: 'f'.repeat(16) },
      user: 'U0APPROVER',
      channel: 'C0WARDEN01',
      requestId: `r-${n}`,
    },
  });
}

function runtimeWith(worker: Partial<Runtime['worker']>): () => Promise<Runtime> {
  const store = { trail: { forTarget: async () => [] } };
  return async () => ({ worker, useCases: worker, store }) as unknown as Runtime;
}

describe('scan function batches', () => {
  it('handles at most `concurrency` scopes at once, and all of them', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const worker = {
      async scanScope(message: ScopeMessage) {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(message.region);
        running--;
        return {
          groups: 0,
          rules: 0,
          findings: 0,
          bySeverity: {},
          new: 0,
          resolved: 0,
          posted: 0,
          heldBack: 0,
          throttles: 0,
          digestPosted: false,
        };
      },
    };
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord({ id: `m-${i}`, body: JSON.stringify(scope(i)) }, SCAN_QUEUE),
    );
    const result = await createScanHandler({ runtime: runtimeWith(worker), concurrency: 4 })(sqsEvent(records));
    expect(result.batchItemFailures).toEqual([]);
    expect(seen).toHaveLength(10);
    expect(peak).toBe(4);
  });

  it('reports every record of a batch that failed whole, instead of throwing', async () => {
    const records = [
      sqsRecord({ id: 'bad-1', body: 'not json' }, SCAN_QUEUE),
      sqsRecord({ id: 'bad-2', body: '{"type":"scope"}' }, SCAN_QUEUE),
    ];
    const result = await createScanHandler({ runtime: runtimeWith({}) })(sqsEvent(records));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]);
  });
});

describe('apply function batches (FIFO)', () => {
  it('hands back the failed record and every one after it untouched, in order', async () => {
    const handled: string[] = [];
    const worker = {
      async handle(j: WardenJob) {
        handled.push(j.requestId);
      },
    };
    const records = [
      sqsRecord({ id: 'a-1', body: job('apply', 1), groupId: 'sg-1' }, APPLY_QUEUE),
      sqsRecord({ id: 'a-2', body: job('findings', 2), groupId: 'sg-1' }, APPLY_QUEUE),
      sqsRecord({ id: 'a-3', body: job('apply', 3), groupId: 'sg-2' }, APPLY_QUEUE),
    ];
    const result = await createApplyHandler({ runtime: runtimeWith(worker) })(sqsEvent(records));
    expect(handled).toEqual(['r-1']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'a-2' }, { itemIdentifier: 'a-3' }]);
  });
});
