import { SQSClient } from '@aws-sdk/client-sqs';
import { WebClient } from '@slack/web-api';
import { createAdapters } from '../../adapters/live-registry.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { slackApiUrlOf } from '../../src/slack/app.ts';
import { createWorker } from '../../src/slack/worker.ts';
import type { SlackChatClient, Worker } from '../../src/slack/worker.ts';
import { createDynamoStateStore } from '../../src/store/dynamo.ts';
import type { StateStore } from '../../src/store/state.ts';
import { requiredEnv } from './env.ts';
import { environmentWithSecrets } from './secrets.ts';
import type { SecretSource } from './secrets.ts';

// What every Warden function builds once per container: the environment with its secrets, the
// config, the state store, the Slack client, the worker. Built on the first invocation (not at
// import, so a failure is reported by that invocation and retried by the next).

export interface Runtime {
  env: NodeJS.ProcessEnv;
  config: WardenConfig;
  store: StateStore;
  slack: SlackChatClient;
  worker: Worker;
  sqs: SQSClient;
}

export interface RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  secrets?: SecretSource;
  store?: StateStore;
  slack?: SlackChatClient;
}

/**
 * The Web API client for the functions: a rate-limited call fails at once instead of waiting out
 * Retry-After (which can be minutes of billed Lambda time); SQS redelivers the work later.
 */
export function slackClientFor(env: NodeJS.ProcessEnv): WebClient {
  const slackApiUrl = slackApiUrlOf(env);
  return new WebClient(requiredEnv(env, 'SLACK_BOT_TOKEN'), {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000, maxRetryTime: 5_000 },
    timeout: 10_000,
  });
}

export async function buildRuntime(overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const env = await environmentWithSecrets(overrides.env ?? process.env, overrides.secrets);
  const config = await loadConfig(env['WARDEN_CONFIG']?.trim() || undefined);
  const store = overrides.store ?? createDynamoStateStore({ tableName: requiredEnv(env, 'WARDEN_TABLE') });
  const slack = overrides.slack ?? slackClientFor(env);
  const homeAccount = env['WARDEN_HOME_ACCOUNT']?.trim();
  const worker = createWorker({ config, store, client: slack, adapters: (providers, scoped) => createAdapters(providers, scoped, env), ...(homeAccount ? { homeAccount } : {}) });
  return { env, config, store, slack, worker, sqs: new SQSClient({}) };
}

/** One runtime per container, built on first use; a failed build is retried by the next call. */
export function lazyRuntime(build: () => Promise<Runtime>): () => Promise<Runtime> {
  let ready: Promise<Runtime> | undefined;
  return () => {
    ready ??= build().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
