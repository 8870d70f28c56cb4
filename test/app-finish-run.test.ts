import { describe, expect, it } from 'vitest';
import { finishRun } from '../src/app/finish-run.ts';
import type { Notice } from '../src/app/notice.ts';
import type { AppPorts, Notifier, Place } from '../src/app/ports.ts';
import { defaultSlackConfig } from '../src/config/schema.ts';
import type { TrailInput, Run, ScopeResult, StateStore } from '../src/store/state.ts';

// A use case runs with no Slack at all: its ports are a store and a notifier that only records the notices.

const NOW = new Date('2026-03-01T08:00:00Z');

function recordingNotifier(): Notifier & { posted: { where: Place; notice: Notice }[] } {
  const posted: { where: Place; notice: Notice }[] = [];
  return {
    posted,
    post: async (where, notice) => (posted.push({ where, notice }), `ts-${posted.length}`),
    update: async () => undefined,
    answer: async () => undefined,
    whisper: async () => undefined,
    textOf: (text) => text.map((p) => (typeof p === 'string' ? p : 'code' in p ? p.code : p.quoted)).join(''),
    isPerson: () => false,
  };
}

function rig(run: Run, results: ScopeResult[]) {
  const trail: TrailInput[] = [];
  let claimed = false;
  const store = {
    runs: {
      get: async () => run,
      claimDigest: async () => (claimed ? false : (claimed = true)),
      scopeResults: async () => results,
      recordHistory: async () => undefined,
    },
    trail: { log: async (entry: TrailInput) => void trail.push(entry) },
  } as unknown as StateStore;
  const notifier = recordingNotifier();
  const ports = {
    settings: { ...defaultSlackConfig(), channel: 'C0DEFAULT' },
    store,
    notifier,
    now: () => NOW,
  } as unknown as AppPorts;
  return { ports, notifier, trail };
}

const scope = (region: string, findings: number, scanError?: string): ScopeResult => ({
  scope: { provider: 'aws', account: '111122223333', region },
  groups: 2,
  rules: 5,
  findings,
  bySeverity: { high: findings },
  ...(scanError ? { scanError } : {}),
  new: [],
  newCount: findings,
  newBySeverity: { high: findings },
  resolved: [],
  resolvedCount: 0,
});

describe('finishRun (src/app), with a notifier that is not Slack', () => {
  it('posts one digest notice for the run, in its channel, sums its scopes, writes the trail, and only once', async () => {
    const { ports, notifier, trail } = rig(
      { runId: 'run-1', expected: 2, done: 2, channel: 'C0RUN', trigger: 'schedule', startedAt: NOW.toISOString() },
      [scope('us-east-1', 1), scope('eu-west-1', 2)],
    );
    expect(await finishRun(ports, 'run-1')).toBe(true);
    expect(await finishRun(ports, 'run-1')).toBe(false);
    expect(notifier.posted).toHaveLength(1);
    const [{ where, notice }] = notifier.posted as [{ where: Place; notice: Notice }];
    expect(where).toEqual({ channel: 'C0RUN' });
    expect(notice).toMatchObject({
      kind: 'digest',
      summary: { groups: 4, findings: 3, partial: false },
      delta: { totals: { new: 3, resolved: 0 } },
    });
    expect(trail).toMatchObject([
      { actor: 'scheduler', action: 'digest', target: 'run-1', outcome: 'ok', detail: '3 findings, 3 new, 0 resolved' },
    ]);
  });

  it('says a run is partial when scopes did not report, never a clean digest', async () => {
    const { ports, notifier, trail } = rig(
      { runId: 'run-2', expected: 3, done: 1, trigger: 'schedule', startedAt: NOW.toISOString() },
      [scope('us-east-1', 0)],
    );
    expect(await finishRun(ports, 'run-2')).toBe(true);
    expect(notifier.posted[0]?.where).toEqual({ channel: 'C0DEFAULT' });
    expect(notifier.posted[0]?.notice).toMatchObject({
      kind: 'digest',
      summary: {
        partial: true,
        scanErrors: [{ message: '2 of 3 scopes did not report (see the scan dead-letter queue)' }],
      },
    });
    expect(trail[0]?.outcome).toBe('ok: 1 of 3 scopes');
  });
});
