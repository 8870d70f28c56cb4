import type { LiveAdapter } from '../../src/ports/live.ts';
import { createAwsClient } from './client.ts';
import type { AwsAdapterOptions } from './client.ts';
import { readAwsScope } from './read.ts';
import { addAwsRule, removeAwsRule } from './write.ts';

// The live AWS adapter: the client (./client.ts), the reads (./read.ts) and the writes
// (./write.ts, with the rule encoded by ./encode.ts) of one set of credentials.

export function createAwsAdapter(options: AwsAdapterOptions): LiveAdapter & { close(): void } {
  const client = createAwsClient(options);
  return {
    provider: 'aws',
    stats: client.stats,
    scopes: (filter) => client.scopes(filter),
    read: (scope, progress) => readAwsScope(client, scope, progress),
    addRule: (scope, groupId, rule) => addAwsRule(client, scope, groupId, rule),
    removeRule: (scope, groupId, rule) => removeAwsRule(client, scope, groupId, rule),
    close: () => client.close(),
  };
}
