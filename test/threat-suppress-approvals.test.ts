import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiResult } from '../functions/slack.ts';
import { configSchema } from '../src/config/schema.ts';
import { ACTION_IDS, encodeButtonValue, parseButtonValue } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { SlackChatClient } from '../src/slack/notifier.ts';
import type { Worker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { StateStore } from '../src/store/state.ts';
import { rule } from './support/build.ts';
import { expectOneLineError, runWarden } from './support/cli.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import { acceptRiskSubmissionBody, buttonClickBody, commandBody, signedHttpApiEvent } from './support/slack-events.ts';

// Issue 12, section 3: Accept risk and `/warden suppress` hide exposure, so they need approvals as a fix does.
// Each attack is played by a member of the workspace through the real Lambda handler (signed requests, state in
// dynalite, a loopback fake of Slack's Web API and response_url) and the real worker (an in-memory AWS account with
// SSH open to the Internet), then what must hold.

const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0SECURITY';
const [A1, A2, A3] = ['UAPPROVER1', 'UAPPROVER2', 'UAPPROVER3'] as const;
const OUTSIDER = 'UOUTSIDER1';
const NOW = new Date('2030-01-15T12:00:00.000Z');
const GROUP = 'sg-0a1b2c3d4e5f60718';
const REASON = 'Bastion host, reviewed by security';

const rawConfig = (slack: Record<string, unknown> = {}) => ({
  providers: { aws: { regions: [MEMORY_SCOPE.region] } },
  remediation: { trustedSources: { '22': [{ source: '203.0.113.0/24', label: 'office' }] } },
  slack: {
    channel: CHANNEL,
    approvers: { users: [A1, A2, A3] },
    requiredApprovals: 2,
    twoPersonRule: true,
    minSeverity: 'high',
    ...slack,
  },
});

let slack: FakeSlackApi;
let db: Dynalite;
let dir: string;
let configPath: string;
let tableCount = 0;
let store: StateStore;
let queue: WorkQueue & { jobs: WardenJob[] };
let worker: Worker;
let clock: Date;
let trigger = 0;
/** What the worker posted in the channel (its messages get timestamps, as Slack gives them). */
let posted: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string; ts: string }[];
/** What the worker told the person (response_url). */
let told: string[];

beforeAll(async () => {
  [slack, db, dir] = await Promise.all([
    startFakeSlackApi(),
    startDynalite(),
    mkdtemp(join(tmpdir(), 'warden-threat-suppress-')),
  ]);
  configPath = join(dir, 'warden.json');
});

afterAll(async () => {
  await Promise.all([db.stop(), slack.close(), rm(dir, { recursive: true, force: true })]);
});

