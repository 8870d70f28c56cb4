import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../lib/pool.ts';
import { isRecord } from '../lib/record.ts';
import type { ExposureMeasure, Finding } from '../model/types.ts';
import type { ChangeRecord } from '../model/change.ts';
import { groupKeyOf } from '../model/change.ts';
import type { ChangeStore } from '../ports/changes.ts';
import { APPROVAL_TRANSITIONS, ENDED_APPROVAL_STATUSES, findingSuppressionOf, scopeKeyOf } from './state.ts';
import type {
  Approval,
  ApprovalRequest,
  ApprovalStore,
  ApproveResult,
  AuditEntry,
  AuditLog,
  FindingState,
  FindingStatus,
  FindingStore,
  FindingSuppression,
  IdempotencyStore,
  Run,
  RunStore,
  ScopeResult,
  SeenResult,
  StateStore,
  Suppression,
  SuppressionRequestPayload,
  SuppressionKind,
  SuppressionStore,
  SuppressionTarget,
} from './state.ts';

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

export const TABLE_KEYS = { pk: 'pk', sk: 'sk', gsi1: 'gsi1', gsi1pk: 'gsi1pk', gsi1sk: 'gsi1sk', ttl: 'expiresAt' } as const;

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

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

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
    if (Date.now() > deadline) throw new Error(`table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 60_000} ms (${Table?.TableStatus})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const described = await send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = described.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return { created, ttl: 'enabled' };
  try {
    await send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { ...TimeToLiveSpecification } }));
    return { created, ttl: 'enabled' };
  } catch (error) {
    if (errorName(error) === 'UnknownOperationException') return { created, ttl: 'unsupported' };
    throw error;
  }
}

export interface DynamoStateStoreOptions {
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

type Item = Record<string, unknown>;

const MAX_APPROVE_ATTEMPTS = 8;
/** Change records above this size (UTF-8 JSON) are stored gzipped: a DynamoDB item holds 400 KB. */
const CHANGE_INLINE_LIMIT = 100 * 1024;
const CHANGE_MAX_BYTES = 390 * 1024;
const CHANGE_ID = /^chg-[0-9A-Za-z.-]+$/;
const MAX_AUDIT_DAYS = 400;
const RUN_TTL_DAYS = 30;
/** A scope's result item stays well under DynamoDB's 400 KB; beyond this its finding lists are dropped (the counts stay). */
const RUN_SCOPE_MAX_BYTES = 300 * 1024;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

function required(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  return value;
}

function checkChangeId(changeId: string): void {
  if (!CHANGE_ID.test(changeId) || changeId.includes('..')) throw new Error(`not a change id: ${JSON.stringify(changeId)}`);
}

function compareRecords(a: ChangeRecord, b: ChangeRecord): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.changeId < b.changeId ? -1 : a.changeId > b.changeId ? 1 : 0;
}

function suppressionKey(target: SuppressionTarget): string {
  if ('fingerprint' in target) return `FINDING#${required(target.fingerprint, 'suppression target fingerprint')}`;
  return `CHECK#${required(target.check, 'suppression target check')}`;
}

function toFindingState(item: Item): FindingState {
  const state: FindingState = {
    fingerprint: item['fingerprint'] as string,
    scope: item['scope'] as string,
    finding: item['finding'] as Finding,
    firstSeen: item['firstSeen'] as string,
    lastSeen: item['lastSeen'] as string,
    status: item['status'] as FindingState['status'],
  };
  if (typeof item['resolvedAt'] === 'string') state.resolvedAt = item['resolvedAt'];
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
  return a !== undefined && a.kind === b.kind && a.by === b.by && a.until === b.until && a.reason === b.reason && a.check === b.check;
}

