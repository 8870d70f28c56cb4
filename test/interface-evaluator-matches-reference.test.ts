import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Packet } from '../src/analysis/evaluate.ts';
import { evaluateInterface, lookupInterface } from '../src/analysis/interface-evaluate.ts';
import { overlayPolicies } from '../src/analysis/policy-overlay.ts';
import type { InterfacePolicy } from '../src/analysis/interface-evaluate.ts';
import { overriddenRules } from '../src/analysis/interface-overrides.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { MultiGroup } from '../src/model/providers/index.ts';
import type { Peer, PortRange, Protocol, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';
import { addressArb as addressIn } from './support/arbitraries.ts';
import { permutations, referenceInterfaceDecision } from './support/reference.ts';

// Random interfaces with 1–5 groups, per provider, against the brute-force reference: the
// decision, the deciding group and the deciding rule must all match. Small universes make
// overlaps between groups likely: a few ports, protocols, nested CIDRs and group peers that name
// the interface's own groups.
const GROUP_IDS = ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5'];
const PROTOCOLS: Protocol[] = ['all', 'tcp', 'udp', 'icmp', 'gre'];
const IPV4_CIDRS = ['0.0.0.0/0', '0.0.0.0/1', '10.0.0.0/8', '10.1.2.0/24', '203.0.113.0/24', '198.51.100.7/32'];
const IPV6_CIDRS = ['::/0', '2001:db8::/32', '2001:db8:1::/48'];
const GROUP_PEERS = ['self', 'sg-1', 'sg-2', 'sg-3', 'sg-other'];

interface Spec {
  provider: Provider;
  api?: 'vpc-v3' | 'neutron-v2';
  allowOnly: boolean;
  priorities: number[];
  multiGroup: MultiGroup;
  groupOrder: 'bind' | 'unknown';
}

const portRange = fc
  .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 6 }))
  .map(([from, span]) => ({ from, to: from + span }));

function ruleArb(spec: Spec): fc.Arbitrary<Omit<Rule, 'peer'> & { peerSpec: string }> {
  return fc
    .record({
      direction: fc.constantFrom('ingress', 'egress'),
      action: spec.allowOnly ? fc.constant('allow') : fc.constantFrom('allow', 'deny'),
      priority: fc.constantFrom(...spec.priorities),
      protocol: fc.constantFrom(...PROTOCOLS),
      ports: fc.oneof(
        fc.array(portRange, { minLength: 1, maxLength: 2 }),
        fc.constant([{ from: 0, to: 65535 }]) as fc.Arbitrary<PortRange[]>,
      ),
      peerSpec: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...IPV4_CIDRS) },
        { weight: 1, arbitrary: fc.constantFrom(...IPV6_CIDRS) },
        { weight: 3, arbitrary: fc.constantFrom(...GROUP_PEERS) },
      ),
      enabled: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    } as const)
    .map((r) => {
      const ports = r.protocol === 'tcp' || r.protocol === 'udp' || r.protocol === 'icmp' ? r.ports : undefined;
      const built = rule({ ...r, ...(ports ? { ports } : {}), family: r.peerSpec.includes(':') ? 'ipv6' : 'ipv4' });
      return { ...built, peerSpec: r.peerSpec };
    });
}

function peerOf(peerSpec: string, owner: string): Peer {
  if (peerSpec === 'self') return { kind: 'group', groupId: owner, self: true };
  if (peerSpec.startsWith('sg-')) return { kind: 'group', groupId: peerSpec, self: false };
  return { kind: 'cidr', cidr: peerSpec };
}

function interfaceArb(spec: Spec): fc.Arbitrary<{ ni: NetworkInterface; groups: SecurityGroup[] }> {
  return fc
    .integer({ min: 1, max: 5 })
    .chain((n) =>
      fc.tuple(
        fc.shuffledSubarray(GROUP_IDS, { minLength: n, maxLength: n }),
        fc.array(fc.array(ruleArb(spec), { maxLength: 6 }), { minLength: n, maxLength: n }),
        fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        fc.boolean(),
      ),
    )
    .map(([ids, ruleLists, innerDrop, enterprise]) => {
      const groups = ids.map((id, i) =>
        group({
          provider: spec.provider,
          id,
          ...(spec.api ? { api: spec.api } : {}),
          ...(spec.provider === 'alibaba'
            ? { groupType: enterprise ? 'enterprise' : 'normal', innerAccessPolicy: innerDrop[i] ? 'drop' : 'accept' }
            : {}),
          rules: (ruleLists[i] ?? []).map(({ peerSpec, ...r }) => ({ ...r, peer: peerOf(peerSpec, id) })),
        }),
      );
      const ni: NetworkInterface = {
        provider: spec.provider,
        account: 'acct',
        region: 'region-1',
        vpcId: 'vpc-1',
        id: 'eni-1',
        groupIds: ids,
        groupOrder: spec.groupOrder,
        publicAddresses: [],
      };
      return { ni, groups };
    });
}

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv4'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'gre', 50),
    port: fc.integer({ min: 0, max: 20 }),
    address: addressIn(IPV4_CIDRS),
  } as const),
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constant('ipv6'),
    protocol: fc.constantFrom('tcp', 'udp'),
    port: fc.integer({ min: 0, max: 20 }),
    address: addressIn(IPV6_CIDRS),
  } as const),
  fc.record({
    direction: fc.constantFrom('ingress', 'egress'),
    space: fc.constantFrom(...[...GROUP_IDS, 'sg-other'].map((id) => `ipv4|group:${id}`)),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'gre'),
    port: fc.integer({ min: 0, max: 20 }),
    address: fc.constant(0n),
  } as const),
) as fc.Arbitrary<Packet>;

