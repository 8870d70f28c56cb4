import { statSync } from 'node:fs';
import type { RenderContext } from '../report/formats.ts';
import type { FileRegion } from '../report/context.ts';
import type { AuditSource } from './report-context.ts';
import { fileUri } from './snapshot-places.ts';
import { packageVersion } from './usage.ts';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * What the file formats need besides the report: the version, the time, and the file findings point
 * at: a snapshot file (each group's own file and line, where `places` recorded them), or the config
 * file of a live audit. A folder, standard input, or a live audit on the defaults has no one file.
 */
export function renderContextOf(
  source: AuditSource,
  configPath: string | null,
  places?: ReadonlyMap<string, FileRegion>,
  now = new Date(),
): RenderContext {
  const file = source.kind === 'live' ? configPath : isFile(source.path) ? source.path : null;
  return {
    toolVersion: packageVersion(),
    generatedAt: now.toISOString(),
    ...(file ? { artifact: { uri: fileUri(file), startLine: 1 } } : {}),
    ...(places?.size ? { groupFiles: places } : {}),
  };
}
