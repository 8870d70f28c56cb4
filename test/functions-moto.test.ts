import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  ModifyManagedPrefixListCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { IpPermission } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplyHandler } from '../functions/apply.ts';
import { newRunId, startRun } from '../functions/lib/fanout.ts';
import { buildRuntime, lazyRuntime } from '../functions/lib/runtime.ts';
import type { Runtime } from '../functions/lib/runtime.ts';
import { createRealtimeHandler } from '../functions/realtime.ts';
import { createScanHandler } from '../functions/scan.ts';
import { createScheduleHandler } from '../functions/schedule.ts';
import { createProductionSlackHandler } from '../functions/slack.ts';
import { ACTION_IDS } from '../src/slack/actions.ts';
import { ensureTable } from '../src/store/dynamo.ts';
import { cloudTrailEvent, scheduledEvent, sqsEvent, sqsRecord, sqsRecordOf } from './support/lambda-events.ts';
import { createVpc, motoClientConfig, motoEnv, seedSecurityGroup, setProcessEnv, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';
import { buttonClickBody, commandBody, signedHttpApiEvent } from './support/slack-events.ts';

// The deployed functions, driven locally with the events AWS delivers (schedule, SQS batches,
// EventBridge CloudTrail events, HTTP API requests) against moto_server serving EC2, DynamoDB, SQS,
// SSM and STS, and a loopback Slack Web API that records every call. Nothing is faked inside
// Warden: the handlers build their runtime as in Lambda (secrets from SSM, table, queues).

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012'; // moto's account
const CHANNEL = 'C0SECURITY';
const APPROVER = 'UAPPROVER1';
const APPROVER2 = 'UAPPROVER2';
const REQUESTER = 'UREQUESTER';
const SIGNING_SECRET = 'fn-test-signing-secret-0123456789';
const OFFICE = '203.0.113.0/24';

const rawConfig = {
  providers: { aws: { regions: [REGION] } },
  scan: { timeoutMs: 10_000, retries: 1 },
  remediation: { trustedSources: { '22': [{ source: OFFICE, label: 'office' }] } },
  slack: {
    channel: CHANNEL,
    minSeverity: 'high',
    approvers: { users: [APPROVER, APPROVER2] },
    requiredApprovals: 1,
    twoPersonRule: true,
  },
};

interface SlackCall {
  method: string;
  params: Record<string, unknown>;
}

let moto: Moto;
let restoreEnv: () => void = () => undefined;
let ec2: EC2Client;
let sqs: SQSClient;
let vpcId: string;
let slackServer: Server;
let slackUrl: string;
const slackCalls: SlackCall[] = [];
let dir: string;
let env: NodeJS.ProcessEnv;
let scanQueueUrl: string;
let scanQueueArn: string;
let applyQueueUrl: string;
let applyQueueArn: string;
let runtime: () => Promise<Runtime>;

/** Slack's Web API on loopback: records each call (form or JSON body) and answers as Slack does. */
function startSlack(): Promise<void> {
  let ts = 0;
  slackServer = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const method = (req.url ?? '').split('?')[0]?.replace(/^\/api\//, '') ?? '';
      const params: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json')
        ? (JSON.parse(raw || '{}') as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
      for (const key of ['blocks', 'attachments'])
        if (typeof params[key] === 'string') params[key] = JSON.parse(params[key] as string) as unknown;
      slackCalls.push({ method, params });
      res.setHeader('content-type', 'application/json');
      if (method === 'auth.test') res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
      else if (method === 'chat.postMessage')
        res.end(
          JSON.stringify({ ok: true, channel: params['channel'], ts: `1700000000.${String(++ts).padStart(6, '0')}` }),
        );
      else res.end(JSON.stringify({ ok: true }));
    });
  });
  return new Promise((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
}

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = setProcessEnv(motoEnv(moto.endpoint, REGION));
  const clientConfig = motoClientConfig(moto.endpoint, REGION);
  ec2 = new EC2Client(clientConfig);
  sqs = new SQSClient(clientConfig);
  vpcId = await createVpc(ec2);

  const tableName = 'warden-functions-test';
  await ensureTable(DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig)), tableName);
  scanQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'warden-scan' }))).QueueUrl as string;
  applyQueueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'warden-apply.fifo', Attributes: { FifoQueue: 'true' } }))
  ).QueueUrl as string;
  const arnOf = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.[
      'QueueArn'
    ] as string;
  scanQueueArn = await arnOf(scanQueueUrl);
  applyQueueArn = await arnOf(applyQueueUrl);

  // The secrets, where the deployed functions read them: SSM SecureStrings, the signing secret under a path of its own.
  const ssm = new SSMClient(clientConfig);
  for (const [name, value] of [
    ['SLACK_BOT_TOKEN', 'xoxb-functions-test'],
    ['SLACK_SIGNING_SECRET', SIGNING_SECRET],
  ]) {
    await ssm.send(
      new PutParameterCommand({
        Name: `/warden/test/${name === 'SLACK_SIGNING_SECRET' ? 'slack-signing' : 'slack'}/${name}`,
        Value: value,
        Type: 'SecureString',
      }),
    );
  }
  ssm.destroy();

  await startSlack();
  const address = slackServer.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  slackUrl = `http://127.0.0.1:${address.port}`;
  dir = await mkdtemp(join(tmpdir(), 'warden-functions-'));
  const configPath = join(dir, 'warden.config.json');
  await writeFile(configPath, JSON.stringify(rawConfig));
  env = {
    ...process.env,
    WARDEN_CONFIG: configPath,
    WARDEN_TABLE: tableName,
    WARDEN_SCAN_QUEUE_URL: scanQueueUrl,
    WARDEN_APPLY_QUEUE_URL: applyQueueUrl,
    WARDEN_SECRET_PATHS: '/warden/test/slack,/warden/test/slack-signing',
    SLACK_API_URL: `${slackUrl}/api/`,
  };
  runtime = lazyRuntime(() => buildRuntime({ env }));
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  sqs?.destroy();
  restoreEnv();
  await moto?.stop();
  if (slackServer) await new Promise<void>((resolve) => slackServer.close(() => resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
}, 15_000);