async function useConfig(slackSection: Record<string, unknown> = {}): Promise<void> {
  await writeFile(configPath, JSON.stringify(rawConfig(slackSection)));
  const adapter = createMemoryAdapter([{ id: GROUP, name: 'jump', vpcId: 'vpc-1', description: 'jump host' }]);
  adapter.put(GROUP, rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh from anywhere' }));
  let n = 0;
  const client: SlackChatClient = {
    chat: {
      postMessage: async (message) => {
        const ts = `1700000000.${String(++n).padStart(6, '0')}`;
        posted.push({ ...message, ts });
        return { ts };
      },
      update: async () => ({ ok: true }),
    },
  };
  worker = createWorker({
    config: configSchema.parse(rawConfig(slackSection)),
    store,
    client,
    adapters: async () => [adapter],
    postToResponseUrl: async (_url, body) => void told.push(String(body['text'])),
    now: () => clock,
  });
}

beforeEach(async () => {
  const tableName = `warden-threat-suppress-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
  queue = createInProcessQueue();
  slack.calls.length = 0;
  posted = [];
  told = [];
  clock = NOW;
  await useConfig();
});

async function handle(body: string): Promise<HttpApiResult> {
  const handler = createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slack.url}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: 'unused',
    },
    queue,
    store,
    now: () => clock,
  });
  const result = await handler(signedHttpApiEvent(body, { secret: SECRET }), {});
  expect(result.statusCode).toBe(200);
  return result;
}

/** A click on a button of the message `messageTs`; answers the ephemeral reply it got. */
async function click(
  user: string,
  payload: ButtonPayload,
  messageTs = '1700000000.000900',
  value = encodeButtonValue(payload),
): Promise<string | undefined> {
  const triggerId = `trigger-${++trigger}`;
  const before = slack.responses().length;
  await handle(
    buttonClickBody({
      user,
      channel: CHANNEL,
      actionId: payload.action,
      value,
      triggerId,
      responseUrl: `${slack.url}/response/${triggerId}`,
      messageTs,
    }),
  );
  return slack.responses().slice(before).at(-1);
}

/** `/warden <text>` as `user`, and the job it queued run by the worker (as the scan function would). */
async function command(text: string, user: string): Promise<void> {
  const triggerId = `trigger-${++trigger}`;
  const jobs = queue.jobs.length;
  await handle(
    commandBody(text, { user, channel: CHANNEL, triggerId, responseUrl: `${slack.url}/response/${triggerId}` }),
  );
  for (const job of queue.jobs.slice(jobs)) await worker.handle(job);
}

function submitAcceptRisk(user: string, fingerprint: string, date: string): Promise<HttpApiResult> {
  const privateMetadata = encodeButtonValue({ action: ACTION_IDS.acceptRisk, fingerprint });
  return handle(
    acceptRiskSubmissionBody({
      user,
      privateMetadata,
      reason: REASON,
      date,
      viewId: `V${++trigger}`,
      triggerId: `trigger-${++trigger}`,
    }),
  );
}

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };

/** The buttons of a message's blocks (a Web API call sends them as a JSON string). */
function buttonsOf(blocks: unknown): ButtonPayload[] {
  const list = (typeof blocks === 'string' ? JSON.parse(blocks) : (blocks ?? [])) as Block[];
  return list
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.action_id && e.value)
    .map((e) => parseButtonValue(e.value, e.action_id as ActionId));
}

/** The audit's finding (SSH open to the Internet), posted with its buttons (and its fix's plan id). */
async function auditedFinding(): Promise<{
  fingerprint: string;
  check: string;
  ts: string;
  planId: string | undefined;
}> {
  await worker.handle({ kind: 'audit', args: {}, user: A1, channel: CHANNEL, requestId: `audit-${++trigger}` });
  const message = posted.find((p) => buttonsOf(p.blocks).some((b) => b.action === ACTION_IDS.acceptRisk));
  const fingerprint = buttonsOf(message?.blocks).find((b) => b.action === ACTION_IDS.acceptRisk)?.fingerprint;
  const state = fingerprint ? await store.findings.get(fingerprint) : undefined;
  if (!message || !fingerprint || !state) throw new Error('the audit posted no finding with an Accept risk button');
  return {
    fingerprint,
    check: state.finding.check,
    ts: message.ts,
    planId: buttonsOf(message.blocks).find((b) => b.action === ACTION_IDS.approve)?.planId,
  };
}

/** Whether `/warden findings` (the worker, as a person asks) still lists the finding. */
async function listed(fingerprint: string): Promise<boolean> {
  await worker.handle({
    kind: 'findings',
    args: {},
    user: A1,
    channel: CHANNEL,
    responseUrl: 'http://127.0.0.1:9/response',
    requestId: `findings-${++trigger}`,
  });
  return (told.at(-1) ?? '').includes(fingerprint.slice(0, 12));
}

const suppressed = async () =>
  (await store.suppressions.activeSuppressions(clock)).map((s) => ({
    target: s.target,
    by: s.by,
    reason: s.reason,
    until: s.until,
  }));

/** The suppression request the Web API fake was asked to post (Accept risk is answered by the handler). */
function requestPostedByHandler(): { id: string; channel: unknown; thread: unknown } {
  const call = slack.calls
    .filter((c) => c.path === '/api/chat.postMessage')
    .find((c) => buttonsOf(c.body['blocks']).some((b) => b.action === ACTION_IDS.approveSuppression));
  const id = buttonsOf(call?.body['blocks']).find(
    (b) => b.action === ACTION_IDS.approveSuppression,
  )?.suppressionRequestId;
  if (!call || !id) throw new Error('no suppression request was posted');
  return { id, channel: call.body['channel'], thread: call.body['thread_ts'] };
}

/** The suppression request the worker posted (`/warden suppress`). */
function requestPostedByWorker(): { id: string; channel: string; thread: string | undefined; ts: string } {
  const message = posted.find((p) => buttonsOf(p.blocks).some((b) => b.action === ACTION_IDS.approveSuppression));
  const id = buttonsOf(message?.blocks).find((b) => b.action === ACTION_IDS.approveSuppression)?.suppressionRequestId;
  if (!message || !id) throw new Error('no suppression request was posted');
  return { id, channel: message.channel, thread: message.thread_ts, ts: message.ts };
}

const approve = (user: string, id: string, ts?: string) =>
  click(user, { action: ACTION_IDS.approveSuppression, suppressionRequestId: id }, ts);
const reject = (user: string, id: string, ts?: string) =>
  click(user, { action: ACTION_IDS.rejectSuppression, suppressionRequestId: id }, ts);

describe("attack: one approver's Accept risk hides a finding that needs two approvals", () => {
  it('suppresses nothing: a request with Approve/Reject goes to the finding’s thread, and the finding stays open and listed', async () => {
    const finding = await auditedFinding();
    const result = await submitAcceptRisk(A1, finding.fingerprint, '2030-03-01');
    expect(result.body).toBe('');
    expect(await suppressed()).toEqual([]);
    expect(await listed(finding.fingerprint)).toBe(true);
    expect(await store.findings.get(finding.fingerprint)).toMatchObject({
      status: 'open',
      message: { channel: CHANNEL, ts: finding.ts },
    });
    const request = requestPostedByHandler();
    expect(request).toMatchObject({ channel: CHANNEL, thread: finding.ts });
    expect(await store.approvals.get(request.id)).toMatchObject({
      status: 'pending',
      requester: A1,
      required: 2,
      requesterMayApprove: false,
      suppression: {
        kind: 'accept-risk',
        target: { fingerprint: finding.fingerprint },
        reason: REASON,
        until: '2030-03-01T23:59:59.000Z',
      },
    });
    expect((await store.trail.forTarget(finding.fingerprint)).map((e) => [e.actor, e.action, e.outcome])).toEqual([
      [A1, 'accept-risk', `requested: ${request.id}`],
    ]);
  });

  it("leaves the finding's proposed fix as it was: the request supersedes no fix request", async () => {
    const finding = await auditedFinding();
    expect(finding.planId).toMatch(/^plan-/);
    await submitAcceptRisk(A1, finding.fingerprint, '2030-03-01');
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A2);
    expect(await store.approvals.get(finding.planId as string)).toMatchObject({ status: 'pending', generation: 1 });
  });

  it('suppresses once two approvers other than the requester approved: posted in the thread and the audit trail, the request message updated', async () => {
    const finding = await auditedFinding();
    await submitAcceptRisk(A1, finding.fingerprint, '2030-03-01');
    const { id } = requestPostedByHandler();
    expect(await approve(A2, id)).toBe('Approval recorded: 1 of 2 needed.');
    expect(await suppressed()).toEqual([]);
    expect(await approve(A3, id)).toBe('Approved: suppressed until 2030-03-01 23:59 UTC.');
    expect(await suppressed()).toEqual([
      { target: { fingerprint: finding.fingerprint }, by: A1, reason: REASON, until: '2030-03-01T23:59:59.000Z' },
    ]);
    expect(await listed(finding.fingerprint)).toBe(false);
    expect(await store.approvals.get(id)).toMatchObject({
      status: 'applied',
      approvals: [{ approver: A2 }, { approver: A3 }],
    });
    const update = slack.calls.find((c) => c.path === '/api/chat.update');
    expect(update?.body).toMatchObject({ channel: CHANNEL, ts: '1700000000.000900' });
    expect(buttonsOf(update?.body['blocks'])).toEqual([]);
    expect(String(update?.body['blocks'])).toContain(
      `Approved by <@${A2}>, <@${A3}>: suppressed until 2030-03-01 23:59 UTC.`,
    );
    const notes = slack.calls.filter((c) => c.path === '/api/chat.postMessage').map((c) => String(c.body['text']));
    expect(notes.at(-1)).toBe(
      `:white_check_mark: <@${A1}>'s request to accept the risk of finding \`${finding.fingerprint}\` was approved by <@${A2}>, <@${A3}>: suppressed until 2030-03-01 23:59 UTC. Reason: ${REASON}`,
    );
    expect(
      (await store.trail.forTarget(finding.fingerprint)).map((e) => [e.actor, e.action, e.outcome, e.detail]),
    ).toEqual([
      [A1, 'accept-risk', `requested: ${id}`, `until 2030-03-01T23:59:59.000Z: ${REASON}`],
      [
        A3,
        'accept-risk',
        'ok: suppressed',
        `until 2030-03-01T23:59:59.000Z: ${REASON} (request ${id} by ${A1}, approved by ${A2}, ${A3})`,
      ],
    ]);
    // Exactly once: a later click changes nothing.
    expect(await approve(A1, id)).toBe(
      'Not approved: you asked for this suppression, and the two-person rule needs someone else to approve it.',
    );
    expect(await approve(A2, id)).toBe('Not approved: it is no longer pending (it is applied).');
  });
});

