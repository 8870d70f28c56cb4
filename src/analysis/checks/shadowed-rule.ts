import type { Rule } from '../../model/types.ts';
import { oneDraftPerSubject, ruleSubject } from '../check.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { describeRule } from '../describe.ts';
import { atomFor, bucketAllowedSignature, evaluateBucket, regionKey } from '../evaluate.ts';
import type { Bucket, BucketResult, EvaluatedPolicy, ProtocolAtom, Region, RuleSpace, Segment } from '../evaluate.ts';
import { isImplicit } from '../semantics.ts';
import { withoutStandIns } from '../unreadable.ts';

/** Whether a region of a segment is traffic the rule matches (its addresses and ports, sets looked up). */
function matches(placed: RuleSpace, segment: Segment, region: Region): boolean {
  return (
    placed.ports.some((p) => p.from <= segment.ports.to && segment.ports.from <= p.to) &&
    placed.intervals.some((i) => region.lo <= i.hi && i.lo <= region.hi)
  );
}

/** The rules that decide the traffic a rule matches once it is gone (undefined: the default deny). */
function decidersWithout(policy: EvaluatedPolicy, rule: Rule): (Rule | undefined)[] {
  const placed = policy.ruleSpaces.get(rule);
  const bucket = placed && policy.buckets.get(`${rule.direction}|${placed.space.key}`);
  if (!placed || !bucket) return [];
  const result = evaluateBucket({ ...bucket, rules: bucket.rules.filter((c) => c.rule !== rule) }, new Set());
  const atoms: ProtocolAtom[] =
    rule.protocol === 'all' ? [...result.atoms] : [result.atoms.has(rule.protocol) ? rule.protocol : 'other'];
  const out = new Set<Rule | undefined>();
  for (const atom of atoms) {
    for (const segment of result.segments.get(atom) ?? []) {
      for (const region of segment.regions) if (matches(placed, segment, region)) out.add(region.decidedBy);
    }
  }
  return [...out];
}

/** Deciders of the traffic a rule matches in the evaluated policy, or undefined where the rule itself decides. */
function decidersWith(policy: EvaluatedPolicy, rule: Rule): (Rule | undefined)[] | undefined {
  const placed = policy.ruleSpaces.get(rule);
  if (!placed) return [];
  const space = placed.space;
  const atoms =
    rule.protocol === 'all'
      ? [...(policy.atoms.get(`${rule.direction}|${space.key}`) ?? [])]
      : [atomFor(policy, rule.direction, space.key, rule.protocol)];
  const out = new Set<Rule | undefined>();
  for (const atom of atoms) {
    for (const segment of policy.segments.get(regionKey(rule.direction, space.key, atom)) ?? []) {
      for (const region of segment.regions) {
        if (!matches(placed, segment, region)) continue;
        if (region.decidedBy === rule) return undefined;
        out.add(region.decidedBy);
      }
    }
  }
  return [...out];
}

function why(policy: EvaluatedPolicy, rule: Rule): string {
  // Where the rule decides nothing, the same rules decide its traffic with and without it.
  const deciders = decidersWith(policy, rule) ?? decidersWithout(policy, rule);
  const rules = deciders.filter((d) => d !== undefined);
  if (rules.length === 0)
    return rule.action === 'deny' ? 'nothing it denies would otherwise be allowed' : 'removing it changes no decision';
  const named = rules.slice(0, 3).map(describeRule).join(', ');
  const more = rules.length > 3 ? ` and ${rules.length - 3} more` : '';
  return `without it, ${named}${more}${deciders.includes(undefined) ? ' (or the default deny)' : ''} decide everything it matches the same way`;
}

/** Whether removing every candidate at once leaves the bucket's allowed traffic as it is (the common case). */
function removableTogether(policy: EvaluatedPolicy, bucket: Bucket, candidates: ReadonlySet<Rule>): boolean {
  const key = `${bucket.direction}|${bucket.space.key}`;
  const atoms = policy.atoms.get(key) ?? new Set<ProtocolAtom>();
  const original: BucketResult = {
    atoms,
    segments: new Map(
      [...atoms].map((a) => [a, policy.segments.get(regionKey(bucket.direction, bucket.space.key, a)) ?? []]),
    ),
  };
  const without = evaluateBucket({ ...bucket, rules: bucket.rules.filter((c) => !candidates.has(c.rule)) }, new Set());
  return bucketAllowedSignature(without, atoms) === bucketAllowedSignature(original, atoms);
}

