import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApplyHandler } from '../functions/apply.ts';
import type { Runtime } from '../functions/lib/runtime.ts';
import { createSlackHandler } from '../functions/slack.ts';
import { configSchema } from '../src/config/schema.ts';
import { contentKey, ruleSignature } from '../src/model/rule-signature.ts';
import type { Rule, SecurityGroup } from '../src/model/types.ts';
import { applyPlan, readGroup, resumeChange, revertChange } from '../src/remediation/apply.ts';
import { normalizeScope as normalize } from '../adapters/live-estate.ts';
import type { ChangeRecord, NewRule, Plan } from '../src/model/change.ts';
import { ACTION_IDS, encodeButtonValue, parseButtonValue } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { resumeMessage } from '../src/slack/blocks.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { Worker } from '../src/slack/worker.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { revertRequestId } from '../src/store/state.ts';
import type { StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import { scheduledEvent } from './support/lambda-events.ts';
import { buttonClickBody, signedHttpApiEvent } from './support/slack-events.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { Dynalite } from './support/dynalite.ts';
import type { ChangeStore } from '../src/ports/changes.ts';
import { rule } from './support/build.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import type { MemoryAdapter } from './support/memory-adapter.ts';

// Issue 12, section 5: a fix whose process dies half-way is recoverable. The process "dies" as a
// Lambda does: a cloud call that never returns, after which nothing of the apply runs again.

const GROUP = 'sg-0a1b2c3d4e5f60718';
const scope = MEMORY_SCOPE;
const sshWorld = rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh' });
const httpsWorld = rule({ protocol: 'tcp', ports: 443, peer: '0.0.0.0/0', description: 'https' });
const { native: _native, ...sshOffice } = rule({
  protocol: 'tcp',
  ports: 22,
  peer: '203.0.113.0/24',
  description: 'office',
});

let dir: string;
let store: ChangeStore;
let adapter: MemoryAdapter;
let sshId: string;
let t: number;
const clock = () => new Date((t += 1000));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-recover-'));
  store = createFileChangeStore(dir);
  adapter = createMemoryAdapter([{ id: GROUP, name: 'web', vpcId: 'vpc-1', description: 'web servers' }]);
  sshId = adapter.put(GROUP, sshWorld);
  adapter.put(GROUP, httpsWorld);
  t = Date.parse('2025-03-01T10:00:00.000Z');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function live(): Promise<SecurityGroup> {
  const group = await readGroup(adapter, scope, GROUP, normalize);
  if (!group) throw new Error('group not found');
  return group;
}

function contents(rules: readonly Rule[]): string[] {
  return rules.map(contentKey).sort();
}

function replaceSsh(group: SecurityGroup, replacement: NewRule = sshOffice): Plan {
  const old = group.rules.find((r) => r.native.ruleId === sshId) as Rule;
  const signature = ruleSignature(old, true);
  return {
    id: `plan-${sshId}`,
    finding: {
      fingerprint: 'fp-recover',
      check: 'internet-admin-port',
      title: 'SSH open to the Internet',
      severity: 'high',
    },
    target: { provider: 'aws', account: scope.account, region: scope.region, groupId: GROUP, groupName: 'web' },
    operations: [
      { op: 'add', rule: replacement, label: 'office' },
      { op: 'remove', ruleId: sshId, signature, rule: old },
    ],
    preconditions: [{ ruleId: sshId, signature }],
    resolves: ['fp-recover'],
    summary: 'SSH only from the office',
    notes: [],
    diff: ['- tcp/22 from 0.0.0.0/0', '+ tcp/22 from 203.0.113.0/24 (office)'],
  };
}

/** The adapter, but its removeRule never returns (the process dies there); `atRemove` settles when it is called. */
function dyingAtRemove(live: MemoryAdapter): { adapter: MemoryAdapter; atRemove: Promise<void> } {
  let reached: () => void = () => undefined;
  const atRemove = new Promise<void>((resolve) => (reached = resolve));
  const removeRule = () => {
    reached();
    return new Promise<void>(() => undefined);
  };
  return { adapter: { ...live, removeRule }, atRemove };
}

/** Starts the apply and lets it die at the remove. Answers the record as the store holds it then. */
async function applyDyingAtRemove(plan: Plan): Promise<ChangeRecord> {
  const dying = dyingAtRemove(adapter);
  void applyPlan({
    adapter: dying.adapter,
    normalize,
    scope,
    plan,
    store,
    actor: 'slack:U1',
    now: clock,
    verify: () => true,
  });
  await dying.atRemove;
  const records = await store.list();
  expect(records).toHaveLength(1);
  return records[0] as ChangeRecord;
}

describe('attack: the apply dies between the add and the remove', () => {
  it('the record left in progress names the added rule, and revert restores exactly the pre-image', async () => {
    const before = await live();
    const record = await applyDyingAtRemove(replaceSsh(before));
    const added = (await live()).rules.find(
      (r) => r.native.ruleId !== sshId && contentKey(r) === contentKey(sshOffice),
    );
    expect(added).toBeDefined();
    expect(record.addedRuleIds).toEqual([added?.native.ruleId]);

    const revert = await revertChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'slack:U2',
      now: clock,
    });

    expect(revert.messages[0]).toMatch(/^reverted /);
    expect(revert.status).toBe('reverted');
    const after = await live();
    expect(contents(after.rules)).toEqual(contents(before.rules));
    expect(after.rules.map((r) => r.native.ruleId).sort()).toEqual(before.rules.map((r) => r.native.ruleId).sort());
  });

  it('the process dies after the add but before its record is updated: revert still removes the added rule', async () => {
    const before = await live();
    let saves = 0;
    let reached: () => void = () => undefined;
    const atSecondSave = new Promise<void>((resolve) => (reached = resolve));
    const dyingStore: ChangeStore = {
      ...store,
      save: async (record) => {
        if (++saves === 1) return store.save(record);
        reached();
        return new Promise<void>(() => undefined);
      },
    };
    void applyPlan({
      adapter,
      normalize,
      scope,
      plan: replaceSsh(before),
      store: dyingStore,
      actor: 'slack:U1',
      now: clock,
      verify: () => true,
    });
    await atSecondSave;
    const [record] = await store.list();
    expect(record).toMatchObject({ inProgress: true, addedRuleIds: [] });
    expect((await live()).rules).toHaveLength(3);

    const revert = await revertChange({
      adapter,
      normalize,
      scope,
      change: record as ChangeRecord,
      store,
      actor: 'slack:U2',
      now: clock,
    });

    expect(revert.status).toBe('reverted');
    expect(revert.messages).toContainEqual(
      expect.stringMatching(/was not there before and is what the plan adds: taken as added by the interrupted call$/),
    );
    expect(contents((await live()).rules)).toEqual(contents(before.rules));
  });

  it('a rule someone else changed meanwhile makes the revert refuse, naming it, and changes nothing', async () => {
    const before = await live();
    const record = await applyDyingAtRemove(replaceSsh(before));
    const https = before.rules.find((r) => r.native.ruleId !== sshId) as Rule;
    adapter.drop(GROUP, https.native.ruleId);
    const mutations = adapter.mutations().length;

    const revert = await revertChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'slack:U2',
      now: clock,
    });

    expect(revert.status).toBe('refused');
    expect(revert.messages[0]).toBe(
      `refused: group ${GROUP} differs from what the interrupted ${record.changeId} left; reverting would undo those changes too. Nothing was changed. The differences:`,
    );
    expect(revert.messages[1]).toMatch(new RegExp(`^rule ${https.native.ruleId} .* was removed$`));
    expect(adapter.mutations()).toHaveLength(mutations);
  });
});

