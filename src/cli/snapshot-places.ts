import { relative, sep } from 'node:path';
import { decodeSnapshotBytes } from '../../adapters/snapshot/json-text.ts';
import type { SnapshotFileHook } from '../../adapters/snapshot/load.ts';
import { placeKey } from '../model/ids.ts';
import type { FileRegion } from '../report/context.ts';

/** A path as a URI reference relative to `cwd` (the repository root in CI), as code scanning resolves it. */
export function fileUri(path: string, cwd = process.cwd()): string {
  return relative(cwd, path).split(sep).map(encodeURIComponent).join('/');
}

const JSON_STRING = /"((?:[^"\\\n]|\\.)*)"/g;

/** The 1-based line of the first JSON string equal to each of `wanted` in `text` (one pass over the text). */
export function firstLines(text: string, wanted: ReadonlySet<string>): Map<string, number> {
  const lines = new Map<string, number>();
  let line = 1;
  let counted = 0;
  for (const match of text.matchAll(JSON_STRING)) {
    const value = match[1] as string;
    if (!wanted.has(value) || lines.has(value)) continue;
    for (let i = text.indexOf('\n', counted); i !== -1 && i < (match.index ?? 0); i = text.indexOf('\n', i + 1)) line++;
    counted = match.index ?? 0;
    lines.set(value, line);
    if (lines.size === wanted.size) break;
  }
  return lines;
}

/**
 * Records, while snapshots load, the file and line each group (and each unreadable record's group)
 * came from, by `placeKey`: where a SARIF result points.
 */
export function snapshotPlaces(cwd = process.cwd()): { hook: SnapshotFileHook; places: Map<string, FileRegion> } {
  const places = new Map<string, FileRegion>();
  const hook: SnapshotFileHook = (file, bytes, read) => {
    const groups = new Map<string, string>();
    for (const result of read) {
      for (const group of result.groups) groups.set(placeKey(group, group.id), group.id);
      for (const record of result.unparseable)
        if (record.groupId) groups.set(placeKey(record, record.groupId), record.groupId);
    }
    if (groups.size === 0) return;
    const lines = firstLines(decodeSnapshotBytes(bytes), new Set(groups.values()));
    const uri = fileUri(file, cwd);
    for (const [key, id] of groups) if (!places.has(key)) places.set(key, { uri, startLine: lines.get(id) ?? 1 });
  };
  return { hook, places };
}
