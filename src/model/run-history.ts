import type { Finding, Severity } from './types.ts';

/** One scheduled run as the posture chart draws it: its counts when its digest was claimed. */
export interface RunHistoryEntry {
  runId: string;
  startedAt: string;
  /** Open findings by severity, the suppressed ones not among them. */
  open: Record<Severity, number>;
  /** Suppressed findings (still open) by severity. */
  suppressed: Record<Severity, number>;
  new: number;
  resolved: number;
  /** Some scope could not be read (or did not report): its findings are missing from these counts. */
  partial: boolean;
}

/** What the App Home tab shows: the newest scheduled run and the open findings of its scopes (src/app/home-posture.ts). */
export interface HomePosture {
  /** The newest run whose digest was posted; absent before the first. */
  lastRun?: {
    startedAt: string;
    scopes: number;
    /** Scopes the run could not read: nothing in them is reported clean. */
    unread: number;
    /** Some scope could not be read or did not report. */
    partial: boolean;
    newCount: number;
    resolvedCount: number;
  };
  /** Open findings by severity (suppressed ones apart). */
  open: Record<Severity, number>;
  suppressed: number;
  /** The highest-severity open findings, best first. */
  top: Finding[];
}
