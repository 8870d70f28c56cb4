import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGroup } from '../src/analysis/evaluate.ts';
import { evaluatedPart, partFromPolicy } from '../src/analysis/interface-rules.ts';
import type { GroupPart } from '../src/analysis/interface-rules.ts';
import { appliedRules } from '../src/analysis/semantics.ts';
import type { Peer, PortRange, Protocol, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';

// The interface audit takes each group's part from the group audit's own evaluation, evaluating
// again only the buckets whose rules name the group itself. That must be exactly the part a fresh
// evaluation on the resolved rules gives: every map, its order, every region and its decider.
const OWN_ID = 'sg-1';
const OWN_ACCOUNT = 'acct';
const PROTOCOLS: Protocol[] = ['all', 'tcp', 'udp', 'icmp'];
const CIDRS = ['0.0.0.0/0', '10.0.0.0/8', '10.1.2.0/24', '203.0.113.0/24', '2001:db8::/32'];
// Peers that resolve (self, the own account) and peers that do not, one naming the group by id.
const PEERS = ['self', 'own-account', 'by-id', 'other', 'other-account', ...CIDRS];

const portRange = fc
  .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 }))
  .map(([from, span]) => ({ from, to: from + span }));

function peerOf(spec: string): Peer {
  switch (spec) {
    case 'self':
      return { kind: 'group', groupId: OWN_ID, self: true };
    case 'own-account':
      return { kind: 'group', groupId: 'sg-2', self: false, account: OWN_ACCOUNT };
    case 'by-id':
      return { kind: 'group', groupId: OWN_ID, self: false };
    case 'other':
      return { kind: 'group', groupId: 'sg-2', self: false };
    case 'other-account':
      return { kind: 'group', groupId: 'sg-2', self: false, account: 'elsewhere' };
    default:
      return { kind: 'cidr', cidr: spec };
  }
}

const ruleArb = (allowOnly: boolean): fc.Arbitrary<Rule> =>
  fc
    .record({
      direction: fc.constantFrom('ingress', 'egress'),
      action: allowOnly ? fc.constant('allow') : fc.constantFrom('allow', 'deny'),
      priority: fc.constantFrom(1, 2, 110),
      protocol: fc.constantFrom(...PROTOCOLS),
      ports: fc.array(portRange, { minLength: 1, maxLength: 2 }) as fc.Arbitrary<PortRange[]>,
      peer: fc.constantFrom(...PEERS),
      enabled: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    } as const)
    .map((r) =>
      rule({
        ...r,
        ...(r.protocol === 'all' ? { ports: undefined } : {}),
        peer: peerOf(r.peer),
        family: r.peer.includes(':') ? 'ipv6' : 'ipv4',
      }),
    );

const groupArb = (provider: Provider, extra: Partial<SecurityGroup>, allowOnly: boolean) =>
  fc.tuple(fc.array(ruleArb(allowOnly), { maxLength: 10 }), fc.boolean()).map(([rules, drop]) =>
    group({
      provider,
      id: OWN_ID,
      account: OWN_ACCOUNT,
      ...extra,
      ...(provider === 'alibaba' ? { innerAccessPolicy: drop ? 'drop' : 'accept' } : {}),
      rules,
    }),
  );

/** The part with every rule named by its place in `part.rules` (implicit rules are new objects per evaluation). */
function canonical(part: GroupPart) {
  const at = (rule: Rule | undefined): number => (rule === undefined ? -1 : part.rules.indexOf(rule));
  const policy = part.policy;
  return {
    rules: part.rules.map((r) => JSON.stringify(r)),
    origins: part.rules.map((r) => JSON.stringify(part.origins.get(r)?.rule)),
    spaces: [...policy.spaces.keys()],
    atoms: [...policy.atoms].map(([key, present]) => [key, [...present]]),
    segments: [...policy.segments].map(([key, list]) => [
      key,
      list.map((s) => ({ ports: s.ports, regions: s.regions.map((r) => [r.lo, r.hi, r.decision, at(r.decidedBy)]) })),
    ]),
    effective: [...policy.effective].map(at).sort((a, b) => a - b),
    buckets: [...policy.buckets].map(([key, b]) => [
      key,
      b.space.key,
      b.rules.map((c) => [at(c.rule), c.lo, c.hi, c.loRank, c.hiRank, c.ports]),
      b.line,
      b.cellEnd,
    ]),
    ruleSpaces: [...policy.ruleSpaces].map(([r, s]) => [at(r), s.space.key, s.intervals, s.ports, s.unresolved]),
  };
}

const KINDS: [string, fc.Arbitrary<SecurityGroup>][] = [
  ['AWS', groupArb('aws', {}, true)],
  ['Alibaba (implicit rules naming the group itself)', groupArb('alibaba', { groupType: 'normal' }, false)],
  ['Huawei', groupArb('huawei', {}, false)],
  ['OTC Neutron', groupArb('otc', { api: 'neutron-v2' }, true)],
];

describe("a group's part taken from its own evaluation equals a fresh evaluation on the resolved rules", () => {
  for (const [name, arb] of KINDS) {
    it(name, () => {
      fc.assert(
        fc.property(arb, (g) => {
          const fromAudit = partFromPolicy(g, evaluateGroup(g, appliedRules(g)));
          expect(canonical(fromAudit)).toEqual(canonical(evaluatedPart(g)));
        }),
        { numRuns: 300 },
      );
    });
  }

  it('reuses the evaluation as it is when no rule names the group itself', () => {
    const g = group({ provider: 'aws', rules: [rule({ peer: '10.0.0.0/8', ports: 22 })] });
    const policy = evaluateGroup(g, appliedRules(g));
    expect(partFromPolicy(g, policy).policy).toBe(policy);
  });
});