const tcp = (port: number, cidr: string): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  IpRanges: [{ CidrIp: cidr }],
});

const seedGroup = (name: string, permissions: IpPermission[]): Promise<string> =>
  seedSecurityGroup(ec2, vpcId, name, permissions);

async function ingressCidrs(groupId: string, port: number): Promise<string[]> {
  const rules =
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? [];
  return rules
    .filter((r) => !r.IsEgress && r.FromPort === port)
    .map((r) => r.CidrIpv4 ?? r.CidrIpv6 ?? '')
    .sort();
}

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    if (!Messages?.length) return out;
    out.push(...Messages);
  }
}

const callsSince = (n: number) => slackCalls.slice(n);
const posts = (calls: SlackCall[]) => calls.filter((c) => c.method === 'chat.postMessage');
const mentions = (call: SlackCall, text: string) => JSON.stringify(call.params).includes(text);

function buttonValue(call: SlackCall, actionId: string): string | undefined {
  for (const block of (call.params['blocks'] ?? []) as {
    type: string;
    elements?: { action_id?: string; value?: string }[];
  }[]) {
    for (const element of block.type === 'actions' ? (block.elements ?? []) : [])
      if (element.action_id === actionId) return element.value;
  }
  return undefined;
}

/** One scheduled run: the schedule function, then the scan function on the batch it queued. */
async function scheduledRun(): Promise<{ runId: string; scopes: number; failures: string[] }> {
  const schedule = createScheduleHandler({ runtime });
  const { runId, scopes } = await schedule(scheduledEvent(new Date()));
  const messages = await receiveAll(scanQueueUrl);
  expect(messages).toHaveLength(scopes);
  const scan = createScanHandler({ runtime });
  const result = await scan(sqsEvent(messages.map((m) => sqsRecordOf(m, scanQueueArn))));
  return { runId, scopes, failures: result.batchItemFailures.map((f) => f.itemIdentifier) };
}

