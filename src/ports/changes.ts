import type { ChangeRecord } from '../model/change.ts';

/**
 * Where change records live (DESIGN.md, "Remediation": every apply and revert is recorded with
 * who, when, the plan, the group's pre-image and the result). Implemented by src/store (files
 * locally, DynamoDB deployed); remediation only sees this contract.
 */
export interface ChangeStore {
  /**
   * Writes the record, replacing an earlier version of the same change: a change saves it before
   * its first cloud call, after each one (`inProgress`, with the ids added and removed so far), and
   * when it ends.
   */
  save(record: ChangeRecord): Promise<void>;
  get(changeId: string): Promise<ChangeRecord | undefined>;
  /** Every record, oldest first (by `at`, then `changeId`). */
  list(): Promise<ChangeRecord[]>;
  /** The newest record (apply or revert, any status) for a group; see `groupKeyOf`. */
  latestFor(groupKey: string): Promise<ChangeRecord | undefined>;
}
