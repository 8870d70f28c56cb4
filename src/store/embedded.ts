import type { Server } from 'node:http';
import { createRequire } from 'node:module';

// dynalite (https://github.com/architect/dynalite, a devDependency): DynamoDB's API in this
// process, on LevelDB in memory, on a free loopback port: the default store of `npm run dev`
// and of the tests. It has no UpdateTimeToLive and no transactions, and never deletes expired items.

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

export interface EmbeddedDynamo {
  server: Server;
  /** http://127.0.0.1:<port> */
  endpoint: string;
}

export async function startEmbeddedDynamo(): Promise<EmbeddedDynamo> {
  // dynalite ships no types: load it through require, typed here.
  const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('dynalite did not report its port'));
    });
  });
  return { server, endpoint: `http://127.0.0.1:${port}` };
}
