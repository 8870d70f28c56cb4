import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, Rule } from '../src/model/types.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import { applyPlan, readGroup, revertChange } from '../src/remediation/apply.ts';
import { normalizeScope as normalize } from '../adapters/live-estate.ts';
import type { ChangeRecord, NewRule, Plan } from '../src/model/change.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import { groupKeyOf } from '../src/model/change.ts';
import type { ChangeStore } from '../src/ports/changes.ts';
import { createDynamoStateStore, ensureTable, TABLE_SCHEMA, tableNameFromEnv } from '../src/store/dynamo.ts';
import { scopeKeyOf, suppressionFor } from '../src/store/state.ts';
import type { ScopeRef, ScopeResult, StateStore } from '../src/store/state.ts';
import { rule } from './support/build.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import { motoEnv, setProcessEnv } from './support/moto.ts';

// The DynamoDB state store against dynalite (DynamoDB's API in-process, on a loopback port): every
// request goes over HTTP through the real SDK, with dynalite evaluating the key, condition and
// update expressions. Each test gets its own table.

let db: Dynalite;
/** The name of every command sent during this file, to show that nothing scans. */
const sent: string[] = [];
let recording: DynamoDBDocumentClient;
let tableCount = 0;
let tableName: string;
let store: StateStore;

/** The client, with `send` wrapped by `around` (which gets the real send). */
function wrap(
  client: DynamoDBDocumentClient,
  around: (command: object, send: (command: object) => Promise<unknown>) => Promise<unknown>,
): DynamoDBDocumentClient {
  const wrapped = Object.create(client) as DynamoDBDocumentClient;
  const send = (command: object) => (client.send as (command: object) => Promise<unknown>)(command);
  wrapped.send = ((command: object) => around(command, send)) as DynamoDBDocumentClient['send'];
  return wrapped;
}

beforeAll(async () => {
  db = await startDynalite();
  recording = wrap(db.client, (command, send) => {
    sent.push(command.constructor.name);
    return send(command);
  });
});

afterAll(async () => {
  await db.stop();
});

