import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../lib/pool.ts';
import type { Finding } from '../../model/types.ts';
import { findingSuppressionOf, scopeKeyOf } from '../state.ts';
import type { FindingState, FindingStatus, FindingStore, SeenResult } from '../state.ts';
import type { FindingSuppression } from '../../model/suppression.ts';
import { writeIf } from './conditional.ts';
import { optionalStringsOf, required, stringsOf, TABLE_KEYS } from './table.ts';
import type { Item, Table } from './table.ts';

// Findings: `FINDING#<fingerprint>` / `FINDING`, in the scope's index (gsi1 `SCOPE#<p/a/r>`) while open or suppressed.

export function toFindingState(item: Item): FindingState {
  const state: FindingState = {
    ...stringsOf(item, ['fingerprint', 'scope', 'firstSeen', 'lastSeen']),
    finding: item['finding'] as Finding,
    status: item['status'] as FindingState['status'],
    ...optionalStringsOf(item, ['resolvedAt']),
  };
  if (item['message']) state.message = item['message'] as NonNullable<FindingState['message']>;
  if (item['suppression']) state.suppression = item['suppression'] as FindingSuppression;
  return state;
}

/** One finding's outcome in `recordSeen`. */
type Seen =
  | { kind: 'new' | 'open' | 'reopened'; state: FindingState }
  | { kind: 'suppressed'; state: FindingState; changed: boolean }
  | { kind: 'unsuppressed'; state: FindingState; ended: FindingSuppression };

function sameSuppression(a: FindingSuppression | undefined, b: FindingSuppression): boolean {
  return (
    a !== undefined &&
    a.kind === b.kind &&
    a.by === b.by &&
    a.until === b.until &&
    a.reason === b.reason &&
    a.check === b.check
  );
}

