import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { allowedSignature, evaluateGroup } from '../src/analysis/evaluate.ts';
import type { Packet } from '../src/analysis/evaluate.ts';
import { appliedRules, isAllowOnly } from '../src/analysis/semantics.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import { configSchema } from '../src/config/schema.ts';
import { parseCidr } from '../src/model/address.ts';
import type { Family, Finding, Peer, PortRange, Protocol, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { applyPlanToGroup, checkPreconditions, inversePlan, planFindings } from '../src/remediation/plan.ts';
import { provePlan } from '../src/remediation/prove.ts';
import type { Plan } from '../src/model/change.ts';
import { group, rule } from './support/build.ts';
import { addressArb } from './support/arbitraries.ts';
import { referenceDecision } from './support/reference.ts';

// Random groups on every provider, audited; every plan offered for their findings must remove its
// finding, never widen what the group allows (checked against the brute-force reference), and be
// undone exactly by its inverse.

const IPV4_CIDRS = [
  '0.0.0.0/0',
  '0.0.0.0/1',
  '128.0.0.0/1',
  '64.0.0.0/2',
  '10.0.0.0/8',
  '10.1.0.0/16',
  '203.0.113.0/24',
  '8.8.8.0/24',
];
const IPV6_CIDRS = ['::/0', '2000::/3', '2001:db8::/32', '2001:db8:1::/48'];
const PROTOCOLS: Protocol[] = ['all', 'tcp', 'udp', 'icmp', 132];
const PORT_BIAS = [21, 22, 25, 30];

const CONFIG = configSchema.parse({
  adminPorts: [22],
  highRiskPorts: [21, 25, 30],
  remediation: {
    trustedSources: {
      ssh: [
        { source: '203.0.113.0/24', label: 'office' },
        { source: 'sg:sg-bastion', label: 'bastion' },
        '2001:db8:1::/48',
      ],
      '25': ['10.1.0.0/16', 'prefix-list:pl-1', 'address-group:ag-1'],
    },
    groupPorts: { 'sg-1': ['22', '25-27', 'udp/30'], 'otc:default': ['tcp/5'] },
  },
});

const portsArb: fc.Arbitrary<PortRange[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PORT_BIAS).map((p) => [{ from: p, to: p }]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 12 }))
      .map(([from, span]) => [{ from, to: from + span }]),
  },
  { weight: 1, arbitrary: fc.constant<PortRange[]>([{ from: 0, to: 65535 }]) },
  { weight: 1, arbitrary: fc.constant<PortRange[]>([{ from: 1, to: 65535 }]) },
);

type PeerChoice = string | 'self' | 'sg-other' | 'sg-bastion' | 'pl-1';

const ruleSpecArb = fc.record({
  direction: fc.oneof(
    { weight: 4, arbitrary: fc.constant('ingress' as const) },
    { weight: 1, arbitrary: fc.constant('egress' as const) },
  ),
  action: fc.oneof(
    { weight: 3, arbitrary: fc.constant('allow' as const) },
    { weight: 1, arbitrary: fc.constant('deny' as const) },
  ),
  priority: fc.integer({ min: 1, max: 5 }),
  protocol: fc.constantFrom(...PROTOCOLS),
  ports: portsArb,
  peer: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...IPV4_CIDRS) },
    { weight: 2, arbitrary: fc.constantFrom(...IPV6_CIDRS) },
    { weight: 1, arbitrary: fc.constantFrom<PeerChoice>('self', 'sg-other', 'sg-bastion', 'pl-1') },
  ),
  groupFamily: fc.constantFrom<Family>('ipv4', 'ipv6'),
  enabled: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

type RuleSpec = typeof ruleSpecArb extends fc.Arbitrary<infer T> ? T : never;
type Flavour = { provider: Provider; api?: 'vpc-v3' | 'neutron-v2' };
const FLAVOURS: Flavour[] = [
  { provider: 'aws' },
  { provider: 'otc', api: 'neutron-v2' },
  { provider: 'huawei' },
  { provider: 'alibaba' },
  { provider: 'otc', api: 'vpc-v3' },
];

let ids = 0;
function buildRule(spec: RuleSpec, flavour: Flavour, groupId: string): Rule {
  const allowOnly = flavour.provider === 'aws' || flavour.api === 'neutron-v2';
  const symbolicFamily: Family =
    flavour.provider === 'aws' || flavour.provider === 'alibaba' ? 'ipv4' : spec.groupFamily;
  let peer: Peer | string;
  let family: Family;
  if (spec.peer === 'self' || spec.peer === 'sg-other' || spec.peer === 'sg-bastion') {
    peer = { kind: 'group', groupId: spec.peer === 'self' ? groupId : spec.peer, self: spec.peer === 'self' };
    family = symbolicFamily;
  } else if (spec.peer === 'pl-1') {
    peer =
      flavour.provider === 'aws' || flavour.provider === 'alibaba'
        ? { kind: 'prefix-list', id: 'pl-1' }
        : { kind: 'address-group', id: 'ag-1' };
    family = symbolicFamily;
  } else {
    peer = spec.peer;
    family = spec.peer.includes(':') ? 'ipv6' : 'ipv4';
  }
  const ports = spec.protocol === 'tcp' || spec.protocol === 'udp' ? spec.ports : [{ from: 0, to: 65535 }];
  return rule({
    direction: spec.direction,
    action: allowOnly ? 'allow' : spec.action,
    priority: allowOnly ? 1 : spec.priority,
    protocol: spec.protocol,
    ports,
    peer,
    family,
    enabled: flavour.provider === 'huawei' || flavour.api === 'vpc-v3' ? spec.enabled : true,
    id: `r${++ids}`,
  });
}

