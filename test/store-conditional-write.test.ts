import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoStateStore } from '../src/store/dynamo.ts';
import { writeIf } from '../src/store/dynamo/conditional.ts';

// The one conditional write of the DynamoDB store, without a table: a client whose `send` answers
// as DynamoDB does. A lost condition is an outcome (`written: false`), never an error; anything
// else DynamoDB says is thrown.

function failure(name: string): Error {
  return Object.assign(new Error(`${name} from the fake`), { name });
}

/** A document client whose every `send` is answered by `answer`; what it was sent is in `sent`. */
function fakeClient(answer: (command: object) => unknown): { client: DynamoDBDocumentClient; sent: object[] } {
  const sent: object[] = [];
  const client = {
    send: async (command: object) => {
      sent.push(command);
      const result = answer(command);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, sent };
}

describe('writeIf: one conditional write for every store', () => {
  it('puts an item on the table named, and says it was written', async () => {
    const { client, sent } = fakeClient(() => ({}));
    const outcome = await writeIf(
      { name: 'warden-t', client },
      { Item: { pk: 'RUN#r1', sk: 'RUN' }, ConditionExpression: 'attribute_not_exists(pk)' },
    );
    expect(outcome).toEqual({ written: true, item: undefined });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(PutCommand);
    expect((sent[0] as PutCommand).input).toEqual({
      TableName: 'warden-t',
      Item: { pk: 'RUN#r1', sk: 'RUN' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('updates an item and hands back what the write returned', async () => {
    const { client, sent } = fakeClient(() => ({ Attributes: { pk: 'RUN#r1', done: 2 } }));
    const outcome = await writeIf(
      { name: 'warden-t', client },
      {
        Key: { pk: 'RUN#r1', sk: 'RUN' },
        UpdateExpression: 'ADD done :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      },
    );
    expect(outcome).toEqual({ written: true, item: { pk: 'RUN#r1', done: 2 } });
    expect(sent[0]).toBeInstanceOf(UpdateCommand);
    expect((sent[0] as UpdateCommand).input.TableName).toBe('warden-t');
  });

  it('a condition that does not hold is `written: false`: another writer won', async () => {
    const { client } = fakeClient(() => failure('ConditionalCheckFailedException'));
    const outcome = await writeIf(
      { name: 'warden-t', client },
      {
        Key: { pk: 'APPROVAL#a', sk: 'APPROVAL' },
        UpdateExpression: 'SET #s = :to',
        ConditionExpression: '#s = :from',
      },
    );
    expect(outcome).toEqual({ written: false });
  });

  it('any other error is thrown as it came', async () => {
    const { client } = fakeClient(() => failure('ProvisionedThroughputExceededException'));
    await expect(
      writeIf(
        { name: 'warden-t', client },
        { Item: { pk: 'x', sk: 'y' }, ConditionExpression: 'attribute_not_exists(pk)' },
      ),
    ).rejects.toThrow('ProvisionedThroughputExceededException from the fake');
  });
});

describe('the stores read a lost condition through writeIf', () => {
  const lost = () =>
    createDynamoStateStore({
      tableName: 'warden-t',
      client: fakeClient(() => failure('ConditionalCheckFailedException')).client,
    });
  const now = new Date('2025-03-01T10:00:00.000Z');

  it('a transition someone else made first, a request id claimed already, a digest and a post slot taken: false, not an error', async () => {
    const store = lost();
    expect(await store.approvals.transition({ id: 'apr-1', from: 'approved', to: 'applying', now })).toBe(false);
    expect(await store.idempotency.claim('req-1', 60, now)).toBe(false);
    expect(await store.runs.claimDigest('run-1', now)).toBe(false);
    expect(await store.runs.claimPostSlot('run-1', 10)).toBe(false);
    expect(
      await store.suppressions.revoke({ target: { check: 'internet-admin-port' }, by: 'U-alice', now }),
    ).toBeUndefined();
    await expect(store.idempotency.release('req-1', now)).resolves.toBeUndefined();
  });

  it('marking a finding posted that was never recorded names the fingerprint', async () => {
    await expect(lost().findings.markPosted('fp-unknown', 'C1', '1.2', now)).rejects.toThrow(
      'no finding with fingerprint fp-unknown has been recorded',
    );
  });
});
