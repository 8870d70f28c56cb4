import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isRecord } from '../../lib/record.ts';
import { severityCounts } from '../../model/severity.ts';
import type { RunHistoryEntry } from '../../model/run-history.ts';
import type { RunStore } from '../state.ts';
import { epochSeconds, required } from './table.ts';
import type { Item, Table } from './table.ts';

// The posture chart's history: one small item per scheduled run, `RUN-HISTORY` / `<startedAt>#<runId>`, read newest first.

export const RUN_HISTORY_PK = 'RUN-HISTORY';
/** Longer than 30 runs of any schedule up to weekly; an item is a few hundred bytes. */
const HISTORY_TTL_DAYS = 400;

const severities = (value: unknown) => severityCounts(isRecord(value) ? value : {});

function toEntry(item: Item): RunHistoryEntry {
  return {
    runId: String(item['runId']),
    startedAt: String(item['startedAt']),
    open: severities(item['open']),
    suppressed: severities(item['suppressed']),
    new: Number(item['new'] ?? 0),
    resolved: Number(item['resolved'] ?? 0),
    partial: item['partial'] === true,
  };
}

export function createRunHistory(table: Table): Pick<RunStore, 'recordHistory' | 'history'> {
  return {
    async recordHistory(entry, now) {
      await table.client.send(
        new PutCommand({
          TableName: table.name,
          Item: {
            pk: RUN_HISTORY_PK,
            sk: `${required(entry.startedAt, 'run start')}#${required(entry.runId, 'run id')}`,
            type: 'run-history',
            ...entry,
            expiresAt: epochSeconds(now) + HISTORY_TTL_DAYS * 86_400,
          },
        }),
      );
    },

    async history(limit) {
      if (!(limit >= 1)) return [];
      // One page: the newest `limit` items (queryAll would read on past the limit).
      const page = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': RUN_HISTORY_PK },
          ScanIndexForward: false,
          Limit: Math.floor(limit),
          ConsistentRead: true,
        }),
      );
      return ((page.Items ?? []) as Item[]).map(toEntry).reverse();
    },
  };
}
