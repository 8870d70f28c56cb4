import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackHandler } from '../functions/slack.ts';
import { configSchema } from '../src/config/schema.ts';
import { ACTION_IDS, encodeButtonValue, parseButtonValue, SNOOZE_DAYS } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { createWorker } from '../src/slack/worker.ts';
import type { Worker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { StateStore } from '../src/store/state.ts';
import { rule } from './support/build.ts';
import { runWarden } from './support/cli.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import { createMemoryAdapter, MEMORY_SCOPE } from './support/memory-adapter.ts';
import { recordingSlack } from './support/recording-slack.ts';
import type { Posted, Updated } from './support/recording-slack.ts';
import type { MemoryAdapter } from './support/memory-adapter.ts';
import { buttonClickBody, commandBody, signedHttpApiEvent } from './support/slack-events.ts';

// Issue 12, section 1: a finding never disappears while its exposure exists. Each attack is played
// through the real Lambda handler (signed clicks and commands; state in dynalite; a loopback fake of
// Slack's Web API and response_url) and the real worker reading an in-memory AWS account.

const SECRET = 'test-signing-secret-0123456789';
const CHANNEL = 'C0SECURITY';
const APPROVER = 'UAPPROVER1';
/** A second approver: a suppression asked for by one approver needs another's approval (issue 12 §3). */
const SECOND_APPROVER = 'UAPPROVER2';
const OUTSIDER = 'UOUTSIDER1';
const GROUP = 'sg-0a1b2c3d4e5f60718';
const DAY = 86_400_000;

const settings = {
  providers: { aws: { regions: ['eu-west-1'] } },
  remediation: { trustedSources: { '22': [{ source: '203.0.113.0/24', label: 'office' }] } },
  slack: {
    channel: CHANNEL,
    approvers: { users: [APPROVER, SECOND_APPROVER] },
    requiredApprovals: 1,
    twoPersonRule: true,
    minSeverity: 'high',
  },
};

let slackApi: FakeSlackApi;
let db: Dynalite;
let dir: string;
let tables = 0;

beforeAll(async () => {
  [slackApi, db, dir] = await Promise.all([
    startFakeSlackApi(),
    startDynalite(),
    mkdtemp(join(tmpdir(), 'warden-threat-suppressed-')),
  ]);
});

afterAll(async () => {
  await Promise.all([db.stop(), slackApi.close(), rm(dir, { recursive: true, force: true })]);
});

interface Harness {
  store: StateStore;
  worker: Worker;
  adapter: MemoryAdapter;
  posted: Posted[];
  updated: Updated[];
  /** The worker's answers to the person (response_url). */
  answers: string[];
  /** What the signed handler answered the person, in order. */
  replies(): string[];
  /** From now on, chat.update fails as for a deleted message. */
  failUpdates(): void;
  /** Moves both clocks on. */
  wait(ms: number): void;
  now(): Date;
  click(user: string, payload: ButtonPayload): Promise<void>;
  /** `/warden <text>` through the signed handler; the job it queued (if any) is run by the worker. */
  command(user: string, text: string, channel?: string): Promise<void>;
  audit(): Promise<void>;
}

async function harness(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const tableName = `warden-threat-suppressed-${++tables}`;
  await ensureTable(db.client, tableName);
  const store = createDynamoStateStore({ tableName, client: db.client });
  const configPath = join(dir, `config-${tables}.json`);
  const raw = { ...settings, slack: { ...settings.slack, ...overrides } };
  await writeFile(configPath, JSON.stringify(raw));
  const adapter = createMemoryAdapter([{ id: GROUP, name: 'jump', vpcId: 'vpc-1', description: 'jump host' }]);
  adapter.put(GROUP, rule({ protocol: 'tcp', ports: 22, peer: '0.0.0.0/0', description: 'ssh from anywhere' }));
  adapter.put(GROUP, rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8', description: 'https inside' }));
  let t = Date.parse('2026-12-06T09:00:00.000Z');
  const client = recordingSlack();
  const { posted, updated } = client;
  const update = client.chat.update.bind(client.chat);
  let updatesFail = false;
  client.chat.update = async (args) => {
    if (updatesFail) throw new Error('An API error occurred: message_not_found');
    return update(args);
  };
  const answers: string[] = [];
  const worker = createWorker({
    config: configSchema.parse(raw),
    store,
    client,
    adapters: async () => [adapter],
    postToResponseUrl: async (_url, body) => void answers.push(String(body['text'])),
    now: () => new Date((t += 1000)),
  });
  const queue = createInProcessQueue();
  const handler = createSlackHandler({
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slackApi.url}/api`,
      WARDEN_CONFIG: configPath,
      WARDEN_TABLE: tableName,
    },
    queue,
    store,
    now: () => new Date(t),
  });
  const seen = slackApi.responses().length;
  let triggers = 0;
  const run = async (): Promise<void> => {
    for (let job = queue.jobs.shift(); job; job = queue.jobs.shift()) await worker.handle(job as WardenJob);
  };
  return {
    store,
    worker,
    adapter,
    posted,
    updated,
    answers,
    replies: () => slackApi.responses().slice(seen),
    failUpdates: () => void (updatesFail = true),
    wait: (ms) => void (t += ms),
    now: () => new Date(t),
    async click(user, payload) {
      const trigger = `trigger-${tables}-${++triggers}`;
      const body = buttonClickBody({
        user,
        channel: CHANNEL,
        actionId: payload.action,
        value: encodeButtonValue(payload),
        triggerId: trigger,
        responseUrl: `${slackApi.url}/response/${trigger}`,
      });
      expect((await handler(signedHttpApiEvent(body, { secret: SECRET }), {})).statusCode).toBe(200);
      await run();
    },
    async command(user, text, channel = CHANNEL) {
      const trigger = `trigger-${tables}-${++triggers}`;
      const body = commandBody(text, {
        user,
        channel,
        triggerId: trigger,
        responseUrl: `${slackApi.url}/response/${trigger}`,
      });
      const result = await handler(signedHttpApiEvent(body, { secret: SECRET }), {});
      expect(result.statusCode).toBe(200);
      // An answer given in the acknowledgement itself (no job queued).
      if (result.body) {
        const ack = JSON.parse(result.body) as { text?: string };
        if (ack.text) answers.push(ack.text);
      }
      await run();
    },
    audit: () =>
      worker.handle({
        kind: 'audit',
        args: {},
        user: APPROVER,
        channel: CHANNEL,
        responseUrl: 'http://127.0.0.1:9/response/audit',
        requestId: `audit-${++triggers}`,
      }),
  };
}

/** The button values of a message, by action id. */
function buttons(message: { blocks?: unknown[] } | undefined): Map<string, ButtonPayload> {
  const found = new Map<string, ButtonPayload>();
  for (const block of (message?.blocks ?? []) as {
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

/** The SSH finding's message after the first audit: its ts and its fingerprint. */
async function firstAudit(h: Harness): Promise<{ ts: string; fingerprint: string }> {
  await h.audit();
  const message = h.posted.find((p) => buttons(p).has(ACTION_IDS.approve));
  expect(message).toBeDefined();
  return { ts: (message as Posted).ts, fingerprint: buttons(message).get(ACTION_IDS.approve)?.fingerprint as string };
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** A harness whose SSH finding was posted and then snoozed by the approver: its message ts, fingerprint, and snooze end (a day). */
async function snoozedFinding(): Promise<{ h: Harness; ts: string; fingerprint: string; until: string }> {
  const h = await harness();
  const { ts, fingerprint } = await firstAudit(h);
  await h.click(APPROVER, { action: ACTION_IDS.snooze, fingerprint });
  return { h, ts, fingerprint, until: day(new Date(h.now().getTime() + SNOOZE_DAYS * DAY)) };
}

/** The texts posted (by the Slack function) in a message's thread. */
function threadNotes(ts: string): string[] {
  return slackApi.calls
    .filter((c) => c.path === '/api/chat.postMessage' && c.body['thread_ts'] === ts)
    .map((c) => String(c.body['text']));
}

/** `/warden suppress …` by APPROVER, then the request it posted approved by SECOND_APPROVER (a signed click): the suppression made. */
async function suppressApproved(h: Harness, text: string): Promise<void> {
  await h.command(APPROVER, text);
  expect(h.answers.at(-1)).toMatch(/^Suppression requested: /);
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element['action_id'] === ACTION_IDS.approveSuppression && typeof element['value'] === 'string')
        values.push(element['value']);
      Object.values(element).forEach(walk);
    }
  };
  walk(h.posted.map((p) => p.blocks));
  const value = values.at(-1);
  expect(value, 'the request message carries an Approve button').toBeDefined();
  await h.click(SECOND_APPROVER, parseButtonValue(value as string, ACTION_IDS.approveSuppression));
}

describe('attack: snooze a finding, and the next audit reports it resolved while the port is still open', () => {
  it('the next audit records it as snoozed and still open, says so on its message, and never resolves it', async () => {
    const { h, ts, fingerprint, until } = await snoozedFinding();

    const digests = h.posted.length;
    await h.audit();

    expect(h.updated.filter((u) => /Resolved/.test(u.text))).toEqual([]);
    expect(await h.store.findings.get(fingerprint)).toMatchObject({
      status: 'suppressed',
      suppression: { kind: 'snooze', by: APPROVER },
    });
    expect(h.updated).toHaveLength(1);
    expect(h.updated[0]).toMatchObject({ channel: CHANNEL, ts });
    expect(h.updated[0]?.text).toMatch(new RegExp(`^Snoozed until ${until}, still open: Port 22`));
    expect(JSON.stringify(h.updated[0]?.blocks)).toContain(`*Snoozed by <@${APPROVER}> until ${until}, still open.*`);
    // No Approve, Snooze or Accept-risk buttons on a finding nobody is asked to look at now.
    expect([...buttons(h.updated[0]).keys()]).toEqual([ACTION_IDS.details]);
    expect(h.posted.slice(digests).map((p) => p.text)).toEqual([expect.stringMatching(/0 new, 0 resolved/)]);

    // A third audit changes nothing on the message.
    await h.audit();
    expect(h.updated).toHaveLength(1);
    expect((await h.store.findings.get(fingerprint))?.status).toBe('suppressed');
  });

  it('when the snooze expires the next audit puts it back as open, with its plan, and says so in its thread', async () => {
    const { h, ts, fingerprint, until } = await snoozedFinding();
    await h.audit();

    h.wait((SNOOZE_DAYS + 1) * DAY);
    const n = h.posted.length;
    await h.audit();

    expect(await h.store.findings.get(fingerprint)).toMatchObject({ status: 'open', message: { ts } });
    const back = h.updated.at(-1);
    expect(back).toMatchObject({ channel: CHANNEL, ts });
    expect(buttons(back).get(ACTION_IDS.approve)).toMatchObject({ fingerprint });
    const later = h.posted.slice(n);
    expect(later.find((p) => p.thread_ts === ts)?.text).toBe(
      `:bell: The snooze by <@${APPROVER}> expired on ${until}; still open: Warden reports this finding again.`,
    );
    expect(later[0]?.text).toMatch(/1 new, 0 resolved/);

    // Reported as open from then on: the following audit neither re-posts nor resolves it.
    const m = h.posted.length;
    const u = h.updated.length;
    await h.audit();
    expect(h.posted.slice(m).filter((p) => buttons(p).has(ACTION_IDS.approve))).toEqual([]);
    expect(h.updated).toHaveLength(u);
  });

  it('the scheduled run (one queue message per scope) records it as suppressed too: neither new nor resolved in the run', async () => {
    const { h, ts, fingerprint } = await snoozedFinding();
    await h.store.runs.start({ runId: 'run-1', expected: 1, channel: CHANNEL, trigger: 'schedule', now: h.now() });

    const outcome = await h.worker.scanScope({ type: 'scope', runId: 'run-1', ...MEMORY_SCOPE });

    expect(outcome).toMatchObject({ new: 0, resolved: 0, digestPosted: true });
    expect((await h.store.runs.scopeResults('run-1'))[0]).toMatchObject({ newCount: 0, resolvedCount: 0 });
    expect(await h.store.findings.get(fingerprint)).toMatchObject({ status: 'suppressed' });
    expect(h.updated).toMatchObject([{ ts, text: expect.stringMatching(/^Snoozed until /) }]);
  });

  it('when its old message cannot be updated any more (deleted), the finding back from its snooze is posted anew', async () => {
    const { h, fingerprint } = await snoozedFinding();
    await h.audit();
    h.failUpdates();
    h.wait((SNOOZE_DAYS + 1) * DAY);
    const n = h.posted.length;
    await h.audit();

    const again = h.posted.slice(n).filter((p) => buttons(p).has(ACTION_IDS.approve));
    expect(again.map((p) => buttons(p).get(ACTION_IDS.approve)?.fingerprint)).toEqual([fingerprint]);
    expect(await h.store.findings.get(fingerprint)).toMatchObject({ status: 'open', message: { ts: again[0]?.ts } });
  });

  it('a snoozed finding that is really gone (the rule was removed) is resolved as before', async () => {
    const { h, ts, fingerprint } = await snoozedFinding();
    await h.audit();
    const ssh = h.adapter.groups[0]?.rules.find((r) => r['FromPort'] === 22);
    h.adapter.drop(GROUP, String(ssh?.['SecurityGroupRuleId']));

    await h.audit();

    expect(await h.store.findings.get(fingerprint)).toMatchObject({ status: 'resolved' });
    expect(h.updated.at(-1)).toMatchObject({ ts, text: expect.stringMatching(/^Resolved: /) });
  });
});

describe('attack: a member who is not an approver snoozes a critical finding', () => {
  it('is refused by default (slack.snooze: approvers): nothing is suppressed, the refusal is in the thread and the audit trail', async () => {
    const h = await harness();
    const { ts, fingerprint } = await firstAudit(h);
    await h.click(OUTSIDER, { action: ACTION_IDS.snooze, fingerprint });

    expect(h.replies().at(-1)).toMatch(
      /^You may not snooze this finding: only Warden's approvers can \(<@UAPPROVER1>, <@UAPPROVER2>\)\. This attempt was logged\.$/,
    );
    expect(await h.store.suppressions.activeSuppressions(h.now())).toEqual([]);
    expect((await h.store.trail.forTarget(fingerprint)).map((e) => [e.actor, e.action, e.outcome])).toEqual([
      [OUTSIDER, 'snooze', 'refused: not an approver'],
    ]);
    const notes = threadNotes(ts);
    expect(notes.at(-1)).toBe(`:no_entry: <@${OUTSIDER}> tried to snooze this finding: refused, not an approver.`);
    await h.audit();
    expect((await h.store.findings.get(fingerprint))?.status).toBe('open');
  });

  it("an approver's snooze is posted in the finding's thread and the audit trail; slack.snooze: anyone lets any member snooze", async () => {
    const h = await harness({ snooze: 'anyone' });
    const { ts, fingerprint } = await firstAudit(h);
    await h.click(OUTSIDER, { action: ACTION_IDS.snooze, fingerprint });
    const until = day(new Date(h.now().getTime() + SNOOZE_DAYS * DAY));
    expect(await h.store.suppressions.activeSuppressions(h.now())).toMatchObject([
      { target: { fingerprint }, kind: 'snooze', by: OUTSIDER },
    ]);
    expect((await h.store.trail.forTarget(fingerprint)).map((e) => [e.actor, e.action, e.outcome])).toEqual([
      [OUTSIDER, 'snooze', 'ok'],
    ]);
    const notes = threadNotes(ts);
    expect(notes.at(-1)).toBe(`:zzz: <@${OUTSIDER}> snoozed this finding until ${until}.`);
  });

  it('a config with another value is refused with one line naming the file, the field and the value (exit 2)', async () => {
    const path = join(dir, 'snooze-everyone.json');
    await writeFile(path, JSON.stringify({ slack: { snooze: 'everyone' } }));
    const run = await runWarden(['audit', '--source', 'examples', '--config', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`warden: ${path}: slack.snooze: unknown value "everyone" (closest valid name: "anyone")\n`);
  });
});

describe('attack: `/warden suppress <8-hex prefix>` answers "Suppressed …" while the finding stays listed', () => {
  it('the prefix is resolved to the one finding it names: the suppression holds the whole fingerprint and the finding is no longer listed as open', async () => {
    const h = await harness();
    const { fingerprint } = await firstAudit(h);
    await suppressApproved(h, `suppress ${fingerprint.slice(0, 8)} 7d bastion next sprint`);

    expect((await h.store.suppressions.activeSuppressions(h.now())).map((s) => [s.target, s.kind])).toEqual([
      [{ fingerprint }, 'suppress'],
    ]);
    await h.command(APPROVER, 'findings');
    expect(h.answers.at(-1)).toBe(
      'No open findings match.\n_1 suppressed, still open (`/warden suppressions` lists the suppressions)._',
    );
    await h.audit();
    expect(await h.store.findings.get(fingerprint)).toMatchObject({
      status: 'suppressed',
      suppression: { kind: 'suppress', by: APPROVER, reason: 'bastion next sprint' },
    });
  });

  it('a prefix that names no finding, or a check Warden does not have, is refused and nothing is suppressed', async () => {
    const h = await harness();
    await firstAudit(h);
    await h.command(APPROVER, 'suppress 00000000 7d none');
    expect(h.answers.at(-1)).toBe(
      'Not suppressed: finding 00000000: not in this audit (run `warden audit` with the same scope options to list fingerprints).',
    );
    // A job that reached the worker without the parser's check (a forged queue message).
    await h.worker.handle({
      kind: 'suppress',
      args: { check: 'no-such-check', durationSeconds: 3600, reason: 'x' },
      user: APPROVER,
      channel: CHANNEL,
      responseUrl: 'http://127.0.0.1:9/r',
      requestId: 'forged',
    });
    expect(h.answers.at(-1)).toBe('Not suppressed: Warden has no check `no-such-check`.');
    expect(await h.store.suppressions.activeSuppressions(h.now())).toEqual([]);
    expect((await h.store.trail.forTarget('00000000')).map((e) => e.outcome).at(-1)).toEqual(
      'refused: finding 00000000: not in this audit (run `warden audit` with the same scope options to list fingerprints)',
    );
  });

  it('a prefix is refused while a scope cannot be read (a finding there might share it); the whole fingerprint still works', async () => {
    const h = await harness();
    const { fingerprint } = await firstAudit(h);
    h.adapter.fail('read', { message: 'RequestLimitExceeded' });
    await h.command(APPROVER, `suppress ${fingerprint.slice(0, 8)} 7d known`);
    expect(h.answers.at(-1)).toBe(
      `Not suppressed: some scopes could not be read, so \`${fingerprint.slice(0, 8)}\` may name no finding or more than one; give the whole fingerprint.`,
    );
    expect(await h.store.suppressions.activeSuppressions(h.now())).toEqual([]);
    await suppressApproved(h, `suppress ${fingerprint} 7d known`);
    expect((await h.store.suppressions.activeSuppressions(h.now())).map((s) => s.target)).toEqual([{ fingerprint }]);
  });

  it('an already suppressed finding can be suppressed again by prefix (its suppression replaced, not refused as unknown)', async () => {
    const { h, fingerprint } = await snoozedFinding();
    await suppressApproved(h, `suppress ${fingerprint.slice(0, 10)} 2w waiting for the vendor`);
    expect(await h.store.suppressions.activeSuppressions(h.now())).toMatchObject([
      { target: { fingerprint }, kind: 'suppress', reason: 'waiting for the vendor' },
    ]);
  });
});

