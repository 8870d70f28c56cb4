import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// dynalite (https://github.com/architect/dynalite): DynamoDB's API in this process, on LevelDB in
// memory, on a free loopback port for one test file. It speaks the real wire protocol (the SDK
// signs, dynalite checks the request shape, expressions and conditions), but it has no
// UpdateTimeToLive and no transactions, and it never deletes expired items.

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no types: load it through require, typed here.
const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;

export interface Dynalite {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A document client pointed at it (fake credentials, eu-west-1). */
  client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('dynalite did not report its port'));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const base = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      base.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