beforeEach(async () => {
  tableName = `warden-test-${++tableCount}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: recording });
});

const T0 = new Date('2025-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const A: ScopeRef = { provider: 'aws', account: '123456789012', region: 'eu-west-1' };
const B: ScopeRef = { provider: 'otc', account: 'tenant', region: 'eu-de' };

function finding(fingerprint: string, scope: ScopeRef = A, check = 'internet-admin-port'): Finding {
  return {
    check,
    severity: 'high',
    ...scope,
    groupId: 'sg-1',
    groupName: 'web',
    subject: 'port/22',
    ruleIds: [`rule-${fingerprint}`],
    title: 'SSH open to the Internet',
    detail: `tcp/22 from 0.0.0.0/0 (${fingerprint})`,
    fingerprint,
  };
}

const fps = (states: { fingerprint: string }[]) => states.map((s) => s.fingerprint);

async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  return (await db.client.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
}

describe('ensureTable and TABLE_SCHEMA', () => {
  it('creates the table as TABLE_SCHEMA says, once; TTL is reported unsupported where the endpoint lacks it', async () => {
    const name = `warden-schema-${tableCount}`;
    expect(await ensureTable(db.client, name)).toEqual({ created: true, ttl: 'unsupported' });
    expect(await ensureTable(db.client, name)).toEqual({ created: false, ttl: 'unsupported' });
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual(TABLE_SCHEMA.KeySchema);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema, g.Projection?.ProjectionType])).toEqual(
      [['gsi1', TABLE_SCHEMA.GlobalSecondaryIndexes[0]?.KeySchema, 'ALL']],
    );
    expect(TABLE_SCHEMA.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('makes its own client for an endpoint, with the SDK default credential chain', async () => {
    const restore = setProcessEnv({ ...motoEnv(db.endpoint), AWS_ENDPOINT_URL: undefined, WARDEN_TABLE: tableName });
    try {
      const own = createDynamoStateStore({ endpoint: db.endpoint, region: 'eu-west-1' });
      expect(own.tableName).toBe(tableName);
      expect(await own.idempotency.claim('req-own', 60, T0)).toBe(true);
      expect(await store.idempotency.claim('req-own', 60, T0)).toBe(false);
      own.client.destroy();
    } finally {
      restore();
    }
  });

  it('takes the table name from WARDEN_TABLE', () => {
    expect(tableNameFromEnv({ WARDEN_TABLE: 'warden-prod' })).toBe('warden-prod');
    expect(() => tableNameFromEnv({})).toThrow(/WARDEN_TABLE is not set/);
    expect(() => tableNameFromEnv({ WARDEN_TABLE: ' ' })).toThrow(/WARDEN_TABLE is not set/);
  });
});

describe('findings: new, open, resolved across runs', () => {
  it('tells new from already reported from resolved, and keeps the message each was posted as', async () => {
    // Run 1: three findings in two complete scopes. All new.
    const run1 = await store.findings.recordSeen([finding('fp-1'), finding('fp-2'), finding('fp-3', B)], at(0), [A, B]);
    expect(fps(run1.new)).toEqual(['fp-1', 'fp-2', 'fp-3']);
    expect([run1.open, run1.reopened, run1.resolved]).toEqual([[], [], []]);
    expect(run1.new[0]).toMatchObject({
      scope: scopeKeyOf(A),
      status: 'open',
      firstSeen: at(0).toISOString(),
      lastSeen: at(0).toISOString(),
    });

    await store.findings.markPosted('fp-1', 'C-SEC', '1740823200.000100', at(1000));
    await store.findings.markPosted('fp-2', 'C-SEC', '1740823200.000200', at(1000));
    await expect(store.findings.markPosted('fp-unknown', 'C-SEC', '1.2')).rejects.toThrow(
      /no finding with fingerprint fp-unknown/,
    );

    // Run 2: fp-1 still there, fp-2 gone, fp-4 new; scope B failed to read (not complete): fp-3 stays open.
    const run2 = await store.findings.recordSeen([finding('fp-1'), finding('fp-4')], at(HOUR), [A]);
    expect(fps(run2.new)).toEqual(['fp-4']);
    expect(fps(run2.open)).toEqual(['fp-1']);
    expect(run2.open[0]).toMatchObject({
      firstSeen: at(0).toISOString(),
      lastSeen: at(HOUR).toISOString(),
      message: { channel: 'C-SEC', ts: '1740823200.000100' },
    });
    expect(fps(run2.resolved)).toEqual(['fp-2']);
    expect(run2.resolved[0]).toMatchObject({
      status: 'resolved',
      resolvedAt: at(HOUR).toISOString(),
      message: { channel: 'C-SEC', ts: '1740823200.000200', postedAt: at(1000).toISOString() },
    });
    expect(await store.findings.get('fp-3')).toMatchObject({ status: 'open', lastSeen: at(0).toISOString() });
    expect(await store.findings.get('fp-2')).toMatchObject({ status: 'resolved', finding: finding('fp-2') });
    expect(await store.findings.get('fp-none')).toBeUndefined();
    // Resolved findings leave the scope index (sparse GSI): the next run does not read them.
    expect(await rawItem('FINDING#fp-2', 'FINDING')).not.toHaveProperty('gsi1pk');
    expect(await rawItem('FINDING#fp-1', 'FINDING')).toMatchObject({
      gsi1pk: `SCOPE#${scopeKeyOf(A)}`,
      gsi1sk: 'fp-1',
    });

    // Run 3: fp-2 is back (reopened, with its old message), fp-1 and fp-4 are gone, B is complete and empty.
    const run3 = await store.findings.recordSeen([finding('fp-2')], at(2 * HOUR), [A, B]);
    expect(fps(run3.reopened)).toEqual(['fp-2']);
    expect(run3.reopened[0]).toMatchObject({
      status: 'open',
      firstSeen: at(0).toISOString(),
      message: { ts: '1740823200.000200' },
    });
    expect(run3.reopened[0]).not.toHaveProperty('resolvedAt');
    expect(fps(run3.resolved)).toEqual(['fp-1', 'fp-3', 'fp-4']);
    expect([run3.new, run3.open]).toEqual([[], []]);

    // The same run delivered again resolves nothing twice.
    const again = await store.findings.recordSeen([finding('fp-2')], at(2 * HOUR), [A, B]);
    expect([fps(again.open), again.new, again.reopened, again.resolved]).toEqual([['fp-2'], [], [], []]);
  });

  it('a run older than the last one recorded changes nothing and resolves nothing it did not see', async () => {
    await store.findings.recordSeen([finding('fp-1'), finding('fp-2')], at(HOUR), [A]);
    const late = await store.findings.recordSeen([finding('fp-1')], at(0), [A]);
    expect(fps(late.open)).toEqual(['fp-1']);
    expect(late.resolved).toEqual([]);
    expect(await store.findings.get('fp-1')).toMatchObject({
      lastSeen: at(HOUR).toISOString(),
      firstSeen: at(HOUR).toISOString(),
    });
    expect((await store.findings.get('fp-2'))?.status).toBe('open');
  });

  it('counts a finding given twice once, and records many findings', async () => {
    const many = Array.from({ length: 60 }, (_, i) => finding(`fp-${String(i).padStart(3, '0')}`));
    const run = await store.findings.recordSeen([...many, finding('fp-000')], at(0), [A]);
    expect(run.new).toHaveLength(60);
    const next = await store.findings.recordSeen(many.slice(0, 10), at(HOUR), [A]);
    expect(next.open).toHaveLength(10);
    expect(fps(next.resolved)).toEqual(many.slice(10).map((f) => f.fingerprint));
  });
});

describe('findings: one group read (a real-time audit)', () => {
  it('resolves only that group’s missing findings; the scope’s other groups stay open', async () => {
    const inGroup = (fingerprint: string, groupId: string): Finding => ({ ...finding(fingerprint), groupId });
    await store.findings.recordSeen(
      [inGroup('fp-a1', 'sg-a'), inGroup('fp-a2', 'sg-a'), inGroup('fp-b1', 'sg-b')],
      at(0),
      [A],
    );
    const run = await store.findings.recordSeen([inGroup('fp-a1', 'sg-a')], at(HOUR), [{ ...A, groupId: 'sg-a' }]);
    expect(fps(run.open)).toEqual(['fp-a1']);
    expect(fps(run.resolved)).toEqual(['fp-a2']);
    expect(await store.findings.get('fp-b1')).toMatchObject({ status: 'open' });
  });
});

