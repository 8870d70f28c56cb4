import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { documentAttachmentScopes, mergePages } from '../../src/model/merge.ts';
import { emptyPageResult, unparseableRecord } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import type { Estate, Provider } from '../../src/model/types.ts';
import { PROVIDERS } from '../../src/model/types.ts';
import { PAGE_KINDS, declaredKind, pageKindsOf } from '../page-kinds.ts';
import { decodeSnapshotBytes, parseJsonText } from './json-text.ts';

/** Bad input that stops the audit: one line naming the file and the problem. */
export class SnapshotError extends Error {}

/** Where standard input is named in messages (`--source -`). */
export const STDIN_SOURCE = '-';
const STDIN_NAME = 'standard input';

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notAFile(path: string, info: Stats): SnapshotError {
  return new SnapshotError(
    `${path}: ${specialKind(info)}, not a snapshot file or folder (use --source - to read standard input)`,
  );
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw new SnapshotError(`${path}: cannot read: ${code(error)}`);
  }
}

/**
 * All `*.json` files of a source: the file itself, or every one below a folder, sorted. Symbolic
 * links are followed (a folder reached twice through links is read once); a FIFO, device or socket
 * is refused, since reading one could block or yield nothing.
 */
export async function snapshotFiles(source: string): Promise<string[]> {
  const info = await statOf(source);
  if (info.isFile()) return [source];
  if (!info.isDirectory()) throw notAFile(source, info);
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await realpath(folder);
    if (seen.has(real)) return;
    seen.add(real);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      throw new SnapshotError(`${folder}: cannot read: ${code(error)}`);
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const target = await statOf(path);
        if (target.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.json')) {
          if (!target.isFile()) throw notAFile(path, target);
          files.push(path);
        }
      } else if (entry.name.endsWith('.json')) {
        if (!entry.isFile()) throw notAFile(path, await statOf(path));
        files.push(path);
      }
    }
  };
  await walk(source);
  files.sort();
  if (files.length === 0) throw new SnapshotError(`${source}: no *.json snapshot files in this folder`);
  return files;
}

function kindFor(page: unknown, provider: Provider | undefined): PageKind | undefined | 'ambiguous' {
  const declared = declaredKind(page, provider ? pageKindsOf(provider) : PAGE_KINDS);
  if (declared !== undefined) return declared === 'unknown' ? undefined : declared;
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
    result.unparseable.push(
      unparseableRecord(ctx, {}, `${kind.name} page could not be read: ${(error as Error).message}`, page),
    );
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
      throw new SnapshotError(
        `${where}: page shape is shared by Huawei Cloud and OTC; wrap it as {"provider": "huawei"|"otc", "pages": [...]}`,
      );
    }
    if (!kind)
      throw new SnapshotError(`${where}: not a snapshot ({provider, pages}) nor a known provider API response`);
    const provider = kind.providers[0] as Provider;
    results.push(
      ...documentAttachmentScopes([
        normalizeSafely(kind, wrapper, { provider, account: '', region: '', origin: where }),
      ]),
    );
  });
  return results;
}

function readWrapper(wrapper: Record<string, unknown>, where: string): PageResult[] {
  const provider = wrapper['provider'];
  if (typeof provider !== 'string' || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new SnapshotError(
      `${where}: "provider" must be one of ${PROVIDERS.join(', ')} (got ${JSON.stringify(provider)})`,
    );
  }
  for (const key of ['account', 'region'] as const) {
    if (wrapper[key] !== undefined && typeof wrapper[key] !== 'string')
      throw new SnapshotError(`${where}: "${key}" must be a string`);
  }
  const pages = wrapper['pages'];
  if (!Array.isArray(pages)) throw new SnapshotError(`${where}: "pages" must be a list of API responses`);
  const ctxBase = {
    provider: provider as Provider,
    account: (wrapper['account'] as string) ?? '',
    region: (wrapper['region'] as string) ?? '',
  };
  const results = pages.map((page, i) => {
    const origin = `${where}: pages[${i}]`;
    const kind = kindFor(page, provider as Provider);
    if (!kind || kind === 'ambiguous') {
      throw new SnapshotError(
        `${origin}: not ${article(provider as Provider)} ${provider} API response this version reads (${describeKinds(provider as Provider)})`,
      );
    }
    return normalizeSafely(kind, page, { ...ctxBase, origin });
  });
  return documentAttachmentScopes(results);
}

/** Called with each file read, its bytes and what it held (e.g. to point findings at the file a group came from). */
export type SnapshotFileHook = (file: string, bytes: Buffer, read: readonly PageResult[]) => void;

export interface LoadProgress {
  (done: number, total: number, file: string): void;
}

/** The parsed document of a snapshot's bytes; SnapshotError naming `name`, line and column when they are not JSON. */
export function parseSnapshotBytes(bytes: Buffer, name: string): unknown {
  const parsed = parseJsonText(decodeSnapshotBytes(bytes));
  if ('problem' in parsed) {
    const { line, column, reason } = parsed.problem;
    throw new SnapshotError(`${name}: invalid JSON at line ${line}, column ${column}: ${reason}`);
  }
  return parsed.value;
}

async function readStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<Buffer> {
  if (stdin.isTTY)
    throw new SnapshotError(`--source -: ${STDIN_NAME} is a terminal; pipe a snapshot or API response into it`);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const bytes = Buffer.concat(chunks);
  if (bytes.toString('utf8').trim() === '') throw new SnapshotError(`--source -: ${STDIN_NAME} is empty`);
  return bytes;
}

/**
 * Loads a snapshot file or folder (or, for `-`, one document on standard input) into an estate.
 * Throws SnapshotError on bad input.
 */
export async function loadSnapshots(
  source: string,
  progress?: LoadProgress,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  onFile?: SnapshotFileHook,
): Promise<Estate> {
  if (source === STDIN_SOURCE)
    return mergePages(readSnapshotDocument(parseSnapshotBytes(await readStdin(stdin), STDIN_NAME), STDIN_NAME));
  const files = await snapshotFiles(source);
  const results: PageResult[] = [];
  for (const [i, file] of files.entries()) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new SnapshotError(`${file}: cannot read: ${code(error)}`);
    }
    const read = readSnapshotDocument(parseSnapshotBytes(bytes, file), file);
    onFile?.(file, bytes, read);
    results.push(...read);
    progress?.(i + 1, files.length, file);
  }
  return mergePages(results);
}
