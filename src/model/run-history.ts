import type { Severity } from './types.ts';

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
