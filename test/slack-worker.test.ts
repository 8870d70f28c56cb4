import type { App } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import type { Finding, SecurityGroup } from '../src/model/types.ts';
import { readGroup } from '../src/remediation/apply.ts';
import { normalizeScope as normalize } from '../adapters/live-estate.ts';
import { planFor } from '../src/remediation/planners/index.ts';
import { planId } from '../src/remediation/planners/common.ts';
import type { Plan } from '../src/model/change.ts';
import { ACTION_IDS, parseButtonValue } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { createSuppressionRequests } from '../src/slack/suppression-requests.ts';
import { safeErrorText } from '../src/app/error-text.ts';
import type { SlackChatClient } from '../src/slack/notifier.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { Worker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { revertRequestId } from '../src/store/state.ts';
import type { StateStore } from '../src/store/state.ts';
import { rule } from './support/build.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import { recordingSlack } from './support/recording-slack.ts';
import type { Posted } from './support/recording-slack.ts';
import type { MemoryAdapter } from './support/memory-adapter.ts';

// The Slack worker end to end: jobs as the app enqueues them, the state in dynalite, a recording
// fake of chat.postMessage/chat.update, and an in-memory AWS account read through the real AWS
// normalizers (audit → approve → apply → re-audit → revert, and a stale plan refused).

const CHANNEL = 'C0SECURITY';
const APPROVER = 'UAPPROVER1';
const REQUESTER = 'UREQUESTER';
const GROUP = 'sg-0a1b2c3d4e5f60718';

const config = configSchema.parse({
  providers: { aws: { regions: ['eu-west-1'] } },
  remediation: { trustedSources: { '22': [{ source: '203.0.113.0/24', label: 'office' }] } },
  slack: {
    channel: CHANNEL,
    approvers: { users: [APPROVER] },
    requiredApprovals: 1,
    twoPersonRule: true,
    minSeverity: 'high',
  },
});

// Bolt's WebClient is a SlackChatClient (checked by the compiler).
const _webClientFits = (client: App['client']): SlackChatClient => client;

const fakeSlack = recordingSlack;

/** The button values of a message, by action id. */
function buttons(message: { blocks?: unknown[] }): Map<string, ButtonPayload> {
  const found = new Map<string, ButtonPayload>();
  for (const block of (message.blocks ?? []) as {
    type: string;
    elements?: { type: string; action_id?: string; value?: string }[];
  }[]) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? []) {
      if (element.type === 'button' && element.action_id)
        found.set(element.action_id, parseButtonValue(element.value, element.action_id as ActionId));
    }
  }
  return found;
}

/** The group's ingress rules as `protocol port peer`. */
function ingress(adapter: MemoryAdapter): string[] {
  const group = adapter.groups.find((g) => g.id === GROUP);
  return (group?.rules ?? [])
    .filter((r) => r['IsEgress'] === false)
    .map(
      (r) =>
        `${String(r['IpProtocol'])} ${String(r['FromPort'])} ${String(r['CidrIpv4'] ?? r['CidrIpv6'] ?? r['PrefixListId'] ?? '')}`,
    )
    .sort();
}

let db: Dynalite;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