describe('attack: an apply that died is left half-done (resume completes or undoes it)', () => {
  it('completes the change when the group is as the plan expects plus what was done, without adding twice', async () => {
    const before = await live();
    const record = await applyDyingAtRemove(replaceSsh(before));
    const adds = adapter.mutations().filter((c) => c.op === 'add').length;

    const resumed = await resumeChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'slack:U2',
      now: clock,
      verify: () => true,
    });

    expect(resumed.outcome).toBe('completed');
    expect(resumed.record).toMatchObject({
      changeId: record.changeId,
      status: 'applied',
      addedRuleIds: record.addedRuleIds,
      removedRuleIds: [sshId],
    });
    expect(resumed.record.inProgress).toBeUndefined();
    expect(resumed.record.messages).toContainEqual(
      expect.stringMatching(/^resumed by slack:U2 at .*Z: completed the change the interrupted apply began$/),
    );
    expect(adapter.mutations().filter((c) => c.op === 'add')).toHaveLength(adds);
    const after = await live();
    expect(after.rules.map((r) => r.native.ruleId)).not.toContain(sshId);
    expect(contents(after.rules)).toEqual(
      contents([httpsWorld, { ...sshOffice, native: { ruleId: '', derivedId: false, raw: null } }]),
    );
    expect(await store.get(record.changeId)).toEqual(resumed.record);
  });

  it('undoes what was done when the group no longer matches the plan, and says why', async () => {
    const before = await live();
    const record = await applyDyingAtRemove(replaceSsh(before));
    adapter.modify(GROUP, sshId, rule({ protocol: 'tcp', ports: 22, peer: '198.51.100.0/24', description: 'ssh' }));

    const resumed = await resumeChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'slack:U2',
      now: clock,
      verify: () => true,
    });

    expect(resumed.outcome).toBe('undone');
    expect(resumed.record.status).toBe('rolled-back');
    expect(resumed.record.messages).toContainEqual(
      expect.stringMatching(
        /^resumed by slack:U2 at .*Z: the group no longer matches the plan plus what was done, so what was done is undone$/,
      ),
    );
    expect(resumed.record.messages.some((m) => m.startsWith(`rule ${sshId} changed from `))).toBe(true);
    const after = await live();
    expect(after.rules.map((r) => r.native.ruleId).sort()).toEqual(before.rules.map((r) => r.native.ruleId).sort());
  });

  it('leaves a finished record alone', async () => {
    const record = await applyPlan({
      adapter,
      normalize,
      scope,
      plan: replaceSsh(await live()),
      store,
      actor: 'slack:U1',
      now: clock,
      verify: () => true,
    });
    const resumed = await resumeChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'slack:U2',
      now: clock,
    });
    expect(resumed).toEqual({ outcome: 'left', record, reason: `${record.changeId} is not an apply left in progress` });
  });
});

