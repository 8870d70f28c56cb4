// Remediation end to end on Alibaba, Huawei and OTC: audit → plan (proved) → apply → re-audit
// (the finding gone, every other rule untouched) → revert (the group's rules as they were), plus
// drift between plan and apply (refused) and a failure between add and remove (rolled back).
// Each runs the real adapter and SDK (or HTTP client) against the stateful loopback fake of the
// provider's API from test/support, and checks the exact requests that reached the fake, in order.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlibabaAdapter } from '../adapters/alibaba/live.ts';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import type { LiveAdapter, Scope } from '../src/ports/live.ts';
import { normalizeScope, normalizeScope as normalize } from '../adapters/live-estate.ts';
import { createOtcAdapter } from '../adapters/otc/live.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate, Finding, Rule, SecurityGroup } from '../src/model/types.ts';
import { applyPlan, auditVerifier, revertChange } from '../src/remediation/apply.ts';
import { planFor, whyNoPlan } from '../src/remediation/planners/index.ts';
import { isProven, provePlan } from '../src/remediation/prove.ts';
import type { ChangeRecord, NewRule, Plan } from '../src/model/change.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import type { ChangeStore } from '../src/ports/changes.ts';
import { FakeAlibabaEcs } from './support/fake-alibaba.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import type { ApiRecord, FakeHuawei } from './support/fake-huawei.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';
import type { FakeGroup, FakeRule } from './support/fake-otc.ts';

const OFFICE = '203.0.113.0/24';
const ACTOR = 'tester@ci';

function configFor(providers: Record<string, unknown>): WardenConfig {
  return configSchema.parse({
    providers,
    scan: { timeoutMs: 2000, retries: 3 },
    remediation: { trustedSources: { '22': [{ source: OFFICE, label: 'office' }] } },
  });
}

// ---------------------------------------------------------------------------------------------
// Rule content, independent of the code under test

/**
 * What a rule does and says, without its provider id: `ingress allow p1 ipv4 tcp 22-22 0.0.0.0/0 on "ssh"`.
 * TCP/UDP port 0 is no port on these clouds (Alibaba, Huawei and OTC v3 take 1-65535, Neutron refuses
 * 0): a range from 0 is the same rule as the range from 1.
 */
function content(rule: NewRule | Rule): string {
  const peer = rule.peer;
  const peerText =
    peer.kind === 'cidr' ? peer.cidr : peer.kind === 'group' ? `sg:${peer.groupId}` : `${peer.kind}:${peer.id}`;
  const low = (from: number) => (rule.protocol === 'tcp' || rule.protocol === 'udp' ? Math.max(from, 1) : from);
  const ports = rule.ports.map((p) => `${low(p.from)}-${p.to}`).join(',');
  return `${rule.direction} ${rule.action} p${rule.priority} ${rule.family} ${String(rule.protocol)} ${ports} ${peerText} ${rule.enabled ? 'on' : 'off'} ${JSON.stringify(rule.description)}`;
}

function contents(rules: readonly (NewRule | Rule)[]): string[] {
  return rules.map(content).sort();
}

/** Rules by provider id and content, in id order. */
function byId(rules: readonly Rule[]): string[] {
  return rules.map((r) => `${r.native.ruleId} ${content(r)}`).sort();
}