describe("attack: one approver's `/warden suppress` hides a finding, or a whole check, that needs two approvals", () => {
  it('suppresses no finding: the request is posted in its thread, the person is told it waits, the finding stays listed', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A1);
    expect(told.at(-1)).toBe(
      `Suppression requested: it needs 2 approvals from Warden's approvers other than you (two-person rule). Until then nothing is hidden: \`${finding.fingerprint}\` stays open and reported.`,
    );
    expect(await suppressed()).toEqual([]);
    expect(await listed(finding.fingerprint)).toBe(true);
    const request = requestPostedByWorker();
    expect(request).toMatchObject({ channel: CHANNEL, thread: finding.ts });
    expect(await store.approvals.get(request.id)).toMatchObject({
      status: 'pending',
      requester: A1,
      suppression: {
        kind: 'suppress',
        target: { fingerprint: finding.fingerprint },
        reason: 'known bastion',
        until: '2030-01-22T12:00:00.000Z',
      },
    });

    // The next audit still posts nothing new and resolves nothing: the finding is open, on its message.
    await worker.handle({ kind: 'audit', args: {}, user: A1, channel: CHANNEL, requestId: `audit-${++trigger}` });
    expect(await store.findings.get(finding.fingerprint)).toMatchObject({
      status: 'open',
      message: { ts: finding.ts },
    });

    await approve(A2, request.id, request.ts);
    await approve(A3, request.id, request.ts);
    expect(await suppressed()).toEqual([
      {
        target: { fingerprint: finding.fingerprint },
        by: A1,
        reason: 'known bastion',
        until: '2030-01-22T12:00:00.000Z',
      },
    ]);
    expect(await listed(finding.fingerprint)).toBe(false);
  });

  it('suppresses no check: the check-wide request is posted in the channel and waits', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.check} 2w accepted for the migration`, A1);
    expect(await suppressed()).toEqual([]);
    expect(await listed(finding.fingerprint)).toBe(true);
    const request = requestPostedByWorker();
    expect(request).toMatchObject({ channel: CHANNEL, thread: undefined });
    expect(await store.approvals.get(request.id)).toMatchObject({
      status: 'pending',
      suppression: { kind: 'suppress', target: { check: finding.check } },
    });
  });
});

describe('attack: the requester approves their own suppression request', () => {
  it('is refused under the two-person rule and counts for nothing', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A1);
    const { id, ts } = requestPostedByWorker();
    expect(await approve(A1, id, ts)).toBe(
      'Not approved: you asked for this suppression, and the two-person rule needs someone else to approve it.',
    );
    expect(await store.approvals.get(id)).toMatchObject({ status: 'pending', approvals: [] });
    expect(await approve(A2, id, ts)).toBe('Approval recorded: 1 of 2 needed.');
    expect(await suppressed()).toEqual([]);
  });

  it('counts under `slack.suppressionApprovals` that turns the rule off for suppressions (one approval, the requester’s own)', async () => {
    await useConfig({ suppressionApprovals: { required: 1, twoPersonRule: false } });
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A1);
    const { id, ts } = requestPostedByWorker();
    expect(await store.approvals.get(id)).toMatchObject({ required: 1, requesterMayApprove: true });
    expect(await approve(A1, id, ts)).toBe('Approved: suppressed until 2030-01-22 12:00 UTC.');
    expect(await suppressed()).toHaveLength(1);
  });
});

describe('attack: a non-approver approves (or rejects) a suppression request', () => {
  it('is refused, logged, and changes nothing', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A1);
    const { id, ts } = requestPostedByWorker();
    expect(await approve(OUTSIDER, id, ts)).toMatch(
      /^You may not approve this suppression: only Warden's approvers can \(/,
    );
    expect(await reject(OUTSIDER, id, ts)).toMatch(
      /^You may not reject this suppression: only Warden's approvers can \(/,
    );
    expect(await store.approvals.get(id)).toMatchObject({ status: 'pending', approvals: [] });
    expect((await store.trail.forTarget(id)).map((e) => [e.actor, e.action, e.outcome])).toEqual([
      [OUTSIDER, 'approve-suppression', 'refused: not an approver'],
      [OUTSIDER, 'reject-suppression', 'refused: not an approver'],
    ]);
  });

  it('cannot move a fix’s plan id onto a suppression button, or a suppression request onto a fix’s Approve', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 7d known bastion`, A1);
    const { id } = requestPostedByWorker();
    const forged = [
      {
        payload: { action: ACTION_IDS.approveSuppression, suppressionRequestId: id },
        value: `{"v":1,"a":"as","s":"plan-0123456789abcdef"}`,
      },
      {
        payload: { action: ACTION_IDS.approve, fingerprint: finding.fingerprint, planId: 'plan-0123456789abcdef' },
        value: `{"v":1,"a":"ap","f":"${finding.fingerprint}","p":"${id}"}`,
      },
    ];
    for (const { payload, value } of forged)
      expect(await click(A2, payload, undefined, value)).toBe(
        'This button is not one Warden made (or it was changed); nothing was done.',
      );
    expect(await store.approvals.get(id)).toMatchObject({ status: 'pending', approvals: [] });
  });
});