// The same, through the real worker: the apply job's process dies at the remove, leaving the
// approval in `applying`; state in dynalite, Slack a recording fake.

const CHANNEL = 'C0SECURITY';
const APPROVER = 'UAPPROVER1';
const workerConfig = configSchema.parse({
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

let db: Dynalite;
let tables = 0;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

interface Stuck {
  state: StateStore;
  worker: Worker;
  posted: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }[];
  /** What the worker answered through response_url. */
  responses: Record<string, unknown>[];
  planId: string;
  fingerprint: string;
  /** Moves the worker's clock on. */
  wait(ms: number): void;
  applyJob(): WardenJob;
}

/** How the worker's next cloud work goes: as it should, dying at the remove, or dying before any cloud call. */
type Fate = 'live' | 'dies-at-remove' | 'dies-before-any-call';

interface Harness extends Stuck {
  /** What the next cloud work does; settles once the process has died. */
  doom(fate: Exclude<Fate, 'live'>): Promise<void>;
  job(kind: WardenJob['kind'], args: WardenJob['args'], user: string): WardenJob;
}

/** A worker on dynalite and the memory adapter that has audited the group and whose fix is approved. */
async function approvedFix(): Promise<Harness> {
  const tableName = `warden-recover-${++tables}`;
  await ensureTable(db.client, tableName);
  const state = createDynamoStateStore({ tableName, client: db.client });
  const posted: Stuck['posted'] = [];
  const responses: Record<string, unknown>[] = [];
  let n = 0;
  const slack = {
    chat: {
      async postMessage(args: Stuck['posted'][number]) {
        posted.push(args);
        return { ts: `1700000000.${String(++n).padStart(6, '0')}` };
      },
      async update() {
        return {};
      },
    },
  };
  let now = Date.parse('2026-01-05T09:00:00.000Z');
  let fate: Fate = 'live';
  let dying = dyingAtRemove(adapter);
  let died: () => void = () => undefined;
  const worker = createWorker({
    config: workerConfig,
    store: state,
    client: slack,
    adapters: async () => {
      if (fate === 'dies-before-any-call') {
        died();
        return new Promise<never>(() => undefined);
      }
      return [fate === 'dies-at-remove' ? dying.adapter : adapter];
    },
    postToResponseUrl: async (_url, body) => void responses.push(body),
    now: () => new Date((now += 1000)),
  });
  let jobs = 0;
  const job = (kind: WardenJob['kind'], args: WardenJob['args'], user: string): WardenJob => ({
    kind,
    args,
    user,
    channel: CHANNEL,
    responseUrl: `http://127.0.0.1:9/response/${++jobs}`,
    requestId: `recover:${jobs}`,
  });
  await worker.handle(job('audit', {}, 'UREQUESTER'));
  const message = posted.find((p) => (p.blocks ?? []).some((b) => JSON.stringify(b).includes(ACTION_IDS.approve)));
  const approve = approveButton(message?.blocks ?? []);
  const planId = approve.planId as string;
  const fingerprint = approve.fingerprint as string;
  expect((await state.approvals.approve({ id: planId, approver: APPROVER, now: new Date(now) })).outcome).toBe(
    'approved',
  );
  const apply = job('apply', { fingerprint, planId }, APPROVER);
  const doom = async (next: Exclude<Fate, 'live'>): Promise<void> => {
    dying = dyingAtRemove(adapter);
    const before = new Promise<void>((resolve) => (died = resolve));
    fate = next;
    await (next === 'dies-at-remove' ? dying.atRemove : before);
    fate = 'live';
  };
  return {
    state,
    worker,
    posted,
    responses,
    planId,
    fingerprint,
    wait: (ms) => void (now += ms),
    applyJob: () => ({ ...apply }),
    doom,
    job,
  };
}

/** Audit, approve, and an apply job whose process dies at the remove: the approval is left `applying`. */
async function stuckApply(): Promise<Harness> {
  const fix = await approvedFix();
  const died = fix.doom('dies-at-remove');
  void fix.worker.handle(fix.applyJob());
  await died;
  expect((await fix.state.approvals.get(fix.planId))?.status).toBe('applying');
  return fix;
}

function buttonOf(blocks: unknown[], actionId: ActionId): ButtonPayload {
  for (const block of blocks as { type: string; elements?: { type: string; action_id?: string; value?: string }[] }[]) {
    for (const element of block.elements ?? []) {
      if (element.action_id === actionId) return parseButtonValue(element.value, actionId);
    }
  }
  throw new Error(`no ${actionId} button`);
}

function approveButton(blocks: unknown[]): ButtonPayload {
  return buttonOf(blocks, ACTION_IDS.approve);
}

function ingress(): string[] {
  const group = adapter.groups.find((g) => g.id === GROUP);
  return (group?.rules ?? [])
    .filter((r) => r['IsEgress'] === false)
    .map((r) => `${String(r['IpProtocol'])} ${String(r['FromPort'])} ${String(r['CidrIpv4'] ?? '')}`)
    .sort();
}

describe('attack: the apply Lambda dies half-way and the approval is stuck in applying', () => {
  it('the redelivered apply job, after 15 minutes, resumes and completes the change and posts so', async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    expect(record).toMatchObject({ inProgress: true });
    stuck.wait(16 * 60_000);
    const n = stuck.posted.length;

    await stuck.worker.handle(stuck.applyJob());

    expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
    expect(await stuck.state.approvals.get(stuck.planId)).toMatchObject({
      status: 'applied',
      changeId: record?.changeId,
    });
    expect(await stuck.state.changes.get(record?.changeId as string)).toMatchObject({
      status: 'applied',
      removedRuleIds: [sshId],
    });
    expect(stuck.posted.slice(n)[0]?.text).toBe(
      `:arrow_forward: The fix interrupted part-way (\`${record?.changeId}\`) was resumed and completed: the group still matched the plan and what had been done.`,
    );
    expect((await stuck.state.trail.forTarget(stuck.planId)).map((e) => e.outcome)).toContain('ok: completed');
  });

  it('within 15 minutes (the apply may still be running) a new click changes nothing and offers Resume; Resume after 15 minutes completes the fix', async () => {
    const stuck = await stuckApply();
    const rules = ingress();
    stuck.wait(5 * 60_000);
    await stuck.worker.handle(stuck.applyJob());
    expect(ingress()).toEqual(rules);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('applying');
    const answer = stuck.responses.at(-1) as { text: string; blocks: unknown[] };
    expect(answer.text).toMatch(
      /^Not applied again: this fix is being applied since .* UTC\. If that apply died, Warden resumes it on its own after .* UTC, or an approver can press Resume then\.$/,
    );
    const resume = buttonOf(answer.blocks, ACTION_IDS.resume);
    expect(resume).toEqual({ action: ACTION_IDS.resume, fingerprint: stuck.fingerprint, planId: stuck.planId });

    // The Resume button enqueues the apply job again (src/slack/app.ts, approvers only).
    stuck.wait(16 * 60_000);
    await stuck.worker.handle({
      ...stuck.applyJob(),
      args: { fingerprint: resume.fingerprint, planId: resume.planId },
    });
    expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('applied');
  });

  it('an apply that finished its record but died before the approval said so ends applied, under its change, with no cloud call', async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    await resumeChange({
      adapter,
      normalize,
      scope,
      change: record as ChangeRecord,
      store: stuck.state.changes,
      actor: 'slack:U1',
      verify: () => true,
    });
    stuck.wait(16 * 60_000);
    const calls = adapter.mutations().length;

    await stuck.worker.handle(stuck.applyJob());

    expect(await stuck.state.approvals.get(stuck.planId)).toMatchObject({
      status: 'applied',
      changeId: record?.changeId,
    });
    expect(adapter.mutations()).toHaveLength(calls);
  });

  it('the schedule tick undoes what was done when the group no longer matches, and posts so', async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    adapter.modify(GROUP, sshId, rule({ protocol: 'tcp', ports: 22, peer: '198.51.100.0/24', description: 'ssh' }));
    stuck.wait(16 * 60_000);
    const n = stuck.posted.length;

    expect(await stuck.worker.recoverStuckApplies()).toEqual([stuck.planId]);

    expect(ingress()).toEqual(['tcp 22 198.51.100.0/24', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('failed');
    expect(stuck.posted.slice(n)[0]?.text).toBe(
      `:rewind: The fix interrupted part-way (\`${record?.changeId}\`) was undone: the group no longer matched the plan and what had been done (rolled-back).`,
    );
    expect(await stuck.worker.recoverStuckApplies()).toEqual([]);
  });
});

