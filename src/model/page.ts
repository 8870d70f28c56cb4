import type {
  GroupUse,
  GroupUseKind,
  GroupUseListing,
  NetworkInterface,
  PublicAddressFragment,
} from './network-interface.ts';
import type {
  AddressSet,
  Attachment,
  PortSet,
  Provider,
  Rule,
  SecurityGroup,
  UnparseableRecord,
  UnreadableRule,
} from './types.ts';

/** What the caller knows about a page before reading it. */
export interface PageContext {
  provider: Provider;
  /** '' when unknown; a normalizer fills it from the page where the page carries it (AWS OwnerId). */
  account: string;
  region: string;
  /** For messages and evidence: file name and page index, or the API call. */
  origin: string;
}

/** Group metadata as a list call returns it; rules may come from another page. */
export type GroupInfo = Omit<SecurityGroup, 'rules' | 'attachments'>;

export interface Scope {
  provider: Provider;
  account: string;
  region: string;
}

export interface RuleFragment {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  rule: Rule;
  /**
   * An authoritative rule list (one with real provider rule ids, e.g. AWS
   * DescribeSecurityGroupRules) replaces a non-authoritative one for the same group
   * (e.g. the IpPermissions nested in DescribeSecurityGroups).
   */
  authoritative: boolean;
}

export interface AttachmentFragment {
  provider: Provider;
  account: string;
  region: string;
  groupId: string;
  attachment: Attachment;
}

/** One raw page in, model fragments out. The same for snapshots and live adapters. */
export interface PageResult {
  groups: GroupInfo[];
  rules: RuleFragment[];
  /**
   * Attachments the page shows apart from `interfaces`: those of an interface it could not read in
   * full (a group that does not read), which is not listed as an interface. Every interface listed
   * attaches its groups itself (`mergePages`).
   */
  attachments: AttachmentFragment[];
  /**
   * Scopes whose attachments this page lists (a network-interface page), so a group of
   * such a scope with none is known to be attached to nothing. Other scopes stay unknown.
   */
  attachmentScopes: Scope[];
  unparseable: UnparseableRecord[];
  /** Prefix lists / address groups this page describes (their entries, or why they are unknown). */
  addressSets?: AddressSet[];
  /** Alibaba port lists this page describes. */
  portSets?: PortSet[];
  /** Network interfaces (ENIs, ports) this page lists, with the groups bound to each. */
  interfaces?: NetworkInterface[];
  /** Public addresses listed apart from their interfaces (EIPs, floating IPs). */
  publicAddresses?: PublicAddressFragment[];
  /** Scopes whose separate public-address listing this page belongs to (as `attachmentScopes`: a failed listing fails the scope's read). */
  publicAddressScopes?: Scope[];
  /** Scopes where this page's part of the public-address listing did not read in full: no page vouches for them. */
  publicAddressGaps?: Scope[];
  /** Launch templates and configurations that name groups. */
  groupUses?: GroupUse[];
  /** The kinds of group use this page is (part of) the listing of. */
  groupUseListings?: GroupUseListing[];
}

export function emptyPageResult(): PageResult {
  return { groups: [], rules: [], attachments: [], attachmentScopes: [], unparseable: [] };
}

/** A page of a listing of group uses, before its uses are added: it says the listing was read. */
export function groupUsePage(provider: Provider, kind: GroupUseKind): PageResult {
  return { ...emptyPageResult(), groupUses: [], groupUseListings: [{ provider, kind }] };
}

/** One shape of raw page: an API call's response body as the provider returns it. */
export interface PageKind {
  /** `<provider>:<ApiCall>`, e.g. `aws:DescribeSecurityGroups`, for messages. */
  name: string;
  /** Providers whose API answers with this shape (Huawei and OTC share VPC v3). */
  providers: readonly Provider[];
  matches(page: unknown): boolean;
  /** Never throws: what it cannot read becomes `unparseable`. */
  normalize(page: unknown, ctx: PageContext): PageResult;
}

export function unparseableRecord(
  ctx: PageContext,
  where: { groupId?: string; groupName?: string; ruleId?: string; standsFor?: UnreadableRule },
  reason: string,
  raw: unknown,
): UnparseableRecord {
  const record: UnparseableRecord = {
    provider: ctx.provider,
    account: ctx.account,
    region: ctx.region,
    groupId: where.groupId ?? '',
    groupName: where.groupName ?? '',
    ruleId: where.ruleId ?? '',
    reason,
    raw,
    origin: ctx.origin,
  };
  if (where.standsFor) record.standsFor = where.standsFor;
  return record;
}

/** The direction and action of a rule record that could not be read, from whatever of them reads (any case; drop = deny). */
export function unreadableRule(direction: unknown, action: unknown): UnreadableRule {
  const word = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '');
  const rule: UnreadableRule = {};
  const d = word(direction);
  if (d === 'ingress' || d === 'egress') rule.direction = d;
  const a = word(action);
  if (a === 'deny' || a === 'drop') rule.action = 'deny';
  else if (a === 'allow' || a === 'accept') rule.action = 'allow';
  return rule;
}

/** A raw value as it appears in a one-line reason: never throws, whatever the value is. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  text = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