describe('attack: an approver rejects a suppression request, and others approve it anyway', () => {
  it('makes the Reject binding: later approvals are refused and nothing is suppressed', async () => {
    const finding = await auditedFinding();
    await submitAcceptRisk(A1, finding.fingerprint, '2030-03-01');
    const { id } = requestPostedByHandler();
    expect(await reject(A2, id)).toBe('Rejected: nothing will be suppressed by this request.');
    expect(await approve(A2, id)).toBe('Not approved: it was rejected; a new request is needed.');
    expect(await approve(A3, id)).toBe('Not approved: it was rejected; a new request is needed.');
    expect(await store.approvals.get(id)).toMatchObject({ status: 'rejected', rejectedBy: A2, approvals: [] });
    expect(await suppressed()).toEqual([]);
    expect(await listed(finding.fingerprint)).toBe(true);
  });
});

describe('attack: a suppression request approved after the end it asked for', () => {
  it('is refused: nothing is suppressed, the request says it ended', async () => {
    const finding = await auditedFinding();
    await command(`suppress ${finding.fingerprint} 1h brief maintenance`, A1);
    const { id, ts } = requestPostedByWorker();
    expect(await approve(A2, id, ts)).toBe('Approval recorded: 1 of 2 needed.');
    clock = new Date(NOW.getTime() + 2 * 3_600_000);
    expect(await approve(A3, id, ts)).toBe(
      'Not approved: the suppression it asks for would have ended 2030-01-15 13:00 UTC; ask again with a later end.',
    );
    expect(await store.suppressions.activeSuppressions(NOW)).toEqual([]);
    expect(await store.approvals.get(id)).toMatchObject({ status: 'pending', approvals: [{ approver: A2 }] });
  });
});

describe('config: slack.suppressionApprovals', () => {
  it('is read by the CLI, and a bad value is refused with one line naming the field', async () => {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, JSON.stringify({ slack: { suppressionApprovals: { required: 2, twoPersonRule: true } } }));
    await writeFile(bad, JSON.stringify({ slack: { suppressionApprovals: { required: 0 } } }));
    const ok = await runWarden(['audit', '--source', 'examples', '--config', good, '--format', 'json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toBe('');
    expect(expectOneLineError(await runWarden(['audit', '--source', 'examples', '--config', bad]))).toBe(
      `warden: ${bad}: slack.suppressionApprovals.required: must be at least 1`,
    );
  });
});
