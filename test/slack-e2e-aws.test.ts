import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateVpcCommand, DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiEvent, HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { buttonClickBody, signedHttpApiEvent } from './support/slack-events.ts';
import { configSchema } from '../src/config/schema.ts';
import { ACTION_IDS, parseButtonValue } from '../src/slack/actions.ts';
import type { ActionId } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob, WorkQueue } from '../src/slack/queue.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { SlackChatClient } from '../src/slack/notifier.ts';
import type { Worker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { StateStore } from '../src/store/state.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { motoEnv, seedSecurityGroup, setProcessEnv, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Slack → Lambda → queue → worker → EC2 on moto_server, end to end: the worker's audit posts a
// finding with an Approve button; a signed click on that button goes through the real Lambda
// handler (Bolt, signature check, idempotency and approvals in dynalite) and enqueues an apply job;
// the worker applies it against moto through the real AWS adapter; the Revert button undoes it.
// The EC2 groups are seeded and read back through the SDK directly.

const REGION = 'eu-west-1';
const SECRET = 'test-signing-secret-e2e-aws-0123';
const APPROVER = 'UAPPROVER1'; // Slack user ids are [UW][A-Z0-9]+ (the config refuses U_APPROVER)
const REQUESTER = 'UREQUESTER';
const CHANNEL = 'C0SECURITY';
const OFFICE = '203.0.113.0/24';

const rawConfig = {
  providers: { aws: { regions: [REGION] } },
  scan: { timeoutMs: 10_000, retries: 1 },
  remediation: { trustedSources: { '22': [{ source: OFFICE, label: 'office' }] } },
  slack: { channel: CHANNEL, approvers: { users: [APPROVER] }, requiredApprovals: 1, twoPersonRule: true },
};
const config = configSchema.parse(rawConfig);

interface Posted {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ts: string;
}

function fakeSlack(): SlackChatClient & { posted: Posted[]; updated: { channel: string; ts: string; text: string }[] } {
  let n = 0;
  const fake = {
    posted: [] as Posted[],
    updated: [] as { channel: string; ts: string; text: string }[],
    chat: {
      async postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }) {
        const ts = `1700000000.${String(++n).padStart(6, '0')}`;
        fake.posted.push({ ...args, ts });
        return { ok: true, ts };
      },
      async update(args: { channel: string; ts: string; text: string }) {
        fake.updated.push({ channel: args.channel, ts: args.ts, text: args.text });
        return { ok: true };
      },
    },
  };
  return fake;
}

/** The raw value of the message's button with this action id (as Slack would send it back), if any. */
function buttonValue(message: { blocks?: unknown[] }, actionId: ActionId): string | undefined {
  for (const block of (message.blocks ?? []) as {
    type: string;
    elements?: { type: string; action_id?: string; value?: string }[];
  }[]) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements ?? [])
      if (element.type === 'button' && element.action_id === actionId) return element.value;
  }
  return undefined;
}

let moto: Moto;
let ec2: EC2Client;
let adapter: ReturnType<typeof createAwsAdapter>;
let restoreEnv: () => void = () => undefined;
let vpcId: string;
let db: Dynalite;
let slackServer: Server;
let slackUrl: string;
let dir: string;
let configPath: string;
let tables = 0;

beforeAll(async () => {
  moto = await startMoto();
  const env = motoEnv(moto.endpoint, REGION);
  restoreEnv = setProcessEnv(env);
  ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  adapter = createAwsAdapter({ config, env, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
  db = await startDynalite();
  // Slack's Web API (Bolt's auth.test) and the response_urls, on loopback.
  slackServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      res.setHeader('content-type', 'application/json');
      if (path === '/api/auth.test')
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
      else if (path.startsWith('/api/')) res.end(JSON.stringify({ ok: true }));
      else res.end('ok');
    });
  });
  await new Promise<void>((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
  const address = slackServer.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  slackUrl = `http://127.0.0.1:${address.port}`;
  dir = await mkdtemp(join(tmpdir(), 'warden-slack-e2e-aws-'));
  configPath = join(dir, 'warden.json');
  await writeFile(configPath, JSON.stringify(rawConfig));
}, 60_000);

afterAll(async () => {
  adapter?.close();
  ec2?.destroy();
  restoreEnv();
  await moto?.stop();
  await db?.stop();
  if (slackServer) await new Promise<void>((resolve) => slackServer.close(() => resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
}, 15_000);

const tcp = (port: number, cidr: string, description: string): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr, Description: description }],
});

