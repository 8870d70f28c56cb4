import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import { configSchema } from '../src/config/schema.ts';
import type { Finding, Rule, SecurityGroup } from '../src/model/types.ts';
import { applyPlan, auditVerifier, newChangeId, readGroup, revertChange } from '../src/remediation/apply.ts';
import { normalizeScope as normalize } from '../adapters/live-estate.ts';
import { contentKey } from '../src/model/rule-signature.ts';
import type { ChangeRecord, NewRule, Plan } from '../src/model/change.ts';
import { createFileChangeStore, defaultStateDir } from '../src/store/changes.ts';
import { groupKeyOf } from '../src/model/change.ts';
import type { ChangeStore } from '../src/ports/changes.ts';
import { rule } from './support/build.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import type { MemoryAdapter } from './support/memory-adapter.ts';

// Apply and revert against an in-memory AWS account read through the real AWS normalizers, with
// hand-built plans (the planner is tested on its own). The store is the real file store in a
// temporary directory.

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

const GROUP = 'sg-0a1b2c3d4e5f60718';
const scope = MEMORY_SCOPE;
const config = configSchema.parse({});

const sshWorld = rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh' });
const httpsWorld = rule({ protocol: 'tcp', ports: 443, peer: '0.0.0.0/0', description: 'https' });
const egressAll = rule({ direction: 'egress', protocol: 'all', peer: '0.0.0.0/0', description: '' });
const sshOffice: NewRule = withoutNative(
  rule({ protocol: 'tcp', ports: 22, peer: '203.0.113.0/24', description: 'office' }),
);

function withoutNative(r: Rule): NewRule {
  const { native: _native, ...rest } = r;
  return rest;
}

/** The rules' content as a sorted multiset (ids left out). */
function contents(rules: readonly Rule[]): string[] {
  return rules.map(contentKey).sort();
}

let dir: string;
let store: ChangeStore & { dir: string };
let adapter: MemoryAdapter;
let ids: { ssh: string; https: string; egress: string };
let clock: () => Date;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-apply-'));
  store = createFileChangeStore(dir);
  adapter = createMemoryAdapter([{ id: GROUP, name: 'web', vpcId: 'vpc-1', description: 'web servers' }]);
  ids = {
    ssh: adapter.put(GROUP, sshWorld),
    https: adapter.put(GROUP, httpsWorld),
    egress: adapter.put(GROUP, egressAll),
  };
  let t = Date.parse('2025-03-01T10:00:00.000Z');
  clock = () => new Date((t += 1000));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  vi.mocked(rename).mockClear();
});

async function live(): Promise<SecurityGroup> {
  const group = await readGroup(adapter, scope, GROUP, normalize);
  if (!group) throw new Error('group not found');
  return group;
}

function findingOf(group: SecurityGroup, check: string): Finding {
  const finding = auditEstate({ groups: [group], unparseable: [], scanErrors: [] }, config).findings.find(
    (f) => f.check === check,
  );
  if (!finding) throw new Error(`no ${check} finding`);
  return finding;
}

/** A plan that replaces one live rule by a narrower one, as the planner would write it. */
function replacePlan(group: SecurityGroup, ruleId: string, replacement: NewRule, finding?: Finding): Plan {
  const old = group.rules.find((r) => r.native.ruleId === ruleId) as Rule;
  const signature = ruleSignature(old, true);
  const f = finding ?? {
    fingerprint: 'fp-test',
    check: 'internet-admin-port',
    title: 'SSH open to the Internet',
    severity: 'high' as const,
  };
  return {
    id: `plan-${ruleId}`,
    finding: { fingerprint: f.fingerprint, check: f.check, title: f.title, severity: f.severity },
    target: {
      provider: group.provider,
      account: group.account,
      region: group.region,
      groupId: group.id,
      groupName: group.name,
    },
    operations: [
      { op: 'add', rule: replacement, label: 'office' },
      { op: 'remove', ruleId, signature, rule: old },
    ],
    preconditions: [{ ruleId, signature }],
    resolves: [f.fingerprint],
    summary: 'SSH only from the office',
    notes: ['access to tcp/22 from outside the office will stop'],
    diff: ['- tcp/22 from 0.0.0.0/0', '+ tcp/22 from 203.0.113.0/24 (office)'],
  };
}

