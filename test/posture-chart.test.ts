import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { finishRun } from '../src/app/finish-run.ts';
import type { Notice } from '../src/app/notice.ts';
import type { AppPorts, ChartPlace, Notifier, Place } from '../src/app/ports.ts';
import { defaultSlackConfig } from '../src/config/schema.ts';
import type { RunHistoryEntry } from '../src/model/run-history.ts';
import type { Severity } from '../src/model/types.ts';
import { renderPosturePng } from '../src/chart/render.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import type { ScopeResult, StateStore } from '../src/store/state.ts';
import { chartPortsFromEnv, createChartHandler } from '../functions/chart.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';
import { startFakeSlackApi } from './support/fake-slack-api.ts';
import type { FakeSlackApi } from './support/fake-slack-api.ts';
import { sqsEvent, sqsRecord } from './support/lambda-events.ts';
import { ROOT } from './support/cli.ts';
import { motoClientConfig, motoEnv, setProcessEnv } from './support/moto.ts';

// The posture chart of the scheduled digest: each scheduled run's counts kept in DynamoDB (dynalite), the last 30
// drawn to a PNG (vega → SVG → resvg's wasm with the bundled font) and uploaded into the digest's thread the way
// Slack documents files uploads (against the loopback Web API), the numbers as alt text; and the renderer kept out
// of the Slack function's bundle.

let db: Dynalite;
/** dynalite without keep-alive: rendering blocks the event loop for seconds, and a kept socket may be closed under the next call. */
let client: DynamoDBDocumentClient;
let slack: FakeSlackApi;
let store: StateStore;
let tableName: string;
let tables = 0;

beforeAll(async () => {
  db = await startDynalite();
  client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...motoClientConfig(db.endpoint),
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    }),
  );
  slack = await startFakeSlackApi();
});

afterAll(async () => {
  client?.destroy();
  await slack?.close();
  await db?.stop();
});

beforeEach(async () => {
  tableName = `warden-chart-${++tables}`;
  await ensureTable(client, tableName);
  store = createDynamoStateStore({ tableName, client });
  slack.recorded.length = 0;
  slack.uploads.length = 0;
});

const CHANNEL = 'C0SECURITY';
const T0 = Date.parse('2026-11-01T06:00:00.000Z');
const DAY = 86_400_000;
const severities = (values: Partial<Record<Severity, number>>): Record<Severity, number> => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  info: 0,
  ...values,
});

function entry(day: number, open: Partial<Record<Severity, number>>, more: Partial<RunHistoryEntry> = {}) {
  return {
    runId: `run-${String(day).padStart(2, '0')}`,
    startedAt: new Date(T0 + day * DAY).toISOString(),
    open: severities(open),
    suppressed: severities({ medium: 1 }),
    new: 2,
    resolved: 1,
    partial: false,
    ...more,
  } satisfies RunHistoryEntry;
}

/** 33 daily runs: critical 5 → 1 over the last 30, high 12 then 9. */
async function storeHistory(): Promise<void> {
  for (let day = 0; day < 33; day++) {
    const e = entry(day, { critical: Math.max(1, 8 - day), high: day < 20 ? 12 : 9, low: 3 });
    await store.runs.recordHistory(day === 32 ? { ...e, new: 4, resolved: 7 } : e, new Date(T0 + day * DAY));
  }
}