/** A raw API record without its id and timestamps, keys sorted: what the provider stores for the rule. */
function rawContent(record: Record<string, unknown>, drop: readonly string[]): string {
  return JSON.stringify(
    Object.entries(record)
      .filter(([key]) => !drop.includes(key))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

// ---------------------------------------------------------------------------------------------
// The flow

interface Harness {
  adapter: LiveAdapter;
  scope: Scope;
  config: WardenConfig;
  store: ChangeStore;
  dir: string;
}

let clockAt = Date.parse('2026-02-01T09:00:00.000Z');
const now = () => new Date((clockAt += 1000));

async function harness(adapter: LiveAdapter, scope: Scope, config: WardenConfig): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-providers-'));
  return { adapter, scope, config, store: createFileChangeStore(dir), dir };
}

/** The scope as `warden audit --provider …` reads it: the adapter's pages through the snapshot normalizers. */
async function audit(h: Harness): Promise<{ estate: Estate; findings: Finding[] }> {
  const estate = mergePages(normalizeScope(h.scope, await h.adapter.read(h.scope)));
  expect(estate.unparseable).toEqual([]);
  return { estate, findings: auditEstate(estate, h.config).findings };
}

function groupIn(estate: Estate, groupId: string): SecurityGroup {
  const group = estate.groups.find((g) => g.id === groupId);
  if (!group) throw new Error(`group ${groupId} is not in the estate`);
  return group;
}

async function rulesOf(h: Harness, groupId: string): Promise<Rule[]> {
  return groupIn((await audit(h)).estate, groupId).rules;
}

interface Planned {
  estate: Estate;
  group: SecurityGroup;
  finding: Finding;
  plan: Plan;
}

/** Audits, takes the group's finding of `check` on `port`, plans it and proves the plan. */
async function planOn(h: Harness, groupId: string, check: string, port: number): Promise<Planned> {
  const { estate, findings } = await audit(h);
  const group = groupIn(estate, groupId);
  const finding = findings.find((f) => f.groupId === groupId && f.check === check && f.title.includes(` ${port} `));
  if (!finding)
    throw new Error(
      `no ${check} finding on port ${port} for ${groupId}: ${findings.map((f) => `${f.check} ${f.title}`).join('; ')}`,
    );
  expect(whyNoPlan(finding, group, h.config)).toBe('');
  const plan = planFor(finding, group, h.config);
  if (!plan) throw new Error('no plan');
  const proof = provePlan(group, plan, h.config);
  expect(proof).toEqual({ findingGone: true, onlyFindingPartChanged: true, neverWidens: true, otherChanges: [] });
  expect(isProven(proof)).toBe(true);
  return { estate, group, finding, plan };
}

type Op = ['add', string] | ['remove', string];

function opsOf(plan: Plan): Op[] {
  return plan.operations.map((op): Op => (op.op === 'add' ? ['add', content(op.rule)] : ['remove', op.ruleId]));
}

function addsOf(plan: Plan): NewRule[] {
  return plan.operations.flatMap((op) => (op.op === 'add' ? [op.rule] : []));
}

function removedIdsOf(plan: Plan): string[] {
  return plan.operations.flatMap((op) => (op.op === 'remove' ? [op.ruleId] : []));
}

async function apply(h: Harness, planned: Planned): Promise<ChangeRecord> {
  return applyPlan({
    adapter: h.adapter,
    normalize,
    scope: h.scope,
    plan: planned.plan,
    store: h.store,
    actor: ACTOR,
    now,
    verify: auditVerifier(h.config, planned.estate),
  });
}

/**
 * Applies the plan and checks the record and the re-audit: the finding is gone (by fingerprint and
 * by its port), every rule the plan does not remove is there with its id and content, the plan's
 * adds are there, and nothing else is; other groups of the scope are untouched.
 */
async function applyAndVerify(h: Harness, planned: Planned): Promise<{ record: ChangeRecord; after: SecurityGroup }> {
  const { group, finding, plan } = planned;
  const record = await apply(h, planned);
  expect(record.messages.filter((m) => !m.startsWith('applied:'))).toEqual([]);
  expect(record).toMatchObject({
    kind: 'apply',
    actor: ACTOR,
    status: 'applied',
    verification: { findingGone: true, otherRulesUntouched: true },
  });
  expect(record.addedRuleIds).toHaveLength(addsOf(plan).length);
  expect(new Set(record.addedRuleIds).size).toBe(record.addedRuleIds.length);
  expect(record.preImage).toHaveLength(group.rules.length);
  expect(byId(record.preImage)).toEqual(byId(group.rules));

  const { estate, findings } = await audit(h);
  const after = groupIn(estate, group.id);
  expect(findings.map((f) => f.fingerprint)).not.toContain(finding.fingerprint);
  expect(
    findings.filter((f) => f.groupId === group.id && f.check === finding.check && f.title === finding.title),
  ).toEqual([]);

  const removed = new Set(removedIdsOf(plan));
  const added = new Set(record.addedRuleIds);
  const untouched = group.rules.filter((r) => !removed.has(r.native.ruleId));
  expect(byId(after.rules.filter((r) => !added.has(r.native.ruleId)))).toEqual(byId(untouched));
  expect(contents(after.rules.filter((r) => added.has(r.native.ruleId)))).toEqual(contents(addsOf(plan)));
  expect(after.rules.filter((r) => removed.has(r.native.ruleId))).toEqual([]);
  expect(byId(record.postImage ?? [])).toEqual(byId(after.rules));

  for (const other of planned.estate.groups.filter((g) => g.id !== group.id))
    expect(byId(groupIn(estate, other.id).rules)).toEqual(byId(other.rules));
  return { record, after };
}

/** Reverts an applied change and checks that the group has exactly its original rules again, by content. */
async function revertAndVerify(
  h: Harness,
  planned: Planned,
  record: ChangeRecord,
  after: SecurityGroup,
): Promise<ChangeRecord> {
  const revert = await revertChange({
    adapter: h.adapter,
    normalize,
    scope: h.scope,
    change: record,
    store: h.store,
    actor: ACTOR,
    now,
  });
  expect(revert).toMatchObject({ kind: 'revert', reverts: record.changeId, status: 'reverted' });
  expect(revert.preImage).toHaveLength(after.rules.length);
  expect(revert.addedRuleIds).toHaveLength(removedIdsOf(planned.plan).length);
  const rules = await rulesOf(h, planned.group.id);
  expect(contents(rules)).toEqual(contents(planned.group.rules));
  expect(contents(revert.postImage ?? [])).toEqual(contents(planned.group.rules));
  // The finding is back (its fingerprint too where no rule was re-added under a new id).
  const { findings } = await audit(h);
  const again = findings.filter(
    (f) => f.groupId === planned.group.id && f.check === planned.finding.check && f.title === planned.finding.title,
  );
  expect(again).toHaveLength(1);
  if (removedIdsOf(planned.plan).length === 0) expect(again[0]?.fingerprint).toBe(planned.finding.fingerprint);
  expect((await h.store.list()).map((r) => [r.kind, r.status])).toEqual([
    ['apply', 'applied'],
    ['revert', 'reverted'],
  ]);
  return revert;
}

/** Drift: the rule the plan relies on changed after the plan was made; apply refuses and changes nothing. */
async function expectRefused(h: Harness, planned: Planned, changedRuleId: string): Promise<ChangeRecord> {
  const before = await rulesOf(h, planned.group.id);
  const record = await apply(h, planned);
  expect(record.status).toBe('refused');
  expect(record.messages[0]).toMatch(/^refused: group .* changed since the plan was made; nothing was changed$/);
  expect(record.messages.slice(1).join('\n')).toContain(`rule ${changedRuleId} changed from `);
  expect(record.addedRuleIds).toEqual([]);
  expect(record.verification).toBeUndefined();
  expect(byId(record.preImage)).toEqual(byId(before));
  expect(byId(await rulesOf(h, planned.group.id))).toEqual(byId(before));
  return record;
}

/** A remove that fails for good after the add: the add is undone and the group is as it was (same ids). */
async function expectRolledBack(h: Harness, planned: Planned): Promise<ChangeRecord> {
  const record = await apply(h, planned);
  expect(record.status).toBe('rolled-back');
  expect(record.addedRuleIds).toHaveLength(addsOf(planned.plan).length);
  expect(record.messages.find((m) => m.startsWith('failed part-way: removing '))).toBeDefined();
  expect(record.messages).toContain(
    'undo: the group has the same rules as before (by content; re-added rules have new ids)',
  );
  expect(record.verification).toBeUndefined();
  expect(byId(record.preImage)).toEqual(byId(planned.group.rules));
  expect(byId(record.postImage ?? [])).toEqual(byId(planned.group.rules));
  expect(byId(await rulesOf(h, planned.group.id))).toEqual(byId(planned.group.rules));
  // Nothing to revert: it changed nothing.
  const revert = await revertChange({
    adapter: h.adapter,
    normalize,
    scope: h.scope,
    change: record,
    store: h.store,
    actor: ACTOR,
    now,
  });
  expect(revert.status).toBe('refused');
  return record;
}

// ---------------------------------------------------------------------------------------------
// Alibaba Cloud ECS

describe('Alibaba ECS (@alicloud/ecs20140526 against the stateful ECS fake)', () => {
  const KEY_ID = 'LTAI5tWardenFixKey0001';
  const KEY_SECRET = 'wArDeN-fIx-sEcReT-0123456789';
  const ACCOUNT = '1234567890123456';
  const REGION = 'cn-hangzhou';
  const SCOPE: Scope = { provider: 'alibaba', account: ACCOUNT, region: REGION };
  let fake: FakeAlibabaEcs;
  let h: Harness;

  beforeEach(async () => {
    fake = new FakeAlibabaEcs({ accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET });
    const url = await fake.start();
    const config = configFor({ alibaba: { account: ACCOUNT, regions: [REGION] } });
    const env = {
      WARDEN_ALIBABA_ENDPOINT: url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY_SECRET,
    };
    h = await harness(
      createAlibabaAdapter({ config, env, retry: { sleep: async () => {}, random: () => 0 } }),
      SCOPE,
      config,
    );
  });

  afterEach(async () => {
    await fake.close();
    await rm(h.dir, { recursive: true, force: true });
  });

  /** The rule-changing calls that reached the fake, in order, with every parameter the SDK sent. */
  function mutations(from = 0): { action: string; params: Record<string, string>; status: number }[] {
    return fake.requests
      .slice(from)
      .flatMap((r) =>
        /^(Authorize|Revoke)/.test(r.action) ? [{ action: r.action, params: r.params, status: r.status }] : [],
      );
  }

  /** The group's rules as the fake stores them, without ids and creation times. */
  function stored(groupId: string): string[] {
    return fake
      .rulesOf(groupId)
      .map((r) => rawContent(r, ['SecurityGroupRuleId', 'CreateTime']))
      .sort();
  }

  /** A jump host open on SSH, with other rules that must survive; a bystander group open on SSH too. */
  function seedJump(): { jump: string; ssh: string; bystander: string } {
    const jump = fake.addGroup(REGION, { SecurityGroupName: 'jump' });
    const ssh = fake.addPermission(jump, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Description: 'ssh from anywhere',
    });
    fake.addPermission(jump, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '443/443',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Description: 'https',
    });
    fake.addPermission(jump, {
      Direction: 'ingress',
      IpProtocol: 'ALL',
      PortRange: '-1/-1',
      SourceCidrIp: '10.0.0.0/8',
      Priority: '10',
      Description: 'internal',
    });
    fake.addPermission(jump, {
      Direction: 'egress',
      IpProtocol: 'TCP',
      PortRange: '25/25',
      DestCidrIp: '0.0.0.0/0',
      Policy: 'Drop',
      Priority: '1',
      Description: 'no smtp',
    });
    const bystander = fake.addGroup(REGION, { SecurityGroupName: 'bystander' });
    fake.addPermission(bystander, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Description: 'ssh',
    });
    fake.addInterface(REGION, [jump]);
    fake.addInterface(REGION, [bystander]);
    return { jump, ssh, bystander };
  }

  /** A cache host whose wide allow (TCP 6000-6500 from anywhere, priority 50) opens Redis. */
  function seedCache(): { cache: string; wide: string } {
    const cache = fake.addGroup(REGION, { SecurityGroupName: 'cache' });
    const wide = fake.addPermission(cache, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '6000/6500',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '50',
      Description: 'app ports',
    });
    fake.addPermission(cache, {
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '443/443',
      SourceCidrIp: '0.0.0.0/0',
      Priority: '1',
      Description: 'https',
    });
    fake.addInterface(REGION, [cache]);
    return { cache, wide };
  }

  /** Rule calls after `from`: the group re-reads addRule makes around a change (one direction), Authorize and Revoke. */
  function trace(from: number): string[] {
    return fake.requests
      .slice(from)
      .filter(
        (r) =>
          /^(Authorize|Revoke)/.test(r.action) ||
          (r.action === 'DescribeSecurityGroupAttribute' && r.params.Direction !== 'all'),
      )
      .map((r) => `${r.action}${r.params.Direction ? ` ${r.params.Direction}` : ''} ${r.status}`);
  }

  it('replaces SSH from anywhere by the office range: Authorize, then Revoke; re-audit clean; revert restores the rules', async () => {
    const { jump, ssh, bystander } = seedJump();
    const original = stored(jump);
    const bystanderRules = stored(bystander);
    const planned = await planOn(h, jump, 'internet-admin-port', 22);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress allow p1 ipv4 tcp 22-22 203.0.113.0/24 on "warden: office keeps tcp/22"'],
      ['remove', ssh],
    ]);
    expect(planned.plan.preconditions.map((p) => p.ruleId)).toEqual([ssh]);

    let mark = fake.requests.length;
    const { record, after } = await applyAndVerify(h, planned);
    const [office] = record.addedRuleIds as [string];
    expect(office).toMatch(/^sgr-/);
    expect(mutations(mark)).toEqual([
      {
        action: 'AuthorizeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: jump,
          ClientToken: expect.any(String),
          'Permissions.1.IpProtocol': 'TCP',
          'Permissions.1.PortRange': '22/22',
          'Permissions.1.SourceCidrIp': OFFICE,
          'Permissions.1.Policy': 'accept',
          'Permissions.1.Priority': '1',
          'Permissions.1.Description': 'warden: office keeps tcp/22',
        },
        status: 200,
      },
      {
        action: 'RevokeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: jump,
          ClientToken: expect.any(String),
          'SecurityGroupRuleId.1': ssh,
        },
        status: 200,
      },
    ]);
    // The add is read back (its id learned) before anything is revoked.
    expect(trace(mark)).toEqual([
      'DescribeSecurityGroupAttribute ingress 200',
      'AuthorizeSecurityGroup 200',
      'DescribeSecurityGroupAttribute ingress 200',
      'RevokeSecurityGroup 200',
    ]);
    expect(fake.rulesOf(jump).find((r) => r.SecurityGroupRuleId === office)).toMatchObject({
      SourceCidrIp: OFFICE,
      PortRange: '22/22',
      Policy: 'Accept',
      Priority: '1',
    });

    mark = fake.requests.length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([
      {
        action: 'AuthorizeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: jump,
          ClientToken: expect.any(String),
          'Permissions.1.IpProtocol': 'TCP',
          'Permissions.1.PortRange': '22/22',
          'Permissions.1.SourceCidrIp': '0.0.0.0/0',
          'Permissions.1.Policy': 'accept',
          'Permissions.1.Priority': '1',
          'Permissions.1.Description': 'ssh from anywhere',
        },
        status: 200,
      },
      {
        action: 'RevokeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: jump,
          ClientToken: expect.any(String),
          'SecurityGroupRuleId.1': office,
        },
        status: 200,
      },
    ]);
    expect(stored(jump)).toEqual(original);
    expect(stored(bystander)).toEqual(bystanderRules);
    expect(fake.rejected).toEqual([]);
  });

  it('outranks a wide allow (TCP 6000-6500 at priority 50) with a drop at priority 49 on the high-risk port; revert removes the drop', async () => {
    const { cache, wide } = seedCache();
    const original = stored(cache);
    const planned = await planOn(h, cache, 'internet-high-risk-port', 6379);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress deny p49 ipv4 tcp 6379-6379 0.0.0.0/0 on "warden: close tcp/6379 to the Internet"'],
    ]);
    expect(planned.plan.preconditions.map((p) => p.ruleId)).toEqual([wide]);

    let mark = fake.requests.length;
    const { record, after } = await applyAndVerify(h, planned);
    const [drop] = record.addedRuleIds as [string];
    expect(mutations(mark)).toEqual([
      {
        action: 'AuthorizeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: cache,
          ClientToken: expect.any(String),
          'Permissions.1.IpProtocol': 'TCP',
          'Permissions.1.PortRange': '6379/6379',
          'Permissions.1.SourceCidrIp': '0.0.0.0/0',
          'Permissions.1.Policy': 'drop',
          'Permissions.1.Priority': '49',
          'Permissions.1.Description': 'warden: close tcp/6379 to the Internet',
        },
        status: 200,
      },
    ]);
    expect(fake.rulesOf(cache).find((r) => r.SecurityGroupRuleId === drop)).toMatchObject({
      Policy: 'Drop',
      Priority: '49',
      PortRange: '6379/6379',
    });
    // The wide allow stays as it was: the other ports keep working.
    expect(fake.rulesOf(cache).find((r) => r.SecurityGroupRuleId === wide)).toMatchObject({
      Policy: 'Accept',
      Priority: '50',
      PortRange: '6000/6500',
    });

    mark = fake.requests.length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([
      {
        action: 'RevokeSecurityGroup',
        params: {
          RegionId: REGION,
          SecurityGroupId: cache,
          ClientToken: expect.any(String),
          'SecurityGroupRuleId.1': drop,
        },
        status: 200,
      },
    ]);
    expect(stored(cache)).toEqual(original);
  });

  it('refuses the plan when the rule changed between plan and apply (ModifySecurityGroupRule in between): no Authorize, no Revoke', async () => {
    const { jump, ssh } = seedJump();
    const planned = await planOn(h, jump, 'internet-admin-port', 22);
    // Someone moves the SSH rule to priority 5 in the console (rulesOf copies the list, not the stored records).
    const live = fake.rulesOf(jump).find((r) => r.SecurityGroupRuleId === ssh) as Record<string, string>;
    live.Priority = '5';
    const changed = stored(jump);
    const mark = fake.requests.length;
    const record = await expectRefused(h, planned, ssh);
    expect(record.messages).toContain(
      `rule ${ssh} changed from ingress allow ipv4 tcp 22 0.0.0.0/0 1 to ingress allow ipv4 tcp 22 0.0.0.0/0 5`,
    );
    expect(mutations(mark)).toEqual([]);
    expect(stored(jump)).toEqual(changed);
  });

  it('rolls back when Revoke fails for good after the Authorize: the added rule is revoked again, the group is as it was', async () => {
    const { jump, ssh } = seedJump();
    const original = stored(jump);
    const planned = await planOn(h, jump, 'internet-admin-port', 22);
    fake.failNext('RevokeSecurityGroup', 4, 'server-error'); // the first try and the 3 retries
    const mark = fake.requests.length;
    const record = await expectRolledBack(h, planned);
    const [office] = record.addedRuleIds as [string];
    expect(
      mutations(mark).map((m) => [
        m.action,
        m.params['Permissions.1.SourceCidrIp'] ?? m.params['SecurityGroupRuleId.1'],
        m.status,
      ]),
    ).toEqual([
      ['AuthorizeSecurityGroup', OFFICE, 200],
      ['RevokeSecurityGroup', ssh, 500],
      ['RevokeSecurityGroup', ssh, 500],
      ['RevokeSecurityGroup', ssh, 500],
      ['RevokeSecurityGroup', ssh, 500],
      ['RevokeSecurityGroup', office, 200],
    ]);
    expect(stored(jump)).toEqual(original);
  });
});

