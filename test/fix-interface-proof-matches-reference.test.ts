import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import type { Packet } from '../src/analysis/evaluate.ts';
import { configSchema } from '../src/config/schema.ts';
import { parseCidr } from '../src/model/address.ts';
import type { Plan } from '../src/model/change.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { MultiGroup } from '../src/model/providers/index.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import type { Estate, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { planFor } from '../src/remediation/planners/index.ts';
import { applyPlanToGroup } from '../src/remediation/plan.ts';
import { provePlanOnEstate } from '../src/remediation/prove-interfaces.ts';
import { group, networkInterface, rule } from './support/build.ts';
import { referenceInterfaceDecision } from './support/reference.ts';

// Random interfaces and random planned changes on one of their groups (the planner's plan for the
// group's SSH finding, or the removal of one of its rules): the proof's "no interface more open"
// agrees with brute force over packets, one in each piece of the space the rules cut (every port and
// address block the rules and plans name is aligned to the samples below).

const config = configSchema.parse({});
const CIDRS = ['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '10.0.0.0/8', '203.0.113.0/24'];
const PORTS: Rule['ports'][] = [
  [{ from: 22, to: 22 }],
  [{ from: 80, to: 80 }],
  [{ from: 3389, to: 3389 }],
  [{ from: 20, to: 30 }],
];
const SAMPLE_PORTS = [20, 22, 25, 80, 443, 3389];
const SAMPLE_ADDRESSES = ['0.0.0.1', '10.1.1.1', '128.0.0.1', '200.0.0.1', '203.0.113.5'].map(
  (a) => parseCidr(`${a}/32`)!.lo,
);
const TARGET = 'sg-t';

interface Spec {
  provider: Provider;
  multiGroup: MultiGroup;
  groupOrder: 'bind' | 'unknown';
  allowOnly: boolean;
}

const SPECS: [string, Spec][] = [
  ['AWS (union)', { provider: 'aws', multiGroup: 'union', groupOrder: 'unknown', allowOnly: true }],
  ['Alibaba (priority)', { provider: 'alibaba', multiGroup: 'priority', groupOrder: 'unknown', allowOnly: false }],
  ['Huawei (bind order)', { provider: 'huawei', multiGroup: 'bind-order', groupOrder: 'bind', allowOnly: false }],
  ['Huawei (order unknown)', { provider: 'huawei', multiGroup: 'bind-order', groupOrder: 'unknown', allowOnly: false }],
];

function rulesArb(spec: Spec, prefix: string): fc.Arbitrary<Rule[]> {
  return fc
    .array(
      fc.record({
        action: spec.allowOnly ? fc.constant<'allow'>('allow') : fc.constantFrom<('allow' | 'deny')[]>('allow', 'deny'),
        priority: spec.allowOnly ? fc.constant(1) : fc.constantFrom(1, 5, 50),
        ports: fc.constantFrom(...PORTS),
        peer: fc.constantFrom(...CIDRS),
      }),
      { maxLength: 4 },
    )
    .map((specs) => specs.map((s, i) => rule({ ...s, id: `${prefix}-${i}` })));
}

interface Case {
  spec: Spec;
  groups: SecurityGroup[];
  ni: NetworkInterface;
  removeIndex: number | undefined;
}

function caseArb(spec: Spec): fc.Arbitrary<Case> {
  return fc
    .tuple(
      rulesArb(spec, 't'),
      fc.array(rulesArb(spec, 'o'), { maxLength: 2 }),
      fc.boolean(),
      fc.option(fc.nat({ max: 5 }), { nil: undefined }),
    )
    .map(([own, others, targetFirst, removeIndex]) => {
      // The target always opens SSH to the Internet somewhere, so there is a finding to plan for.
      const target = group({
        provider: spec.provider,
        id: TARGET,
        rules: [...own, rule({ ports: 22, priority: spec.allowOnly ? 1 : 50, id: 't-ssh' })],
      });
      const rest = others.map((rules, i) =>
        group({
          provider: spec.provider,
          id: `sg-${i}`,
          rules: rules.map((r) => ({ ...r, native: { ...r.native, ruleId: `${i}-${r.native.ruleId}` } })),
        }),
      );
      const ids = rest.map((g) => g.id);
      const groupIds = targetFirst ? [TARGET, ...ids] : [...ids, TARGET];
      const ni = networkInterface(spec.provider, 'eni-1', groupIds, { groupOrder: spec.groupOrder });
      return { spec, groups: [target, ...rest], ni, removeIndex };
    });
}

/** The planner's plan for the target's SSH finding, or (with `removeIndex`) a plan removing one of its rules instead. */
function planOf(c: Case, estate: Estate): Plan | undefined {
  const target = c.groups[0] as SecurityGroup;
  const finding = auditEstate(estate, config).findings.find(
    (f) => f.groupId === TARGET && f.check === 'internet-admin-port' && f.subject === 'port/22',
  );
  if (!finding) return undefined;
  const planned = planFor(finding, target, config);
  if (c.removeIndex === undefined) return planned;
  const removed = target.rules[c.removeIndex % target.rules.length] as Rule;
  const signature = ruleSignature(removed, true);
  const base: Plan = planned ?? {
    id: 'plan-remove',
    finding: {
      fingerprint: finding.fingerprint,
      check: finding.check,
      title: finding.title,
      severity: finding.severity,
    },
    target: { provider: target.provider, account: 'acct', region: 'region-1', groupId: TARGET, groupName: target.name },
    operations: [],
    preconditions: [],
    resolves: [finding.fingerprint],
    summary: '',
    notes: [],
    diff: [],
  };
  return {
    ...base,
    operations: [{ op: 'remove', ruleId: removed.native.ruleId, signature, rule: removed }],
    preconditions: [{ ruleId: removed.native.ruleId, signature }],
  };
}

function widenedByBruteForce(c: Case, after: SecurityGroup): string | undefined {
  const byId = (groups: SecurityGroup[]) => c.ni.groupIds.map((id) => groups.find((g) => g.id === id) as SecurityGroup);
  const before = byId(c.groups);
  const changed = byId([after, ...c.groups.slice(1)]);
  for (const port of SAMPLE_PORTS)
    for (const address of SAMPLE_ADDRESSES) {
      const packet: Packet = { direction: 'ingress', space: 'ipv4', protocol: 'tcp', port, address };
      const was = referenceInterfaceDecision(before, c.spec.multiGroup, c.spec.groupOrder, packet).decision;
      const now = referenceInterfaceDecision(changed, c.spec.multiGroup, c.spec.groupOrder, packet).decision;
      if (was === 'deny' && now === 'allow') return `tcp/${port} from ${address}`;
    }
  return undefined;
}

describe("the proof's 'no interface more open' agrees with brute force", () => {
  for (const [name, spec] of SPECS) {
    it(name, () => {
      let planned = 0;
      let widenings = 0;
      fc.assert(
        fc.property(caseArb(spec), (c) => {
          const estate: Estate = { groups: c.groups, unparseable: [], scanErrors: [], interfaces: [c.ni] };
          const plan = planOf(c, estate);
          if (!plan) return;
          const target = c.groups[0] as SecurityGroup;
          const proof = provePlanOnEstate(target, plan, config, estate);
          if (!proof.interfaces) return;
          planned++;
          const widened = widenedByBruteForce(c, applyPlanToGroup(target, plan));
          if (widened) widenings++;
          expect(
            proof.interfaces.neverWidens,
            `${widened ?? 'nothing widened'}; ${proof.otherChanges.join('; ')}`,
          ).toBe(widened === undefined);
        }),
        { numRuns: 150 },
      );
      expect(planned).toBeGreaterThan(50);
      // Removing a deny widens an interface only where denies exist (never on allow-only AWS).
      if (!spec.allowOnly) expect(widenings).toBeGreaterThan(0);
    });
  }
});