/** The PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const bytes = Buffer.from(png);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('run history in the DynamoDB store (dynalite)', () => {
  it('gives the last runs oldest first, as many as asked; recording a run again replaces it', async () => {
    await storeHistory();
    const history = await store.runs.history(30);
    expect(history).toHaveLength(30);
    expect(history[0]?.runId).toBe('run-03');
    expect(history.at(-1)).toEqual({ ...entry(32, { critical: 1, high: 9, low: 3 }), new: 4, resolved: 7 });
    await store.runs.recordHistory({ ...entry(32, { critical: 2 }), new: 9 }, new Date(T0 + 32 * DAY));
    const again = await store.runs.history(30);
    expect(again).toHaveLength(30);
    expect(again.at(-1)).toMatchObject({ runId: 'run-32', new: 9, open: { critical: 2, high: 0 } });
    expect(await store.runs.history(0)).toEqual([]);
  });
});

describe('finishRun keeps a scheduled run in the history and asks for its chart in the digest thread', () => {
  const scope = (region: string, bySeverity: Record<string, number>, suppressed: Record<string, number>) =>
    ({
      scope: { provider: 'aws', account: '111122223333', region },
      groups: 3,
      rules: 9,
      findings: Object.values(bySeverity).reduce((a, b) => a + b, 0),
      bySeverity,
      new: [],
      newCount: 3,
      newBySeverity: { high: 3 },
      resolved: [],
      resolvedCount: 2,
      suppressedBySeverity: suppressed,
    }) satisfies ScopeResult;

  const DIGEST_TS = '1762495200.000100';
  let posted: { where: Place; notice: Notice }[];
  beforeEach(() => {
    posted = [];
  });

  /** Slack's answer to the digest's first message is its ts: the thread the chart goes to. */
  function ports(charts?: AppPorts['charts']) {
    const notifier: Pick<Notifier, 'post'> = {
      post: async (where, notice) => (posted.push({ where, notice }), DIGEST_TS),
    };
    return {
      settings: { ...defaultSlackConfig(), channel: CHANNEL },
      store,
      notifier: notifier as Notifier,
      now: () => new Date(T0 + DAY),
      ...(charts ? { charts } : {}),
    };
  }

  async function startRun(runId: string, trigger: string) {
    await store.runs.start({ runId, expected: 2, channel: CHANNEL, trigger, now: new Date(T0) });
    await store.runs.recordScope(runId, scope('eu-west-1', { critical: 1, high: 4 }, { high: 1 }), new Date(T0));
    await store.runs.recordScope(runId, scope('us-east-1', { high: 2, medium: 3 }, { medium: 3 }), new Date(T0));
  }

  it('records open findings without the suppressed ones, the suppressed apart, new and resolved; the chart goes to the digest thread', async () => {
    const asked: { where: ChartPlace; runId: string }[] = [];
    await startRun('run-sched', 'schedule');
    expect(
      await finishRun(ports({ request: async (where, runId) => void asked.push({ where, runId }) }), 'run-sched'),
    ).toBe(true);
    expect(await store.runs.history(30)).toEqual([
      {
        runId: 'run-sched',
        startedAt: new Date(T0).toISOString(),
        open: severities({ critical: 1, high: 5 }),
        suppressed: severities({ high: 1, medium: 3 }),
        new: 6,
        resolved: 4,
        partial: false,
      },
    ]);
    expect(posted.map((p) => [p.where, p.notice.kind])).toEqual([[{ channel: CHANNEL }, 'digest']]);
    expect(asked).toEqual([{ where: { channel: CHANNEL, threadTs: DIGEST_TS }, runId: 'run-sched' }]);
  });

  it('keeps no history for an on-demand run, and a chart request that fails costs the chart, not the digest', async () => {
    await startRun('run-slack', 'slack:U1');
    expect(await finishRun(ports(), 'run-slack')).toBe(true);
    expect(await store.runs.history(30)).toEqual([]);

    await startRun('run-sched', 'schedule');
    const failing = { request: async () => Promise.reject(new Error('SQS: AccessDenied')) };
    expect(await finishRun(ports(failing), 'run-sched')).toBe(true);
    expect(posted.map((p) => p.notice.kind)).toEqual(['digest', 'digest']);
    expect((await store.trail.forTarget('run-sched')).map((e) => [e.action, e.outcome])).toEqual([
      ['digest', 'ok'],
      ['posture-chart', 'failed: SQS: AccessDenied'],
    ]);
  });
});

describe('the posture chart rendered from stored history', () => {
  it('is a PNG at twice the chart size, with real content', async () => {
    await storeHistory();
    const png = await renderPosturePng(await store.runs.history(30));
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThan(1600);
    expect(height).toBeGreaterThan(1000);
    expect(png.length).toBeGreaterThan(40_000);
  });
});

