import type { NetworkInterface } from '../model/network-interface.ts';
import type { Direction, Rule, SecurityGroup } from '../model/types.ts';
import { explainPolicy } from './explain.ts';
import type { ExposurePart } from './explain.ts';
import { evaluateInterface } from './interface-evaluate.ts';
import type { InterfacePolicy } from './interface-evaluate.ts';

export interface ExplainedInterface {
  networkInterface: NetworkInterface;
  policy: InterfacePolicy;
  /** Each part of the combined policy, with the deciding group and the rule as that group lists it. */
  parts: ExposurePart[];
}

/**
 * The combined policy of an interface's groups, part by part. `rulesOf` gives a group's rules as
 * the audit takes them (unreadable ones at their worst); groups the interface names that were not
 * read are left out, and the policy's notes say so.
 */
export function explainInterface(
  networkInterface: NetworkInterface,
  groups: readonly SecurityGroup[],
  direction: Direction,
  rulesOf: (group: SecurityGroup) => Rule[] = (group) => group.rules,
): ExplainedInterface {
  const wanted = new Set(networkInterface.groupIds);
  const carried = groups
    .filter(
      (g) =>
        wanted.has(g.id) &&
        g.provider === networkInterface.provider &&
        g.account === networkInterface.account &&
        g.region === networkInterface.region,
    )
    .map((g) => {
      const rules = rulesOf(g);
      return rules === g.rules ? g : { ...g, rules };
    });
  const policy = evaluateInterface(networkInterface, carried);
  return {
    networkInterface,
    policy,
    parts: explainPolicy(policy.policy, direction, (rule) => policy.origins.get(rule)),
  };
}
