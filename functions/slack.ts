import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AwsLambdaReceiver } from '@slack/bolt';
import { loadConfig } from '../src/config/load.ts';
import { createWardenApp } from '../src/slack/app.ts';
import type { WardenAppEnv } from '../src/slack/app.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { groupKeyOf } from '../src/model/change.ts';
import { correlate } from './lib/observability.ts';
import { createSqsWorkQueue } from './lib/queues.ts';
import { requiredEnv } from './lib/env.ts';
import { environmentWithSecrets } from './lib/secrets.ts';
import { screenSlackRequest } from './lib/slack-request.ts';
import type { SecretSource } from './lib/secrets.ts';
import { openStateStore } from '../src/store/open.ts';
import type { StateStore } from '../src/store/state.ts';
import { errorText } from '../src/lib/errors.ts';

// The Slack function: API Gateway HTTP API (payload v2) → size limit and signature check
// (lib/slack-request.ts, before the body is parsed) → AwsLambdaReceiver → Warden's Bolt app.
// It only verifies, records, enqueues and acknowledges; the worker does the rest.
//
// Environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN (deployed: from SSM, WARDEN_SECRET_PATHS),
// WARDEN_CONFIG (a config file; none: safe defaults, no approvers), WARDEN_TABLE (the DynamoDB
// table), WARDEN_SCAN_QUEUE_URL and WARDEN_APPLY_QUEUE_URL (deployed), SLACK_API_URL (optional).

/**
 * An API Gateway HTTP API (payload v2) event: the receiver reads its headers, body and
 * isBase64Encoded; the rest of the request context is optional here so tests can build events.
 */
export type HttpApiEvent = Pick<APIGatewayProxyEventV2, 'headers' | 'isBase64Encoded'> &
  Partial<Omit<APIGatewayProxyEventV2, 'headers' | 'isBase64Encoded' | 'requestContext' | 'body'>> & {
    body?: string | null;
    requestContext?: Partial<APIGatewayProxyEventV2['requestContext']> | Record<string, unknown>;
  };

export { SLACK_MAX_BODY_BYTES } from './lib/slack-request.ts';

export type HttpApiResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export type SlackHandler = (event: HttpApiEvent, context: Context | Record<string, never>) => Promise<HttpApiResult>;

export interface SlackHandlerDeps {
  env: WardenAppEnv;
  /** The queue, or how to make it once the store and the secrets are known. */
  queue: WorkQueue | ((store: StateStore, env: WardenAppEnv) => WorkQueue);
  /** Where WARDEN_SECRET_PATHS are read; default SSM Parameter Store. */
  secrets?: SecretSource;
  /** Default: the DynamoDB store on `$WARDEN_TABLE` (required then). */
  store?: StateStore;
  now?: () => Date;
}

/** Builds the handler: config, store, receiver and app are made once and reused across invocations. */
export function createSlackHandler(deps: SlackHandlerDeps): SlackHandler {
  let ready: Promise<SlackHandler> | undefined;
  async function init(): Promise<SlackHandler> {
    const env = await environmentWithSecrets(deps.env, deps.secrets);
    const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
    if (!signingSecret) throw new Error('SLACK_SIGNING_SECRET is not set');
    const config = await loadConfig(env['WARDEN_CONFIG']?.trim() || undefined);
    // No store given: the table WARDEN_TABLE names; without it the handler refuses to start.
    const store = deps.store ?? (await openStateStore(env)).store;
    const receiver = new AwsLambdaReceiver({ signingSecret });
    const queue = typeof deps.queue === 'function' ? deps.queue(store, env) : deps.queue;
    createWardenApp({ config, store, queue, receiver, env, ...(deps.now ? { now: deps.now } : {}) });
    const bolt = (await receiver.start()) as unknown as SlackHandler;
    return async (event, context) => {
      const screened = screenSlackRequest(event, { signingSecret });
      if (!screened.ok) {
        if (screened.reason)
          console.error(`warden: slack request refused (${screened.statusCode}): ${screened.reason}`);
        return { statusCode: screened.statusCode, body: '' };
      }
      try {
        return await bolt({ ...event, body: screened.body, isBase64Encoded: false }, context);
      } catch (error) {
        // The receiver parses the body before any handler; a signed body that is not a Slack payload ends here.
        if (!(error instanceof SyntaxError)) throw error;
        console.error(
          `warden: slack request refused (400): the signed body is not a Slack payload (${errorText(error)})`,
        );
        return { statusCode: 400, body: '' };
      }
    };
  }
  return async (event, context) => {
    const requestId = (event.requestContext as { requestId?: string } | undefined)?.requestId;
    correlate(requestId ?? 'slack', { function: 'slack' });
    ready ??= init().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return (await ready)(event, context);
  };
}

/** Which security group a job changes: its FIFO message group, so one group's fixes run one at a time. */
export function groupOfJob(store: StateStore): (job: WardenJob) => Promise<string | undefined> {
  return async (job) => {
    if (job.kind === 'apply' && typeof job.args['fingerprint'] === 'string') {
      const state = await store.findings.get(job.args['fingerprint']);
      return state ? groupKeyOf(state.finding) : undefined;
    }
    if (job.kind === 'revert' && typeof job.args['changeId'] === 'string') {
      const change = await store.changes.get(job.args['changeId']);
      return change ? groupKeyOf(change.plan.target) : undefined;
    }
    return undefined;
  };
}

/** The deployed handler for an environment: secrets from SSM, jobs to the scan and apply queues (SQS). */
export function createProductionSlackHandler(env: NodeJS.ProcessEnv): SlackHandler {
  return createSlackHandler({
    env,
    queue: (store, resolved) =>
      createSqsWorkQueue({
        sqs: new SQSClient({}),
        scanQueueUrl: requiredEnv(resolved, 'WARDEN_SCAN_QUEUE_URL'),
        applyQueueUrl: requiredEnv(resolved, 'WARDEN_APPLY_QUEUE_URL'),
        groupOf: groupOfJob(store),
      }),
  });
}

export const handler: SlackHandler = createProductionSlackHandler(process.env);
