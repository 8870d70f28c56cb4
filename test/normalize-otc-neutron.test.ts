import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vpcV3PageKinds } from '../adapters/huawei/normalize.ts';
import { neutronPageKinds } from '../adapters/otc/neutron.ts';
import { mergePages } from '../src/model/merge.ts';
import type { PageContext, PageKind, PageResult } from '../src/model/page.ts';
import { ALL_PORTS } from '../src/model/protocol.ts';
import type { Rule } from '../src/model/types.ts';
import { pageKind, portsText, theReason, theRule } from './support/page-results.ts';

function kind(name: string): PageKind {
  return pageKind(neutronPageKinds, name);
}
const groupsKind = kind('neutron-v2:security-groups');
const rulesKind = kind('neutron-v2:security-group-rules');
const allKinds = [...vpcV3PageKinds, ...neutronPageKinds];

const ctx: PageContext = { provider: 'otc', account: '', region: 'eu-de', origin: 'neutron page 0' };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/otc/${name}`, import.meta.url), 'utf8'));
}

const GROUP = 'c6b2b5c9-2a94-52ec-a859-a74cf6089ca4';
const PROJECT = '5dd3c0b24cdc4d31952c49589182a89d';

/** A rule as GET /v2.0/security-group-rules returns it (neutron-lib api-ref sample), with overrides. */
function neutronRule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '3c0e45ff-adaf-4124-b083-bf390e5482ff',
    description: '',
    direction: 'ingress',
    ethertype: 'IPv4',
    port_range_max: 22,
    port_range_min: 22,
    protocol: 'tcp',
    remote_group_id: null,
    remote_ip_prefix: '0.0.0.0/0',
    security_group_id: GROUP,
    project_id: PROJECT,
    tenant_id: PROJECT,
    ...overrides,
  };
}

function readOne(overrides: Record<string, unknown>): PageResult {
  return rulesKind.normalize({ security_group_rules: [neutronRule(overrides)] }, ctx);
}

function onlyRule(overrides: Record<string, unknown>): Rule {
  return theRule(readOne(overrides));
}

function onlyReason(overrides: Record<string, unknown>): string {
  return theReason(readOne(overrides));
}

function summary(rule: Rule, selfId: string): string {
  const ports = portsText(rule.ports);
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr
      : rule.peer.kind === 'group' && rule.peer.self && rule.peer.groupId === selfId
        ? 'self'
        : JSON.stringify(rule.peer);
  return `${rule.direction} ${rule.action} p${rule.priority} ${rule.family} ${rule.protocol} ${ports} ${peer}`;
}

function matching(page: unknown): string[] {
  return allKinds.filter((k) => k.matches(page)).map((k) => k.name);
}

describe('neutron-v2 page kinds', () => {
  it('are named per API call and OTC only', () => {
    expect(neutronPageKinds.map((k) => k.name)).toEqual([
      'neutron-v2:security-groups',
      'neutron-v2:security-group-rules',
    ]);
    for (const k of neutronPageKinds) expect(k.providers).toEqual(['otc']);
  });

  it('each documented body matches exactly one of the four Huawei/OTC kinds', () => {
    const huawei = (name: string) =>
      JSON.parse(readFileSync(new URL(`./fixtures/huawei/${name}`, import.meta.url), 'utf8')) as unknown;
    expect(matching(fixture('neutron-security-groups-default.json'))).toEqual(['neutron-v2:security-groups']);
    expect(matching(fixture('neutron-security-group-rules-default.json'))).toEqual(['neutron-v2:security-group-rules']);
    expect(matching(fixture('v3-default-security-group-rules.json'))).toEqual(['vpc-v3:ListSecurityGroupRules']);
    expect(matching(huawei('v3-list-security-groups.json'))).toEqual(['vpc-v3:ListSecurityGroups']);
    expect(matching(huawei('v3-list-security-group-rules.json'))).toEqual(['vpc-v3:ListSecurityGroupRules']);
    // Empty lists carry no shape of their own; they read (as nothing) through the v3 kinds.
    expect(matching({ security_groups: [] })).toEqual(['vpc-v3:ListSecurityGroups']);
    expect(matching({ security_group_rules: [] })).toEqual(['vpc-v3:ListSecurityGroupRules']);
    // A page with both lists is no documented body.
    expect(
      matching({ security_groups: [{ id: 'g', security_group_rules: [] }], security_group_rules: [neutronRule()] }),
    ).toEqual([]);
    // A Neutron rule list with one v3 rule in it is read as v3.
    expect(matching({ security_group_rules: [neutronRule(), { id: 'x', priority: 1 }] })).toEqual([
      'vpc-v3:ListSecurityGroupRules',
    ]);
  });

  it('never match more than one kind, whatever the page (property)', () => {
    const item = fc.oneof(
      fc.anything(),
      fc.record(
        {
          id: fc.string(),
          security_group_rules: fc.oneof(fc.array(fc.anything(), { maxLength: 2 }), fc.anything()),
          port_range_min: fc.anything(),
          port_range_max: fc.anything(),
          multiport: fc.anything(),
          action: fc.anything(),
          priority: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    const page = fc.oneof(
      fc.anything(),
      fc.record(
        { security_groups: fc.array(item, { maxLength: 3 }), security_group_rules: fc.array(item, { maxLength: 3 }) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(page, (p) => {
        expect(matching(p).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('OTC default group through Neutron (seed 000_d2d326b67985d467.txt)', () => {
  const expected = [
    'egress allow p1 ipv6 all all ::/0',
    'egress allow p1 ipv4 all all 0.0.0.0/0',
    'ingress allow p1 ipv6 all all self',
    'ingress allow p1 ipv4 all all self',
  ];

  it('GET /v2.0/security-groups: the group and its nested rules, rule by rule', () => {
    const result = groupsKind.normalize(fixture('neutron-security-groups-default.json'), ctx);
    expect(result.unparseable).toEqual([]);
    expect(result.groups).toEqual([
      {
        provider: 'otc',
        account: PROJECT,
        region: 'eu-de',
        vpcId: '',
        id: GROUP,
        name: 'default',
        description: 'default',
        api: 'neutron-v2',
      },
    ]);
    expect(result.rules.map((f) => summary(f.rule, GROUP))).toEqual(expected);
    for (const fragment of result.rules) {
      expect(fragment).toMatchObject({
        provider: 'otc',
        account: PROJECT,
        region: 'eu-de',
        groupId: GROUP,
        authoritative: true,
      });
      expect(fragment.rule.enabled).toBe(true);
      expect(fragment.rule.native.derivedId).toBe(false);
    }
  });

  it('GET /v2.0/security-group-rules: the same rules, fragments only', () => {
    const result = rulesKind.normalize(fixture('neutron-security-group-rules-default.json'), ctx);
    expect(result.unparseable).toEqual([]);
    expect(result.groups).toEqual([]);
    expect(result.rules.map((f) => summary(f.rule, GROUP))).toEqual(expected);
  });

  it('merged with the nested rules, each rule appears once', () => {
    const estate = mergePages([
      groupsKind.normalize(fixture('neutron-security-groups-default.json'), ctx),
      rulesKind.normalize(fixture('neutron-security-group-rules-default.json'), ctx),
    ]);
    expect(estate.groups).toHaveLength(1);
    expect(estate.groups[0]?.api).toBe('neutron-v2');
    expect(estate.groups[0]?.rules.map((r) => summary(r, GROUP))).toEqual(expected);
  });
});

describe('neutron-v2 groups', () => {
  it('take the account from ctx, else project_id, else tenant_id', () => {
    const page = {
      security_groups: [{ id: 'sg-1', name: 'web', description: null, tenant_id: 't-1', security_group_rules: [] }],
    };
    expect(groupsKind.normalize(page, ctx).groups[0]).toMatchObject({ account: 't-1', description: '' });
    expect(groupsKind.normalize(page, { ...ctx, account: 'a-1' }).groups[0]?.account).toBe('a-1');
  });

  it('nested rules belong to the enclosing group, even when their own security_group_id is missing', () => {
    const page = {
      security_groups: [
        {
          id: 'sg-1',
          name: 'web',
          tenant_id: 't-1',
          security_group_rules: [neutronRule({ security_group_id: undefined })],
        },
      ],
    };
    const result = groupsKind.normalize(page, ctx);
    expect(result.rules).toHaveLength(1);
    expect(result.rules[0]).toMatchObject({ groupId: 'sg-1', account: 't-1' });
  });

  it('a group without an id is unparseable; its rules are still read under their own group id', () => {
    const page = { security_groups: [{ name: 'broken', security_group_rules: [neutronRule({ id: 'r-1' })] }] };
    const result = groupsKind.normalize(page, ctx);
    expect(result.groups).toEqual([]);
    expect(result.unparseable.map((u) => u.reason)).toEqual(['security_groups[0]: id undefined is missing']);
    expect(result.rules.map((f) => [f.groupId, f.rule.native.ruleId])).toEqual([[GROUP, 'r-1']]);
  });

  it('a group whose rule list is not a list is flagged: its rules are unknown, not absent', () => {
    const page = {
      security_groups: [
        { id: 'sg-1', name: 'a', security_group_rules: [] },
        { id: 'sg-2', name: 'b', security_group_rules: null },
      ],
    };
    expect(groupsKind.matches(page)).toBe(true);
    const result = groupsKind.normalize(page, ctx);
    expect(result.groups.map((g) => g.id)).toEqual(['sg-1', 'sg-2']);
    expect(result.unparseable).toHaveLength(1);
    expect(result.unparseable[0]).toMatchObject({
      groupId: 'sg-2',
      groupName: 'b',
      reason: "security_groups[1]: security_group_rules null is not an array; the group's rules are unknown",
    });
  });
});

describe('neutron-v2 rule fields', () => {
  it('every rule is allow at priority 1 and enabled', () => {
    const rule = onlyRule({});
    expect(rule).toMatchObject({ action: 'allow', priority: 1, enabled: true, direction: 'ingress', family: 'ipv4' });
    expect(onlyRule({ direction: 'egress' }).direction).toBe('egress');
    expect(onlyReason({ direction: null })).toBe('security_group_rules[0]: direction null is not ingress or egress');
  });

  it('ethertype: IPv4/IPv6 in any case', () => {
    expect(onlyRule({ ethertype: 'IPv6', remote_ip_prefix: '::/0' }).family).toBe('ipv6');
    expect(onlyRule({ ethertype: 'ipv4' }).family).toBe('ipv4');
    expect(onlyReason({ ethertype: 'arp' })).toContain('ethertype "arp" is not IPv4 or IPv6');
  });

  it('protocol: null, any and 0 mean all; names and numbers are canonical; unknown is unparseable', () => {
    const any = { port_range_min: null, port_range_max: null };
    expect(onlyRule({ ...any, protocol: null }).protocol).toBe('all');
    expect(onlyRule({ ...any, protocol: 'any' }).protocol).toBe('all');
    expect(onlyRule({ ...any, protocol: 0 }).protocol).toBe('all');
    expect(onlyRule({ ...any, protocol: '0' }).protocol).toBe('all');
    expect(onlyRule({ protocol: '6' }).protocol).toBe('tcp');
    expect(onlyRule({ protocol: 17 }).protocol).toBe('udp');
    expect(onlyRule({ ...any, protocol: 'gre' }).protocol).toBe('gre');
    expect(onlyRule({ ...any, protocol: 'sctp' }).protocol).toBe(132);
    expect(onlyRule({ ...any, protocol: 'VRRP' }).protocol).toBe(112);
    expect(onlyReason({ protocol: 'quic' })).toContain('protocol "quic" is not a protocol');
  });

  it('protocol: icmp (name or 1) on IPv6 is ICMPv6, as Neutron rewrites it; ICMPv6 on IPv4 is unparseable', () => {
    const v6 = { ethertype: 'IPv6', remote_ip_prefix: '::/0', port_range_min: null, port_range_max: null };
    expect(onlyRule({ ...v6, protocol: 'icmp' }).protocol).toBe('icmpv6');
    expect(onlyRule({ ...v6, protocol: '1' }).protocol).toBe('icmpv6');
    expect(onlyRule({ ...v6, protocol: 'ipv6-icmp' }).protocol).toBe('icmpv6');
    expect(onlyRule({ ...v6, protocol: 'icmpv6' }).protocol).toBe('icmpv6');
    expect(onlyRule({ protocol: 'icmp', port_range_min: null, port_range_max: null }).protocol).toBe('icmp');
    expect(onlyReason({ protocol: 'ipv6-icmp', port_range_min: null, port_range_max: null })).toContain(
      'protocol "ipv6-icmp" does not fit ethertype IPv4',
    );
  });

  it('TCP/UDP ports: a range, all when both are null, min alone is one port, max alone is all', () => {
    expect(onlyRule({}).ports).toEqual([{ from: 22, to: 22 }]);
    expect(onlyRule({ protocol: 'udp', port_range_min: 1000, port_range_max: 2000 }).ports).toEqual([
      { from: 1000, to: 2000 },
    ]);
    expect(onlyRule({ port_range_min: '80', port_range_max: '81' }).ports).toEqual([{ from: 80, to: 81 }]);
    expect(onlyRule({ port_range_min: null, port_range_max: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ port_range_min: 443, port_range_max: null }).ports).toEqual([{ from: 443, to: 443 }]);
    expect(onlyRule({ port_range_min: null, port_range_max: 443 }).ports).toEqual([ALL_PORTS]);
    expect(onlyReason({ port_range_min: 90, port_range_max: 80 })).toContain(
      'port_range_min 90 and port_range_max 80 are not a port range',
    );
    expect(onlyReason({ port_range_min: 1, port_range_max: 70000 })).toContain('port_range_max 70000');
    expect(onlyReason({ port_range_min: 'ssh' })).toContain('port_range_min "ssh" is not an integer');
  });

  it('ICMP: port_range_min is the type and port_range_max the code; null is any', () => {
    const icmp = { protocol: 'icmp' };
    expect(onlyRule({ ...icmp, port_range_min: 8, port_range_max: 0 }).ports).toEqual([{ from: 2048, to: 2048 }]);
    expect(onlyRule({ ...icmp, port_range_min: 8, port_range_max: null }).ports).toEqual([{ from: 2048, to: 2303 }]);
    expect(onlyRule({ ...icmp, port_range_min: null, port_range_max: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ ...icmp, port_range_min: null, port_range_max: 0 }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ ...icmp, port_range_min: -1, port_range_max: -1 }).ports).toEqual([ALL_PORTS]);
    const v6 = { protocol: 'ipv6-icmp', ethertype: 'IPv6', remote_ip_prefix: '::/0' };
    expect(onlyRule({ ...v6, port_range_min: 128, port_range_max: null }).ports).toEqual([
      { from: 128 * 256, to: 128 * 256 + 255 },
    ]);
    expect(onlyReason({ ...icmp, port_range_min: 256, port_range_max: null })).toContain(
      'port_range_min 256 is not an ICMP type',
    );
    expect(onlyReason({ ...icmp, port_range_min: 3, port_range_max: 300 })).toContain(
      'port_range_max 300 is not an ICMP code',
    );
  });

  it('other protocols: all ports, whatever the port fields say', () => {
    expect(onlyRule({ protocol: 'gre', port_range_min: null, port_range_max: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ protocol: 'sctp', port_range_min: 9, port_range_max: 9 }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ protocol: null, port_range_min: 22, port_range_max: 22 }).ports).toEqual([ALL_PORTS]);
  });

  it('peer: remote_ip_prefix, remote_group_id (self or other), remote_address_group_id, else any of the family', () => {
    expect(onlyRule({ remote_ip_prefix: '203.0.113.7/24' }).peer).toEqual({ kind: 'cidr', cidr: '203.0.113.0/24' });
    expect(onlyRule({ remote_ip_prefix: null, remote_group_id: GROUP }).peer).toEqual({
      kind: 'group',
      groupId: GROUP,
      self: true,
    });
    expect(onlyRule({ remote_ip_prefix: null, remote_group_id: 'sg-b' }).peer).toEqual({
      kind: 'group',
      groupId: 'sg-b',
      self: false,
    });
    expect(onlyRule({ remote_ip_prefix: null, remote_address_group_id: 'ag-1' }).peer).toEqual({
      kind: 'address-group',
      id: 'ag-1',
    });
    expect(onlyRule({ remote_ip_prefix: null }).peer).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
    expect(onlyRule({ ethertype: 'IPv6', remote_ip_prefix: null }).peer).toEqual({ kind: 'cidr', cidr: '::/0' });
    expect(onlyReason({ ethertype: 'IPv6' })).toContain('remote_ip_prefix "0.0.0.0/0" is not of ethertype "IPv6"');
    expect(onlyReason({ remote_group_id: 'sg-b' })).toContain('remote_ip_prefix and remote_group_id are set together');
  });

  it('native: the rule id and raw record; a derived id only without one', () => {
    const raw = neutronRule();
    const [fragment] = rulesKind.normalize({ security_group_rules: [raw] }, ctx).rules;
    expect(fragment?.rule.native).toEqual({ ruleId: '3c0e45ff-adaf-4124-b083-bf390e5482ff', derivedId: false, raw });
    const derived = onlyRule({ id: null }).native;
    expect(derived.derivedId).toBe(true);
    expect(derived.ruleId).toMatch(/^neutron~[0-9a-f]{12}$/);
  });

  it('unparseable records keep the raw rule, its ids and the scope, and the page goes on', () => {
    const bad = neutronRule({ id: 'bad', protocol: 'tcp', port_range_min: 70000, port_range_max: 70001 });
    const result = rulesKind.normalize({ security_group_rules: [bad, neutronRule({ id: 'good' })] }, ctx);
    expect(result.rules.map((f) => f.rule.native.ruleId)).toEqual(['good']);
    expect(result.unparseable).toEqual([
      {
        provider: 'otc',
        account: PROJECT,
        region: 'eu-de',
        groupId: GROUP,
        groupName: '',
        ruleId: 'bad',
        reason: 'security_group_rules[0]: port_range_min 70000 and port_range_max 70001 are not a port range',
        raw: bad,
        origin: 'neutron page 0',
        standsFor: { direction: 'ingress' },
      },
    ]);
  });
});

function field(...typical: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(...typical), fc.anything());
}

const randomNeutronRule = fc.record(
  {
    id: field('r-1', null, ''),
    security_group_id: field(GROUP, null),
    direction: field('ingress', 'egress', 'out'),
    ethertype: field('IPv4', 'IPv6', null),
    protocol: field('tcp', 'udp', 'icmp', 'ipv6-icmp', 'any', 0, '6', null, 'sctp', 'nope'),
    port_range_min: field(22, 0, 8, null, -1, 65536, '80'),
    port_range_max: field(22, 65535, 0, null, 255, 300),
    remote_ip_prefix: field('0.0.0.0/0', '::/0', '10.1.2.3', null, 'bad'),
    remote_group_id: field(null, GROUP),
    remote_address_group_id: field(null, 'ag'),
    description: field('', null),
    project_id: field(PROJECT, null),
    tenant_id: field(PROJECT, null),
  },
  { requiredKeys: [] },
);

describe('neutron-v2 normalize never throws (property)', () => {
  it('on anything at all, for both kinds', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ security_groups: fc.array(fc.anything()) }),
          fc.record({ security_group_rules: fc.array(fc.anything()) }),
        ),
        (page) => {
          for (const k of neutronPageKinds) {
            const result = k.normalize(page, ctx);
            expect(Array.isArray(result.rules) && Array.isArray(result.unparseable)).toBe(true);
          }
        },
      ),
    );
  });

  it('turns each random rule record into exactly one rule or one unparseable record', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(randomNeutronRule, fc.anything()), { maxLength: 8 }), (rules) => {
        const result = rulesKind.normalize({ security_group_rules: rules }, ctx);
        expect(result.rules.length + result.unparseable.length).toBe(rules.length);
        for (const { rule } of result.rules) {
          expect(rule.action).toBe('allow');
          expect(rule.priority).toBe(1);
          expect(rule.ports.every((r) => r.from >= 0 && r.from <= r.to && r.to <= 65535)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('turns each random group and each nested rule into exactly one result or unparseable record', () => {
    const randomGroup = fc.record({
      id: field('sg-1', null),
      name: field('default', null),
      project_id: field(PROJECT, null),
      security_group_rules: fc.array(fc.oneof(randomNeutronRule, fc.anything()), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(randomGroup, { maxLength: 4 }), (groups) => {
        const result = groupsKind.normalize({ security_groups: groups }, ctx);
        const inputs = groups.length + groups.reduce((n, g) => n + g.security_group_rules.length, 0);
        expect(result.groups.length + result.rules.length + result.unparseable.length).toBe(inputs);
      }),
      { numRuns: 200 },
    );
  });
});