describe('attack: the apply Lambda dies and no job is redelivered, nobody presses Resume', () => {
  it("the apply function's schedule tick (an EventBridge scheduled event to the real handler) completes the fix after 15 minutes, and only then", async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    const handler = createApplyHandler({
      runtime: async () =>
        ({
          worker: stuck.worker,
          useCases: stuck.worker,
          store: stuck.state,
          config: workerConfig,
        }) as unknown as Runtime,
    });
    const rules = ingress();

    stuck.wait(5 * 60_000);
    expect(await handler(scheduledEvent(new Date('2026-01-05T09:05:00Z')))).toEqual({ recovered: [] });
    expect(ingress()).toEqual(rules);

    stuck.wait(16 * 60_000);
    expect(await handler(scheduledEvent(new Date('2026-01-05T09:21:00Z')))).toEqual({ recovered: [stuck.planId] });
    expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
    expect(await stuck.state.approvals.get(stuck.planId)).toMatchObject({
      status: 'applied',
      changeId: record?.changeId,
    });
    expect(stuck.posted.map((p) => p.text)).toContain(
      `:arrow_forward: The fix interrupted part-way (\`${record?.changeId}\`) was resumed and completed: the group still matched the plan and what had been done.`,
    );
    expect(await handler(scheduledEvent(new Date('2026-01-05T09:36:00Z')))).toEqual({ recovered: [] });
  });
});

