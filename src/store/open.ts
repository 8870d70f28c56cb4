import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import { createDynamoStateStore, ensureTable } from './dynamo.ts';
import type { StateStore } from './state.ts';

// The state store as the environment says: the DynamoDB table WARDEN_TABLE (at
// WARDEN_DYNAMODB_ENDPOINT, if set). Deployed functions always have WARDEN_TABLE (serverless.yml)
// and refuse to start without it. Only `npm run dev` and tests pass `startEmbedded`
// (src/store/embedded.ts: dynalite, a devDependency) to run without any table.

export interface OpenOptions {
  /** Create the table when it is missing. */
  ensure?: boolean;
  /** With no WARDEN_TABLE: a DynamoDB started in this process (dev and tests only). */
  startEmbedded?: () => Promise<{ server: Server; endpoint: string }>;
}

export interface OpenedStore {
  store: StateStore;
  tableName: string;
  /** The DynamoDB endpoint when not AWS's own (dynalite's, or WARDEN_DYNAMODB_ENDPOINT). */
  endpoint?: string;
  /** true: dynalite in this process; its state is lost when the process ends. */
  embedded: boolean;
  /** Whether `ensureTable` created the table now. */
  created: boolean;
  close(): Promise<void>;
}

/** Opens the store; throws one line naming what failed (the table, or dynalite). */
export async function openStateStore(env: NodeJS.ProcessEnv, options: OpenOptions = {}): Promise<OpenedStore> {
  const configuredTable = env['WARDEN_TABLE']?.trim() || undefined;
  const startEmbedded = options.startEmbedded;
  if (!configuredTable && !startEmbedded)
    throw new Error(
      "WARDEN_TABLE is not set: the DynamoDB table for Warden's state is required (an in-memory store is only for `npm run dev` and tests)",
    );
  const tableName = configuredTable ?? 'warden-local';
  let endpoint: string | undefined = configuredTable ? env['WARDEN_DYNAMODB_ENDPOINT']?.trim() || undefined : undefined;
  let close = async (): Promise<void> => undefined;
  if (!configuredTable && startEmbedded) {
    let started;
    try {
      started = await startEmbedded();
    } catch (error) {
      throw new Error(
        `cannot start the in-memory DynamoDB (dynalite): ${(error as Error).message}; or set WARDEN_TABLE to use a real table`,
        { cause: error },
      );
    }
    endpoint = started.endpoint;
    close = () => new Promise<void>((resolve) => started.server.close(() => resolve()));
  }
  const embedded = !configuredTable;
  // A local DynamoDB accepts any credentials; the SDK still needs some, and a region.
  const local =
    embedded || (endpoint && !env['AWS_ACCESS_KEY_ID'] && !env['AWS_PROFILE'])
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {};
  const region = embedded
    ? 'eu-west-1'
    : (env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? (endpoint ? 'eu-west-1' : undefined));
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}), ...local }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  let created = false;
  if (embedded || options.ensure) {
    try {
      created = (await ensureTable(client, tableName)).created;
    } catch (error) {
      await close();
      throw new Error(
        `cannot use DynamoDB table ${tableName}${endpoint ? ` at ${endpoint}` : ''}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return {
    store: createDynamoStateStore({ tableName, client }),
    tableName,
    ...(endpoint ? { endpoint } : {}),
    embedded,
    created,
    close,
  };
}