const groupArb: fc.Arbitrary<SecurityGroup> = fc
  .record({
    flavour: fc.constantFrom(...FLAVOURS),
    name: fc.constantFrom('web', 'web', 'default', 'Sys-FullAccess', 'Sys-WebServer'),
    // sg-1 has documented ports in the config, sg-2 has none.
    id: fc.constantFrom('sg-1', 'sg-1', 'sg-2'),
    rules: fc.array(ruleSpecArb, { maxLength: 9 }),
  })
  .map(({ flavour, name, id, rules }) =>
    group({
      id,
      name,
      provider: flavour.provider,
      api: flavour.api,
      rules: rules.map((s) => buildRule(s, flavour, id)),
    }),
  );

const SYMBOLIC_SPACES = [
  'ipv4|group:self',
  'ipv6|group:self',
  'ipv4|group:sg-other',
  'ipv4|group:sg-bastion',
  'ipv6|group:sg-bastion',
  'ipv4|prefix-list:pl-1',
  'ipv4|address-group:ag-1',
];

const portArb = fc.oneof(fc.constantFrom(...PORT_BIAS), fc.integer({ min: 0, max: 45 }), fc.constant(65535));
const protocolArb = fc.constantFrom<Protocol>('tcp', 'tcp', 'udp', 'icmp', 132, 47);
const directionArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant('ingress' as const) },
  { weight: 1, arbitrary: fc.constant('egress' as const) },
);

const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    direction: directionArb,
    space: fc.constant('ipv4'),
    protocol: protocolArb,
    port: portArb,
    address: addressArb(IPV4_CIDRS),
  }),
  fc.record({
    direction: directionArb,
    space: fc.constant('ipv6'),
    protocol: protocolArb,
    port: portArb,
    address: addressArb(IPV6_CIDRS),
  }),
  fc.record({
    direction: directionArb,
    space: fc.constantFrom(...SYMBOLIC_SPACES),
    protocol: protocolArb,
    port: portArb,
    address: fc.constant(0n),
  }),
) as fc.Arbitrary<Packet>;

/** Every address of a family allowed for the packet's protocol and port: exact, by checking each cell between CIDR boundaries. */
function wholeFamilyAllowed(rules: readonly Rule[], packet: Packet, family: Family): boolean {
  const points = new Set<bigint>([0n]);
  const max = family === 'ipv4' ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  for (const r of rules) {
    if (r.peer.kind !== 'cidr') continue;
    const block = parseCidr(r.peer.cidr);
    if (!block || block.family !== family) continue;
    points.add(block.lo);
    if (block.hi < max) points.add(block.hi + 1n);
  }
  return [...points].every((address) => referenceDecision(rules, { ...packet, space: family, address }) === 'allow');
}

/**
 * The reference decision before a plan, for a packet allowed after it. A symbolic source (group,
 * prefix list, address group) has unknown addresses: it was allowed if its own space allowed it or
 * if every address of its family was allowed.
 */
function allowedBefore(rules: readonly Rule[], packet: Packet): boolean {
  if (referenceDecision(rules, packet) === 'allow') return true;
  if (packet.space === 'ipv4' || packet.space === 'ipv6') return false;
  return wholeFamilyAllowed(rules, packet, packet.space.slice(0, 4) as Family);
}

function audit(g: SecurityGroup): Finding[] {
  return auditEstate({ groups: [g], unparseable: [], scanErrors: [] }, CONFIG).findings;
}

/** Whether the audit of the group after the plan still shows the plan's finding (by what the finding is about). */
function stillReported(plan: Plan, finding: Finding, after: SecurityGroup): boolean {
  const now = audit(after).filter((f) => f.check === finding.check);
  switch (finding.check) {
    case 'internet-admin-port':
    case 'internet-high-risk-port':
      return now.some((f) => f.title === finding.title);
    case 'internet-all-ports':
    case 'template-drift':
      return now.length > 0;
    default:
      // Rule findings: the rule itself is what the finding is about.
      return now.some((f) => f.ruleIds.some((id) => finding.ruleIds.includes(id)));
  }
}

function ruleMultiset(g: SecurityGroup): string[] {
  return g.rules.map((r) => `${ruleSignature(r, true)} ${r.enabled}`).sort();
}

const offeredByCheck = new Map<string, number>();
const unprovenByCheck = new Map<string, number>();

