import { parseCidr } from '../../model/address.ts';
import type { Family, Rule } from '../../model/types.ts';
import { oneDraftPerSubject, ruleSubject } from '../check.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, cite } from '../documents.ts';
import { describeRule, thousands, percent } from '../describe.ts';
import { regionKey } from '../evaluate.ts';
import type { Region, Segment } from '../evaluate.ts';
import { publicCountExcluding, publicShare } from '../public-space.ts';
import type { Interval } from '../public-space.ts';

const trustedCache = new WeakMap<readonly string[], Record<Family, Interval[]>>();

/** The configured trusted ranges of a family, merged; computed once per config. */
function trustedIntervals(ranges: readonly string[], family: Family): Interval[] {
  let known = trustedCache.get(ranges);
  if (!known) {
    known = { ipv4: mergeTrusted(ranges, 'ipv4'), ipv6: mergeTrusted(ranges, 'ipv6') };
    trustedCache.set(ranges, known);
  }
  return known[family];
}

function mergeTrusted(ranges: readonly string[], family: Family): Interval[] {
  const blocks = ranges.map((r) => parseCidr(r)).filter((b) => b !== undefined && b.family === family);
  const sorted = blocks.map((b) => ({ lo: b!.lo, hi: b!.hi })).sort((a, b) => (a.lo < b.lo ? -1 : 1));
  const merged: Interval[] = [];
  for (const block of sorted) {
    const last = merged[merged.length - 1];
    if (last && block.lo <= last.hi + 1n) last.hi = block.hi > last.hi ? block.hi : last.hi;
    else merged.push({ ...block });
  }
  return merged;
}

export const widePublicCidr: Check<'wide-public-cidr'> = {
  meta: {
    id: 'wide-public-cidr',
    title: 'Access from a wide public range',
    severity: 'medium',
    rationale:
      'A wide public range (larger than a typical office or VPN block) lets in millions of addresses you do not control, even if it is not the whole Internet.',
    source: `Prowler ec2_securitygroup_allow_wide_open_public_ipv4; ${cite(ALIBABA_OVERVIEW, 'usage notes')}: do not authorize 0.0.0.0/0 unless necessary`,
    remediation:
      'Narrow the source to the exact ranges that need access, or add them to `wide.trustedPublicRanges` if they are yours.',
  },
  run({ policy, config }) {
    const drafts: FindingDraft[] = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      const prefix = family === 'ipv4' ? config.wide.ipv4Prefix : config.wide.ipv6Prefix;
      const limit = 1n << BigInt((family === 'ipv4' ? 32 : 128) - prefix);
      const trusted = trustedIntervals(config.wide.trustedPublicRanges, family);
      // Only a rule whose own addresses are more than the limit can let in more than the limit.
      const bucket = policy.buckets.get(`ingress|${family}`);
      if (
        !bucket?.rules.some(
          (c) =>
            c.rule.action === 'allow' &&
            (c.hi - c.lo + 1n > limit || (policy.ruleSpaces.get(c.rule)?.intervals.length ?? 1) > 1),
        )
      )
        continue;
      // A provider-managed list holds the service's own ranges: open to the service, not to a wide public range.
      const skipped = (rule: Rule) =>
        !config.wide.countProviderManagedLists && policy.ruleSpaces.get(rule)?.set?.providerManaged === true;
      // The most public (untrusted) addresses each rule decides for any single protocol and port.
      const widest = new Map<Rule, bigint>();
      for (const atom of policy.atoms.get(`ingress|${family}`) ?? []) {
        const segments = policy.segments.get(regionKey('ingress', family, atom)) ?? [];
        for (let s = 0; s < segments.length; s++) {
          const regions = (segments[s] as Segment).regions;
          // Per segment a rule decides one region or a few: sum its public addresses here.
          let rules: Rule[] | undefined;
          let counts: bigint[] | undefined;
          for (let i = 0; i < regions.length; i++) {
            const region = regions[i] as Region;
            const rule = region.decidedBy;
            if (region.decision !== 'allow' || !rule || skipped(rule)) continue;
            const count = publicCountExcluding(family, region.lo, region.hi, trusted);
            rules ??= [];
            counts ??= [];
            const at = rules.indexOf(rule);
            if (at === -1) {
              rules.push(rule);
              counts.push(count);
            } else {
              counts[at] = (counts[at] as bigint) + count;
            }
          }
          if (!rules || !counts) continue;
          for (let i = 0; i < rules.length; i++) {
            const rule = rules[i] as Rule;
            if ((counts[i] as bigint) > (widest.get(rule) ?? 0n)) widest.set(rule, counts[i] as bigint);
          }
        }
      }
      for (const [rule, count] of widest) {
        const share = publicShare(family, count);
        if (count <= limit || share >= config.internet.minShare) continue;
        drafts.push({
          subject: ruleSubject(rule),
          legacySubject: `rule/${rule.native.ruleId}`,
          ruleIds: [rule.native.ruleId],
          exposure: { [`public ${family}`]: count.toString() },
          title: `Access from a wide public range (${rule.peer.kind === 'cidr' ? rule.peer.cidr : family})`,
          detail: `${describeRule(rule)} lets in ${thousands(count)} public addresses (${percent(share)} of the public ${family === 'ipv4' ? 'IPv4' : 'IPv6'} space), more than a /${prefix}.`,
        });
      }
    }
    return oneDraftPerSubject(drafts);
  },
};
