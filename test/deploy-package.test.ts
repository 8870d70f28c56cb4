import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUDTRAIL_SECURITY_GROUP_EVENTS } from '../adapters/aws/events.ts';
import { CHART_ASSETS } from '../src/chart/render.ts';
import { ensureTable, TABLE_SCHEMA } from '../src/store/dynamo.ts';
import { startDynalite } from './support/dynalite.ts';
import { scheduledEvent, sqsEvent, sqsRecordOf } from './support/lambda-events.ts';
import { createVpc, motoClientConfig, motoEnv, startMoto } from './support/moto.ts';
import { commandBody, signedHttpApiEvent } from './support/slack-events.ts';
import { SECRET_PATHS } from './support/secret-paths.ts';

// `osls package` (the npm run package of CI) builds the stack offline, with no AWS credentials;
// these tests read the CloudFormation it generated: the functions and their triggers, the table
// and queues, and the IAM each function gets.

const run = promisify(execFile);

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  [key: string]: unknown;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let out: string;
let resources: Record<string, Resource>;
let templateText: string;

const FUNCTIONS = ['slack', 'schedule', 'scan', 'apply', 'realtime', 'chart'] as const;
const logicalName = (fn: string) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const PREFIX_LIST_READS = ['ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'];

/** Every statement of the role a function runs as. */
function statementsOf(fn: string): Statement[] {
  const role = (resources[logicalName(fn)]?.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = (resources[role]?.Properties['Policies'] ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'warden-package-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: out, SLS_TELEMETRY_DISABLED: '1' };
  // No credentials, no profile, no region: packaging must not need AWS.
  await run(join('node_modules', '.bin', 'osls'), ['package', '--stage', 'ci', '--package', out], {
    env,
    // Six bundles, the chart one with the renderer: several minutes on a busy two-core machine.
    timeout: 300_000,
  });
  templateText = await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  resources = (JSON.parse(templateText) as { Resources: Record<string, Resource> }).Resources;
}, 330_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('npm run package (osls package, offline)', () => {
  it('builds the six functions on Node 24, arm64, each with a bundle of its own', async () => {
    for (const fn of FUNCTIONS) {
      const props = resources[logicalName(fn)]?.Properties;
      expect(props, fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: `functions/${fn}.handler`,
      });
      const zip = await readFile(join(out, `${fn}.zip`));
      expect(zip.includes(Buffer.from(`functions/${fn}.mjs`)), `${fn}.zip holds functions/${fn}.mjs`).toBe(true);
    }
  });

  it('packages the chart function with the files its renderer reads from node_modules (the wasm, the font), and lets it read only the posture history', async () => {
    const zip = await readFile(join(out, 'chart.zip'));
    for (const file of [CHART_ASSETS.wasm, ...CHART_ASSETS.fonts])
      expect(zip.includes(Buffer.from(`node_modules/${file}`)), `chart.zip holds node_modules/${file}`).toBe(true);
    const dynamo = statementsOf('chart').filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [actions(s), JSON.stringify(s)])).toEqual([
      [['dynamodb:Query'], expect.stringContaining('"dynamodb:LeadingKeys":["RUN-HISTORY"]')],
    ]);
    for (const fn of ['scan', 'schedule'])
      expect(
        statementsOf(fn).some(
          (s) => actions(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes('"ChartQueue"'),
        ),
        `${fn} may ask for a chart`,
      ).toBe(true);
  });

  it('wires the triggers: HTTP API routes, the schedule, the SQS event sources with partial batch failures, the CloudTrail rule', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties['RouteKey']);
    expect(routes.sort()).toEqual(['POST /events/{source}', 'POST /slack/events']);
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules.some((r) => r['ScheduleExpression'] === 'rate(1 hour)')).toBe(true);
    const trail = rules.find((r) => r['EventPattern'] !== undefined)?.['EventPattern'] as {
      source: string[];
      'detail-type': string[];
      detail: { eventName: string[] };
    };
    expect(trail.source).toEqual(['aws.ec2']);
    expect(trail['detail-type']).toEqual(['AWS API Call via CloudTrail']);
    // Exactly the calls the realtime function reads a group change from.
    expect([...trail.detail.eventName].sort()).toEqual([...CLOUDTRAIL_SECURITY_GROUP_EVENTS].sort());

    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    const byQueue = (queue: string) => mappings.find((m) => JSON.stringify(m['EventSourceArn']).includes(`"${queue}"`));
    expect(byQueue('ScanQueue')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      FunctionName: { 'Fn::GetAtt': ['ScanLambdaFunction', 'Arn'] },
    });
    expect(byQueue('ApplyQueue')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
      FunctionName: { 'Fn::GetAtt': ['ApplyLambdaFunction', 'Arn'] },
    });
    expect(byQueue('ChartQueue')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
      FunctionName: { 'Fn::GetAtt': ['ChartLambdaFunction', 'Arn'] },
    });
  });

  it('gives the apply function (the one with the write keys and grants) a schedule that recovers interrupted fixes and reverts, the schedule function none of that', () => {
    const scheduled = ofType('AWS::Events::Rule')
      .map(([, r]) => r.Properties)
      .filter((r) => r['ScheduleExpression'] !== undefined);
    const targets = (r: Record<string, unknown>) => JSON.stringify(r['Targets']);
    const apply = scheduled.filter((r) => targets(r).includes('"ApplyLambdaFunction"'));
    expect(apply.map((r) => r['ScheduleExpression'])).toEqual(['rate(15 minutes)']);
    expect(scheduled.find((r) => targets(r).includes('"ScheduleLambdaFunction"'))?.['ScheduleExpression']).toBe(
      'rate(1 hour)',
    );
    // Still FIFO-SQS for jobs, one at a time.
    expect(
      ofType('AWS::Lambda::EventSourceMapping').filter(([, r]) =>
        JSON.stringify(r.Properties['FunctionName']).includes('"ApplyLambdaFunction"'),
      ),
    ).toHaveLength(1);
  });

  it('declares the table as the store expects it, on demand, with point-in-time recovery and TTL', () => {
    const table = resources['StateTable']?.Properties as Record<string, unknown>;
    expect(table['BillingMode']).toBe('PAY_PER_REQUEST');
    expect(table['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table['TimeToLiveSpecification']).toEqual(TABLE_SCHEMA.TimeToLiveSpecification);
    expect(table['KeySchema']).toEqual(TABLE_SCHEMA.KeySchema);
    expect(table['AttributeDefinitions']).toEqual(TABLE_SCHEMA.AttributeDefinitions);
    expect(table['GlobalSecondaryIndexes']).toEqual(TABLE_SCHEMA.GlobalSecondaryIndexes);
  });

  it('gives each queue a dead-letter queue with an alarm, and each function a log group with retention', () => {
    const queues = Object.fromEntries(ofType('AWS::SQS::Queue'));
    for (const [queue, dlq] of [
      ['ScanQueue', 'ScanDeadLetterQueue'],
      ['ApplyQueue', 'ApplyDeadLetterQueue'],
      ['ChartQueue', 'ChartDeadLetterQueue'],
    ] as const) {
      expect(queues[queue]?.Properties['RedrivePolicy']).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 3,
      });
      const alarmed = ofType('AWS::CloudWatch::Alarm').some(([, a]) =>
        JSON.stringify(a.Properties['Dimensions']).includes(`"${dlq}"`),
      );
      expect(alarmed, `${dlq} has an alarm`).toBe(true);
    }
    expect(queues['ApplyQueue']?.Properties['FifoQueue']).toBe(true);
    const logGroups = ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties);
    expect(logGroups).toHaveLength(FUNCTIONS.length + 1); // and the HTTP API's access log
    for (const group of logGroups) expect(group['RetentionInDays']).toBe(30);
  });

  it('bounds the internet-facing realtime route: reserved concurrency, a route throttle, access logs of every request', () => {
    expect(resources['RealtimeLambdaFunction']?.Properties['ReservedConcurrentExecutions']).toBe(10);
    const stage = resources['HttpApiStage'] as Resource & { DependsOn: string[] };
    expect(stage.Properties['RouteSettings']).toEqual({
      'POST /events/{source}': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    // The route settings name a route: the stage is created after it.
    expect(stage.DependsOn).toContain(
      ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties['RouteKey'] === 'POST /events/{source}')?.[0],
    );
    const access = stage.Properties['AccessLogSettings'] as { DestinationArn: unknown; Format: string };
    expect(access.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    expect(Object.keys(JSON.parse(access.Format) as Record<string, string>)).toEqual(
      expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status']),
    );
    expect(resources['HttpApiLogGroup']?.Properties['RetentionInDays']).toBe(30);
  });

  it('grants least privilege: no wildcard actions, EC2 writes only to apply and only on security groups, no member role without a member account', () => {
    const EC2_WRITE = /^ec2:(Authorize|Revoke|Modify|Create|Delete|Update)/;
    for (const fn of FUNCTIONS) {
      const statements = statementsOf(fn);
      expect(statements.length, fn).toBeGreaterThan(0);
      for (const s of statements) {
        // The one Deny: no member accounts in the packaged config, so no role may be assumed.
        if (s.Effect === 'Deny') expect(s, fn).toEqual({ Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: '*' });
        else expect(s.Effect).toBe('Allow');
        for (const action of actions(s)) {
          expect(action, `${fn}: ${action}`).not.toMatch(/\*/);
          if (EC2_WRITE.test(action)) {
            expect(fn, `${action} granted to ${fn}`).toBe('apply');
            expect(JSON.stringify(s.Resource)).toMatch(
              /:ec2:\*:\$\{AWS::AccountId\}:security-group\/\*$|security-group\/\*"/,
            );
          }
        }
      }
      // deploy/warden.config.yml names no member account: no function may assume a role anywhere.
      const assumed = statements.filter((s) => actions(s).includes('sts:AssumeRole'));
      expect(
        assumed.filter((s) => s.Effect === 'Allow'),
        fn,
      ).toEqual([]);
      expect(assumed.length, fn).toBe(fn === 'scan' || fn === 'realtime' || fn === 'apply' ? 1 : 0);
      const describes = statements.flatMap(actions).filter((a) => a.startsWith('ec2:'));
      if (fn === 'slack' || fn === 'schedule' || fn === 'chart') expect(describes, fn).toEqual([]);
      // The functions that read groups read the prefix lists their rules name too.
      else expect(describes, fn).toEqual(expect.arrayContaining(PREFIX_LIST_READS));
    }
    // No managed policies (AdministratorAccess and the like) on any role.
    for (const [name, role] of ofType('AWS::IAM::Role'))
      expect(role.Properties['ManagedPolicyArns'], name).toBeUndefined();
  });

  it('grants DynamoDB by partition-key prefix: no unconditioned table grant, the schedule only runs, only apply writes change records', () => {
    type Conditioned = Statement & { Condition?: { 'ForAllValues:StringLike'?: { 'dynamodb:LeadingKeys': string[] } } };
    const prefixes = (fn: string, action: string) =>
      (statementsOf(fn) as Conditioned[])
        .filter(
          (s) =>
            actions(s).includes(action) &&
            JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': ['StateTable', 'Arn'] }),
        )
        .flatMap((s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['(no condition)']);
    for (const fn of FUNCTIONS) {
      for (const s of statementsOf(fn) as Conditioned[]) {
        const dynamo = actions(s).filter((a) => a.startsWith('dynamodb:'));
        if (dynamo.length === 0) continue;
        if (JSON.stringify(s.Resource).includes('/index/')) expect(dynamo, `${fn}: index`).toEqual(['dynamodb:Query']);
        else
          expect(
            s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'].length,
            `${fn}: ${dynamo.join(',')} without a key condition`,
          ).toBeGreaterThan(0);
      }
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'])
        expect(prefixes(fn, action), `${fn} ${action}`).not.toContain('(no condition)');
      expect(prefixes(fn, 'dynamodb:PutItem').includes('CHANGES'), `${fn} writes change records`).toBe(fn === 'apply');
      expect(prefixes(fn, 'dynamodb:UpdateItem').includes('CHANGES'), `${fn} updates change records`).toBe(
        fn === 'apply',
      );
    }
    expect(prefixes('schedule', 'dynamodb:UpdateItem')).toEqual(['RUN#*']);
    expect(prefixes('schedule', 'dynamodb:GetItem')).toEqual(['RUN#*']);
    // A run the schedule finishes late writes its digest in the audit trail (finishRun → recordTrail).
    expect(prefixes('schedule', 'dynamodb:PutItem')).toEqual(['RUN#*', 'AUDIT#*', 'RUN-HISTORY']);
    // The Slack worker (in the scan function) reads the run history for the App Home.
    expect(prefixes('scan', 'dynamodb:Query')).toContain('RUN-HISTORY');
    // The realtime function claims each SMN message id (REQUEST#…) to refuse replays.
    expect(prefixes('realtime', 'dynamodb:PutItem')).toContain('REQUEST#*');
  });

  it('encrypts the alarm topic with its own key that CloudWatch alarms may use (not alias/aws/sns), and blocks public access to the deployment bucket', () => {
    const topic = resources['AlarmTopic']?.Properties as Record<string, unknown>;
    expect(topic['KmsMasterKeyId']).toEqual({ Ref: 'AlarmTopicKey' });
    const key = resources['AlarmTopicKey'] as Resource;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties['EnableKeyRotation']).toBe(true);
    const statements = (
      key.Properties['KeyPolicy'] as { Statement: (Statement & { Principal: unknown; Condition?: unknown })[] }
    ).Statement;
    const cloudwatch = statements.find(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
    );
    expect(cloudwatch && actions(cloudwatch)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(JSON.stringify(cloudwatch?.Condition)).toContain(':alarm:*');
    for (const [name, alarm] of ofType('AWS::CloudWatch::Alarm'))
      expect(alarm.Properties['AlarmActions'], name).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(resources['ServerlessDeploymentBucket']?.Properties['PublicAccessBlockConfiguration']).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('keeps secrets out of the template: functions get SSM paths, never values', () => {
    const SECRET_VARIABLES =
      /^(SLACK_SIGNING_SECRET|SLACK_BOT_TOKEN|ALIBABA_CLOUD_ACCESS_KEY_(ID|SECRET)|HUAWEICLOUD_SDK_(AK|SK)|OTC_(ACCESS|SECRET)_KEY|WARDEN_EVENTS_TOKEN|AWS_SECRET_ACCESS_KEY)$/;
    for (const fn of FUNCTIONS) {
      const variables = ((
        resources[logicalName(fn)]?.Properties['Environment'] as { Variables: Record<string, unknown> }
      ).Variables ?? {}) as Record<string, unknown>;
      for (const name of Object.keys(variables))
        expect(name, `${fn} has ${name} in its environment`).not.toMatch(SECRET_VARIABLES);
      const paths = String(variables['WARDEN_SECRET_PATHS']).split(',');
      expect(
        paths.map((p) => p.replace('/warden/ci/', '')),
        fn,
      ).toEqual(SECRET_PATHS[fn]);
      const ssm = statementsOf(fn).filter((s) => actions(s).some((a) => a.startsWith('ssm:')));
      expect(ssm.flatMap(actions)).toEqual(['ssm:GetParametersByPath']);
      // The role reads exactly the paths the function is told to read.
      const granted = ssm.flatMap((s) =>
        (s.Resource as { 'Fn::Sub': string }[]).map((r) => r['Fn::Sub'].replace(/^.*:parameter\/warden\/ci\//, '')),
      );
      expect(granted, fn).toEqual(SECRET_PATHS[fn]);
    }
    expect(templateText).not.toMatch(/xox[abposr]-|AKIA[A-Z0-9]{16}|LTAI[A-Za-z0-9]{12}/);
  });
});

describe('deploy/assume-role.cjs (the sts:AssumeRole statements, from the config at package time)', () => {
  const { assumeRoleStatements } = createRequire(import.meta.url)('../deploy/assume-role.cjs') as {
    assumeRoleStatements: (config: unknown, use: 'audit' | 'apply') => unknown[];
  };
  const member = 'arn:aws:iam::111111111111:role/WardenAudit';
  const memberApply = 'arn:aws:iam::111111111111:role/WardenApply';

  it("allows exactly the configured accounts' roles (the apply role for apply), never iam::*", () => {
    const config = {
      providers: { aws: { accounts: [{}, { roleArn: member, applyRoleArn: memberApply, externalId: 'x1' }] } },
    };
    expect(assumeRoleStatements(config, 'audit')).toEqual([
      { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [member] },
    ]);
    expect(assumeRoleStatements(config, 'apply')).toEqual([
      { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [memberApply] },
    ]);
  });

  it('with providers.aws.organization: the role of that name only in the Organization (aws:ResourceOrgID), and its id is required', () => {
    const org = { roleName: 'Audit', applyRoleName: 'Fix', id: 'o-abcdefghij', externalId: 'x1' };
    expect(assumeRoleStatements({ providers: { aws: { organization: org } } }, 'apply')).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/Fix' },
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abcdefghij' } },
      },
    ]);
    expect(() => assumeRoleStatements({ providers: { aws: { organization: { externalId: 'x1' } } } }, 'audit')).toThrow(
      /^providers\.aws\.organization\.id: is required to deploy/,
    );
  });

  it('with no member account: one Deny, so the role can assume nothing', () => {
    expect(assumeRoleStatements({ providers: { aws: { accounts: [{}] } } }, 'audit')).toEqual([
      { Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: '*' },
    ]);
  });
});

describe('docs/member-account-role.yml', () => {
  it('trusts exactly the deployed scan, realtime and apply roles, and grants the member roles no more than describe and security-group writes', async () => {
    const { parseDocument } = await import('yaml');
    const tag = (name: string, collection?: 'seq' | 'map') => ({
      tag: `!${name}`,
      ...(collection ? { collection } : {}),
      resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
    });
    const customTags = [
      tag('Sub'),
      tag('Ref'),
      tag('GetAtt'),
      tag('If', 'seq'),
      tag('Not', 'seq'),
      tag('Equals', 'seq'),
    ];
    const doc = parseDocument(await readFile('docs/member-account-role.yml', 'utf8'), {
      customTags: customTags as never,
    }).toJSON() as {
      Resources: Record<
        string,
        {
          Properties: {
            RoleName: string;
            AssumeRolePolicyDocument: { Statement: { Principal: { AWS: unknown } }[] };
            Policies: { PolicyDocument: { Statement: Statement[] } }[];
          };
        }
      >;
    };
    const template = doc as unknown as { Parameters: Record<string, { Default?: string; MinLength?: number }> };
    // An external id is required (no default), and a member account is audit-only unless AllowApply=true.
    expect(template.Parameters['ExternalId']?.Default).toBeUndefined();
    expect(template.Parameters['ExternalId']?.MinLength).toBe(2);
    expect(template.Parameters['AllowApply']?.Default).toBe('false');
    for (const role of ['WardenAudit', 'WardenApply']) {
      const trust = (doc.Resources[role]?.Properties.AssumeRolePolicyDocument.Statement ?? []) as unknown as {
        Condition: unknown;
      }[];
      expect(
        trust.map((s) => s.Condition),
        role,
      ).toEqual([{ StringEquals: { 'sts:ExternalId': { 'Fn::Ref': 'ExternalId' } } }]);
    }
    const deployedRoleNames = Object.fromEntries(
      ['Scan', 'Realtime', 'Apply'].map((fn) => [fn, resources[`${fn}Role`]?.Properties['RoleName']]),
    );
    expect(deployedRoleNames).toEqual({
      Scan: 'warden-ci-eu-west-1-scan',
      Realtime: 'warden-ci-eu-west-1-realtime',
      Apply: 'warden-ci-eu-west-1-apply',
    });
    const trusted = (role: string) =>
      JSON.stringify(doc.Resources[role]?.Properties.AssumeRolePolicyDocument.Statement.map((s) => s.Principal.AWS));
    // The template builds the same names from its parameters: warden-${WardenStage}-${WardenRegion}-<function>.
    expect(trusted('WardenAudit')).toMatch(
      /role\/warden-\$\{WardenStage\}-\$\{WardenRegion\}-scan.*role\/warden-\$\{WardenStage\}-\$\{WardenRegion\}-realtime/,
    );
    expect(trusted('WardenApply')).toMatch(/role\/warden-\$\{WardenStage\}-\$\{WardenRegion\}-apply"/);
    expect(trusted('WardenApply')).not.toMatch(/scan|realtime/);
    for (const role of ['WardenAudit', 'WardenApply']) {
      const statements = doc.Resources[role]?.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement) ?? [];
      for (const s of statements) for (const action of actions(s)) expect(action).not.toMatch(/\*/);
      const writes = statements.flatMap(actions).filter((a) => /^ec2:(Authorize|Revoke)/.test(a));
      expect(writes.length > 0, `${role} writes`).toBe(role === 'WardenApply');
      expect(statements.flatMap(actions), role).toEqual(expect.arrayContaining(PREFIX_LIST_READS));
    }
  });
});

describe('the bundled Slack handler (slack.zip as Lambda gets it)', () => {
  it('verifies signatures and answers commands with Bolt inside the bundle, the local receivers stubbed out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-slack-bundle-'));
    const db = await startDynalite();
    const calls: { path: string; body: string }[] = [];
    const slack = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        calls.push({ path: (req.url ?? '').split('?')[0] ?? '', body });
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
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
    try {
      await run('unzip', ['-q', join(out, 'slack.zip'), '-d', dir]);
      await ensureTable(db.client, 'warden-bundle');
      const address = slack.address();
      if (typeof address !== 'object' || !address) throw new Error('no port');
      const slackUrl = `http://127.0.0.1:${address.port}`;
      const secret = 'bundle-test-signing-secret-0123456789';
      const events = [
        signedHttpApiEvent(
          commandBody('help', { user: 'U1', channel: 'C1', triggerId: 't-1', responseUrl: `${slackUrl}/response/1` }),
          { secret },
        ),
        signedHttpApiEvent(
          commandBody('help', { user: 'U1', channel: 'C1', triggerId: 't-2', responseUrl: `${slackUrl}/response/2` }),
          { secret: 'wrong-secret' },
        ),
      ];
      // A fresh Node, as Lambda runs it: the handler from the zip, its config file beside it.
      const driver = join(dir, 'drive.mjs');
      await writeFile(
        driver,
        `const { handler } = await import('./functions/slack.mjs');\nconst events = ${JSON.stringify(events)};\nconst out = [];\nfor (const e of events) out.push((await handler(e, {})).statusCode);\nconsole.log(JSON.stringify(out));\n`,
      );
      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'],
        HOME: dir,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_EC2_METADATA_DISABLED: 'true',
        SLACK_SIGNING_SECRET: secret,
        SLACK_BOT_TOKEN: 'xoxb-bundle-test',
        SLACK_API_URL: `${slackUrl}/api/`,
        WARDEN_CONFIG: 'deploy/warden.config.yml',
        WARDEN_TABLE: 'warden-bundle',
        WARDEN_DYNAMODB_ENDPOINT: db.endpoint,
        WARDEN_SCAN_QUEUE_URL: 'http://127.0.0.1:9/queue/scan',
        WARDEN_APPLY_QUEUE_URL: 'http://127.0.0.1:9/queue/apply.fifo',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      };
      const { stdout } = await run(process.execPath, [driver], { cwd: dir, env, timeout: 60_000 });
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '[]')).toEqual([200, 401]);
      const answers = calls.filter((c) => c.path.startsWith('/response/'));
      expect(answers.map((c) => c.path)).toEqual(['/response/1']);
      expect(answers[0]?.body).toContain('/warden audit');
    } finally {
      await new Promise<void>((resolve) => slack.close(() => resolve()));
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('the bundled schedule and scan handlers on moto_server', () => {
  it('schedule.zip queues the scopes and scan.zip audits them: findings stored, the run digested', async () => {
    const moto = await startMoto();
    const dir = await mkdtemp(join(tmpdir(), 'warden-bundles-'));
    const aws = motoClientConfig(moto.endpoint);
    const ec2 = new EC2Client(aws);
    const sqs = new SQSClient(aws);
    const ssm = new SSMClient(aws);
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
    try {
      const vpc = await createVpc(ec2);
      const group = (
        await ec2.send(
          new CreateSecurityGroupCommand({ GroupName: 'bundle-ssh', Description: 'bundle test', VpcId: vpc }),
        )
      ).GroupId;
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: group,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      await ensureTable(dynamo, 'warden-bundles');
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'warden-bundles-scan' })))
        .QueueUrl as string;
      const queueArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
      ).Attributes?.['QueueArn'] as string;
      await ssm.send(
        new PutParameterCommand({
          Name: '/warden/bundles/slack/SLACK_BOT_TOKEN',
          Value: 'xoxb-bundles',
          Type: 'SecureString',
        }),
      );
      for (const fn of ['schedule', 'scan']) await run('unzip', ['-q', join(out, `${fn}.zip`), '-d', join(dir, fn)]);

      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'],
        HOME: dir,
        ...motoEnv(moto.endpoint),
        AWS_EC2_METADATA_DISABLED: 'true',
        WARDEN_CONFIG: 'deploy/warden.config.yml',
        WARDEN_TABLE: 'warden-bundles',
        WARDEN_SCAN_QUEUE_URL: queueUrl,
        WARDEN_APPLY_QUEUE_URL: `${queueUrl}-apply.fifo`,
        WARDEN_SECRET_PATHS: '/warden/bundles/slack',
        WARDEN_HOME_ACCOUNT: '123456789012',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      };
      /** Runs the zip's handler on one event in a fresh Node, as Lambda would; returns what it returned. */
      const invoke = async (fn: string, event: unknown): Promise<Record<string, unknown>> => {
        const driver = join(dir, fn, 'drive.mjs');
        await writeFile(
          driver,
          `const { handler } = await import('./functions/${fn}.mjs');\nconsole.log(JSON.stringify(await handler(${JSON.stringify(event)}, {})));\n`,
        );
        const { stdout } = await run(process.execPath, [driver], { cwd: join(dir, fn), env, timeout: 60_000 });
        return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
      };

      const scheduled = await invoke('schedule', scheduledEvent(new Date()));
      expect(scheduled).toMatchObject({ scopes: 1 });
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages).toHaveLength(1);
      const scanned = await invoke('scan', sqsEvent(Messages.map((m) => sqsRecordOf(m, queueArn))));
      expect(scanned).toEqual({ batchItemFailures: [] });

      const runItem = (
        await dynamo.send(
          new GetCommand({ TableName: 'warden-bundles', Key: { pk: `RUN#${String(scheduled['runId'])}`, sk: 'RUN' } }),
        )
      ).Item;
      expect(runItem).toMatchObject({ expected: 1, done: 1 });
      expect(runItem?.['digestAt']).toBeDefined();
      const scope = (
        await dynamo.send(
          new GetCommand({
            TableName: 'warden-bundles',
            Key: { pk: `RUN#${String(scheduled['runId'])}`, sk: 'SCOPE#aws/123456789012/eu-west-1' },
          }),
        )
      ).Item;
      const result = JSON.parse(String(scope?.['result'])) as {
        findings: number;
        new: { groupId: string; check: string }[];
      };
      expect(result.new.some((f) => f.groupId === group && f.check === 'internet-admin-port')).toBe(true);
    } finally {
      for (const client of [ec2, sqs, ssm, dynamo]) client.destroy();
      await moto.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
