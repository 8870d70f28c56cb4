import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { allowedSignature, evaluateGroup } from '../src/analysis/evaluate.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import type { AddressSet, Finding, Rule, SecurityGroup } from '../src/model/types.ts';
import {
  applyPlanToGroup,
  checkPreconditions,
  inversePlan,
  isPlanApplied,
  planFindings,
} from '../src/remediation/plan.ts';
import { planFor, templateRowToRule, whyNoPlan } from '../src/remediation/planners/index.ts';
import { provePlan } from '../src/remediation/prove.ts';
import { renderPlan } from '../src/remediation/render.ts';
import type { NewRule, Plan } from '../src/model/change.ts';
import { group, rule } from './support/build.ts';

const TRUSTED = {
  remediation: {
    trustedSources: {
      ssh: [
        { source: '203.0.113.0/24', label: 'office' },
        { source: 'sg:sg-bastion', label: 'bastion' },
      ],
    },
  },
};

function config(extra: Record<string, unknown> = {}): WardenConfig {
  return configSchema.parse(extra);
}

function findings(g: SecurityGroup, c: WardenConfig): Finding[] {
  return auditEstate({ groups: [g], unparseable: [], scanErrors: [] }, c).findings;
}

function findingOf(g: SecurityGroup, c: WardenConfig, check: string, title?: RegExp): Finding {
  const found = findings(g, c).filter((f) => f.check === check && (!title || title.test(f.title)));
  expect(found, `${check} ${title ?? ''} on ${g.id}`).toHaveLength(1);
  return found[0] as Finding;
}

function planOf(g: SecurityGroup, c: WardenConfig, check: string, title?: RegExp): Plan {
  const finding = findingOf(g, c, check, title);
  const plan = planFor(finding, g, c);
  expect(plan, whyNoPlan(finding, g, c)).toBeDefined();
  return plan as Plan;
}

/** Operations in a compact, comparable form: `+ <signature>` / `- <id>`. */
function ops(plan: Plan): string[] {
  return plan.operations.map((op) =>
    op.op === 'add'
      ? `+ ${ruleSignature({ ...op.rule, native: { ruleId: '', derivedId: true, raw: null } }, true)}`
      : `- ${op.ruleId}`,
  );
}

function precondition(r: Rule) {
  return { ruleId: r.native.ruleId, signature: ruleSignature(r, true) };
}

function expectProven(g: SecurityGroup, plan: Plan, c: WardenConfig): void {
  const proof = provePlan(g, plan, c);
  expect(proof, JSON.stringify(proof)).toEqual({
    findingGone: true,
    neverWidens: true,
    onlyFindingPartChanged: true,
    otherChanges: [],
  });
}

const ssh = /Port 22 /;

