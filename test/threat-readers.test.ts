import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler, SLACK_MAX_BODY_BYTES } from '../functions/slack.ts';
import type { HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { TrailEntry, StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import { runWarden } from './support/cli.ts';
import { buttonClickBody, commandBody, signedHttpApiEvent } from './support/slack-events.ts';

// Issue 12, who may read (section 4) and the Slack endpoint (section 7), played as an insider (any
// member of the workspace) or an outsider on the Internet would: through the real Lambda handler,
// with requests signed as Slack signs them, the state in dynalite and a loopback fake of Slack.

const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0SECURITY';
const MEMBER = 'UMEMBER001';
const READER = 'UREADER001';
const GROUP_READER = 'UGROUPREAD';
const READERS_GROUP = 'S0READERS1';
const APPROVER = 'UAPPROVER1';

let slack: FakeSlackApi;
let slackUrl: string;
let db: Dynalite;
let dir: string;
let configPath: string;
let tableCount = 0;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };
let handler: SlackHandler;
let trigger = 0;

beforeAll(async () => {
  slack = await startFakeSlackApi({ [READERS_GROUP]: [GROUP_READER] });
  slackUrl = slack.url;
  db = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'warden-threat-readers-'));
  configPath = join(dir, 'warden.json');
  await writeFile(
    configPath,
    JSON.stringify({
      slack: {
        channel: CHANNEL,
        readers: { users: [READER], userGroups: [READERS_GROUP] },
        approvers: { users: [APPROVER] },
      },
    }),
  );
});

afterAll(async () => {
  await db.stop();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

function handlerFor(config: string): SlackHandler {
  return createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slackUrl}/api`,
      WARDEN_CONFIG: config,
      WARDEN_TABLE: 'unused',
    },
    queue,
    store,
  });
}

beforeEach(async () => {
  const tableName = `warden-threat-readers-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  slack.recorded.length = 0;
  handler = handlerFor(configPath);
});

async function command(text: string, user: string, channel: string): Promise<HttpApiResult> {
  const triggerId = `t-${++trigger}`;
  return handler(
    signedHttpApiEvent(
      commandBody(text, { user, channel, triggerId, responseUrl: `${slackUrl}/response/${triggerId}` }),
      { secret: SECRET },
    ),
    {},
  );
}

async function click(user: string, channel: string): Promise<HttpApiResult> {
  const triggerId = `t-${++trigger}`;
  const value = encodeButtonValue({ action: ACTION_IDS.details, fingerprint: 'a1b2c3d4e5f60718' });
  return handler(
    signedHttpApiEvent(
      buttonClickBody({
        user,
        channel,
        actionId: ACTION_IDS.details,
        value,
        triggerId,
        responseUrl: `${slackUrl}/response/${triggerId}`,
      }),
      { secret: SECRET },
    ),
    {},
  );
}

async function allAudit(): Promise<TrailEntry[]> {
  return store.trail.entries({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) });
}

const ackText = (result: HttpApiResult) => (JSON.parse(result.body) as { text: string }).text;
const responses = () => slack.recorded.filter((r) => r.path.startsWith('/response/'));

