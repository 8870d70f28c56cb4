import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSuppressions } from '../src/app/list-suppressions.ts';
import { plainOf } from '../src/app/notice.ts';
import type { AppPorts, Asker, Notifier } from '../src/app/ports.ts';
import { suppressFinding } from '../src/app/suppress-finding.ts';
import type { SuppressionRequester } from '../src/app/suppress-finding.ts';
import { unsuppressFinding } from '../src/app/unsuppress-finding.ts';
import type { TrailInput, StateStore } from '../src/store/state.ts';
import type { Suppression } from '../src/model/suppression.ts';

// The Slack-only jobs run as use cases with no Slack at all: a store, a clock and a notifier that renders plainly.

const NOW = new Date('2026-03-01T08:00:00Z');
const FINGERPRINT = 'a'.repeat(64);

const suppression = (target: Suppression['target'], until: string): Suppression => ({
  target,
  kind: 'suppress',
  by: 'U0ALICE',
  reason: 'a test',
  at: NOW.toISOString(),
  until,
});

function rig(active: Suppression[]) {
  const trail: TrailInput[] = [];
  const revoked: Suppression['target'][] = [];
  const store = {
    suppressions: {
      activeSuppressions: async () => [...active],
      revoke: async ({ target }: { target: Suppression['target'] }) => {
        const i = active.findIndex((s) => JSON.stringify(s.target) === JSON.stringify(target));
        if (i < 0) return undefined;
        revoked.push(target);
        return active.splice(i, 1)[0];
      },
    },
    findings: { get: async () => undefined },
    trail: { log: async (entry: TrailInput) => void trail.push(entry) },
  } as unknown as StateStore;
  const notifier = { textOf: plainOf } as unknown as Notifier;
  const ports = { store, notifier, now: () => NOW } as unknown as AppPorts;
  return { ports, trail, revoked };
}

const asker: Asker = { user: 'U0BOB', actor: 'slack:U0BOB', requestId: 'req-1', channel: 'C0WARDEN' };

describe('the Slack-only jobs as use cases (src/app), with no Slack', () => {
  it('lists the active suppressions soonest to end first, at most the number asked for, with the total', async () => {
    const { ports } = rig([
      suppression({ check: 'internet-all-ports' }, '2026-06-01T00:00:00Z'),
      suppression({ fingerprint: FINGERPRINT }, '2026-04-01T00:00:00Z'),
    ]);
    const listed = await listSuppressions(ports, 1);
    expect(listed.total).toBe(2);
    expect(listed.shown.map((s) => s.suppression.target)).toEqual([{ fingerprint: FINGERPRINT }]);
  });

  it('ends the suppression a prefix names, refuses a check that is not suppressed, and says when it ended meanwhile', async () => {
    const { ports, revoked } = rig([suppression({ fingerprint: FINGERPRINT }, '2026-04-01T00:00:00Z')]);
    const ended = await unsuppressFinding(ports, { fingerprint: FINGERPRINT.slice(0, 8) }, 'U0CAROL');
    expect(ended).toMatchObject({ revoked: { target: { fingerprint: FINGERPRINT } } });
    expect(revoked).toEqual([{ fingerprint: FINGERPRINT }]);
    const refused = await unsuppressFinding(ports, { check: 'internet-all-ports' }, 'U0CAROL');
    expect('refused' in refused && plainOf(refused.refused)).toBe(
      'the check internet-all-ports is not suppressed (`/warden suppressions` lists what is)',
    );
  });

  it('requests a check suppression in the asker’s channel, and refuses (with a trail entry) a check Warden does not have', async () => {
    const { ports, trail } = rig([]);
    const asked: Parameters<SuppressionRequester['request']>[0][] = [];
    const requests: SuppressionRequester = { request: async (input) => (asked.push(input), { reply: 'requested' }) };
    const answer = await suppressFinding(ports, requests, asker, {
      check: 'internet-all-ports',
      seconds: 3600,
      reason: 'maintenance',
    });
    expect(answer).toEqual(['requested']);
    expect(asked).toEqual([
      {
        payload: {
          kind: 'suppress',
          target: { check: 'internet-all-ports' },
          reason: 'maintenance',
          until: '2026-03-01T09:00:00.000Z',
        },
        requester: 'U0BOB',
        origin: 'req-1',
        where: { channel: 'C0WARDEN' },
      },
    ]);
    const refused = await suppressFinding(ports, requests, asker, { check: 'no-such-check', seconds: 60, reason: '' });
    expect(plainOf(refused)).toBe('Not suppressed: Warden has no check no-such-check.');
    expect(trail).toMatchObject([
      {
        actor: 'U0BOB',
        action: 'suppress',
        target: 'no-such-check',
        outcome: 'refused: Warden has no check no-such-check',
      },
    ]);
    expect(asked).toHaveLength(1);
  });
});

describe('the Slack worker and listeners only dispatch the Slack-only jobs', () => {
  it('neither reads the clouds nor resolves findings or suppressions itself: they call the use cases', () => {
    const importsOf = (file: string) =>
      [...readFileSync(join(import.meta.dirname, '..', file), 'utf8').matchAll(/from\s+'([^']+)';/g)].map((m) => m[1]);
    const doingTheWork = /\/app\/(read-scope|publish|propose-fix)\.ts$|\/model\/fingerprint(-prefix)?\.ts$/;
    const bad = ['src/slack/worker.ts', 'src/slack/suppressions.ts', 'src/slack/listeners/unsuppress.ts'].flatMap(
      (file) =>
        importsOf(file)
          .filter((from) => doingTheWork.test(from ?? ''))
          .map((from) => `${file} ${from}`),
    );
    expect(bad).toEqual([]);
  });
});