describe('remediation plans on random groups', () => {
  it('every offered plan removes its finding, never widens, and its inverse restores the group', () => {
    fc.assert(
      fc.property(groupArb, fc.array(packetArb, { minLength: 30, maxLength: 60 }), (g, packets) => {
        const findings = audit(g);
        const result = planFindings([g], findings, CONFIG);
        for (const u of result.unproven) {
          unprovenByCheck.set(u.plan.finding.check, (unprovenByCheck.get(u.plan.finding.check) ?? 0) + 1);
          // Only a template restore can need to open something (a missing row); every other planner's plan proves.
          expect(u.plan.finding.check, `${u.reason} ${u.plan.diff.join(' | ')}`).toBe('template-drift');
          expect(u.proof.neverWidens).toBe(false);
        }
        const before = appliedRules(g);
        const beforePolicy = evaluateGroup(g);
        for (const { plan, proof } of result.offered) {
          offeredByCheck.set(plan.finding.check, (offeredByCheck.get(plan.finding.check) ?? 0) + 1);
          const finding = findings.find((f) => f.fingerprint === plan.finding.fingerprint) as Finding;
          const context = JSON.stringify({
            plan: { diff: plan.diff, check: plan.finding.check, title: plan.finding.title },
            rules: g.rules.map((r) => `${r.native.ruleId}: ${ruleSignature(r, true)}${r.enabled ? '' : ' disabled'}`),
            provider: g.provider,
            api: g.api,
            name: g.name,
          });
          expect(proof, context).toEqual({
            findingGone: true,
            neverWidens: true,
            onlyFindingPartChanged: true,
            otherChanges: [],
          });
          expect(checkPreconditions(g, plan), context).toEqual([]);
          for (const op of plan.operations)
            if (op.op === 'remove')
              expect(
                plan.preconditions.map((p) => p.ruleId),
                context,
              ).toContain(op.ruleId);
          // Adds first, then removes.
          const firstRemove = plan.operations.findIndex((op) => op.op === 'remove');
          if (firstRemove >= 0)
            expect(
              plan.operations.slice(firstRemove).every((op) => op.op === 'remove'),
              context,
            ).toBe(true);
          // Allow-only providers never get a deny.
          if (isAllowOnly(g))
            expect(
              plan.operations.some((op) => op.op === 'add' && op.rule.action === 'deny'),
              context,
            ).toBe(false);
          expect(plan.resolves, context).toContain(plan.finding.fingerprint);

          const after = applyPlanToGroup(g, plan);
          // 1. The finding is gone, by a fresh audit.
          expect(stillReported(plan, finding, after), context).toBe(false);
          expect(provePlan(g, plan, CONFIG).findingGone, context).toBe(true);
          // 2. Never widens: every packet the reference allows after, it allowed before.
          const afterRules = appliedRules(after);
          for (const packet of packets) {
            if (referenceDecision(afterRules, packet) !== 'allow') continue;
            expect(
              allowedBefore(before, packet),
              `${context} ${JSON.stringify({ ...packet, address: String(packet.address) })}`,
            ).toBe(true);
          }
          // 3. The inverse, applied to the group after the plan, restores what it allowed and its rules.
          const inverse = inversePlan(plan, after);
          const restored = applyPlanToGroup(after, inverse);
          expect(ruleMultiset(restored), context).toEqual(ruleMultiset(g));
          const restoredPolicy = evaluateGroup(restored);
          expect(allowedSignature(restoredPolicy, [beforePolicy]), context).toBe(
            allowedSignature(beforePolicy, [restoredPolicy]),
          );
          const restoredRules = appliedRules(restored);
          for (const packet of packets)
            expect(referenceDecision(restoredRules, packet), context).toBe(referenceDecision(before, packet));
        }
      }),
      { numRuns: 400 },
    );
    // The run exercised every planner that can offer a plan here.
    for (const check of [
      'internet-admin-port',
      'internet-high-risk-port',
      'internet-all-ports',
      'port-range',
      'template-drift',
      'shadowed-rule',
    ]) {
      expect(
        offeredByCheck.get(check) ?? 0,
        `${check}: offered ${JSON.stringify([...offeredByCheck])}, unproven ${JSON.stringify([...unprovenByCheck])}`,
      ).toBeGreaterThan(0);
    }
  });
});

describe('a counterexample the property found: two identical denies and the allow they nullify, at one priority', () => {
  it('the shadowed rules are planned together (removing the denies alone would open what they deny), and the plan proves', () => {
    const shape = {
      direction: 'ingress' as const,
      priority: 1,
      protocol: 132,
      ports: [0, 65535] as [number, number],
      peer: '10.1.0.0/16',
    };
    const g = group({
      provider: 'otc',
      api: 'vpc-v3',
      rules: [
        rule({ ...shape, action: 'deny', id: 'r1' }),
        rule({ ...shape, action: 'allow', id: 'r2' }),
        rule({ ...shape, action: 'deny', id: 'r3' }),
      ],
    });
    const findings = audit(g).filter((f) => f.check === 'shadowed-rule');
    expect(findings.length).toBeGreaterThan(0);
    const result = planFindings([g], findings, CONFIG);
    expect(result.unproven.map((u) => u.reason)).toEqual([]);
    for (const { proof } of result.offered) expect(proof.neverWidens).toBe(true);
  });
});