/** A fix applied, its revert approved, and a revert job whose process dies: the fix is left `reverting`. */
async function stuckRevert(
  fate: 'dies-at-remove' | 'dies-before-any-call',
): Promise<Harness & { change: ChangeRecord; revertJob(): WardenJob }> {
  const fix = await approvedFix();
  await fix.worker.handle(fix.applyJob());
  const change = (await fix.state.changes.list()).find(
    (r) => r.kind === 'apply' && r.status === 'applied',
  ) as ChangeRecord;
  expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
  const revertId = revertRequestId(change.changeId);
  await fix.state.approvals.requestApproval({
    id: revertId,
    planId: fix.planId,
    fingerprint: fix.fingerprint,
    requester: 'UREQUESTER',
    required: 1,
    now: new Date('2026-01-05T09:00:00.100Z'),
  });
  expect(
    (await fix.state.approvals.approve({ id: revertId, approver: APPROVER, now: new Date('2026-01-05T09:00:00.200Z') }))
      .outcome,
  ).toBe('approved');
  const revert = fix.job('revert', { changeId: change.changeId, fingerprint: fix.fingerprint }, APPROVER);
  const died = fix.doom(fate);
  void fix.worker.handle(revert);
  await died;
  expect((await fix.state.approvals.get(fix.planId))?.status).toBe('reverting');
  expect((await fix.state.approvals.get(revertId))?.status).toBe('applying');
  return { ...fix, change, revertJob: () => ({ ...revert }) };
}

