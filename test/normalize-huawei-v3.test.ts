import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vpcV3PageKinds } from '../adapters/huawei/normalize.ts';
import type { PageContext, PageKind, PageResult } from '../src/model/page.ts';
import { ALL_PORTS } from '../src/model/protocol.ts';
import type { Rule } from '../src/model/types.ts';
import { pageKind, portsText, theReason, theRule } from './support/page-results.ts';

function kind(name: string): PageKind {
  return pageKind(vpcV3PageKinds, name);
}
const groupsKind = kind('vpc-v3:ListSecurityGroups');
const rulesKind = kind('vpc-v3:ListSecurityGroupRules');

const ctx: PageContext = { provider: 'huawei', account: '', region: 'ap-southeast-1', origin: 'test page 0' };

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/huawei/${name}`, import.meta.url), 'utf8'));
}

const GROUP = 'e72e6fba-8ed3-5cde-9ff6-36f062e1e51b';
const PROJECT = '060576782980d5762f9ec014dd2f1148';

/** A rule as ListSecurityGroupRules returns it (huaweicloud-sdk-go-v3 SecurityGroupRule), with overrides. */
function v3Rule(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'f626eb24-d8bd-4d26-ae0b-c16bb65730cb',
    description: null,
    security_group_id: GROUP,
    direction: 'ingress',
    protocol: 'tcp',
    ethertype: 'IPv4',
    multiport: '22',
    action: 'allow',
    priority: 1,
    remote_group_id: null,
    remote_ip_prefix: '0.0.0.0/0',
    remote_address_group_id: null,
    created_at: '2024-05-13T07:12:36Z',
    updated_at: '2024-05-13T07:12:36Z',
    project_id: PROJECT,
    enabled: true,
    ...overrides,
  };
}

function rulesPage(...rules: unknown[]): unknown {
  return {
    request_id: 'c8d2e4f6a1b34c5d9e7f8a6b5c4d3e21',
    security_group_rules: rules,
    page_info: { current_count: rules.length },
  };
}

function readOne(overrides: Record<string, unknown>, context: PageContext = ctx): PageResult {
  return rulesKind.normalize(rulesPage(v3Rule(overrides)), context);
}

function onlyRule(overrides: Record<string, unknown>): Rule {
  return theRule(readOne(overrides));
}

function onlyReason(overrides: Record<string, unknown>): string {
  return theReason(readOne(overrides));
}

/** One line per rule: direction action priority family protocol ports peer. */
function summary(rule: Rule, selfId: string): string {
  const ports = portsText(rule.ports);
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr
      : rule.peer.kind === 'group'
        ? rule.peer.self && rule.peer.groupId === selfId
          ? 'self'
          : `group ${rule.peer.groupId}`
        : `${rule.peer.kind} ${rule.peer.kind === 'address-group' ? rule.peer.id : ''}`;
  return `${rule.direction} ${rule.action} p${rule.priority} ${rule.family} ${rule.protocol} ${ports} ${peer}${rule.enabled ? '' : ' disabled'}`;
}

describe('vpc-v3 page kinds', () => {
  it('are named per API call and shared by Huawei and OTC', () => {
    expect(vpcV3PageKinds.map((k) => k.name)).toEqual(['vpc-v3:ListSecurityGroups', 'vpc-v3:ListSecurityGroupRules']);
    for (const k of vpcV3PageKinds) expect(k.providers).toEqual(['huawei', 'otc']);
  });

  it('recognize the documented bodies, empty lists included, and nothing else', () => {
    expect(groupsKind.matches(fixture('v3-list-security-groups.json'))).toBe(true);
    expect(rulesKind.matches(fixture('v3-list-security-group-rules.json'))).toBe(true);
    expect(groupsKind.matches(fixture('v3-list-security-group-rules.json'))).toBe(false);
    expect(rulesKind.matches(fixture('v3-list-security-groups.json'))).toBe(false);
    expect(groupsKind.matches({ security_groups: [], page_info: { current_count: 0 } })).toBe(true);
    expect(rulesKind.matches({ security_group_rules: [], page_info: { current_count: 0 } })).toBe(true);
    // Neutron shapes: groups carrying their rules, rules without multiport/action/priority.
    expect(groupsKind.matches({ security_groups: [{ id: 'g', security_group_rules: [] }] })).toBe(false);
    expect(rulesKind.matches({ security_group_rules: [{ id: 'r', port_range_min: 22, port_range_max: 22 }] })).toBe(
      false,
    );
    // A rule carrying any one v3 field is a v3 rule.
    expect(rulesKind.matches({ security_group_rules: [{ id: 'r', priority: 1 }] })).toBe(true);
    expect(rulesKind.matches({ security_group_rules: [{ id: 'r', action: 'deny' }] })).toBe(true);
    expect(rulesKind.matches({ security_group_rules: [{ id: 'r', multiport: '22' }] })).toBe(true);
    for (const page of [null, 7, 'x', [], {}, { security_groups: 'x' }, { security_group_rules: null }]) {
      expect(groupsKind.matches(page)).toBe(false);
      expect(rulesKind.matches(page)).toBe(false);
    }
  });
});

describe('vpc-v3:ListSecurityGroups', () => {
  it('reads groups with provider, account and region from the context', () => {
    const result = groupsKind.normalize(fixture('v3-list-security-groups.json'), ctx);
    expect(result.unparseable).toEqual([]);
    expect(result.rules).toEqual([]);
    expect(result.groups.map((g) => g.name)).toEqual(['default', 'Sys-WebServer', 'Sys-FullAccess']);
    expect(result.groups[0]).toEqual({
      provider: 'huawei',
      account: PROJECT,
      region: 'ap-southeast-1',
      vpcId: '',
      id: GROUP,
      name: 'default',
      description: 'Default security group',
      api: 'vpc-v3',
    });
    const otc = groupsKind.normalize(fixture('v3-list-security-groups.json'), {
      ...ctx,
      provider: 'otc',
      account: 'acct',
    });
    expect(otc.groups.every((g) => g.provider === 'otc' && g.account === 'acct')).toBe(true);
  });

  it('turns a group without an id into an unparseable record and reads the others', () => {
    const result = groupsKind.normalize(
      { security_groups: [{ name: 'orphan', description: null }, { id: 'sg-2', name: 'ok', description: null }, null] },
      ctx,
    );
    expect(result.groups).toEqual([expect.objectContaining({ id: 'sg-2', name: 'ok', description: '' })]);
    expect(result.unparseable.map((u) => u.reason)).toEqual([
      'security_groups[0]: id undefined is missing',
      'security_groups[2]: not an object: null',
    ]);
    expect(result.unparseable[0]).toMatchObject({ groupName: 'orphan', origin: 'test page 0', provider: 'huawei' });
  });

  it('reads v3 rules nested in a group (ShowSecurityGroup shape) under that group', () => {
    const result = groupsKind.normalize(
      { security_groups: [{ id: 'sg-9', name: 'n', security_group_rules: [v3Rule({ security_group_id: 'sg-9' })] }] },
      ctx,
    );
    expect(result.groups).toHaveLength(1);
    expect(result.rules.map((f) => f.groupId)).toEqual(['sg-9']);
  });
});

describe('vpc-v3:ListSecurityGroupRules — Huawei templates (seed 001_563b5bfa9142bc47.txt)', () => {
  const result = rulesKind.normalize(fixture('v3-list-security-group-rules.json'), ctx);
  const groups = {
    default: GROUP,
    web: '17f90fe1-37ac-5d6a-bd66-0812caab6384',
    full: '10286661-a063-5e9f-b394-2a247822c8e0',
  };
  const rulesOf = (groupId: string) =>
    result.rules.filter((f) => f.groupId === groupId).map((f) => summary(f.rule, groupId));

  it('reads every rule', () => {
    expect(result.unparseable).toEqual([]);
    expect(result.rules).toHaveLength(19);
    for (const fragment of result.rules) {
      expect(fragment).toMatchObject({
        provider: 'huawei',
        account: PROJECT,
        region: 'ap-southeast-1',
        authoritative: true,
      });
      expect(fragment.rule.native.derivedId).toBe(false);
      expect(fragment.rule.native.raw).toMatchObject({ id: fragment.rule.native.ruleId });
    }
  });

  it('default (table 1): IPv4 and IPv6 from the group itself, all outbound', () => {
    expect(rulesOf(groups.default)).toEqual([
      'ingress allow p1 ipv4 all all self',
      'ingress allow p1 ipv6 all all self',
      'egress allow p1 ipv4 all all 0.0.0.0/0',
      'egress allow p1 ipv6 all all ::/0',
    ]);
  });

  it('Sys-WebServer (table 2): ICMP, 443, 80, 22, 3389 from anywhere, self, all outbound', () => {
    expect(rulesOf(groups.web)).toEqual([
      'ingress allow p1 ipv4 icmp all 0.0.0.0/0',
      'ingress allow p1 ipv4 all all self',
      'ingress allow p1 ipv4 tcp 443 0.0.0.0/0',
      'ingress allow p1 ipv4 tcp 80 0.0.0.0/0',
      'ingress allow p1 ipv4 tcp 22 0.0.0.0/0',
      'ingress allow p1 ipv4 tcp 3389 0.0.0.0/0',
      'ingress allow p1 ipv6 all all self',
      'egress allow p1 ipv4 all all 0.0.0.0/0',
      'egress allow p1 ipv6 all all ::/0',
    ]);
    const ssh = result.rules.find((f) => f.groupId === groups.web && f.rule.ports[0]?.from === 22);
    expect(ssh?.rule.description).toBe('Permit default Linux SSH port.');
  });

  it('Sys-FullAccess (table 3): self, everything inbound on IPv4 and IPv6, all outbound', () => {
    expect(rulesOf(groups.full)).toEqual([
      'ingress allow p1 ipv4 all all self',
      'ingress allow p1 ipv6 all all self',
      'ingress allow p1 ipv4 all all 0.0.0.0/0',
      'ingress allow p1 ipv6 all all ::/0',
      'egress allow p1 ipv4 all all 0.0.0.0/0',
      'egress allow p1 ipv6 all all ::/0',
    ]);
  });
});

describe('vpc-v3:ListSecurityGroupRules — OTC default group (seed 000_d2d326b67985d467.txt)', () => {
  it('allows all outbound and all inbound from the group itself', () => {
    const page = JSON.parse(
      readFileSync(new URL('./fixtures/otc/v3-default-security-group-rules.json', import.meta.url), 'utf8'),
    );
    const otcCtx: PageContext = { provider: 'otc', account: '', region: 'eu-de', origin: 'otc' };
    expect(rulesKind.matches(page)).toBe(true);
    const result = rulesKind.normalize(page, otcCtx);
    expect(result.unparseable).toEqual([]);
    const self = 'c6b2b5c9-2a94-52ec-a859-a74cf6089ca4';
    expect(result.rules.map((f) => summary(f.rule, self))).toEqual([
      'egress allow p1 ipv4 all all 0.0.0.0/0',
      'ingress allow p1 ipv4 all all self',
    ]);
    expect(result.rules.every((f) => f.provider === 'otc' && f.account === '5dd3c0b24cdc4d31952c49589182a89d')).toBe(
      true,
    );
  });
});

describe('vpc-v3 rule fields', () => {
  it('direction: ingress or egress', () => {
    expect(onlyRule({ direction: 'egress' }).direction).toBe('egress');
    expect(onlyReason({ direction: 'inbound' })).toBe(
      'security_group_rules[0]: direction "inbound" is not ingress or egress',
    );
  });

  it('action: allow or deny in any case; missing means allow', () => {
    expect(onlyRule({ action: 'deny' }).action).toBe('deny');
    expect(onlyRule({ action: 'DENY' }).action).toBe('deny');
    expect(onlyRule({ action: undefined }).action).toBe('allow');
    expect(onlyRule({ action: null }).action).toBe('allow');
    expect(onlyReason({ action: 'drop' })).toContain('action "drop" is not allow or deny');
  });

  it('priority: number or numeric string; missing means 1; out of 1–100 is unreadable', () => {
    expect(onlyRule({ priority: 42 }).priority).toBe(42);
    expect(onlyRule({ priority: '7' }).priority).toBe(7);
    expect(onlyRule({ priority: undefined }).priority).toBe(1);
    expect(onlyRule({ priority: null }).priority).toBe(1);
    expect(onlyReason({ priority: 0 })).toContain('priority 0 is not within 1-100');
    expect(onlyReason({ priority: 150 })).toContain('priority 150 is not within 1-100');
    expect(onlyReason({ priority: 'high' })).toContain('priority "high" is not an integer');
    expect(onlyReason({ priority: 1.5 })).toContain('priority 1.5 is not an integer');
  });

  it('ethertype: IPv4/IPv6 in any case; absent falls back to the prefix family', () => {
    expect(onlyRule({ ethertype: 'ipv6', remote_ip_prefix: '::/0' }).family).toBe('ipv6');
    expect(onlyRule({ ethertype: 'IPV4' }).family).toBe('ipv4');
    expect(onlyRule({ ethertype: undefined, remote_ip_prefix: '2001:db8::/32' }).family).toBe('ipv6');
    expect(onlyReason({ ethertype: 'IPv5' })).toContain('ethertype "IPv5" is not IPv4 or IPv6');
    expect(onlyReason({ ethertype: null, remote_ip_prefix: null })).toContain('ethertype null is missing');
  });

  it('protocol: empty or null means any; names and numbers are canonical', () => {
    expect(onlyRule({ protocol: '', multiport: null }).protocol).toBe('all');
    expect(onlyRule({ protocol: null, multiport: null }).protocol).toBe('all');
    expect(onlyRule({ protocol: 'TCP' }).protocol).toBe('tcp');
    expect(onlyRule({ protocol: 'udp' }).protocol).toBe('udp');
    expect(onlyRule({ protocol: '47' }).protocol).toBe('gre');
    expect(onlyRule({ protocol: '132' }).protocol).toBe(132);
    expect(onlyRule({ protocol: 'icmpv6', ethertype: 'IPv6', remote_ip_prefix: '::/0' }).protocol).toBe('icmpv6');
    expect(onlyReason({ protocol: 'http' })).toContain('protocol "http" is not a protocol');
    expect(onlyReason({ protocol: 'icmp', ethertype: 'IPv6', remote_ip_prefix: '::/0' })).toContain(
      'protocol "icmp" does not fit ethertype "IPv6"',
    );
  });

  it('multiport: single ports, ranges and lists, merged; empty means all ports', () => {
    expect(onlyRule({ multiport: '22' }).ports).toEqual([{ from: 22, to: 22 }]);
    expect(onlyRule({ multiport: '22,80-90' }).ports).toEqual([
      { from: 22, to: 22 },
      { from: 80, to: 90 },
    ]);
    expect(onlyRule({ multiport: ' 443 ' }).ports).toEqual([{ from: 443, to: 443 }]);
    expect(onlyRule({ multiport: '3389, 80 - 90,85-100,22' }).ports).toEqual([
      { from: 22, to: 22 },
      { from: 80, to: 100 },
      { from: 3389, to: 3389 },
    ]);
    expect(onlyRule({ multiport: '1-65535' }).ports).toEqual([{ from: 1, to: 65535 }]);
    expect(onlyRule({ protocol: 'udp', multiport: '53' }).ports).toEqual([{ from: 53, to: 53 }]);
    expect(onlyRule({ multiport: '' }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ multiport: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyReason({ multiport: '90-80' })).toContain('multiport "90-80" has an invalid port or range');
    expect(onlyReason({ multiport: '70000' })).toContain('multiport "70000"');
    expect(onlyReason({ multiport: '22,' })).toContain('multiport "22,"');
    expect(onlyReason({ multiport: ['22'] })).toContain('multiport ["22"] is not a string');
  });

  it('ports: all ports for protocols without ports, whatever multiport says', () => {
    expect(onlyRule({ protocol: 'icmp', multiport: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ protocol: 'icmp', multiport: '8' }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ protocol: '', multiport: null }).ports).toEqual([ALL_PORTS]);
    expect(onlyRule({ protocol: 'gre', multiport: null }).ports).toEqual([ALL_PORTS]);
  });

  it('peer: canonical CIDR, bare address, group (self or other), address group, or any of the family', () => {
    expect(onlyRule({ remote_ip_prefix: '10.0.0.5/24' }).peer).toEqual({ kind: 'cidr', cidr: '10.0.0.0/24' });
    expect(onlyRule({ remote_ip_prefix: '192.168.10.10' }).peer).toEqual({ kind: 'cidr', cidr: '192.168.10.10/32' });
    expect(onlyRule({ ethertype: 'IPv6', remote_ip_prefix: '2407:c080:802:469::/64' }).peer).toEqual({
      kind: 'cidr',
      cidr: '2407:c080:802:469::/64',
    });
    expect(onlyRule({ remote_ip_prefix: null, remote_group_id: GROUP }).peer).toEqual({
      kind: 'group',
      groupId: GROUP,
      self: true,
    });
    expect(onlyRule({ remote_ip_prefix: null, remote_group_id: 'sg-other' }).peer).toEqual({
      kind: 'group',
      groupId: 'sg-other',
      self: false,
    });
    expect(onlyRule({ remote_ip_prefix: null, remote_address_group_id: 'ag-1' }).peer).toEqual({
      kind: 'address-group',
      id: 'ag-1',
    });
    expect(onlyRule({ remote_ip_prefix: null }).peer).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
    expect(onlyRule({ remote_ip_prefix: '' }).peer).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
    expect(onlyRule({ ethertype: 'IPv6', remote_ip_prefix: null }).peer).toEqual({ kind: 'cidr', cidr: '::/0' });
  });

  it('peer: a prefix of the other family, an invalid prefix, or two remotes are unparseable', () => {
    expect(onlyReason({ ethertype: 'IPv6', remote_ip_prefix: '0.0.0.0/0' })).toContain(
      'remote_ip_prefix "0.0.0.0/0" is not of ethertype "IPv6"',
    );
    expect(onlyReason({ remote_ip_prefix: '10.0.0.0/33' })).toContain('remote_ip_prefix "10.0.0.0/33" is not a CIDR');
    expect(onlyReason({ remote_group_id: 'sg-x' })).toContain('remote_ip_prefix and remote_group_id are set together');
    expect(onlyReason({ remote_ip_prefix: 5 })).toContain('remote_ip_prefix 5 is not a string');
  });

  it('enabled: false disables the rule; true or absent enables it', () => {
    expect(onlyRule({ enabled: false }).enabled).toBe(false);
    expect(onlyRule({ enabled: true }).enabled).toBe(true);
    expect(onlyRule({ enabled: undefined }).enabled).toBe(true);
    expect(onlyReason({ enabled: 'maybe' })).toContain('enabled "maybe" is not true or false');
  });

  it('description: text, or empty when null', () => {
    expect(onlyRule({ description: 'ssh from office' }).description).toBe('ssh from office');
    expect(onlyRule({ description: null }).description).toBe('');
  });

  it('native: the provider id and the raw record; a stable derived id only when the id is missing', () => {
    const raw = v3Rule();
    const [fragment] = rulesKind.normalize(rulesPage(raw), ctx).rules;
    expect(fragment?.rule.native).toEqual({ ruleId: 'f626eb24-d8bd-4d26-ae0b-c16bb65730cb', derivedId: false, raw });
    const first = onlyRule({ id: undefined }).native;
    const second = onlyRule({ id: undefined }).native;
    expect(first.derivedId).toBe(true);
    expect(first.ruleId).toMatch(/^hw~[0-9a-f]{12}$/);
    expect(second.ruleId).toBe(first.ruleId);
    expect(onlyRule({ id: undefined, multiport: '23' }).native.ruleId).not.toBe(first.ruleId);
  });

  it('group and account: security_group_id, ctx.account else project_id; a rule without a group is unparseable', () => {
    const [fragment] = readOne({}, { ...ctx, account: 'acct-1' }).rules;
    expect(fragment).toMatchObject({ groupId: GROUP, account: 'acct-1', authoritative: true });
    expect(readOne({}).rules[0]?.account).toBe(PROJECT);
    expect(onlyReason({ security_group_id: null })).toContain('security_group_id null is missing');
  });
});

describe('vpc-v3 unparseable records', () => {
  it('name the field and value on one line, keep the raw record and read the rest of the page', () => {
    const bad = v3Rule({ id: 'bad-1', multiport: '22\n-23' });
    const page = rulesPage(v3Rule({ id: 'ok-1' }), bad, 42, v3Rule({ id: 'ok-2', direction: 'egress' }));
    const result = rulesKind.normalize(page, { ...ctx, account: 'acct' });
    expect(result.rules.map((f) => f.rule.native.ruleId)).toEqual(['ok-1', 'ok-2']);
    expect(result.unparseable).toHaveLength(2);
    const [first, second] = result.unparseable;
    expect(first).toEqual({
      provider: 'huawei',
      account: 'acct',
      region: 'ap-southeast-1',
      groupId: GROUP,
      groupName: '',
      ruleId: 'bad-1',
      reason: 'security_group_rules[1]: multiport "22\\n-23" has an invalid port or range',
      raw: bad,
      origin: 'test page 0',
      standsFor: { direction: 'ingress', action: 'allow' },
    });
    expect(second?.reason).toBe('security_group_rules[2]: not an object: 42');
    for (const record of result.unparseable) expect(record.reason).not.toMatch(/[\r\n]/);
  });

  it('a page that is not the documented shape is one unparseable record', () => {
    for (const [page, reason] of [
      [null, 'page is not an object: null'],
      [[1, 2], 'page is not an object: [1,2]'],
      [{ security_group_rules: 'none' }, 'security_group_rules "none" is not an array'],
    ] as const) {
      const result = rulesKind.normalize(page, ctx);
      expect(result.rules).toEqual([]);
      expect(result.unparseable.map((u) => u.reason)).toEqual([reason]);
    }
    expect(groupsKind.normalize({}, ctx).unparseable.map((u) => u.reason)).toEqual([
      'security_groups undefined is not an array',
    ]);
  });
});

/** Values a v3 rule field takes in practice, mixed with anything at all. */
function field(...typical: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(...typical), fc.anything());
}

const randomV3Rule = fc.record(
  {
    id: field('r-1', 'r-2', '', null),
    security_group_id: field(GROUP, 'sg-2', null),
    direction: field('ingress', 'egress', 'EGRESS', 'both'),
    ethertype: field('IPv4', 'IPv6', 'ipv4', null, ''),
    protocol: field('tcp', 'udp', 'icmp', 'icmpv6', '', null, '6', 47, 'gre', 'bogus'),
    multiport: field('22', '22,80-90', ' 443 ', '', null, '90-80', '0-65535', 22),
    action: field('allow', 'deny', 'Deny', null),
    priority: field(1, 100, 0, '7', null, 1.5),
    remote_ip_prefix: field('0.0.0.0/0', '::/0', '10.0.0.5/24', '', null, 'x'),
    remote_group_id: field(null, GROUP, 'sg-other'),
    remote_address_group_id: field(null, 'ag-1'),
    enabled: field(true, false, null, 'false'),
    description: field('text', null),
    project_id: field(PROJECT, null),
  },
  { requiredKeys: [] },
);

function wellFormed(rule: Rule): boolean {
  return (
    (rule.direction === 'ingress' || rule.direction === 'egress') &&
    (rule.action === 'allow' || rule.action === 'deny') &&
    Number.isInteger(rule.priority) &&
    rule.ports.length > 0 &&
    rule.ports.every((r) => Number.isInteger(r.from) && r.from >= 0 && r.from <= r.to && r.to <= 65535) &&
    typeof rule.enabled === 'boolean' &&
    typeof rule.description === 'string' &&
    typeof rule.native.ruleId === 'string' &&
    rule.native.ruleId !== ''
  );
}

describe('vpc-v3 normalize never throws (property)', () => {
  it('on anything at all, for both kinds', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ security_groups: fc.array(fc.anything()) }),
          fc.record({ security_group_rules: fc.array(fc.anything()) }),
        ),
        (page) => {
          for (const k of vpcV3PageKinds) {
            const result = k.normalize(page, ctx);
            expect(Array.isArray(result.groups) && Array.isArray(result.rules)).toBe(true);
            expect(typeof k.matches(page)).toBe('boolean');
          }
        },
      ),
    );
  });

  it('turns each random rule record into exactly one rule or one unparseable record', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(randomV3Rule, fc.anything()), { maxLength: 8 }), (rules) => {
        const result = rulesKind.normalize(rulesPage(...rules), ctx);
        expect(result.rules.length + result.unparseable.length).toBe(rules.length);
        expect(result.groups).toEqual([]);
        for (const fragment of result.rules) expect(wellFormed(fragment.rule)).toBe(true);
        for (const record of result.unparseable)
          expect(record.reason).toMatch(/^security_group_rules\[\d+\]: [^\n\r]+$/);
      }),
      { numRuns: 300 },
    );
  });

  it('turns each random group record into exactly one group or one unparseable record', () => {
    const randomGroup = fc.record(
      {
        id: field('sg-1', '', null),
        name: field('default', null),
        description: field('d', null),
        project_id: field(PROJECT),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(randomGroup, { maxLength: 6 }), (groups) => {
        const result = groupsKind.normalize({ security_groups: groups }, ctx);
        expect(result.groups.length + result.unparseable.length).toBe(groups.length);
      }),
    );
  });
});