describe('runs: fanned-out scopes, one digest', () => {
  const result = (scope: ScopeRef, news: string[] = []): ScopeResult => ({
    scope,
    groups: 2,
    rules: 5,
    findings: news.length,
    bySeverity: { high: news.length },
    new: news.map((fp) => finding(fp, scope)),
    newCount: news.length,
    newBySeverity: { high: news.length },
    resolved: [],
    resolvedCount: 0,
  });

  it('counts each scope once however often it is delivered, and hands the digest to exactly one of its finishers', async () => {
    const run = await store.runs.start({
      runId: 'run-1',
      expected: 2,
      channel: 'C0SEC',
      trigger: 'schedule',
      now: at(0),
    });
    expect(run).toMatchObject({ runId: 'run-1', expected: 2, done: 0, channel: 'C0SEC' });
    // Starting it again (a retried schedule) changes nothing.
    expect(await store.runs.start({ runId: 'run-1', expected: 99, trigger: 'schedule', now: at(1) })).toMatchObject({
      expected: 2,
      startedAt: at(0).toISOString(),
    });

    expect(await store.runs.recordScope('run-1', result(A, ['fp-1']), at(MINUTE))).toMatchObject({
      counted: true,
      run: { done: 1 },
    });
    expect(await store.runs.recordScope('run-1', result(A, ['fp-1']), at(MINUTE))).toMatchObject({
      counted: false,
      run: { done: 1 },
    });
    expect(await store.runs.recordScope('run-1', result(B), at(2 * MINUTE))).toMatchObject({
      counted: true,
      run: { done: 2 },
    });

    const claims = await Promise.all(Array.from({ length: 8 }, () => store.runs.claimDigest('run-1', at(3 * MINUTE))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await store.runs.get('run-1'))?.digestAt).toBe(at(3 * MINUTE).toISOString());
    const results = await store.runs.scopeResults('run-1');
    expect(results.map((r) => r.scope).sort((x, y) => (scopeKeyOf(x) < scopeKeyOf(y) ? -1 : 1))).toEqual([A, B]);
    expect(results.find((r) => r.scope.provider === 'aws')?.new.map((f) => f.fingerprint)).toEqual(['fp-1']);
  });

  it('lists the runs never digested that started before a time, and not the digested ones', async () => {
    await store.runs.start({ runId: 'run-old', expected: 3, trigger: 'schedule', now: at(0) });
    await store.runs.start({ runId: 'run-done', expected: 1, trigger: 'schedule', now: at(MINUTE) });
    await store.runs.start({ runId: 'run-new', expected: 1, trigger: 'schedule', now: at(HOUR) });
    await store.runs.recordScope('run-done', result(A), at(2 * MINUTE));
    expect(await store.runs.claimDigest('run-done', at(2 * MINUTE))).toBe(true);
    expect((await store.runs.unfinished(at(30 * MINUTE))).map((r) => r.runId)).toEqual(['run-old']);
    expect((await store.runs.unfinished(at(2 * HOUR))).map((r) => r.runId)).toEqual(['run-old', 'run-new']);
  });
});

describe('findings: suppressed is its own state', () => {
  it('a suppressed finding still seen is recorded as suppressed, never resolved; back when its suppression ends; resolved when really gone', async () => {
    const snooze = await store.suppressions.suppress({
      target: { fingerprint: 'fp-1' },
      kind: 'snooze',
      by: 'U1',
      reason: 'snoozed for 7 days',
      until: at(7 * DAY),
      now: T0,
    });
    await store.findings.recordSeen([finding('fp-1'), finding('fp-2')], T0, [A]);
    await store.findings.markPosted('fp-1', 'C-SEC', '1740823200.000100', T0);

    const run1 = await store.findings.recordSeen(
      [finding('fp-2')],
      at(HOUR),
      [A],
      [{ finding: finding('fp-1'), suppression: snooze }],
    );
    expect([run1.new, run1.resolved, run1.unsuppressed]).toEqual([[], [], []]);
    const suppression = {
      kind: 'snooze',
      by: 'U1',
      reason: 'snoozed for 7 days',
      at: T0.toISOString(),
      until: at(7 * DAY).toISOString(),
    };
    expect(run1.suppressed).toMatchObject([
      {
        changed: true,
        state: { fingerprint: 'fp-1', status: 'suppressed', suppression, message: { ts: '1740823200.000100' } },
      },
    ]);
    // The same suppression again: nothing to change on its message.
    const run2 = await store.findings.recordSeen(
      [finding('fp-2')],
      at(2 * HOUR),
      [A],
      [{ finding: finding('fp-1'), suppression: snooze }],
    );
    expect(run2.suppressed.map((s) => s.changed)).toEqual([false]);

    // Seen and reported again: back from suppression, with the one that ended.
    const run3 = await store.findings.recordSeen([finding('fp-1'), finding('fp-2')], at(8 * DAY), [A]);
    expect(run3.unsuppressed).toMatchObject([{ state: { fingerprint: 'fp-1', status: 'open' }, ended: suppression }]);
    expect(fps(run3.open)).toEqual(['fp-2']);
    expect((await store.findings.get('fp-1'))?.suppression).toBeUndefined();

    // Suppressed, then gone from a scope read completely: resolved as any other.
    const run4 = await store.findings.recordSeen(
      [],
      at(9 * DAY),
      [A],
      [{ finding: finding('fp-1'), suppression: snooze }],
    );
    expect([fps(run4.resolved), fps(run4.suppressed.map((s) => s.state))]).toEqual([['fp-2'], ['fp-1']]);
    const run5 = await store.findings.recordSeen([], at(10 * DAY), [A]);
    expect(fps(run5.resolved)).toEqual(['fp-1']);
    expect(await store.findings.get('fp-1')).toMatchObject({ status: 'resolved' });
  });
});

