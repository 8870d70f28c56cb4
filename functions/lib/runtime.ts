import { SQSClient } from '@aws-sdk/client-sqs';
import { ErrorCode } from '@slack/web-api';
import type { WebClient } from '@slack/web-api';
import { createAdapters } from '../../adapters/live-registry.ts';
import type { AdapterShared } from '../../adapters/live-registry.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { memberAccountConfig } from '../../adapters/aws/roles.ts';
import { bindUseCases } from '../../src/app/use-cases.ts';
import type { UseCases } from '../../src/app/use-cases.ts';
import type { SlackChatClient } from '../../src/slack/notifier.ts';
import { createWorker, slackPorts } from '../../src/slack/worker.ts';
import type { Worker, WorkerOptions } from '../../src/slack/worker.ts';
import { createDynamoStateStore } from '../../src/store/dynamo.ts';
import type { StateStore } from '../../src/store/state.ts';
import { lazily } from '../../src/lib/lazily.ts';
import { sqsChartRequests } from './chart-queue.ts';
import { newRunId, startRun } from './fanout.ts';
import { requiredEnv } from './env.ts';
import { environmentWithSecrets } from './secrets.ts';
import { slackClientFor } from './slack-client.ts';
import type { SecretSource } from './secrets.ts';

export { slackClientFor };

// What every Warden function builds once per container: the environment with its secrets, the
// config, the state store, the Slack client, the use cases (src/app) and the worker for Slack jobs. Built on the first invocation (not at
// import, so a failure is reported by that invocation and retried by the next).

export interface Runtime {
  env: NodeJS.ProcessEnv;
  config: WardenConfig;
  store: StateStore;
  slack: SlackChatClient;
  /** The use cases the functions run: scopes of a run, digests, real-time audits, recovery. */
  useCases: UseCases;
  /** Slack jobs (a command's or a button's work). */
  worker: Worker;
  sqs: SQSClient;
}

export interface RuntimeOverrides {
  env?: NodeJS.ProcessEnv;
  secrets?: SecretSource;
  store?: StateStore;
  slack?: SlackChatClient;
}

/** The longest Retry-After waited out, and how often: chat.postMessage's limit is about one message a second per channel. */
const SHORT_RATE_LIMIT_SECONDS = 5;
const RATE_LIMIT_WAITS = 3;

/**
 * Slack's chat methods, waiting out a short rate limit (Retry-After ≤ 5 s, at most three times) and
 * failing on a long one, so the queue retries the work later instead of the function idling.
 */
export function patientChat(
  client: Pick<WebClient, 'chat'>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): SlackChatClient {
  async function patiently<T>(call: () => Promise<T>): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return await call();
      } catch (error) {
        const limited = error as { code?: string; retryAfter?: number };
        const retryAfter = limited.retryAfter ?? Number.POSITIVE_INFINITY;
        if (
          limited.code !== ErrorCode.RateLimitedError ||
          retryAfter > SHORT_RATE_LIMIT_SECONDS ||
          waits >= RATE_LIMIT_WAITS
        )
          throw error;
        await sleep(retryAfter * 1000);
      }
    }
  }
  return {
    chat: {
      postMessage: (args) =>
        patiently(() => client.chat.postMessage(args as Parameters<WebClient['chat']['postMessage']>[0])),
      update: (args) => patiently(() => client.chat.update(args as Parameters<WebClient['chat']['update']>[0])),
    },
  };
}

export async function buildRuntime(overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const env = await environmentWithSecrets(overrides.env ?? process.env, overrides.secrets);
  const config = await loadConfig(env['WARDEN_CONFIG']?.trim() || undefined);
  const store = overrides.store ?? createDynamoStateStore({ tableName: requiredEnv(env, 'WARDEN_TABLE') });
  const webClient = overrides.slack ? undefined : slackClientFor(env);
  const slack = overrides.slack ?? patientChat(webClient as WebClient);
  const homeAccount = env['WARDEN_HOME_ACCOUNT']?.trim();
  // One per container: a member role assumed for one scope serves the container's later scopes of that account.
  const shared: AdapterShared = { awsRoleCredentials: new Map() };
  const made: { runtime?: Runtime } = {};
  const sqs = new SQSClient({});
  const chartQueueUrl = env['WARDEN_CHART_QUEUE_URL']?.trim();
  const options: WorkerOptions = {
    config,
    store,
    client: slack,
    ...(webClient ? { homeClient: webClient } : {}),
    adapters: (providers, scoped) => createAdapters(providers, scoped, env, shared),
    configFor: memberAccountConfig(config, homeAccount || undefined),
    // On-demand audits fan out like the schedule's (the fan-out needs the runtime: bound late).
    fanOut: async ({ providers, filter, channel, user }) => {
      const runId = newRunId(new Date());
      const { scopes } = await startRun(made.runtime as Runtime, {
        runId,
        trigger: `slack:${user}`,
        channel,
        providers,
        filter,
        now: new Date(),
      });
      return { runId, scopes };
    },
    ...(chartQueueUrl ? { charts: sqsChartRequests(sqs, chartQueueUrl) } : {}),
  };
  const ports = slackPorts(options);
  made.runtime = {
    env,
    config,
    store,
    slack,
    useCases: bindUseCases(ports),
    worker: createWorker(options, ports),
    sqs,
  };
  return made.runtime;
}

/** One runtime per container, built on first use; a failed build is retried by the next call. */
export function lazyRuntime(build: () => Promise<Runtime>): () => Promise<Runtime> {
  return lazily(build);
}
