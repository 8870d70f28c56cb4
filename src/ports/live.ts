// The contract the core needs from a cloud (implemented in adapters/, used by remediation and the
// application layer): the dependency points inward, so the core never imports adapters/.

import type { PageResult } from '../model/page.ts';
import type { Estate, Provider, Rule } from '../model/types.ts';

/** One provider × account × region: the unit that is read, retried and reported as a scan error. */
export interface Scope {
  provider: Provider;
  /** AWS account id, Alibaba account (or ''), Huawei/OTC project id. */
  account: string;
  region: string;
}

/** A page exactly as the provider's API returned it, with the page kind (a PageKind name) that reads it. */
export interface RawPage {
  kind: string;
  body: unknown;
}

export interface ReadProgress {
  (event: { scope: Scope; pages: number; groups: number }): void;
}

/** What an adapter counts while reading, for progress, metrics and the scan benchmark. */
export interface CallStats {
  calls: number;
  retries: number;
  throttles: number;
}

/** Narrows the scopes an adapter lists. */
export interface ScopeFilter {
  regions?: string[];
  accounts?: string[];
}

/**
 * A provider's live side. The adapters are the only code that talks to a cloud: they return the
 * raw pages (normalized by the same PageKinds as snapshots) and apply the two operations
 * remediation needs.
 */
export interface LiveAdapter {
  provider: Provider;
  /** The scopes config lists for this provider, narrowed by the filter (AWS learns its own account from STS). */
  scopes(filter?: ScopeFilter): Promise<Scope[]>;
  /** Every page of the scope's groups, rules and attachments; throws when the scope cannot be read completely. */
  read(scope: Scope, progress?: ReadProgress): Promise<RawPage[]>;
  /** Adds a rule to a group; returns the provider's id of the new rule. */
  addRule(scope: Scope, groupId: string, rule: Rule): Promise<string>;
  /** Removes a rule by the provider's id. */
  removeRule(scope: Scope, groupId: string, rule: Rule): Promise<void>;
  stats: CallStats;
}

/**
 * Reads a scope's raw pages as the model, with the page kinds the snapshot reader uses (implemented
 * beside the adapters, passed to remediation by its callers); throws on a page of no known kind.
 */
export type NormalizeScope = (scope: Scope, pages: readonly RawPage[]) => PageResult[];

/** A scope as the snapshot format stores it: `warden audit --source` of it gives the live audit's findings. */
export interface SnapshotDocument {
  provider: Provider;
  account: string;
  region: string;
  pages: unknown[];
}

export interface LiveRead {
  estate: Estate;
  snapshots: SnapshotDocument[];
}
