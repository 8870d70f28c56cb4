import { placeKey } from '../model/ids.ts';
import type { Finding } from '../model/types.ts';

/** A place in a file, as SARIF and code scanning point at it: a path relative to the repository root, and a line. */
export interface FileRegion {
  /** Relative to the working directory (the repository root in CI), with `/` separators. */
  uri: string;
  /** 1-based; 1 when no better line is known. */
  startLine: number;
}

/** What a renderer needs besides the report; the renderers never read the clock, the disk or the environment. */
export interface RenderContext {
  /** Warden's version, as tool metadata names it. */
  toolVersion: string;
  /** When the audit ran (ISO 8601). */
  generatedAt: string;
  /**
   * The file the findings were read from or configured by: the snapshot file of a snapshot audit, the
   * config file of a live audit; undefined when there is none (standard input, a live audit on defaults).
   */
  artifact?: FileRegion;
  /** Where a snapshot folder was read: each group's own file and line, by `placeKey(group, group.id)`. */
  groupFiles?: ReadonlyMap<string, FileRegion>;
}

/** The file and line a finding points at: its group's own, else the audit's artifact. */
export function fileOf(finding: Finding, context: RenderContext): FileRegion | undefined {
  return context.groupFiles?.get(placeKey(finding, finding.groupId)) ?? context.artifact;
}
