import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiEvent, HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { acceptRiskSubmissionBody, buttonClickBody, signedHttpApiEvent } from './support/slack-events.ts';
import { ACCEPT_RISK_INPUTS, ACTION_IDS, encodeButtonValue, SNOOZE_DAYS, VIEW_IDS } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import type { Finding } from '../src/model/types.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { TrailEntry, ScopeRef, StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi, RecordedSlackCall } from './support/fake-slack-api.ts';
import type { Dynalite } from './support/dynalite.ts';

// The buttons and the accept-risk modal end to end: signed HTTP API v2 events into the real Lambda
// handler, state in dynalite, a loopback fake of Slack's Web API (views.open, usergroups.users.list)
// and of response_url.

const SECRET = 'test-signing-secret-0123456789';
const APPROVER = 'UAPPROVER1';
const OUTSIDER = 'UOUTSIDER1';
const MEMBER = 'UMEMBER001';
const GROUP = 'S0GROUP1';
const NOW = new Date('2030-01-15T12:00:00.000Z');
const FINGERPRINT = 'a1b2c3d4e5f60718';
const PLAN = 'plan-0123456789abcdef';
const SCOPE: ScopeRef = { provider: 'aws', account: '123456789012', region: 'eu-west-1' };
const FINDING: Finding = {
  check: 'internet-admin-port',
  severity: 'high',
  ...SCOPE,
  groupId: 'sg-1',
  groupName: 'web',
  subject: 'port/22',
  ruleIds: ['rule-1'],
  title: 'SSH open to the Internet',
  detail: 'tcp/22 from 0.0.0.0/0 (distinctive-detail-xyz)',
  fingerprint: FINGERPRINT,
};

let slack: FakeSlackApi;
let slackUrl: string;
let recorded: RecordedSlackCall[] = [];
let db: Dynalite;
let dir: string;
let usersConfig: string;
let groupConfig: string;
let tableCount = 0;
let tableName: string;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };

beforeAll(async () => {
  slack = await startFakeSlackApi({ [GROUP]: [MEMBER] });
  slackUrl = slack.url;
  recorded = slack.recorded;
  db = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'warden-slack-actions-'));
  usersConfig = join(dir, 'users.json');
  groupConfig = join(dir, 'group.json');
  await writeFile(
    usersConfig,
    JSON.stringify({
      slack: { channel: 'C0123456', approvers: { users: [APPROVER] }, requiredApprovals: 1, twoPersonRule: true },
    }),
  );
  await writeFile(
    groupConfig,
    JSON.stringify({
      slack: { channel: 'C0123456', approvers: { userGroups: [GROUP] }, requiredApprovals: 1, twoPersonRule: true },
    }),
  );
});

