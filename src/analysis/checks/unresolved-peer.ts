import type { Rule } from '../../model/types.ts';
import type { Check, FindingDraft } from '../check.ts';
import { describeRule } from '../describe.ts';
import type { EvaluatedPolicy } from '../evaluate.ts';
import { addressSetOf, unresolvedSetReason } from '../rule-space.ts';

/** Each unknown set a rule names: what it is, why it is unknown, and the subject of its finding. */
function unknownSets(policy: EvaluatedPolicy, rule: Rule): { subject: string; why: string }[] {
  if (!policy.ruleSpaces.get(rule)?.unresolved) return [];
  const out: { subject: string; why: string }[] = [];
  const peer = rule.peer;
  if (peer.kind === 'prefix-list' || peer.kind === 'address-group') {
    const why = unresolvedSetReason(addressSetOf(policy.group, peer), peer);
    if (why) out.push({ subject: `peer/${peer.kind}:${peer.id}`, why });
  }
  if (rule.portList) {
    const set = policy.group.portSets?.find((s) => s.id === rule.portList?.id);
    if (set?.ports === undefined)
      out.push({
        subject: `ports/port-list:${rule.portList.id}`,
        why: `port list ${rule.portList.id}: ${set?.unresolved ?? 'its entries were not read'}`,
      });
  }
  return out;
}

const ASSUMPTION = 'assumed to hold every address (or port) where it allows and nothing where it denies';

export const unresolvedPeer: Check<'unresolved-peer'> = {
  meta: {
    id: 'unresolved-peer',
    title: 'Rule names a list whose entries could not be read',
    severity: 'medium',
    rationale:
      'A prefix list, address group or port list stands for the addresses or ports it holds; when they cannot be read (permission denied, a list shared from another account, a snapshot without it), what the rule opens is unknown. It is evaluated as the worst case so it can only make findings appear, never hide one.',
    source:
      'AWS EC2 managed prefix lists (GetManagedPrefixListEntries); Alibaba Cloud ECS prefix lists; Huawei Cloud VPC address groups',
    remediation:
      'Grant Warden read access to the list (ec2:GetManagedPrefixListEntries, DescribePrefixListAttributes, ListAddressGroup) or include its entries in the snapshot, then audit again.',
  },
  run({ policy }) {
    const bySubject = new Map<string, { why: string; rules: Rule[] }>();
    for (const rule of policy.rules) {
      for (const unknown of unknownSets(policy, rule)) {
        const entry = bySubject.get(unknown.subject) ?? { why: unknown.why, rules: [] };
        entry.rules.push(rule);
        bySubject.set(unknown.subject, entry);
      }
    }
    const drafts: FindingDraft[] = [];
    for (const [subject, { why, rules }] of bySubject) {
      drafts.push({
        subject,
        ruleIds: rules.map((r) => r.native.ruleId),
        title: `Entries of ${why.slice(0, why.indexOf(':'))} could not be read`,
        detail: `${why}. ${rules.map(describeRule).join(', ')} ${rules.length === 1 ? 'is' : 'are'} evaluated with it ${ASSUMPTION}.`,
      });
    }
    return drafts;
  },
};

const unknownByRuleId = new WeakMap<EvaluatedPolicy, Map<string, string[]>>();

/** Rule id to the unknown sets it names, once per policy (empty almost always). */
function unknownRules(policy: EvaluatedPolicy): Map<string, string[]> {
  let known = unknownByRuleId.get(policy);
  if (!known) {
    known = new Map();
    for (const [rule, placed] of policy.ruleSpaces)
      if (placed.unresolved)
        known.set(
          rule.native.ruleId,
          unknownSets(policy, rule).map((u) => u.why),
        );
    unknownByRuleId.set(policy, known);
  }
  return known;
}

/**
 * A finding carried by a rule whose set is unknown rests on the worst-case assumption: its detail
 * says so, naming the set.
 */
export function noteUnresolved(policy: EvaluatedPolicy, draft: FindingDraft): FindingDraft {
  const unknown = unknownRules(policy);
  if (unknown.size === 0) return draft;
  const reasons = new Set(draft.ruleIds.flatMap((id) => unknown.get(id) ?? []));
  if (reasons.size === 0) return draft;
  return { ...draft, detail: `${draft.detail} Depends on ${[...reasons].join('; ')} (${ASSUMPTION}).` };
}
