import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PutCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { errorName } from './table.ts';
import type { Item, Table } from './table.ts';

type Conditional<Input> = Omit<Input, 'TableName'> & { ConditionExpression: string };
export type ConditionalPut = Conditional<PutCommandInput>;
export type ConditionalUpdate = Conditional<UpdateCommandInput>;

/** `item`: what the write returned (`ReturnValues`), if it asked for anything. */
export type Written = { written: true; item: Item | undefined } | { written: false };

/**
 * Puts an item (`Item`) or updates one (`Key`) only while its condition holds: the item does not
 * exist yet, or its status or version is still the one the caller read. `{ written: false }` when
 * it does not hold — another writer got there first, and the caller reads who won or reports that
 * it lost; every other error is thrown. Every conditional write of the store goes through here.
 */
export async function writeIf(
  table: Pick<Table, 'name' | 'client'>,
  write: ConditionalPut | ConditionalUpdate,
): Promise<Written> {
  try {
    const output =
      'Item' in write
        ? await table.client.send(new PutCommand({ ...write, TableName: table.name }))
        : await table.client.send(new UpdateCommand({ ...write, TableName: table.name }));
    return { written: true, item: output.Attributes as Item | undefined };
  } catch (error) {
    if (errorName(error) === 'ConditionalCheckFailedException') return { written: false };
    throw error;
  }
}
