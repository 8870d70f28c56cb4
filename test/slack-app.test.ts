import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiEvent, HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { buttonClickBody, commandBody as slashCommandBody, signedHttpApiEvent } from './support/slack-events.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import type { ButtonPayload } from '../src/slack/actions.ts';
import { parseCommand, parseDuration } from '../src/slack/commands.ts';
import { mayApprove } from '../src/slack/authorize.ts';
import { configSchema } from '../src/config/schema.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { startEmbeddedDynamo } from '../src/store/embedded.ts';
import { openStateStore } from '../src/store/open.ts';
import type { TrailEntry, StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi, RecordedSlackCall } from './support/fake-slack-api.ts';
import type { Dynalite } from './support/dynalite.ts';

// The Slack function end to end: API Gateway HTTP API v2 events, signed as Slack signs them, into
// the real Lambda handler (AwsLambdaReceiver → Bolt → Warden's handlers), with the state in
// dynalite, the in-process queue, and a loopback fake of Slack's Web API and response_url.

const SECRET = 'test-signing-secret-0123456789';
const APPROVER = 'UAPPROVER1';
const REQUESTER = 'UREQUESTER';
const OUTSIDER = 'UOUTSIDER1';

let slack: FakeSlackApi;
let slackUrl: string;
let recorded: RecordedSlackCall[] = [];
let db: Dynalite;
let dir: string;
let configPath: string;
let tableCount = 0;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };
let handler: SlackHandler;

beforeAll(async () => {
  slack = await startFakeSlackApi();
  slackUrl = slack.url;
  recorded = slack.recorded;
  db = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'warden-slack-'));
  configPath = join(dir, 'warden.json');
  await writeFile(
    configPath,
    JSON.stringify({
      slack: { channel: 'C0123456', approvers: { users: [APPROVER] }, requiredApprovals: 1, twoPersonRule: true },
    }),
  );
});