afterAll(async () => {
  await db.stop();
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  tableName = `warden-actions-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  recorded.length = 0;
});

function makeHandler(configPath = usersConfig): SlackHandler {
  return createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slackUrl}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: tableName,
    },
    queue,
    store,
    now: () => NOW,
  });
}

function httpApiEvent(body: string): HttpApiEvent {
  return signedHttpApiEvent(body, { secret: SECRET });
}

const newTrigger = () => `trigger-${Math.random().toString(36).slice(2)}`;

function actionBody(
  user: string,
  payload: ButtonPayload,
  options: { triggerId?: string; value?: string; actionId?: ActionId } = {},
): string {
  const triggerId = options.triggerId ?? newTrigger();
  return buttonClickBody({
    user,
    channel: 'C0123456',
    actionId: options.actionId ?? payload.action,
    value: options.value ?? encodeButtonValue(payload),
    triggerId,
    responseUrl: `${slackUrl}/response/${triggerId}`,
  });
}

function viewSubmissionBody(user: string, privateMetadata: string, reason: string, date: string | null): string {
  return acceptRiskSubmissionBody({ user, privateMetadata, reason, date, triggerId: newTrigger() });
}

async function invoke(handler: SlackHandler, body: string): Promise<HttpApiResult> {
  return handler(httpApiEvent(body), {});
}

async function allAudit(): Promise<TrailEntry[]> {
  return store.trail.entries({ from: new Date(NOW.getTime() - 3_600_000), to: new Date(NOW.getTime() + 3_600_000) });
}

const responses = () => recorded.filter((r) => r.path.startsWith('/response/'));
const calls = (method: string) => recorded.filter((r) => r.path === `/api/${method}`);

/** The `view` argument of a views.open call (the Web API client sends it JSON-encoded in a form field). */
function viewOf(call: RecordedSlackCall | undefined): Record<string, unknown> {
  const view = call?.body['view'];
  if (typeof view === 'string') return JSON.parse(view) as Record<string, unknown>;
  return view as Record<string, unknown>;
}

async function seeFinding(): Promise<void> {
  await store.findings.recordSeen([FINDING], NOW, [SCOPE]);
}

describe('the audit trail in the finding’s thread', () => {
  it('posts each step in the thread of the finding’s own message: a refused attempt, a snooze, an accepted risk', async () => {
    await seeFinding();
    await store.findings.markPosted(FINGERPRINT, 'C0FINDINGS', '1700000099.000900', NOW);
    const handler = makeHandler();
    await invoke(handler, actionBody(OUTSIDER, { action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN }));
    await invoke(handler, actionBody(APPROVER, { action: ACTION_IDS.snooze, fingerprint: FINGERPRINT }));
    await invoke(
      handler,
      viewSubmissionBody(
        APPROVER,
        encodeButtonValue({ action: ACTION_IDS.acceptRisk, fingerprint: FINGERPRINT }),
        'Bastion host, reviewed by security',
        '2030-03-01',
      ),
    );
    const notes = calls('chat.postMessage').map((c) => c.body);
    expect(notes.map((n) => [n['channel'], n['thread_ts']])).toEqual([
      ['C0FINDINGS', '1700000099.000900'],
      ['C0FINDINGS', '1700000099.000900'],
      ['C0FINDINGS', '1700000099.000900'],
    ]);
    expect(notes.map((n) => String(n['text']))).toEqual([
      expect.stringMatching(
        new RegExp(`^:no_entry: <@${OUTSIDER}> tried to approve this fix: refused, not an approver`),
      ),
      expect.stringMatching(new RegExp(`^:zzz: <@${APPROVER}> snoozed this finding until `)),
      // Accept risk asks the approvers (test/threat-suppress-approvals.test.ts): the request is posted in the thread.
      `Suppression request: ${APPROVER} asks to accept the risk of finding \`${FINGERPRINT}\` until 2030-03-01 23:59 UTC`,
    ]);
  });
});

describe('snooze, reject, details', () => {
  it('snoozes the finding for SNOOZE_DAYS days and confirms ephemerally', async () => {
    const handler = makeHandler();
    const result = await invoke(handler, actionBody(APPROVER, { action: ACTION_IDS.snooze, fingerprint: FINGERPRINT }));
    expect(result.statusCode).toBe(200);
    const until = new Date(NOW.getTime() + SNOOZE_DAYS * 86_400_000);
    const active = await store.suppressions.activeSuppressions(NOW);
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ target: { fingerprint: FINGERPRINT }, by: APPROVER, until: until.toISOString() });
    expect(await store.suppressions.isSuppressed({ fingerprint: FINGERPRINT, check: FINDING.check }, NOW)).toBe(true);
    expect(
      await store.suppressions.isSuppressed(
        { fingerprint: FINGERPRINT, check: FINDING.check },
        new Date(until.getTime() + 1000),
      ),
    ).toBe(false);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(posted[0]?.body['text'])).toContain(`Snoozed until ${until.toISOString().slice(0, 10)}`);
    expect(await store.trail.forTarget(FINGERPRINT)).toMatchObject([
      { actor: APPROVER, action: 'snooze', outcome: 'ok' },
    ]);
  });

  it('an old Snooze button (a legacy fingerprint) suppresses the finding under its current fingerprint, noted on its message', async () => {
    const LEGACY = '0d0d0d0d0d0d';
    await store.findings.recordSeen([{ ...FINDING, fingerprint: LEGACY }], new Date(NOW.getTime() - 86_400_000), [
      SCOPE,
    ]);
    await store.findings.markPosted(LEGACY, 'C0FINDINGS', '1700000099.000900', new Date(NOW.getTime() - 86_400_000));
    await store.findings.recordSeen(
      [{ ...FINDING, legacyFingerprint: LEGACY, exposure: { 'tcp ipv4': '3702258432' } }],
      NOW,
      [SCOPE],
    );
    const handler = makeHandler();
    expect(
      (await invoke(handler, actionBody(APPROVER, { action: ACTION_IDS.snooze, fingerprint: LEGACY }))).statusCode,
    ).toBe(200);
    const active = await store.suppressions.activeSuppressions(NOW);
    expect(active).toMatchObject([
      { target: { fingerprint: FINGERPRINT }, by: APPROVER, accepted: { 'tcp ipv4': '3702258432' } },
    ]);
    expect(calls('chat.postMessage').map((c) => [c.body['channel'], c.body['thread_ts']])).toEqual([
      ['C0FINDINGS', '1700000099.000900'],
    ]);
  });

  it('records a rejection in the audit log and in the thread of the message the button is on', async () => {
    const handler = makeHandler();
    await store.approvals.requestApproval({
      id: PLAN,
      planId: PLAN,
      fingerprint: FINGERPRINT,
      requester: OUTSIDER,
      required: 1,
      now: NOW,
    });
    const result = await invoke(
      handler,
      actionBody(APPROVER, { action: ACTION_IDS.reject, fingerprint: FINGERPRINT, planId: PLAN }),
    );
    expect(result.statusCode).toBe(200);
    expect(await store.trail.forTarget(PLAN)).toMatchObject([{ actor: APPROVER, action: 'reject', outcome: 'ok' }]);
    const notes = calls('chat.postMessage');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toMatchObject({ channel: 'C0123456', thread_ts: '1700000000.000100' });
    expect(String(notes[0]?.body['text'])).toContain(`<@${APPROVER}> rejected`);
    expect(queue.jobs).toHaveLength(0);
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
  });

  it('opens a details modal with the finding detail', async () => {
    await seeFinding();
    const handler = makeHandler();
    const triggerId = newTrigger();
    await invoke(
      handler,
      actionBody(OUTSIDER, { action: ACTION_IDS.details, fingerprint: FINGERPRINT }, { triggerId }),
    );
    const opened = calls('views.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.body['trigger_id']).toBe(triggerId);
    const view = viewOf(opened[0]);
    expect(view['type']).toBe('modal');
    expect(view['callback_id']).toBe(VIEW_IDS.details);
    expect(JSON.stringify(view['blocks'])).toContain('distinctive-detail-xyz');
    expect(JSON.stringify(view['blocks'])).toContain(FINGERPRINT);
    expect(responses()).toHaveLength(0);
  });
});

