import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { normalizeScope, normalizeScope as normalize } from '../adapters/live-estate.ts';
import type { LiveAdapter, Scope } from '../src/ports/live.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate, Finding, SecurityGroup } from '../src/model/types.ts';
import { applyPlan, auditVerifier, readGroup, resumeChange, revertChange } from '../src/remediation/apply.ts';
import { locateFinding, planFor, whyNoPlan } from '../src/remediation/planners/index.ts';
import { reportsSubject } from '../src/remediation/planners/common.ts';
import { provePlan } from '../src/remediation/prove.ts';
import type { ChangeRecord, NewRule, Plan } from '../src/model/change.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import { groupKeyOf } from '../src/model/change.ts';
import type { ChangeStore } from '../src/ports/changes.ts';
import { createVpc, motoClientConfig, motoEnv, seedSecurityGroup, setProcessEnv, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Remediation end to end on moto_server, through the library as the CLI and the bot use it: for
// each kind of plan the planners offer on AWS, audit → plan (proved) → apply → re-read (the finding
// gone, every rule the plan does not name still there with its id and content) → apply again (a
// no-op) → revert (the group's rules as they were, by content). Then drift between plan and apply,
// and a failure injected between add and remove. The groups are seeded and inspected through the
// SDK directly (not through the adapter under test); each case has its own group in one VPC.

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012'; // moto's default account
const scope: Scope = { provider: 'aws', account: ACCOUNT, region: REGION };
const OFFICE = '203.0.113.0/24';
const APP_SUBNET = '10.20.0.0/16';

const config: WardenConfig = configSchema.parse({
  providers: { aws: { regions: [REGION] } },
  scan: { timeoutMs: 10_000, retries: 1 },
  remediation: {
    // 22 keeps the office; 3389 has no trusted source (closing it stops outside access); 3306 keeps the app subnet.
    trustedSources: {
      '22': [{ source: OFFICE, label: 'office' }],
      '3306': [{ source: APP_SUBNET, label: 'app subnet' }],
    },
    groupPorts: { 'aws:wr-ports': ['8080', '8443'], 'aws:wr-all': ['443'] },
  },
});

let moto: Moto;
let dir: string;
let store: ChangeStore;
let ec2: EC2Client;
let adapter: ReturnType<typeof createAwsAdapter>;
let restoreEnv: () => void = () => undefined;
let vpcId: string;
const ids: Record<string, string> = {};

const tcp = (from: number, to: number, cidr: string, description: string): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  IpRanges: [{ CidrIp: cidr, Description: description }],
});

/** Seeds a group in the test VPC through the SDK; moto gives it the usual egress-all rule. */
async function seedGroup(name: string, permissions: IpPermission[]): Promise<string> {
  const id = await seedSecurityGroup(ec2, vpcId, name, permissions);
  ids[name] = id;
  return id;
}

/** A rule as the EC2 API shows it, without its id: direction, protocol, ports, peer, description. */
function sdkContent(r: SecurityGroupRule): string {
  const peer =
    r.CidrIpv4 ??
    r.CidrIpv6 ??
    (r.ReferencedGroupInfo?.GroupId ? `sg:${r.ReferencedGroupInfo.GroupId}` : undefined) ??
    `pl:${r.PrefixListId}`;
  return [
    r.IsEgress ? 'egress' : 'ingress',
    r.IpProtocol,
    r.FromPort ?? -1,
    r.ToPort ?? -1,
    peer,
    JSON.stringify(r.Description ?? ''),
  ].join(' ');
}

/** A rule a plan adds, as `sdkContent` shows it once created (the plans here add TCP/UDP rules from CIDR blocks only). */
function plannedContent(rule: NewRule): string {
  if ((rule.protocol !== 'tcp' && rule.protocol !== 'udp') || rule.peer.kind !== 'cidr' || rule.ports.length !== 1)
    throw new Error(`unexpected planned rule ${JSON.stringify(rule)}`);
  const range = rule.ports[0] as { from: number; to: number };
  return [rule.direction, rule.protocol, range.from, range.to, rule.peer.cidr, JSON.stringify(rule.description)].join(
    ' ',
  );
}