describe('suppressions', () => {
  it('an approver ends one early: it no longer applies, the record stays marked revoked, and a second revoke finds none', async () => {
    await store.suppressions.suppress({
      target: { check: 'egress-all' },
      kind: 'suppress',
      by: 'U1',
      reason: 'proxy',
      until: at(DAY),
      now: T0,
    });
    expect(await store.suppressions.revoke({ target: { check: 'egress-all' }, by: 'U2', now: at(HOUR) })).toMatchObject(
      { kind: 'suppress', by: 'U1', revokedBy: 'U2', revokedAt: at(HOUR).toISOString() },
    );
    expect(await store.suppressions.activeSuppressions(at(HOUR))).toEqual([]);
    expect(await store.suppressions.isSuppressed(finding('fp-e', A, 'egress-all'), at(HOUR))).toBe(false);
    expect(
      await store.suppressions.revoke({ target: { check: 'egress-all' }, by: 'U2', now: at(HOUR) }),
    ).toBeUndefined();
    expect(
      await store.suppressions.revoke({ target: { fingerprint: 'fp-none' }, by: 'U2', now: at(HOUR) }),
    ).toBeUndefined();
    expect(await rawItem('SUPPRESSION', 'CHECK#egress-all')).toMatchObject({ revokedBy: 'U2' });
  });

  it('apply until they expire and not after, even while the expired item is still in the table', async () => {
    const ssh = finding('fp-ssh');
    const egress = finding('fp-egress', A, 'egress-all');
    const snooze = await store.suppressions.suppress({
      target: { fingerprint: 'fp-ssh' },
      by: 'U1 (alice)',
      reason: 'Snooze 7 days',
      until: at(7 * DAY),
      now: T0,
    });
    await store.suppressions.suppress({
      target: { check: 'egress-all' },
      by: 'U2 (bob)',
      reason: 'egress is filtered by the proxy',
      until: at(HOUR),
      now: T0,
    });
    expect(snooze).toEqual({
      target: { fingerprint: 'fp-ssh' },
      by: 'U1 (alice)',
      reason: 'Snooze 7 days',
      at: T0.toISOString(),
      until: at(7 * DAY).toISOString(),
    });

    // The TTL attribute is epoch seconds of the expiry.
    expect(await rawItem('SUPPRESSION', 'FINDING#fp-ssh')).toMatchObject({ expiresAt: at(7 * DAY).getTime() / 1000 });

    expect((await store.suppressions.activeSuppressions(at(MINUTE))).map((s) => s.target)).toEqual([
      { check: 'egress-all' },
      { fingerprint: 'fp-ssh' },
    ]);
    expect(await store.suppressions.isSuppressed(ssh, at(DAY))).toBe(true);
    expect(await store.suppressions.isSuppressed(egress, at(30 * MINUTE))).toBe(true);
    expect(await store.suppressions.isSuppressed(finding('fp-other', B, 'egress-all'), at(30 * MINUTE))).toBe(true);
    expect(await store.suppressions.isSuppressed(finding('fp-other'), at(30 * MINUTE))).toBe(false);

    // At the expiry instant and after: no longer applies, though nothing deleted the item (TTL is lazy).
    expect(await store.suppressions.isSuppressed(egress, at(HOUR))).toBe(false);
    expect(await rawItem('SUPPRESSION', 'CHECK#egress-all')).toBeDefined();
    expect((await store.suppressions.activeSuppressions(at(2 * HOUR))).map((s) => s.target)).toEqual([
      { fingerprint: 'fp-ssh' },
    ]);
    expect(await store.suppressions.isSuppressed(ssh, at(7 * DAY - 1))).toBe(true);
    expect(await store.suppressions.isSuppressed(ssh, at(7 * DAY))).toBe(false);
    expect(await store.suppressions.activeSuppressions(at(8 * DAY))).toEqual([]);

    // Read once per run, matched in memory: the finding's own suppression, else its check's.
    const active = await store.suppressions.activeSuppressions(at(MINUTE));
    expect(suppressionFor(ssh, active, at(MINUTE))?.reason).toBe('Snooze 7 days');
    expect(suppressionFor(egress, active, at(MINUTE))?.by).toBe('U2 (bob)');
    expect(suppressionFor(egress, active, at(HOUR))).toBeUndefined();
  });

  it('a new suppression of the same target replaces the old one; one that ends in the past is refused', async () => {
    await store.suppressions.suppress({
      target: { fingerprint: 'fp-1' },
      by: 'alice',
      reason: 'snooze',
      until: at(DAY),
      now: T0,
    });
    await store.suppressions.suppress({
      target: { fingerprint: 'fp-1' },
      by: 'bob',
      reason: 'accepted risk: legacy VPN',
      until: at(90 * DAY),
      now: at(HOUR),
    });
    expect(await store.suppressions.activeSuppressions(at(2 * HOUR))).toEqual([
      {
        target: { fingerprint: 'fp-1' },
        by: 'bob',
        reason: 'accepted risk: legacy VPN',
        at: at(HOUR).toISOString(),
        until: at(90 * DAY).toISOString(),
      },
    ]);
    await expect(
      store.suppressions.suppress({ target: { check: 'port-range' }, by: 'bob', reason: 'x', until: T0, now: T0 }),
    ).rejects.toThrow(/must end in the future/);
    // The TTL attribute has whole seconds; expiry itself is to the millisecond.
    await store.suppressions.suppress({
      target: { check: 'port-range' },
      by: 'bob',
      reason: 'x',
      until: at(500),
      now: T0,
    });
    expect(await store.suppressions.activeSuppressions(at(499))).toHaveLength(2);
    expect(await store.suppressions.activeSuppressions(at(700))).toHaveLength(1);
  });
});

