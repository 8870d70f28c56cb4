import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shadowedRules } from '../src/analysis/checks/shadowed-rule.ts';
import { allowedSignature, evaluateGroup, lookup } from '../src/analysis/evaluate.ts';
import type { Packet } from '../src/analysis/evaluate.ts';
import type { AddressSet, Family, PortRange, PortSet, Protocol, Rule } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';
import { addressArb } from './support/arbitraries.ts';
import { referenceDecision } from './support/reference.ts';

// Small universes make overlaps likely: a few ports, protocols, and nested CIDRs.
const PROTOCOLS: Protocol[] = ['all', 'tcp', 'udp', 'icmp', 'gre', 132];
const IPV4_CIDRS = [
  '0.0.0.0/0',
  '0.0.0.0/1',
  '128.0.0.0/1',
  '10.0.0.0/8',
  '10.1.0.0/16',
  '10.1.2.0/24',
  '10.1.2.3/32',
  '203.0.113.0/24',
  '198.51.100.7/32',
  '8.8.8.0/24',
];
const IPV6_CIDRS = ['::/0', '2000::/3', '2001:db8::/32', '2001:db8:1::/48', 'fe80::/10'];

const portRange = fc
  .tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 10 }))
  .map(([from, span]) => ({ from, to: Math.min(65535, from + span) }));

const ruleArb: fc.Arbitrary<Rule> = fc
  .record({
    direction: fc.constantFrom('ingress', 'egress'),
    action: fc.constantFrom('allow', 'deny'),
    priority: fc.integer({ min: 1, max: 4 }),
    protocol: fc.constantFrom(...PROTOCOLS),
    ports: fc.oneof(
      fc.array(portRange, { minLength: 1, maxLength: 3 }),
      fc.constant([{ from: 0, to: 65535 }]) as fc.Arbitrary<PortRange[]>,
    ),
    peer: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...IPV4_CIDRS) },
      { weight: 2, arbitrary: fc.constantFrom(...IPV6_CIDRS) },
      { weight: 1, arbitrary: fc.constantFrom('self', 'sg-other') },
    ),
    enabled: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  } as const)
  .map((spec) => {
    const ports =
      spec.protocol === 'tcp' || spec.protocol === 'udp' || spec.protocol === 'icmp'
        ? spec.ports
        : [{ from: 0, to: 65535 }];
    const peer =
      spec.peer === 'self' || spec.peer === 'sg-other'
        ? { kind: 'group' as const, groupId: spec.peer === 'self' ? 'sg-1' : 'sg-other', self: spec.peer === 'self' }
        : spec.peer;
    return rule({ ...spec, ports, peer, family: typeof peer === 'string' && peer.includes(':') ? 'ipv6' : 'ipv4' });
  });

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv4'),
    protocol: fc.constantFrom(...PROTOCOLS.filter((p) => p !== 'all'), 47, 50),
    port: fc.integer({ min: 0, max: 45 }),
    address: addressArb(IPV4_CIDRS),
  } as const),
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv6'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 58),
    port: fc.integer({ min: 0, max: 45 }),
    address: addressArb(IPV6_CIDRS),
  } as const),
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constantFrom('ipv4|group:self', 'ipv4|group:sg-other'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp'),
    port: fc.integer({ min: 0, max: 45 }),
    address: fc.constant(0n),
  } as const),
) as fc.Arbitrary<Packet>;

