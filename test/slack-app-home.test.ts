import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import type { SlackHandler } from '../functions/slack.ts';
import { configSchema } from '../src/config/schema.ts';
import type { Finding } from '../src/model/types.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import { homeView } from '../src/slack/blocks/home.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createWorker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { ScopeResult, StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import { eventCallbackBody, homeClickBody, signedHttpApiEvent } from './support/slack-events.ts';

// The App Home tab: who sees the posture (members of the findings channel and readers, nobody else), which
// buttons each person gets, and that a click on the Home tab is held to the same rule — through the real Lambda
// handler (signed requests, Bolt), the worker, dynalite and the loopback Web API (conversations.members paged).

const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0123456';
const MEMBER = 'UMEMBER001';
const APPROVER = 'UAPPROVER1';
const READER = 'UREADER001';
const OUTSIDER = 'UOUTSIDER1';
const NOW = new Date('2026-12-01T10:00:00Z');

const slackConfig = {
  channel: CHANNEL,
  approvers: { users: [APPROVER] },
  readers: { users: [READER] },
  requiredApprovals: 1,
};
const config = configSchema.parse({ slack: slackConfig });

let slack: FakeSlackApi;
let db: Dynalite;
let dir: string;
let configPath: string;
let tables = 0;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };
let handler: SlackHandler;

function finding(n: number, severity: Finding['severity']): Finding {
  return {
    check: 'internet-admin-port',
    severity,
    provider: 'aws',
    account: '111122223333',
    region: 'eu-west-1',
    groupId: `sg-0home${n}`,
    groupName: `web-${n}`,
    subject: 'port/22',
    ruleIds: [`sgr-${n}`],
    title: `SSH open to the Internet on web-${n}`,
    detail: 'tcp/22 from 0.0.0.0/0',
    fingerprint: `f${String(n).padStart(15, '0')}`,
  };
}

const SCOPE = { provider: 'aws', account: '111122223333', region: 'eu-west-1' } as const;

async function seedRun(findings: Finding[]): Promise<void> {
  await store.runs.start({ runId: 'run-1', expected: 2, channel: CHANNEL, trigger: 'schedule', now: NOW });
  await store.findings.recordSeen(findings, NOW, [SCOPE]);
  const result: ScopeResult = {
    scope: SCOPE,
    groups: 12,
    rules: 40,
    findings: findings.length,
    bySeverity: {},
    new: [],
    newCount: findings.length,
    newBySeverity: {},
    resolved: [],
    resolvedCount: 3,
  };
  await store.runs.recordScope('run-1', result, NOW);
  await store.runs.recordScope(
    'run-1',
    { ...result, scope: { ...SCOPE, region: 'us-east-1' }, scanError: 'AccessDenied', newCount: 0, resolvedCount: 0 },
    NOW,
  );
  expect(await store.runs.claimDigest('run-1', NOW)).toBe(true);
  const none = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  await store.runs.recordHistory(
    {
      runId: 'run-1',
      startedAt: NOW.toISOString(),
      open: none,
      suppressed: none,
      new: findings.length,
      resolved: 3,
      partial: true,
    },
    NOW,
  );
}

beforeAll(async () => {
  slack = await startFakeSlackApi({}, { [CHANNEL]: ['UOTHER0001', 'UOTHER0002', MEMBER, APPROVER] });
  db = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'warden-home-'));
  configPath = join(dir, 'warden.json');
  await writeFile(configPath, JSON.stringify({ slack: slackConfig }));
});

afterAll(async () => {
  await db.stop();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  const tableName = `warden-home-${++tables}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  slack.recorded.length = 0;
  handler = createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slack.url}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: tableName,
    },
    queue,
    store,
  });
});

const webClient = () => new WebClient('xoxb-test', { slackApiUrl: `${slack.url}/api/`, retryConfig: { retries: 0 } });

async function publishedHomeOf(user: string): Promise<string> {
  const worker = createWorker({
    config,
    store,
    client: { chat: { postMessage: async () => ({ ts: '1' }), update: async () => undefined } },
    adapters: async () => [],
    homeClient: webClient(),
    now: () => NOW,
  });
  await worker.handle({ kind: 'home', args: {}, user, channel: '', requestId: `event:${user}` });
  const publish = slack.recorded.filter((c) => c.path === '/api/views.publish');
  expect(publish).toHaveLength(1);
  expect(publish[0]?.body['user_id']).toBe(user);
  return String(publish[0]?.body['view']);
}

describe('the Home tab as each person sees it', () => {
  it('shows a member of the findings channel the posture and the top findings, with Details but no Accept risk', async () => {
    await seedRun([finding(1, 'critical'), finding(2, 'high'), finding(3, 'low')]);
    const view = await publishedHomeOf(MEMBER);
    expect(view).toContain('SSH open to the Internet on web-1');
    expect(view).toContain('Critical 1');
    expect(view).toContain('over 2 scopes: 3 new, 3 resolved');
    expect(view).toContain('1 scope could not be read');
    expect(view).toContain(ACTION_IDS.details);
    expect(view).not.toContain(ACTION_IDS.acceptRisk);
    expect(view).not.toContain(ACTION_IDS.approve);
    // The membership was read page by page until the member was found.
    expect(slack.recorded.filter((c) => c.path === '/api/conversations.members').length).toBeGreaterThan(1);
  });

  it('gives an approver in the channel the Accept risk button too', async () => {
    await seedRun([finding(1, 'critical')]);
    const view = await publishedHomeOf(APPROVER);
    expect(view).toContain(ACTION_IDS.acceptRisk);
  });

  it('shows a reader (not in the channel) the posture', async () => {
    await seedRun([finding(1, 'critical')]);
    expect(await publishedHomeOf(READER)).toContain('SSH open to the Internet on web-1');
  });

  it('shows someone outside the channel nothing about the estate (attack: the Home tab as a side door)', async () => {
    await seedRun([finding(1, 'critical')]);
    const view = await publishedHomeOf(OUTSIDER);
    expect(view).not.toContain('web-1');
    expect(view).not.toContain('Critical');
    expect(view).not.toContain(ACTION_IDS.details);
    expect(view).toContain(`<#${CHANNEL}>`);
  });

  it('says so before the first run, and counts suppressed findings apart', () => {
    const viewer = { mayRead: true, mayAcceptRisk: false, channel: CHANNEL };
    const empty = JSON.stringify(
      homeView({ open: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, suppressed: 0, top: [] }, viewer),
    );
    expect(empty).toContain('No open findings.');
    expect(empty).toContain('No scheduled run has posted its digest yet.');
    const suppressed = JSON.stringify(
      homeView(
        { open: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, suppressed: 2, top: [finding(1, 'high')] },
        viewer,
      ),
    );
    expect(suppressed).toContain('2 findings suppressed');
  });
});