describe("attack: any member runs `/warden show` in a DM to read a group's rules and findings", () => {
  it('is refused with one line naming where Warden answers; nothing is queued; the attempt is logged', async () => {
    const result = await command('show sg-0123456789abcdef0', MEMBER, 'D0MEMBERDM');
    expect(result.statusCode).toBe(200);
    expect(ackText(result)).toBe(
      `Warden does not answer in direct messages: use <#${CHANNEL}>, or ask to be added to slack.readers. This attempt was logged.`,
    );
    expect(queue.jobs).toHaveLength(0);
    expect(await allAudit()).toMatchObject([
      {
        actor: MEMBER,
        action: 'command:show',
        target: 'D0MEMBERDM',
        outcome: 'refused: outside the answering channels',
      },
    ]);
  });

  it('`/warden help` (nothing about the estate) is answered anywhere', async () => {
    expect((await command('help', MEMBER, 'D0MEMBERDM')).statusCode).toBe(200);
    expect(String(responses()[0]?.body['text'])).toContain('/warden audit');
    expect(queue.jobs).toHaveLength(0);
  });

  it('is refused the same way from another channel, for every command', async () => {
    for (const text of ['findings', 'audit aws', 'show sg-0123456789abcdef0', 'fix a1b2c3d4']) {
      const result = await command(text, MEMBER, 'C0RANDOM01');
      expect(ackText(result)).toBe(
        `Warden does not answer in this channel: use <#${CHANNEL}>, or ask to be added to slack.readers. This attempt was logged.`,
      );
    }
    expect(queue.jobs).toHaveLength(0);
  });

  it('still answers in the configured channel, and a reader (listed or in a readers user group) anywhere', async () => {
    expect(ackText(await command('findings', MEMBER, CHANNEL))).toMatch(/Looking up/);
    expect(ackText(await command('show sg-0123456789abcdef0', READER, 'D0READERDM'))).toMatch(/Reading the group/);
    expect(ackText(await command('findings', GROUP_READER, 'C0RANDOM01'))).toMatch(/Looking up/);
    expect(queue.jobs.map((j) => [j.kind, j.user, j.channel])).toEqual([
      ['findings', MEMBER, CHANNEL],
      ['show', READER, 'D0READERDM'],
      ['findings', GROUP_READER, 'C0RANDOM01'],
    ]);
  });

  it('a reader outside the channels may query (answers only they see), not run what posts in the channel', async () => {
    for (const text of ['audit aws', 'fix a1b2c3d4', 'suppress ssh-open 1d known bastion host']) {
      const result = await command(text, READER, 'C0RANDOM01');
      const verb = text.split(' ')[0] as string;
      expect(ackText(result)).toBe(
        `\`/warden ${verb}\` posts in Warden's channels, not here: run it in <#${CHANNEL}>. This attempt was logged.`,
      );
    }
    expect(queue.jobs).toHaveLength(0);
    expect((await command('help', READER, 'C0RANDOM01')).statusCode).toBe(200);
    expect(String(responses()[0]?.body['text'])).toContain('/warden audit');
  });

  it('with slack.channels set, answers in those channels and no longer in a channel outside them', async () => {
    const other = join(dir, 'channels.json');
    await writeFile(
      other,
      JSON.stringify({ slack: { channel: 'C0OPS00001', channels: ['C0OPS00001', 'G0PRIVATE1'] } }),
    );
    handler = handlerFor(other);
    expect(ackText(await command('findings', MEMBER, 'G0PRIVATE1'))).toMatch(/Looking up/);
    expect(ackText(await command('findings', MEMBER, CHANNEL))).toBe(
      'Warden does not answer in this channel: use <#C0OPS00001>, <#G0PRIVATE1>, or ask to be added to slack.readers. This attempt was logged.',
    );
    expect(queue.jobs).toHaveLength(1);
  });

  it('with no channel configured at all, answers nowhere (except to readers)', async () => {
    const none = join(dir, 'none.json');
    await writeFile(none, JSON.stringify({ slack: { readers: { users: [READER] } } }));
    handler = handlerFor(none);
    expect(ackText(await command('findings', MEMBER, CHANNEL))).toBe(
      'Warden answers in no channel: none is configured (slack.channel or slack.channels in its config). This attempt was logged.',
    );
    expect(ackText(await command('findings', READER, CHANNEL))).toMatch(/Looking up/);
    expect(queue.jobs).toHaveLength(1);
  });
});

describe('attack: a member clicks a Warden button on a message forwarded outside the channels', () => {
  it('is refused ephemerally before the button does anything (no details modal)', async () => {
    const result = await click(MEMBER, 'C0RANDOM01');
    expect(result.statusCode).toBe(200);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: `Warden does not answer in this channel: use <#${CHANNEL}>, or ask to be added to slack.readers. This attempt was logged.`,
    });
    expect(slack.recorded.map((r) => r.path)).not.toContain('/api/views.open');
    expect(await allAudit()).toMatchObject([
      {
        actor: MEMBER,
        action: ACTION_IDS.details,
        target: 'C0RANDOM01',
        outcome: 'refused: outside the answering channels',
      },
    ]);
  });

  it('the same click in the channel goes through', async () => {
    await click(MEMBER, CHANNEL);
    expect(responses().map((r) => r.body['text'])).toEqual(['Warden does not know this finding any more.']);
  });
});

describe('attack: an outsider posts an unsigned, malformed body to the Slack endpoint', () => {
  it('`payload={not-json` without a signature gets 401 (not a thrown SyntaxError), and nothing runs', async () => {
    const event = signedHttpApiEvent('payload={not-json', { secret: SECRET, signature: 'v0=0000' });
    const result = await handler(event, {});
    expect(result).toMatchObject({ statusCode: 401, body: '' });
    const unsigned = signedHttpApiEvent('payload={not-json', { secret: SECRET });
    delete unsigned.headers['x-slack-signature'];
    expect(await handler(unsigned, {})).toMatchObject({ statusCode: 401, body: '' });
    expect(queue.jobs).toHaveLength(0);
    expect(await allAudit()).toHaveLength(0);
  });

  it('a signed body Slack would never send (not JSON) gets 400, not a thrown error', async () => {
    expect(await handler(signedHttpApiEvent('payload={not-json', { secret: SECRET }), {})).toMatchObject({
      statusCode: 400,
      body: '',
    });
  });
});