async function apply(plan: Plan, extra: Partial<Parameters<typeof applyPlan>[0]> = {}): Promise<ChangeRecord> {
  return applyPlan({
    adapter,
    normalize,
    scope,
    plan,
    store,
    actor: 'U123 (alice)',
    now: clock,
    verify: () => true,
    ...extra,
  });
}

describe('readGroup', () => {
  it('reads the group through the real AWS normalizers, with the provider ids', async () => {
    const group = await live();
    expect(group).toMatchObject({
      provider: 'aws',
      account: scope.account,
      region: scope.region,
      id: GROUP,
      name: 'web',
    });
    expect(group.rules.map((r) => r.native.ruleId)).toEqual([ids.ssh, ids.https, ids.egress]);
    expect(contents(group.rules)).toEqual(contents([sshWorld, httpsWorld, egressAll]));
    expect(await readGroup(adapter, scope, 'sg-missing', normalize)).toBeUndefined();
  });
});

describe('applyPlan', () => {
  it('replaces a rule: adds first, then removes; verifies with a re-audit; records it', async () => {
    const before = await live();
    const finding = findingOf(before, 'internet-admin-port');
    const plan = replacePlan(before, ids.ssh, sshOffice, finding);
    adapter.calls.length = 0;

    const record = await apply(plan, { verify: auditVerifier(config) });

    expect(record.status).toBe('applied');
    expect(adapter.mutations().map((c) => [c.op, c.ok])).toEqual([
      ['add', true],
      ['remove', true],
    ]);
    expect(adapter.mutations()[1]?.ruleId).toBe(ids.ssh);
    // Read before (preconditions) and after (verification).
    expect(adapter.calls.filter((c) => c.op === 'read')).toHaveLength(2);
    const after = await live();
    expect(after.rules.map((r) => r.native.ruleId)).toEqual([ids.https, ids.egress, ...record.addedRuleIds]);
    expect(contents(after.rules)).toEqual(contents([httpsWorld, egressAll, { ...sshOffice, native: sshWorld.native }]));
    expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: true });
    expect(record.preImage).toEqual(before.rules);
    expect(record.postImage).toEqual(after.rules);
    expect(record.addedRuleIds).toHaveLength(1);
    expect(record).toMatchObject({ kind: 'apply', actor: 'U123 (alice)', at: '2025-03-01T10:00:01.000Z', plan });
    expect(await store.get(record.changeId)).toEqual(record);
  });

  it('verifies with the evaluator: a re-audit that still finds the finding rolls the change back', async () => {
    const before = await live();
    const finding = findingOf(before, 'internet-admin-port');
    // A "fix" that does not fix: SSH from 0.0.0.0/1 and 128.0.0.0/1 is still the whole Internet.
    const half = withoutNative(rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/1', description: 'half' }));
    const plan = replacePlan(before, ids.ssh, half, finding);
    plan.operations.unshift({
      op: 'add',
      rule: withoutNative(rule({ protocol: 'tcp', ports: 22, peer: '128.0.0.0/1', description: 'other half' })),
    });

    const record = await apply(plan, { verify: auditVerifier(config) });

    expect(record.status).toBe('rolled-back');
    expect(record.verification).toEqual({ findingGone: false, otherRulesUntouched: true });
    expect(record.messages.join('\n')).toContain(`finding ${finding.fingerprint}`);
    expect(contents((await live()).rules)).toEqual(contents(before.rules));
  });

  it('auditVerifier: without the group before, judges by the check and title of the finding', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice, findingOf(before, 'internet-admin-port'));
    const verify = auditVerifier(config);
    expect(await verify(before, plan)).toBe(false);
    expect(await verify(before, plan, before)).toBe(false);
    const fixed = { ...before, rules: before.rules.filter((r) => r.native.ruleId !== ids.ssh) };
    expect(await verify(fixed, plan)).toBe(true);
    expect(await verify(fixed, plan, before)).toBe(true);
  });

  it('is idempotent: applying an applied plan makes no calls and says "already applied"', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    expect((await apply(plan)).status).toBe('applied');
    const rulesAfter = (await live()).rules;
    adapter.calls.length = 0;

    const again = await apply(plan);

    expect(again.status).toBe('already-applied');
    expect(again.messages[0]).toMatch(/^already applied/);
    expect(adapter.mutations()).toEqual([]);
    expect((await live()).rules).toEqual(rulesAfter);
    expect(await store.get(again.changeId)).toEqual(again);
    expect(again.addedRuleIds).toEqual([]);
  });

  it('refuses when the rule changed since the plan, naming it and how', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    adapter.modify(GROUP, ids.ssh, rule({ protocol: 'tcp', ports: [22, 23], peer: '0.0.0.0/0' }));
    adapter.calls.length = 0;

    const record = await apply(plan);

    expect(record.status).toBe('refused');
    expect(record.messages).toContain(
      `rule ${ids.ssh} changed from ingress allow ipv4 tcp 22 0.0.0.0/0 1 to ingress allow ipv4 tcp 22-23 0.0.0.0/0 1`,
    );
    expect(adapter.mutations()).toEqual([]);
    expect(await store.get(record.changeId)).toEqual(record);
  });

  it('refuses when the rule is gone, naming the missing id', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    adapter.drop(GROUP, ids.ssh);
    adapter.calls.length = 0;

    const record = await apply(plan);

    expect(record.status).toBe('refused');
    expect(record.messages).toContain(
      `missing rule id ${ids.ssh}: the plan expected ingress allow ipv4 tcp 22 0.0.0.0/0 1`,
    );
    expect(adapter.mutations()).toEqual([]);
  });

  it('compares a precondition signature written without priority like with like', async () => {
    const group = await live();
    const plan = replacePlan(group, ids.ssh, sshOffice);
    const plain = ruleSignature(group.rules[0] as Rule, false);
    plan.preconditions = [{ ruleId: ids.ssh, signature: plain }];
    plan.operations[1] = {
      ...(plan.operations[1] as Extract<Plan['operations'][number], { op: 'remove' }>),
      signature: plain,
    };
    adapter.modify(GROUP, ids.ssh, rule({ protocol: 'udp', ports: 22, peer: '0.0.0.0/0' }));

    const record = await apply(plan);

    expect(record.status).toBe('refused');
    expect(record.messages).toContain(`rule ${ids.ssh} changed from ${plain} to ingress allow ipv4 udp 22 0.0.0.0/0`);
  });

  it('applies despite an unrelated rule added since the plan, and keeps that rule', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const extra = adapter.put(
      GROUP,
      rule({ protocol: 'tcp', ports: 8443, peer: '10.0.0.0/8', description: 'internal' }),
    );

    const record = await apply(plan);

    expect(record.status).toBe('applied');
    expect(record.preImage.map((r) => r.native.ruleId)).toContain(extra);
    expect((await live()).rules.map((r) => r.native.ruleId)).toContain(extra);
    expect(record.verification?.otherRulesUntouched).toBe(true);
  });

  it('notes a rule someone adds while the change runs, and keeps it', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    let foreign = '';
    const unhook = adapter.beforeCall((op) => {
      if (op === 'remove' && !foreign)
        foreign = adapter.put(GROUP, rule({ protocol: 'udp', ports: 53, peer: '10.0.0.0/8' }));
    });

    const record = await apply(plan);
    unhook();

    expect(record.status).toBe('applied');
    expect(record.messages.some((m) => m.includes(foreign) && m.includes('appeared meanwhile'))).toBe(true);
    expect((await live()).rules.map((r) => r.native.ruleId)).toContain(foreign);
  });

  it('rolls back when the remove fails after the add: the group is as before', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);
    adapter.fail('remove', { message: 'RequestLimitExceeded: rate exceeded' });
    adapter.calls.length = 0;

    const record = await apply(plan);

    expect(record.status).toBe('rolled-back');
    expect(adapter.mutations().map((c) => [c.op, c.ok])).toEqual([
      ['add', true],
      ['remove', false],
      ['remove', true],
    ]);
    const added = adapter.mutations()[0]?.ruleId as string;
    expect(adapter.mutations()[2]?.ruleId).toBe(added);
    expect(record.messages).toContain(
      `failed part-way: removing ${ids.ssh} (ingress allow ipv4 tcp 22 0.0.0.0/0 1) failed: RequestLimitExceeded: rate exceeded`,
    );
    expect(record.messages.some((m) => m.startsWith(`undo: removed added rule ${added}`))).toBe(true);
    const after = await live();
    expect(contents(after.rules)).toEqual(contents(before.rules));
    expect(after.rules.map((r) => r.native.ruleId)).toEqual(before.rules.map((r) => r.native.ruleId));
    expect(record.postImage).toEqual(after.rules);
  });

  it('rolls back a remove that succeeded when a later remove fails: the removed rule is re-added from its content', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);
    const https = before.rules.find((r) => r.native.ruleId === ids.https) as Rule;
    plan.operations.push({ op: 'remove', ruleId: ids.https, signature: ruleSignature(https, true), rule: https });
    plan.preconditions.push({ ruleId: ids.https, signature: ruleSignature(https, true) });
    adapter.fail('remove', { nth: 2 });
    adapter.calls.length = 0;

    const record = await apply(plan);

    expect(record.status).toBe('rolled-back');
    // add, remove ssh, remove https (fails); undo: re-add ssh, remove the added rule.
    expect(adapter.mutations().map((c) => `${c.op}${c.ok ? '' : '!'}`)).toEqual([
      'add',
      'remove',
      'remove!',
      'add',
      'remove',
    ]);
    const after = await live();
    expect(contents(after.rules)).toEqual(contents(before.rules));
    expect(record.messages.some((m) => m.startsWith(`undo: re-added ${ids.ssh}`))).toBe(true);
  });

  it('fails, naming what is left, when the undo itself fails', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);
    adapter.fail('remove', { nth: 1, message: 'plan remove failed' });
    adapter.fail('remove', { nth: 2, message: 'undo remove failed' });

    const record = await apply(plan);

    expect(record.status).toBe('failed');
    const added = record.addedRuleIds[0] as string;
    expect(record.messages).toContain(
      'failed part-way: removing ' + `${ids.ssh} (ingress allow ipv4 tcp 22 0.0.0.0/0 1) failed: plan remove failed`,
    );
    expect(
      record.messages.some(
        (m) => m.startsWith(`undo: removing added rule ${added}`) && m.endsWith('undo remove failed'),
      ),
    ).toBe(true);
    expect(record.messages).toContain(
      `left: rule ${added} (ingress allow ipv4 tcp 22 203.0.113.0/24 1) added by this change is still there`,
    );
    expect((await live()).rules.map((r) => r.native.ruleId)).toContain(added);
  });

  it('fails, naming the rule, when an add took effect but its answer was lost', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    adapter.fail('add', { afterActing: true, message: 'socket hang up' });

    const record = await apply(plan);

    expect(record.status).toBe('failed');
    expect(record.addedRuleIds).toEqual([]);
    const created = adapter.mutations()[0]?.ruleId as string;
    expect(record.messages).toContain(
      `left: rule ${created} (ingress allow ipv4 tcp 22 203.0.113.0/24 1) is there and was not before; the failed call may have created it`,
    );
  });

  it('rolls back when verification fails: the finding is still there', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);

    const record = await apply(plan, { verify: () => false });

    expect(record.status).toBe('rolled-back');
    expect(record.verification).toEqual({ findingGone: false, otherRulesUntouched: true });
    expect(record.messages).toContain('verification: finding fp-test (SSH open to the Internet) is still reported');
    expect(contents((await live()).rules)).toEqual(contents(before.rules));
  });

  it('rolls back when verification fails: a rule reads back other than added', async () => {
    const before = await live();
    // AWS has no priorities: a rule added with priority 5 reads back with priority 1.
    const plan = replacePlan(before, ids.ssh, { ...sshOffice, priority: 5 });

    const record = await apply(plan);

    expect(record.status).toBe('rolled-back');
    expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: false });
    expect(record.messages.some((m) => /^verification: added rule sgr-\d+ reads back as .* 1, not .* 5$/.test(m))).toBe(
      true,
    );
    expect(contents((await live()).rules)).toEqual(contents(before.rules));
  });

  it('rolls back when someone changes a kept rule while the change runs, and says it was someone else', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);
    let done = false;
    adapter.beforeCall((op) => {
      if (op === 'remove' && !done) {
        done = true;
        adapter.modify(GROUP, ids.https, rule({ protocol: 'tcp', ports: 8443, peer: '0.0.0.0/0' }));
      }
    });

    const record = await apply(plan);

    expect(record.status).toBe('rolled-back');
    expect(record.verification?.otherRulesUntouched).toBe(false);
    expect(record.messages).toContain(
      `verification: rule ${ids.https} was not to be touched and changed from ingress allow ipv4 tcp 443 0.0.0.0/0 1 to ingress allow ipv4 tcp 8443 0.0.0.0/0 1`,
    );
    expect(
      record.messages.some((m) =>
        m.startsWith('the group also differs from before in rules this change did not touch'),
      ),
    ).toBe(true);
    expect(record.messages).toContain('undo: nothing of this change is left');
  });

  it('resumes an apply that stopped after its add: the rule is not added twice', async () => {
    const before = await live();
    const plan = replacePlan(before, ids.ssh, sshOffice);
    const earlier = adapter.put(GROUP, { ...sshOffice, native: sshWorld.native });
    adapter.calls.length = 0;

    const record = await apply(plan);

    expect(record.status).toBe('applied');
    expect(adapter.mutations().map((c) => c.op)).toEqual(['remove']);
    expect(record.addedRuleIds).toEqual([]);
    expect(record.messages).toContain(
      'rule ingress allow ipv4 tcp 22 203.0.113.0/24 1 is already there; not added again',
    );
    expect((await live()).rules.map((r) => r.native.ruleId)).toEqual([ids.https, ids.egress, earlier]);
  });

  it('refuses a plan for another scope, and a group that is not there', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const other = await apply({ ...plan, target: { ...plan.target, region: 'us-east-1' } });
    expect(other.status).toBe('refused');
    expect(other.messages[0]).toBe('refused: the plan is for region us-east-1, the scope is eu-west-1');
    const missing = await apply({ ...plan, target: { ...plan.target, groupId: 'sg-gone' } });
    expect(missing.messages[0]).toBe(`refused: group sg-gone is not found in aws ${scope.account} eu-west-1`);
    adapter.fail('read', { message: 'UnauthorizedOperation' });
    const unreadable = await apply(plan);
    expect(unreadable.messages[0]).toBe(`refused: cannot read group ${GROUP}: UnauthorizedOperation`);
    expect(adapter.mutations()).toEqual([]);
  });

  it('writes the record with the pre-image before the first change (no change without a record)', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    let during: ChangeRecord[] = [];
    const seen: Promise<void>[] = [];
    adapter.beforeCall((op) => {
      if (op === 'add') seen.push(store.list().then((records) => void (during = records)));
    });

    const record = await apply(plan);
    await Promise.all(seen);

    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ changeId: record.changeId, status: 'failed', preImage: record.preImage });
    expect(during[0]?.messages[0]).toMatch(
      /^in progress since .*: if this record still says so, the apply was interrupted/,
    );
    expect((await store.get(record.changeId))?.status).toBe('applied');
  });

  it('does not touch the group when the record cannot be written', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const broken: ChangeStore = { ...store, save: async () => Promise.reject(new Error('disk full')) };
    await expect(
      applyPlan({ adapter, normalize, scope, plan, store: broken, actor: 'bob', verify: () => true }),
    ).rejects.toThrow(/disk full/);
    expect(adapter.mutations()).toEqual([]);
  });
});

