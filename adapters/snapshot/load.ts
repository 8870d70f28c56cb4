import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { documentAttachmentScopes, mergePages } from '../../src/model/merge.ts';
import { emptyPageResult, isRecord, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import type { Estate, Provider } from '../../src/model/types.ts';
import { PROVIDERS } from '../../src/model/types.ts';
import { PAGE_KINDS, pageKindsOf } from '../page-kinds.ts';

/** Bad input that stops the audit: one line naming the file and the problem. */
export class SnapshotError extends Error {}

/** All `*.json` files of a source: the file itself, or every one below a folder, sorted. */
export async function snapshotFiles(source: string): Promise<string[]> {
  let info;
  try {
    info = await stat(source);
  } catch (error) {
    throw new SnapshotError(`${source}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (info.isFile()) return [source];
  const entries = await readdir(source, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) throw new SnapshotError(`${source}: no *.json snapshot files in this folder`);
  return files;
}

function kindFor(page: unknown, provider: Provider | undefined): PageKind | undefined | 'ambiguous' {
  if (provider) return pageKindsOf(provider).find((k) => k.matches(page));
  const matching = PAGE_KINDS.filter((k) => k.matches(page));
  const providers = new Set(matching.flatMap((k) => k.providers));
  if (matching.length === 0) return undefined;
  return providers.size === 1 ? matching[0] : 'ambiguous';
}

function normalizeSafely(kind: PageKind, page: unknown, ctx: PageContext): PageResult {
  try {
    return kind.normalize(page, ctx);
  } catch (error) {
    // A normalizer must not throw; if one does, the page is reported, never dropped.
    const result = emptyPageResult();
    result.unparseable.push(unparseableRecord(ctx, {}, `${kind.name} page could not be read: ${(error as Error).message}`, page));
    return result;
  }
}

function article(provider: Provider): string {
  return provider === 'aws' || provider === 'alibaba' || provider === 'otc' ? 'an' : 'a';
}

function describeKinds(provider: Provider): string {
  return pageKindsOf(provider)
    .map((k) => k.name.split(':')[1])
    .join(', ');
}

/** Reads one snapshot document (a wrapper, an array of wrappers, or a bare API body). */
export function readSnapshotDocument(document: unknown, file: string): PageResult[] {
  const wrappers = Array.isArray(document) ? document : [document];
  const results: PageResult[] = [];
  wrappers.forEach((wrapper, w) => {
    const where = Array.isArray(document) ? `${file}: [${w}]` : file;
    if (isRecord(wrapper) && 'pages' in wrapper) {
      results.push(...readWrapper(wrapper, where));
      return;
    }
    const kind = kindFor(wrapper, undefined);
    if (kind === 'ambiguous') {
      throw new SnapshotError(`${where}: page shape is shared by Huawei Cloud and OTC; wrap it as {"provider": "huawei"|"otc", "pages": [...]}`);
    }
    if (!kind) throw new SnapshotError(`${where}: not a snapshot ({provider, pages}) nor a known provider API response`);
    const provider = kind.providers[0] as Provider;
    results.push(...documentAttachmentScopes([normalizeSafely(kind, wrapper, { provider, account: '', region: '', origin: where })]));
  });
  return results;
}

function readWrapper(wrapper: Record<string, unknown>, where: string): PageResult[] {
  const provider = wrapper['provider'];
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new SnapshotError(`${where}: "provider" must be one of ${PROVIDERS.join(', ')} (got ${JSON.stringify(provider)})`);
  }
  for (const key of ['account', 'region'] as const) {
    if (wrapper[key] !== undefined && typeof wrapper[key] !== 'string') throw new SnapshotError(`${where}: "${key}" must be a string`);
  }
  const pages = wrapper['pages'];
  if (!Array.isArray(pages)) throw new SnapshotError(`${where}: "pages" must be a list of API responses`);
  const ctxBase = { provider: provider as Provider, account: (wrapper['account'] as string) ?? '', region: (wrapper['region'] as string) ?? '' };
  const results = pages.map((page, i) => {
    const origin = `${where}: pages[${i}]`;
    const kind = kindFor(page, provider as Provider);
    if (!kind || kind === 'ambiguous') {
      throw new SnapshotError(`${origin}: not ${article(provider as Provider)} ${provider} API response this version reads (${describeKinds(provider as Provider)})`);
    }
    return normalizeSafely(kind, page, { ...ctxBase, origin });
  });
  return documentAttachmentScopes(results);
}

export interface LoadProgress {
  (done: number, total: number, file: string): void;
}

/** Loads a snapshot file or folder into an estate. Throws SnapshotError on bad input. */
export async function loadSnapshots(source: string, progress?: LoadProgress): Promise<Estate> {
  const files = await snapshotFiles(source);
  const results: PageResult[] = [];
  for (const [i, file] of files.entries()) {
    const name = file;
    let text: string;
    try {
      // Bytes, then one native decode: readFile's own 'utf8' decodes chunk by chunk and joins them.
      text = (await readFile(file)).toString('utf8');
    } catch (error) {
      throw new SnapshotError(`${name}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new SnapshotError(`${name}: invalid JSON: ${(error as Error).message}`);
    }
    results.push(...readSnapshotDocument(document, name));
    progress?.(i + 1, files.length, name);
  }
  return mergePages(results);
}
