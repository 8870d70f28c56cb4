import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChangeRecord } from '../../model/change.ts';
import { groupKeyOf } from '../../model/change.ts';
import type { ChangeStore } from '../../ports/changes.ts';
import { compareRecords } from '../changes.ts';
import { checkChangeId, TABLE_KEYS } from './table.ts';
import type { Item, Table } from './table.ts';

// Change records: `CHANGES` / `CHANGE#<changeId>`, by group in gsi1 (`GROUP#<p/a/r/group>`, newest last).

/** Change records above this size (UTF-8 JSON) are stored gzipped: a DynamoDB item holds 400 KB. */
const CHANGE_INLINE_LIMIT = 100 * 1024;
const CHANGE_MAX_BYTES = 390 * 1024;

function encodeChange(record: ChangeRecord): Item {
  const json = JSON.stringify(record);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= CHANGE_INLINE_LIMIT) return { record: json };
  const zipped = gzipSync(json);
  if (zipped.length > CHANGE_MAX_BYTES) {
    throw new Error(
      `change record ${record.changeId} is too large for DynamoDB: ${bytes} bytes, ${zipped.length} gzipped`,
    );
  }
  return { recordGz: new Uint8Array(zipped) };
}

function decodeChange(item: Item): ChangeRecord {
  const text =
    typeof item['record'] === 'string' ? item['record'] : gunzipSync(item['recordGz'] as Uint8Array).toString('utf8');
  try {
    return JSON.parse(text) as ChangeRecord;
  } catch (error) {
    throw new Error(`change record ${String(item['changeId'])} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export function createDynamoChangeStore(table: Table): ChangeStore {
  const { client, getItem, queryAll } = table;
  return {
    async save(record) {
      checkChangeId(record.changeId);
      const groupKey = groupKeyOf(record.plan.target);
      await client.send(
        new PutCommand({
          TableName: table.name,
          Item: {
            pk: 'CHANGES',
            sk: `CHANGE#${record.changeId}`,
            type: 'change',
            changeId: record.changeId,
            kind: record.kind,
            status: record.status,
            ...(record.inProgress ? { inProgress: true } : {}),
            actor: record.actor,
            at: record.at,
            planId: record.plan.id,
            fingerprint: record.plan.finding.fingerprint,
            groupKey,
            ...encodeChange(record),
            gsi1pk: `GROUP#${groupKey}`,
            gsi1sk: `${record.at}#${record.changeId}`,
          },
        }),
      );
    },

    async get(changeId) {
      checkChangeId(changeId);
      const item = await getItem('CHANGES', `CHANGE#${changeId}`);
      return item ? decodeChange(item) : undefined;
    },

    async list() {
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'CHANGES', ':prefix': 'CHANGE#' },
        ConsistentRead: true,
      });
      return items.map(decodeChange).sort(compareRecords);
    },

    async latestFor(groupKey) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: TABLE_KEYS.gsi1,
          KeyConditionExpression: 'gsi1pk = :g',
          ExpressionAttributeValues: { ':g': `GROUP#${groupKey}` },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      const item = Items?.[0];
      return item ? decodeChange(item) : undefined;
    },
  };
}
