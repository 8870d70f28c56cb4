import type { LiveAdapter } from '../live.ts';
import { createHuaweiClient } from './client.ts';
import type { HuaweiAdapterOptions } from './client.ts';
import { readHuaweiScope } from './read.ts';
import { addHuaweiRule, removeHuaweiRule } from './write.ts';

// The live Huawei Cloud VPC v3 adapter: the client (./client.ts), the reads (./read.ts) and the
// writes (./write.ts, with the rule encoded by ./encode.ts).

export function createHuaweiAdapter(options: HuaweiAdapterOptions): LiveAdapter {
  const client = createHuaweiClient(options);
  return {
    provider: 'huawei',
    stats: client.stats,
    scopes: (filter) => client.scopes(filter),
    read: (scope, progress) => readHuaweiScope(client, scope, progress),
    addRule: (scope, groupId, rule) => addHuaweiRule(client, scope, groupId, rule),
    removeRule: (scope, groupId, rule) => removeHuaweiRule(client, scope, groupId, rule),
  };
}