describe('revertChange', () => {
  it('restores the exact pre-image rule list (by content; re-added rules get new ids, and says so)', async () => {
    const before = await live();
    const applied = await apply(replacePlan(before, ids.ssh, sshOffice));
    adapter.calls.length = 0;

    const reverted = await revertChange({
      adapter,
      normalize,
      scope,
      change: applied,
      store,
      actor: 'U456 (bob)',
      now: clock,
    });

    expect(reverted.status).toBe('reverted');
    expect(reverted).toMatchObject({
      kind: 'revert',
      reverts: applied.changeId,
      actor: 'U456 (bob)',
      plan: applied.plan,
    });
    // Add before remove here too.
    expect(adapter.mutations().map((c) => [c.op, c.ruleId])).toEqual([
      ['add', reverted.addedRuleIds[0]],
      ['remove', applied.addedRuleIds[0]],
    ]);
    const after = await live();
    expect(contents(after.rules)).toEqual(contents(before.rules));
    expect(after.rules.map((r) => ruleSignature(r, true)).sort()).toEqual(
      applied.preImage.map((r) => ruleSignature(r, true)).sort(),
    );
    expect(reverted.preImage).toEqual(applied.postImage);
    expect(reverted.postImage).toEqual(after.rules);
    expect(reverted.messages).toContain(
      `re-added the rules it removed; the provider gave them new ids: ${ids.ssh} → ${reverted.addedRuleIds[0]}`,
    );
    expect(await store.get(reverted.changeId)).toEqual(reverted);
  });

  it('refuses after a later change, saying what changed since; and refuses a second revert', async () => {
    const applied = await apply(replacePlan(await live(), ids.ssh, sshOffice));
    const later = adapter.put(GROUP, rule({ protocol: 'tcp', ports: 80, peer: '0.0.0.0/0' }));
    adapter.modify(GROUP, ids.https, rule({ protocol: 'tcp', ports: 8443, peer: '0.0.0.0/0' }));
    adapter.calls.length = 0;

    const refused = await revertChange({ adapter, normalize, scope, change: applied, store, actor: 'bob', now: clock });

    expect(refused.status).toBe('refused');
    expect(refused.messages).toContain(`rule ${later} (ingress allow ipv4 tcp 80 0.0.0.0/0 1) was added`);
    expect(refused.messages).toContain(
      `rule ${ids.https} changed from ingress allow ipv4 tcp 443 0.0.0.0/0 1 to ingress allow ipv4 tcp 8443 0.0.0.0/0 1`,
    );
    expect(adapter.mutations()).toEqual([]);

    adapter.drop(GROUP, later);
    adapter.modify(GROUP, ids.https, httpsWorld);
    expect(
      (await revertChange({ adapter, normalize, scope, change: applied, store, actor: 'bob', now: clock })).status,
    ).toBe('reverted');
    const again = await revertChange({ adapter, normalize, scope, change: applied, store, actor: 'bob', now: clock });
    expect(again.status).toBe('refused');
    expect(again.messages[0]).toMatch(new RegExp(`^refused: ${applied.changeId} was already reverted by chg-`));
  });

  it('refuses when a rule the change added was removed since', async () => {
    const applied = await apply(replacePlan(await live(), ids.ssh, sshOffice));
    adapter.drop(GROUP, applied.addedRuleIds[0] as string);
    const refused = await revertChange({ adapter, normalize, scope, change: applied, store, actor: 'bob', now: clock });
    expect(refused.status).toBe('refused');
    expect(refused.messages).toContain(
      `rule ${applied.addedRuleIds[0]} (ingress allow ipv4 tcp 22 203.0.113.0/24 1) was removed`,
    );
  });

  it('refuses to revert what changed nothing, pointing at the change that did', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const applied = await apply(plan);
    const noop = await apply(plan);
    const refused = await revertChange({ adapter, normalize, scope, change: noop, store, actor: 'bob', now: clock });
    expect(refused.status).toBe('refused');
    expect(refused.messages[0]).toBe(
      `refused: ${noop.changeId} is already-applied, not applied: it changed nothing to revert; the change that applied plan ${plan.id} is ${applied.changeId}`,
    );
  });

  it('undoes a revert that fails part-way: the group stays as the change left it', async () => {
    const applied = await apply(replacePlan(await live(), ids.ssh, sshOffice));
    adapter.fail('remove');

    const record = await revertChange({ adapter, normalize, scope, change: applied, store, actor: 'bob', now: clock });

    expect(record.status).toBe('rolled-back');
    expect(contents((await live()).rules)).toEqual(contents(applied.postImage ?? []));
    expect(record.messages[0]).toMatch(/^failed part-way: removing sgr-\d+ .* failed: injected remove failure$/);
  });
});

