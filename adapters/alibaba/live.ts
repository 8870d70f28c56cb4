import type { LiveAdapter } from '../../src/ports/live.ts';
import { createAlibabaClient } from './client.ts';
import type { AlibabaAdapterOptions } from './client.ts';
import { readAlibabaScope } from './read.ts';
import { addAlibabaRule, removeAlibabaRule } from './write.ts';

// The live Alibaba Cloud ECS adapter: the client (./client.ts), the reads (./read.ts) and the
// writes (./write.ts, with the rule encoded by ./encode.ts).

export function createAlibabaAdapter(options: AlibabaAdapterOptions): LiveAdapter {
  const client = createAlibabaClient(options);
  return {
    provider: 'alibaba',
    stats: client.stats,
    scopes: (filter) => client.scopes(filter),
    read: (scope, progress) => readAlibabaScope(client, scope, progress),
    addRule: (scope, groupId, rule) => addAlibabaRule(client, scope, groupId, rule),
    removeRule: (scope, groupId, rule) => removeAlibabaRule(client, scope, groupId, rule),
  };
}