describe('attack: the revert Lambda dies between its calls and the fix is stuck in reverting', () => {
  it('the redelivered revert job, after 15 minutes, resumes the revert from its record and completes it, and posts so', async () => {
    const stuck = await stuckRevert('dies-at-remove');
    const record = (await stuck.state.changes.list()).find((r) => r.kind === 'revert') as ChangeRecord;
    expect(record).toMatchObject({ inProgress: true, reverts: stuck.change.changeId });
    expect(record.addedRuleIds).toHaveLength(1);
    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
    stuck.wait(16 * 60_000);
    const n = stuck.posted.length;
    const adds = adapter.mutations().filter((c) => c.op === 'add').length;

    await stuck.worker.handle(stuck.revertJob());

    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect(adapter.mutations().filter((c) => c.op === 'add')).toHaveLength(adds);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('reverted');
    expect((await stuck.state.approvals.get(revertRequestId(stuck.change.changeId)))?.status).toBe('applied');
    expect(await stuck.state.changes.get(record.changeId)).toMatchObject({
      status: 'reverted',
      addedRuleIds: record.addedRuleIds,
    });
    expect((await stuck.state.changes.get(record.changeId))?.inProgress).toBeUndefined();
    expect(stuck.posted.slice(n)[0]?.text).toBe(
      `:arrow_forward: The revert interrupted part-way (\`${record.changeId}\`) was resumed and completed: the group still matched what it found and what had been done.`,
    );
  });

  it('within 15 minutes a new Revert changes nothing and offers Resume; Resume after 15 minutes completes the revert, with no new approval', async () => {
    const stuck = await stuckRevert('dies-at-remove');
    const rules = ingress();
    stuck.wait(5 * 60_000);
    await stuck.worker.handle(stuck.revertJob());
    expect(ingress()).toEqual(rules);
    const answer = stuck.responses.at(-1) as { text: string; blocks: unknown[] };
    expect(answer.text).toMatch(
      /^Not reverted again: this fix is being reverted since .* UTC\. If that revert died, Warden resumes it on its own after .* UTC, or an approver can press Resume then\.$/,
    );
    const resume = buttonOf(answer.blocks, ACTION_IDS.resume);
    expect(resume).toEqual({ action: ACTION_IDS.resume, fingerprint: stuck.fingerprint, planId: stuck.planId });

    // The Resume button queues an apply job for the plan (src/slack/app.ts, approvers only): the stuck revert is what it recovers.
    stuck.wait(16 * 60_000);
    await stuck.worker.handle(stuck.job('apply', { fingerprint: stuck.fingerprint, planId: stuck.planId }, APPROVER));
    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('reverted');
  });

  it("the apply function's schedule tick undoes what the revert did when the group changed meanwhile, leaves the fix applied, and posts so", async () => {
    const stuck = await stuckRevert('dies-at-remove');
    const record = (await stuck.state.changes.list()).find((r) => r.kind === 'revert') as ChangeRecord;
    const https = (await live()).rules.find((r) => contentKey(r) === contentKey(httpsWorld)) as Rule;
    adapter.modify(
      GROUP,
      https.native.ruleId,
      rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8', description: 'https' }),
    );
    stuck.wait(16 * 60_000);
    const n = stuck.posted.length;
    const handler = createApplyHandler({
      runtime: async () =>
        ({
          worker: stuck.worker,
          useCases: stuck.worker,
          store: stuck.state,
          config: workerConfig,
        }) as unknown as Runtime,
    });

    expect(await handler(scheduledEvent(new Date('2026-01-05T09:21:00Z')))).toEqual({ recovered: [stuck.planId] });

    expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 10.0.0.0/8']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('applied');
    expect((await stuck.state.approvals.get(revertRequestId(stuck.change.changeId)))?.status).toBe('failed');
    expect((await stuck.state.changes.get(record.changeId))?.status).toBe('rolled-back');
    expect(stuck.posted.slice(n)[0]?.text).toBe(
      `:rewind: The revert interrupted part-way (\`${record.changeId}\`) was undone: the group no longer matched what it found and what had been done (rolled-back).`,
    );
    expect(await handler(scheduledEvent(new Date('2026-01-05T09:36:00Z')))).toEqual({ recovered: [] });
  });

  it('a revert that died between claiming its request and claiming the fix changed nothing: the next Revert delivery ends that request, and a newly approved Revert goes ahead', async () => {
    const fix = await approvedFix();
    await fix.worker.handle(fix.applyJob());
    const change = (await fix.state.changes.list()).find((r) => r.kind === 'apply') as ChangeRecord;
    const revertId = revertRequestId(change.changeId);
    const approveRevert = async (at: string) => {
      await fix.state.approvals.requestApproval({
        id: revertId,
        planId: fix.planId,
        fingerprint: fix.fingerprint,
        requester: 'UREQUESTER',
        required: 1,
        now: new Date(at),
      });
      expect((await fix.state.approvals.approve({ id: revertId, approver: APPROVER, now: new Date(at) })).outcome).toBe(
        'approved',
      );
    };
    await approveRevert('2026-01-05T09:00:00.100Z');
    expect(
      await fix.state.approvals.transition({
        id: revertId,
        from: 'approved',
        to: 'applying',
        now: new Date('2026-01-05T09:00:00.300Z'),
      }),
    ).toBe(true);
    fix.wait(16 * 60_000);

    await fix.worker.handle(fix.job('revert', { changeId: change.changeId, fingerprint: fix.fingerprint }, APPROVER));
    expect(String(fix.responses.at(-1)?.['text'])).toBe(
      `Not reverted: the revert of \`${change.changeId}\` approved earlier never started (its process died); press Revert again to approve a new one.`,
    );
    expect((await fix.state.approvals.get(revertId))?.status).toBe('failed');
    expect(ingress()).toEqual(['tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);

    await approveRevert('2026-01-05T09:20:00.000Z');
    await fix.worker.handle(fix.job('revert', { changeId: change.changeId, fingerprint: fix.fingerprint }, APPROVER));
    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect((await fix.state.approvals.get(fix.planId))?.status).toBe('reverted');
  });

  it('a revert that died before its first cloud call (no record) is made afresh by the schedule tick', async () => {
    const stuck = await stuckRevert('dies-before-any-call');
    expect((await stuck.state.changes.list()).filter((r) => r.kind === 'revert')).toEqual([]);
    stuck.wait(16 * 60_000);

    expect(await stuck.worker.recoverStuckApplies()).toEqual([stuck.planId]);

    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('reverted');
    expect((await stuck.state.approvals.get(revertRequestId(stuck.change.changeId)))?.status).toBe('applied');
    expect((await stuck.state.changes.list()).filter((r) => r.kind === 'revert').map((r) => r.status)).toEqual([
      'reverted',
    ]);
  });
});

/** Slack's request for an approver's Revert click on `changeId`, through the signed Lambda handler; answers the jobs it queued and what it told the person. */
async function revertClick(
  fix: Harness,
  changeId: string,
  at: Date,
  button: ButtonPayload = { action: ACTION_IDS.revert, changeId, fingerprint: fix.fingerprint, planId: fix.planId },
): Promise<{ jobs: WardenJob[]; said: string[] }> {
  const slackApi = await startFakeSlackApi();
  try {
    const configPath = join(dir, 'warden-revert.json');
    await writeFile(
      configPath,
      JSON.stringify({
        slack: { channel: CHANNEL, approvers: { users: [APPROVER] }, requiredApprovals: 1, twoPersonRule: true },
      }),
    );
    const queue = createInProcessQueue();
    const secret = 'test-signing-secret-0123456789';
    const handler = createSlackHandler({
      env: {
        SLACK_SIGNING_SECRET: secret,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: `${slackApi.url}/api`,
        WARDEN_CONFIG: configPath,
      },
      queue,
      store: fix.state,
      now: () => at,
    });
    const value = encodeButtonValue(button);
    const result = await handler(
      signedHttpApiEvent(
        buttonClickBody({
          user: APPROVER,
          channel: CHANNEL,
          actionId: ACTION_IDS.revert,
          value,
          triggerId: `trigger-revert-${at.getTime()}`,
          responseUrl: `${slackApi.url}/response/revert`,
        }),
        { secret },
      ),
      {},
    );
    expect(result.statusCode).toBe(200);
    return { jobs: queue.jobs, said: slackApi.responses() };
  } finally {
    await slackApi.close();
  }
}

describe('attack: the apply dies half-way and an approver presses Revert on it', () => {
  it("the approver's Revert (its approvals complete) undoes exactly what the in-progress record says was done, and nothing resumes the apply after", async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 22 203.0.113.0/24', 'tcp 443 0.0.0.0/0']);
    // Where the person meets the interrupted fix: the answer to a new click offers Resume and Revert.
    stuck.wait(5 * 60_000);
    await stuck.worker.handle(stuck.applyJob());
    const offered = buttonOf((stuck.responses.at(-1) as { blocks: unknown[] }).blocks, ACTION_IDS.revert);
    expect(offered).toEqual({
      action: ACTION_IDS.revert,
      changeId: record?.changeId,
      fingerprint: stuck.fingerprint,
      planId: stuck.planId,
    });
    stuck.wait(11 * 60_000);

    const click = await revertClick(stuck, record?.changeId as string, new Date('2026-01-05T09:20:00Z'), offered);
    expect(click.said).toEqual(['Reverting…']);
    expect(click.jobs).toMatchObject([{ kind: 'revert', user: APPROVER, args: { changeId: record?.changeId } }]);
    const n = stuck.posted.length;
    for (const job of click.jobs) await stuck.worker.handle(job);

    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('reverted');
    expect((await stuck.state.approvals.get(revertRequestId(record?.changeId as string)))?.status).toBe('applied');
    const reverts = (await stuck.state.changes.list()).filter((r) => r.kind === 'revert');
    expect(reverts.map((r) => [r.reverts, r.status])).toEqual([[record?.changeId, 'reverted']]);
    expect((await stuck.state.changes.get(record?.changeId as string))?.inProgress).toBeUndefined();
    expect(stuck.posted.slice(n)[0]?.text).toMatch(/^Change reverted: /);

    stuck.wait(16 * 60_000);
    expect(await stuck.worker.recoverStuckApplies()).toEqual([]);
    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
  });

  it('an interrupted apply whose approval ended failed (its record never closed) is reverted the same way', async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    expect(
      await stuck.state.approvals.transition({
        id: stuck.planId,
        from: 'applying',
        to: 'failed',
        now: new Date('2026-01-05T09:02:00Z'),
      }),
    ).toBe(true);

    const click = await revertClick(stuck, record?.changeId as string, new Date('2026-01-05T09:03:00Z'));
    for (const job of click.jobs) await stuck.worker.handle(job);

    expect(ingress()).toEqual(['tcp 22 0.0.0.0/0', 'tcp 443 0.0.0.0/0']);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('reverted');
  });

  it('while the apply may still be running (under 15 minutes) the Revert changes nothing and says why', async () => {
    const stuck = await stuckApply();
    const [record] = await stuck.state.changes.list();
    const rules = ingress();
    stuck.wait(5 * 60_000);

    const click = await revertClick(stuck, record?.changeId as string, new Date('2026-01-05T09:05:00Z'));
    for (const job of click.jobs) await stuck.worker.handle(job);

    expect(ingress()).toEqual(rules);
    expect((await stuck.state.approvals.get(stuck.planId))?.status).toBe('applying');
    expect(String(stuck.responses.at(-1)?.['text'])).toMatch(
      new RegExp(
        String.raw`^Not reverted: change \`${record?.changeId}\` is being applied since .* UTC\. If that apply died, it can be reverted after .* UTC \(with the revert's approvals\), or Warden resumes it on its own then\.$`,
      ),
    );
  });
});

