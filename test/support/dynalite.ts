import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startEmbeddedDynamo } from '../../src/store/embedded.ts';

// dynalite (https://github.com/architect/dynalite): DynamoDB's API in this process, on LevelDB in
// memory, on a free loopback port for one test file. It speaks the real wire protocol (the SDK
// signs, dynalite checks the request shape, expressions and conditions), but it has no
// UpdateTimeToLive and no transactions, and it never deletes expired items.

export interface Dynalite {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A document client pointed at it (fake credentials, eu-west-1). */
  client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const { server, endpoint } = await startEmbeddedDynamo();
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