describe('the chart function (SQS) uploads into the digest thread as Slack documents it', () => {
  const event = (threadTs: string) =>
    sqsEvent([
      sqsRecord(
        { body: JSON.stringify({ type: 'chart', runId: 'run-32', channel: CHANNEL, threadTs }), id: 'm-1' },
        'arn:aws:sqs:eu-west-1:000000000000:chart',
      ),
    ]);
  const env = () => ({ WARDEN_TABLE: tableName, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: `${slack.url}/api/` });
  // The SDK finds its endpoint and the fake credentials in process.env only.
  let restore: () => void;
  beforeAll(() => {
    restore = setProcessEnv(motoEnv(db.endpoint));
  });
  afterAll(() => restore());

  it('getUploadURLExternal with the numbers as alt_txt, the PNG to the upload URL, completeUploadExternal with channel_id and thread_ts', async () => {
    await storeHistory();
    const handler = createChartHandler({ ports: () => chartPortsFromEnv(env()) });
    expect(await handler(event('1762408800.000100'))).toEqual({ batchItemFailures: [] });

    const paths = slack.recorded.map((c) => c.path.replace(/\/upload\/.*/, '/upload/<file>'));
    expect(paths).toEqual(['/api/files.getUploadURLExternal', '/upload/<file>', '/api/files.completeUploadExternal']);
    const [upload] = slack.uploads;
    expect(upload?.altTxt).toBe(
      'Open findings over the last 30 runs: critical 5 → 1, high 12 → 9, medium 0 → 0, low 3 → 3, info 0 → 0; ' +
        'suppressed 1 → 1; last run: 4 new, 7 resolved.',
    );
    expect(upload?.filename).toBe('warden-posture-2026-12-03.png');
    expect(pngSize(upload?.bytes as Buffer).width).toBeGreaterThan(1600);
    const complete = slack.recorded.find((c) => c.path === '/api/files.completeUploadExternal')?.body ?? {};
    expect(complete['channel_id']).toBe(CHANNEL);
    expect(complete['thread_ts']).toBe('1762408800.000100');
    expect(JSON.parse(String(complete['files']))).toEqual([
      { id: upload?.fileId, title: 'Warden posture, last 30 scheduled runs' },
    ]);
  });

  it('posts the numbers as text in the thread when the chart cannot be drawn', async () => {
    await storeHistory();
    const ports = await chartPortsFromEnv(env());
    const handler = createChartHandler({
      ports: async () => ({ ...ports, render: async () => Promise.reject(new Error('wasm: out of memory')) }),
    });
    expect(await handler(event('1762408800.000200'))).toEqual({ batchItemFailures: [] });
    expect(slack.uploads).toEqual([]);
    const posted = slack.recorded.filter((c) => c.path === '/api/chat.postMessage').map((c) => c.body);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.['thread_ts']).toBe('1762408800.000200');
    expect(String(posted[0]?.['text'])).toContain('The posture chart could not be drawn (wasm: out of memory).');
    expect(String(posted[0]?.['text'])).toContain('critical 5 → 1');
  });

  it('reports the message failed (SQS retries it) when the upload is refused', async () => {
    await storeHistory();
    const ports = await chartPortsFromEnv(env());
    const handler = createChartHandler({
      ports: async () => ({ ...ports, upload: async () => Promise.reject(new Error('not_in_channel')) }),
    });
    expect(await handler(event('1762408800.000300'))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});

describe('the renderer stays out of the functions that post digests and answer Slack', () => {
  const require = createRequire(import.meta.url);
  const plugins = require('../deploy/esbuild-plugins.cjs') as esbuild.Plugin[];
  const RENDERER = /node_modules\/(vega[^/]*|@resvg\/|source-sans\/)/;

  async function bundledPackages(fn: string): Promise<string[]> {
    const result = await esbuild.build({
      entryPoints: [join(ROOT, 'functions', `${fn}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins,
    });
    return Object.keys(result.metafile.inputs).filter((input) => RENDERER.test(input));
  }

  it('slack, scan and schedule bundle no vega and no resvg; the chart function does', async () => {
    for (const fn of ['slack', 'scan', 'schedule']) expect(await bundledPackages(fn), fn).toEqual([]);
    const chart = await bundledPackages('chart');
    expect(chart.some((input) => input.includes('node_modules/vega/'))).toBe(true);
    expect(chart.some((input) => input.includes('node_modules/@resvg/resvg-wasm/'))).toBe(true);
  }, 120_000);
});
