import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';

// Warden's state on one DynamoDB table (single-table design; DESIGN.md: state in DynamoDB).
//
//   entity        pk                        sk                       gsi1pk / gsi1sk (GSI `gsi1`)
//   finding       FINDING#<fingerprint>     FINDING                  SCOPE#<p/a/r> / <fingerprint>   only while open or suppressed (sparse)
//                 (a record under a legacy fingerprint, once taken over, holds only `aliasOf`: the fingerprint)
//   suppression   SUPPRESSION               FINDING#<fp> | CHECK#<id>
//   approval      APPROVAL#<id>             APPROVAL
//   audit entry   AUDIT#<yyyy-mm-dd>        <at>#<seq>               TARGET#<target> / <at>#<seq>
//   request id    REQUEST#<id>              REQUEST
//   change        CHANGES                   CHANGE#<changeId>        GROUP#<p/a/r/group> / <at>#<changeId>
//
// Every read on a hot path is a GetItem or a Query; nothing scans. `expiresAt` (epoch seconds) is
// the table's TTL attribute: suppressions and request ids carry it, and since DynamoDB deletes
// expired items lazily (typically within days) every read checks expiry itself as well.
//
// Consistency: items are read from the table with ConsistentRead. Two reads go through the GSI and
// are eventually consistent: the open findings of a scope (a finding resolved or opened a moment
// ago may be missed or shown stale; resolving is conditional on `status = open` and on `lastSeen`,
// so a stale index entry never resolves a finding twice or resolves one just seen, and one missed
// is resolved by the next run) and `changes.latestFor` (a change saved within the last second may
// not be the answer yet). `changes.get` and `changes.list` read the table and are consistent.

export const TABLE_KEYS = {
  pk: 'pk',
  sk: 'sk',
  gsi1: 'gsi1',
  gsi1pk: 'gsi1pk',
  gsi1sk: 'gsi1sk',
  ttl: 'expiresAt',
} as const;

/**
 * The table's definition, in the shape both `CreateTable` and CloudFormation's
 * `AWS::DynamoDB::Table` Properties take (add `TableName`): serverless.yml's resource reuses it.
 */
export const TABLE_SCHEMA = {
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: TABLE_KEYS.pk, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.sk, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.gsi1pk, AttributeType: 'S' },
    { AttributeName: TABLE_KEYS.gsi1sk, AttributeType: 'S' },
  ] satisfies AttributeDefinition[],
  KeySchema: [
    { AttributeName: TABLE_KEYS.pk, KeyType: 'HASH' },
    { AttributeName: TABLE_KEYS.sk, KeyType: 'RANGE' },
  ] satisfies KeySchemaElement[],
  GlobalSecondaryIndexes: [
    {
      IndexName: TABLE_KEYS.gsi1,
      KeySchema: [
        { AttributeName: TABLE_KEYS.gsi1pk, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.gsi1sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ] satisfies GlobalSecondaryIndex[],
  TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttl, Enabled: true },
} as const;

/** `$WARDEN_TABLE`; throws when it is not set. */
export function tableNameFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const name = env['WARDEN_TABLE']?.trim();
  if (!name) throw new Error('WARDEN_TABLE is not set: the DynamoDB table Warden keeps its state in');
  return name;
}

export interface EnsureTableResult {
  created: boolean;
  /** `unsupported` where the endpoint has no UpdateTimeToLive (dynalite): reads check expiry anyway. */
  ttl: 'enabled' | 'unsupported';
}

export function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

/**
 * For local and development use: creates the table as `TABLE_SCHEMA` says (unless it exists),
 * waits until it is ACTIVE, and turns TTL on `expiresAt` on. In production the table comes from
 * serverless.yml.
 */
export async function ensureTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<EnsureTableResult> {
  const send = client.send.bind(client) as DynamoDBClient['send'];
  const { TimeToLiveSpecification, ...create } = TABLE_SCHEMA;
  let created = false;
  try {
    await send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: create.BillingMode,
        AttributeDefinitions: [...create.AttributeDefinitions],
        KeySchema: [...create.KeySchema],
        GlobalSecondaryIndexes: create.GlobalSecondaryIndexes.map((gsi) => ({ ...gsi, KeySchema: [...gsi.KeySchema] })),
      }),
    );
    created = true;
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const { Table } = await send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    if (Date.now() > deadline)
      throw new Error(
        `table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 60_000} ms (${Table?.TableStatus})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const described = await send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = described.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return { created, ttl: 'enabled' };
  try {
    await send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { ...TimeToLiveSpecification } }),
    );
    return { created, ttl: 'enabled' };
  } catch (error) {
    if (errorName(error) === 'UnknownOperationException') return { created, ttl: 'unsupported' };
    throw error;
  }
}

export type Item = Record<string, unknown>;

/** The table as each store uses it: its client and name, the clock, and the two reads every store makes. */
export interface Table {
  name: string;
  client: DynamoDBDocumentClient;
  /** The clock for calls that take no `now`. */
  clock: () => Date;
  /** Parallel writes and queries a store call makes at most. */
  concurrency: number;
  /** One item, read consistently. */
  getItem(pk: string, sk: string): Promise<Item | undefined>;
  /** Every page of a query. */
  queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]>;
}

export interface TableOptions {
  /** Default: `$WARDEN_TABLE`. */
  tableName?: string;
  /** A document client to use; else one is made for `endpoint` (or the SDK's default endpoint). */
  client?: DynamoDBDocumentClient;
  endpoint?: string;
  region?: string;
  /** The clock for calls that take no `now`. */
  now?: () => Date;
  /** Parallel writes in `recordSeen` (default 16). */
  concurrency?: number;
}

export function openTable(options: TableOptions = {}): Table {
  const name = options.tableName ?? tableNameFromEnv();
  const client =
    options.client ??
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.region ? { region: options.region } : {}),
      }),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    );
  return {
    name,
    client,
    clock: options.now ?? (() => new Date()),
    concurrency: Math.max(1, options.concurrency ?? 16),

    async getItem(pk, sk) {
      const { Item } = await client.send(new GetCommand({ TableName: name, Key: { pk, sk }, ConsistentRead: true }));
      return Item;
    },

    async queryAll(input) {
      const items: Item[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({ ...input, TableName: name, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
        );
        items.push(...((page.Items ?? []) as Item[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    },
  };
}

/** The named attributes of an item, as the store wrote them: strings. */
export function stringsOf<const K extends string>(item: Item, names: readonly K[]): Record<K, string> {
  return Object.fromEntries(names.map((name) => [name, item[name]])) as Record<K, string>;
}

/** The named attributes of an item that are strings; the others (absent ones) are left out. */
export function optionalStringsOf<const K extends string>(item: Item, names: readonly K[]): Partial<Record<K, string>> {
  return Object.fromEntries(
    names.flatMap((name) => (typeof item[name] === 'string' ? [[name, item[name]]] : [])),
  ) as Partial<Record<K, string>>;
}

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function required(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}

const CHANGE_ID = /^chg-[0-9A-Za-z.-]+$/;

export function checkChangeId(changeId: string): void {
  if (!CHANGE_ID.test(changeId) || changeId.includes('..'))
    throw new Error(`not a change id: ${JSON.stringify(changeId)}`);
}
