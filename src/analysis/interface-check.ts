import type { WardenConfig } from '../config/schema.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { CheckMeta, FindingDraft } from './check.ts';
import type { InterfacePolicy } from './interface-evaluate.ts';

/** One distinct set of groups, evaluated once, and every interface that carries exactly it. */
export interface InterfaceCheckContext {
  policy: InterfacePolicy;
  /** The interfaces with this policy (public and private). */
  interfaces: readonly NetworkInterface[];
  config: WardenConfig;
}

/** What an interface check reports: a draft, and the interfaces it concerns (the finding's `reach`). */
export interface InterfaceDraft extends FindingDraft {
  interfaces: readonly NetworkInterface[];
}

/** A check on the combined policy of an interface's groups; its findings are per group set, never per interface. */
export interface InterfaceCheck<Id extends string = string> {
  meta: CheckMeta<Id>;
  run(context: InterfaceCheckContext): InterfaceDraft[];
}