describe('internet-admin-port / internet-high-risk-port', () => {
  it('replaces an exact-port rule by one rule per trusted source, same protocol and family', () => {
    const c = config(TRUSTED);
    const live = rule({ ports: 22, id: 'ssh' });
    const g = group({ provider: 'aws', rules: [live, rule({ ports: 443, id: 'web' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 tcp 22 203.0.113.0/24 1',
      '+ ingress allow ipv4 tcp 22 group:sg-bastion 1',
      '- ssh',
    ]);
    expect(plan.diff).toEqual([
      '- tcp/22 from 0.0.0.0/0',
      '+ tcp/22 from 203.0.113.0/24 (office)',
      '+ tcp/22 from group sg-bastion (bastion)',
    ]);
    expect(plan.preconditions).toEqual([precondition(live)]);
    expect(plan.notes).toEqual([]);
    expect(plan.summary).toBe(
      'Limit tcp/22 from the Internet to office (203.0.113.0/24), bastion (sg-bastion) on test-group (sg-1)',
    );
    expect(plan.resolves[0]).toBe(findingOf(g, c, 'internet-admin-port', ssh).fingerprint);
    expect(plan.target).toEqual({
      provider: 'aws',
      account: 'acct',
      region: 'region-1',
      groupId: 'sg-1',
      groupName: 'test-group',
    });
    const labels = plan.operations.flatMap((op) => (op.op === 'add' ? [op.label] : []));
    expect(labels).toEqual(['office', 'bastion']);
    expectProven(g, plan, c);
  });

  it('without trusted sources removes the rule and says that access from outside will stop', () => {
    const c = defaultConfig();
    const live = rule({ ports: 22, id: 'ssh' });
    const g = group({ provider: 'aws', rules: [live] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual(['- ssh']);
    expect(plan.diff).toEqual(['- tcp/22 from 0.0.0.0/0']);
    expect(plan.notes).toEqual(['access to tcp/22 from outside will stop']);
    expect(plan.summary).toBe('Close tcp/22 to the Internet on test-group (sg-1)');
    expectProven(g, plan, c);
  });

  it('takes a trusted source by port number as well as by service name, and an IPv6 rule gets only IPv6 CIDRs', () => {
    const c = config({ remediation: { trustedSources: { '22': ['2001:db8:1::/48', '198.51.100.0/24'] } } });
    const g = group({ provider: 'huawei', rules: [rule({ ports: 22, peer: '::/0', id: 'ssh6' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual(['+ ingress allow ipv6 tcp 22 2001:db8:1::/48 1', '- ssh6']);
    expect(plan.notes).toEqual([]);
    expectProven(g, plan, c);
  });

  it('splits a port range on AWS: the same rule for the other ports, trusted sources for the port', () => {
    const c = config(TRUSTED);
    const wide = rule({ ports: [0, 1024], id: 'low' });
    const g = group({ provider: 'aws', rules: [wide] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 tcp 0-21 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 23-1024 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 22 203.0.113.0/24 1',
      '+ ingress allow ipv4 tcp 22 group:sg-bastion 1',
      '- low',
    ]);
    expect(plan.diff).toEqual([
      '- tcp/0-1024 from 0.0.0.0/0',
      '+ tcp/0-21 from 0.0.0.0/0',
      '+ tcp/23-1024 from 0.0.0.0/0',
      '+ tcp/22 from 203.0.113.0/24 (office)',
      '+ tcp/22 from group sg-bastion (bastion)',
    ]);
    expect(plan.summary).toContain('low keeps its other ports');
    expect(plan.operations.findIndex((op) => op.op === 'remove')).toBe(plan.operations.length - 1);
    expectProven(g, plan, c);
  });

  it('splits on OTC Neutron too (allow-only)', () => {
    const c = defaultConfig();
    const g = group({ provider: 'otc', api: 'neutron-v2', rules: [rule({ ports: [20, 30], id: 'n' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 tcp 20-21 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 23-30 0.0.0.0/0 1',
      '- n',
    ]);
    expect(plan.operations.some((op) => op.op === 'add' && op.rule.action === 'deny')).toBe(false);
    expectProven(g, plan, c);
  });

  for (const [provider, api] of [
    ['huawei', undefined],
    ['alibaba', undefined],
    ['otc', 'vpc-v3'],
  ] as const) {
    it(`on ${provider}${api ? ` ${api}` : ''} keeps a wider rule and adds a higher-priority deny, with trusted sources above it`, () => {
      const c = config(TRUSTED);
      const wide = rule({ ports: [0, 1024], priority: 10, id: 'wide' });
      const g = group({ provider, api, rules: [wide] });
      const plan = planOf(g, c, 'internet-admin-port', ssh);
      expect(ops(plan)).toEqual([
        '+ ingress deny ipv4 tcp 22 0.0.0.0/0 9',
        '+ ingress allow ipv4 tcp 22 203.0.113.0/24 8',
        '+ ingress allow ipv4 tcp 22 group:sg-bastion 8',
      ]);
      expect(plan.diff).toEqual([
        '+ deny tcp/22 from 0.0.0.0/0, priority 9',
        '+ tcp/22 from 203.0.113.0/24, priority 8 (office)',
        '+ tcp/22 from group sg-bastion, priority 8 (bastion)',
      ]);
      // The plan removes nothing but relies on the rule it outranks.
      expect(plan.preconditions).toEqual([precondition(wide)]);
      expectProven(g, plan, c);
    });
  }

  it('a deny at priority 1 outranks an allow at priority 1 (deny wins ties); trusted sources cannot pass it and the note says so', () => {
    const c = config(TRUSTED);
    const all = rule({ protocol: 'all', id: 'all' });
    const g = group({ provider: 'huawei', rules: [all] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual(['+ ingress deny ipv4 tcp 22 0.0.0.0/0 1', '+ ingress deny ipv4 udp 22 0.0.0.0/0 1']);
    expect(plan.notes).toContain('access to tcp/22 over IPv4 from outside will stop');
    expect(plan.notes.some((n) => n.startsWith('the trusted sources for tcp/22 over IPv4 cannot pass'))).toBe(true);
    expectProven(g, plan, c);
  });

  it('on a deny-capable group splits instead when a deny would also close other sources of the port', () => {
    const c = defaultConfig();
    const wide = rule({ ports: [0, 1024], id: 'wide' });
    const privateSsh = rule({ ports: 22, peer: '10.0.0.0/8', id: 'private' });
    const g = group({ provider: 'huawei', rules: [wide, privateSsh] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 tcp 0-21 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 23-1024 0.0.0.0/0 1',
      '- wide',
    ]);
    expectProven(g, plan, c);
    // 10.0.0.0/8 keeps SSH.
    const after = evaluateGroup(applyPlanToGroup(g, plan));
    expect(allowedSignature(after)).toContain('ingress|ipv4|tcp');
  });

  it('an all-protocol rule on AWS has no plan for one port: the reason points at the all-ports fix', () => {
    const c = defaultConfig();
    const g = group({ provider: 'aws', rules: [rule({ protocol: 'all', id: 'all' })] });
    const finding = findingOf(g, c, 'internet-admin-port', ssh);
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toMatch(/allows every protocol; aws groups are allow-only.*internet-all-ports/);
  });

  it('also takes in the next rule in line once the deciding one is gone', () => {
    const c = defaultConfig();
    const first = rule({ ports: 22, id: 'first' });
    const second = rule({ ports: [20, 25], id: 'second' });
    const g = group({ provider: 'aws', rules: [first, second] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan).sort()).toEqual(
      [
        '+ ingress allow ipv4 tcp 20-21 0.0.0.0/0 1',
        '+ ingress allow ipv4 tcp 23-25 0.0.0.0/0 1',
        '- first',
        '- second',
      ].sort(),
    );
    expectProven(g, plan, c);
  });

  it('high-risk port: removes the exact rule; IPv4 and IPv6 both closed', () => {
    const c = defaultConfig();
    const v4 = rule({ ports: 3306, id: 'db4' });
    const v6 = rule({ ports: 3306, peer: '::/0', id: 'db6' });
    const g = group({ provider: 'alibaba', rules: [v4, v6] });
    const plan = planOf(g, c, 'internet-high-risk-port', /3306/);
    expect(ops(plan)).toEqual(['- db4', '- db6']);
    expect(plan.notes).toEqual(['access to tcp/3306 from outside will stop']);
    expect(plan.preconditions).toEqual([precondition(v4), precondition(v6)]);
    expectProven(g, plan, c);
  });

  it('does not duplicate a trusted source the group already allows, and relies on that rule', () => {
    const c = config(TRUSTED);
    const open = rule({ ports: 22, id: 'ssh' });
    const office = rule({ ports: 22, peer: '203.0.113.0/24', id: 'office' });
    const g = group({ provider: 'aws', rules: [open, office] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    expect(ops(plan)).toEqual(['+ ingress allow ipv4 tcp 22 group:sg-bastion 1', '- ssh']);
    expect(plan.preconditions).toEqual([precondition(open), precondition(office)]);
    expect(plan.summary).toBe(
      'Limit tcp/22 from the Internet to office (203.0.113.0/24), bastion (sg-bastion) on test-group (sg-1)',
    );
    expectProven(g, plan, c);
  });

  it('leaves out trusted sources the provider cannot reference and those that had no access before', () => {
    const c = config({
      remediation: { trustedSources: { ssh: ['prefix-list:pl-1', 'address-group:ag-1', '203.0.113.0/24'] } },
    });
    const g = group({ provider: 'aws', rules: [rule({ ports: 22, peer: '0.0.0.0/1', id: 'half' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    // 0.0.0.0/1 does not hold 203.0.113.0/24, and the prefix list's entries were not read: neither can be proved.
    expect(ops(plan)).toEqual(['- half']);
    expect(plan.notes).toEqual([
      "trusted source prefix-list:pl-1 left out: the prefix list's entries were not read with sg-1 (no rule of it names the list), so what it lets in cannot be proved",
      'trusted source address-group:ag-1 left out: aws security groups cannot reference address groups',
      'trusted source 203.0.113.0/24 left out for tcp/22: it cannot reach it today, and a fix never widens access',
      'access to tcp/22 over IPv4 from outside will stop',
    ]);
    const open = group({ provider: 'aws', rules: [rule({ ports: 22, id: 'all' })] });
    expect(ops(planOf(open, c, 'internet-admin-port', ssh))).toEqual([
      '+ ingress allow ipv4 tcp 22 203.0.113.0/24 1',
      '- all',
    ]);
    // A trusted list read with the group (another rule names it) counts as the addresses it holds.
    const office: AddressSet = {
      provider: 'aws',
      account: 'acct',
      region: 'region-1',
      kind: 'prefix-list',
      id: 'pl-1',
      name: 'office',
      family: 'ipv4',
      entries: ['203.0.113.0/28'],
      providerManaged: false,
      version: '2',
    };
    const withList = group({
      provider: 'aws',
      rules: [
        rule({ ports: 22, id: 'all' }),
        rule({ ports: 443, id: 'web', peer: { kind: 'prefix-list', id: 'pl-1' } }),
      ],
      addressSets: [office],
    });
    const listed = planOf(withList, c, 'internet-admin-port', ssh);
    expect(ops(listed)).toEqual([
      '+ ingress allow ipv4 tcp 22 prefix-list:pl-1 1',
      '+ ingress allow ipv4 tcp 22 203.0.113.0/24 1',
      '- all',
    ]);
    expectProven(withList, listed, c);
  });
});

describe('internet-all-ports', () => {
  it('Sys-FullAccess on Huawei: the Sys-WebServer rows without 22 and 3389, admin ports to the trusted sources', () => {
    const c = config(TRUSTED);
    const open4 = rule({ protocol: 'all', id: 'any4' });
    const open6 = rule({ protocol: 'all', peer: '::/0', id: 'any6' });
    const self = rule({ protocol: 'all', peer: { kind: 'group', groupId: 'sg-1', self: true }, id: 'self' });
    const g = group({ provider: 'huawei', name: 'Sys-FullAccess', rules: [open4, open6, self] });
    const plan = planOf(g, c, 'internet-all-ports');
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 icmp all 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 443 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 80 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 22 203.0.113.0/24 1',
      '+ ingress allow ipv4 tcp 22 group:sg-bastion 1',
      '- any4',
      '- any6',
    ]);
    expect(plan.diff.slice(0, 3)).toEqual([
      '- all traffic from 0.0.0.0/0',
      '- all traffic from ::/0',
      '+ icmp/all from 0.0.0.0/0 (template huawei-sys-webserver without the admin ports)',
    ]);
    expect(plan.notes).toContain(
      'tcp/3389, open to the Internet in the template, is left out: admin ports get only the sources in remediation.trustedSources',
    );
    expect(plan.summary).toBe(
      'Replace every-port Internet access on Sys-FullAccess (sg-1) with icmp, tcp/443, tcp/80 (template huawei-sys-webserver without the admin ports)',
    );
    // Removing the all-open rules also clears the per-port findings they caused.
    expect(plan.resolves.length).toBeGreaterThan(1);
    expectProven(g, plan, c);
  });

  it("follows the user's template for the group", () => {
    const c = config({
      templates: {
        custom: [
          {
            id: 'golden-web',
            rules: [
              { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '443', peer: '0.0.0.0/0' },
              { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '22', peer: 'self' },
            ],
          },
        ],
        assign: { 'sg-1': 'golden-web' },
      },
    });
    const g = group({
      provider: 'aws',
      rules: [
        rule({ protocol: 'all', id: 'all' }),
        rule({ ports: 22, peer: { kind: 'group', groupId: 'sg-1', self: true }, id: 'self22' }),
      ],
    });
    const plan = planOf(g, c, 'internet-all-ports');
    expect(ops(plan)).toEqual(['+ ingress allow ipv4 tcp 443 0.0.0.0/0 1', '- all']);
    expect(plan.diff).toEqual(['- all traffic from 0.0.0.0/0', '+ tcp/443 from 0.0.0.0/0 (template golden-web)']);
    expectProven(g, plan, c);
  });

  it('uses the ports documented for the group (by provider:name), per protocol', () => {
    // A bare port means the protocol of the rule it replaces; `udp/` and `tcp/` pin one.
    const c = config({ remediation: { groupPorts: { 'aws:web': ['tcp/443', '8000-8010', 'udp/53'] } } });
    const g = group({
      provider: 'aws',
      name: 'web',
      rules: [rule({ ports: [0, 65535], id: 'tcpall' }), rule({ protocol: 'udp', ports: [0, 65535], id: 'udpall' })],
    });
    const plan = planOf(g, c, 'internet-all-ports');
    expect(ops(plan)).toEqual([
      '+ ingress allow ipv4 tcp 443 0.0.0.0/0 1',
      '+ ingress allow ipv4 tcp 8000-8010 0.0.0.0/0 1',
      '+ ingress allow ipv4 udp 53 0.0.0.0/0 1',
      '+ ingress allow ipv4 udp 8000-8010 0.0.0.0/0 1',
      '- tcpall',
      '- udpall',
    ]);
    expectProven(g, plan, c);
  });

  it('has no plan without a narrower template or documented ports, and says what to configure', () => {
    const c = defaultConfig();
    const g = group({ provider: 'aws', rules: [rule({ protocol: 'all', id: 'all' })] });
    const finding = findingOf(g, c, 'internet-all-ports');
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toMatch(/remediation\.groupPorts\["sg-1"\].*"aws:test-group"/);
  });
});

describe('port-range', () => {
  it('replaces the range by the documented ports within it', () => {
    const c = config({ remediation: { groupPorts: { 'sg-1': ['443', '8080', '9000-9001'] } } });
    const range = rule({ ports: [8000, 8999], peer: '10.0.0.0/8', id: 'range' });
    const g = group({ provider: 'aws', rules: [range] });
    const plan = planOf(g, c, 'port-range');
    expect(ops(plan)).toEqual(['+ ingress allow ipv4 tcp 8080 10.0.0.0/8 1', '- range']);
    expect(plan.diff).toEqual(['- tcp/8000-8999 from 10.0.0.0/8', '+ tcp/8080 from 10.0.0.0/8']);
    expect(plan.summary).toBe('Narrow range on test-group (sg-1) from tcp/8000-8999 to the documented tcp/8080');
    expect(plan.preconditions).toEqual([precondition(range)]);
    expectProven(g, plan, c);
  });

  it('removes a range none of whose ports are documented, with a note', () => {
    const c = config({ remediation: { groupPorts: { 'sg-1': ['443'] } } });
    const g = group({ provider: 'huawei', rules: [rule({ ports: [8000, 8999], peer: '10.0.0.0/8', id: 'range' })] });
    const plan = planOf(g, c, 'port-range');
    expect(ops(plan)).toEqual(['- range']);
    expect(plan.notes).toEqual([
      'access to tcp/8000-8999 through range will stop (remediation.groupPorts["sg-1"] lists no port in it)',
    ]);
    expectProven(g, plan, c);
  });

  it('has no plan without documented ports', () => {
    const c = defaultConfig();
    const g = group({ provider: 'aws', rules: [rule({ ports: [8000, 8999], peer: '10.0.0.0/8', id: 'range' })] });
    const finding = findingOf(g, c, 'port-range');
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toMatch(/no ports are documented for sg-1/);
  });

  it('narrows every rule of the same content at once (TCP 0-65535 and 1-65535 are one finding)', () => {
    const c = config({ remediation: { groupPorts: { 'sg-1': ['22'] } } });
    const g = group({
      provider: 'aws',
      rules: [
        rule({ ports: [0, 65535], peer: '10.0.0.0/8', id: 'zero' }),
        rule({ ports: [1, 65535], peer: '10.0.0.0/8', id: 'one' }),
      ],
    });
    const plan = planOf(g, c, 'port-range');
    expect(ops(plan)).toEqual(['+ ingress allow ipv4 tcp 22 10.0.0.0/8 1', '- zero', '- one']);
    expectProven(g, plan, c);
  });

  it('has no plan when every port of the range is documented (re-creating the same rule fixes nothing)', () => {
    const c = config({ remediation: { groupPorts: { 'sg-1': ['25', '26'] } } });
    const g = group({
      provider: 'aws',
      rules: [rule({ direction: 'egress', protocol: 'udp', ports: [25, 26], peer: '::/0', id: 'range' })],
    });
    const finding = findingOf(g, c, 'port-range');
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toBe(
      'every port of udp/25-26 is documented for sg-1 (remediation.groupPorts["sg-1"]): there is nothing to narrow',
    );
  });
});

describe('template-drift', () => {
  it('removes the added rules of a Huawei default group', () => {
    const c = defaultConfig();
    const self = { kind: 'group' as const, groupId: 'sg-1', self: true };
    const added = rule({ ports: 8080, peer: '10.0.0.0/8', id: 'extra' });
    const g = group({
      provider: 'huawei',
      name: 'default',
      rules: [
        rule({ protocol: 'all', peer: self, id: 's4' }),
        rule({ protocol: 'all', peer: self, family: 'ipv6', id: 's6' }),
        rule({ protocol: 'all', direction: 'egress', id: 'e4' }),
        rule({ protocol: 'all', direction: 'egress', peer: '::/0', id: 'e6' }),
        added,
      ],
    });
    const plan = planOf(g, c, 'template-drift');
    expect(ops(plan)).toEqual(['- extra']);
    expect(plan.diff).toEqual(['- tcp/8080 from 10.0.0.0/8']);
    expect(plan.summary).toBe('Restore template huawei-default on default (sg-1): remove 1 added rule');
    expectProven(g, plan, c);
  });

  it('adds back missing rows that widen nothing (a duplicate of what another rule allows)', () => {
    const c = config({
      templates: {
        custom: [
          {
            id: 't',
            rules: [{ direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '443', peer: '10.0.0.0/8' }],
          },
        ],
        assign: { 'sg-1': 't' },
      },
    });
    const g = group({ provider: 'aws', rules: [rule({ ports: [443, 444], peer: '10.0.0.0/8', id: 'near' })] });
    const plan = planOf(g, c, 'template-drift');
    expect(ops(plan)).toEqual(['+ ingress allow ipv4 tcp 443 10.0.0.0/8 1', '- near']);
    expectProven(g, plan, c);
  });

  it('a restore that would open traffic is not offered', () => {
    const c = defaultConfig();
    const g = group({ provider: 'huawei', name: 'default', rules: [] });
    const finding = findingOf(g, c, 'template-drift');
    const result = planFindings([g], [finding], c);
    expect(result.offered).toEqual([]);
    expect(result.unproven).toHaveLength(1);
    expect(result.unproven[0]?.reason).toMatch(/^it would allow traffic that is not allowed today \(widens: /);
    expect(result.unproven[0]?.proof.findingGone).toBe(true);
  });

  it('an Alibaba default row at priority 110 cannot be restored by the API: no plan, with the reason', () => {
    const c = defaultConfig();
    const g = group({ provider: 'alibaba', name: 'default', rules: [] });
    const finding = findingOf(g, c, 'template-drift');
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toMatch(/priority 110, where only Alibaba itself creates rules/);
  });

  it("templateRowToRule maps 'self' to the group's own id and takes the row as written", () => {
    const g = group({ id: 'sg-9', rules: [] });
    const self = templateRowToRule({ direction: 'ingress', family: 'ipv6', protocol: 'all', peer: 'self' }, g);
    expect(self).toMatchObject({
      direction: 'ingress',
      action: 'allow',
      priority: 1,
      family: 'ipv6',
      protocol: 'all',
      ports: [{ from: 0, to: 65535 }],
      peer: { kind: 'group', groupId: 'sg-9', self: true },
      enabled: true,
    });
    const row: NewRule = templateRowToRule(
      {
        direction: 'ingress',
        family: 'ipv4',
        protocol: '6',
        ports: '80,443,8000-8010',
        peer: '10.1.2.3/8',
        priority: 110,
      },
      g,
    );
    expect(row).toMatchObject({
      protocol: 'tcp',
      ports: [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
        { from: 8000, to: 8010 },
      ],
      peer: { kind: 'cidr', cidr: '10.0.0.0/8' },
      priority: 110,
    });
    expect(
      templateRowToRule({ direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '22', peer: 'group:sg-9' }, g)
        .peer,
    ).toEqual({ kind: 'group', groupId: 'sg-9', self: true });
    expect(() =>
      templateRowToRule({ direction: 'ingress', family: 'ipv4', protocol: 'bogus', peer: '0.0.0.0/0' }, g),
    ).toThrow(/not a protocol/);
  });
});

describe('shadowed-rule', () => {
  it('removes exactly the reported rule; the effective policy is identical', () => {
    const c = defaultConfig();
    const wide = rule({ ports: [0, 1024], peer: '10.0.0.0/8', id: 'wide' });
    const dup = rule({ ports: 22, peer: '10.1.0.0/16', id: 'dup' });
    const g = group({ provider: 'aws', rules: [wide, dup] });
    const plan = planOf(g, c, 'shadowed-rule');
    expect(ops(plan)).toEqual(['- dup']);
    expect(plan.diff).toEqual(['- tcp/22 from 10.1.0.0/16']);
    // It relies on the rule that decides the traffic once it is gone.
    expect(plan.preconditions).toEqual([precondition(dup), precondition(wide)]);
    expect(plan.summary).toBe('Remove dup (tcp/22 from 10.1.0.0/16) from test-group (sg-1): it changes nothing');
    expectProven(g, plan, c);
    expect(allowedSignature(evaluateGroup(applyPlanToGroup(g, plan)))).toBe(allowedSignature(evaluateGroup(g)));
  });
});

describe('checks without an automatic plan', () => {
  it('priority-conflict gives a reason, not a plan', () => {
    const c = defaultConfig();
    const g = group({
      provider: 'huawei',
      rules: [
        rule({ ports: 80, peer: '10.0.0.0/8', id: 'a' }),
        rule({ ports: 80, peer: '10.0.0.0/8', action: 'deny', id: 'd' }),
      ],
    });
    const finding = findingOf(g, c, 'priority-conflict');
    expect(planFor(finding, g, c)).toBeUndefined();
    expect(whyNoPlan(finding, g, c)).toMatch(/decision about intent/);
  });

  it('a finding the group no longer shows has no plan', () => {
    const c = defaultConfig();
    const g = group({ provider: 'aws', rules: [rule({ ports: 22, id: 'ssh' })] });
    const finding = findingOf(g, c, 'internet-admin-port', ssh);
    const changed = group({ provider: 'aws', rules: [rule({ ports: 22, peer: '10.0.0.0/8', id: 'ssh' })] });
    expect(planFor(finding, changed, c)).toBeUndefined();
    expect(whyNoPlan(finding, changed, c)).toMatch(/no longer shows this finding/);
    expect(whyNoPlan(finding, g, c)).toBe('');
  });
});

describe('proofs', () => {
  it('a plan that does not remove its finding is not offered (a trusted source that is itself the Internet)', () => {
    const c = config({ remediation: { trustedSources: { ssh: ['0.0.0.0/1'] } } });
    const g = group({ provider: 'aws', rules: [rule({ ports: 22, id: 'ssh' })] });
    const finding = findingOf(g, c, 'internet-admin-port', ssh);
    const result = planFindings({ groups: [g], unparseable: [], scanErrors: [] }, [finding], c);
    expect(result.offered).toEqual([]);
    expect(result.unproven).toHaveLength(1);
    expect(result.unproven[0]?.proof).toMatchObject({
      findingGone: false,
      neverWidens: true,
      onlyFindingPartChanged: true,
    });
    expect(result.unproven[0]?.reason).toBe('the finding would remain');
  });

  it('a hand-made plan that opens something or changes another port is caught', () => {
    const c = defaultConfig();
    const live = rule({ ports: 22, id: 'ssh' });
    const g = group({ provider: 'aws', rules: [live, rule({ ports: 443, id: 'web' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    const opener: Plan = {
      ...plan,
      operations: [
        { op: 'add', rule: { ...live, ports: [{ from: 8080, to: 8080 }], native: undefined } as unknown as NewRule },
        ...plan.operations,
      ],
    };
    const proof = provePlan(g, opener, c);
    expect(proof).toMatchObject({ findingGone: true, neverWidens: false, onlyFindingPartChanged: false });
    expect(proof.otherChanges).toEqual([
      'widens: ingress tcp/8080 from 0.0.0.0/0: newly allowed',
      'outside ingress tcp ports 22: ingress tcp/8080 from 0.0.0.0/0: newly allowed',
    ]);
  });

  it('refuses a plan whose preconditions do not hold', () => {
    const c = defaultConfig();
    const g = group({ provider: 'aws', rules: [rule({ ports: 22, id: 'ssh' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    const drifted = group({ provider: 'aws', rules: [rule({ ports: [22, 23], id: 'ssh' })] });
    expect(checkPreconditions(drifted, plan)).toEqual([
      'rule ssh changed: expected "ingress allow ipv4 tcp 22 0.0.0.0/0 1", found "ingress allow ipv4 tcp 22-23 0.0.0.0/0 1"',
    ]);
    expect(() => applyPlanToGroup(drifted, plan)).toThrow(/rule ssh changed/);
    expect(provePlan(drifted, plan, c)).toMatchObject({
      findingGone: false,
      neverWidens: false,
      onlyFindingPartChanged: false,
    });
  });
});

describe('plans as data', () => {
  it('ids are stable for the same finding and rules and differ when the operations differ', () => {
    const c = config(TRUSTED);
    const g = group({ provider: 'aws', rules: [rule({ ports: 22, id: 'ssh' })] });
    const a = planOf(g, c, 'internet-admin-port', ssh);
    const b = planOf(g, c, 'internet-admin-port', ssh);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^plan-[0-9a-f]{12}$/);
    const other = planOf(g, defaultConfig(), 'internet-admin-port', ssh);
    expect(other.id).not.toBe(a.id);
  });

  it('applies to the model with placeholder ids, and its inverse restores the group', () => {
    const c = config(TRUSTED);
    const g = group({
      provider: 'aws',
      rules: [rule({ ports: [0, 1024], id: 'low' }), rule({ ports: 443, id: 'web' })],
    });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    const after = applyPlanToGroup(g, plan);
    expect(after.rules.map((r) => r.native.ruleId)).toEqual([
      'web',
      'planned:1',
      'planned:2',
      'planned:3',
      'planned:4',
    ]);
    expect(isPlanApplied(after, plan)).toBe(true);
    expect(isPlanApplied(g, plan)).toBe(false);
    const inverse = inversePlan(plan, after);
    expect(inverse.diff).toEqual([
      '- tcp/0-21 from 0.0.0.0/0',
      '- tcp/23-1024 from 0.0.0.0/0',
      '- tcp/22 from 203.0.113.0/24',
      '- tcp/22 from group sg-bastion',
      '+ tcp/0-1024 from 0.0.0.0/0',
    ]);
    expect(inverse.operations[0]?.op).toBe('add');
    expect(inverse.preconditions.map((p) => p.ruleId)).toEqual(['planned:1', 'planned:2', 'planned:3', 'planned:4']);
    const restored = applyPlanToGroup(after, inverse);
    expect(restored.rules.map((r) => ruleSignature(r, true)).sort()).toEqual(
      g.rules.map((r) => ruleSignature(r, true)).sort(),
    );
    expect(allowedSignature(evaluateGroup(restored))).toBe(allowedSignature(evaluateGroup(g)));
  });

  it('renders for the CLI', () => {
    const c = config(TRUSTED);
    const g = group({ provider: 'aws', name: 'web', rules: [rule({ ports: 22, id: 'ssh' })] });
    const plan = planOf(g, c, 'internet-admin-port', ssh);
    const lines = renderPlan(plan, provePlan(g, plan, c));
    expect(lines).toEqual([
      'Limit tcp/22 from the Internet to office (203.0.113.0/24), bastion (sg-bastion) on web (sg-1)',
      `  ${plan.id} · fixes internet-admin-port (critical): Port 22 (SSH) is open to the Internet`,
      '  group web (sg-1) · aws/acct/region-1',
      '    - tcp/22 from 0.0.0.0/0',
      '    + tcp/22 from 203.0.113.0/24 (office)',
      '    + tcp/22 from group sg-bastion (bastion)',
      '  expects rule ssh unchanged',
      '  blast radius: not known (network interfaces were not read): the change was proved on the group alone',
      "  proof: finding gone yes · never widens yes · only the finding's part changes yes",
    ]);
  });

  it('planFindings offers proven plans and gives reasons for the rest', () => {
    const c = config(TRUSTED);
    const g = group({
      provider: 'aws',
      rules: [rule({ ports: 22, id: 'ssh' }), rule({ ports: [8000, 8999], peer: '10.0.0.0/8', id: 'range' })],
    });
    const all = findings(g, c);
    const result = planFindings([g], [...all, { ...(all[0] as Finding), groupId: 'sg-gone' }], c);
    expect(result.offered.map((o) => o.plan.finding.check)).toEqual(['internet-admin-port']);
    const reasons = result.withoutPlan.map((w) => `${w.finding.check}: ${w.reason}`);
    expect(reasons).toHaveLength(2);
    expect(reasons).toContainEqual(expect.stringMatching(/^port-range: no ports are documented for sg-1:/));
    expect(reasons).toContain('internet-admin-port: group sg-gone is not in the audited estate');
  });
});

describe('config: remediation', () => {
  it('defaults so existing configs parse', () => {
    expect(defaultConfig().remediation).toEqual({ trustedSources: {}, groupPorts: {} });
  });

  it('normalizes sources and validates with clear messages', () => {
    const parsed = config({
      remediation: {
        trustedSources: { SSH: ['203.0.113.9/24', { source: 'sg:sg-b', label: 'bastion' }] },
        groupPorts: { 'sg-1': ['443', 'udp/53', '8000-8010'] },
      },
    });
    expect(parsed.remediation.trustedSources['SSH']).toEqual([
      { source: '203.0.113.0/24' },
      { source: 'sg:sg-b', label: 'bastion' },
    ]);
    const issue = (remediation: unknown) => {
      const result = configSchema.safeParse({ remediation });
      return result.success ? 'ok' : `${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`;
    };
    expect(issue({ trustedSources: { shh: [] } })).toBe(
      'remediation.trustedSources.shh: unknown service "shh" (closest valid name: "ssh"); a key is a port number or a service name',
    );
    expect(issue({ trustedSources: { '70000': [] } })).toBe(
      'remediation.trustedSources.70000: is not a port number (0-65535)',
    );
    expect(issue({ trustedSources: { '22': ['office'] } })).toBe(
      'remediation.trustedSources.22.0: is not a CIDR block, sg:<groupId>, prefix-list:<id> or address-group:<id>',
    );
    expect(issue({ groupPorts: { 'sg-1': ['90-80'] } })).toBe(
      'remediation.groupPorts.sg-1.0: is not a port or port range ("443", "8000-8010", optionally "tcp/…" or "udp/…")',
    );
    expect(issue({ trustedSources: {}, extra: 1 })).toMatch(/Unrecognized key/);
  });
});
