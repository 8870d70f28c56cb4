import { z } from 'zod';
import { PROVIDERS } from '../model/types.ts';
import type { ScopeMessage } from '../app/audit-scope.ts';

export type { ScopeMessage };

// The work the Slack function hands off: the HTTP function only verifies, records, enqueues and
// acknowledges; a worker does the slow part (audits, plans, applies) and answers through
// `responseUrl` or the Web API.

export type JobKind = 'audit' | 'findings' | 'show' | 'fix' | 'suppress' | 'apply' | 'revert' | 'help' | 'home';

export interface WardenJob {
  kind: JobKind;
  /** The command's or button's arguments (ids only; the worker re-reads everything else). */
  args: Record<string, string | number | undefined>;
  /** The Slack user id who asked. */
  user: string;
  /** The channel it was asked in. */
  channel: string;
  /** Where to answer the person (valid for 30 minutes, 5 posts). */
  responseUrl?: string;
  /** The Slack delivery it came from (idempotency key). */
  requestId: string;
}

export interface WorkQueue {
  enqueue(job: WardenJob): Promise<void>;
}

/**
 * For local use and tests: jobs are kept in `jobs`, and when a `worker` is given each is handed
 * to it after the current request has been answered (never inside it). Not for Lambda, where the
 * process may freeze once the response is returned.
 */
export function createInProcessQueue(worker?: (job: WardenJob) => Promise<void>): WorkQueue & { jobs: WardenJob[] } {
  const jobs: WardenJob[] = [];
  return {
    jobs,
    async enqueue(job) {
      jobs.push(job);
      if (worker) {
        setImmediate(() => {
          worker(job).catch((error: unknown) =>
            console.error(`warden: job ${job.kind} (${job.requestId}) failed: ${(error as Error).message}`),
          );
        });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The durable queues' messages (SQS in production): a Slack job, or one scope of a scheduled run.

export type QueueMessage = { type: 'job'; job: WardenJob } | ScopeMessage;

const JOB_KINDS = ['audit', 'findings', 'show', 'fix', 'suppress', 'apply', 'revert', 'help', 'home'] as const;

/** A queue message body (parsed from its JSON). */
export const queueMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('job'),
    job: z.object({
      kind: z.enum(JOB_KINDS),
      args: z.record(z.string(), z.union([z.string(), z.number()]).optional()),
      user: z.string(),
      channel: z.string(),
      responseUrl: z.url({ protocol: /^https?$/ }).optional(),
      requestId: z.string().min(1),
    }),
  }),
  z.object({
    type: z.literal('scope'),
    runId: z.string().min(1),
    provider: z.enum(PROVIDERS),
    account: z.string(),
    region: z.string().min(1),
    roleArn: z.string().startsWith('arn:').optional(),
    externalId: z.string().optional(),
    channel: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/)
      .optional(),
  }),
]);