export function createFindingStore(table: Table): FindingStore {
  const { client, getItem, queryAll, concurrency } = table;

  /**
   * The record an earlier version kept under the finding's legacy fingerprint (rule ids hashed in),
   * moved onto the record just written under its fingerprint: first seen and message carry over, and
   * the old record becomes an alias (out of the open index, so it is never resolved on its own).
   * Returns the old record, or undefined when there is none (or it was taken over already).
   */
  async function takeOverLegacy(finding: Finding): Promise<Item | undefined> {
    const legacyKey = { pk: `FINDING#${finding.legacyFingerprint}`, sk: 'FINDING' };
    const legacy = await getItem(legacyKey.pk, legacyKey.sk);
    if (!legacy || legacy['aliasOf'] !== undefined) return undefined;
    const message = legacy['message'];
    await client.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { pk: `FINDING#${finding.fingerprint}`, sk: 'FINDING' },
        UpdateExpression: `SET firstSeen = :first${message ? ', message = :m' : ''}`,
        ExpressionAttributeValues: { ':first': legacy['firstSeen'], ...(message ? { ':m': message } : {}) },
      }),
    );
    await client.send(
      new UpdateCommand({
        TableName: table.name,
        Key: legacyKey,
        UpdateExpression: 'SET aliasOf = :fp, #status = :moved REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':fp': finding.fingerprint, ':moved': 'moved' },
      }),
    );
    return legacy;
  }

  /** Records one finding as seen at `at`, unless a newer run recorded it already (then: as that run left it). */
  async function upsert(
    finding: Finding,
    suppression: FindingSuppression | undefined,
    at: string,
  ): Promise<Seen | undefined> {
    const scope = scopeKeyOf(finding);
    const status: FindingStatus = suppression ? 'suppressed' : 'open';
    const written = await writeIf(table, {
      Key: { pk: `FINDING#${finding.fingerprint}`, sk: 'FINDING' },
      // Open and suppressed findings are both in the scope's index: both are there, and resolved when gone.
      UpdateExpression:
        'SET #type = :type, fingerprint = :fp, #scope = :scope, finding = :finding, firstSeen = if_not_exists(firstSeen, :now), ' +
        `lastSeen = :now, #status = :status, gsi1pk = :gsi1pk, gsi1sk = :fp${suppression ? ', suppression = :suppression' : ''} REMOVE resolvedAt${suppression ? '' : ', suppression'}`,
      ConditionExpression: 'attribute_not_exists(pk) OR lastSeen <= :now',
      ExpressionAttributeNames: { '#type': 'type', '#scope': 'scope', '#status': 'status' },
      ExpressionAttributeValues: {
        ':type': 'finding',
        ':fp': finding.fingerprint,
        ':scope': scope,
        ':finding': finding,
        ':now': at,
        ':status': status,
        ':gsi1pk': `SCOPE#${scope}`,
        ...(suppression ? { ':suppression': suppression } : {}),
      },
      ReturnValues: 'ALL_OLD',
    });
    if (!written.written) {
      // A newer run recorded it already: it is known, as that run left it.
      const item = await getItem(`FINDING#${finding.fingerprint}`, 'FINDING');
      if (!item) return undefined;
      const state = toFindingState(item);
      return state.status === 'suppressed' ? { kind: 'suppressed', state, changed: false } : { kind: 'open', state };
    }
    const before = written.item ?? (finding.legacyFingerprint ? await takeOverLegacy(finding) : undefined);
    const state: FindingState = {
      fingerprint: finding.fingerprint,
      scope,
      finding,
      firstSeen: (before?.['firstSeen'] as string | undefined) ?? at,
      lastSeen: at,
      status,
    };
    if (before?.['message']) state.message = before['message'] as NonNullable<FindingState['message']>;
    const was = before?.['suppression'] as FindingSuppression | undefined;
    if (suppression) {
      state.suppression = suppression;
      return {
        kind: 'suppressed',
        state,
        changed: before?.['status'] !== 'suppressed' || !sameSuppression(was, suppression),
      };
    }
    if (before?.['status'] === 'suppressed' && was) return { kind: 'unsuppressed', state, ended: was };
    return { kind: !before ? 'new' : before['status'] === 'resolved' ? 'reopened' : 'open', state };
  }

  const findings: FindingStore = {
    async recordSeen(list, now, completeScopes, suppressedList = []): Promise<SeenResult> {
      const at = now.toISOString();
      // The run's findings, each with the suppression that hides it (if any); a fingerprint given twice counts once, suppressed last.
      const seenNow = [
        ...list.map((finding) => ({ finding, suppression: undefined as FindingSuppression | undefined })),
        ...suppressedList.map((s) => ({ finding: s.finding, suppression: findingSuppressionOf(s.suppression) })),
      ];
      const unique = [
        ...new Map(seenNow.map((s) => [required(s.finding.fingerprint, 'finding fingerprint'), s])).values(),
      ];
      const result: SeenResult = { new: [], open: [], reopened: [], resolved: [], suppressed: [], unsuppressed: [] };

      const upserts = await mapLimit(unique, concurrency, ({ finding, suppression }) =>
        upsert(finding, suppression, at),
      );
      for (const seen of upserts) {
        if (seen === undefined) continue;
        if (seen.kind === 'suppressed') result.suppressed.push({ state: seen.state, changed: seen.changed });
        else if (seen.kind === 'unsuppressed') result.unsuppressed.push({ state: seen.state, ended: seen.ended });
        else result[seen.kind].push(seen.state);
      }

      const seen = new Set(
        unique.flatMap(({ finding: f }) =>
          f.legacyFingerprint ? [f.fingerprint, f.legacyFingerprint] : [f.fingerprint],
        ),
      );
      // Per scope: every group was read (`all`), or only these groups were.
      const readGroups = new Map<string, Set<string> | 'all'>();
      for (const complete of completeScopes) {
        const key = scopeKeyOf(complete);
        const known = readGroups.get(key);
        if (complete.groupId === undefined) readGroups.set(key, 'all');
        else if (known !== 'all') readGroups.set(key, (known ?? new Set<string>()).add(complete.groupId));
      }
      const scopes = [...readGroups.keys()];
      const wasRead = (item: Item): boolean => {
        const groups = readGroups.get(item['scope'] as string);
        return (
          groups === 'all' ||
          (groups !== undefined && groups.has((item['finding'] as Finding | undefined)?.groupId ?? ''))
        );
      };
      const openBefore = (
        await Promise.all(
          scopes.map((scope) =>
            queryAll({
              IndexName: TABLE_KEYS.gsi1,
              KeyConditionExpression: 'gsi1pk = :g',
              ExpressionAttributeValues: { ':g': `SCOPE#${scope}` },
            }),
          ),
        )
      )
        .flat()
        .filter((item) => !seen.has(item['fingerprint'] as string) && wasRead(item));

      const resolved = await mapLimit(openBefore, concurrency, async (item) => {
        // Not written: resolved already, or seen again meanwhile by a newer run (the index was stale).
        const written = await writeIf(table, {
          Key: { pk: item['pk'], sk: item['sk'] },
          UpdateExpression: 'SET #status = :resolved, resolvedAt = :now REMOVE gsi1pk, gsi1sk, suppression',
          ConditionExpression: '#status IN (:open, :suppressed) AND lastSeen < :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':resolved': 'resolved',
            ':open': 'open',
            ':suppressed': 'suppressed',
            ':now': at,
          },
          ReturnValues: 'ALL_NEW',
        });
        return written.written && written.item ? toFindingState(written.item) : undefined;
      });
      result.resolved = resolved
        .filter((s): s is FindingState => s !== undefined)
        .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
      return result;
    },

    async markPosted(fingerprint, channel, ts, now = table.clock()) {
      const written = await writeIf(table, {
        Key: { pk: `FINDING#${required(fingerprint, 'fingerprint')}`, sk: 'FINDING' },
        UpdateExpression: 'SET message = :m',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':m': { channel: required(channel, 'channel'), ts: required(ts, 'message ts'), postedAt: now.toISOString() },
        },
        ReturnValues: 'ALL_NEW',
      });
      if (!written.written) throw new Error(`no finding with fingerprint ${fingerprint} has been recorded`);
      return toFindingState(written.item as Item);
    },

    async get(fingerprint) {
      const item = await getItem(`FINDING#${required(fingerprint, 'fingerprint')}`, 'FINDING');
      const alias = item?.['aliasOf'];
      if (typeof alias !== 'string') return item ? toFindingState(item) : undefined;
      const target = await getItem(`FINDING#${alias}`, 'FINDING');
      return target ? toFindingState(target) : undefined;
    },

    async openIn(scopes) {
      const items = await mapLimit([...new Set(scopes)], concurrency, (scope) =>
        queryAll({
          IndexName: TABLE_KEYS.gsi1,
          KeyConditionExpression: 'gsi1pk = :g',
          ExpressionAttributeValues: { ':g': `SCOPE#${scope}` },
        }),
      );
      return items
        .flat()
        .filter((item) => item['status'] === 'open' || item['status'] === 'suppressed')
        .map(toFindingState);
    },
  };
  return findings;
}
