import type { z } from 'zod';
import type { GroupUseKind } from '../network-interface.ts';
import type { AddressSet, Rule, SecurityGroup } from '../types.ts';

/** How the rules of several groups on one interface combine (the next step, exposure per interface, reads it). */
export type MultiGroup =
  /** Every allow of every group counts: allow-only clouds. */
  | 'union'
  /** All groups' rules sorted together by priority, then deny before allow. */
  | 'priority'
  /** Group by group in the order they were bound (the first bound wins), then by priority within a group. */
  | 'bind-order';

/** What one API of a cloud can express: the core asks this instead of naming providers. */
export interface Capabilities {
  /** Every rule allows; there are no deny rules and no priorities that matter. */
  allowOnly: boolean;
  /** The priorities a rule created through the API may take; smaller wins. Allow-only APIs give every rule 1. */
  priorities: { min: number; max: number };
  /** Where the cloud's own default rules sit, outside `priorities`: a rule there cannot be created through the API. */
  systemPriority?: number;
  /** Peers a rule may name directly. */
  peerKinds: readonly ('cidr' | 'group')[];
  /** Address sets a rule may name as its peer. */
  addressSetPeers: readonly AddressSet['kind'][];
  /** Whether a group (or address-set) reference carries its own address family; where not, the model keeps it as IPv4. */
  referencesCarryFamily: boolean;
  /** Whether two rules of one group may not share a priority. */
  uniquePriorities: boolean;
  multiGroup: MultiGroup;
}

/** One kind of thing that names a group and launches instances with it. */
export interface LaunchSource {
  kind: GroupUseKind;
  /** What `unused-group` says when its listing was read and names the group nowhere. */
  checked: string;
  /** What it is called when its listing was not read (plural: "launch templates"). */
  unread: string;
}

/** A cloud as the pure core knows it: its APIs' capabilities, the rules it applies without listing them, its config section. */
export interface ProviderDescriptor<P extends string = string, S extends z.ZodType = z.ZodType> {
  name: P;
  /** How messages name the cloud. */
  title: string;
  /** The API a group without `api` was read through. */
  defaultApi: string;
  apis: Readonly<Record<string, Capabilities>>;
  /** Rules no API lists but the cloud applies to this group. */
  implicitRules(group: SecurityGroup): Rule[];
  /** Its part of the config file, `providers.<name>` (optional: a config need not name every cloud). */
  configSchema: S;
  /** The variables holding its credentials, which the functions read from SSM (functions/lib/secrets.ts). */
  secretNames: readonly string[];
  /**
   * What launches instances with a group on this cloud, each kind as `unused-group` says it checked
   * it ("no launch template version names it") or names it not read ("launch templates").
   */
  launchSources?: readonly LaunchSource[];
  /** Without a config section (`warden audit --provider … --regions …`): where it does not take its regions from, and the variable its project id comes from. */
  implicitSection?: { regionsNotFrom?: string; projectEnv?: string };
  /** Its config section narrowed to one scan scope, reached through `role` (AWS: one member account and region). */
  sectionForScope?(
    section: NonNullable<z.output<S>>,
    scope: { account: string; region: string },
    role: { roleArn?: string; externalId?: string } | undefined,
  ): NonNullable<z.output<S>>;
}
