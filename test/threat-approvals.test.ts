import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import type { ButtonPayload } from '../src/slack/actions.ts';
import { configSchema } from '../src/config/schema.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { SlackChatClient } from '../src/slack/notifier.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { ChangeRecord } from '../src/model/change.ts';
import type { StateStore } from '../src/store/state.ts';
import { buttonClickBody, signedHttpApiEvent } from './support/slack-events.ts';
import { rule } from './support/build.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import { startDynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import type { Dynalite } from './support/dynalite.ts';

// Issue 12, sections 2 and 3: attacks on Warden's approvals by a member of the workspace, played
// through the real Lambda handler with signed requests (state in dynalite, a loopback fake of
// Slack's Web API and of response_url), each followed by what must hold.

const SECRET = 'test-signing-secret-0123456789';
const APPROVERS = ['UAPPROVER1', 'UAPPROVER2', 'UAPPROVER3'] as const;
const [A1, A2, A3] = APPROVERS;
const OUTSIDER = 'UOUTSIDER1';
const REQUESTER = 'UREQUESTER';
const NOW = new Date('2030-01-15T12:00:00.000Z');
const FINGERPRINT = 'a1b2c3d4e5f60718';
const PLAN = 'plan-0123456789abcdef';
const CHANGE = 'chg-20300115T120000.000Z-a1b2c3';

let slack: FakeSlackApi;
let db: Dynalite;
let dir: string;
let configPath: string;
let tableCount = 0;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };
/** Replies to the person (response_url) since the test began, and what the worker told them. */
let responses: string[] = [];
let workerResponses = 0;

beforeAll(async () => {
  [slack, db, dir] = await Promise.all([
    startFakeSlackApi(),
    startDynalite(),
    mkdtemp(join(tmpdir(), 'warden-threat-approvals-')),
  ]);
  configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      slack: { channel: 'C0123456', approvers: { users: APPROVERS }, requiredApprovals: 2, twoPersonRule: true },
    }),
  );
});

afterAll(async () => {
  await Promise.all([db.stop(), slack.close(), rm(dir, { recursive: true, force: true })]);
});

