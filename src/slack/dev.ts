import { SocketModeReceiver } from '@slack/bolt';
import type { App } from '@slack/bolt';
import { memberAccountConfig } from '../../adapters/aws/roles.ts';
import { createAdapters } from '../../adapters/live-registry.ts';
import { discoverConfig, loadConfig } from '../config/load.ts';
import { startEmbeddedDynamo } from '../store/embedded.ts';
import { openStateStore } from '../store/open.ts';
import type { OpenedStore } from '../store/open.ts';
import { createWardenApp, slackApiUrlOf } from './app.ts';
import { botTokenProblem, quietUntilStarted, slackErrorLine, tokenProblem } from './preflight.ts';
import { createInProcessQueue } from './queue.ts';
import { createWorker } from './worker.ts';

// `npm run dev`: Warden's Slack app on this machine, in Socket Mode (Slack delivers commands and
// clicks over a WebSocket the app opens, so no public URL is needed). See README, "## Slack".
//
// Environment: SLACK_BOT_TOKEN (xoxb-…), SLACK_APP_TOKEN (xapp-…, with connections:write),
// WARDEN_TABLE (optional: a real DynamoDB table, created here if missing; without it Warden starts
// dynalite in this process, on a free loopback port, in memory: its state is lost at exit),
// WARDEN_DYNAMODB_ENDPOINT (optional, with WARDEN_TABLE: a DynamoDB-compatible endpoint such as
// `npx dynalite --host 127.0.0.1 --port 4567`), WARDEN_CONFIG (optional config file),
// SLACK_API_URL (optional); for audits and fixes, the cloud credentials the CLI's live audits use.
// Tokens are never printed.

const env = process.env;

function fail(line: string): never {
  console.error(`warden dev: ${line}`);
  process.exit(2);
}

const missing = (['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN'] as const).filter((name) => !env[name]?.trim());
if (missing.length > 0) {
  fail(
    `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the bot token (xoxb-…, OAuth & Permissions) and an app-level token (xapp-…, Basic Information, scope connections:write); see README "Slack"`,
  );
}
const appToken = (env['SLACK_APP_TOKEN'] as string).trim();
const botToken = (env['SLACK_BOT_TOKEN'] as string).trim();
const tokens = tokenProblem(botToken, appToken);
if (tokens) fail(tokens);
const slackApiUrl = slackApiUrlOf(env);
const unreachable = await botTokenProblem(botToken, slackApiUrl);
if (unreachable) fail(unreachable);

let config;
try {
  config = await loadConfig(discoverConfig(undefined, env));
} catch (error) {
  fail((error as Error).message);
}

let opened: OpenedStore;
try {
  opened = await openStateStore(env, { ensure: true, startEmbedded: startEmbeddedDynamo });
} catch (error) {
  fail((error as Error).message);
}
const { store } = opened;
if (opened.embedded) {
  console.error(
    `warden dev: WARDEN_TABLE is not set: state is kept in an in-memory DynamoDB (dynalite at ${opened.endpoint}) and lost at exit`,
  );
}
console.log(
  `warden dev: DynamoDB table ${opened.tableName} ${opened.created ? 'created' : 'found'}${opened.endpoint ? ` at ${opened.endpoint}` : ''}`,
);

const receiverLog = quietUntilStarted();
const receiver = new SocketModeReceiver({
  appToken,
  logger: receiverLog.logger,
  installerOptions: { clientOptions: { ...(slackApiUrl ? { slackApiUrl } : {}) } },
});
// Jobs run in this process, after each request has been answered (src/slack/worker.ts): audits
// read the clouds with the credentials in this environment, and answers go to Slack through the
// app's Web API client (made by createWardenApp, hence the late binding).
const made: { app?: App } = {};
const worker = createWorker({
  config,
  store,
  client: {
    chat: {
      postMessage: (args) =>
        (made.app as App).client.chat.postMessage(args as Parameters<App['client']['chat']['postMessage']>[0]),
      update: (args) => (made.app as App).client.chat.update(args as Parameters<App['client']['chat']['update']>[0]),
    },
  },
  adapters: (providers, scoped) => createAdapters(providers, scoped, env),
  configFor: memberAccountConfig(config),
  homeClient: {
    get views() {
      return (made.app as App).client.views;
    },
    get conversations() {
      return (made.app as App).client.conversations;
    },
    get usergroups() {
      return (made.app as App).client.usergroups;
    },
  },
});
const app = createWardenApp({ config, store, queue: createInProcessQueue((job) => worker.handle(job)), receiver, env });
made.app = app;
try {
  await app.start();
  receiverLog.started();
} catch (error) {
  await opened.close().catch(() => undefined);
  fail(slackErrorLine(error, slackApiUrl ?? 'https://slack.com/api/', 'the app-level token (SLACK_APP_TOKEN)'));
}
console.log('warden dev: connected to Slack in Socket Mode; try /warden help (Ctrl-C stops)');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.stop().then(
      () => opened.close().then(() => process.exit(0)),
      () => process.exit(1),
    );
  });
}
