import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from './support/cli.ts';
import type { CliRun } from './support/cli.ts';

// Issue 11, section 5: `npm run dev` when Slack cannot be reached, or with the bot and app tokens
// swapped, or with a token Slack refuses: one line naming the cause and a non-zero exit, never a
// hang or a stack trace. Slack is a loopback fake (or a closed loopback port); nothing leaves the host.

/** `npm run dev` with only the Slack variables given (the others of this environment emptied). */
function dev(env: NodeJS.ProcessEnv): Promise<CliRun> {
  const unset = { SLACK_BOT_TOKEN: '', SLACK_APP_TOKEN: '', SLACK_API_URL: '', WARDEN_TABLE: '', WARDEN_CONFIG: '' };
  return runWarden([], { script: 'src/slack/dev.ts', env: { ...unset, ...env } });
}

/** A loopback Slack Web API that knows the bot token and refuses the app-level token. */
let slack: Server;
let slackUrl: string;
let closedUrl: string;

beforeAll(async () => {
  slack = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.endsWith('/auth.test')) res.end(JSON.stringify({ ok: true, user_id: 'UBOT', team_id: 'T1' }));
    else res.end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/api/`;
  await new Promise((resolve) => closed.close(resolve));
});

afterAll(async () => {
  await new Promise((resolve) => slack?.close(resolve));
});

describe.concurrent('npm run dev refuses in one line', () => {
  it('the bot and app tokens swapped', async () => {
    const result = await dev({
      SLACK_BOT_TOKEN: 'xapp-1-fake',
      SLACK_APP_TOKEN: 'xoxb-fake',
      SLACK_API_URL: closedUrl,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'warden dev: SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: the bot token starts with xoxb-, the app-level token with xapp-\n',
    );
  });

  it('Slack cannot be reached', async () => {
    const result = await dev({
      SLACK_BOT_TOKEN: 'xoxb-fake',
      SLACK_APP_TOKEN: 'xapp-1-fake',
      SLACK_API_URL: closedUrl,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`warden dev: cannot reach Slack at ${closedUrl}: ECONNREFUSED\n`);
  });

  it('Slack refuses the app-level token when the Socket Mode connection starts', async () => {
    const result = await dev({ SLACK_BOT_TOKEN: 'xoxb-fake', SLACK_APP_TOKEN: 'xapp-1-fake', SLACK_API_URL: slackUrl });
    expect(result.code).toBe(2);
    const lines = result.stderr
      .trimEnd()
      .split('\n')
      .filter((line) => line.startsWith('warden dev: ') && !line.includes('WARDEN_TABLE is not set'));
    expect(lines).toEqual(['warden dev: Slack refused the app-level token (SLACK_APP_TOKEN): invalid_auth']);
    expect(result.stderr).not.toMatch(/\n\s+at |\[ERROR\]/);
  }, 60_000);
});