// ---------------------------------------------------------------------------------------------
// Huawei Cloud VPC v3

describe('Huawei VPC v3 (@huaweicloud/huaweicloud-sdk-vpc against the stateful VPC fake)', () => {
  const AK = 'HWAKWARDENFIXTEST00001';
  const SK = 'hwSkWardenFixTestSecretKey00000000000001';
  const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
  const REGION = 'ap-southeast-1';
  const SCOPE: Scope = { provider: 'huawei', account: PROJECT, region: REGION };
  const RULES_PATH = `/v3/${PROJECT}/vpc/security-group-rules`;
  let fake: FakeHuawei;
  let h: Harness;

  beforeEach(async () => {
    fake = await startFakeHuawei({ ak: AK, sk: SK });
    const config = configFor({ huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: fake.url } });
    const adapter = createHuaweiAdapter({
      config,
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK },
      retry: { sleep: async () => {}, random: () => 0 },
    });
    h = await harness(adapter, SCOPE, config);
  });

  afterEach(async () => {
    await fake.close();
    await rm(h.dir, { recursive: true, force: true });
  });

  /** CreateSecurityGroupRule and DeleteSecurityGroupRule as they reached the fake, in order: method, path, JSON body, status. */
  function mutations(from = 0): { method: string; path: string; body: unknown; status: number | undefined }[] {
    return fake.requests
      .slice(from)
      .filter((r) => r.operation === 'CreateSecurityGroupRule' || r.operation === 'DeleteSecurityGroupRule')
      .map((r) => ({
        method: r.method,
        path: r.path,
        body: r.body === '' ? undefined : (JSON.parse(r.body) as unknown),
        status: r.status,
      }));
  }

  function stored(groupId: string): string[] {
    return fake
      .rules(PROJECT)
      .filter((r) => r.security_group_id === groupId)
      .map((r) => rawContent(r, ['id', 'created_at', 'updated_at']))
      .sort();
  }

  function add(group: ApiRecord, fields: Partial<ApiRecord>): string {
    return fake.addRule(PROJECT, { security_group_id: group.id as string, ...fields }).id as string;
  }

  function seedJump(): { jump: string; ssh: string; bystander: string } {
    const jump = fake.addGroup(PROJECT, { name: 'jump' });
    const ssh = add(jump, {
      protocol: 'tcp',
      multiport: '22',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 1,
      description: 'ssh from anywhere',
    });
    add(jump, {
      protocol: 'tcp',
      multiport: '443',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 1,
      description: 'https',
    });
    add(jump, {
      protocol: '',
      multiport: '',
      remote_ip_prefix: '10.0.0.0/8',
      action: 'allow',
      priority: 10,
      description: 'internal',
    });
    add(jump, {
      direction: 'egress',
      protocol: '',
      multiport: '',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 100,
      description: '',
    });
    add(jump, {
      direction: 'egress',
      ethertype: 'IPv6',
      protocol: '',
      multiport: '',
      remote_ip_prefix: '::/0',
      action: 'allow',
      priority: 100,
      description: '',
    });
    const bystander = fake.addGroup(PROJECT, { name: 'bystander' });
    add(bystander, {
      protocol: 'tcp',
      multiport: '22',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 1,
      description: 'ssh',
    });
    return { jump: jump.id as string, ssh, bystander: bystander.id as string };
  }

  function seedCache(): { cache: string; wide: string } {
    const cache = fake.addGroup(PROJECT, { name: 'cache' });
    const wide = add(cache, {
      protocol: 'tcp',
      multiport: '6000-6500',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 50,
      description: 'app ports',
    });
    add(cache, {
      protocol: 'tcp',
      multiport: '443',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 1,
      description: 'https',
    });
    add(cache, {
      direction: 'egress',
      protocol: '',
      multiport: '',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 100,
      description: '',
    });
    return { cache: cache.id as string, wide };
  }

  function createBody(groupId: string, fields: Record<string, unknown>): unknown {
    return { security_group_rule: { security_group_id: groupId, direction: 'ingress', ethertype: 'IPv4', ...fields } };
  }

  it('replaces SSH from anywhere by the office range: POST then DELETE; re-audit clean; revert restores the rules', async () => {
    const { jump, ssh, bystander } = seedJump();
    const original = stored(jump);
    const bystanderRules = stored(bystander);
    const planned = await planOn(h, jump, 'internet-admin-port', 22);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress allow p1 ipv4 tcp 22-22 203.0.113.0/24 on "warden: office keeps tcp/22"'],
      ['remove', ssh],
    ]);

    let mark = fake.requests.length;
    const { record, after } = await applyAndVerify(h, planned);
    const [office] = record.addedRuleIds as [string];
    expect(mutations(mark)).toEqual([
      {
        method: 'POST',
        path: RULES_PATH,
        body: createBody(jump, {
          protocol: 'tcp',
          multiport: '22',
          remote_ip_prefix: OFFICE,
          action: 'allow',
          priority: '1',
          description: 'warden: office keeps tcp/22',
        }),
        status: 201,
      },
      { method: 'DELETE', path: `${RULES_PATH}/${ssh}`, body: undefined, status: 204 },
    ]);
    expect(fake.rules(PROJECT).find((r) => r.id === office)).toMatchObject({
      remote_ip_prefix: OFFICE,
      multiport: '22',
      action: 'allow',
      priority: 1,
    });

    mark = fake.requests.length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([
      {
        method: 'POST',
        path: RULES_PATH,
        body: createBody(jump, {
          protocol: 'tcp',
          multiport: '22',
          remote_ip_prefix: '0.0.0.0/0',
          action: 'allow',
          priority: '1',
          description: 'ssh from anywhere',
        }),
        status: 201,
      },
      { method: 'DELETE', path: `${RULES_PATH}/${office}`, body: undefined, status: 204 },
    ]);
    expect(stored(jump)).toEqual(original);
    expect(stored(bystander)).toEqual(bystanderRules);
    expect(fake.requests.every((r) => r.auth === 'ok')).toBe(true);
  });

  it('outranks a wide allow (TCP 6000-6500 at priority 50) with a deny at priority 49 on the high-risk port; revert deletes the deny', async () => {
    const { cache, wide } = seedCache();
    const original = stored(cache);
    const planned = await planOn(h, cache, 'internet-high-risk-port', 6379);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress deny p49 ipv4 tcp 6379-6379 0.0.0.0/0 on "warden: close tcp/6379 to the Internet"'],
    ]);
    expect(planned.plan.preconditions.map((p) => p.ruleId)).toEqual([wide]);

    let mark = fake.requests.length;
    const { record, after } = await applyAndVerify(h, planned);
    const [deny] = record.addedRuleIds as [string];
    expect(mutations(mark)).toEqual([
      {
        method: 'POST',
        path: RULES_PATH,
        body: createBody(cache, {
          protocol: 'tcp',
          multiport: '6379',
          remote_ip_prefix: '0.0.0.0/0',
          action: 'deny',
          priority: '49',
          description: 'warden: close tcp/6379 to the Internet',
        }),
        status: 201,
      },
    ]);
    expect(fake.rules(PROJECT).find((r) => r.id === deny)).toMatchObject({
      action: 'deny',
      priority: 49,
      multiport: '6379',
    });
    expect(fake.rules(PROJECT).find((r) => r.id === wide)).toMatchObject({
      action: 'allow',
      priority: 50,
      multiport: '6000-6500',
    });

    mark = fake.requests.length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([
      { method: 'DELETE', path: `${RULES_PATH}/${deny}`, body: undefined, status: 204 },
    ]);
    expect(stored(cache)).toEqual(original);
  });

  // The split ranges start at the model's port 0; the adapter sends multiport "1-21" and the rule
  // reads back as 1-21: verification must treat the two as the same rule (apply.ts contentKey).
  it('splits an all-ports TCP allow at priority 1 (no room for the office above a deny): POSTs 1-21, 23-65535 and the office; applies; revert restores', async () => {
    const web = fake.addGroup(PROJECT, { name: 'web' });
    const all = add(web, {
      protocol: 'tcp',
      multiport: '',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 1,
      description: 'all tcp',
    });
    add(web, {
      direction: 'egress',
      protocol: '',
      multiport: '',
      remote_ip_prefix: '0.0.0.0/0',
      action: 'allow',
      priority: 100,
      description: '',
    });
    const original = stored(web.id as string);
    const planned = await planOn(h, web.id as string, 'internet-admin-port', 22);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress allow p1 ipv4 tcp 1-21 0.0.0.0/0 on "all tcp"'],
      ['add', 'ingress allow p1 ipv4 tcp 23-65535 0.0.0.0/0 on "all tcp"'],
      ['add', 'ingress allow p1 ipv4 tcp 22-22 203.0.113.0/24 on "warden: office keeps tcp/22"'],
      ['remove', all],
    ]);

    let mark = fake.requests.length;
    const { record, after } = await applyAndVerify(h, planned);
    const allow = (multiport: string, remote: string, description: string) =>
      createBody(web.id as string, {
        protocol: 'tcp',
        multiport,
        remote_ip_prefix: remote,
        action: 'allow',
        priority: '1',
        description,
      });
    expect(mutations(mark)).toEqual([
      { method: 'POST', path: RULES_PATH, body: allow('1-21', '0.0.0.0/0', 'all tcp'), status: 201 },
      { method: 'POST', path: RULES_PATH, body: allow('23-65535', '0.0.0.0/0', 'all tcp'), status: 201 },
      { method: 'POST', path: RULES_PATH, body: allow('22', OFFICE, 'warden: office keeps tcp/22'), status: 201 },
      { method: 'DELETE', path: `${RULES_PATH}/${all}`, body: undefined, status: 204 },
    ]);

    mark = fake.requests.length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark).map((m) => [m.method, m.status])).toEqual([
      ['POST', 201],
      ['DELETE', 204],
      ['DELETE', 204],
      ['DELETE', 204],
    ]);
    expect(stored(web.id as string)).toEqual(original);
  });

  it('refuses the plan when the wide allow changed between plan and apply: no POST, no DELETE', async () => {
    const { cache, wide } = seedCache();
    const planned = await planOn(h, cache, 'internet-high-risk-port', 6379);
    const live = fake.rules(PROJECT).find((r) => r.id === wide) as ApiRecord;
    live.priority = 1; // now a deny at 49 would no longer outrank it
    const changed = stored(cache);
    const mark = fake.requests.length;
    const record = await expectRefused(h, planned, wide);
    expect(record.messages).toContain(
      `rule ${wide} changed from ingress allow ipv4 tcp 6000-6500 0.0.0.0/0 50 to ingress allow ipv4 tcp 6000-6500 0.0.0.0/0 1`,
    );
    expect(mutations(mark)).toEqual([]);
    expect(stored(cache)).toEqual(changed);
  });

  it('rolls back when DELETE fails for good after the POST: the added rule is deleted again, the group is as it was', async () => {
    const { jump, ssh } = seedJump();
    const original = stored(jump);
    const planned = await planOn(h, jump, 'internet-admin-port', 22);
    fake.failNext('server-error', 4, 'DeleteSecurityGroupRule'); // the first try and the 3 retries
    const mark = fake.requests.length;
    const record = await expectRolledBack(h, planned);
    const [office] = record.addedRuleIds as [string];
    expect(mutations(mark).map((m) => [m.method, m.path, m.status])).toEqual([
      ['POST', RULES_PATH, 201],
      ['DELETE', `${RULES_PATH}/${ssh}`, 500],
      ['DELETE', `${RULES_PATH}/${ssh}`, 500],
      ['DELETE', `${RULES_PATH}/${ssh}`, 500],
      ['DELETE', `${RULES_PATH}/${ssh}`, 500],
      ['DELETE', `${RULES_PATH}/${office}`, 204],
    ]);
    expect(stored(jump)).toEqual(original);
  });
});

