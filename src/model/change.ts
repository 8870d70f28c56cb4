import type { Finding, Provider, Rule } from './types.ts';

// A fix is data in the shared model (DESIGN.md, "Remediation"): ordered operations, the live rules
// it expects to find, what it is meant to achieve, and how to undo it.

/** A rule the plan adds: the model rule without provider identity (the provider assigns the id). */
export type NewRule = Omit<Rule, 'native'>;

export type PlanOperation =
  | { op: 'add'; rule: NewRule; label?: string }
  /** Removes one live rule, named by provider id and identified by content (`signature`). */
  | { op: 'remove'; ruleId: string; signature: string; rule: Rule };

/** A live rule the plan relies on: by provider id and content signature (see `ruleSignature`). */
export interface Precondition {
  ruleId: string;
  signature: string;
}

/**
 * A prefix list, address group or port list the finding comes through, at the version the plan was
 * made for: the list is shared, so the plan never edits it, and holds only while it is unchanged.
 */
export interface SetPrecondition {
  kind: 'prefix-list' | 'address-group' | 'port-list';
  id: string;
  name: string;
  /** The provider's version, else `entries:<hash>`, or `unread` when its entries were not read. */
  version: string;
}

export interface PlanTarget {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  groupName: string;
}

export interface Plan {
  /** Stable: the same finding on the same live rules gives the same plan id. */
  id: string;
  finding: Pick<Finding, 'fingerprint' | 'check' | 'title' | 'severity'>;
  target: PlanTarget;
  /** Adds first, then removes: never a moment with less access than the fix intends. */
  operations: PlanOperation[];
  preconditions: Precondition[];
  /** The lists the finding comes through, at their versions (absent: none). */
  setPreconditions?: SetPrecondition[];
  /** Fingerprints of findings the plan makes disappear (always includes its own finding). */
  resolves: string[];
  /** One line a person reads before approving: what changes for whom. */
  summary: string;
  /** Caveats a person must know, e.g. "access to tcp/22 from outside will stop". */
  notes: string[];
  /** `- tcp/22 from 0.0.0.0/0` / `+ tcp/22 from 203.0.113.0/24 (office)` */
  diff: string[];
  /** The interfaces that carry the group, all touched by the change (absent: interfaces were not read). */
  blastRadius?: PlanBlastRadius;
}

/** How many interfaces (and instances) carry the plan's group, and the first few by interface id. */
export interface PlanBlastRadius {
  interfaces: number;
  instances: number;
  publicInterfaces: number;
  /** Sorted by interface id, at most `BLAST_SAMPLE`. */
  sample: { interface: string; instance?: string; public: boolean }[];
}

export const BLAST_SAMPLE = 10;

/** The proof repeated on every interface carrying the group, with all of its groups combined. */
export interface InterfaceProof {
  /** Interfaces carrying the group that were evaluated. */
  checked: number;
  /** Of those, the ones the finding's exposure showed on before the change (absent: not an exposure measured on interfaces). */
  concerned?: number;
  /** True when no carrying interface allows anything after the change that it did not allow before. */
  neverWidens: boolean;
  /** True when the finding's exposure is gone on every interface it concerned. */
  findingGone: boolean;
  /** What the reader must know about how it was proved (unknown bind order, groups not read …). */
  notes: string[];
}

/** What the evaluator proved about a plan before it is offered. */
export interface PlanProof {
  findingGone: boolean;
  /** True when nothing outside the finding's part of the policy changed. */
  onlyFindingPartChanged: boolean;
  /** True when the plan never allows traffic the group did not allow before. */
  neverWidens: boolean;
  /** Human lines describing what differs, empty when nothing else changed. */
  otherChanges: string[];
  /**
   * The proof on the interfaces carrying the group (absent: interfaces were not read). Its verdicts
   * are folded into `findingGone` and `neverWidens`, what fails into `otherChanges`.
   */
  interfaces?: InterfaceProof;
}

export type ChangeStatus = 'applied' | 'already-applied' | 'refused' | 'rolled-back' | 'reverted' | 'failed';

/** Whether an apply left the fix in place (made now, or found made already). */
export function fixInPlace(record: { status: ChangeStatus }): boolean {
  return record.status === 'applied' || record.status === 'already-applied';
}

/** A record written for every apply and revert: who, when, what, the group before, the result. */
export interface ChangeRecord {
  changeId: string;
  kind: 'apply' | 'revert';
  /** For a revert: the change it reverts. */
  reverts?: string;
  actor: string;
  at: string;
  plan: Plan;
  /** The group's full rule list before the change (raw provider ids and content). */
  preImage: Rule[];
  /** The group's rule list after, as re-read. */
  postImage?: Rule[];
  /** Provider ids of the rules this change added (for exact revert). */
  addedRuleIds: string[];
  /** Provider ids of the pre-image's rules this change removed (kept up to date while it runs). */
  removedRuleIds?: string[];
  /**
   * Set while the change runs: the record is saved before the first cloud call and after each one,
   * so a record still marked so after the process died says exactly what was done.
   */
  inProgress?: true;
  status: ChangeStatus;
  /** Why it was refused, what failed, what was undone. */
  messages: string[];
  verification?: {
    findingGone: boolean;
    otherRulesUntouched: boolean;
    /** Where the re-read estate had interfaces: no interface carrying the group is more open than before. */
    interfacesNoMoreOpen?: boolean;
  };
}

/** `provider/account/region/groupId`: the key `ChangeStore.latestFor` takes. */
export function groupKeyOf(target: Pick<PlanTarget, 'provider' | 'account' | 'region' | 'groupId'>): string {
  return `${target.provider}/${target.account}/${target.region}/${target.groupId}`;
}