describe('attack: suppressions nobody can see or end (a finding hidden for a year, silently)', () => {
  it('`/warden suppressions` lists each active suppression: what, kind, who, why, until when', async () => {
    const { h, fingerprint, until: snoozedUntil } = await snoozedFinding();
    await suppressApproved(h, 'suppress egress-all 2w known egress proxy');
    const checkUntil = day(new Date(h.now().getTime() + 14 * DAY));

    await h.command(OUTSIDER, 'suppressions');

    expect(h.answers.at(-1)).toBe(
      [
        '*2 active suppressions*',
        `• :zzz: finding \`${fingerprint.slice(0, 12)}\` (Port 22 (SSH) is open to the Internet · jump): Snoozed by <@${APPROVER}> until ${snoozedUntil}, still open. _snoozed for 7 days_`,
        `• :mute: check \`egress-all\`: Suppressed by <@${APPROVER}> until ${checkUntil} (the whole check \`egress-all\`), still open. _known egress proxy_`,
        'An approver can end one now: `/warden unsuppress <finding|check>`.',
      ].join('\n'),
    );
  });

  it('the list is for those who may read: asked in a direct message by someone who is not a reader, it is refused', async () => {
    const h = await harness();
    await h.command(OUTSIDER, 'suppressions', 'D0DIRECT01');
    expect(h.answers.at(-1)).toBe(
      `Warden does not answer in direct messages: use <#${CHANNEL}>, or ask to be added to slack.readers. This attempt was logged.`,
    );
  });

  it('a member who is not an approver cannot end one; an approver can: logged, noted in the thread, and the next audit reports the finding as open again', async () => {
    const { h, ts, fingerprint, until } = await snoozedFinding();
    await h.audit();

    await h.command(OUTSIDER, `unsuppress ${fingerprint.slice(0, 8)}`);
    expect(h.answers.at(-1)).toMatch(/^You may not end suppressions: only Warden's approvers can/);
    expect(await h.store.suppressions.activeSuppressions(h.now())).toHaveLength(1);

    await h.command(APPROVER, `unsuppress ${fingerprint.slice(0, 8)}`);
    expect(h.answers.at(-1)).toBe(
      `Ended: finding \`${fingerprint.slice(0, 12)}\` is no longer suppressed (Snoozed by <@${APPROVER}> until ${until}). Warden reports it again as open at the next audit.`,
    );
    expect(await h.store.suppressions.activeSuppressions(h.now())).toEqual([]);
    expect((await h.store.trail.forTarget(fingerprint)).map((e) => [e.actor, e.action, e.outcome])).toEqual([
      [APPROVER, 'snooze', 'ok'],
      [OUTSIDER, 'unsuppress', 'refused: not an approver'],
      [APPROVER, 'unsuppress', 'ok'],
    ]);
    const notes = threadNotes(ts);
    expect(notes.at(-1)).toBe(
      `:leftwards_arrow_with_hook: <@${APPROVER}> ended this early (Snoozed by <@${APPROVER}> until ${until}): still open, Warden reports it again at the next audit.`,
    );

    const n = h.posted.length;
    await h.audit();
    expect(await h.store.findings.get(fingerprint)).toMatchObject({ status: 'open' });
    expect(buttons(h.updated.at(-1)).has(ACTION_IDS.approve)).toBe(true);
    expect(h.posted.slice(n).find((p) => p.thread_ts === ts)?.text).toBe(
      `:bell: The snooze by <@${APPROVER}> was revoked; still open: Warden reports this finding again.`,
    );
  });

  it('`/warden unsuppress` of something not suppressed says so and ends nothing', async () => {
    const h = await harness();
    await h.command(APPROVER, 'unsuppress 0123abcd');
    expect(h.answers.at(-1)).toBe(
      'Not ended: no active suppression of finding `0123abcd` (`/warden suppressions` lists them).',
    );
    await h.command(APPROVER, 'unsuppress egress-all');
    expect(h.answers.at(-1)).toBe(
      'Not ended: the check `egress-all` is not suppressed (`/warden suppressions` lists what is).',
    );
    await h.command(APPROVER, 'unsuppress sg-123');
    expect(h.replies().at(-1)).toMatch(
      /^"sg-123" is neither a finding fingerprint \(at least 8 hex characters\) nor a check id/,
    );
  });
});