describe('attack: anyone presses Resume', () => {
  it("a member who is not an approver is refused; an approver's Resume queues the apply again, with no new approval", async () => {
    const recorded: string[] = [];
    const slackApi = createServer((req, res) => {
      recorded.push((req.url ?? '').split('?')[0] as string);
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            req.url?.startsWith('/api/auth.test')
              ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }
              : { ok: true },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => slackApi.listen(0, '127.0.0.1', resolve));
    const address = slackApi.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    const url = `http://127.0.0.1:${address.port}`;
    const configPath = join(dir, 'warden.json');
    await writeFile(
      configPath,
      JSON.stringify({
        slack: { channel: CHANNEL, approvers: { users: [APPROVER] }, requiredApprovals: 2, twoPersonRule: true },
      }),
    );
    const tableName = `warden-recover-${++tables}`;
    await ensureTable(db.client, tableName);
    const state = createDynamoStateStore({ tableName, client: db.client });
    const queue = createInProcessQueue();
    const secret = 'test-signing-secret-0123456789';
    const handler = createSlackHandler({
      env: {
        SLACK_SIGNING_SECRET: secret,
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_API_URL: `${url}/api`,
        WARDEN_CONFIG: configPath,
        WARDEN_TABLE: tableName,
      },
      queue,
      store: state,
      now: () => new Date('2030-01-15T12:00:00.000Z'),
    });
    const value = encodeResume('a1b2c3d4e5f60718', 'plan-0123456789abcdef');
    const click = (user: string, trigger: string) =>
      handler(
        signedHttpApiEvent(
          buttonClickBody({
            user,
            channel: CHANNEL,
            actionId: ACTION_IDS.resume,
            value,
            triggerId: trigger,
            responseUrl: `${url}/response/${trigger}`,
          }),
          { secret },
        ),
        {},
      );
    try {
      await click('UOUTSIDER1', 'trigger-outsider');
      expect(queue.jobs).toEqual([]);
      expect((await state.trail.forTarget('plan-0123456789abcdef')).map((e) => [e.actor, e.outcome])).toEqual([
        ['UOUTSIDER1', 'refused: not an approver'],
      ]);

      await click(APPROVER, 'trigger-approver');
      expect(queue.jobs).toMatchObject([
        { kind: 'apply', user: APPROVER, args: { fingerprint: 'a1b2c3d4e5f60718', planId: 'plan-0123456789abcdef' } },
      ]);
      expect(await state.approvals.get('plan-0123456789abcdef')).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => slackApi.close(() => resolve()));
    }
  });
});

function encodeResume(fingerprint: string, planId: string): string {
  const blocks = resumeMessage('stuck', fingerprint, planId).blocks;
  const element = (blocks[1] as { elements: { value: string }[] }).elements[0];
  return element?.value as string;
}
