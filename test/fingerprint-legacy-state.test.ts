import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Finding } from '../src/model/types.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { scopeKeyOf, suppressionFor, unsuppressedFindings } from '../src/store/state.ts';
import type { StateStore } from '../src/store/state.ts';
import { group, rule } from './support/build.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';

// State an earlier version stored in DynamoDB under a finding's legacy fingerprint (which hashed
// rule ids), written item by item as it wrote them, keeps working with today's fingerprints.

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-02-01T00:00:00.000Z');
const UNTIL = new Date('2026-12-31T00:00:00.000Z');

let db: Dynalite;
let tables = 0;
let tableName: string;
let store: StateStore;

function ssh(cidr = '0.0.0.0/0'): Finding {
  const g = group({
    provider: 'aws',
    account: '123456789012',
    region: 'eu-west-1',
    rules: [rule({ ports: 22, peer: cidr, id: 'sgr-0ssh' })],
  });
  return auditEstate({ groups: [g], unparseable: [], scanErrors: [] }, defaultConfig()).findings.find(
    (f) => f.check === 'internet-admin-port',
  ) as Finding;
}

/** The finding record the earlier version wrote: keyed by the legacy fingerprint, open, posted. */
async function putLegacyFinding(finding: Finding): Promise<void> {
  const fingerprint = finding.legacyFingerprint as string;
  const { subject: _subject, legacyFingerprint: _legacy, exposure: _exposure, ...old } = finding;
  const scope = scopeKeyOf(finding);
  await db.client.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: `FINDING#${fingerprint}`,
        sk: 'FINDING',
        type: 'finding',
        fingerprint,
        scope,
        finding: { ...old, fingerprint },
        firstSeen: T0.toISOString(),
        lastSeen: T0.toISOString(),
        status: 'open',
        gsi1pk: `SCOPE#${scope}`,
        gsi1sk: fingerprint,
        message: { channel: 'C0SEC', ts: '1600000000.000001', postedAt: T0.toISOString() },
      },
    }),
  );
}

async function putLegacySuppression(fingerprint: string): Promise<void> {
  await db.client.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        pk: 'SUPPRESSION',
        sk: `FINDING#${fingerprint}`,
        type: 'suppression',
        target: { fingerprint },
        by: 'U1',
        reason: 'accepted',
        at: T0.toISOString(),
        until: UNTIL.toISOString(),
        expiresAt: Math.ceil(UNTIL.getTime() / 1000),
      },
    }),
  );
}

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db.stop();
});

beforeEach(async () => {
  tableName = `warden-legacy-${++tables}`;
  await ensureTable(db.client, tableName);
  store = createDynamoStateStore({ tableName, client: db.client });
});

describe('finding records under a legacy fingerprint', () => {
  it('are taken over by the next run: open (not new), first seen and message kept, never resolved; the legacy key finds the finding', async () => {
    const finding = ssh();
    await putLegacyFinding(finding);
    const seen = await store.findings.recordSeen([finding], T1, [
      { provider: 'aws', account: '123456789012', region: 'eu-west-1' },
    ]);
    expect(seen.new).toEqual([]);
    expect(seen.resolved).toEqual([]);
    expect(seen.open.map((s) => [s.fingerprint, s.firstSeen, s.message?.ts])).toEqual([
      [finding.fingerprint, T0.toISOString(), '1600000000.000001'],
    ]);
    expect(await store.findings.get(finding.legacyFingerprint as string)).toMatchObject({
      fingerprint: finding.fingerprint,
      status: 'open',
      message: { ts: '1600000000.000001' },
    });

    // The next run: the same open finding, once.
    const next = await store.findings.recordSeen([finding], new Date(T1.getTime() + 1000), [
      { provider: 'aws', account: '123456789012', region: 'eu-west-1' },
    ]);
    expect([next.new.length, next.open.length, next.resolved.length]).toEqual([0, 1, 0]);
  });

  it('a resolved legacy record comes back as reopened', async () => {
    const finding = ssh();
    await putLegacyFinding(finding);
    await store.findings.recordSeen([], T1, [{ provider: 'aws', account: '123456789012', region: 'eu-west-1' }]);
    const seen = await store.findings.recordSeen([finding], new Date(T1.getTime() + 1000), []);
    expect(seen.reopened.map((s) => s.fingerprint)).toEqual([finding.fingerprint]);
  });
});

describe('suppressions under a legacy fingerprint', () => {
  it('still suppress the finding (list and single lookup)', async () => {
    const finding = ssh();
    await putLegacySuppression(finding.legacyFingerprint as string);
    const active = await store.suppressions.activeSuppressions(T1);
    expect(suppressionFor(finding, active, T1)).toBeDefined();
    expect(unsuppressedFindings([finding], active, T1)).toEqual([]);
    expect(await store.suppressions.isSuppressed(finding, T1)).toBe(true);
  });

  it('a new suppression through an old button is kept under the current fingerprint with the exposure it accepted; wider is reported again', async () => {
    const narrow = ssh('0.0.0.0/1');
    await putLegacyFinding(narrow);
    await store.findings.recordSeen([narrow], T1, []);
    const made = await store.suppressions.suppress({
      target: { fingerprint: narrow.legacyFingerprint as string },
      by: 'U1',
      reason: 'bastion soon',
      until: UNTIL,
      now: T1,
    });
    expect(made.target).toEqual({ fingerprint: narrow.fingerprint });
    expect(made.accepted).toEqual(narrow.exposure);
    const active = await store.suppressions.activeSuppressions(T1);
    expect(unsuppressedFindings([narrow], active, T1)).toEqual([]);
    const wide = ssh('0.0.0.0/0');
    expect(unsuppressedFindings([wide], active, T1).map((f) => [f.fingerprint, f.title])).toEqual([
      [wide.fingerprint, `${wide.title} (widened since suppressed)`],
    ]);
  });
});