describe('attack: an outsider posts an oversized body to make the function read, hash and parse it', () => {
  it('a body over the limit gets 413 before it is verified or parsed, even when signed', async () => {
    const triggerId = `t-${++trigger}`;
    const body = commandBody(`show sg-0123456789abcdef0 ${'x'.repeat(SLACK_MAX_BODY_BYTES)}`, {
      user: MEMBER,
      channel: CHANNEL,
      triggerId,
      responseUrl: `${slackUrl}/response/${triggerId}`,
    });
    expect(await handler(signedHttpApiEvent(body, { secret: SECRET }), {})).toMatchObject({
      statusCode: 413,
      body: '',
    });
    const base64 = {
      ...signedHttpApiEvent('', { secret: SECRET }),
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
    expect(await handler(base64, {})).toMatchObject({ statusCode: 413, body: '' });
    expect(queue.jobs).toHaveLength(0);
    expect(await allAudit()).toHaveLength(0);
  });

  it('a body at the limit is still read', async () => {
    const triggerId = `t-${++trigger}`;
    const head = commandBody('findings', {
      user: MEMBER,
      channel: CHANNEL,
      triggerId,
      responseUrl: `${slackUrl}/response/${triggerId}`,
    });
    const body = `${head}&padding=${'p'.repeat(SLACK_MAX_BODY_BYTES - head.length - '&padding='.length)}`;
    expect(Buffer.byteLength(body)).toBe(SLACK_MAX_BODY_BYTES);
    expect((await handler(signedHttpApiEvent(body, { secret: SECRET }), {})).statusCode).toBe(200);
    expect(queue.jobs.map((j) => j.kind)).toEqual(['findings']);
  });

  it('a base64-encoded body (as API Gateway may deliver it) is verified and read as the same bytes', async () => {
    const triggerId = `t-${++trigger}`;
    const body = commandBody('findings', {
      user: MEMBER,
      channel: CHANNEL,
      triggerId,
      responseUrl: `${slackUrl}/response/${triggerId}`,
    });
    const event = signedHttpApiEvent(body, { secret: SECRET });
    const result = await handler(
      { ...event, body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: true },
      {},
    );
    expect(result.statusCode).toBe(200);
    expect(queue.jobs.map((j) => j.kind)).toEqual(['findings']);
  });
});

describe('attack: an outsider uses the unverified ssl_check path to get anything else answered', () => {
  it('a bare ssl_check gets an empty 200 without a signature', async () => {
    const event = signedHttpApiEvent('token=legacy&ssl_check=1', { secret: SECRET });
    delete event.headers['x-slack-signature'];
    expect(await handler(event, {})).toMatchObject({ statusCode: 200, body: '' });
  });

  it('ssl_check carrying a command, a payload or a url_verification challenge is verified like any request: 401 unsigned', async () => {
    const bodies: [string, string][] = [
      [
        `ssl_check=1&${commandBody('show sg-0123456789abcdef0', { user: MEMBER, channel: CHANNEL, triggerId: 't-ssl', responseUrl: `${slackUrl}/response/t-ssl` })}`,
        'application/x-www-form-urlencoded',
      ],
      ['ssl_check=1&payload=%7B%22type%22%3A%22block_actions%22%7D', 'application/x-www-form-urlencoded'],
      ['{"ssl_check":1,"type":"url_verification","challenge":"echo-me"}', 'application/json'],
      ['{"type":"url_verification","challenge":"echo-me"}', 'application/json'],
    ];
    for (const [body, contentType] of bodies) {
      const event = signedHttpApiEvent(body, { secret: SECRET, signature: 'v0=0000' });
      event.headers['content-type'] = contentType;
      expect(await handler(event, {})).toMatchObject({ statusCode: 401, body: '' });
    }
    expect(queue.jobs).toHaveLength(0);
  });
});

describe('attack: findings posted in a channel where Warden refuses every click (slack.channel outside slack.channels)', () => {
  it('is a config error: one line naming the field, exit 2, before anything is posted', async () => {
    const config = join(dir, 'posting-outside.json');
    await writeFile(config, JSON.stringify({ slack: { channel: CHANNEL, channels: ['C0OPS00001'] } }));
    const result = await runWarden(['audit', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `warden: ${config}: slack.channel: is not among slack.channels: findings are posted there, so Warden must answer there (add it to slack.channels)`,
    );
  });
});
