import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { mapLimit } from '../../src/lib/pool.ts';
import type { QueueMessage, WardenJob, WorkQueue } from '../../src/slack/queue.ts';

// The durable queues: the Slack function and the schedule put work on SQS; the scan and apply
// functions take it off. Apply and revert jobs go to a FIFO queue grouped by security group, so
// one group's changes run one at a time, in order, with SQS deduplicating a re-sent job.

export type SqsSender = Pick<SQSClient, 'send'>;

export interface SqsWorkQueueOptions {
  sqs: SqsSender;
  /** Standard queue: scopes of a run and Slack's read-only jobs (audit, findings, show, fix, suppress). */
  scanQueueUrl: string;
  /** FIFO queue: apply and revert jobs. */
  applyQueueUrl: string;
  /** The security group a job changes (its FIFO message group); undefined: the job's own id. */
  groupOf: (job: WardenJob) => Promise<string | undefined>;
}

const CHANGES = new Set(['apply', 'revert']);

export function createSqsWorkQueue(options: SqsWorkQueueOptions): WorkQueue {
  return {
    async enqueue(job) {
      const body = JSON.stringify({ type: 'job', job } satisfies QueueMessage);
      if (CHANGES.has(job.kind)) {
        const group = (await options.groupOf(job)) ?? `job:${job.requestId}`;
        await options.sqs.send(
          new SendMessageCommand({
            QueueUrl: options.applyQueueUrl,
            MessageBody: body,
            MessageGroupId: group.slice(0, 128),
            MessageDeduplicationId: dedupId(job.requestId),
          }),
        );
        return;
      }
      await options.sqs.send(new SendMessageCommand({ QueueUrl: options.scanQueueUrl, MessageBody: body }));
    },
  };
}

/** FIFO deduplication ids: at most 128 characters of [A-Za-z0-9] and punctuation. */
function dedupId(requestId: string): string {
  return requestId.replace(/[^\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]/g, '_').slice(0, 128);
}

const BATCH = 10;
const MAX_ATTEMPTS = 5;
/** Batches in flight at once, so a large estate's scopes do not go out one batch after another (docs/scaling.md). */
const SEND_CONCURRENCY = 16;

/** Sends messages in batches of ten, several batches at once, re-sending entries SQS did not take; throws when some never went. */
export async function sendAll(sqs: SqsSender, queueUrl: string, messages: readonly QueueMessage[]): Promise<number> {
  const batches: { Id: string; MessageBody: string }[][] = [];
  for (let start = 0; start < messages.length; start += BATCH) {
    batches.push(
      messages.slice(start, start + BATCH).map((m, i) => ({ Id: String(start + i), MessageBody: JSON.stringify(m) })),
    );
  }
  const sent = await mapLimit(batches, SEND_CONCURRENCY, async (batch) => {
    let entries = batch;
    let count = 0;
    for (let attempt = 1; entries.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      count += result.Successful?.length ?? 0;
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
      if (entries.length > 0 && attempt >= MAX_ATTEMPTS) {
        const first = result.Failed?.[0];
        throw new Error(
          `SQS: ${entries.length} messages not sent to ${queueUrl} after ${attempt} attempts (${first?.Code ?? 'unknown'})`,
        );
      }
    }
    return count;
  });
  return sent.reduce((sum, n) => sum + n, 0);
}
