import { readFileSync } from 'node:fs';
import { readSnapshotDocument, snapshotFiles } from '../adapters/snapshot/load.ts';
import { mergePages } from '../src/model/merge.ts';
import { performance } from 'node:perf_hooks';
const files = await snapshotFiles('/tmp/estate');
const docs = files.map((f) => [f, JSON.parse(readFileSync(f, 'utf8'))] as const);
for (let k = 0; k < 3; k++) {
  let t = performance.now();
  const pages = docs.flatMap(([f, d]) => readSnapshotDocument(d, f));
  const n = performance.now() - t; t = performance.now();
  mergePages(pages);
  console.log('normalize', Math.round(n), 'merge', Math.round(performance.now() - t));
}
const by = new Map<string, number>();
for (const [f, d] of docs) { const t = performance.now(); readSnapshotDocument(d, f); const p = f.split('/').pop()!.split('-')[0]!; by.set(p, (by.get(p) ?? 0) + performance.now() - t); }
console.log(by);