/** The group's full rule list straight from the EC2 API: rule id → content. */
async function sdkRules(groupId: string): Promise<Map<string, string>> {
  const rules =
    (
      await ec2.send(
        new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 }),
      )
    ).SecurityGroupRules ?? [];
  return new Map(rules.map((r) => [r.SecurityGroupRuleId as string, sdkContent(r)]));
}

const sorted = (rules: Map<string, string>): string[] => [...rules.values()].sort();

/** The estate as the adapter reads it, through the same normalizers as snapshots and apply. */
async function readEstate(via: LiveAdapter = adapter): Promise<Estate> {
  return mergePages(normalizeScope(scope, await via.read(scope)));
}

function groupOf(estate: Estate, groupId: string): SecurityGroup {
  const group = estate.groups.find((g) => g.id === groupId);
  if (!group) throw new Error(`group ${groupId} is not in the estate`);
  return group;
}

/** The finding of `check` on the group (with the given subject, when the check reports several). */
function findingOf(
  estate: Estate,
  group: SecurityGroup,
  check: string,
  subject?: string,
): { finding: Finding; subject: string } {
  const candidates = auditEstate(estate, config).findings.filter((f) => f.check === check && f.groupId === group.id);
  for (const finding of candidates) {
    const located = locateFinding(finding, group, config);
    if (located && (subject === undefined || located.draft.subject === subject))
      return { finding, subject: located.draft.subject };
  }
  throw new Error(
    `no ${check} finding${subject ? ` for ${subject}` : ''} on ${group.name} (${group.id}); has: ${candidates.map((f) => f.title).join('; ')}`,
  );
}

function removedIds(plan: Plan): string[] {
  return plan.operations.flatMap((op) => (op.op === 'remove' ? [op.ruleId] : []));
}

function addedRules(plan: Plan): NewRule[] {
  return plan.operations.flatMap((op) => (op.op === 'add' ? [op.rule] : []));
}

/** Audits, plans and proves: the plan for the finding, proved to fix it, never widen and change nothing else. */
async function planCase(name: string, check: string, subject?: string) {
  const groupId = ids[name] as string;
  const estate = await readEstate();
  const group = groupOf(estate, groupId);
  const { finding, subject: located } = findingOf(estate, group, check, subject);
  const plan = planFor(finding, group, config);
  expect(plan, whyNoPlan(finding, group, config)).toBeDefined();
  const proof = provePlan(group, plan as Plan, config);
  expect(proof).toEqual({ findingGone: true, onlyFindingPartChanged: true, neverWidens: true, otherChanges: [] });
  return { groupId, estate, group, finding, subject: located, plan: plan as Plan };
}

/** Applies `plan` as tester@ci through `through` (the moto adapter unless told), verified by re-auditing against `estate`. */
function applyVerified(plan: Plan, estate: Estate, through: LiveAdapter = adapter): Promise<ChangeRecord> {
  return applyPlan({
    adapter: through,
    normalize,
    scope,
    plan,
    store,
    actor: 'tester@ci',
    verify: auditVerifier(config, estate),
  });
}

/**
 * The whole cycle for one kind of plan: apply → verified → re-read shows the finding gone and the
 * full rule list is exactly before − removed + added (untouched rules keep id and content) → other
 * groups' findings unchanged → apply again is a no-op → revert → the rules equal the original by content.
 */
