import type { LiveAdapter } from '../../src/ports/live.ts';
import { createHuaweiClient } from './client.ts';
import type { HuaweiAdapterOptions } from './client.ts';
import { readHuaweiScope } from './read.ts';
import { addHuaweiRule, removeHuaweiRule } from './write.ts';

// The live Huawei Cloud VPC v3 adapter: the client (./client.ts), the reads (./read.ts) and the
// writes (./write.ts, with the rule encoded by ./encode.ts).

export function createHuaweiAdapter(options: HuaweiAdapterOptions): LiveAdapter {
  const huawei = createHuaweiClient(options);
  return {
    provider: 'huawei',
    stats: huawei.stats,
    scopes: (filter) => huawei.scopes(filter),
    read: (scope, progress) => readHuaweiScope(huawei, scope, progress),
    addRule: (scope, groupId, rule) => addHuaweiRule(huawei, scope, groupId, rule),
    removeRule: (scope, groupId, rule) => removeHuaweiRule(huawei, scope, groupId, rule),
  };
}