describe('accept risk', () => {
  const acceptRisk: ButtonPayload = { action: ACTION_IDS.acceptRisk, fingerprint: FINGERPRINT };

  it('opens the modal for an approver; its submission asks the approvers to suppress until the date, and is logged', async () => {
    await seeFinding();
    const handler = makeHandler();
    const triggerId = newTrigger();
    await invoke(handler, actionBody(APPROVER, acceptRisk, { triggerId }));
    const opened = calls('views.open');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.body['trigger_id']).toBe(triggerId);
    const view = viewOf(opened[0]);
    expect(view['callback_id']).toBe(VIEW_IDS.acceptRisk);
    expect(view['private_metadata']).toBe(encodeButtonValue(acceptRisk));
    expect(await store.trail.forTarget(FINGERPRINT)).toMatchObject([
      { actor: APPROVER, action: 'accept-risk', outcome: 'opened' },
    ]);

    const reason = 'Bastion host, reviewed by security';
    const result = await invoke(
      handler,
      viewSubmissionBody(APPROVER, String(view['private_metadata']), reason, '2030-03-01'),
    );
    expect(result.statusCode).toBe(200);
    // Nothing is suppressed until the request is approved (test/threat-suppress-approvals.test.ts).
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
    const entries = await store.trail.forTarget(FINGERPRINT);
    expect(entries).toHaveLength(2);
    const requested = entries.find((e) => e.outcome.startsWith('requested: '));
    expect(requested).toMatchObject({
      actor: APPROVER,
      action: 'accept-risk',
      detail: `until 2030-03-01T23:59:59.000Z: ${reason}`,
    });
    expect(await store.approvals.get(requested?.outcome.slice('requested: '.length) as string)).toMatchObject({
      status: 'pending',
      requester: APPROVER,
      suppression: {
        kind: 'accept-risk',
        target: { fingerprint: FINGERPRINT },
        reason,
        until: '2030-03-01T23:59:59.000Z',
      },
    });
  });

  it('answers a submission with a short reason or a past date with field errors and suppresses nothing', async () => {
    const handler = makeHandler();
    const result = await invoke(
      handler,
      viewSubmissionBody(APPROVER, encodeButtonValue(acceptRisk), 'short', '2020-01-01'),
    );
    expect(result.statusCode).toBe(200);
    const ack = JSON.parse(result.body) as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(Object.keys(ack.errors).sort()).toEqual(
      [ACCEPT_RISK_INPUTS.expiryBlock, ACCEPT_RISK_INPUTS.reasonBlock].sort(),
    );
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
  });

  it('refuses an expiry more than a year ahead (the ceiling of /warden suppress too)', async () => {
    const handler = makeHandler();
    const farAhead = new Date(NOW.getTime() + 400 * 86_400_000).toISOString().slice(0, 10);
    const result = await invoke(
      handler,
      viewSubmissionBody(APPROVER, encodeButtonValue(acceptRisk), 'Bastion host, reviewed by security', farAhead),
    );
    const ack = JSON.parse(result.body) as { response_action: string; errors: Record<string, string> };
    expect(ack).toEqual({
      response_action: 'errors',
      errors: { [ACCEPT_RISK_INPUTS.expiryBlock]: 'Pick a date at most 365 days ahead.' },
    });
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
  });

  it('refuses a non-approver: no modal, an ephemeral refusal, the attempt logged', async () => {
    await seeFinding();
    const handler = makeHandler();
    await invoke(handler, actionBody(OUTSIDER, acceptRisk));
    expect(calls('views.open')).toHaveLength(0);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body['response_type']).toBe('ephemeral');
    expect(String(posted[0]?.body['text'])).toMatch(/may not accept this risk/);
    expect(await store.trail.forTarget(FINGERPRINT)).toMatchObject([
      { actor: OUTSIDER, action: 'accept-risk', outcome: 'refused: not an approver' },
    ]);
    // A forged submission of the modal by the same person is refused too.
    await invoke(
      handler,
      viewSubmissionBody(OUTSIDER, encodeButtonValue(acceptRisk), 'I would like to accept this', '2030-03-01'),
    );
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
  });
});

