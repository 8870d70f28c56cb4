import type { GroupUse, GroupUseListing, NetworkInterface } from './network-interface.ts';
// The one rule model shared by all four clouds (see DESIGN.md, "The rule model").

import type { Provider } from './providers/index.ts';

export type { Provider } from './providers/index.ts';
export { PROVIDERS } from './providers/index.ts';

export type Direction = 'ingress' | 'egress';
export type Action = 'allow' | 'deny';
export type Family = 'ipv4' | 'ipv6';

/** Named protocols are canonical: 6 is always `tcp`, 17 `udp`, 1 `icmp`, 58 `icmpv6`, 47 `gre`. */
export type NamedProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'gre';
export type Protocol = 'all' | NamedProtocol | number;

/** Inclusive range. For TCP/UDP: ports 0..65535. For ICMP: `type * 256 + code`. */
export interface PortRange {
  from: number;
  to: number;
}

export type Peer =
  | { kind: 'cidr'; cidr: string }
  | { kind: 'group'; groupId: string; self: boolean; account?: string }
  | { kind: 'prefix-list'; id: string }
  | { kind: 'address-group'; id: string };

/** Where a rule came from: the provider's rule id (or a stable derived one) and the raw record. */
export interface NativeRef {
  ruleId: string;
  /** true when the provider has no rule id and `ruleId` was derived from the rule's content. */
  derivedId: boolean;
  raw: unknown;
}

export interface Rule {
  direction: Direction;
  action: Action;
  /** Smaller wins. AWS and Neutron rules all share priority 1. */
  priority: number;
  family: Family;
  protocol: Protocol;
  /**
   * Port ranges for TCP/UDP, `type*256+code` ranges for ICMP/ICMPv6, and the full
   * range [0, 65535] for protocols without ports (all, GRE, other numbers).
   */
  ports: PortRange[];
  /**
   * Alibaba `PortRangeListId`: the rule's ports are the port list's entries, resolved from
   * `Estate.portSets` at evaluation (`ports` then holds the full range, the worst case).
   */
  portList?: { id: string };
  peer: Peer;
  enabled: boolean;
  description: string;
  native: NativeRef;
}

export interface Attachment {
  kind: 'network-interface' | 'instance' | 'other';
  id: string;
}

export interface SecurityGroup {
  provider: Provider;
  account: string;
  region: string;
  vpcId: string;
  id: string;
  name: string;
  description: string;
  /** Alibaba: `normal` (basic) or `enterprise` (advanced). */
  groupType?: 'normal' | 'enterprise';
  /** Alibaba basic groups: whether instances in the group reach each other. */
  innerAccessPolicy?: 'accept' | 'drop';
  /** Neutron v2.0 groups (OTC) are allow-only, like AWS. */
  api?: 'vpc-v3' | 'neutron-v2';
  rules: Rule[];
  /** undefined when no attachment data was read; [] when read and empty. */
  attachments?: Attachment[];
  /**
   * The address and port sets its rules name, as read with the estate (`mergePages` attaches
   * them, so every evaluation of the group sees them). A named set missing here is unresolved.
   */
  addressSets?: AddressSet[];
  portSets?: PortSet[];
}

/** Raw data a normalizer could not read. Never dropped: it becomes an `unparseable-rule` finding. */
export interface UnparseableRecord {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  groupName: string;
  ruleId: string;
  reason: string;
  raw: unknown;
  /** Where it came from, e.g. a file name and page index. */
  origin: string;
  /**
   * Set when the record is a rule (or a list of rules) of its group: the evaluation assumes the
   * worst for it (an allow, or an unknown action, allows everything from anywhere; a deny is absent).
   */
  standsFor?: UnreadableRule;
}

/** What is known of an unreadable rule: its direction and action where they could be read. */
export interface UnreadableRule {
  direction?: Direction;
  action?: Action;
}