describe('approvals', () => {
  const request = { planId: 'plan-1', fingerprint: 'fp-1', requester: 'U-alice' };

  it('enforces the two-person rule and N distinct approvals', async () => {
    const created = await store.approvals.requestApproval({ id: 'apr-1', ...request, required: 2, now: T0 });
    expect(created).toMatchObject({
      status: 'pending',
      approvals: [],
      required: 2,
      requesterMayApprove: false,
      version: 1,
    });

    expect(await store.approvals.approve({ id: 'apr-1', approver: 'U-alice', now: at(1) })).toEqual({
      outcome: 'refused',
      reason: 'requester',
      status: 'pending',
      approvals: [],
      required: 2,
    });
    expect(await store.approvals.approve({ id: 'apr-1', approver: 'U-bob', now: at(2) })).toMatchObject({
      outcome: 'recorded',
      status: 'pending',
      approvals: [{ approver: 'U-bob' }],
    });
    expect(await store.approvals.approve({ id: 'apr-1', approver: 'U-bob', now: at(3) })).toMatchObject({
      outcome: 'refused',
      reason: 'duplicate',
      status: 'pending',
    });
    expect(await store.approvals.approve({ id: 'apr-1', approver: 'U-carol', now: at(4) })).toMatchObject({
      outcome: 'approved',
      status: 'approved',
      approvals: [{ approver: 'U-bob' }, { approver: 'U-carol' }],
    });
    expect(await store.approvals.approve({ id: 'apr-1', approver: 'U-dave', now: at(5) })).toMatchObject({
      outcome: 'refused',
      reason: 'not-pending',
      status: 'approved',
    });

    expect(await store.approvals.get('apr-1')).toEqual({
      id: 'apr-1',
      ...request,
      required: 2,
      requesterMayApprove: false,
      status: 'approved',
      approvals: [
        { approver: 'U-bob', at: at(2).toISOString() },
        { approver: 'U-carol', at: at(4).toISOString() },
      ],
      createdAt: T0.toISOString(),
      generation: 1,
      approvedAt: at(4).toISOString(),
      version: 3,
    });
    expect(await store.approvals.approve({ id: 'apr-none', approver: 'U-bob', now: T0 })).toMatchObject({
      outcome: 'refused',
      reason: 'not-found',
    });
  });

  it('without the two-person rule the requester may approve; requests are idempotent by id', async () => {
    await store.approvals.requestApproval({ id: 'apr-2', ...request, required: 1, requesterMayApprove: true, now: T0 });
    expect(await store.approvals.approve({ id: 'apr-2', approver: 'U-alice', now: at(1) })).toMatchObject({
      outcome: 'approved',
    });

    // Slack delivers the request again: the stored one comes back, unchanged.
    expect(
      await store.approvals.requestApproval({ id: 'apr-2', ...request, required: 1, now: at(HOUR) }),
    ).toMatchObject({ status: 'approved', version: 2, createdAt: T0.toISOString() });
    await expect(
      store.approvals.requestApproval({ id: 'apr-2', ...request, planId: 'plan-other', required: 1 }),
    ).rejects.toThrow(/exists for another plan/);
    await expect(store.approvals.requestApproval({ id: 'apr-3', ...request, required: 0 })).rejects.toThrow(
      /at least 1/,
    );
  });

  it('two approvers pressing at once for the last approval: exactly one approves', async () => {
    for (let round = 0; round < 8; round++) {
      const id = `apr-race-${round}`;
      await store.approvals.requestApproval({ id, ...request, required: 2, now: T0 });
      await store.approvals.approve({ id, approver: 'U-bob', now: at(1) });
      const results = await Promise.all([
        store.approvals.approve({ id, approver: 'U-carol', now: at(2) }),
        store.approvals.approve({ id, approver: 'U-dave', now: at(2) }),
      ]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['approved', 'refused']);
      expect(results.find((r) => r.outcome === 'refused')?.reason).toBe('not-pending');
      const stored = await store.approvals.get(id);
      expect(stored?.approvals).toHaveLength(2);
      expect(stored?.version).toBe(3);
    }
  });

  it('the conditional write decides, not timing: both read the same version, one write fails and re-reads', async () => {
    await store.approvals.requestApproval({ id: 'apr-x', ...request, required: 1, now: T0 });
    // Hold each read of the request until both approvers have read it: both see version 1.
    const log: string[] = [];
    const held: (() => void)[] = [];
    let released = false;
    const barrier = wrap(db.client, async (command, send) => {
      const isRead = command instanceof GetCommand;
      const isWrite = command instanceof UpdateCommand;
      try {
        const result = await send(command);
        if (isWrite) log.push('update ok');
        if (isRead && !released) {
          log.push('read');
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === 2) {
              released = true;
              for (const go of held) go();
            }
          });
        }
        return result;
      } catch (error) {
        if (isWrite) log.push(`update ${(error as Error).name}`);
        throw error;
      }
    });
    const racing = createDynamoStateStore({ tableName, client: barrier });
    const results = await Promise.all([
      racing.approvals.approve({ id: 'apr-x', approver: 'U-bob', now: at(1) }),
      racing.approvals.approve({ id: 'apr-x', approver: 'U-carol', now: at(1) }),
    ]);
    expect(log).toEqual(['read', 'read', 'update ok', 'update ConditionalCheckFailedException']);
    expect(results.map((r) => r.outcome).sort()).toEqual(['approved', 'refused']);
    const winner = results.find((r) => r.outcome === 'approved');
    expect((await store.approvals.get('apr-x'))?.approvals.map((a) => a.approver)).toEqual(
      winner?.approvals.map((a) => a.approver),
    );
    expect((await store.approvals.get('apr-x'))?.version).toBe(2);
  });

  it('two approvers at once when two are needed: both count (the loser retries on the new version)', async () => {
    await store.approvals.requestApproval({ id: 'apr-y', ...request, required: 2, now: T0 });
    const results = await Promise.all([
      store.approvals.approve({ id: 'apr-y', approver: 'U-bob', now: at(1) }),
      store.approvals.approve({ id: 'apr-y', approver: 'U-carol', now: at(1) }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['approved', 'recorded']);
    expect((await store.approvals.get('apr-y'))?.approvals.map((a) => a.approver).sort()).toEqual(['U-bob', 'U-carol']);
  });

  it('transitions approved → applying exactly once of 10 concurrent callers, then applied → reverting → reverted, each once', async () => {
    await store.approvals.requestApproval({ id: 'apr-t', ...request, required: 1, now: T0 });
    expect(await store.approvals.transition({ id: 'apr-t', from: 'approved', to: 'applying', now: at(1) })).toBe(false); // still pending
    await store.approvals.approve({ id: 'apr-t', approver: 'U-bob', now: at(1) });
    const claims = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.approvals.transition({ id: 'apr-t', from: 'approved', to: 'applying', now: at(2) }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.approvals.get('apr-t')).toMatchObject({
      status: 'applying',
      version: 3,
      updatedAt: at(2).toISOString(),
    });

    expect(
      await store.approvals.transition({ id: 'apr-t', from: 'applying', to: 'applied', changeId: 'chg-1', now: at(3) }),
    ).toBe(true);
    expect(await store.approvals.transition({ id: 'apr-t', from: 'applying', to: 'failed', now: at(3) })).toBe(false);
    expect(await store.approvals.get('apr-t')).toMatchObject({ status: 'applied', changeId: 'chg-1', version: 4 });
    const reverts = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.approvals.transition({ id: 'apr-t', from: 'applied', to: 'reverting', now: at(4) }),
      ),
    );
    expect(reverts.filter(Boolean)).toHaveLength(1);
    expect(await store.approvals.transition({ id: 'apr-t', from: 'reverting', to: 'reverted', now: at(4) })).toBe(true);
    expect(await store.approvals.get('apr-t')).toMatchObject({ status: 'reverted', changeId: 'chg-1', version: 6 });
    expect(await store.approvals.transition({ id: 'apr-none', from: 'approved', to: 'applying', now: at(5) })).toBe(
      false,
    );
  });

  it('refuses illegal transitions, changing nothing', async () => {
    await store.approvals.requestApproval({ id: 'apr-i', ...request, required: 1, now: T0 });
    // pending → approved only through approve(), which counts distinct approvers.
    await expect(
      store.approvals.transition({ id: 'apr-i', from: 'pending', to: 'approved', now: at(1) }),
    ).rejects.toThrow(/not a transition/);
    await store.approvals.approve({ id: 'apr-i', approver: 'U-bob', now: at(1) });
    for (const [from, to] of [
      ['approved', 'applied'],
      ['approved', 'reverted'],
      ['applying', 'reverted'],
      ['failed', 'reverted'],
      ['reverted', 'applied'],
      ['applied', 'applying'],
      ['applied', 'reverted'],
    ] as const) {
      await expect(store.approvals.transition({ id: 'apr-i', from, to, now: at(2) })).rejects.toThrow(
        /not a transition/,
      );
    }
    // A legal step from a status the request is not in is refused by the conditional write.
    expect(await store.approvals.transition({ id: 'apr-i', from: 'applying', to: 'applied', now: at(2) })).toBe(false);
    expect(await store.approvals.transition({ id: 'apr-i', from: 'applied', to: 'reverting', now: at(2) })).toBe(false);
    expect(await store.approvals.get('apr-i')).toMatchObject({ status: 'approved', version: 2 });
    expect((await store.approvals.get('apr-i'))?.updatedAt).toBeUndefined();
  });
});