const seedGroup = (name: string, permissions: IpPermission[]): Promise<string> =>
  seedSecurityGroup(ec2, vpcId, name, permissions);

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

/** The group's rules straight from the EC2 API, by content, sorted. */
async function sdkRules(groupId: string): Promise<string[]> {
  const rules =
    (
      await ec2.send(
        new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000 }),
      )
    ).SecurityGroupRules ?? [];
  return rules.map(sdkContent).sort();
}

const ssh = (rules: string[], cidr: string) =>
  rules.filter((r) => r.startsWith('ingress tcp 22 22 ') && r.split(' ')[4] === cidr);

interface Rig {
  store: StateStore;
  slack: ReturnType<typeof fakeSlack>;
  queue: WorkQueue & { jobs: WardenJob[] };
  worker: Worker;
  handler: SlackHandler;
}

async function rig(): Promise<Rig> {
  const tableName = `warden-slack-e2e-${++tables}`;
  await ensureTable(db.client, tableName);
  const store = createDynamoStateStore({ tableName, client: db.client });
  const slack = fakeSlack();
  const queue = createInProcessQueue();
  const worker = createWorker({
    config,
    store,
    client: slack,
    adapters: async () => [adapter],
    postToResponseUrl: async () => undefined,
  });
  const handler = createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slackUrl}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: tableName,
    },
    queue,
    store,
  });
  return { store, slack, queue, worker, handler };
}

function signedClick(user: string, actionId: ActionId, value: string, triggerId: string): HttpApiEvent {
  return signedHttpApiEvent(
    buttonClickBody({
      user,
      channel: CHANNEL,
      actionId,
      value,
      triggerId,
      responseUrl: `${slackUrl}/response/${triggerId}`,
    }),
    { secret: SECRET },
  );
}

async function click(
  r: Rig,
  user: string,
  actionId: ActionId,
  value: string,
  triggerId: string,
): Promise<HttpApiResult> {
  return r.handler(signedClick(user, actionId, value, triggerId), {});
}

/** Runs the worker's audit of one group and returns the raw Approve button value of the finding it posted. */
async function auditFor(r: Rig, groupId: string): Promise<{ approveValue: string; finding: Posted }> {
  await r.worker.handle({
    kind: 'audit',
    args: { provider: 'aws', region: REGION, group: groupId },
    user: REQUESTER,
    channel: CHANNEL,
    requestId: `audit:${groupId}`,
  });
  const findings = r.slack.posted.filter((p) => buttonValue(p, ACTION_IDS.approve) !== undefined);
  expect(findings, JSON.stringify(r.slack.posted.map((p) => p.text))).toHaveLength(1);
  const finding = findings[0] as Posted;
  expect(finding.channel).toBe(CHANNEL);
  return { approveValue: buttonValue(finding, ACTION_IDS.approve) as string, finding };
}