describe('approvers through a user group', () => {
  const approve: ButtonPayload = { action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN };

  beforeEach(async () => {
    await store.approvals.requestApproval({
      id: PLAN,
      planId: PLAN,
      fingerprint: FINGERPRINT,
      requester: 'UREQUESTER',
      required: 1,
      requesterMayApprove: false,
    });
  });

  it("looks the group's members up and accepts a member's approval", async () => {
    const handler = makeHandler(groupConfig);
    await invoke(handler, actionBody(MEMBER, approve));
    const lookups = calls('usergroups.users.list');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.body['usergroup']).toBe(GROUP);
    expect((await store.approvals.get(PLAN))?.status).toBe('approved');
    expect(queue.jobs).toHaveLength(1);
    expect(queue.jobs[0]).toMatchObject({
      kind: 'apply',
      user: MEMBER,
      args: { fingerprint: FINGERPRINT, planId: PLAN },
    });
  });

  it('refuses someone outside the group', async () => {
    const handler = makeHandler(groupConfig);
    await invoke(handler, actionBody(OUTSIDER, approve));
    expect(calls('usergroups.users.list')).toHaveLength(1);
    expect((await store.approvals.get(PLAN))?.status).toBe('pending');
    expect(queue.jobs).toHaveLength(0);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(String(posted[0]?.body['text'])).toMatch(/may not approve/);
    expect(String(posted[0]?.body['text'])).toContain(`<!subteam^${GROUP}>`);
  });
});

describe('tampered button values', () => {
  const snooze: ButtonPayload = { action: ACTION_IDS.snooze, fingerprint: FINGERPRINT };
  const tampered: { name: string; value: string; actionId: ActionId }[] = [
    {
      name: 'an edited fingerprint',
      value: encodeButtonValue(snooze).replace(FINGERPRINT, 'ffffffffffffffff"x'),
      actionId: ACTION_IDS.snooze,
    },
    { name: 'padding', value: ` ${encodeButtonValue(snooze)}`, actionId: ACTION_IDS.snooze },
    {
      name: 'a value moved to another button',
      value: encodeButtonValue({ action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN }),
      actionId: ACTION_IDS.snooze,
    },
    { name: 'not JSON', value: 'snooze-me', actionId: ACTION_IDS.acceptRisk },
  ];

  it.each(tampered)('refuses $name and does nothing', async ({ value, actionId }) => {
    await seeFinding();
    const handler = makeHandler();
    const result = await invoke(handler, actionBody(APPROVER, snooze, { value, actionId }));
    expect(result.statusCode).toBe(200);
    expect(await store.suppressions.activeSuppressions(NOW)).toHaveLength(0);
    expect(queue.jobs).toHaveLength(0);
    expect(calls('views.open')).toHaveLength(0);
    const posted = responses();
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body['response_type']).toBe('ephemeral');
    expect(String(posted[0]?.body['text'])).toMatch(/not one Warden made/);
    const entries = await allAudit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: APPROVER, action: actionId, target: '-' });
    expect(entries[0]?.outcome).toMatch(/^refused: button value rejected/);
  });
});