const SPECS: [string, Spec][] = [
  ['AWS (union)', { provider: 'aws', allowOnly: true, priorities: [1], multiGroup: 'union', groupOrder: 'unknown' }],
  [
    'Alibaba (priority, with default rules at 110 and implicit rules)',
    {
      provider: 'alibaba',
      allowOnly: false,
      priorities: [1, 2, 3, 110],
      multiGroup: 'priority',
      groupOrder: 'unknown',
    },
  ],
  [
    'Huawei, bind order known',
    { provider: 'huawei', allowOnly: false, priorities: [1, 2, 3], multiGroup: 'bind-order', groupOrder: 'bind' },
  ],
  [
    'Huawei, bind order unknown (every order, most open)',
    { provider: 'huawei', allowOnly: false, priorities: [1, 2, 3], multiGroup: 'bind-order', groupOrder: 'unknown' },
  ],
  [
    'OTC VPC v3, bind order unknown (every order, most open)',
    {
      provider: 'otc',
      api: 'vpc-v3',
      allowOnly: false,
      priorities: [1, 2, 3],
      multiGroup: 'bind-order',
      groupOrder: 'unknown',
    },
  ],
  [
    'OTC Neutron v2.0 (union)',
    {
      provider: 'otc',
      api: 'neutron-v2',
      allowOnly: true,
      priorities: [1],
      multiGroup: 'union',
      groupOrder: 'unknown',
    },
  ],
];

/** Random interfaces of one provider's kind, each with random packets, checked by `check`. */
function forRandomInterfaces(
  spec: Spec,
  numRuns: number,
  check: (policy: InterfacePolicy, groups: SecurityGroup[], packets: Packet[]) => void,
  sizes: { min: number; max: number } = { min: 1, max: 5 },
): void {
  fc.assert(
    fc.property(
      interfaceArb(spec).filter(({ groups }) => groups.length >= sizes.min && groups.length <= sizes.max),
      fc.array(packetArb, { minLength: 1, maxLength: 30 }),
      ({ ni, groups }, packets) => check(evaluateInterface(ni, groups), groups, packets),
    ),
    { numRuns },
  );
}

function show(packet: Packet): string {
  return JSON.stringify({ ...packet, address: String(packet.address) });
}

describe('interface evaluator agrees with the brute-force multi-group reference', () => {
  for (const [name, spec] of SPECS) {
    it(`${name}: decision, deciding group and deciding rule`, () => {
      forRandomInterfaces(spec, 250, (policy, groups, packets) => {
        for (const packet of packets) {
          const got = lookupInterface(policy, packet);
          const want = referenceInterfaceDecision(groups, spec.multiGroup, spec.groupOrder, packet);
          expect(got.decision, show(packet)).toBe(want.decision);
          expect(got.group?.id, show(packet)).toBe(want.group?.id);
          expect(got.rule?.native.ruleId, show(packet)).toBe(want.rule?.native.ruleId);
        }
      });
    });
  }

  it('bind order unknown, 2–4 groups: allowed exactly when some literal order of the groups allows, and the reported group first allows', () => {
    const spec = SPECS[3]![1];
    forRandomInterfaces(
      spec,
      200,
      (policy, groups, packets) => {
        expect(policy.orders).toBe('every-order');
        for (const packet of packets) {
          const got = lookupInterface(policy, packet);
          const orders = permutations(groups);
          const allowedSomewhere = orders.some(
            (order) => referenceInterfaceDecision(order, 'bind-order', 'bind', packet).decision === 'allow',
          );
          expect(got.decision === 'allow', show(packet)).toBe(allowedSomewhere);
          if (got.decision !== 'allow') continue;
          const first = [got.group!, ...groups.filter((g) => g !== got.group)];
          const there = referenceInterfaceDecision(first, 'bind-order', 'bind', packet);
          expect(there.decision).toBe('allow');
          expect(there.group?.id).toBe(got.group?.id);
        }
      },
      { min: 2, max: 4 },
    );
  });
});