afterAll(async () => {
  await db.stop();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const tableName = `warden-slack-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  recorded.length = 0;
  handler = createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slackUrl}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: tableName,
    },
    queue,
    store,
  });
});

function httpApiEvent(
  body: string,
  options: { timestamp?: number; secret?: string; signature?: string } = {},
): HttpApiEvent {
  return signedHttpApiEvent(body, { ...options, secret: options.secret ?? SECRET });
}

function commandBody(text: string, options: { user?: string; triggerId?: string } = {}): string {
  const triggerId = options.triggerId ?? 'trigger-1';
  return slashCommandBody(text, {
    user: options.user ?? REQUESTER,
    channel: 'C0123456',
    triggerId,
    responseUrl: `${slackUrl}/response/${triggerId}`,
  });
}

function actionBody(
  user: string,
  payload: ButtonPayload,
  triggerId = `trigger-${Math.random().toString(36).slice(2)}`,
): string {
  return buttonClickBody({
    user,
    channel: 'C0123456',
    actionId: payload.action,
    value: encodeButtonValue(payload),
    triggerId,
    responseUrl: `${slackUrl}/response/${triggerId}`,
  });
}

async function allAudit(): Promise<TrailEntry[]> {
  return store.trail.entries({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 3_600_000) });
}

const responses = () => recorded.filter((r) => r.path.startsWith('/response/'));

const FINGERPRINT = 'a1b2c3d4e5f60718';
const PLAN = 'plan-0123456789abcdef';

async function invoke(body: string, options?: Parameters<typeof httpApiEvent>[1]): Promise<HttpApiResult> {
  return handler(httpApiEvent(body, options), {});
}

describe('signature verification (Bolt)', () => {
  it('answers 401 to a bad signature and does nothing', async () => {
    const body = commandBody('audit aws');
    const result = await invoke(body, { secret: 'another-secret' });
    expect(result.statusCode).toBe(401);
    expect(queue.jobs).toHaveLength(0);
    expect(await allAudit()).toHaveLength(0);
    expect(responses()).toHaveLength(0);
  });

  it('rejects a stale timestamp even when the signature matches it', async () => {
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    const result = await invoke(commandBody('audit aws'), { timestamp: stale });
    expect(result.statusCode).toBe(401);
    expect(queue.jobs).toHaveLength(0);
    expect(await allAudit()).toHaveLength(0);
  });
});

describe('/warden', () => {
  it('answers help with the usage, visible only to the caller', async () => {
    const result = await invoke(commandBody('help'));
    expect(result.statusCode).toBe(200);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body['response_type']).toBe('ephemeral');
    expect(String(posted[0]?.body['text'])).toContain('/warden audit');
    expect(queue.jobs).toHaveLength(0);
  });

  it('answers malformed arguments with a short ephemeral usage', async () => {
    for (const text of ['frobnicate', 'suppress ssh-open 3 years because', 'fix', 'audit aws eu-west-1']) {
      recorded.length = 0;
      const result = await invoke(commandBody(text, { triggerId: `t-${text.length}` }));
      expect(result.statusCode).toBe(200);
      const posted = responses();
      expect(posted).toHaveLength(1);
      expect(posted[0]?.body['response_type']).toBe('ephemeral');
      expect(String(posted[0]?.body['text'])).toMatch(/Usage/);
    }
    expect(queue.jobs).toHaveLength(0);
  });

  it('acknowledges `audit aws` in the handler response, enqueues one job and logs it', async () => {
    const result = await invoke(commandBody('audit aws'));
    expect(result.statusCode).toBe(200);
    const ack = JSON.parse(result.body) as { text: string; response_type: string };
    expect(ack.text).toMatch(/Auditing/);
    expect(ack.response_type).toBe('ephemeral');
    expect(queue.jobs).toEqual([
      {
        kind: 'audit',
        args: { provider: 'aws' },
        user: REQUESTER,
        channel: 'C0123456',
        responseUrl: `${slackUrl}/response/trigger-1`,
        requestId: 'command:trigger-1',
      },
    ]);
    const entries = await allAudit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: REQUESTER, action: 'command:audit', target: 'aws', outcome: 'queued' });
    // The Web API client went to SLACK_API_URL (Bolt's auth.test for the bot token), and nothing was posted yet.
    expect(recorded.map((r) => r.path)).toContain('/api/auth.test');
    expect(responses()).toHaveLength(0);
  });

  it('acts once on a retried delivery of the same command', async () => {
    const body = commandBody('audit aws');
    expect((await invoke(body)).statusCode).toBe(200);
    const retry = httpApiEvent(body);
    retry.headers['x-slack-retry-num'] = '1';
    retry.headers['x-slack-retry-reason'] = 'http_timeout';
    expect((await handler(retry, {})).statusCode).toBe(200);
    expect(queue.jobs).toHaveLength(1);
    expect(await allAudit()).toHaveLength(1);
  });
});

describe('approve button', () => {
  beforeEach(async () => {
    await store.approvals.requestApproval({
      id: PLAN,
      planId: PLAN,
      fingerprint: FINGERPRINT,
      requester: REQUESTER,
      required: 1,
      requesterMayApprove: false,
    });
  });

  const approve: ButtonPayload = { action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN };

  it('refuses a non-approver ephemerally, logs the attempt and enqueues nothing', async () => {
    const result = await invoke(actionBody(OUTSIDER, approve));
    expect(result.statusCode).toBe(200);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(posted[0]?.body['text'])).toMatch(/may not approve/);
    expect(queue.jobs).toHaveLength(0);
    expect(await store.trail.forTarget(PLAN)).toMatchObject([
      { actor: OUTSIDER, action: 'approve', outcome: 'refused: not an approver' },
    ]);
    expect((await store.approvals.get(PLAN))?.status).toBe('pending');
  });

  it('lets an approver other than the requester approve: one apply job', async () => {
    const result = await invoke(actionBody(APPROVER, approve, 'trigger-approve'));
    expect(result.statusCode).toBe(200);
    expect(queue.jobs).toEqual([
      {
        kind: 'apply',
        args: { fingerprint: FINGERPRINT, planId: PLAN },
        user: APPROVER,
        channel: 'C0123456',
        responseUrl: `${slackUrl}/response/trigger-approve`,
        requestId: `action:trigger-approve:${ACTION_IDS.approve}`,
      },
    ]);
    expect((await store.approvals.get(PLAN))?.status).toBe('approved');
    expect(await store.trail.forTarget(PLAN)).toMatchObject([
      { actor: APPROVER, action: 'approve', outcome: 'ok: approved' },
    ]);
    // The same click delivered again, and a second click: still one job.
    await invoke(actionBody(APPROVER, approve, 'trigger-approve'));
    await invoke(actionBody(APPROVER, approve));
    expect(queue.jobs).toHaveLength(1);
  });

  it('refuses the requester under the two-person rule, even when an approver', async () => {
    const own = 'plan-fedcba9876543210';
    await store.approvals.requestApproval({
      id: own,
      planId: own,
      fingerprint: FINGERPRINT,
      requester: APPROVER,
      required: 1,
      requesterMayApprove: false,
    });
    await invoke(actionBody(APPROVER, { ...approve, planId: own }));
    expect(queue.jobs).toHaveLength(0);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body['response_type']).toBe('ephemeral');
    expect(String(posted[0]?.body['text'])).toMatch(/two-person rule/);
    expect(await store.trail.forTarget(own)).toMatchObject([
      { actor: APPROVER, action: 'approve', outcome: 'refused: requester' },
    ]);
  });
});

describe('pure parts', () => {
  it('parses commands and durations', () => {
    expect(parseCommand('audit eu-west-1')).toEqual({
      ok: true,
      command: { kind: 'audit', scope: { region: 'eu-west-1' } },
    });
    expect(parseCommand('audit sg-0123abcd')).toEqual({
      ok: true,
      command: { kind: 'audit', scope: { group: 'sg-0123abcd' } },
    });
    expect(parseCommand('findings critical')).toEqual({
      ok: true,
      command: { kind: 'findings', filter: { severity: 'critical' } },
    });
    expect(parseCommand('suppress egress-all 2w known egress proxy')).toMatchObject({
      ok: true,
      command: {
        kind: 'suppress',
        target: { check: 'egress-all' },
        durationSeconds: 14 * 86_400,
        reason: 'known egress proxy',
      },
    });
    expect(parseDuration('24h')).toBe(86_400);
    expect(parseDuration('0d')).toBeUndefined();
    expect(parseDuration('400d')).toBeUndefined();
  });

  it('lets nobody approve with the default config', () => {
    const none = configSchema.parse({});
    expect(mayApprove(APPROVER, none)).toBe(false);
    const withGroup = configSchema.parse({ slack: { approvers: { userGroups: ['S0GROUP1'] } } });
    expect(mayApprove(APPROVER, withGroup, [APPROVER])).toBe(true);
    expect(mayApprove(OUTSIDER, withGroup, [APPROVER])).toBe(false);
    expect(configSchema.safeParse({ slack: { approvers: { users: ['@alice'] } } }).success).toBe(false);
    expect(configSchema.safeParse({ slack: { requiredApprovals: 0 } }).success).toBe(false);
  });
});

describe('the handler with no store configured', () => {
  it('refuses to start without WARDEN_TABLE, in one line naming it (the in-process DynamoDB is for npm run dev and tests only)', async () => {
    const standalone = createSlackHandler({
      env: {
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: `${slackUrl}/api`,
        WARDEN_CONFIG: configPath,
      },
      queue: createInProcessQueue(),
    });
    const refused = await standalone(httpApiEvent(commandBody('audit aws', { triggerId: 'standalone-0' })), {}).then(
      () => 'started',
      (error: unknown) => (error as Error).message,
    );
    expect(refused).toBe(
      "WARDEN_TABLE is not set: the DynamoDB table for Warden's state is required (an in-memory store is only for `npm run dev` and tests)",
    );
  });

  it('on the store `npm run dev` opens (dynalite in this process): a command is recorded once, a retried delivery is not acted on again', async () => {
    const local = createInProcessQueue();
    const opened = await openStateStore({}, { startEmbedded: startEmbeddedDynamo });
    try {
      const standalone = createSlackHandler({
        env: {
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_BOT_TOKEN: 'xoxb-test',
          SLACK_API_URL: `${slackUrl}/api`,
          WARDEN_CONFIG: configPath,
        },
        queue: local,
        store: opened.store,
      });
      const event = httpApiEvent(commandBody('audit aws', { triggerId: 'standalone-1' }));
      expect((await standalone(event, {})).statusCode).toBe(200);
      expect(
        (
          await standalone(
            {
              ...event,
              headers: { ...event.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
            },
            {},
          )
        ).statusCode,
      ).toBe(200);
      expect(local.jobs.map((j) => j.kind)).toEqual(['audit']);
    } finally {
      await opened.close();
    }
  });
});