describe('idempotency', () => {
  it('claims a request id once; a retry is refused until the claim expires', async () => {
    expect(await store.idempotency.claim('req-1', 300, T0)).toBe(true);
    expect(await store.idempotency.claim('req-1', 300, at(1000))).toBe(false);
    expect(await store.idempotency.claim('req-1', 300, at(299_000))).toBe(false);
    expect(await rawItem('REQUEST#req-1', 'REQUEST')).toMatchObject({ expiresAt: T0.getTime() / 1000 + 300 });
    // Expired but not yet deleted by TTL: the id may be claimed again.
    expect(await store.idempotency.claim('req-1', 300, at(300_000))).toBe(true);
    expect(await store.idempotency.claim('req-2', 300, T0)).toBe(true);
  });

  it('of concurrent deliveries of one request, exactly one claims it', async () => {
    const claims = await Promise.all(Array.from({ length: 6 }, () => store.idempotency.claim('req-race', 60, T0)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});

describe('audit trail', () => {
  it('reads entries back in order, by time range and by target', async () => {
    const entries = [
      { at: at(-DAY), actor: 'U-bob', action: 'approve', target: 'apr-1', outcome: 'refused: not an approver' },
      { at: T0, actor: 'U-alice', action: 'fix', target: 'fp-1', outcome: 'ok', detail: 'requested plan plan-1' },
      { at: T0, actor: 'U-carol', action: 'approve', target: 'apr-1', outcome: 'ok' },
      {
        at: at(HOUR),
        actor: 'scheduler',
        action: 'post',
        target: 'fp-1',
        outcome: 'ok',
        detail: 'C-SEC 1740823200.000100',
      },
      { at: at(DAY + HOUR), actor: 'U-alice', action: 'revert', target: 'chg-1', outcome: 'ok' },
    ];
    const logged = [];
    for (const entry of entries) logged.push(await store.trail.log(entry));
    expect(logged[1]).toEqual({
      id: expect.stringMatching(/^2025-03-01T10:00:00\.000Z#/),
      ...entries[1],
      at: T0.toISOString(),
    });

    const strip = (list: { at: string; actor: string; action: string }[]) =>
      list.map((e) => `${e.at} ${e.actor} ${e.action}`);
    const all = await store.trail.entries({ from: at(-2 * DAY), to: at(2 * DAY) });
    expect(all).toEqual(logged);
    // `from` inclusive, `to` exclusive; the range spans three day partitions here.
    expect(strip(await store.trail.entries({ from: T0, to: at(DAY + HOUR) }))).toEqual(strip(logged.slice(1, 4)));
    expect(await store.trail.entries({ from: at(2 * DAY), to: at(3 * DAY) })).toEqual([]);
    expect(strip(await store.trail.forTarget('apr-1'))).toEqual(strip([logged[0], logged[2]] as typeof logged));
    expect(strip(await store.trail.forTarget('fp-1'))).toEqual(strip([logged[1], logged[3]] as typeof logged));
  });
});

// ---------------------------------------------------------------------------------------------
// Change records: the same contract, run against the file store and the DynamoDB store.

const GROUP = 'sg-0a1b2c3d4e5f60718';

function withoutNative(r: Rule): NewRule {
  const { native: _native, ...rest } = r;
  return rest;
}

function replacePlan(ruleId: string, old: Rule, replacement: NewRule, groupId = GROUP): Plan {
  return {
    id: `plan-${ruleId}`,
    finding: {
      fingerprint: 'fp-test',
      check: 'internet-admin-port',
      title: 'SSH open to the Internet',
      severity: 'high',
    },
    target: { ...MEMORY_SCOPE, groupId, groupName: 'web' },
    operations: [
      { op: 'add', rule: replacement, label: 'office' },
      { op: 'remove', ruleId, signature: 'sig', rule: old },
    ],
    preconditions: [],
    resolves: ['fp-test'],
    summary: 'SSH only from the office',
    notes: [],
    diff: ['- tcp/22 from 0.0.0.0/0', '+ tcp/22 from 203.0.113.0/24 (office)'],
  };
}

const changeStores: [string, () => Promise<{ changes: ChangeStore; done(): Promise<void> }>][] = [
  [
    'file store',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'warden-store-'));
      return { changes: createFileChangeStore(dir), done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
  ['DynamoDB store', async () => ({ changes: store.changes, done: async () => {} })],
];

describe.each(changeStores)('ChangeStore contract: %s', (_name, make) => {
  let changes: ChangeStore;
  let done: () => Promise<void>;
  let clock: () => Date;

  beforeEach(async () => {
    ({ changes, done } = await make());
    let t = T0.getTime();
    clock = () => new Date((t += 1000));
  });
  afterEach(async () => done());

  it('apply, no-op, revert and refusal are recorded; list is oldest first; latestFor is the newest for the group', async () => {
    const sshWorld = rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh' });
    const httpsWorld = rule({ protocol: 'tcp', ports: 443, peer: '0.0.0.0/0', description: 'https' });
    const adapter = createMemoryAdapter([{ id: GROUP, name: 'web', vpcId: 'vpc-1', description: 'web servers' }]);
    const ssh = adapter.put(GROUP, sshWorld);
    const https = adapter.put(GROUP, httpsWorld);
    const common = { adapter, normalize, scope: MEMORY_SCOPE, store: changes, now: clock, verify: () => true };

    const group = await readGroup(adapter, MEMORY_SCOPE, GROUP, normalize);
    const live = (id: string) => group?.rules.find((r) => r.native.ruleId === id) as Rule;
    const plan = replacePlan(
      ssh,
      live(ssh),
      withoutNative(rule({ protocol: 'tcp', ports: 22, peer: '203.0.113.0/24', description: 'office' })),
    );
    plan.operations[1] = { op: 'remove', ruleId: ssh, signature: ruleSignature(live(ssh), true), rule: live(ssh) };
    plan.preconditions = [{ ruleId: ssh, signature: ruleSignature(live(ssh), true) }];

    const applied = await applyPlan({ ...common, plan, actor: 'U123 (alice)' });
    const noop = await applyPlan({ ...common, plan, actor: 'U123 (alice)' });
    const reverted = await revertChange({ ...common, change: applied, actor: 'bob' });
    const httpsPlan = replacePlan(
      https,
      live(https),
      withoutNative(rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8' })),
    );
    httpsPlan.preconditions = [{ ruleId: https, signature: ruleSignature(live(https), true) }];
    adapter.modify(GROUP, https, rule({ protocol: 'tcp', ports: 8443, peer: '0.0.0.0/0' }));
    const refused = await applyPlan({ ...common, plan: httpsPlan, actor: 'bob' });
    expect([applied.status, noop.status, reverted.status, refused.status]).toEqual([
      'applied',
      'already-applied',
      'reverted',
      'refused',
    ]);

    const records = [applied, noop, reverted, refused];
    expect(await changes.list()).toEqual(records);
    for (const record of records) expect(await changes.get(record.changeId)).toEqual(record);
    expect(await changes.latestFor(groupKeyOf(plan.target))).toEqual(refused);
    expect(await changes.latestFor('aws/1/eu-west-1/sg-other')).toBeUndefined();
    expect(await changes.get('chg-19700101T000000.000Z-000000')).toBeUndefined();
  });

  it('save replaces an earlier version of the same change; latestFor goes by time, per group', async () => {
    const old = rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', id: 'sgr-1' });
    const base: ChangeRecord = {
      changeId: 'chg-20250301T100000.000Z-aaaaaa',
      kind: 'apply',
      actor: 'alice',
      at: '2025-03-01T10:00:00.000Z',
      plan: replacePlan('sgr-1', old, withoutNative(old)),
      preImage: [old],
      addedRuleIds: [],
      status: 'failed',
      messages: ['in progress'],
    };
    await changes.save(base);
    const final: ChangeRecord = {
      ...base,
      status: 'applied',
      messages: ['applied'],
      addedRuleIds: ['sgr-2'],
      postImage: [old],
    };
    await changes.save(final);
    const later: ChangeRecord = {
      ...base,
      changeId: 'chg-20250301T110000.000Z-bbbbbb',
      at: '2025-03-01T11:00:00.000Z',
    };
    const otherGroup: ChangeRecord = {
      ...base,
      changeId: 'chg-20250301T120000.000Z-cccccc',
      at: '2025-03-01T12:00:00.000Z',
      plan: replacePlan('sgr-1', old, withoutNative(old), 'sg-other'),
    };
    // Saved out of order: list and latestFor go by `at`, not by write order.
    await changes.save(otherGroup);
    await changes.save(later);
    expect(await changes.list()).toEqual([final, later, otherGroup]);
    expect(await changes.latestFor(groupKeyOf(base.plan.target))).toEqual(later);
    expect(await changes.latestFor(groupKeyOf(otherGroup.plan.target))).toEqual(otherGroup);
  });

  it('refuses ids that are not change ids', async () => {
    await expect(changes.get('../../etc/passwd')).rejects.toThrow(/not a change id/);
    const old = rule({ id: 'sgr-1' });
    await expect(
      changes.save({
        changeId: 'chg-../x',
        kind: 'apply',
        actor: 'a',
        at: T0.toISOString(),
        plan: replacePlan('sgr-1', old, withoutNative(old)),
        preImage: [],
        addedRuleIds: [],
        status: 'refused',
        messages: [],
      }),
    ).rejects.toThrow(/not a change id/);
  });
});

describe('DynamoDB change records', () => {
  it('stores a record too large for an item as is gzipped, and reads it back exactly', async () => {
    const rules = Array.from({ length: 1500 }, (_, i) => {
      const r = rule({
        protocol: 'tcp',
        ports: 1000 + i,
        peer: `10.${i % 250}.0.0/16`,
        id: `sgr-${i}`,
        description: `rule ${i} `.repeat(8),
      });
      return {
        ...r,
        native: {
          ...r.native,
          raw: { SecurityGroupRuleId: `sgr-${i}`, IpProtocol: 'tcp', FromPort: 1000 + i, ToPort: 1000 + i, Tags: [] },
        },
      };
    });
    const record: ChangeRecord = {
      changeId: 'chg-20250301T100000.000Z-big000',
      kind: 'apply',
      actor: 'alice',
      at: T0.toISOString(),
      plan: replacePlan('sgr-0', rules[0] as Rule, withoutNative(rules[0] as Rule)),
      preImage: rules,
      postImage: rules,
      addedRuleIds: [],
      status: 'applied',
      messages: ['applied'],
    };
    expect(JSON.stringify(record).length).toBeGreaterThan(400 * 1024);
    await store.changes.save(record);
    const item = await rawItem('CHANGES', `CHANGE#${record.changeId}`);
    expect(item).toHaveProperty('recordGz');
    expect(item).not.toHaveProperty('record');
    expect(await store.changes.get(record.changeId)).toEqual(record);
    expect(await store.changes.latestFor(groupKeyOf(record.plan.target))).toEqual(record);
  });

  it('keeps small records readable in the table, with the fields to query by', async () => {
    const old = rule({ id: 'sgr-1' });
    const record: ChangeRecord = {
      changeId: 'chg-1',
      kind: 'apply',
      actor: 'a',
      at: T0.toISOString(),
      plan: replacePlan('sgr-1', old, withoutNative(old)),
      preImage: [old],
      addedRuleIds: [],
      status: 'refused',
      messages: ['drift'],
    };
    await store.changes.save(record);
    expect(await rawItem('CHANGES', 'CHANGE#chg-1')).toMatchObject({
      changeId: 'chg-1',
      kind: 'apply',
      status: 'refused',
      planId: 'plan-sgr-1',
      fingerprint: 'fp-test',
      groupKey: groupKeyOf(record.plan.target),
      gsi1pk: `GROUP#${groupKeyOf(record.plan.target)}`,
      gsi1sk: `${T0.toISOString()}#chg-1`,
      record: JSON.stringify(record),
    });
  });
});

describe('access patterns', () => {
  it('nothing in this file scanned the table: every read was a GetItem or a Query', async () => {
    // Runs last in the file: `sent` holds every command the stores sent above.
    expect(sent.length).toBeGreaterThan(100);
    expect(new Set(sent)).toEqual(new Set(['GetCommand', 'PutCommand', 'UpdateCommand', 'QueryCommand']));
    expect(QueryCommand.name).toBe('QueryCommand');
  });
});
