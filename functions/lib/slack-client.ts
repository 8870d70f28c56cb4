import { WebClient } from '@slack/web-api';
import { slackApiUrlOf } from '../../src/slack/api-url.ts';
import { requiredEnv } from './env.ts';

/**
 * The Web API client for the functions: a rate-limited call fails at once instead of waiting out
 * Retry-After inside the client (which can be minutes of billed Lambda time); `patientChat` waits
 * out short ones itself.
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