async function setup(): Promise<{
  store: StateStore;
  slack: ReturnType<typeof fakeSlack>;
  adapter: MemoryAdapter;
  worker: Worker;
  responses: { url: string; body: Record<string, unknown> }[];
}> {
  const tableName = `warden-worker-${++tables}`;
  await ensureTable(db.client, tableName);
  const store = createDynamoStateStore({ tableName, client: db.client });
  const slack = fakeSlack();
  const adapter = createMemoryAdapter([{ id: GROUP, name: 'jump', vpcId: 'vpc-1', description: 'jump host' }]);
  adapter.put(GROUP, rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh from anywhere' }));
  adapter.put(GROUP, rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8', description: 'https inside' }));
  const responses: { url: string; body: Record<string, unknown> }[] = [];
  let t = Date.parse('2026-01-05T09:00:00.000Z');
  const worker = createWorker({
    config,
    store,
    client: slack,
    adapters: async () => [adapter],
    postToResponseUrl: async (url, body) => {
      responses.push({ url, body });
    },
    now: () => new Date((t += 1000)),
  });
  return { store, slack, adapter, worker, responses };
}

let jobs = 0;
/** What the Revert clicks of approvers make before a revert job is queued: a completed revert approval. */
async function approveRevert(store: StateStore, changeId: string): Promise<void> {
  const change = await store.changes.get(changeId);
  if (!change) throw new Error(`no change ${changeId}`);
  const id = revertRequestId(changeId);
  await store.approvals.requestApproval({
    id,
    planId: change.plan.id,
    fingerprint: change.plan.finding.fingerprint,
    requester: REQUESTER,
    required: 1,
  });
  expect((await store.approvals.approve({ id, approver: APPROVER, now: new Date() })).outcome).toBe('approved');
}

/** What an approver's Approve click on the suppression request the worker posted does: the suppression is made. */
async function approveSuppression(store: StateStore, slack: ReturnType<typeof fakeSlack>): Promise<void> {
  const request = slack.posted.find((p) => buttons(p).has(ACTION_IDS.approveSuppression)) as Posted;
  const id = buttons(request).get(ACTION_IDS.approveSuppression)?.suppressionRequestId as string;
  const answer = await createSuppressionRequests({
    config,
    store,
    client: slack,
    now: () => new Date('2026-01-05T09:30:00.000Z'),
  }).approve({ id, user: APPROVER });
  expect(answer.reply).toMatch(/^Approved: suppressed until /);
}

function job(kind: WardenJob['kind'], args: WardenJob['args'] = {}, user = REQUESTER): WardenJob {
  return {
    kind,
    args,
    user,
    channel: CHANNEL,
    responseUrl: `http://127.0.0.1:9/response/${++jobs}`,
    requestId: `test:${jobs}`,
  };
}

describe('slack worker', () => {
  it('audits, posts once, applies an approved plan, resolves the finding, and reverts', async () => {
    const { store, slack, adapter, worker } = await setup();
    const before = ingress(adapter);

    // First audit: a digest and one finding message with an Approve button.
    await worker.handle(job('audit'));
    const findingPosts = slack.posted.filter((p) => buttons(p).has(ACTION_IDS.approve));
    expect(slack.posted[0]?.text).toMatch(/Warden audit/);
    expect(slack.posted.every((p) => p.channel === CHANNEL)).toBe(true);
    expect(findingPosts).toHaveLength(1);
    const finding = findingPosts[0] as Posted;
    const approve = buttons(finding).get(ACTION_IDS.approve) as ButtonPayload;
    const fingerprint = approve.fingerprint as string;
    const planId = approve.planId as string;
    const state = await store.findings.get(fingerprint);
    expect(state?.message).toMatchObject({ channel: CHANNEL, ts: finding.ts });
    const request = await store.approvals.get(planId);
    expect(request).toMatchObject({
      status: 'pending',
      requester: REQUESTER,
      fingerprint,
      required: 1,
      requesterMayApprove: false,
    });

    // Second audit: a digest, no duplicate finding message.
    const count = slack.posted.length;
    await worker.handle(job('audit'));
    const second = slack.posted.slice(count);
    expect(second.some((p) => buttons(p).has(ACTION_IDS.approve))).toBe(false);
    expect(second[0]?.text).toMatch(/0 new/);

    // Approved (as the app's Approve button does), then the apply job.
    expect(
      (await store.approvals.approve({ id: planId, approver: APPROVER, now: new Date('2026-01-05T09:30:00Z') }))
        .outcome,
    ).toBe('approved');
    const n = slack.posted.length;
    await worker.handle(job('apply', { fingerprint, planId }, APPROVER));
    expect(ingress(adapter)).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 10.0.0.0/8']);
    const applied = slack.posted.slice(n);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ channel: CHANNEL, thread_ts: finding.ts });
    expect(applied[0]?.text).toMatch(/applied/i);
    const revertButton = buttons(applied[0] as Posted).get(ACTION_IDS.revert) as ButtonPayload;
    expect(revertButton.changeId).toMatch(/^chg-/);
    const trail = await store.trail.forTarget(planId);
    expect(trail.map((e) => [e.action, e.outcome])).toContainEqual(['apply', 'ok: applied']);
    const change = await store.changes.get(revertButton.changeId as string);
    expect(change).toMatchObject({ status: 'applied', actor: `slack:${APPROVER}` });

    // The next audit marks the finding's message resolved.
    await worker.handle(job('audit'));
    expect(slack.updated).toHaveLength(1);
    expect(slack.updated[0]).toMatchObject({ channel: CHANNEL, ts: finding.ts });
    expect(slack.updated[0]?.text).toMatch(/Resolved/);
    expect((await store.findings.get(fingerprint))?.status).toBe('resolved');

    // Revert restores the rule.
    const m = slack.posted.length;
    await approveRevert(store, revertButton.changeId as string);
    await worker.handle(job('revert', { changeId: revertButton.changeId, fingerprint }, APPROVER));
    expect(ingress(adapter)).toEqual(before);
    const reverted = slack.posted.slice(m);
    expect(reverted).toHaveLength(1);
    expect(reverted[0]?.text).toMatch(/revert/i);
    expect(reverted[0]?.thread_ts).toBe(finding.ts);
    expect((await store.trail.forTarget(revertButton.changeId as string)).map((e) => e.outcome)).toContain(
      'ok: reverted',
    );
    expect((await store.changes.list()).map((c) => [c.kind, c.status])).toEqual([
      ['apply', 'applied'],
      ['revert', 'reverted'],
    ]);
  });

  it('refuses an approved plan that no longer matches the live group', async () => {
    const { store, slack, adapter, worker } = await setup();
    await worker.handle(job('audit'));
    const approve = buttons(slack.posted.find((p) => buttons(p).has(ACTION_IDS.approve)) as Posted).get(
      ACTION_IDS.approve,
    ) as ButtonPayload;
    const planId = approve.planId as string;
    expect(
      (await store.approvals.approve({ id: planId, approver: APPROVER, now: new Date('2026-01-05T09:30:00Z') }))
        .outcome,
    ).toBe('approved');

    // Someone changes the group after the approval: the re-planned fix differs.
    // (the office range is now allowed already, so the fix would no longer add it).
    adapter.put(
      GROUP,
      rule({ protocol: 'tcp', ports: 22, peer: '203.0.113.0/24', description: 'office, added by hand' }),
    );
    const rules = ingress(adapter);
    const n = slack.posted.length;
    await worker.handle(job('apply', { fingerprint: approve.fingerprint, planId }, APPROVER));
    expect(ingress(adapter)).toEqual(rules);
    expect(adapter.mutations()).toHaveLength(0);
    const refused = slack.posted.slice(n);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.text).toMatch(/not applied.*changed since plan/i);
    expect((await store.trail.forTarget(planId)).map((e) => e.outcome)).toContain('refused: plan changed');
    expect((await store.approvals.get(planId))?.status).toBe('failed');
  });

  it('applies an approved plan once when the apply job comes twice (in turn and at once), and reverts once (in turn and at once)', async () => {
    for (const concurrently of [false, true]) {
      const { store, slack, adapter, worker } = await setup();
      const before = ingress(adapter);
      await worker.handle(job('audit'));
      const approve = buttons(slack.posted.find((p) => buttons(p).has(ACTION_IDS.approve)) as Posted).get(
        ACTION_IDS.approve,
      ) as ButtonPayload;
      const planId = approve.planId as string;
      expect(
        (await store.approvals.approve({ id: planId, approver: APPROVER, now: new Date('2026-01-05T09:30:00Z') }))
          .outcome,
      ).toBe('approved');

      // The same job twice: a duplicate click or a Slack retry (X-Slack-Retry-Num).
      const apply = job('apply', { fingerprint: approve.fingerprint, planId }, APPROVER);
      const n = slack.posted.length;
      if (concurrently) await Promise.all([worker.handle(apply), worker.handle({ ...apply })]);
      else {
        await worker.handle(apply);
        await worker.handle({ ...apply });
      }
      const mutations = adapter.mutations();
      expect(mutations.length).toBeGreaterThan(0);
      expect(mutations.filter((c) => c.op === 'add')).toHaveLength(1);
      expect(mutations.filter((c) => c.op === 'remove')).toHaveLength(1);
      expect(ingress(adapter)).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 10.0.0.0/8']);
      const applied = slack.posted.slice(n);
      expect(applied).toHaveLength(1);
      const changeId = buttons(applied[0] as Posted).get(ACTION_IDS.revert)?.changeId as string;
      expect(await store.approvals.get(planId)).toMatchObject({ status: 'applied', changeId });
      expect(
        (await store.trail.forTarget(planId))
          .map((e) => e.outcome)
          .filter((o) => o.startsWith('ok:') || o.startsWith('ignored:'))
          .sort(),
      ).toEqual(['ignored: already being applied / applied', 'ok: applied']);
      expect((await store.changes.list()).filter((c) => c.kind === 'apply')).toHaveLength(1);

      // Revert twice (in turn, or two jobs at once): one revert; the other changes nothing.
      const applyCalls = mutations.length;
      await approveRevert(store, changeId);
      const revert = job('revert', { changeId, fingerprint: approve.fingerprint }, APPROVER);
      if (concurrently) await Promise.all([worker.handle(revert), worker.handle({ ...revert })]);
      else await worker.handle(revert);
      expect(ingress(adapter)).toEqual(before);
      const revertCalls = adapter.mutations().length - applyCalls;
      expect(revertCalls).toBeGreaterThan(0);
      if (!concurrently) await worker.handle({ ...revert });
      expect(adapter.mutations().length - applyCalls).toBe(revertCalls);
      expect(ingress(adapter)).toEqual(before);
      expect((await store.changes.list()).map((c) => [c.kind, c.status])).toEqual([
        ['apply', 'applied'],
        ['revert', 'reverted'],
      ]);
      expect(await store.approvals.get(planId)).toMatchObject({ status: 'reverted', changeId });
      const outcomes = (await store.trail.forTarget(changeId)).map((e) => e.outcome).sort();
      expect(outcomes).toEqual(
        concurrently
          ? ['ignored: already being reverted / reverted', 'ok: reverted']
          : ['ok: reverted', 'refused: not applied (reverted)'],
      );
    }
  });

  it('keeps working with state an earlier version stored under legacy fingerprints and plan ids: message, old Approve and Revert buttons', async () => {
    const { store, slack, adapter, worker } = await setup();
    const before = ingress(adapter);
    // What the earlier version wrote for the SSH finding: its record and message, and an approved request for its plan.
    const group = (await readGroup(adapter, MEMORY_SCOPE, GROUP, normalize)) as SecurityGroup;
    const finding = auditEstate({ groups: [group], unparseable: [], scanErrors: [] }, config).findings.find(
      (f) => f.check === 'internet-admin-port',
    ) as Finding;
    const legacy = finding.legacyFingerprint as string;
    expect(legacy).toMatch(/^[0-9a-f]{12}$/);
    const plan = planFor(finding, group, config) as Plan;
    const legacyPlanId = planId(legacy, plan.operations);
    const { subject: _subject, legacyFingerprint: _legacy, ...old } = finding;
    await store.findings.recordSeen([{ ...old, fingerprint: legacy } as Finding], new Date('2026-01-01T00:00:00Z'), []);
    await store.findings.markPosted(legacy, CHANNEL, '1600000000.000001', new Date('2026-01-01T00:00:01Z'));
    await store.approvals.requestApproval({
      id: legacyPlanId,
      planId: legacyPlanId,
      fingerprint: legacy,
      requester: REQUESTER,
      required: 1,
      now: new Date('2026-01-01T00:00:02Z'),
    });
    expect(
      (await store.approvals.approve({ id: legacyPlanId, approver: APPROVER, now: new Date('2026-01-01T00:00:03Z') }))
        .outcome,
    ).toBe('approved');

    // The audit takes the old record over: not posted again, not marked resolved.
    await worker.handle(job('audit'));
    expect(slack.posted.some((p) => buttons(p).has(ACTION_IDS.approve))).toBe(false);
    expect(slack.updated).toEqual([]);
    expect(await store.findings.get(legacy)).toMatchObject({
      fingerprint: finding.fingerprint,
      firstSeen: '2026-01-01T00:00:00.000Z',
      message: { ts: '1600000000.000001' },
    });

    // The old Approve button (legacy fingerprint and plan id) applies, in the old message's thread.
    const n = slack.posted.length;
    await worker.handle(job('apply', { fingerprint: legacy, planId: legacyPlanId }, APPROVER));
    expect(ingress(adapter)).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 10.0.0.0/8']);
    const applied = slack.posted.slice(n);
    expect(applied[0]).toMatchObject({ channel: CHANNEL, thread_ts: '1600000000.000001' });
    const changeId = buttons(applied[0] as Posted).get(ACTION_IDS.revert)?.changeId as string;
    expect(await store.approvals.get(legacyPlanId)).toMatchObject({ status: 'applied', changeId });

    // Its Revert button reverts, and the finding is open again on the old message.
    await approveRevert(store, changeId);
    await worker.handle(job('revert', { changeId, fingerprint: legacy }, APPROVER));
    expect(ingress(adapter)).toEqual(before);
    expect(await store.approvals.get(legacyPlanId)).toMatchObject({ status: 'reverted' });
    expect(await store.findings.get(legacy)).toMatchObject({ fingerprint: finding.fingerprint, status: 'open' });
  });

  it('a suppressed finding stays quiet until it exposes more than was accepted, then is posted again as widened since suppressed', async () => {
    const { store, slack, adapter, worker } = await setup();
    await worker.handle(job('audit'));
    const fingerprint = buttons(slack.posted.find((p) => buttons(p).has(ACTION_IDS.approve)) as Posted).get(
      ACTION_IDS.approve,
    )?.fingerprint as string;
    await worker.handle(job('suppress', { fingerprint, durationSeconds: 30 * 86_400, reason: 'bastion next sprint' }));
    await approveSuppression(store, slack);
    expect((await store.suppressions.activeSuppressions(new Date('2026-01-05T10:00:00Z')))[0]?.accepted).toEqual({
      'tcp ipv4': expect.stringMatching(/^\d+$/),
    });

    const n = slack.posted.length;
    await worker.handle(job('audit'));
    expect(slack.posted.slice(n).some((p) => buttons(p).has(ACTION_IDS.approve))).toBe(false);

    // SSH is now open over IPv6 as well: wider than what was accepted.
    adapter.put(GROUP, rule({ protocol: 'tcp', ports: 22, peer: '::/0', description: 'ssh over ipv6' }));
    const m = slack.posted.length;
    await worker.handle(job('audit'));
    const again = slack.posted.slice(m).filter((p) => buttons(p).has(ACTION_IDS.approve));
    expect(again).toHaveLength(1);
    expect(buttons(again[0] as Posted).get(ACTION_IDS.approve)?.fingerprint).toBe(fingerprint);
    expect(JSON.stringify(again[0]?.blocks)).toContain('widened since suppressed');
  });

  it('refuses to apply a plan without a completed approval', async () => {
    const { slack, adapter, worker, responses } = await setup();
    await worker.handle(job('audit'));
    const approve = buttons(slack.posted.find((p) => buttons(p).has(ACTION_IDS.approve)) as Posted).get(
      ACTION_IDS.approve,
    ) as ButtonPayload;
    await worker.handle(job('apply', { fingerprint: approve.fingerprint, planId: approve.planId }, APPROVER));
    expect(adapter.mutations()).toHaveLength(0);
    expect(String(responses.at(-1)?.body['text'])).toMatch(/no completed approval/);
  });

  it('answers findings, show and help through response_url, and reports failures without secrets', async () => {
    const { worker, adapter, responses, slack } = await setup();
    await worker.handle(job('findings', { severity: 'critical' }));
    await worker.handle(job('show', { groupId: GROUP }));
    await worker.handle(job('help' as WardenJob['kind']));
    expect(responses).toHaveLength(3);
    expect(responses.every((r) => r.body['response_type'] === 'ephemeral')).toBe(true);
    expect(String(responses[1]?.body['text'])).toContain(GROUP);
    expect(String(responses[1]?.body['text'])).toContain(
      '*Interfaces*\n• not known: the interfaces of this scope were not read',
    );
    expect(String(responses[2]?.body['text'])).toMatch(/Usage/);

    // A scope that cannot be read: a partial digest, its error text masked.
    adapter.fail('read', { message: 'AuthFailure: token=xoxb-123-secret AKIAABCDEFGHIJKLMNOP rejected' });
    await expect(worker.handle(job('audit'))).resolves.toBeUndefined();
    const digest = JSON.stringify(slack.posted.at(-1));
    expect(digest).toContain('Partial audit');
    expect(digest).not.toContain('xoxb-123');
    expect(digest).not.toContain('AKIAABCDEFGHIJKLMNOP');
  });

  it('show judges the interfaces carrying the group with every group they carry, and names one it cannot find', async () => {
    const { worker, adapter, responses } = await setup();
    const OTHER = 'sg-0f0e0d0c0b0a09080';
    adapter.groups.push({ id: OTHER, name: 'rdp', vpcId: 'vpc-1', description: 'rdp', rules: [] });
    adapter.put(OTHER, rule({ protocol: 'tcp', ports: 3389, peer: '0.0.0.0/0', description: 'rdp from anywhere' }));
    const eni = (id: string, groups: string[]) => ({
      NetworkInterfaceId: id,
      VpcId: 'vpc-1',
      Groups: groups.map((GroupId) => ({ GroupId })),
      Association: { PublicIp: '198.51.100.7', IpOwnerId: 'amazon' },
      Attachment: { InstanceId: `i-${id}` },
    });
    adapter.interfaces = [eni('eni-1', [GROUP, OTHER])];
    await worker.handle(job('show', { groupId: GROUP }));
    const shown = String(responses.at(-1)?.body['text']);
    expect(shown).toContain('Port 3389 (RDP) is open to the Internet on a public interface');
    expect(shown).toContain('Port 22 (SSH) is open to the Internet on a public interface');
    expect(shown).not.toContain('not evaluated');

    adapter.interfaces = [eni('eni-2', [GROUP, 'sg-0000000000000dead'])];
    await worker.handle(job('show', { groupId: GROUP }));
    expect(String(responses.at(-1)?.body['text'])).toContain(
      '• 1 interface not evaluated (never judged on fewer groups than it carries):\n    ◦ group sg-0000000000000dead is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read): 1 interface',
    );
  });

  it('an audit whose region or group matches nothing says so, and posts no clean digest', async () => {
    const { worker, responses, slack } = await setup();
    await worker.handle(job('audit', { region: 'eu-west-9' }));
    await worker.handle(job('audit', { group: 'sg-0000000000000000f' }));
    expect(slack.posted).toEqual([]);
    expect(responses.map((r) => String(r.body['text']))).toEqual([
      ':x: Warden could not complete `audit`: no configured scope matches `eu-west-9`: nothing was audited',
      ':x: Warden could not complete `audit`: group `sg-0000000000000000f` is not in the scopes read: nothing was audited',
    ]);
  });

  it('reports a failing job to the person instead of throwing', async () => {
    const { store } = await setup();
    const responses: Record<string, unknown>[] = [];
    const worker = createWorker({
      config,
      store,
      client: fakeSlack(),
      adapters: async () => {
        throw new Error('could not assume role: SecretAccessKey=abcd1234 xoxb-999-secret\nstack line');
      },
      postToResponseUrl: async (_url, body) => {
        responses.push(body);
      },
    });
    await expect(worker.handle(job('audit'))).resolves.toBeUndefined();
    expect(responses).toHaveLength(1);
    const text = String(responses[0]?.['text']);
    expect(text).toMatch(/could not complete `audit`: could not assume role/);
    expect(text).not.toContain('abcd1234');
    expect(text).not.toContain('xoxb-999');
    expect(text).not.toContain('stack line');
    expect(safeErrorText(new Error('secret_access_key="abc" and xoxp-1-2'))).toBe(
      'secret_access_key=[redacted] and [redacted]',
    );
  });
});

describe('slack worker: fingerprint prefixes', () => {
  it('`/warden suppress <prefix>` suppresses the one finding the prefix names (its whole fingerprint), and refuses a prefix that names none', async () => {
    const { worker, store, responses, slack } = await setup();
    await worker.handle(job('audit'));
    const posted = slack.posted.find((p) => buttons(p).has(ACTION_IDS.approve)) as Posted;
    const fingerprint = buttons(posted).get(ACTION_IDS.approve)?.fingerprint as string;
    await worker.handle(
      job('suppress', { fingerprint: fingerprint.slice(0, 8), durationSeconds: 86_400, reason: 'known' }),
    );
    await approveSuppression(store, slack);
    expect(
      (await store.suppressions.activeSuppressions(new Date('2026-01-05T09:00:00.000Z'))).map((s) => s.target),
    ).toEqual([{ fingerprint }]);
    await worker.handle(job('suppress', { fingerprint: '00000000', durationSeconds: 86_400, reason: 'none' }));
    expect(String(responses.at(-1)?.body['text'])).toMatch(/finding 00000000: not in this audit/);
  });
});
