import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagedConfigProblem } from '../deploy/check-config.ts';
import { createScanHandler } from '../functions/scan.ts';
import { buildRuntime, lazyRuntime } from '../functions/lib/runtime.ts';
import type { Runtime } from '../functions/lib/runtime.ts';
import { environmentWithSecrets } from '../functions/lib/secrets.ts';
import type { SecretSource } from '../functions/lib/secrets.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { ROOT } from './support/cli.ts';
import { sqsEvent, sqsRecord } from './support/lambda-events.ts';

// Attacks on the split of privilege between Warden's functions: each plays the attack through the
// real Lambda handler, then asserts what must hold.

const SCAN_QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:warden-ci-ScanQueue';

/** The scan function's runtime with a worker that records the jobs it is handed (nothing else is reached). */
function recordingRuntime(handled: WardenJob[]): () => Promise<Runtime> {
  const worker = {
    handle: async (job: WardenJob) => {
      handled.push(job);
    },
  };
  return async () => ({ worker }) as unknown as Runtime;
}

function jobRecord(kind: WardenJob['kind'], id: string) {
  const job: WardenJob = {
    kind,
    args: { planId: 'plan-1', changeId: 'change-1' },
    user: 'UATTACKER',
    channel: 'C1',
    requestId: `req-${id}`,
  };
  return sqsRecord({ id, body: JSON.stringify({ type: 'job', job }) }, SCAN_QUEUE_ARN);
}

describe('attack: an apply or revert job slipped onto the scan queue (which the Slack and schedule roles may send to)', () => {
  it('the scan handler refuses it: the worker never runs it, the message fails (to the dead-letter queue), read-only jobs still run', async () => {
    const handled: WardenJob[] = [];
    const scan = createScanHandler({ runtime: recordingRuntime(handled) });
    const result = await scan(
      sqsEvent([jobRecord('apply', 'm-apply'), jobRecord('revert', 'm-revert'), jobRecord('findings', 'm-findings')]),
    );
    expect(handled.map((j) => j.kind)).toEqual(['findings']);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-apply', 'm-revert']);
  });
});

/** SSM as Powertools reads it: parameters by path (recursive false: the direct children). */
function ssmHolding(parameters: Record<string, string>): SecretSource {
  return {
    getMultiple: async (path) =>
      Object.fromEntries(
        Object.entries(parameters)
          .filter(([name]) => name.slice(0, name.lastIndexOf('/')) === path)
          .map(([name, value]) => [name.slice(path.length + 1), value]),
      ),
  };
}

describe('attack: the Slack signing secret left where every function reads it (the old shared /slack path)', () => {
  it('the scan function will not start with it: one line saying where it belongs, and the secret is in no environment', async () => {
    const secrets = ssmHolding({
      '/warden/prod/slack/SLACK_BOT_TOKEN': 'xoxb-1',
      '/warden/prod/slack/SLACK_SIGNING_SECRET': 'leaked-signing-secret',
    });
    const env = { WARDEN_SECRET_PATHS: '/warden/prod/slack' };
    const scan = createScanHandler({ runtime: lazyRuntime(() => buildRuntime({ env, secrets })) });
    await expect(scan(sqsEvent([jobRecord('findings', 'm-1')]))).rejects.toThrow(
      /^secrets: \/warden\/prod\/slack\/SLACK_SIGNING_SECRET belongs under \.\.\.\/slack-signing \(docs\/deploy\.md, Secrets\)$/,
    );
  });

  it('under its own path it reaches the function that reads that path, and the shared path gives only the bot token', async () => {
    const secrets = ssmHolding({
      '/warden/prod/slack/SLACK_BOT_TOKEN': 'xoxb-1',
      '/warden/prod/slack-signing/SLACK_SIGNING_SECRET': 'signing',
    });
    const shared = await environmentWithSecrets({ WARDEN_SECRET_PATHS: '/warden/prod/slack' }, secrets);
    expect(shared['SLACK_BOT_TOKEN']).toBe('xoxb-1');
    expect(shared['SLACK_SIGNING_SECRET']).toBeUndefined();
    const slack = await environmentWithSecrets(
      { WARDEN_SECRET_PATHS: '/warden/prod/slack,/warden/prod/slack-signing' },
      secrets,
    );
    expect(slack['SLACK_SIGNING_SECRET']).toBe('signing');
  });
});

describe('attack: the internet-facing realtime function (or scan) turned into a way to open ports on Alibaba, Huawei or OTC', () => {
  const WRITE = /(Authorize|Revoke|Modify|Create|Delete|Update|:create|:delete|:update)/i;
  const actionsIn = async (file: string) =>
    (
      JSON.parse(await readFile(join('docs', 'policies', file), 'utf8')) as {
        Statement: { Effect: string; Action: string[] }[];
      }
    ).Statement.flatMap((s) => {
      expect(s.Effect).toBe('Allow');
      return s.Action;
    });

  it('the keys they read (providers/read) are held to list and describe calls; only the write keys may create or delete rules, and nothing else', async () => {
    for (const cloud of ['alibaba', 'huawei', 'otc']) {
      const read = await actionsIn(`${cloud}-read.json`);
      expect(read.length, cloud).toBeGreaterThan(0);
      expect(
        read.filter((a) => WRITE.test(a)),
        `${cloud}-read.json`,
      ).toEqual([]);
      const writes = (await actionsIn(`${cloud}-write.json`)).filter((a) => WRITE.test(a));
      for (const action of writes)
        expect(action, `${cloud}-write.json`).toMatch(
          /^ecs:(Authorize|Revoke)SecurityGroup(Egress)?$|^vpc:securityGroupRules:(create|delete)$/,
        );
      expect(writes.length, cloud).toBeGreaterThan(0);
      for (const action of [...read, ...writes]) expect(action).not.toMatch(/\*/);
    }
  });
});

describe('attack: a member role that any principal trusted by it can assume without the external id (the confused deputy)', () => {
  it('npm run package refuses a config whose member role has no external id, naming the field', async () => {
    const dir = await mkdtemp(join(ROOT, '.tmp-threat-privilege-'));
    try {
      await writeFile(
        join(dir, 'members.yml'),
        "providers:\n  aws:\n    regions: [eu-west-1]\n    accounts: [{}, { roleArn: 'arn:aws:iam::111111111111:role/WardenAudit' }]\n",
      );
      await writeFile(join(dir, 'org.yml'), 'providers:\n  aws:\n    regions: [eu-west-1]\n    organization: {}\n');
      const REQUIRED =
        'is required with a member role (the WardenAudit/WardenApply roles require it: docs/member-account-role.yml)';
      const at = (file: string) => relative(ROOT, join(dir, file));
      expect(await packagedConfigProblem(at('members.yml'))).toBe(
        `WARDEN_CONFIG_FILE ${at('members.yml')}: providers.aws.accounts.1.externalId: ${REQUIRED}`,
      );
      expect(await packagedConfigProblem(at('org.yml'))).toBe(
        `WARDEN_CONFIG_FILE ${at('org.yml')}: providers.aws.organization.externalId: ${REQUIRED}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
