// Slack acknowledgement benchmark: `npm run bench:slack` (or `node bench/slack-ack-bench.ts
// [--commands 200] [--buttons 200] [--concurrency 10] [--work-ms 10000] [--format table|json]`).
//
// Drives the real HTTP function (functions/slack.ts createSlackHandler: AwsLambdaReceiver → Bolt →
// Warden's handlers) with API Gateway HTTP API v2 events signed as Slack signs them, the state in
// dynalite (loopback) and Slack's Web API / response_url faked on loopback, as in
// test/slack-app.test.ts. The queue is the in-process one with a worker that takes --work-ms per
// job (default 10 s: the slow audit / apply behind the acknowledgement); jobs start only after the
// request is answered, so they must not show in the figures.
//
// For each concurrency (1, i.e. sequential, and --concurrency) it sends --commands signed
// `/warden audit aws` slash commands and --buttons signed button clicks (half Approve, by an
// approver, each on its own pending approval request made beforehand, so each one approves and
// enqueues an apply; half Snooze), and times each handler invocation from call to resolved
// response. Slack's limit is 3 s: PASS when every acknowledgement is under it. Exit 0 on PASS,
// 1 on FAIL (an ack ≥ 3 s, a non-200, or a handler that did not do what it should), 2 on bad usage.
// The slow jobs still running at the end are cancelled (their timers cleared), so it exits at once.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSlackHandler } from '../functions/slack.ts';
import type { HttpApiEvent, HttpApiResult, SlackHandler } from '../functions/slack.ts';
import { buttonClickBody, commandBody as slashCommandBody, signedHttpApiEvent } from '../test/support/slack-events.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import type { ButtonPayload } from '../src/slack/actions.ts';
import { createInProcessQueue } from '../src/slack/queue.ts';
import type { WardenJob } from '../src/slack/queue.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { startDynalite } from '../test/support/dynalite.ts';
import { integer, oneOf, runBench } from './cli.ts';
import type { BenchArgs } from './cli.ts';

const SECRET = 'bench-signing-secret-0123456789';
const APPROVER = 'UAPPROVER1';
const REQUESTER = 'UREQUESTER';
const SLACK_LIMIT_MS = 3000;

interface Options {
  commands: number;
  buttons: number;
  concurrency: number;
  workMs: number;
  format: 'table' | 'json';
}

const COMMAND = {
  name: 'slack-ack-bench',
  usage:
    'usage: node bench/slack-ack-bench.ts [--commands N] [--buttons N] [--concurrency C] [--work-ms MS] [--format table|json]',
  options: {
    commands: { type: 'string', default: '200' },
    buttons: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '10' },
    'work-ms': { type: 'string', default: '10000' },
    format: { type: 'string', default: 'table' },
  },
} as const;

function parseOptions({ values }: BenchArgs<typeof COMMAND>): Options {
  return {
    commands: integer('commands', values.commands, 1),
    buttons: integer('buttons', values.buttons, 2),
    concurrency: integer('concurrency', values.concurrency, 1),
    workMs: integer('work-ms', values['work-ms'], 0),
    format: oneOf('format', values.format, ['table', 'json']),
  };
}

// ---------------------------------------------------------------------------------------------
// Signed HTTP API v2 events, as in test/slack-app.test.ts

function httpApiEvent(body: string): HttpApiEvent {
  return signedHttpApiEvent(body, { secret: SECRET });
}

function commandBody(slackUrl: string, text: string, triggerId: string): string {
  return slashCommandBody(text, {
    user: REQUESTER,
    channel: 'C0123456',
    triggerId,
    responseUrl: `${slackUrl}/response/${triggerId}`,
  });
}

