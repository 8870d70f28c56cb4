import { ErrorCode, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { errorText } from '../lib/errors.ts';

// Checks `npm run dev` makes before it starts anything: the two tokens are the right kinds, and
// Slack answers the bot token. Each problem is one line naming the cause; tokens are never printed.

const BOT_PREFIX = 'xoxb-';
const APP_PREFIX = 'xapp-';

/** Why the bot and app-level tokens cannot be right (swapped, or of another kind), or undefined. */
export function tokenProblem(botToken: string, appToken: string): string | undefined {
  if (botToken.startsWith(APP_PREFIX) && appToken.startsWith(BOT_PREFIX)) {
    return `SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: the bot token starts with ${BOT_PREFIX}, the app-level token with ${APP_PREFIX}`;
  }
  if (!botToken.startsWith(BOT_PREFIX))
    return `SLACK_BOT_TOKEN is not a bot token (${BOT_PREFIX}…, OAuth & Permissions)`;
  if (!appToken.startsWith(APP_PREFIX))
    return `SLACK_APP_TOKEN is not an app-level token (${APP_PREFIX}…, Basic Information, scope connections:write)`;
  return undefined;
}

const SILENT: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => 'error' as ReturnType<Logger['getLevel']>,
  setName: () => undefined,
};

/** One line for a failed Slack Web API call: unreachable, an HTTP error, or Slack's own refusal. */
export function slackErrorLine(error: unknown, url: string, what: string): string {
  const coded = error as {
    code?: string;
    original?: NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    statusCode?: number;
    data?: { error?: string };
  };
  if (coded.code === ErrorCode.RequestError) {
    // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND, a timeout) in its cause.
    const inner = coded.original?.cause;
    const cause = inner?.code ?? inner?.message ?? coded.original?.code ?? coded.original?.message ?? 'no answer';
    return `cannot reach Slack at ${url}: ${cause}`;
  }
  if (coded.code === ErrorCode.HTTPError) return `Slack at ${url} answered HTTP ${coded.statusCode}`;
  if (coded.code === ErrorCode.PlatformError) return `Slack refused ${what}: ${coded.data?.error ?? 'unknown error'}`;
  return `Slack at ${url}: ${errorText(error)}`;
}

/** Asks Slack who the bot token belongs to (auth.test), once, without retries: the cause of a failure, or undefined. */
export async function botTokenProblem(botToken: string, slackApiUrl: string | undefined): Promise<string | undefined> {
  const url = slackApiUrl ?? 'https://slack.com/api/';
  const client = new WebClient(botToken, { slackApiUrl, logger: SILENT, retryConfig: { retries: 0 }, timeout: 10_000 });
  try {
    await client.auth.test();
    return undefined;
  } catch (error) {
    return slackErrorLine(error, url, 'the bot token (SLACK_BOT_TOKEN)');
  }
}

/**
 * A logger for the Socket Mode receiver that stays silent until the connection is up: a start that
 * fails is reported once, as one line, by the caller; afterwards warnings and errors reach stderr.
 */
export function quietUntilStarted(): { logger: Logger; started(): void } {
  let live = false;
  let name = 'slack';
  const write =
    (level: string) =>
    (...messages: unknown[]) => {
      if (live) console.error(`[${level}] ${name} ${messages.map(String).join(' ')}`);
    };
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: write('WARN'),
    error: write('ERROR'),
    setLevel: () => undefined,
    getLevel: () => 'warn' as ReturnType<Logger['getLevel']>,
    setName: (value: string) => {
      name = value;
    },
  };
  return { logger, started: () => (live = true) };
}