describe('app_home_opened', () => {
  it('queues one Home job per event (a retried delivery is not queued again), and none for the Messages tab', async () => {
    const body = eventCallbackBody({
      type: 'app_home_opened',
      user: MEMBER,
      channel: 'D0001',
      tab: 'home',
      event_ts: '1700000000.1',
    });
    const event = signedHttpApiEvent(body, { secret: SECRET, contentType: 'application/json' });
    expect((await handler(event, {})).statusCode).toBe(200);
    const retry = signedHttpApiEvent(body, { secret: SECRET, contentType: 'application/json' });
    retry.headers['x-slack-retry-num'] = '1';
    expect((await handler(retry, {})).statusCode).toBe(200);
    const messages = eventCallbackBody(
      { type: 'app_home_opened', user: MEMBER, channel: 'D0001', tab: 'messages', event_ts: '1700000000.2' },
      'Ev0HOME0002',
    );
    expect(
      (await handler(signedHttpApiEvent(messages, { secret: SECRET, contentType: 'application/json' }), {})).statusCode,
    ).toBe(200);
    expect(queue.jobs).toEqual([{ kind: 'home', args: {}, user: MEMBER, channel: '', requestId: 'event:Ev0HOME0001' }]);
  });
});

describe('a click on the Home tab (attacks first)', () => {
  async function click(user: string, action: string, fingerprint: string, planId?: string): Promise<void> {
    const body = homeClickBody({
      user,
      actionId: action,
      value: encodeButtonValue({ action: action as never, fingerprint, ...(planId ? { planId } : {}) }),
      triggerId: `trigger-${user}-${action}`,
    });
    expect((await handler(signedHttpApiEvent(body, { secret: SECRET }), {})).statusCode).toBe(200);
  }
  const opened = () => slack.recorded.filter((c) => c.path === '/api/views.open');

  it('refuses Details to someone outside the channel, and logs it', async () => {
    await seedRun([finding(1, 'critical')]);
    await click(OUTSIDER, ACTION_IDS.details, finding(1, 'critical').fingerprint);
    expect(opened()).toHaveLength(0);
    const trail = await store.trail.entries({
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 3_600_000),
    });
    expect(trail).toMatchObject([{ actor: OUTSIDER, action: ACTION_IDS.details, target: 'home' }]);
  });

  it('refuses a button no Home tab carries (Approve), even to a member', async () => {
    await click(MEMBER, ACTION_IDS.approve, finding(1, 'critical').fingerprint, 'plan-0123456789abcdef');
    expect(queue.jobs).toHaveLength(0);
    expect(await store.trail.forTarget('home')).toMatchObject([{ actor: MEMBER, action: ACTION_IDS.approve }]);
    expect(opened()).toHaveLength(0);
  });

  it('refuses Accept risk to a member who is not an approver (a stale Home tab)', async () => {
    await seedRun([finding(1, 'critical')]);
    await click(MEMBER, ACTION_IDS.acceptRisk, finding(1, 'critical').fingerprint);
    expect(opened()).toHaveLength(0);
    expect(await store.trail.forTarget(finding(1, 'critical').fingerprint)).toMatchObject([
      { actor: MEMBER, action: 'accept-risk', outcome: 'refused: not an approver' },
    ]);
  });

  it('opens Details for a member, and the accept-risk modal for an approver', async () => {
    await seedRun([finding(1, 'critical')]);
    await click(MEMBER, ACTION_IDS.details, finding(1, 'critical').fingerprint);
    await click(APPROVER, ACTION_IDS.acceptRisk, finding(1, 'critical').fingerprint);
    expect(opened().map((c) => String(c.body['view']))).toEqual([
      expect.stringContaining('SSH open to the Internet on web-1'),
      expect.stringContaining('warden_accept_risk_view'),
    ]);
  });
});

describe('the store behind the Home tab', () => {
  it('lists the open and suppressed findings of the scopes asked for, never the resolved ones', async () => {
    const [a, b] = [finding(1, 'critical'), finding(2, 'high')];
    await store.findings.recordSeen([a, b], NOW, [SCOPE]);
    await store.findings.recordSeen([a], new Date(NOW.getTime() + 1000), [SCOPE]);
    expect((await store.findings.openIn(['aws/111122223333/eu-west-1'])).map((s) => s.fingerprint)).toEqual([
      a.fingerprint,
    ]);
    expect(await store.findings.openIn(['aws/111122223333/us-east-1'])).toEqual([]);
  });
});