describe('evaluator agrees with the brute-force reference', () => {
  it('for random rule sets with priorities, allow/deny, IPv4/IPv6, protocols, ports and symbolic peers', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 14 }),
        fc.array(packetArb, { minLength: 1, maxLength: 40 }),
        (rules, packets) => {
          const policy = evaluateGroup(
            group({ rules }),
            rules.filter((r) => r.enabled),
          );
          for (const packet of packets) {
            const got = lookup(policy, packet);
            expect(got.decision, JSON.stringify({ packet: { ...packet, address: String(packet.address) } })).toBe(
              referenceDecision(rules, packet),
            );
            if (got.decidedBy) expect(got.decidedBy.action).toBe(got.decision);
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('the deciding rule matches the packet and nothing outranks it', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 10 }),
        fc.array(packetArb, { minLength: 1, maxLength: 20 }),
        (rules, packets) => {
          const enabled = rules.filter((r) => r.enabled);
          const policy = evaluateGroup(group({ rules }), enabled);
          for (const packet of packets) {
            const { decidedBy } = lookup(policy, packet);
            if (!decidedBy) {
              expect(referenceDecision(enabled, packet)).toBe('deny');
              continue;
            }
            // Alone, the decider decides the packet the same way.
            expect(referenceDecision([decidedBy], packet)).toBe(decidedBy.action);
            // No matching rule has a smaller priority number.
            for (const other of enabled) {
              if (other.priority < decidedBy.priority) expect(referenceDecision([other], packet)).toBe('deny');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a rule reported as not effective can be removed without changing any decision', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 10 }),
        fc.array(packetArb, { minLength: 1, maxLength: 30 }),
        (rules, packets) => {
          const enabled = rules.filter((r) => r.enabled);
          const policy = evaluateGroup(group({ rules }), enabled);
          for (const candidate of enabled.filter((r) => !policy.effective.has(r))) {
            const without = enabled.filter((r) => r !== candidate);
            for (const packet of packets)
              expect(referenceDecision(without, packet)).toBe(referenceDecision(enabled, packet));
            expect(allowedSignature(evaluateGroup(group({ rules }), without), [policy])).toBe(allowedSignature(policy));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the shadowed rules reported for a group can all be removed together without changing any decision', () => {
    fc.assert(
      fc.property(
        fc.array(ruleArb, { minLength: 1, maxLength: 12 }),
        fc.array(packetArb, { minLength: 1, maxLength: 40 }),
        (rules, packets) => {
          const enabled = rules.filter((r) => r.enabled);
          const shadowed = new Set(shadowedRules(evaluateGroup(group({ rules }), enabled)));
          const kept = enabled.filter((r) => !shadowed.has(r));
          for (const packet of packets)
            expect(referenceDecision(kept, packet)).toBe(referenceDecision(enabled, packet));
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Peers that hold addresses: sets with overlapping and adjacent entries, an IPv6 list, an empty
// one, one whose entries were not read, one never described, and port lists read or not.
const ADDRESS_SETS: AddressSet[] = [
  addressSet('pl-a', 'ipv4', ['10.0.0.0/8', '10.1.0.0/16', '203.0.113.0/25', '203.0.113.128/25', '8.8.8.0/24']),
  addressSet('pl-wide', 'ipv4', ['0.0.0.0/1', '128.0.0.0/1']),
  addressSet('pl-six', 'ipv6', ['2001:db8::/32', '2000::/3']),
  addressSet('pl-empty', 'ipv4', []),
  { ...addressSet('pl-unknown', 'ipv4', []), entries: undefined, unresolved: 'AccessDenied' },
  {
    ...addressSet('ag-unknown6', 'ipv6', []),
    kind: 'address-group',
    entries: undefined,
    unresolved: 'not in the snapshot',
  },
];
const PORT_SETS: PortSet[] = [
  {
    provider: 'alibaba',
    account: 'acct',
    region: 'region-1',
    id: 'prl-a',
    name: 'web',
    ports: [
      { from: 3, to: 5 },
      { from: 20, to: 22 },
    ],
  },
  { provider: 'alibaba', account: 'acct', region: 'region-1', id: 'prl-unknown', name: 'db', unresolved: 'Forbidden' },
];
const SET_IDS = [...ADDRESS_SETS.map((s) => s.id), 'ag-never-described'];

function addressSet(id: string, family: Family, entries: string[]): AddressSet {
  return {
    provider: 'alibaba',
    account: 'acct',
    region: 'region-1',
    kind: 'prefix-list',
    id,
    name: id,
    family,
    entries,
    providerManaged: false,
  };
}

const setRuleArb: fc.Arbitrary<Rule> = fc
  .tuple(
    ruleArb,
    fc.constantFrom(...SET_IDS),
    fc.constantFrom('ipv4', 'ipv6'),
    fc.constantFrom(undefined, undefined, 'prl-a', 'prl-unknown', 'prl-never'),
  )
  .map(([base, id, family, portList]) => {
    const set = ADDRESS_SETS.find((s) => s.id === id);
    const peer = { kind: set?.kind ?? 'address-group', id } as const;
    const withPeer: Rule = { ...base, peer, family: set?.family ?? (family as Family) };
    if (!portList || (base.protocol !== 'tcp' && base.protocol !== 'udp')) return withPeer;
    return { ...withPeer, portList: { id: portList }, ports: [{ from: 0, to: 65535 }] };
  });

const setPacketArb: fc.Arbitrary<Packet> = fc.oneof(
  packetArb,
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv4'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp'),
    port: fc.integer({ min: 0, max: 45 }),
    address: addressArb(ADDRESS_SETS.filter((s) => s.family === 'ipv4').flatMap((s) => s.entries ?? [])),
  } as const),
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv6'),
    protocol: fc.constantFrom('tcp', 'udp'),
    port: fc.integer({ min: 0, max: 45 }),
    address: addressArb(['2001:db8::/32', '2000::/3', '::/0']),
  } as const),
) as fc.Arbitrary<Packet>;

describe('evaluator agrees with the brute-force reference on set-valued peers', () => {
  const mixed = fc.array(fc.oneof(ruleArb, setRuleArb), { minLength: 1, maxLength: 12 });
  const sets = { addressSets: ADDRESS_SETS, portSets: PORT_SETS };

  it('prefix lists, address groups and port lists (read, empty, IPv6, unknown) decide as the addresses and ports they hold, with priorities and allow/deny', () => {
    fc.assert(
      fc.property(mixed, fc.array(setPacketArb, { minLength: 1, maxLength: 40 }), (rules, packets) => {
        const policy = evaluateGroup(
          group({ rules, ...sets }),
          rules.filter((r) => r.enabled),
        );
        for (const packet of packets) {
          const got = lookup(policy, packet);
          expect(got.decision, JSON.stringify({ packet: { ...packet, address: String(packet.address) } })).toBe(
            referenceDecision(rules, packet, sets),
          );
          if (got.decidedBy) expect(referenceDecision([got.decidedBy], packet, sets)).toBe(got.decidedBy.action);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('rules reported as not effective, and the shadowed rules together, can be removed without changing any decision', () => {
    fc.assert(
      fc.property(mixed, fc.array(setPacketArb, { minLength: 1, maxLength: 30 }), (rules, packets) => {
        const enabled = rules.filter((r) => r.enabled);
        const policy = evaluateGroup(group({ rules, ...sets }), enabled);
        for (const candidate of enabled.filter((r) => !policy.effective.has(r))) {
          const without = enabled.filter((r) => r !== candidate);
          for (const packet of packets)
            expect(referenceDecision(without, packet, sets)).toBe(referenceDecision(enabled, packet, sets));
        }
        const shadowed = new Set(shadowedRules(policy));
        const kept = enabled.filter((r) => !shadowed.has(r));
        for (const packet of packets)
          expect(referenceDecision(kept, packet, sets)).toBe(referenceDecision(enabled, packet, sets));
      }),
      { numRuns: 300 },
    );
  });
});
