import { documentAttachmentScopes, mergePages } from '../src/model/merge.ts';
import type { PageResult } from '../src/model/page.ts';
import type { ScanError } from '../src/model/types.ts';
import { maskCredentials } from '../src/lib/mask.ts';
import { mapLimit } from '../src/lib/pool.ts';
import type {
  LiveAdapter,
  LiveRead,
  RawPage,
  ReadProgress,
  Scope,
  ScopeFilter,
  SnapshotDocument,
} from '../src/ports/live.ts';
import { PAGE_KINDS, snapshotPage } from './page-kinds.ts';
import { errorText } from '../src/lib/errors.ts';

export interface ReadOptions {
  filter?: ScopeFilter;
  /** Scopes read at once per provider (each adapter bounds its calls within a scope). */
  scopeConcurrency?: number;
  progress?: ReadProgress;
}

/** An adapter's error as one line, credential-shaped text masked whatever the adapter let through. */
function message(error: unknown): string {
  return maskCredentials(errorText(error));
}

/** Normalizes a scope's raw pages with the same page kinds the snapshot reader uses. */
export function normalizeScope(scope: Scope, pages: readonly RawPage[]): PageResult[] {
  const results = pages.map((page, i) => {
    const kind = PAGE_KINDS.find((k) => k.name === page.kind && k.providers.includes(scope.provider));
    if (!kind) throw new Error(`${scope.provider}: no reader for page kind ${page.kind}`);
    return kind.normalize(page.body, {
      ...scope,
      origin: `${scope.provider} ${scope.account} ${scope.region}: ${page.kind} page ${i + 1}`,
    });
  });
  return documentAttachmentScopes(results);
}

/** An adapter with the scopes it lists, or why it could not list them. */
export type ListedScopes = { adapter: LiveAdapter; scopes: Scope[] } | { adapter: LiveAdapter; error: string };

/** Each adapter's scopes (narrowed by `filter`); a listing that fails is kept as its error. */
export async function listScopes(adapters: readonly LiveAdapter[], filter?: ScopeFilter): Promise<ListedScopes[]> {
  const out: ListedScopes[] = [];
  for (const adapter of adapters) {
    try {
      out.push({ adapter, scopes: await adapter.scopes(filter) });
    } catch (error) {
      out.push({ adapter, error: message(error) });
    }
  }
  return out;
}

/**
 * Reads every scope of every adapter. A scope that cannot be read completely becomes a scan
 * error (which scope, why) and contributes no groups: nothing unread is reported clean.
 */
export async function readLiveEstate(adapters: readonly LiveAdapter[], options: ReadOptions = {}): Promise<LiveRead> {
  return readListedScopes(await listScopes(adapters, options.filter), options);
}

/** Reads the listed scopes; a listing that failed is a scan error of its provider. */
export async function readListedScopes(
  listed: readonly ListedScopes[],
  options: Omit<ReadOptions, 'filter'> = {},
): Promise<LiveRead> {
  const results: PageResult[] = [];
  const scanErrors: ScanError[] = [];
  const snapshots: SnapshotDocument[] = [];
  for (const entry of listed) {
    const { adapter } = entry;
    if ('error' in entry) {
      scanErrors.push({
        provider: adapter.provider,
        account: '',
        region: '',
        origin: 'live',
        message: `cannot list scopes: ${entry.error}`,
      });
      continue;
    }
    const reads = await mapLimit(entry.scopes, options.scopeConcurrency ?? 4, async (scope) => {
      try {
        const pages = await adapter.read(scope, options.progress);
        return { scope, pages, results: normalizeScope(scope, pages) };
      } catch (error) {
        return { scope, error: message(error) };
      }
    });
    for (const read of reads) {
      if ('error' in read) {
        scanErrors.push({ ...read.scope, origin: 'live', message: read.error ?? 'unknown error' });
        continue;
      }
      results.push(...read.results);
      snapshots.push({
        ...read.scope,
        pages: read.pages.map((p) => snapshotPage(read.scope.provider, p.kind, p.body)),
      });
    }
  }
  return { estate: mergePages(results, scanErrors), snapshots };
}
