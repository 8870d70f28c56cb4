import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StateStore } from './state.ts';
import { createApprovalStore } from './dynamo/approvals.ts';
import { createAuditTrail } from './dynamo/trail.ts';
import { createDynamoChangeStore } from './dynamo/changes.ts';
import { createFindingStore } from './dynamo/findings.ts';
import { createIdempotencyStore } from './dynamo/idempotency.ts';
import { createRunStore } from './dynamo/runs.ts';
import { createSuppressionStore } from './dynamo/suppressions.ts';
import { openTable } from './dynamo/table.ts';
import type { TableOptions } from './dynamo/table.ts';

// Warden's state on one DynamoDB table: the table, its key layout and `ensureTable` are in
// `dynamo/table.ts`; each store is a file of `dynamo/`, and every conditional write goes through
// `dynamo/conditional.ts`. This file puts them together.

export { ensureTable, TABLE_KEYS, TABLE_SCHEMA, tableNameFromEnv } from './dynamo/table.ts';
export type { EnsureTableResult } from './dynamo/table.ts';

export type DynamoStateStoreOptions = TableOptions;

export function createDynamoStateStore(
  options: DynamoStateStoreOptions = {},
): StateStore & { tableName: string; client: DynamoDBDocumentClient } {
  const table = openTable(options);
  const findings = createFindingStore(table);
  return {
    tableName: table.name,
    client: table.client,
    runs: createRunStore(table),
    findings,
    suppressions: createSuppressionStore(table, findings),
    approvals: createApprovalStore(table),
    trail: createAuditTrail(table),
    idempotency: createIdempotencyStore(table),
    changes: createDynamoChangeStore(table),
  };
}
