import { AwsLambdaReceiver } from '@slack/bolt';
import { loadConfig } from '../src/config/load.ts';
import { createWardenApp } from '../src/slack/app.ts';
import type { WardenAppEnv } from '../src/slack/app.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WorkQueue } from '../src/slack/queue.ts';
import { createDynamoStateStore } from '../src/store/dynamo.ts';
import type { StateStore } from '../src/store/state.ts';

// The Slack function: API Gateway HTTP API (payload v2) → AwsLambdaReceiver → Warden's Bolt app.
// It only verifies (Bolt's signature check, before any handler), records, enqueues and
// acknowledges; the worker does the rest.
//
// Environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, WARDEN_CONFIG (a config file; none: safe
// defaults, no approvers), WARDEN_TABLE (the DynamoDB table), SLACK_API_URL (optional).

/** The parts of an API Gateway HTTP API v2 event the receiver reads. */
export interface HttpApiEvent {
  version?: string;
  rawPath?: string;
  headers: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: unknown;
  [key: string]: unknown;
}

export interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export type SlackHandler = (event: HttpApiEvent, context: unknown) => Promise<HttpApiResult>;

export interface SlackHandlerDeps {
  env: WardenAppEnv;
  queue: WorkQueue;
  /** Default: the DynamoDB store on `$WARDEN_TABLE`. */
  store?: StateStore;
  now?: () => Date;
}

/** Builds the handler: config, store, receiver and app are made once and reused across invocations. */
export function createSlackHandler(deps: SlackHandlerDeps): SlackHandler {
  let ready: Promise<SlackHandler> | undefined;
  async function init(): Promise<SlackHandler> {
    const { env } = deps;
    const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
    if (!signingSecret) throw new Error('SLACK_SIGNING_SECRET is not set');
    const config = await loadConfig(env['WARDEN_CONFIG']?.trim() || undefined);
    const store = deps.store ?? createDynamoStateStore({ ...(env['WARDEN_TABLE'] ? { tableName: env['WARDEN_TABLE'] } : {}) });
    const receiver = new AwsLambdaReceiver({ signingSecret });
    createWardenApp({ config, store, queue: deps.queue, receiver, env, ...(deps.now ? { now: deps.now } : {}) });
    return (await receiver.start()) as unknown as SlackHandler;
  }
  return async (event, context) => {
    ready ??= init().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return (await ready)(event, context);
  };
}

/**
 * The Lambda entry point. The queue here is the in-process one: the durable queue to the worker
 * function comes with the deployment (serverless.yml); until then jobs are only logged.
 */
export const handler: SlackHandler = createSlackHandler({
  env: process.env,
  queue: createInProcessQueue(async (job) => {
    console.log(`warden: job ${job.kind} from ${job.user} queued (${job.requestId})`);
  }),
});