async function fixCycle(
  name: string,
  check: string,
  subject: string | undefined,
  expectPlan: (plan: Plan, group: SecurityGroup) => void,
): Promise<void> {
  const { groupId, estate, finding, subject: located, plan, group } = await planCase(name, check, subject);
  expectPlan(plan, group);
  const before = await sdkRules(groupId);
  const otherFindings = auditEstate(estate, config)
    .findings.filter((f) => f.groupId !== groupId)
    .map((f) => f.fingerprint)
    .sort();

  const record = await applyVerified(plan, estate);
  expect(record.status, record.messages.join('\n')).toBe('applied');
  expect(record.verification).toEqual({ findingGone: true, otherRulesUntouched: true, interfacesNoMoreOpen: true });
  expect(record.addedRuleIds).toHaveLength(addedRules(plan).length);
  expect(record.preImage.map((r) => r.native.ruleId).sort()).toEqual([...before.keys()].sort());

  // The full rule list, from the API: before minus the removed rules plus the added ones (by their new ids).
  const after = await sdkRules(groupId);
  const expected = new Map([...before].filter(([id]) => !removedIds(plan).includes(id)));
  const addedContents = addedRules(plan).map(plannedContent).sort();
  expect(record.addedRuleIds.map((id) => after.get(id)).sort()).toEqual(addedContents);
  for (const id of record.addedRuleIds) expected.set(id, after.get(id) as string);
  expect(after).toEqual(expected);
  for (const id of removedIds(plan)) expect(after.has(id)).toBe(false);

  // Re-audit: the check no longer reports the finding's subject on the group; other groups are as they were.
  const reread = await readEstate();
  const fixed = groupOf(reread, groupId);
  expect(reportsSubject(check, located, fixed, config)).toBe(false);
  const reaudit = auditEstate(reread, config).findings;
  expect(reaudit.map((f) => f.fingerprint)).not.toContain(finding.fingerprint);
  expect(
    reaudit
      .filter((f) => f.groupId !== groupId)
      .map((f) => f.fingerprint)
      .sort(),
  ).toEqual(otherFindings);

  // Idempotent: the same plan again changes nothing.
  const again = await applyVerified(plan, estate);
  expect(again.status, again.messages.join('\n')).toBe('already-applied');
  expect(again.verification).toEqual({ findingGone: true, otherRulesUntouched: true });
  expect(await sdkRules(groupId)).toEqual(after);

  // Revert: the original rules by content; the rules the plan never touched keep their ids.
  const reverted = await revertChange({ adapter, normalize, scope, change: record, store, actor: 'tester@ci' });
  expect(reverted.status, reverted.messages.join('\n')).toBe('reverted');
  const restored = await sdkRules(groupId);
  expect(sorted(restored)).toEqual(sorted(before));
  for (const [id, content] of before) if (!removedIds(plan).includes(id)) expect(restored.get(id)).toBe(content);
  for (const id of record.addedRuleIds) expect(restored.has(id)).toBe(false);
  // The finding is back under the same subject and fingerprint: the re-added rules have new ids,
  // but neither the fingerprint nor a rule subject (the rule's content signature) names them.
  const back = await readEstate();
  expect(reportsSubject(check, located, groupOf(back, groupId), config)).toBe(true);
  expect(auditEstate(back, config).findings.map((f) => f.fingerprint)).toContain(finding.fingerprint);

  const latest = await store.latestFor(groupKeyOf(plan.target));
  expect(latest).toMatchObject({ kind: 'revert', reverts: record.changeId, status: 'reverted' });
}

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-remediation-aws-'));
  store = createFileChangeStore(join(dir, 'state'));
  // The adapter's SDK clients find moto through AWS_ENDPOINT_URL in process.env; the seeding client is told directly.
  const env = motoEnv(moto.endpoint, REGION);
  restoreEnv = setProcessEnv(env);
  ec2 = new EC2Client(motoClientConfig(moto.endpoint, REGION));
  adapter = createAwsAdapter({ config, env, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  vpcId = await createVpc(ec2);
  const defaults = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: ['default'] },
      ],
    }),
  );
  ids['default'] = defaults.SecurityGroups?.[0]?.GroupId as string;
  // moto's default group has only the egress rule; AWS's also lets its members reach each other.
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: ids['default'],
      IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: ids['default'] }] }],
    }),
  );

  await seedGroup('wr-ssh', [tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'), tcp(443, 443, '0.0.0.0/0', 'https')]);
  await seedGroup('wr-rdp', [
    tcp(3389, 3389, '0.0.0.0/0', 'rdp from anywhere'),
    tcp(80, 80, '10.0.0.0/8', 'http inside'),
  ]);
  await seedGroup('wr-split', [tcp(3000, 3400, '0.0.0.0/0', 'app ports'), tcp(443, 443, '10.0.0.0/8', 'https inside')]);
  await seedGroup('wr-ports', [tcp(8000, 8999, '10.0.0.0/8', 'app ports'), tcp(22, 22, '10.0.0.0/8', 'ssh inside')]);
  await seedGroup('wr-all', [
    { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'everything' }] },
    tcp(5432, 5432, '10.0.0.0/8', 'postgres inside'),
  ]);
  await seedGroup('wr-shadow', [
    tcp(443, 443, '10.0.0.0/8', 'https inside'),
    tcp(443, 443, '10.1.0.0/16', 'https from one subnet'),
    tcp(22, 22, '10.0.0.0/8', 'ssh inside'),
  ]);
  await seedGroup('wr-drift', [tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'), tcp(443, 443, '0.0.0.0/0', 'https')]);
  await seedGroup('wr-drift-modified', [
    tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'),
    tcp(443, 443, '0.0.0.0/0', 'https'),
  ]);
  await seedGroup('wr-drift-relied', [
    tcp(443, 443, '10.0.0.0/8', 'https inside'),
    tcp(443, 443, '10.1.0.0/16', 'https from one subnet'),
  ]);
  await seedGroup('wr-fail', [tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'), tcp(443, 443, '0.0.0.0/0', 'https')]);
  await seedGroup('wr-dies', [tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'), tcp(443, 443, '0.0.0.0/0', 'https')]);
  await seedGroup('wr-resume', [tcp(22, 22, '0.0.0.0/0', 'ssh from anywhere'), tcp(443, 443, '0.0.0.0/0', 'https')]);
}, 60_000);

afterAll(async () => {
  adapter?.close();
  ec2?.destroy();
  restoreEnv();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 15_000);

describe('remediation on AWS (moto_server): audit → fix → re-audit → revert, for each kind of plan', () => {
  it('(1) admin port with trusted sources: tcp/22 from 0.0.0.0/0 is replaced by the office range', async () => {
    await fixCycle('wr-ssh', 'internet-admin-port', 'port/22', (plan) => {
      expect(plan.operations.map((op) => op.op)).toEqual(['add', 'remove']); // add before remove
      expect(addedRules(plan).map((r) => [r.protocol, r.ports, r.peer])).toEqual([
        ['tcp', [{ from: 22, to: 22 }], { kind: 'cidr', cidr: OFFICE }],
      ]);
      expect(plan.diff).toEqual(['- tcp/22 from 0.0.0.0/0', `+ tcp/22 from ${OFFICE} (office)`]);
      expect(plan.notes).toEqual([]);
    });
  });

  it('(2) admin port without trusted sources: tcp/3389 from 0.0.0.0/0 is removed, and the plan says outside access stops', async () => {
    await fixCycle('wr-rdp', 'internet-admin-port', 'port/3389', (plan) => {
      expect(plan.operations.map((op) => op.op)).toEqual(['remove']);
      expect(plan.diff).toEqual(['- tcp/3389 from 0.0.0.0/0']);
      expect(plan.notes).toContain('access to tcp/3389 from outside will stop');
    });
  });

  it('(3) high-risk port on a wider rule: tcp 3000-3400 is split around 3306, which keeps the trusted source', async () => {
    await fixCycle('wr-split', 'internet-high-risk-port', 'port/3306', (plan) => {
      expect(removedIds(plan)).toHaveLength(1);
      expect(
        addedRules(plan).map(
          (r) => `${r.ports.map((p) => `${p.from}-${p.to}`).join(',')} ${r.peer.kind === 'cidr' ? r.peer.cidr : ''}`,
        ),
      ).toEqual(['3000-3305 0.0.0.0/0', '3307-3400 0.0.0.0/0', `3306-3306 ${APP_SUBNET}`]);
      expect(plan.operations.findIndex((op) => op.op === 'remove')).toBe(3); // every add before the remove
    });
  });

  it('(4) port range with documented group ports: tcp 8000-8999 from 10.0.0.0/8 becomes 8080 and 8443', async () => {
    await fixCycle('wr-ports', 'port-range', undefined, (plan) => {
      expect(plan.diff).toEqual([
        '- tcp/8000-8999 from 10.0.0.0/8',
        '+ tcp/8080 from 10.0.0.0/8',
        '+ tcp/8443 from 10.0.0.0/8',
      ]);
    });
  });

  it('(5) every port from the Internet with documented group ports: all traffic from 0.0.0.0/0 becomes tcp/443', async () => {
    await fixCycle('wr-all', 'internet-all-ports', undefined, (plan) => {
      expect(plan.diff.filter((line) => line.startsWith('-'))).toEqual(['- all traffic from 0.0.0.0/0']);
      expect(plan.diff.filter((line) => line.startsWith('+'))).toEqual([
        expect.stringMatching(/^\+ tcp\/443 from 0\.0\.0\.0\/0/),
      ]);
    });
  });

  it('(6) shadowed rule: tcp/443 from 10.1.0.0/16 under tcp/443 from 10.0.0.0/8 is removed, relying on the wider rule', async () => {
    await fixCycle('wr-shadow', 'shadowed-rule', undefined, (plan, group) => {
      const narrow = group.rules.find((r) => r.peer.kind === 'cidr' && r.peer.cidr === '10.1.0.0/16');
      const wide = group.rules.find(
        (r) => r.peer.kind === 'cidr' && r.peer.cidr === '10.0.0.0/8' && r.ports[0]?.from === 443,
      );
      expect(removedIds(plan)).toEqual([narrow?.native.ruleId]);
      expect(addedRules(plan)).toEqual([]);
      expect(plan.preconditions.map((p) => p.ruleId)).toContain(wide?.native.ruleId);
    });
  });

  it('(7) template drift on the VPC default group (CIS: no rules)', async () => {
    await fixCycle('default', 'template-drift', undefined, (plan, group) => {
      // CIS: the default group restricts all traffic: every rule it has goes, nothing is added.
      expect(addedRules(plan)).toEqual([]);
      expect([...removedIds(plan)].sort()).toEqual(group.rules.map((r) => r.native.ruleId).sort());
      expect([...plan.diff].sort()).toEqual(['- all traffic from this group', '- egress all traffic to 0.0.0.0/0']);
    });
  });
});

describe('remediation on AWS (moto_server): what apply refuses and undoes', () => {
  it('refuses a plan whose removed rule was revoked between plan and apply, and changes nothing', async () => {
    const { groupId, plan, estate } = await planCase('wr-drift', 'internet-admin-port', 'port/22');
    const target = removedIds(plan)[0] as string;
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [target] }));
    const drifted = await sdkRules(groupId);
    const record = await applyVerified(plan, estate);
    expect(record.status).toBe('refused');
    expect(record.messages.join('\n')).toContain(target);
    expect(record.messages[0]).toMatch(/changed since the plan was made; nothing was changed/);
    expect(record.addedRuleIds).toEqual([]);
    expect(await sdkRules(groupId)).toEqual(drifted);
    expect(await store.get(record.changeId)).toMatchObject({ status: 'refused' });
  });

  it('refuses a plan whose removed rule was modified in place (same id, other ports) between plan and apply', async () => {
    const { groupId, plan, estate } = await planCase('wr-drift-modified', 'internet-admin-port', 'port/22');
    const target = removedIds(plan)[0] as string;
    await ec2.send(
      new ModifySecurityGroupRulesCommand({
        GroupId: groupId,
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: target,
            SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 2222, ToPort: 2222, CidrIpv4: '0.0.0.0/0' },
          },
        ],
      }),
    );
    const drifted = await sdkRules(groupId);
    expect(drifted.get(target)).toMatch(/^ingress tcp 2222 2222 0\.0\.0\.0\/0/);
    const record = await applyVerified(plan, estate);
    expect(record.status).toBe('refused');
    expect(record.messages).toContain(
      `rule ${target} changed from ingress allow ipv4 tcp 22 0.0.0.0/0 1 to ingress allow ipv4 tcp 2222 0.0.0.0/0 1`,
    );
    expect(await sdkRules(groupId)).toEqual(drifted);
  });

  it('refuses a plan when a rule it relies on (not one it touches) was revoked meanwhile', async () => {
    const { groupId, plan, group, estate } = await planCase('wr-drift-relied', 'shadowed-rule');
    const wide = group.rules.find((r) => r.peer.kind === 'cidr' && r.peer.cidr === '10.0.0.0/8')?.native
      .ruleId as string;
    expect(removedIds(plan)).not.toContain(wide);
    expect(plan.preconditions.map((p) => p.ruleId)).toContain(wide);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [wide] }));
    const drifted = await sdkRules(groupId);
    const record = await applyVerified(plan, estate);
    expect(record.status).toBe('refused');
    expect(record.messages.join('\n')).toContain(wide);
    expect(await sdkRules(groupId)).toEqual(drifted);
  });

  it('a failure between add and remove is rolled back: the group has exactly its rules (ids and content) as before', async () => {
    const { groupId, plan, estate } = await planCase('wr-fail', 'internet-admin-port', 'port/22');
    expect(plan.operations.map((op) => op.op)).toEqual(['add', 'remove']);
    const before = await sdkRules(groupId);
    let removes = 0;
    const failing: LiveAdapter = {
      ...adapter,
      removeRule: async (s, g, r) => {
        if (++removes === 1) throw new Error('injected: connection reset');
        return adapter.removeRule(s, g, r);
      },
    };
    const record = await applyVerified(plan, estate, failing);
    expect(record.status, record.messages.join('\n')).toBe('rolled-back');
    expect(removes).toBe(2); // the plan's remove (failed), then the undo's remove of the rule it had added
    expect(record.addedRuleIds).toHaveLength(1);
    expect(record.messages.join('\n')).toMatch(/failed part-way: removing .* failed: injected: connection reset/);
    const after = await sdkRules(groupId);
    expect(after).toEqual(before);
    expect(after.has(record.addedRuleIds[0] as string)).toBe(false);
    expect((await readGroup(adapter, scope, groupId, normalize))?.rules.map((r) => r.native.ruleId).sort()).toEqual(
      [...before.keys()].sort(),
    );

    // The plan still applies cleanly afterwards (nothing of the failed attempt is in the way).
    const retry = await applyVerified(plan, estate);
    expect(retry.status, retry.messages.join('\n')).toBe('applied');
  });

  /** Starts the apply with a remove that never returns (the process dies there); answers the record left in progress. */
  async function applyDying(plan: Plan, estate: Estate): Promise<ChangeRecord> {
    let reached: () => void = () => undefined;
    const atRemove = new Promise<void>((resolve) => (reached = resolve));
    const dying: LiveAdapter = {
      ...adapter,
      removeRule: () => {
        reached();
        return new Promise<void>(() => undefined);
      },
    };
    void applyVerified(plan, estate, dying);
    await atRemove;
    const record = (await store.list()).filter((r) => r.plan.id === plan.id).at(-1);
    expect(record).toMatchObject({ inProgress: true });
    return record as ChangeRecord;
  }

  it('an apply that dies between add and remove: its record names the added rule, and revert restores exactly the pre-image', async () => {
    const { groupId, plan, estate } = await planCase('wr-dies', 'internet-admin-port', 'port/22');
    const before = await sdkRules(groupId);
    const record = await applyDying(plan, estate);
    const added = [...(await sdkRules(groupId)).keys()].filter((id) => !before.has(id));
    expect(record.addedRuleIds).toEqual(added);

    const revert = await revertChange({ adapter, normalize, scope, change: record, store, actor: 'tester@ci' });
    expect(revert.status, revert.messages.join('\n')).toBe('reverted');
    expect(await sdkRules(groupId)).toEqual(before);
  });

  it('an apply that dies between add and remove is resumed and completed: the finding is gone, the rule added once', async () => {
    const { groupId, plan, estate } = await planCase('wr-resume', 'internet-admin-port', 'port/22');
    const before = await sdkRules(groupId);
    const record = await applyDying(plan, estate);

    const resumed = await resumeChange({
      adapter,
      normalize,
      scope,
      change: record,
      store,
      actor: 'tester@ci',
      verify: auditVerifier(config, estate),
    });
    expect(resumed.outcome, resumed.record.messages.join('\n')).toBe('completed');
    const after = await sdkRules(groupId);
    for (const id of removedIds(plan)) expect(after.has(id)).toBe(false);
    expect([...after.keys()].filter((id) => !before.has(id))).toEqual(record.addedRuleIds);
  });
});