function actionBody(slackUrl: string, user: string, payload: ButtonPayload, triggerId: string): string {
  return buttonClickBody({
    user,
    channel: 'C0123456',
    actionId: payload.action,
    value: encodeButtonValue(payload),
    triggerId,
    responseUrl: `${slackUrl}/response/${triggerId}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Loopback fake of Slack's Web API and response_url

interface FakeSlack {
  url: string;
  /** Posts to response_url, by text. */
  responses: string[];
  apiCalls: number;
  stop(): Promise<void>;
}

async function startFakeSlack(): Promise<FakeSlack> {
  const fake: Omit<FakeSlack, 'url' | 'stop'> = { responses: [], apiCalls: 0 };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      res.setHeader('content-type', 'application/json');
      if (path === '/api/auth.test') {
        fake.apiCalls++;
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
      } else if (path.startsWith('/api/')) {
        fake.apiCalls++;
        res.end(JSON.stringify({ ok: true }));
      } else {
        if (path.startsWith('/response/')) {
          try {
            fake.responses.push(String((JSON.parse(text) as { text?: unknown }).text ?? ''));
          } catch {
            fake.responses.push(text);
          }
        }
        res.end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the fake Slack did not report its port');
  return Object.assign(fake, {
    url: `http://127.0.0.1:${address.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The slow worker: each job takes workMs; cancellable so the process can exit at once.

function slowWorker(workMs: number) {
  const running = new Map<NodeJS.Timeout, () => void>();
  let started = 0;
  let finished = 0;
  return {
    get started() {
      return started;
    },
    get finished() {
      return finished;
    },
    get running() {
      return running.size;
    },
    work(_job: WardenJob): Promise<void> {
      started++;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          running.delete(timer);
          finished++;
          resolve();
        }, workMs);
        running.set(timer, resolve);
      });
    },
    cancelAll(): number {
      const n = running.size;
      for (const [timer, resolve] of running) {
        clearTimeout(timer);
        resolve();
      }
      running.clear();
      return n;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
  mean: number;
}

function percentile(sorted: number[], p: number): number {
  // Nearest-rank.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] as number),
    min: round(sorted[0] as number),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

interface Request {
  kind: 'command' | 'button';
  label: 'audit' | 'approve' | 'snooze';
  body: string;
  check: (result: HttpApiResult) => string | undefined;
}

async function runAll(
  handler: SlackHandler,
  requests: Request[],
  concurrency: number,
): Promise<{ latencies: Map<Request, number>; errors: string[]; wallMs: number }> {
  const latencies = new Map<Request, number>();
  const errors: string[] = [];
  let next = 0;
  const start = performance.now();
  async function lane(): Promise<void> {
    while (next < requests.length) {
      const request = requests[next++] as Request;
      const event = httpApiEvent(request.body);
      const t0 = performance.now();
      try {
        const result = await handler(event, {});
        latencies.set(request, performance.now() - t0);
        const problem = result.statusCode === 200 ? request.check(result) : `status ${result.statusCode}`;
        if (problem) errors.push(`${request.label}: ${problem}`);
      } catch (error) {
        latencies.set(request, performance.now() - t0);
        errors.push(`${request.label}: threw ${(error as Error).message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  return { latencies, errors, wallMs: performance.now() - start };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

interface RunResult {
  concurrency: number;
  wallMs: number;
  commands: Stats;
  buttons: Stats;
  approve: Stats;
  snooze: Stats;
  maxMs: number;
  errors: string[];
}

async function main(args: BenchArgs<typeof COMMAND>): Promise<number> {
  const options = parseOptions(args);
  const safety = setTimeout(() => {
    console.error('slack-ack-bench: still running after 10 minutes; giving up');
    process.exit(1);
  }, 600_000);
  safety.unref();

  const slack = await startFakeSlack();
  const db = await startDynalite();
  const dir = await mkdtemp(join(tmpdir(), 'warden-slack-bench-'));
  const worker = slowWorker(options.workMs);
  const queue = createInProcessQueue((job) => worker.work(job));
  try {
    const configPath = join(dir, 'warden.json');
    await writeFile(
      configPath,
      JSON.stringify({
        slack: { channel: 'C0123456', approvers: { users: [APPROVER] }, requiredApprovals: 1, twoPersonRule: true },
      }),
    );
    const tableName = 'warden-slack-bench';
    await ensureTable(db.client, tableName);
    const store = createDynamoStateStore({ tableName, client: db.client });
    const handler = createSlackHandler({
      env: {
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: `${slack.url}/api`,
        WARDEN_CONFIG: configPath,
        WARDEN_TABLE: tableName,
      },
      queue,
      store,
    });

    // Cold start (config, receiver, app, first Web API call): one command, reported apart.
    const t0 = performance.now();
    const cold = await handler(httpApiEvent(commandBody(slack.url, 'audit aws', 'warmup-0')), {});
    const coldMs = performance.now() - t0;
    if (cold.statusCode !== 200) throw new Error(`warm-up command answered ${cold.statusCode}: ${cold.body}`);

    const ackText = (result: HttpApiResult): string | undefined => {
      try {
        const text = String((JSON.parse(result.body) as { text?: unknown }).text ?? '');
        return /Auditing/.test(text) ? undefined : `unexpected ack ${JSON.stringify(result.body)}`;
      } catch {
        return `unexpected ack ${JSON.stringify(result.body)}`;
      }
    };

    const runs: RunResult[] = [];
    let planSeq = 0;
    const concurrencies = [...new Set([1, options.concurrency])];
    for (const concurrency of concurrencies) {
      const tag = `c${concurrency}`;
      const requests: Request[] = [];
      for (let i = 0; i < options.commands; i++) {
        requests.push({
          kind: 'command',
          label: 'audit',
          body: commandBody(slack.url, 'audit aws', `${tag}-cmd-${i}`),
          check: ackText,
        });
      }
      const approves = Math.ceil(options.buttons / 2);
      // The approval requests the Approve clicks act on, one per click, made beforehand (unmeasured).
      for (let i = 0; i < options.buttons; i++) {
        const fingerprint = hex(0xa1b2c3d4 + i, 16);
        const triggerId = `${tag}-btn-${i}`;
        if (i < approves) {
          const planId = `plan-${hex(++planSeq, 16)}`;
          await store.approvals.requestApproval({
            id: planId,
            planId,
            fingerprint,
            requester: REQUESTER,
            required: 1,
            requesterMayApprove: false,
          });
          requests.push({
            kind: 'button',
            label: 'approve',
            body: actionBody(slack.url, APPROVER, { action: ACTION_IDS.approve, fingerprint, planId }, triggerId),
            check: () => undefined,
          });
        } else {
          requests.push({
            kind: 'button',
            label: 'snooze',
            body: actionBody(slack.url, APPROVER, { action: ACTION_IDS.snooze, fingerprint }, triggerId),
            check: () => undefined,
          });
        }
      }
      // Interleave commands and clicks, deterministically.
      const order = requests
        .map((r, i) => ({ r, key: (i * 2654435761) % 4294967296 }))
        .sort((a, b) => a.key - b.key)
        .map((x) => x.r);

      const jobsBefore = queue.jobs.length;
      const responsesBefore = slack.responses.length;
      const { latencies, errors, wallMs } = await runAll(handler, order, concurrency);
      // What the handlers did: one job per command and per approve; each click answered ephemerally.
      const newJobs = queue.jobs.slice(jobsBefore);
      const audits = newJobs.filter((j) => j.kind === 'audit').length;
      const applies = newJobs.filter((j) => j.kind === 'apply').length;
      if (audits !== options.commands) errors.push(`expected ${options.commands} audit jobs, got ${audits}`);
      if (applies !== approves) errors.push(`expected ${approves} apply jobs, got ${applies}`);
      const posted = slack.responses.slice(responsesBefore);
      const applying = posted.filter((t) => t.startsWith('Approved: applying')).length;
      const snoozed = posted.filter((t) => t.startsWith('Snoozed until')).length;
      if (applying !== approves) errors.push(`expected ${approves} "Approved: applying…" replies, got ${applying}`);
      if (snoozed !== options.buttons - approves)
        errors.push(`expected ${options.buttons - approves} "Snoozed" replies, got ${snoozed}`);

      const of = (pick: (r: Request) => boolean) => stats(order.filter(pick).map((r) => latencies.get(r) as number));
      const all = [...latencies.values()];
      runs.push({
        concurrency,
        wallMs: Math.round(wallMs),
        commands: of((r) => r.kind === 'command'),
        buttons: of((r) => r.kind === 'button'),
        approve: of((r) => r.label === 'approve'),
        snooze: of((r) => r.label === 'snooze'),
        maxMs: Math.round(Math.max(...all) * 100) / 100,
        errors,
      });
    }

    const workerAtEnd = { started: worker.started, finished: worker.finished, running: worker.running };
    const worstMs = Math.max(...runs.map((r) => r.maxMs));
    const errors = runs.flatMap((r) => r.errors.map((e) => `c=${r.concurrency}: ${e}`));
    const pass = worstMs < SLACK_LIMIT_MS && errors.length === 0;
    const report = {
      pass,
      limitMs: SLACK_LIMIT_MS,
      worstAckMs: worstMs,
      marginMs: Math.round((SLACK_LIMIT_MS - worstMs) * 100) / 100,
      headroom: Math.round((SLACK_LIMIT_MS / worstMs) * 10) / 10,
      coldStartMs: Math.round(coldMs * 100) / 100,
      workMsPerJob: options.workMs,
      commandsPerRun: options.commands,
      buttonsPerRun: options.buttons,
      worker: workerAtEnd,
      runs,
      errors,
      node: process.version,
    };

    if (options.format === 'json') {
      console.log(JSON.stringify(report));
    } else {
      console.log(
        `Slack acknowledgement latency (handler call → resolved response), worker ${options.workMs} ms per job`,
      );
      console.log(`cold start (first invocation, excluded below): ${report.coldStartMs} ms`);
      console.log('');
      const head = ['conc', 'kind', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms'];
      const rows: string[][] = [head];
      for (const run of runs) {
        for (const [name, s] of [
          ['commands', run.commands],
          ['buttons', run.buttons],
          ['  approve', run.approve],
          ['  snooze', run.snooze],
        ] as const) {
          rows.push([
            String(run.concurrency),
            name,
            String(s.n),
            s.p50.toFixed(2),
            s.p95.toFixed(2),
            s.p99.toFixed(2),
            s.max.toFixed(2),
            s.mean.toFixed(2),
          ]);
        }
      }
      const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
      for (const row of rows)
        console.log(
          row
            .map((cell, i) => (i === 1 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
            .join('  '),
        );
      console.log('');
      for (const run of runs)
        console.log(`concurrency ${run.concurrency}: ${run.commands.n + run.buttons.n} requests in ${run.wallMs} ms`);
      console.log(
        `worker: ${workerAtEnd.started} slow jobs started, ${workerAtEnd.finished} finished, ${workerAtEnd.running} still running at the end (cancelled)`,
      );
      for (const error of errors) console.log(`error: ${error}`);
      console.log(
        `${pass ? 'PASS' : 'FAIL'}: worst ack ${worstMs} ms vs Slack's ${SLACK_LIMIT_MS} ms limit (margin ${report.marginMs} ms, ${report.headroom}× headroom)${errors.length ? `; ${errors.length} error(s)` : ''}`,
      );
    }
    return pass ? 0 : 1;
  } finally {
    worker.cancelAll();
    await db.stop();
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await runBench(COMMAND, main);
