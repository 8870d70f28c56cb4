import type { RawPage, Scope } from '../../src/ports/live.ts';
import { normalizeScope } from '../../adapters/live-estate.ts';
import { readSnapshotDocument } from '../../adapters/snapshot/load.ts';
import type { PageResult } from '../../src/model/page.ts';
import type { AddressSet, PortSet, UnparseableRecord } from '../../src/model/types.ts';

export interface SetsRead {
  addressSets: AddressSet[];
  portSets: PortSet[];
  unparseable: UnparseableRecord[];
}

function setsOf(results: PageResult[]): SetsRead {
  return {
    addressSets: results.flatMap((r) => r.addressSets ?? []),
    portSets: results.flatMap((r) => r.portSets ?? []),
    unparseable: results.flatMap((r) => r.unparseable),
  };
}

/**
 * The address and port sets a scope's raw pages describe: as the live audit reads them (each page
 * by its kind) and as the snapshot `warden snapshot` writes of them reads back (each page by shape).
 */
export function readSets(scope: Scope, pages: readonly RawPage[]): { live: SetsRead; snapshot: SetsRead } {
  const document: unknown = JSON.parse(JSON.stringify({ ...scope, pages: pages.map((p) => p.body) }));
  return {
    live: setsOf(normalizeScope(scope, pages)),
    snapshot: setsOf(readSnapshotDocument(document, 'snapshot.json')),
  };
}
