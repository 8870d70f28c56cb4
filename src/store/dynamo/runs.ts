import type { Run, RunStore, ScopeResult } from '../state.ts';
import { scopeKeyOf } from '../state.ts';
import { writeIf } from './conditional.ts';
import { createRunHistory } from './run-history.ts';
import { epochSeconds, required, TABLE_KEYS } from './table.ts';
import type { Item, Table } from './table.ts';

// Runs: `RUN#<runId>` / `RUN`, its scopes' results under `SCOPE#<p/a/r>`; in gsi1 (`RUNS-OPEN`) until its digest is claimed.

const RUN_TTL_DAYS = 30;
/** A scope's result item stays well under DynamoDB's 400 KB; beyond this its finding lists are dropped (the counts stay). */
const RUN_SCOPE_MAX_BYTES = 300 * 1024;

function toRun(item: Item): Run {
  return {
    runId: String(item['runId']),
    expected: Number(item['expected']),
    done: Number(item['done'] ?? 0),
    trigger: String(item['trigger'] ?? ''),
    startedAt: String(item['startedAt']),
    ...(item['channel'] ? { channel: String(item['channel']) } : {}),
    ...(item['digestAt'] ? { digestAt: String(item['digestAt']) } : {}),
  };
}

const runKey = (runId: string) => `RUN#${required(runId, 'run id')}`;
const runTtl = (now: Date) => epochSeconds(now) + RUN_TTL_DAYS * 86_400;

export function createRunStore(table: Table): RunStore {
  const { getItem, queryAll } = table;

  /** Updates the run's item while it exists and `condition` holds; whether it did. */
  async function updateRun(runId: string, update: string, condition: string, values: Item): Promise<boolean> {
    const written = await writeIf(table, {
      Key: { pk: runKey(runId), sk: 'RUN' },
      UpdateExpression: update,
      ConditionExpression: `attribute_exists(pk) AND ${condition}`,
      ExpressionAttributeValues: values,
    });
    return written.written;
  }

  const runs: RunStore = {
    async start({ runId, expected, channel, trigger, now }) {
      const run: Run = {
        runId,
        expected,
        done: 0,
        trigger,
        startedAt: now.toISOString(),
        ...(channel ? { channel } : {}),
      };
      const written = await writeIf(table, {
        // gsi1 holds the runs whose digest is not posted yet (claimDigest removes it: a sparse index).
        Item: {
          pk: runKey(runId),
          sk: 'RUN',
          type: 'run',
          ...run,
          gsi1pk: 'RUNS-OPEN',
          gsi1sk: `${run.startedAt}#${runId}`,
          expiresAt: runTtl(now),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      return written.written ? run : ((await runs.get(runId)) as Run);
    },

    async recordScope(runId, result, now) {
      let encoded = JSON.stringify(result);
      if (encoded.length > RUN_SCOPE_MAX_BYTES) encoded = JSON.stringify({ ...result, new: [], resolved: [] });
      const marked = await writeIf(table, {
        Item: {
          pk: runKey(runId),
          sk: `SCOPE#${scopeKeyOf(result.scope)}`,
          type: 'run-scope',
          result: encoded,
          at: now.toISOString(),
          expiresAt: runTtl(now),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      if (!marked.written) return { counted: false, run: await runs.get(runId) };
      const counted = await writeIf(table, {
        Key: { pk: runKey(runId), sk: 'RUN' },
        UpdateExpression: 'ADD done :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      });
      // Not written: a scope of a run that was never started (or expired): recorded, but there is nothing to count.
      return { counted: true, run: counted.written && counted.item ? toRun(counted.item) : undefined };
    },

    async claimPostSlot(runId, max) {
      return updateRun(runId, 'ADD posted :one', '(attribute_not_exists(posted) OR posted < :max)', {
        ':one': 1,
        ':max': max,
      });
    },

    async claimDigest(runId, now) {
      return updateRun(runId, 'SET digestAt = :now REMOVE gsi1pk, gsi1sk', 'attribute_not_exists(digestAt)', {
        ':now': now.toISOString(),
      });
    },

    async scopeResults(runId) {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': runKey(runId), ':prefix': 'SCOPE#' },
        ConsistentRead: true,
      });
      return items.map((item) => JSON.parse(String(item['result'])) as ScopeResult);
    },

    async unfinished(before) {
      const items = await queryAll({
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: 'gsi1pk = :g AND gsi1sk < :before',
        ExpressionAttributeValues: { ':g': 'RUNS-OPEN', ':before': before.toISOString() },
      });
      return items.map(toRun).filter((run) => run.digestAt === undefined);
    },

    async get(runId) {
      const item = await getItem(runKey(runId), 'RUN');
      return item ? toRun(item) : undefined;
    },

    ...createRunHistory(table),
  };
  return runs;
}