beforeEach(async () => {
  const tableName = `warden-threat-approvals-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  slack.calls.length = 0;
  responses = [];
  workerResponses = 0;
  handlerEnv = {
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_API_URL: `${slack.url}/api`,
    WARDEN_CONFIG: configPath,
    WARDEN_TABLE: tableName,
  };
});

let handlerEnv: Record<string, string>;

function handler(): SlackHandler {
  return createSlackHandler({
    env: handlerEnv,
    queue,
    store,
    now: () => NOW,
  });
}

let triggers = 0;
async function click(user: string, payload: ButtonPayload): Promise<HttpApiResult> {
  const triggerId = `trigger-${++triggers}`;
  const body = buttonClickBody({
    user,
    channel: 'C0123456',
    actionId: payload.action,
    value: encodeButtonValue(payload),
    triggerId,
    responseUrl: `${slack.url}/response/${triggerId}`,
  });
  const result = await handler()(signedHttpApiEvent(body, { secret: SECRET }), {});
  expect(result.statusCode).toBe(200);
  responses.push(...slack.responses().slice(responses.length - workerResponses));
  return result;
}

const approve = (user: string) => click(user, { action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN });
const reject = (user: string) => click(user, { action: ACTION_IDS.reject, fingerprint: FINGERPRINT, planId: PLAN });
const revert = (user: string) =>
  click(user, { action: ACTION_IDS.revert, fingerprint: FINGERPRINT, planId: PLAN, changeId: CHANGE });

async function proposePlan(): Promise<void> {
  await store.approvals.requestApproval({
    id: PLAN,
    planId: PLAN,
    fingerprint: FINGERPRINT,
    requester: REQUESTER,
    required: 2,
    now: NOW,
  });
}

describe('attack: an outsider rejects a plan, or an approver rejects and others approve it anyway', () => {
  it('refuses Reject from a non-approver and leaves the request pending', async () => {
    await proposePlan();
    await reject(OUTSIDER);
    expect(responses.at(-1)).toMatch(/^You may not reject this fix: only Warden's approvers can/);
    expect((await store.approvals.get(PLAN))?.status).toBe('pending');
  });

  it("makes an approver's Reject binding: later approvals are refused and nothing is applied until the plan is proposed again", async () => {
    await proposePlan();
    await reject(A1);
    expect(responses.at(-1)).toBe('Rejected: this plan will not be applied unless it is proposed again.');
    await approve(A2);
    await approve(A3);
    expect(queue.jobs.filter((j) => j.kind === 'apply')).toHaveLength(0);
    expect(responses.at(-1)).toBe('Not approved: it was rejected; run `/warden fix` to propose it again.');
    expect(await store.approvals.get(PLAN)).toMatchObject({ status: 'rejected', rejectedBy: A1, generation: 1 });

    // Proposed again: a new generation, pending, with none of the earlier approvals.
    await proposePlan();
    expect(await store.approvals.get(PLAN)).toMatchObject({ status: 'pending', approvals: [], generation: 2 });
    await approve(A2);
    await approve(A3);
    expect(queue.jobs.filter((j) => j.kind === 'apply')).toHaveLength(1);
  });
});

/** A 2-of-2 fix that was approved and applied as change CHANGE. */
async function appliedFix(): Promise<void> {
  await proposePlan();
  await store.approvals.approve({ id: PLAN, approver: A1, now: NOW });
  await store.approvals.approve({ id: PLAN, approver: A2, now: NOW });
  await store.approvals.transition({ id: PLAN, from: 'approved', to: 'applying', now: NOW });
  await store.approvals.transition({ id: PLAN, from: 'applying', to: 'applied', changeId: CHANGE, now: NOW });
  const change = {
    changeId: CHANGE,
    kind: 'apply',
    actor: `slack:${A2}`,
    at: NOW.toISOString(),
    plan: {
      id: PLAN,
      finding: {
        fingerprint: FINGERPRINT,
        check: 'internet-admin-port',
        title: 'SSH open to the Internet',
        severity: 'high',
      },
      target: { provider: 'aws', account: '123456789012', region: 'eu-west-1', groupId: 'sg-1', groupName: 'web' },
      operations: [],
      preconditions: [],
      resolves: [FINGERPRINT],
      summary: 'tcp/22 from 0.0.0.0/0 → the office',
      notes: [],
      diff: ['- tcp/22 from 0.0.0.0/0'],
    },
    preImage: [],
    addedRuleIds: [],
    status: 'applied',
    messages: [],
  } satisfies ChangeRecord;
  await store.changes.save(change);
}

describe('attack: one approver reverts a 2-of-2 fix, reopening SSH to the Internet', () => {
  it('queues no revert until as many approvers as the fix needed clicked Revert, the requester of the fix not counted', async () => {
    await appliedFix();
    await revert(A1);
    expect(responses.at(-1)).toBe('Revert approval recorded: 1 of 2 needed.');
    await revert(A1);
    expect(responses.at(-1)).toBe('Not reverted: you approved this revert already; approvals are counted per person.');
    expect(queue.jobs.filter((j) => j.kind === 'revert')).toHaveLength(0);
    await revert(A2);
    expect(responses.at(-1)).toBe('Reverting…');
    expect(queue.jobs.filter((j) => j.kind === 'revert')).toMatchObject([
      { kind: 'revert', user: A2, args: { changeId: CHANGE } },
    ]);
  });

  it('does not count the Revert click of the person who asked for the fix (two-person rule)', async () => {
    await writeFile(
      configPath,
      JSON.stringify({
        slack: {
          channel: 'C0123456',
          approvers: { users: [...APPROVERS, REQUESTER] },
          requiredApprovals: 2,
          twoPersonRule: true,
        },
      }),
    );
    try {
      await appliedFix();
      await revert(REQUESTER);
      expect(responses.at(-1)).toBe(
        'Not reverted: you asked for this fix, and the two-person rule needs someone else to approve undoing it.',
      );
      await revert(A3);
      expect(queue.jobs).toHaveLength(0);
    } finally {
      await writeFile(
        configPath,
        JSON.stringify({
          slack: { channel: 'C0123456', approvers: { users: APPROVERS }, requiredApprovals: 2, twoPersonRule: true },
        }),
      );
    }
  });

  it('refuses a revert job that reached the worker without a completed revert approval', async () => {
    await appliedFix();
    await revert(A1);
    const outcomes: string[] = [];
    const client = {
      chat: { postMessage: async () => ({ ok: true, ts: '1.2' }), update: async () => ({ ok: true }) },
    } as unknown as SlackChatClient;
    const config = configSchema.parse({ slack: { approvers: { users: APPROVERS }, requiredApprovals: 2 } });
    const worker = createWorker({
      config,
      store,
      client,
      adapters: async () => [],
      postToResponseUrl: async () => undefined,
      now: () => NOW,
    });
    await worker.handle({
      kind: 'revert',
      args: { changeId: CHANGE, fingerprint: FINGERPRINT },
      user: A1,
      channel: 'C0123456',
      requestId: 'forged-revert',
    });
    for (const entry of await store.trail.forTarget(CHANGE)) outcomes.push(entry.outcome);
    expect(outcomes.at(-1)).toBe('refused: revert not approved (pending)');
    expect(await store.approvals.get(PLAN)).toMatchObject({ status: 'applied' });
  });

  it('refuses Revert from a non-approver', async () => {
    await appliedFix();
    await revert(OUTSIDER);
    expect(responses.at(-1)).toMatch(/^You may not revert this change: only Warden's approvers can/);
    expect(queue.jobs).toHaveLength(0);
  });
});

describe('attack: the first person to see a finding owns its approval request', () => {
  const GROUP = 'sg-0a1b2c3d4e5f60718';
  const OTHER = 'UOTHER0001';
  const workerConfig = configSchema.parse({
    providers: { aws: { regions: [MEMORY_SCOPE.region] } },
    remediation: { trustedSources: { '22': [{ source: '203.0.113.0/24', label: 'office' }] } },
    slack: {
      channel: 'C0SECURITY',
      approvers: { users: APPROVERS },
      requiredApprovals: 1,
      twoPersonRule: true,
      minSeverity: 'high',
    },
  });
  let posted: { text: string; blocks?: { type: string; elements?: { action_id?: string; value?: string }[] }[] }[] = [];

  function realWorker(): ReturnType<typeof createWorker> {
    const adapter = createMemoryAdapter([{ id: GROUP, name: 'jump', vpcId: 'vpc-1', description: 'jump host' }]);
    adapter.put(GROUP, rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh from anywhere' }));
    let n = 0;
    const client = {
      chat: {
        postMessage: async (message: (typeof posted)[number]) => (
          posted.push(message),
          { ok: true, ts: `1700000000.${String(++n).padStart(6, '0')}` }
        ),
        update: async () => ({ ok: true }),
      },
    } as unknown as SlackChatClient;
    posted = [];
    return createWorker({
      config: workerConfig,
      store,
      client,
      adapters: async () => [adapter],
      postToResponseUrl: async (_url, body) => void (responses.push(String(body['text'])), workerResponses++),
      now: () => NOW,
    });
  }

  const job = (kind: WardenJob['kind'], args: WardenJob['args'], user: string): WardenJob => ({
    kind,
    args,
    user,
    channel: 'C0SECURITY',
    responseUrl: 'http://127.0.0.1:9/response',
    requestId: `job-${++triggers}`,
  });

  function approveButton(): ButtonPayload {
    const value = posted
      .flatMap((m) => m.blocks ?? [])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === ACTION_IDS.approve)?.value;
    if (!value) throw new Error('no Approve button was posted');
    return JSON.parse(value) as never;
  }

  it('lets another person re-propose the same plan (`/warden fix`): the request is reused, its requester stays the first', async () => {
    const worker = realWorker();
    await worker.handle(job('audit', {}, REQUESTER));
    const { f: fingerprint, p: planId } = approveButton() as unknown as { f: string; p: string };
    await worker.handle(job('fix', { fingerprint }, OTHER));
    expect(responses.filter((r) => r.startsWith(':x:'))).toEqual([]);
    expect(await store.approvals.get(planId)).toMatchObject({ status: 'pending', requester: REQUESTER, generation: 1 });
    expect((await store.findings.get(fingerprint))?.message?.ts).toBe(
      `1700000000.${String(posted.length).padStart(6, '0')}`,
    );
  });

  it('needs two distinct approvers for a plan a real-time audit proposed (nobody asked)', async () => {
    const worker = realWorker();
    await worker.auditGroup({
      ...MEMORY_SCOPE,
      provider: 'aws',
      groupId: GROUP,
      eventName: 'AuthorizeSecurityGroupIngress',
    });
    const { p: planId } = approveButton() as unknown as { p: string };
    expect(await store.approvals.get(planId)).toMatchObject({ status: 'pending', requester: 'realtime', required: 2 });
  });

  it('answers "superseded" on the buttons of a plan a different plan for the same finding replaced', async () => {
    await proposePlan();
    const newer = 'plan-fedcba9876543210';
    await store.approvals.requestApproval({
      id: newer,
      planId: newer,
      fingerprint: FINGERPRINT,
      requester: OTHER,
      required: 2,
      now: NOW,
    });
    expect((await store.approvals.get(PLAN))?.status).toBe('superseded');
    await approve(A1);
    expect(responses.at(-1)).toBe(
      'Not approved: superseded: a newer plan for this finding was proposed, approve that one.',
    );
    await approve(A2);
    expect(queue.jobs).toHaveLength(0);
  });
});