/**
 * The reported rules (`shadowedRules`) that must go with `rules` for their removal to change nothing: none when
 * `rules` can go alone; else the other reported rules of their buckets (duplicates of an allow and a deny at one
 * priority are removable only together, as `shadowedRules` reports them).
 */
export function removableCompanions(policy: EvaluatedPolicy, rules: readonly Rule[]): Rule[] {
  const reported = new Set(shadowedRules(policy));
  const companions: Rule[] = [];
  for (const bucket of policy.buckets.values()) {
    const own = new Set(bucket.rules.filter((c) => rules.includes(c.rule)).map((c) => c.rule));
    if (own.size === 0 || removableTogether(policy, bucket, own)) continue;
    for (const c of bucket.rules)
      if (reported.has(c.rule) && !own.has(c.rule) && !companions.includes(c.rule)) companions.push(c.rule);
  }
  return companions;
}

/**
 * Rules whose removal changes no decision. The evaluator finds, exactly, the rules whose removal
 * alone changes nothing. Several such rules in one direction and peer space (duplicates, stacked
 * denies) may each be removable but not all together, so they are removed one at a time, last
 * first, re-evaluating that space after each: the reported set can be removed together.
 */
export function shadowedRules(policy: EvaluatedPolicy): Rule[] {
  const removed: Rule[] = [];
  for (const bucket of policy.buckets.values()) {
    // A rule whose set is unknown is evaluated as the worst case, which says nothing about whether it matters.
    const candidates = new Set(
      bucket.rules
        .filter(
          (c) => !isImplicit(c.rule) && !policy.effective.has(c.rule) && !policy.ruleSpaces.get(c.rule)?.unresolved,
        )
        .map((c) => c.rule),
    );
    let rules = bucket.rules;
    let open = [...candidates];
    if (open.length > 1 && removableTogether(policy, bucket, candidates)) {
      removed.push(...open);
      continue;
    }
    while (open.length > 0) {
      const last = open[open.length - 1] as Rule;
      removed.push(last);
      if (open.length === 1) break;
      rules = rules.filter((c) => c.rule !== last);
      const effective = new Set<Rule>();
      evaluateBucket({ ...bucket, rules }, effective);
      open = rules.filter((c) => candidates.has(c.rule) && !effective.has(c.rule)).map((c) => c.rule);
    }
  }
  const order = new Map(policy.rules.map((r, i) => [r, i]));
  return removed.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

export const shadowedRule: Check<'shadowed-rule'> = {
  meta: {
    id: 'shadowed-rule',
    title: 'Rule changes nothing',
    severity: 'low',
    rationale:
      'A rule that decides nothing (a duplicate, covered by a higher-precedence rule, a deny with nothing to deny beneath it, or an allow nullified by a deny) misleads reviewers about what is open and eats into rule quotas.',
    source: `${cite(ALIBABA_OVERVIEW, 'Security group rule priority: drop wins at equal priority')}; ${cite(HUAWEI_SECURITY_GROUP, 'rule priority: deny first')}`,
    remediation: 'Remove the rule; the effective policy stays exactly the same.',
  },
  run({ policy }) {
    // Whether a listed rule changes anything is a question about the listed rules, not the worst case assumed for unreadable ones.
    const listed = withoutStandIns(policy);
    const drafts: FindingDraft[] = [];
    for (const rule of shadowedRules(listed)) {
      drafts.push({
        subject: ruleSubject(rule),
        legacySubject: `rule/${rule.native.ruleId}`,
        ruleIds: [rule.native.ruleId],
        title: `Rule ${rule.native.ruleId} changes nothing`,
        detail: `${describeRule(rule)}: ${why(listed, rule)}; the effective policy is identical without it.`,
      });
    }
    return oneDraftPerSubject(drafts);
  },
};