describe('deployed functions on moto_server (EC2, DynamoDB, SQS, SSM)', () => {
  let sshGroup: string;
  let findingTs: string;

  it('schedule → scan: one message per scope, findings stored, each posted once with a digest', async () => {
    sshGroup = await seedGroup('fn-ssh-open', [tcp(22, '0.0.0.0/0'), tcp(443, '10.0.0.0/8')]);
    const before = slackCalls.length;
    const run = await scheduledRun();
    expect(run.scopes).toBe(1);
    expect(run.failures).toEqual([]);

    const { store } = await runtime();
    const stored = await store.runs.get(run.runId);
    expect(stored).toMatchObject({ expected: 1, done: 1, trigger: 'schedule' });
    expect(stored?.digestAt).toBeDefined();
    const [scope] = await store.runs.scopeResults(run.runId);
    expect(scope?.scope).toEqual({ provider: 'aws', account: ACCOUNT, region: REGION });
    const sshFinding = scope?.new.find((f) => f.groupId === sshGroup && f.check === 'internet-admin-port');
    expect(sshFinding, JSON.stringify(scope?.new.map((f) => [f.groupId, f.check]))).toBeDefined();

    const posted = posts(callsSince(before));
    const findingPost = posted.find((c) => buttonValue(c, ACTION_IDS.approve) !== undefined && mentions(c, sshGroup));
    expect(findingPost?.params['channel']).toBe(CHANNEL);
    const state = await store.findings.get(sshFinding?.fingerprint as string);
    expect(state?.status).toBe('open');
    expect(state?.message?.channel).toBe(CHANNEL);
    findingTs = state?.message?.ts as string;
    expect(posted.filter((c) => String(c.params['text']).startsWith('Warden audit:'))).toHaveLength(1);

    // The next run finds the same: nothing posted again, and no digest for a run with nothing new.
    const again = slackCalls.length;
    const second = await scheduledRun();
    expect(second.failures).toEqual([]);
    expect(posts(callsSince(again))).toEqual([]);
    expect((await store.runs.get(second.runId))?.digestAt).toBeDefined();
  });

  it('an on-demand run whose region matches no configured scope starts no run and posts no clean digest', async () => {
    const before = slackCalls.length;
    const runId = newRunId(new Date());
    const started = await startRun(await runtime(), {
      runId,
      trigger: 'slack:U0TESTUSER',
      providers: ['aws'],
      filter: { regions: ['eu-west-9'] },
      now: new Date(),
    });
    expect(started).toEqual({ scopes: 0, sent: 0 });
    expect(await (await runtime()).store.runs.get(runId)).toBeUndefined();
    expect(posts(callsSince(before))).toEqual([]);
  });

  it('reports the one bad message of an SQS batch as a batch item failure and handles the rest', async () => {
    const { store } = await runtime();
    const runId = 'run-batch-test';
    await store.runs.start({ runId, expected: 1, trigger: 'test', now: new Date() });
    const good = sqsRecord(
      {
        id: 'msg-good',
        body: JSON.stringify({ type: 'scope', runId, provider: 'aws', account: ACCOUNT, region: REGION }),
      },
      scanQueueArn,
    );
    const notJson = sqsRecord({ id: 'msg-not-json', body: '{"type": "scope", ' }, scanQueueArn);
    const wrongShape = sqsRecord(
      {
        id: 'msg-wrong',
        body: JSON.stringify({ type: 'scope', runId, provider: 'gcp', account: '1', region: REGION }),
      },
      scanQueueArn,
    );
    const result = await createScanHandler({ runtime })(sqsEvent([notJson, good, wrongShape]));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['msg-not-json', 'msg-wrong']);
    expect(await store.runs.get(runId)).toMatchObject({ done: 1 });

    // A redelivery of the good message is not counted twice.
    const again = await createScanHandler({ runtime })(sqsEvent([good]));
    expect(again.batchItemFailures).toEqual([]);
    expect(await store.runs.get(runId)).toMatchObject({ done: 1 });
  });

  it('a run whose scopes never all report is finished by a later schedule tick, its digest saying how many are missing', async () => {
    const { store } = await runtime();
    const started = new Date(Date.now() - 60 * 60_000);
    await store.runs.start({ runId: 'run-stuck', expected: 2, channel: CHANNEL, trigger: 'schedule', now: started });
    const scope = { type: 'scope', runId: 'run-stuck', provider: 'aws', account: ACCOUNT, region: REGION };
    expect(
      (
        await createScanHandler({ runtime })(
          sqsEvent([sqsRecord({ id: 'stuck-1', body: JSON.stringify(scope) }, scanQueueArn)]),
        )
      ).batchItemFailures,
    ).toEqual([]);
    expect((await store.runs.get('run-stuck'))?.digestAt).toBeUndefined();

    const before = slackCalls.length;
    const tick = await createScheduleHandler({ runtime })(scheduledEvent(new Date()));
    expect(tick.finishedLate).toContain('run-stuck');
    const digest = posts(callsSince(before)).find((c) => String(c.params['text']).startsWith('Warden audit:'));
    expect(digest?.params['channel']).toBe(CHANNEL);
    expect(String(digest?.params['text'])).toMatch(/partial/);
    expect(JSON.stringify(digest?.params['blocks'])).toMatch(/1 of 2 scopes did not report/);
    expect((await store.runs.get('run-stuck'))?.digestAt).toBeDefined();
    await receiveAll(scanQueueUrl); // the tick's own run: not handled here
  });

  it('posts at most slack.maxFindingMessagesPerRun finding messages a run; the digest says how many wait; the next run posts them', async () => {
    const capped = join(dir, 'capped.config.json');
    await writeFile(
      capped,
      JSON.stringify({ ...rawConfig, slack: { ...rawConfig.slack, maxFindingMessagesPerRun: 1 } }),
    );
    const cappedRuntime = lazyRuntime(() => buildRuntime({ env: { ...env, WARDEN_CONFIG: capped } }));
    const group = await seedGroup('fn-cap', [tcp(22, '0.0.0.0/0'), tcp(3389, '0.0.0.0/0')]);
    const run = async () => {
      const before = slackCalls.length;
      const { scopes } = await createScheduleHandler({ runtime: cappedRuntime })(scheduledEvent(new Date()));
      const messages = await receiveAll(scanQueueUrl);
      expect(messages).toHaveLength(scopes);
      expect(
        (
          await createScanHandler({ runtime: cappedRuntime })(
            sqsEvent(messages.map((m) => sqsRecordOf(m, scanQueueArn))),
          )
        ).batchItemFailures,
      ).toEqual([]);
      const posted = posts(callsSince(before));
      return {
        findings: posted.filter((c) => buttonValue(c, ACTION_IDS.details) !== undefined && mentions(c, group)),
        digest: posted.find((c) => String(c.params['text']).startsWith('Warden audit:')),
      };
    };
    const first = await run();
    expect(first.findings).toHaveLength(1);
    expect(JSON.stringify(first.digest?.params['blocks'])).toMatch(/1 finding over this run's message limit/);
    const second = await run();
    expect(second.findings).toHaveLength(1);
    expect(JSON.stringify(second.findings)).not.toBe(JSON.stringify(first.findings));
    const third = await run();
    expect(third.findings).toHaveLength(0);
  });

  it('realtime: a CloudTrail revoke resolves the finding on its message; an authorize posts the new one', async () => {
    const { store } = await runtime();
    const realtime = createRealtimeHandler({ runtime });
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: sshGroup, IpPermissions: [tcp(22, '0.0.0.0/0')] }));
    const before = slackCalls.length;
    const revoked = await realtime(
      cloudTrailEvent({
        eventName: 'RevokeSecurityGroupIngress',
        account: ACCOUNT,
        region: REGION,
        requestParameters: {
          groupId: sshGroup,
          ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22 }] },
        },
      }),
    );
    expect(revoked).toMatchObject({ audited: 1 });
    const updates = callsSince(before).filter((c) => c.method === 'chat.update');
    expect(updates.map((c) => [c.params['channel'], c.params['ts']])).toEqual([[CHANNEL, findingTs]]);
    expect(updates[0] && mentions(updates[0], 'esolved')).toBe(true);

    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: sshGroup, IpPermissions: [tcp(3389, '0.0.0.0/0')] }),
    );
    const mid = slackCalls.length;
    const authorized = await realtime(
      cloudTrailEvent({
        eventName: 'AuthorizeSecurityGroupIngress',
        account: ACCOUNT,
        region: REGION,
        requestParameters: {
          groupId: sshGroup,
          ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 3389, toPort: 3389 }] },
        },
      }),
    );
    expect(authorized).toMatchObject({ audited: 1 });
    const newPosts = posts(callsSince(mid));
    expect(newPosts).toHaveLength(1);
    expect(mentions(newPosts[0] as SlackCall, '3389')).toBe(true);

    // A failed call changed nothing: ignored, nothing read.
    const failed = await realtime(
      cloudTrailEvent({
        eventName: 'AuthorizeSecurityGroupIngress',
        account: ACCOUNT,
        region: REGION,
        requestParameters: { groupId: sshGroup },
        errorCode: 'Client.UnauthorizedOperation',
      }),
    );
    expect(failed).toMatchObject({ audited: 0 });
    expect((await store.trail.forTarget(`aws/${ACCOUNT}/${REGION}/${sshGroup}`)).map((e) => e.action)).toEqual([
      'audit-group',
      'audit-group',
    ]);
  });

  it('realtime: ModifyManagedPrefixList audits the groups whose rules name the list, and only them', async () => {
    const { store } = await runtime();
    const realtime = createRealtimeHandler({ runtime });
    const created = await ec2.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: 'fn-office',
        AddressFamily: 'IPv4',
        MaxEntries: 5,
        Entries: [{ Cidr: OFFICE }],
      }),
    );
    const listId = created.PrefixList?.PrefixListId as string;
    const viaList = await seedGroup('fn-via-list', [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: listId }] },
    ]);
    // Opened since the last audit, but it does not name the list: a list change must not audit it.
    await seedGroup('fn-not-naming-list', [tcp(3306, '0.0.0.0/0')]);
    await ec2.send(
      new ModifyManagedPrefixListCommand({
        PrefixListId: listId,
        CurrentVersion: created.PrefixList?.Version ?? 1,
        AddEntries: [{ Cidr: '0.0.0.0/0' }],
      }),
    );
    const before = slackCalls.length;
    const changed = await realtime(
      cloudTrailEvent({
        eventName: 'ModifyManagedPrefixList',
        account: ACCOUNT,
        region: REGION,
        requestParameters: {
          ModifyManagedPrefixListRequest: {
            PrefixListId: listId,
            CurrentVersion: 1,
            AddEntry: { Cidr: '0.0.0.0/0', tag: 1 },
          },
        },
      }),
    );
    expect(changed).toMatchObject({ audited: 1 });
    const newPosts = posts(callsSince(before));
    expect(newPosts.length).toBeGreaterThan(0);
    expect(newPosts.every((p) => mentions(p, viaList) && !mentions(p, 'fn-not-naming-list'))).toBe(true);
    expect(newPosts.some((p) => mentions(p, 'SSH'))).toBe(true);
    expect(
      (await store.trail.forTarget(`aws/${ACCOUNT}/${REGION}/groups naming ${listId}`)).map((e) => e.action),
    ).toEqual(['audit-group']);
  });

  it('realtime: AssociateAddress audits the groups of the interface it names, and resolves nothing else', async () => {
    const { store } = await runtime();
    const realtime = createRealtimeHandler({ runtime });
    // A finding posted earlier for another group, fixed since without an event: this audit must not resolve it.
    const other = await seedGroup('fn-if-other', [tcp(3306, '0.0.0.0/0')]);
    const authorize = (groupId: string) =>
      cloudTrailEvent({
        eventName: 'AuthorizeSecurityGroupIngress',
        account: ACCOUNT,
        region: REGION,
        requestParameters: { groupId },
      });
    expect(await realtime(authorize(other))).toMatchObject({ audited: 1 });
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: other, IpPermissions: [tcp(3306, '0.0.0.0/0')] }));

    const web = await seedGroup('fn-if-web', [tcp(22, '0.0.0.0/0')]);
    const unattached = await seedGroup('fn-if-unattached', [tcp(3389, '0.0.0.0/0')]);
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.42.0/24' }));
    const created = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet?.SubnetId as string, Groups: [web] }),
    );
    const eni = created.NetworkInterface?.NetworkInterfaceId as string;
    const { AllocationId } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await ec2.send(new AssociateAddressCommand({ AllocationId, NetworkInterfaceId: eni }));

    const before = slackCalls.length;
    const associated = await realtime(
      cloudTrailEvent({
        eventName: 'AssociateAddress',
        account: ACCOUNT,
        region: REGION,
        requestParameters: { allocationId: AllocationId, networkInterfaceId: eni },
      }),
    );
    expect(associated).toMatchObject({ audited: 1 });
    const calls = callsSince(before);
    const newPosts = posts(calls);
    expect(newPosts.length).toBeGreaterThan(0);
    expect(newPosts.every((p) => mentions(p, web) && !mentions(p, unattached))).toBe(true);
    expect(calls.filter((c) => c.method === 'chat.update')).toEqual([]);
    expect((await store.trail.forTarget(`aws/${ACCOUNT}/${REGION}/interface ${eni}`)).map((e) => e.action)).toEqual([
      'audit-group',
    ]);
  });

  it('HTTP API → Slack function → SQS: the approve click goes to the FIFO apply queue by group; the apply function fixes the group on EC2', async () => {
    const group = await seedGroup('fn-apply', [tcp(22, '0.0.0.0/0')]);
    const before = slackCalls.length;
    expect((await scheduledRun()).failures).toEqual([]);
    const findingPost = posts(callsSince(before)).find(
      (c) => mentions(c, group) && buttonValue(c, ACTION_IDS.approve) !== undefined,
    );
    const approveValue = buttonValue(findingPost as SlackCall, ACTION_IDS.approve) as string;

    // The Slack function, wired as deployed: its signing secret comes from SSM.
    const slack = createProductionSlackHandler(env);
    const badSignature = await slack(
      signedHttpApiEvent(
        commandBody('audit', { user: REQUESTER, channel: CHANNEL, triggerId: 't-0', responseUrl: `${slackUrl}/r/0` }),
        { secret: 'not-the-secret' },
      ),
      {},
    );
    expect(badSignature.statusCode).toBe(401);
    expect(await receiveAll(scanQueueUrl)).toEqual([]);

    const command = await slack(
      signedHttpApiEvent(
        commandBody('audit aws', {
          user: REQUESTER,
          channel: CHANNEL,
          triggerId: 't-1',
          responseUrl: `${slackUrl}/r/1`,
        }),
        { secret: SIGNING_SECRET },
      ),
      {},
    );
    expect(command.statusCode).toBe(200);
    const jobMessages = await receiveAll(scanQueueUrl);
    const queuedJobs = jobMessages.map(
      (m) => JSON.parse(m.Body ?? '{}') as { type: string; job: { kind: string; args: unknown } },
    );
    expect(queuedJobs).toEqual([
      expect.objectContaining({
        type: 'job',
        job: expect.objectContaining({ kind: 'audit', args: { provider: 'aws' } }),
      }),
    ]);

    // The scan function fans the on-demand audit out as a run: one scope message, its findings and
    // digest for the asking channel, the person told at once through the response_url.
    const beforeAudit = slackCalls.length;
    const scan = createScanHandler({ runtime });
    expect((await scan(sqsEvent(jobMessages.map((m) => sqsRecordOf(m, scanQueueArn))))).batchItemFailures).toEqual([]);
    const scopeMessages = await receiveAll(scanQueueUrl);
    expect(scopeMessages.map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>)).toEqual([
      expect.objectContaining({ type: 'scope', provider: 'aws', account: ACCOUNT, region: REGION, channel: CHANNEL }),
    ]);
    expect(callsSince(beforeAudit).find((c) => c.method === '/r/1')?.params['text']).toMatch(/^Auditing 1 scope;/);
    expect((await scan(sqsEvent(scopeMessages.map((m) => sqsRecordOf(m, scanQueueArn))))).batchItemFailures).toEqual(
      [],
    );
    expect(
      posts(callsSince(beforeAudit))
        .filter((c) => String(c.params['text']).startsWith('Warden audit:'))
        .map((c) => c.params['channel']),
    ).toEqual([CHANNEL]);

    // Proposed by the schedule (nobody asked): the two-person rule means two distinct approvers.
    const first = buttonClickBody({
      user: APPROVER2,
      channel: CHANNEL,
      actionId: ACTION_IDS.approve,
      value: approveValue,
      triggerId: 't-2a',
      responseUrl: `${slackUrl}/r/2a`,
    });
    expect((await slack(signedHttpApiEvent(first, { secret: SIGNING_SECRET }), {})).statusCode).toBe(200);
    expect(await receiveAll(applyQueueUrl)).toEqual([]);
    const click = buttonClickBody({
      user: APPROVER,
      channel: CHANNEL,
      actionId: ACTION_IDS.approve,
      value: approveValue,
      triggerId: 't-2',
      responseUrl: `${slackUrl}/r/2`,
    });
    expect((await slack(signedHttpApiEvent(click, { secret: SIGNING_SECRET }), {})).statusCode).toBe(200);
    const applyMessages = await receiveAll(applyQueueUrl);
    expect(applyMessages).toHaveLength(1);
    expect(applyMessages[0]?.Attributes?.['MessageGroupId']).toBe(`aws/${ACCOUNT}/${REGION}/${group}`);
    expect(await ingressCidrs(group, 22)).toEqual(['0.0.0.0/0']);

    const apply = createApplyHandler({ runtime });
    const result = await apply(sqsEvent(applyMessages.map((m) => sqsRecordOf(m, applyQueueArn))));
    expect(result.batchItemFailures).toEqual([]);
    expect(await ingressCidrs(group, 22)).toEqual([OFFICE]);
    const { store } = await runtime();
    expect(
      (await store.changes.list()).filter((c) => c.plan.target.groupId === group).map((c) => [c.kind, c.status]),
    ).toEqual([['apply', 'applied']]);

    // The same message redelivered applies nothing more.
    expect((await apply(sqsEvent(applyMessages.map((m) => sqsRecordOf(m, applyQueueArn))))).batchItemFailures).toEqual(
      [],
    );
    expect((await store.changes.list()).filter((c) => c.plan.target.groupId === group)).toHaveLength(1);
  });
});
