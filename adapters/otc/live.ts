import type { LiveAdapter } from '../../src/ports/live.ts';
import { createOtcClient } from './client.ts';
import type { OtcAdapterOptions } from './client.ts';
import { readOtcScope } from './read.ts';
import { addOtcRule, removeOtcRule } from './write.ts';

// The live Open Telekom Cloud adapter: the client (./client.ts), the reads (./read.ts) and the
// writes (./write.ts, with the rule encoded by ./encode.ts).

export function createOtcAdapter(options: OtcAdapterOptions): LiveAdapter {
  const client = createOtcClient(options);
  return {
    provider: 'otc',
    stats: client.stats,
    scopes: (filter) => client.scopes(filter),
    read: (scope, progress) => readOtcScope(client, scope, progress),
    addRule: (scope, groupId, rule) => addOtcRule(client, scope, groupId, rule),
    removeRule: (scope, groupId, rule) => removeOtcRule(client, scope, groupId, rule),
  };
}