/** A scope (provider/account/region) that could not be read. Nothing in it is reported clean. */
export interface ScanError {
  provider: Provider | 'unknown';
  account: string;
  region: string;
  origin: string;
  message: string;
}

/**
 * The entries behind a peer that stands for addresses: an AWS managed prefix list, an Alibaba
 * prefix list, a Huawei/OTC address group. Evaluated as the addresses it holds; a set whose
 * entries are unknown is unresolved, never empty.
 */
export interface AddressSet {
  provider: Provider;
  account: string;
  region: string;
  kind: 'prefix-list' | 'address-group';
  id: string;
  name: string;
  /** The family the list declares (an IPv6 prefix list holds IPv6 entries). */
  family: Family;
  /** Canonical CIDR blocks; undefined when the entries could not be read. */
  entries?: string[];
  /** The provider's own service ranges (AWS-managed lists such as CloudFront origin-facing). */
  providerManaged: boolean;
  /** The list's version where the provider has one: a precondition of plans that depend on it. */
  version?: string;
  /** Why the entries are unknown (permission denied, another account's list, not in the snapshot). */
  unresolved?: string;
}

/** An Alibaba port list (`PortRangeListId`): the port ranges a rule that names it covers. */
export interface PortSet {
  provider: Provider;
  account: string;
  region: string;
  id: string;
  name: string;
  /** undefined when the entries could not be read. */
  ports?: PortRange[];
  version?: string;
  unresolved?: string;
}

export interface Estate {
  groups: SecurityGroup[];
  unparseable: UnparseableRecord[];
  scanErrors: ScanError[];
  /** Address sets read with the groups (absent: none read, so every set-valued peer is unresolved). */
  addressSets?: AddressSet[];
  /** Alibaba port lists read with the groups. */
  portSets?: PortSet[];
  /** The network interfaces read with the groups (absent: not read, so exposure is judged per group only). */
  interfaces?: NetworkInterface[];
  /** Launch templates and configurations that name groups (absent: not read). */
  groupUses?: GroupUse[];
  /** Which kinds of them were listed, per provider (a kind not here was not read). */
  groupUseListings?: GroupUseListing[];
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface Finding {
  check: string;
  severity: Severity;
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  groupName: string;
  /** What inside the group the finding is about (`port/22`, `rule/<content signature>`): part of the fingerprint. */
  subject: string;
  /** Evidence: the provider ids of the rules that carry it; never part of the fingerprint. */
  ruleIds: string[];
  title: string;
  detail: string;
  /** How much it exposes, for "widened since suppressed"; not part of the fingerprint. */
  exposure?: ExposureMeasure;
  /** The interfaces (and instances) it concerns, where interfaces were read: evidence, never part of the fingerprint. */
  reach?: FindingReach;
  /**
   * An interface finding: the groups whose rules decide it. A suppression naming one group covers it
   * only when that group is the only one (README "Accepted findings in CI").
   */
  decidingGroups?: { id: string; name: string }[];
  /** Provider, account, region, group, check and subject, hashed: the same exposure keeps it. */
  fingerprint: string;
  /** The fingerprint as earlier versions made it (with rule ids), where it differs: state stored under it still matches. */
  legacyFingerprint?: string;
}

/** The interfaces a finding concerns: how many, and the first few by id (a finding never lists 50,000). */
export interface FindingReach {
  interfaces: number;
  publicInterfaces: number;
  instances: number;
  /** Sorted by interface id, at most `REACH_SAMPLE`. */
  sample: { interface: string; instance?: string; publicAddresses: string[] }[];
}

export const REACH_SAMPLE = 20;

/**
 * How much of an exposure a finding covers, per facet (e.g. `tcp ipv4` → public addresses allowed,
 * `ports` → ports opened, `rule <signature>` → 1): whole numbers as decimal text, since IPv6 address
 * counts exceed what a JSON number holds exactly. See src/model/exposure-measure.ts.
 */
export type ExposureMeasure = Record<string, string>;