function toSuppression(item: Item): Suppression {
  return {
    target: item['target'] as SuppressionTarget,
    by: item['by'] as string,
    reason: item['reason'] as string,
    at: item['at'] as string,
    until: item['until'] as string,
    ...(item['accepted'] ? { accepted: item['accepted'] as ExposureMeasure } : {}),
    ...(typeof item['kind'] === 'string' ? { kind: item['kind'] as SuppressionKind } : {}),
    ...(typeof item['revokedBy'] === 'string' ? { revokedBy: item['revokedBy'], revokedAt: item['revokedAt'] as string } : {}),
  };
}

function toApproval(item: Item): ApprovalRequest {
  const request: ApprovalRequest = {
    id: item['id'] as string,
    planId: item['planId'] as string,
    fingerprint: item['fingerprint'] as string,
    requester: item['requester'] as string,
    required: item['required'] as number,
    requesterMayApprove: item['requesterMayApprove'] === true,
    status: item['status'] as ApprovalRequest['status'],
    approvals: (item['approvals'] as Approval[] | undefined) ?? [],
    createdAt: item['createdAt'] as string,
    generation: typeof item['generation'] === 'number' ? item['generation'] : 1,
    version: item['version'] as number,
  };
  if (typeof item['rejectedBy'] === 'string') request.rejectedBy = item['rejectedBy'];
  if (typeof item['approvedAt'] === 'string') request.approvedAt = item['approvedAt'];
  if (typeof item['changeId'] === 'string') request.changeId = item['changeId'];
  if (typeof item['updatedAt'] === 'string') request.updatedAt = item['updatedAt'];
  if (isRecord(item['suppression'])) request.suppression = item['suppression'] as unknown as SuppressionRequestPayload;
  return request;
}

function toAuditEntry(item: Item): AuditEntry {
  const entry: AuditEntry = {
    id: item['sk'] as string,
    at: item['at'] as string,
    actor: item['actor'] as string,
    action: item['action'] as string,
    target: item['target'] as string,
    outcome: item['outcome'] as string,
  };
  if (typeof item['detail'] === 'string') entry.detail = item['detail'];
  return entry;
}

function encodeChange(record: ChangeRecord): Item {
  const json = JSON.stringify(record);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= CHANGE_INLINE_LIMIT) return { record: json };
  const zipped = gzipSync(json);
  if (zipped.length > CHANGE_MAX_BYTES) {
    throw new Error(`change record ${record.changeId} is too large for DynamoDB: ${bytes} bytes, ${zipped.length} gzipped`);
  }
  return { recordGz: new Uint8Array(zipped) };
}