describe('ports with port security disabled agree with the reference', () => {
  // Packets over addresses only: a group's members are addresses, and the evaluator's symbolic
  // group spaces exist only where a rule names a group, which no rule does on such a port.
  const addressPackets = packetArb.filter((p) => p.space === 'ipv4' || p.space === 'ipv6');
  for (const [name, spec] of SPECS.filter(([, s]) => s.provider === 'huawei' || s.provider === 'otc')) {
    it(`${name}: every packet allowed whatever the groups, decided by the port setting, not by a group`, () => {
      fc.assert(
        fc.property(
          interfaceArb(spec),
          fc.boolean(),
          fc.array(addressPackets, { minLength: 1, maxLength: 30 }),
          ({ ni, groups }, listsNone, packets) => {
            const unfiltered: NetworkInterface = {
              ...ni,
              groupIds: listsNone ? [] : ni.groupIds,
              filtering: 'disabled',
            };
            const policy = evaluateInterface(unfiltered, groups);
            expect(policy.unfiltered).toBe(true);
            expect(policy.groups).toEqual([]);
            expect(policy.notes[0]).toBe('port security disabled: security groups do not filter this port');
            expect(overriddenRules(policy)).toEqual([]);
            for (const packet of packets) {
              const got = lookupInterface(policy, packet);
              const want = referenceInterfaceDecision(groups, spec.multiGroup, spec.groupOrder, packet, 'disabled');
              expect(got.decision, show(packet)).toBe(want.decision);
              expect(got.group?.id, show(packet)).toBe(want.group?.id);
              expect(got.rule?.native.ruleId, show(packet)).toBe(want.rule?.native.ruleId);
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  }
});

describe('overridden rules agree with the reference', () => {
  for (const [name, spec] of SPECS.filter(([, s]) => !s.allowOnly)) {
    it(`${name}: each reported override is real, and every override a packet meets is reported`, () => {
      forRandomInterfaces(spec, 200, (policy, groups, packets) => {
        const found = overriddenRules(policy);
        const pair = (group: string, rule: string, by: string, byRule: string) => `${group}/${rule} by ${by}/${byRule}`;
        const reported = new Set(
          found.map((o) =>
            pair(o.group.id, o.rule.native.ruleId, o.overriddenBy.group.id, o.overriddenBy.rule.native.ruleId),
          ),
        );
        expect(reported.size).toBe(found.length);
        for (const o of found) {
          const alone = referenceInterfaceDecision([o.group], spec.multiGroup, 'bind', o.example.packet);
          expect(alone.rule?.native.ruleId).toBe(o.rule.native.ruleId);
          expect(alone.decision).toBe(o.decision);
          const there = referenceInterfaceDecision(groups, spec.multiGroup, spec.groupOrder, o.example.packet);
          expect(there.group?.id).toBe(o.overriddenBy.group.id);
          expect(there.rule?.native.ruleId).toBe(o.overriddenBy.rule.native.ruleId);
          expect(there.decision).not.toBe(o.decision);
        }
        for (const packet of packets) {
          const there = referenceInterfaceDecision(groups, spec.multiGroup, spec.groupOrder, packet);
          if (!there.rule || !there.group) continue;
          for (const own of groups) {
            if (own === there.group) continue;
            const alone = referenceInterfaceDecision([own], spec.multiGroup, 'bind', packet);
            if (!alone.rule || alone.decision === there.decision) continue;
            expect(reported, show(packet)).toContain(
              pair(own.id, alone.rule.native.ruleId, there.group.id, there.rule.native.ruleId),
            );
          }
        }
      });
    });
  }
});

describe('a group set overlaid bucket by bucket when asked is the overlay of the whole set at once', () => {
  for (const [name, spec] of SPECS) {
    it(`${name}: every region read one key at a time, or listed, equals the eager overlay`, () => {
      forRandomInterfaces(spec, 150, (policy) => {
        if (policy.groups.length < 2) return;
        const alone = policy.parts.map((part) => part.policy);
        const mixedTypes = new Set(policy.groups.map((g) => g.groupType === 'enterprise')).size > 1;
        const eager =
          policy.semantics === 'priority'
            ? mixedTypes
              ? overlayPolicies([overlayPolicies(alone, 'priority'), ...alone], 'most-open')
              : overlayPolicies(alone, 'priority')
            : overlayPolicies(alone, policy.orders === 'bind' ? 'first-match' : 'most-open');
        expect(policy.policy.atoms).toEqual(eager.atoms);
        expect(policy.policy.spaces).toEqual(eager.spaces);
        const keys = [...eager.segments.keys()].reverse();
        for (const key of keys) expect(policy.policy.segments.get(key), key).toEqual(eager.segments.get(key));
        expect(new Map(policy.policy.segments)).toEqual(eager.segments);
        expect(policy.policy.segments.size).toBe(eager.segments.size);
      });
    });
  }
});
