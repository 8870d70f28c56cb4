import type { ExposureMeasure } from './types.ts';

// Suppressions: "suppress <finding|check> <duration> <reason>", "Accept risk", "Snooze 7 days" (the store keeps
// them, Slack renders them).

export type SuppressionTarget = { fingerprint: string } | { check: string };

/** How it was made: the Snooze button, Accept risk, or `/warden suppress`. */
export type SuppressionKind = 'snooze' | 'accept-risk' | 'suppress';

export interface Suppression {
  target: SuppressionTarget;
  /** Absent on suppressions stored before kinds were kept: `suppress`. */
  kind?: SuppressionKind;
  by: string;
  reason: string;
  /** When it was made. */
  at: string;
  /** It stops applying at this instant. */
  until: string;
  /** For a finding: what it exposed when suppressed. More than this is reported again, as widened since suppressed. */
  accepted?: ExposureMeasure;
  /** Ended before `until` by this approver (`SuppressionStore.revoke`). */
  revokedBy?: string;
  revokedAt?: string;
}

/** What a finding's record keeps of the suppression that hides it. */
export interface FindingSuppression {
  kind: SuppressionKind;
  by: string;
  reason: string;
  at: string;
  until: string;
  /** Set when the suppression is of the finding's whole check. */
  check?: string;
}