describe('file change store', () => {
  it('writes one file per change and reads them back; every record says who, when, what, before and result', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const applied = await apply(plan);
    const noop = await apply(plan);
    const reverted = await revertChange({
      adapter,
      normalize,
      scope,
      change: applied,
      store,
      actor: 'bob',
      now: clock,
    });
    const httpsPlan = replacePlan(
      await live(),
      ids.https,
      withoutNative(rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8' })),
    );
    adapter.modify(GROUP, ids.https, rule({ protocol: 'tcp', ports: 8443, peer: '0.0.0.0/0' }));
    const refused = await apply(httpsPlan);
    expect([applied.status, noop.status, reverted.status, refused.status]).toEqual([
      'applied',
      'already-applied',
      'reverted',
      'refused',
    ]);

    const files = (await readdir(join(dir, 'changes'))).sort();
    const records = [applied, noop, reverted, refused];
    expect(files).toEqual(records.map((r) => `${r.changeId}.json`).sort());
    expect(await store.list()).toEqual(records);
    for (const record of await store.list()) {
      expect(record.actor).not.toBe('');
      expect(Number.isNaN(Date.parse(record.at))).toBe(false);
      expect(record.plan.id).toBeTruthy();
      expect(Array.isArray(record.preImage)).toBe(true);
      expect(record.preImage.length).toBeGreaterThan(0);
      expect(['applied', 'already-applied', 'refused', 'rolled-back', 'reverted', 'failed']).toContain(record.status);
      expect(record.messages.length).toBeGreaterThan(0);
      expect(JSON.parse(await readFile(join(dir, 'changes', `${record.changeId}.json`), 'utf8'))).toEqual(record);
    }
    expect(await store.latestFor(groupKeyOf(plan.target))).toEqual(refused);
    expect(await store.latestFor('aws/1/eu-west-1/sg-other')).toBeUndefined();
    expect(await store.get('chg-19700101T000000.000Z-000000')).toBeUndefined();
  });

  it('writes atomically: a temporary file in the same directory, renamed over the record', async () => {
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    const record = await apply(plan);
    const final = join(dir, 'changes', `${record.changeId}.json`);
    // The apply wrote the in-progress record, updated it after the add and after the remove, then
    // wrote the final one: each by a rename.
    const renames = vi.mocked(rename).mock.calls.filter(([, to]) => to === final);
    expect(renames).toHaveLength(4);
    for (const [from] of renames)
      expect(String(from)).toMatch(new RegExp(`^${join(dir, 'changes')}/\\.${record.changeId}\\..*\\.tmp$`));

    // A crash between writing the temporary file and renaming it leaves the old record whole.
    const { rename: realRename } = await vi.importActual<typeof FsPromises>('node:fs/promises');
    let staged = '';
    vi.mocked(rename).mockImplementationOnce(async (from) => {
      staged = await readFile(from, 'utf8');
      throw new Error('power cut');
    });
    await expect(store.save({ ...record, status: 'reverted', messages: ['changed'] })).rejects.toThrow(/power cut/);
    expect(JSON.parse(staged)).toMatchObject({ status: 'reverted' });
    expect(await store.get(record.changeId)).toEqual(record);
    expect(await readdir(join(dir, 'changes'))).toEqual([`${record.changeId}.json`]);
    expect(realRename).toBeTypeOf('function');
  });

  it('refuses ids that are not change ids, and reports a damaged record by its file', async () => {
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/not a change id/);
    const plan = replacePlan(await live(), ids.ssh, sshOffice);
    await expect(store.save({ ...(await apply(plan)), changeId: 'chg-../x' })).rejects.toThrow(/not a change id/);
    const id = newChangeId(new Date('2025-01-02T03:04:05.678Z'));
    expect(id).toMatch(/^chg-20250102T030405\.678Z-[0-9a-f]{6}$/);
    await writeFile(join(dir, 'changes', `${id}.json`), '{"changeId": ');
    await expect(store.list()).rejects.toThrow(new RegExp(`${id}\\.json is not valid JSON`));
  });

  it('lives in $WARDEN_STATE_DIR, else .warden/ in the working directory', () => {
    expect(defaultStateDir({}, '/srv/app')).toBe('/srv/app/.warden');
    expect(defaultStateDir({ WARDEN_STATE_DIR: '/var/lib/warden' }, '/srv/app')).toBe('/var/lib/warden');
    expect(defaultStateDir({ WARDEN_STATE_DIR: 'state' }, '/srv/app')).toBe('/srv/app/state');
  });
});