function decodeChange(item: Item): ChangeRecord {
  const text = typeof item['record'] === 'string' ? item['record'] : gunzipSync(item['recordGz'] as Uint8Array).toString('utf8');
  try {
    return JSON.parse(text) as ChangeRecord;
  } catch (error) {
    throw new Error(`change record ${String(item['changeId'])} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Per-process order for entries written in the same millisecond. */
let auditSequence = 0;

export function createDynamoStateStore(options: DynamoStateStoreOptions = {}): StateStore & { tableName: string; client: DynamoDBDocumentClient } {
  const tableName = options.tableName ?? tableNameFromEnv();
  const client =
    options.client ??
    DynamoDBDocumentClient.from(new DynamoDBClient({ ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.region ? { region: options.region } : {}) }), {
      marshallOptions: { removeUndefinedValues: true },
    });
  const clock = options.now ?? (() => new Date());
  const concurrency = Math.max(1, options.concurrency ?? 16);

  async function getItem(pk: string, sk: string): Promise<Item | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }));
    return Item;
  }

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new QueryCommand({ ...input, TableName: tableName, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }));
      items.push(...((page.Items ?? []) as Item[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  // --- findings -------------------------------------------------------------------------------

  const findings: FindingStore = {
    async recordSeen(list, now, completeScopes, suppressedList = []): Promise<SeenResult> {
      const at = now.toISOString();
      // The run's findings, each with the suppression that hides it (if any); a fingerprint given twice counts once, suppressed last.
      const seenNow = [...list.map((finding) => ({ finding, suppression: undefined as FindingSuppression | undefined })), ...suppressedList.map((s) => ({ finding: s.finding, suppression: findingSuppressionOf(s.suppression) }))];
      const unique = [...new Map(seenNow.map((s) => [required(s.finding.fingerprint, 'finding fingerprint'), s])).values()];
      const result: SeenResult = { new: [], open: [], reopened: [], resolved: [], suppressed: [], unsuppressed: [] };

      const upserts = await mapLimit(unique, concurrency, async ({ finding, suppression }): Promise<Seen | undefined> => {
        const scope = scopeKeyOf(finding);
        const status: FindingStatus = suppression ? 'suppressed' : 'open';
        try {
          const { Attributes: old } = await client.send(
            new UpdateCommand({
              TableName: tableName,
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
            }),
          );
          const before = old ?? (finding.legacyFingerprint ? await takeOverLegacy(finding) : undefined);
          const state: FindingState = { fingerprint: finding.fingerprint, scope, finding, firstSeen: (before?.['firstSeen'] as string | undefined) ?? at, lastSeen: at, status };
          if (before?.['message']) state.message = before['message'] as NonNullable<FindingState['message']>;
          const was = before?.['suppression'] as FindingSuppression | undefined;
          if (suppression) {
            state.suppression = suppression;
            return { kind: 'suppressed', state, changed: before?.['status'] !== 'suppressed' || !sameSuppression(was, suppression) };
          }
          if (before?.['status'] === 'suppressed' && was) return { kind: 'unsuppressed', state, ended: was };
          return { kind: !before ? 'new' : before['status'] === 'resolved' ? 'reopened' : 'open', state };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          // A newer run recorded it already: it is known, as that run left it.
          const item = await getItem(`FINDING#${finding.fingerprint}`, 'FINDING');
          if (!item) return undefined;
          const state = toFindingState(item);
          return state.status === 'suppressed' ? { kind: 'suppressed', state, changed: false } : { kind: 'open', state };
        }
      });
      for (const seen of upserts) {
        if (seen === undefined) continue;
        if (seen.kind === 'suppressed') result.suppressed.push({ state: seen.state, changed: seen.changed });
        else if (seen.kind === 'unsuppressed') result.unsuppressed.push({ state: seen.state, ended: seen.ended });
        else result[seen.kind].push(seen.state);
      }

      const seen = new Set(unique.flatMap(({ finding: f }) => (f.legacyFingerprint ? [f.fingerprint, f.legacyFingerprint] : [f.fingerprint])));
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
        return groups === 'all' || (groups !== undefined && groups.has((item['finding'] as Finding | undefined)?.groupId ?? ''));
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
        try {
          const { Attributes } = await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: item['pk'], sk: item['sk'] },
              UpdateExpression: 'SET #status = :resolved, resolvedAt = :now REMOVE gsi1pk, gsi1sk, suppression',
              ConditionExpression: '#status IN (:open, :suppressed) AND lastSeen < :now',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':suppressed': 'suppressed', ':now': at },
              ReturnValues: 'ALL_NEW',
            }),
          );
          return Attributes ? toFindingState(Attributes) : undefined;
        } catch (error) {
          // Resolved already, or seen again meanwhile by a newer run (the index was stale).
          if (isConditionFailure(error)) return undefined;
          throw error;
        }
      });
      result.resolved = resolved.filter((s): s is FindingState => s !== undefined).sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
      return result;
    },

    async markPosted(fingerprint, channel, ts, now = clock()) {
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `FINDING#${required(fingerprint, 'fingerprint')}`, sk: 'FINDING' },
            UpdateExpression: 'SET message = :m',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':m': { channel: required(channel, 'channel'), ts: required(ts, 'message ts'), postedAt: now.toISOString() } },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toFindingState(Attributes as Item);
      } catch (error) {
        if (isConditionFailure(error)) throw new Error(`no finding with fingerprint ${fingerprint} has been recorded`, { cause: error });
        throw error;
      }
    },

    async get(fingerprint) {
      const item = await getItem(`FINDING#${required(fingerprint, 'fingerprint')}`, 'FINDING');
      const alias = item?.['aliasOf'];
      if (typeof alias !== 'string') return item ? toFindingState(item) : undefined;
      const target = await getItem(`FINDING#${alias}`, 'FINDING');
      return target ? toFindingState(target) : undefined;
    },
  };

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
        TableName: tableName,
        Key: { pk: `FINDING#${finding.fingerprint}`, sk: 'FINDING' },
        UpdateExpression: `SET firstSeen = :first${message ? ', message = :m' : ''}`,
        ExpressionAttributeValues: { ':first': legacy['firstSeen'], ...(message ? { ':m': message } : {}) },
      }),
    );
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: legacyKey,
        UpdateExpression: 'SET aliasOf = :fp, #status = :moved REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':fp': finding.fingerprint, ':moved': 'moved' },
      }),
    );
    return legacy;
  }

  // --- suppressions ---------------------------------------------------------------------------

  const suppressions: SuppressionStore = {
    async suppress({ target, kind, by, reason, until, now = clock() }) {
      if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) throw new Error(`a suppression must end in the future (until ${until.toISOString()})`);
      // A finding is suppressed under its current fingerprint (an old button may name a legacy one), with what it exposes.
      const known = 'fingerprint' in target ? await findings.get(required(target.fingerprint, 'suppression target fingerprint')) : undefined;
      const suppression: Suppression = {
        target: 'fingerprint' in target ? { fingerprint: known?.fingerprint ?? target.fingerprint } : { check: target.check },
        ...(kind ? { kind } : {}),
        by: required(by, 'by'),
        reason: required(reason, 'reason'),
        at: now.toISOString(),
        until: until.toISOString(),
        ...(known?.finding.exposure ? { accepted: known.finding.exposure } : {}),
      };
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: 'SUPPRESSION', sk: suppressionKey(suppression.target), type: 'suppression', ...suppression, expiresAt: Math.ceil(until.getTime() / 1000) },
        }),
      );
      return suppression;
    },

    async activeSuppressions(now) {
      // TTL deletion is lazy: expired items may still be there, so expiry is checked here too.
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'expiresAt > :nowSeconds',
        ExpressionAttributeValues: { ':pk': 'SUPPRESSION', ':nowSeconds': epochSeconds(now) },
        ConsistentRead: true,
      });
      return items.map(toSuppression).filter((s) => Date.parse(s.until) > now.getTime() && s.revokedBy === undefined);
    },

    async revoke({ target, by, now }) {
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: 'SUPPRESSION', sk: suppressionKey(target) },
            UpdateExpression: 'SET revokedBy = :by, revokedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedBy) AND #until > :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':by': required(by, 'by'), ':now': now.toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ? toSuppression(Attributes) : undefined;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async isSuppressed(finding, now) {
      const targets: SuppressionTarget[] = [{ fingerprint: finding.fingerprint }, { check: finding.check }];
      if (finding.legacyFingerprint) targets.push({ fingerprint: finding.legacyFingerprint });
      const items = await Promise.all(targets.map((target) => getItem('SUPPRESSION', suppressionKey(target))));
      return items.some((item) => item !== undefined && Date.parse(item['until'] as string) > now.getTime() && item['revokedBy'] === undefined);
    },
  };

  // --- approvals ------------------------------------------------------------------------------

  /**
   * Starts `existing` (an ended request) again as `fresh` under its next generation, conditional on the version
   * read; of two proposals at once the one that loses reads the winner's generation.
   */
  async function nextGeneration(existing: ApprovalRequest, fresh: ApprovalRequest): Promise<ApprovalRequest> {
    const request: ApprovalRequest = { ...fresh, generation: existing.generation + 1, version: existing.version + 1 };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `APPROVAL#${request.id}`, sk: 'APPROVAL', type: 'approval', ...request },
          ConditionExpression: 'version = :read',
          ExpressionAttributeValues: { ':read': existing.version },
        }),
      );
      return request;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const winner = await approvals.get(request.id);
      if (!winner) throw error;
      return winner;
    }
  }

  /**
   * Makes `id` the finding's current fix request, and marks the one it replaces `superseded` while that one is
   * still pending or approved (an apply already claimed goes on; its result is recorded under its own id).
   */
  async function supersedeEarlier(fingerprint: string, id: string, now: Date): Promise<void> {
    const key = { pk: `APPROVAL#finding#${fingerprint}`, sk: 'CURRENT' };
    const current = await getItem(key.pk, key.sk);
    const earlier = typeof current?.['id'] === 'string' ? current['id'] : undefined;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...key, type: 'approval-current', id, at: now.toISOString() } }));
    if (earlier === undefined || earlier === id) return;
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `APPROVAL#${earlier}`, sk: 'APPROVAL' },
          UpdateExpression: 'SET #status = :superseded, updatedAt = :now, version = version + :one',
          ConditionExpression: '#status IN (:pending, :approved)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':superseded': 'superseded', ':now': now.toISOString(), ':one': 1, ':pending': 'pending', ':approved': 'approved' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  const approvals: ApprovalStore = {
    async requestApproval({ id, planId, fingerprint, requester, required: needed, requesterMayApprove = false, suppression, now = clock() }) {
      if (!Number.isInteger(needed) || needed < 1) throw new Error(`required approvals must be a whole number of at least 1, not ${needed}`);
      const request: ApprovalRequest = {
        id: required(id, 'approval id'),
        planId: required(planId, 'planId'),
        fingerprint: required(fingerprint, 'fingerprint'),
        requester: required(requester, 'requester'),
        required: needed,
        requesterMayApprove,
        status: 'pending',
        approvals: [],
        createdAt: now.toISOString(),
        ...(suppression ? { suppression } : {}),
        generation: 1,
        version: 1,
      };
      let made: ApprovalRequest;
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `APPROVAL#${id}`, sk: 'APPROVAL', type: 'approval', ...request },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        made = request;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const existing = await approvals.get(id);
        if (!existing) throw error;
        if (existing.planId !== planId || existing.fingerprint !== fingerprint) {
          throw new Error(`approval request ${id} exists for another plan`, { cause: error });
        }
        if (!ENDED_APPROVAL_STATUSES.includes(existing.status)) return existing;
        made = await nextGeneration(existing, request);
      }
      if (id === planId && !suppression) await supersedeEarlier(fingerprint, id, now);
      return made;
    },

    async reject({ id, by, now }) {
      required(by, 'rejecter');
      for (let attempt = 0; attempt < MAX_APPROVE_ATTEMPTS; attempt++) {
        const request = await approvals.get(id);
        if (!request) return { outcome: 'refused', status: undefined };
        if (request.status !== 'pending' && request.status !== 'approved') return { outcome: 'refused', status: request.status };
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: `APPROVAL#${id}`, sk: 'APPROVAL' },
              UpdateExpression: 'SET #status = :rejected, rejectedBy = :by, updatedAt = :now, version = :next',
              ConditionExpression: 'version = :read',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':rejected': 'rejected', ':by': by, ':now': now.toISOString(), ':next': request.version + 1, ':read': request.version },
            }),
          );
          return { outcome: 'rejected', status: 'rejected' };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      throw new Error(`approval ${id}: gave up after ${MAX_APPROVE_ATTEMPTS} concurrent updates`);
    },

    async approve({ id, approver, now }): Promise<ApproveResult> {
      required(approver, 'approver');
      for (let attempt = 0; attempt < MAX_APPROVE_ATTEMPTS; attempt++) {
        const request = await approvals.get(id);
        if (!request) return { outcome: 'refused', reason: 'not-found', status: undefined, approvals: [], required: 0 };
        const refuse = (reason: NonNullable<ApproveResult['reason']>): ApproveResult => ({
          outcome: 'refused',
          reason,
          status: request.status,
          approvals: request.approvals,
          required: request.required,
        });
        if (approver === request.requester && !request.requesterMayApprove) return refuse('requester');
        if (request.status !== 'pending') return refuse('not-pending');
        if (request.approvals.some((a) => a.approver === approver)) return refuse('duplicate');

        const next = [...request.approvals, { approver, at: now.toISOString() }];
        const status = next.length >= request.required ? 'approved' : 'pending';
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: `APPROVAL#${id}`, sk: 'APPROVAL' },
              UpdateExpression: `SET approvals = :approvals, #status = :status, version = :next${status === 'approved' ? ', approvedAt = :now' : ''}`,
              ConditionExpression: 'version = :read AND #status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':approvals': next,
                ':status': status,
                ':next': request.version + 1,
                ':read': request.version,
                ':pending': 'pending',
                ...(status === 'approved' ? { ':now': now.toISOString() } : {}),
              },
            }),
          );
          return { outcome: status === 'approved' ? 'approved' : 'recorded', status, approvals: next, required: request.required };
        } catch (error) {
          // Someone else changed it between our read and our write: read again and decide again.
          if (!isConditionFailure(error)) throw error;
        }
      }
      throw new Error(`approval ${id}: gave up after ${MAX_APPROVE_ATTEMPTS} concurrent updates`);
    },

    async transition({ id, from, to, changeId, version, now }) {
      required(id, 'approval id');
      if (!(APPROVAL_TRANSITIONS[from] ?? []).includes(to)) throw new Error(`approval ${id}: ${from} → ${to} is not a transition`);
      if (changeId !== undefined) checkChangeId(changeId);
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `APPROVAL#${id}`, sk: 'APPROVAL' },
            UpdateExpression: `SET #status = :to, version = version + :one, updatedAt = :now${changeId !== undefined ? ', changeId = :changeId' : ''}`,
            ConditionExpression: `attribute_exists(pk) AND #status = :from${version !== undefined ? ' AND version = :version' : ''}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': to,
              ':from': from,
              ':one': 1,
              ...(version !== undefined ? { ':version': version } : {}),
              ':now': now.toISOString(),
              ...(changeId !== undefined ? { ':changeId': changeId } : {}),
            },
          }),
        );
        return true;
      } catch (error) {
        // Not in `from` (any more): another caller made this step, or a later one, first.
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async get(id) {
      const item = await getItem(`APPROVAL#${required(id, 'approval id')}`, 'APPROVAL');
      return item ? toApproval(item) : undefined;
    },
  };

  // --- audit ----------------------------------------------------------------------------------

  const audit: AuditLog = {
    async log(input) {
      const at = input.at.toISOString();
      const id = `${at}#${(auditSequence++ % 1e9).toString().padStart(9, '0')}#${randomBytes(3).toString('hex')}`;
      const entry: AuditEntry = {
        id,
        at,
        actor: required(input.actor, 'actor'),
        action: required(input.action, 'action'),
        target: required(input.target, 'target'),
        outcome: required(input.outcome, 'outcome'),
      };
      if (input.detail !== undefined) entry.detail = input.detail;
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `AUDIT#${at.slice(0, 10)}`, sk: id, type: 'audit', ...entry, gsi1pk: `TARGET#${entry.target}`, gsi1sk: id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return entry;
    },

    async entries({ from, to }) {
      if (!(from.getTime() < to.getTime())) return [];
      const days: string[] = [];
      for (let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); day < to.getTime(); day += 86_400_000) {
        days.push(new Date(day).toISOString().slice(0, 10));
      }
      if (days.length > MAX_AUDIT_DAYS) throw new Error(`audit range spans ${days.length} days; at most ${MAX_AUDIT_DAYS} per call`);
      const pages = await mapLimit(days, concurrency, (day) =>
        queryAll({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // `to` is exclusive: every id at `to` starts with `<to>#`, which sorts after `<to>` itself.
          ExpressionAttributeValues: { ':pk': `AUDIT#${day}`, ':from': from.toISOString(), ':to': to.toISOString() },
          ConsistentRead: true,
        }),
      );
      return pages.flat().map(toAuditEntry);
    },

    async forTarget(target) {
      const items = await queryAll({
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: 'gsi1pk = :g',
        ExpressionAttributeValues: { ':g': `TARGET#${required(target, 'target')}` },
      });
      return items.map(toAuditEntry);
    },
  };

  // --- idempotency ----------------------------------------------------------------------------

  const idempotency: IdempotencyStore = {
    async claim(requestId, ttlSeconds, now = clock()) {
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new Error(`ttlSeconds must be positive, not ${ttlSeconds}`);
      const nowSeconds = epochSeconds(now);
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `REQUEST#${required(requestId, 'request id')}`, sk: 'REQUEST', type: 'request', claimedAt: now.toISOString(), expiresAt: nowSeconds + Math.ceil(ttlSeconds) },
            // An expired claim may linger until TTL deletes it: it no longer counts.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async release(requestId, now = clock()) {
      try {
        // Expired as of now (not deleted: only Put/Update are granted on REQUEST# items); TTL removes it.
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: `REQUEST#${required(requestId, 'request id')}`, sk: 'REQUEST' },
            UpdateExpression: 'SET expiresAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':now': epochSeconds(now) },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };

  // --- change records -------------------------------------------------------------------------

  const changes: ChangeStore = {
    async save(record) {
      checkChangeId(record.changeId);
      const groupKey = groupKeyOf(record.plan.target);
      await client.send(
        new PutCommand({
          TableName: tableName,
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
          TableName: tableName,
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

  // --- runs -----------------------------------------------------------------------------------

  const runKey = (runId: string) => `RUN#${required(runId, 'run id')}`;
  const runTtl = (now: Date) => epochSeconds(now) + RUN_TTL_DAYS * 86_400;

  const runs: RunStore = {
    async start({ runId, expected, channel, trigger, now }) {
      const run: Run = { runId, expected, done: 0, trigger, startedAt: now.toISOString(), ...(channel ? { channel } : {}) };
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            // gsi1 holds the runs whose digest is not posted yet (claimDigest removes it: a sparse index).
            Item: { pk: runKey(runId), sk: 'RUN', type: 'run', ...run, gsi1pk: 'RUNS-OPEN', gsi1sk: `${run.startedAt}#${runId}`, expiresAt: runTtl(now) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return run;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return (await runs.get(runId)) as Run;
      }
    },

    async recordScope(runId, result, now) {
      let encoded = JSON.stringify(result);
      if (encoded.length > RUN_SCOPE_MAX_BYTES) encoded = JSON.stringify({ ...result, new: [], resolved: [] });
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: runKey(runId), sk: `SCOPE#${scopeKeyOf(result.scope)}`, type: 'run-scope', result: encoded, at: now.toISOString(), expiresAt: runTtl(now) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return { counted: false, run: await runs.get(runId) };
      }
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: runKey(runId), sk: 'RUN' },
            UpdateExpression: 'ADD done :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { counted: true, run: Attributes ? toRun(Attributes) : undefined };
      } catch (error) {
        // A scope of a run that was never started (or expired): recorded, but there is nothing to count.
        if (isConditionFailure(error)) return { counted: true, run: undefined };
        throw error;
      }
    },

    async claimPostSlot(runId, max) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: runKey(runId), sk: 'RUN' },
            UpdateExpression: 'ADD posted :one',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(posted) OR posted < :max)',
            ExpressionAttributeValues: { ':one': 1, ':max': max },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async claimDigest(runId, now) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: runKey(runId), sk: 'RUN' },
            UpdateExpression: 'SET digestAt = :now REMOVE gsi1pk, gsi1sk',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(digestAt)',
            ExpressionAttributeValues: { ':now': now.toISOString() },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
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
  };

  return { tableName, client, runs, findings, suppressions, approvals, audit, idempotency, changes };
}

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