// ---------------------------------------------------------------------------------------------
// Open Telekom Cloud: VPC v3 and Neutron v2.0

describe('OTC (Warden’s signed HTTP client against the stateful VPC v3 / Neutron fake)', () => {
  const P1 = '5dd3c0b24cdc4d31952c49589182a89d';
  const SCOPE: Scope = { provider: 'otc', account: P1, region: 'eu-de' };
  const V3_RULES = `/v3/${P1}/vpc/security-group-rules`;
  const NEUTRON_RULES = '/v2.0/security-group-rules';
  let fake: FakeOtc;
  let started: Harness | undefined;

  beforeEach(async () => {
    fake = await FakeOtc.start({ pageSize: 3 });
  });

  afterEach(async () => {
    await fake.close();
    if (started) await rm(started.dir, { recursive: true, force: true });
    started = undefined;
  });

  async function start(api: 'auto' | 'vpc-v3' | 'neutron-v2'): Promise<Harness> {
    const config = configFor({ otc: { regions: [{ region: 'eu-de', projectId: P1 }], endpoint: fake.vpcUrl, api } });
    const adapter = createOtcAdapter({
      config,
      env: { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK },
      retry: { sleep: async () => {}, random: () => 0 },
    });
    started = await harness(adapter, SCOPE, config);
    return started;
  }

  function mutations(from = 0): { method: string; path: string; body: unknown; status: number | undefined }[] {
    return fake
      .vpcRequests()
      .slice(from)
      .filter((r) => r.method !== 'GET')
      .map((r) => ({
        method: r.method,
        path: r.path,
        body: r.body === '' ? undefined : (JSON.parse(r.body) as unknown),
        status: r.status,
      }));
  }

  function stored(group: FakeGroup): string[] {
    return fake.rules
      .filter((r) => r.security_group_id === group.id)
      .map((r) => rawContent({ ...r }, ['id', 'created_at', 'updated_at']))
      .sort();
  }

  function seedJump(): { jump: FakeGroup; ssh: string; bystander: FakeGroup } {
    const jump = fake.addGroup(P1, 'jump', 'bastion');
    const ssh = fake.addRule(jump, {
      protocol: 'tcp',
      multiport: '22',
      remote_ip_prefix: '0.0.0.0/0',
      priority: 1,
      description: 'ssh from anywhere',
    }).id;
    fake.addRule(jump, {
      protocol: 'tcp',
      multiport: '443',
      remote_ip_prefix: '0.0.0.0/0',
      priority: 1,
      description: 'https',
    });
    fake.addRule(jump, {
      protocol: null,
      remote_ip_prefix: null,
      remote_group_id: jump.id,
      priority: 1,
      description: 'members',
    });
    fake.addRule(jump, { direction: 'egress', protocol: null, remote_ip_prefix: '0.0.0.0/0', priority: 100 });
    const bystander = fake.addGroup(P1, 'bystander');
    fake.addRule(bystander, { protocol: 'tcp', multiport: '22', remote_ip_prefix: '0.0.0.0/0', description: 'ssh' });
    return { jump, ssh, bystander };
  }

  /** A cache host whose wide allow (TCP 6000-6500 from anywhere) opens Redis; priorities only where the API has them (v3). */
  function seedCache(api: 'vpc-v3' | 'neutron-v2' = 'vpc-v3'): { cache: FakeGroup; wide: FakeRule } {
    const priority = (p: number) => (api === 'vpc-v3' ? { priority: p } : {});
    const cache = fake.addGroup(P1, 'cache');
    const wide = fake.addRule(cache, {
      protocol: 'tcp',
      multiport: '6000-6500',
      remote_ip_prefix: '0.0.0.0/0',
      ...priority(50),
      description: 'app ports',
    });
    fake.addRule(cache, {
      protocol: 'tcp',
      multiport: '443',
      remote_ip_prefix: '0.0.0.0/0',
      ...priority(1),
      description: 'https',
    });
    fake.addRule(cache, { direction: 'egress', protocol: null, remote_ip_prefix: '0.0.0.0/0', ...priority(100) });
    return { cache, wide };
  }

  it('v3: replaces SSH from anywhere by the office range: POST then DELETE; re-audit clean; revert restores the rules', async () => {
    const h = await start('vpc-v3');
    const { jump, ssh, bystander } = seedJump();
    const original = stored(jump);
    const bystanderRules = stored(bystander);
    const planned = await planOn(h, jump.id, 'internet-admin-port', 22);
    expect(planned.group.api).toBe('vpc-v3');
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress allow p1 ipv4 tcp 22-22 203.0.113.0/24 on "warden: office keeps tcp/22"'],
      ['remove', ssh],
    ]);

    let mark = fake.vpcRequests().length;
    const { record, after } = await applyAndVerify(h, planned);
    const [office] = record.addedRuleIds as [string];
    const body = (remote: string, description: string) => ({
      security_group_rule: {
        security_group_id: jump.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        multiport: '22',
        remote_ip_prefix: remote,
        action: 'allow',
        priority: '1',
        description,
      },
    });
    expect(mutations(mark)).toEqual([
      { method: 'POST', path: V3_RULES, body: body(OFFICE, 'warden: office keeps tcp/22'), status: 201 },
      { method: 'DELETE', path: `${V3_RULES}/${ssh}`, body: undefined, status: 204 },
    ]);

    mark = fake.vpcRequests().length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([
      { method: 'POST', path: V3_RULES, body: body('0.0.0.0/0', 'ssh from anywhere'), status: 201 },
      { method: 'DELETE', path: `${V3_RULES}/${office}`, body: undefined, status: 204 },
    ]);
    expect(stored(jump)).toEqual(original);
    expect(stored(bystander)).toEqual(bystanderRules);
  });

  it('v3: outranks a wide allow (TCP 6000-6500 at priority 50) with a deny at priority 49; revert deletes the deny', async () => {
    const h = await start('vpc-v3');
    const { cache, wide } = seedCache();
    const original = stored(cache);
    const planned = await planOn(h, cache.id, 'internet-high-risk-port', 6379);
    expect(opsOf(planned.plan)).toEqual([
      ['add', 'ingress deny p49 ipv4 tcp 6379-6379 0.0.0.0/0 on "warden: close tcp/6379 to the Internet"'],
    ]);
    expect(planned.plan.preconditions.map((p) => p.ruleId)).toEqual([wide.id]);

    let mark = fake.vpcRequests().length;
    const { record, after } = await applyAndVerify(h, planned);
    const [deny] = record.addedRuleIds as [string];
    expect(mutations(mark)).toEqual([
      {
        method: 'POST',
        path: V3_RULES,
        body: {
          security_group_rule: {
            security_group_id: cache.id,
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            multiport: '6379',
            remote_ip_prefix: '0.0.0.0/0',
            action: 'deny',
            priority: '49',
            description: 'warden: close tcp/6379 to the Internet',
          },
        },
        status: 201,
      },
    ]);
    expect(fake.rules.find((r) => r.id === deny)).toMatchObject({ action: 'deny', priority: 49, multiport: '6379' });

    mark = fake.vpcRequests().length;
    await revertAndVerify(h, planned, record, after);
    expect(mutations(mark)).toEqual([{ method: 'DELETE', path: `${V3_RULES}/${deny}`, body: undefined, status: 204 }]);
    expect(stored(cache)).toEqual(original);
  });

  it('v3: refuses the plan when the SSH rule changed between plan and apply: no POST, no DELETE', async () => {
    const h = await start('vpc-v3');
    const { jump, ssh } = seedJump();
    const planned = await planOn(h, jump.id, 'internet-admin-port', 22);
    (fake.rules.find((r) => r.id === ssh) as FakeRule).remote_ip_prefix = '0.0.0.0/1';
    const changed = stored(jump);
    const mark = fake.vpcRequests().length;
    const record = await expectRefused(h, planned, ssh);
    expect(record.messages).toContain(
      `rule ${ssh} changed from ingress allow ipv4 tcp 22 0.0.0.0/0 1 to ingress allow ipv4 tcp 22 0.0.0.0/1 1`,
    );
    expect(mutations(mark)).toEqual([]);
    expect(stored(jump)).toEqual(changed);
  });

  it('v3: rolls back when DELETE fails for good after the POST: the added rule is deleted again, the group is as it was', async () => {
    const h = await start('vpc-v3');
    const { jump, ssh } = seedJump();
    const original = stored(jump);
    const planned = await planOn(h, jump.id, 'internet-admin-port', 22);
    fake.fail('error500', 4, (r) => r.method === 'DELETE'); // the first try and the 3 retries
    const mark = fake.vpcRequests().length;
    const record = await expectRolledBack(h, planned);
    const [office] = record.addedRuleIds as [string];
    expect(mutations(mark).map((m) => [m.method, m.path, m.status])).toEqual([
      ['POST', V3_RULES, 201],
      ['DELETE', `${V3_RULES}/${ssh}`, 500],
      ['DELETE', `${V3_RULES}/${ssh}`, 500],
      ['DELETE', `${V3_RULES}/${ssh}`, 500],
      ['DELETE', `${V3_RULES}/${ssh}`, 500],
      ['DELETE', `${V3_RULES}/${office}`, 204],
    ]);
    expect(stored(jump)).toEqual(original);
  });

  // The split ranges start at the model's port 0; the OTC bodies must start at port 1: v3 multiport
  // takes 1-65535 and Neutron refuses TCP/UDP port 0 (SecurityGroupInvalidPortValue).
  for (const api of ['vpc-v3', 'neutron-v2'] as const) {
    it(`${api}: splits an all-ports TCP allow around SSH and keeps the office: the bodies start at port 1; applies; revert restores`, async () => {
      const h = await start(api);
      const web = fake.addGroup(P1, 'web');
      const all = fake.addRule(web, {
        protocol: 'tcp',
        multiport: null,
        remote_ip_prefix: '0.0.0.0/0',
        description: 'all tcp',
      }).id;
      fake.addRule(web, {
        direction: 'egress',
        protocol: null,
        remote_ip_prefix: '0.0.0.0/0',
        ...(api === 'vpc-v3' ? { priority: 100 } : {}),
      });
      const original = stored(web);
      const planned = await planOn(h, web.id, 'internet-admin-port', 22);
      expect(opsOf(planned.plan)).toEqual([
        ['add', 'ingress allow p1 ipv4 tcp 1-21 0.0.0.0/0 on "all tcp"'],
        ['add', 'ingress allow p1 ipv4 tcp 23-65535 0.0.0.0/0 on "all tcp"'],
        ['add', 'ingress allow p1 ipv4 tcp 22-22 203.0.113.0/24 on "warden: office keeps tcp/22"'],
        ['remove', all],
      ]);

      let mark = fake.vpcRequests().length;
      const { record, after } = await applyAndVerify(h, planned);
      const path = api === 'vpc-v3' ? V3_RULES : NEUTRON_RULES;
      const body = (from: number, to: number, remote: string, description: string) => ({
        security_group_rule: {
          security_group_id: web.id,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          ...(api === 'vpc-v3'
            ? { multiport: from === to ? `${from}` : `${from}-${to}`, action: 'allow', priority: '1' }
            : { port_range_min: from, port_range_max: to }),
          remote_ip_prefix: remote,
          description,
        },
      });
      expect(mutations(mark)).toEqual([
        { method: 'POST', path, body: body(1, 21, '0.0.0.0/0', 'all tcp'), status: 201 },
        { method: 'POST', path, body: body(23, 65535, '0.0.0.0/0', 'all tcp'), status: 201 },
        { method: 'POST', path, body: body(22, 22, OFFICE, 'warden: office keeps tcp/22'), status: 201 },
        { method: 'DELETE', path: `${path}/${all}`, body: undefined, status: 204 },
      ]);

      mark = fake.vpcRequests().length;
      await revertAndVerify(h, planned, record, after);
      expect(mutations(mark).map((m) => [m.method, m.status])).toEqual([
        ['POST', 201],
        ['DELETE', 204],
        ['DELETE', 204],
        ['DELETE', 204],
      ]);
      expect(stored(web)).toEqual(original);
    });
  }

  for (const api of ['neutron-v2', 'auto'] as const) {
    it(`Neutron (${api === 'auto' ? "api 'auto', v3 answering 404" : "api 'neutron-v2'"}): splits the wide allow around the port instead of denying; revert restores it`, async () => {
      if (api === 'auto') fake.v3Missing.add(P1);
      const h = await start(api);
      const { cache, wide } = seedCache('neutron-v2');
      const original = stored(cache);
      const planned = await planOn(h, cache.id, 'internet-high-risk-port', 6379);
      expect(planned.group.api).toBe('neutron-v2');
      expect(opsOf(planned.plan)).toEqual([
        ['add', 'ingress allow p1 ipv4 tcp 6000-6378 0.0.0.0/0 on "app ports"'],
        ['add', 'ingress allow p1 ipv4 tcp 6380-6500 0.0.0.0/0 on "app ports"'],
        ['remove', wide.id],
      ]);
      expect(planned.plan.operations.some((op) => op.op === 'add' && op.rule.action === 'deny')).toBe(false);

      let mark = fake.vpcRequests().length;
      const { record, after } = await applyAndVerify(h, planned);
      const [low, high] = record.addedRuleIds as [string, string];
      const body = (from: number, to: number) => ({
        security_group_rule: {
          security_group_id: cache.id,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: from,
          port_range_max: to,
          remote_ip_prefix: '0.0.0.0/0',
          description: 'app ports',
        },
      });
      expect(mutations(mark)).toEqual([
        { method: 'POST', path: NEUTRON_RULES, body: body(6000, 6378), status: 201 },
        { method: 'POST', path: NEUTRON_RULES, body: body(6380, 6500), status: 201 },
        { method: 'DELETE', path: `${NEUTRON_RULES}/${wide.id}`, body: undefined, status: 204 },
      ]);
      // Nothing went to v3 (it is not there, or not configured) and no deny was asked for.
      expect(
        fake
          .vpcRequests()
          .filter((r) => r.method !== 'GET')
          .every((r) => r.path.startsWith('/v2.0/')),
      ).toBe(true);
      expect(fake.vpcRequests().some((r) => /deny|"action"|"priority"/.test(r.body))).toBe(false);
      expect(
        fake.rules
          .filter((r) => r.security_group_id === cache.id && r.protocol === 'tcp')
          .map((r) => [r.port_range_min, r.port_range_max])
          .sort(),
      ).toEqual([
        [443, 443],
        [6000, 6378],
        [6380, 6500],
      ]);

      mark = fake.vpcRequests().length;
      await revertAndVerify(h, planned, record, after);
      expect(mutations(mark)).toEqual([
        { method: 'POST', path: NEUTRON_RULES, body: body(6000, 6500), status: 201 },
        { method: 'DELETE', path: `${NEUTRON_RULES}/${low}`, body: undefined, status: 204 },
        { method: 'DELETE', path: `${NEUTRON_RULES}/${high}`, body: undefined, status: 204 },
      ]);
      expect(stored(cache)).toEqual(original);
    });
  }
});