describe('Slack → Lambda → worker → EC2 (moto_server)', () => {
  it('audits, approves through the signed Approve click, applies on EC2, and reverts through the Revert click', async () => {
    const r = await rig();
    const groupId = await seedGroup('e2e-ssh', [
      tcp(22, '0.0.0.0/0', 'ssh from anywhere'),
      tcp(443, '10.0.0.0/8', 'https inside'),
    ]);
    const original = await sdkRules(groupId);
    expect(ssh(original, '0.0.0.0/0')).toHaveLength(1);

    const { approveValue, finding } = await auditFor(r, groupId);
    const approve = parseButtonValue(approveValue, ACTION_IDS.approve);
    expect(approve.planId).toMatch(/^plan-/);
    expect(r.queue.jobs).toHaveLength(0);

    // The approver clicks Approve: one apply job, nothing changed on EC2 yet.
    expect((await click(r, APPROVER, ACTION_IDS.approve, approveValue, 'trigger-approve-1')).statusCode).toBe(200);
    expect(r.queue.jobs).toHaveLength(1);
    const applyJob = r.queue.jobs[0] as WardenJob;
    expect(applyJob).toMatchObject({
      kind: 'apply',
      args: { fingerprint: approve.fingerprint, planId: approve.planId },
      user: APPROVER,
      channel: CHANNEL,
    });
    expect(await sdkRules(groupId)).toEqual(original);

    // The worker applies it: SSH from the office, not from anywhere; the rest untouched.
    const before = r.slack.posted.length;
    await r.worker.handle(applyJob);
    const applied = await sdkRules(groupId);
    expect(ssh(applied, OFFICE)).toHaveLength(1);
    expect(ssh(applied, '0.0.0.0/0')).toHaveLength(0);
    expect(applied.filter((rule) => !rule.startsWith('ingress tcp 22 22 '))).toEqual(
      original.filter((rule) => !rule.startsWith('ingress tcp 22 22 ')),
    );
    const appliedPosts = r.slack.posted.slice(before);
    expect(appliedPosts, JSON.stringify(appliedPosts.map((p) => p.text))).toHaveLength(1);
    const appliedPost = appliedPosts[0] as Posted;
    expect(appliedPost).toMatchObject({ channel: CHANNEL, thread_ts: finding.ts });
    expect(appliedPost.text).toMatch(/applied/i);
    // The finding's own message now says it is fixed.
    expect(r.slack.updated.map((u) => [u.channel, u.ts])).toEqual([[CHANNEL, finding.ts]]);
    expect(r.slack.updated[0]?.text).toMatch(/^Resolved: /);
    const revertValue = buttonValue(appliedPost, ACTION_IDS.revert);
    expect(revertValue).toBeDefined();
    const revert = parseButtonValue(revertValue, ACTION_IDS.revert);
    expect(revert.changeId).toMatch(/^chg-/);

    // The approver clicks Revert: one revert job; the worker restores the original rules by content.
    expect((await click(r, APPROVER, ACTION_IDS.revert, revertValue as string, 'trigger-revert-1')).statusCode).toBe(
      200,
    );
    expect(r.queue.jobs).toHaveLength(2);
    const revertJob = r.queue.jobs[1] as WardenJob;
    expect(revertJob).toMatchObject({ kind: 'revert', args: { changeId: revert.changeId }, user: APPROVER });
    const beforeRevert = r.slack.posted.length;
    await r.worker.handle(revertJob);
    expect(await sdkRules(groupId)).toEqual(original);
    const revertPosts = r.slack.posted.slice(beforeRevert);
    expect(revertPosts).toHaveLength(1);
    expect(revertPosts[0]?.text).toMatch(/revert/i);
    // …and after the revert, that it is open again.
    expect(r.slack.updated.map((u) => [u.channel, u.ts])).toEqual([
      [CHANNEL, finding.ts],
      [CHANNEL, finding.ts],
    ]);
    expect(r.slack.updated[1]?.text).not.toMatch(/^Resolved/);
    expect((await r.store.changes.list()).map((c) => [c.kind, c.status])).toEqual([
      ['apply', 'applied'],
      ['revert', 'reverted'],
    ]);
  });

  it('turns 20 concurrent duplicate Approve clicks (and retried deliveries) into one apply and one office rule', async () => {
    const r = await rig();
    const groupId = await seedGroup('e2e-ssh-race', [
      tcp(22, '0.0.0.0/0', 'ssh from anywhere'),
      tcp(443, '10.0.0.0/8', 'https inside'),
    ]);
    const original = await sdkRules(groupId);
    const { approveValue } = await auditFor(r, groupId);

    const deliveries = [
      ...Array.from({ length: 20 }, (_, i) =>
        click(r, APPROVER, ACTION_IDS.approve, approveValue, `trigger-race-${i}`),
      ),
      // Slack's retries of one delivery: the same trigger id again.
      ...Array.from({ length: 4 }, () => click(r, APPROVER, ACTION_IDS.approve, approveValue, 'trigger-race-0')),
    ];
    const results = await Promise.all(deliveries);
    expect(results.map((x) => x.statusCode)).toEqual(results.map(() => 200));
    expect(r.queue.jobs.map((j) => j.kind)).toEqual(['apply']);
    // Each of the 20 deliveries was handled: one approval, 19 refused as duplicates; the retries claimed nothing.
    const approvals = (
      await r.store.trail.forTarget(parseButtonValue(approveValue, ACTION_IDS.approve).planId as string)
    ).filter((e) => e.action === 'approve');
    expect(approvals.filter((e) => e.outcome === 'ok: approved')).toHaveLength(1);
    expect(approvals).toHaveLength(20);

    for (const job of [...r.queue.jobs]) await r.worker.handle(job);
    const after = await sdkRules(groupId);
    expect(ssh(after, OFFICE)).toHaveLength(1);
    expect(ssh(after, '0.0.0.0/0')).toHaveLength(0);
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((rule) => !rule.startsWith('ingress tcp 22 22 '))).toEqual(
      original.filter((rule) => !rule.startsWith('ingress tcp 22 22 ')),
    );
    expect((await r.store.changes.list()).filter((c) => c.kind === 'apply')).toHaveLength(1);
  });
});
