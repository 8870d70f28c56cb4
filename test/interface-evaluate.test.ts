import { describe, expect, it } from 'vitest';
import type { Packet } from '../src/analysis/evaluate.ts';
import { internetIndex, internetPortDraft } from '../src/analysis/exposure.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { evaluateInterface, interfacePolicyKey, lookupInterface } from '../src/analysis/interface-evaluate.ts';
import { overriddenRules } from '../src/analysis/interface-overrides.ts';
import { parseCidr } from '../src/model/address.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { PortSet, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { addressSet, group, networkInterface, rule } from './support/build.ts';

function eni(provider: Provider, groupIds: string[], groupOrder: 'bind' | 'unknown', id = 'eni-1'): NetworkInterface {
  return networkInterface(provider, id, groupIds, { groupOrder });
}

function tcpFrom(address: string, port: number, space = 'ipv4'): Packet {
  const block = parseCidr(address);
  return { direction: 'ingress', space, protocol: 'tcp', port, address: block?.lo ?? 0n };
}

/** A group of one provider holding the given rules. */
function groupOf(provider: Provider, id: string, ...rules: Rule[]): SecurityGroup {
  return group({ provider, id, rules });
}

/** The deciding group and rule id of one packet, as the messages would name them. */
function decided(policy: ReturnType<typeof evaluateInterface>, packet: Packet): string {
  const got = lookupInterface(policy, packet);
  return `${got.decision} by ${got.group?.id ?? '-'}/${got.rule?.native.ruleId ?? 'default deny'}`;
}

// Huawei VPC access-control overview: the group bound first takes effect first; then rule priority
// within a group; at equal priority deny before allow.
describe('Huawei: groups in bind order, the first bound wins', () => {
  const denySsh = groupOf('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22, id: 'deny-ssh-p100' }));
  const allowSsh = groupOf('huawei', 'sg-allow', rule({ action: 'allow', priority: 1, ports: 22, id: 'allow-ssh-p1' }));

  it("the first bound group's deny beats the second's allow at a better priority", () => {
    const policy = evaluateInterface(eni('huawei', ['sg-deny', 'sg-allow'], 'bind'), [allowSsh, denySsh]);
    expect(policy.orders).toBe('bind');
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('deny by sg-deny/deny-ssh-p100');
    // A packet the first group has no rule for goes on to the second.
    expect(decided(policy, tcpFrom('203.0.113.9', 80))).toBe('deny by -/default deny');
  });

  it('in the reverse bind order the allow of the group bound first wins', () => {
    const policy = evaluateInterface(eni('huawei', ['sg-allow', 'sg-deny'], 'bind'), [denySsh, allowSsh]);
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('allow by sg-allow/allow-ssh-p1');
  });

  it('where the bind order is unknown, every order is evaluated and the most open result reported, saying so', () => {
    const policy = evaluateInterface(eni('huawei', ['sg-deny', 'sg-allow'], 'unknown'), [denySsh, allowSsh]);
    expect(policy.orders).toBe('every-order');
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('allow by sg-allow/allow-ssh-p1');
    expect(policy.notes).toContain(
      'the order the groups are bound in is not known: every order is evaluated and the most open result reported',
    );
  });

  it("within the first group, priority then deny before allow decide; the second group's rules come after", () => {
    const first = groupOf(
      'huawei',
      'sg-a',
      rule({ action: 'allow', priority: 5, ports: 443, id: 'a-allow-5' }),
      rule({ action: 'deny', priority: 5, ports: 443, peer: '198.51.100.0/24', id: 'a-deny-5' }),
    );
    const second = groupOf(
      'huawei',
      'sg-b',
      rule({ action: 'allow', priority: 1, ports: 443, peer: '198.51.100.0/24', id: 'b-allow-1' }),
    );
    const policy = evaluateInterface(eni('huawei', ['sg-a', 'sg-b'], 'bind'), [first, second]);
    expect(decided(policy, tcpFrom('198.51.100.4', 443))).toBe('deny by sg-a/a-deny-5');
    expect(decided(policy, tcpFrom('203.0.113.9', 443))).toBe('allow by sg-a/a-allow-5');
  });
});

// Alibaba ECS "Security group rules": the rules of all groups on an instance are aggregated and
// sorted with the default rules; "Security group overview": the higher priority wins whatever its
// policy, drop wins at equal priority, default rules (110) are below every custom rule.
describe('Alibaba: all groups sorted together by priority, drop before accept', () => {
  const accept = (id: string, priority: number, groupId: string) =>
    groupOf('alibaba', groupId, rule({ action: 'allow', priority, ports: 22, id }));
  const drop = (id: string, priority: number, groupId: string) =>
    groupOf('alibaba', groupId, rule({ action: 'deny', priority, ports: 22, id }));

  it('a priority-1 drop in group B beats a priority-5 accept in group A', () => {
    const policy = evaluateInterface(eni('alibaba', ['sg-a', 'sg-b'], 'unknown'), [
      accept('accept-5', 5, 'sg-a'),
      drop('drop-1', 1, 'sg-b'),
    ]);
    expect(policy.orders).toBe('n/a');
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('deny by sg-b/drop-1');
  });

  it('a priority-1 accept in group B beats a priority-5 drop in group A, whichever group is listed first', () => {
    const groups = [drop('drop-5', 5, 'sg-a'), accept('accept-1', 1, 'sg-b')];
    for (const ids of [
      ['sg-a', 'sg-b'],
      ['sg-b', 'sg-a'],
    ])
      expect(decided(evaluateInterface(eni('alibaba', ids, 'bind'), groups), tcpFrom('203.0.113.9', 22))).toBe(
        'allow by sg-b/accept-1',
      );
  });

  it('at equal priority the drop wins, in either group', () => {
    const policy = evaluateInterface(eni('alibaba', ['sg-a', 'sg-b'], 'unknown'), [
      accept('accept-5', 5, 'sg-a'),
      drop('drop-5', 5, 'sg-b'),
    ]);
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('deny by sg-b/drop-5');
  });

  it("the default group's rules at 110 lose to any custom rule of another group", () => {
    const defaults = accept('default-ssh-110', 110, 'sg-default');
    const policy = evaluateInterface(eni('alibaba', ['sg-default', 'sg-custom'], 'unknown'), [
      defaults,
      drop('drop-100', 100, 'sg-custom'),
    ]);
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('deny by sg-custom/drop-100');
    const open = evaluateInterface(eni('alibaba', ['sg-default', 'sg-custom'], 'unknown'), [
      drop('default-drop-110', 110, 'sg-default'),
      accept('accept-100', 100, 'sg-custom'),
    ]);
    expect(decided(open, tcpFrom('203.0.113.9', 22))).toBe('allow by sg-custom/accept-100');
  });

  it("one group's custom egress drop beats another group's implicit outbound allow", () => {
    const quiet = groupOf(
      'alibaba',
      'sg-b',
      rule({ direction: 'egress', action: 'deny', priority: 100, protocol: 'all', id: 'drop-out' }),
    );
    const policy = evaluateInterface(eni('alibaba', ['sg-a', 'sg-b'], 'unknown'), [groupOf('alibaba', 'sg-a'), quiet]);
    expect(decided(policy, { ...tcpFrom('8.8.8.8', 443), direction: 'egress' })).toBe('deny by sg-b/drop-out');
  });

  it('basic and enterprise groups on one interface (Alibaba refuses it) are evaluated as the most open reading, saying so', () => {
    const basic = group({
      provider: 'alibaba',
      id: 'sg-basic',
      groupType: 'normal',
      rules: [rule({ action: 'deny', priority: 1, ports: 22, id: 'basic-drop-1' })],
    });
    const enterprise = group({
      provider: 'alibaba',
      id: 'sg-ent',
      groupType: 'enterprise',
      rules: [rule({ action: 'allow', priority: 1, ports: 22, id: 'ent-accept' })],
    });
    const policy = evaluateInterface(eni('alibaba', ['sg-basic', 'sg-ent'], 'unknown'), [basic, enterprise]);
    // Aggregated, the drop would win; the enterprise group alone allows: the most open is reported.
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('allow by sg-ent/ent-accept');
    expect(policy.notes.some((n) => n.startsWith('basic and enterprise groups share the interface'))).toBe(true);
  });
});

describe('AWS: every allow of every group counts', () => {
  it('the union of the groups allows what either allows, each part decided by its own group', () => {
    const internal = groupOf(
      'aws',
      'sg-internal',
      rule({ ports: 22, peer: '10.0.0.0/8', id: 'ssh-internal' }),
      rule({ ports: 5432, peer: '10.0.0.0/8', id: 'pg' }),
    );
    const web = groupOf('aws', 'sg-web', rule({ ports: 22, id: 'ssh-world' }));
    const policy = evaluateInterface(eni('aws', ['sg-web', 'sg-internal'], 'unknown'), [web, internal]);
    expect(policy.orders).toBe('n/a');
    expect(decided(policy, tcpFrom('203.0.113.9', 22))).toBe('allow by sg-web/ssh-world');
    expect(decided(policy, tcpFrom('10.1.2.3', 5432))).toBe('allow by sg-internal/pg');
    expect(decided(policy, tcpFrom('203.0.113.9', 5432))).toBe('deny by -/default deny');
    expect(overriddenRules(policy)).toEqual([]);
  });

  it('the combined policy feeds the exposure measures: port 22 is open to the Internet through the web group only', () => {
    const internal = groupOf('aws', 'sg-internal', rule({ ports: 22, peer: '10.0.0.0/8', id: 'ssh-internal' }));
    const web = groupOf('aws', 'sg-web', rule({ ports: [20, 23], id: 'ssh-world' }));
    const policy = evaluateInterface(eni('aws', ['sg-internal', 'sg-web'], 'unknown'), [internal, web]);
    const draft = internetPortDraft(internetIndex(policy.policy, defaultConfig()), 22, 'SSH ');
    expect(draft?.ruleIds).toEqual(['ssh-world']);
    expect(internetPortDraft(internetIndex(policy.policy, defaultConfig()), 24, 'SSH ')).toBeUndefined();
    expect([...policy.policy.buckets.keys()]).toEqual(['ingress|ipv4']);
  });
});

describe('group peers across groups', () => {
  it('`self` of one group and `self` of another stay apart, and meet a third group that names either', () => {
    const db = groupOf(
      'aws',
      'sg-db',
      rule({ ports: 5432, peer: { kind: 'group', groupId: 'sg-db', self: true }, id: 'db-self' }),
    );
    const admin = groupOf(
      'aws',
      'sg-admin',
      rule({ ports: 22, peer: { kind: 'group', groupId: 'sg-admin', self: true }, id: 'admin-self' }),
    );
    const web = groupOf(
      'aws',
      'sg-web',
      rule({ ports: 80, peer: { kind: 'group', groupId: 'sg-db', self: false }, id: 'web-from-db' }),
    );
    const policy = evaluateInterface(eni('aws', ['sg-db', 'sg-admin', 'sg-web'], 'unknown'), [db, admin, web]);
    const fromDb = (port: number) => tcpFrom('', port, 'ipv4|group:sg-db');
    const fromAdmin = (port: number) => tcpFrom('', port, 'ipv4|group:sg-admin');
    expect(decided(policy, fromDb(5432))).toBe('allow by sg-db/db-self');
    expect(decided(policy, fromDb(22))).toBe('deny by -/default deny');
    expect(decided(policy, fromDb(80))).toBe('allow by sg-web/web-from-db');
    expect(decided(policy, fromAdmin(22))).toBe('allow by sg-admin/admin-self');
    expect(decided(policy, fromAdmin(5432))).toBe('deny by -/default deny');
    expect(decided(policy, tcpFrom('', 5432, 'ipv4|group:self'))).toBe('deny by -/default deny');
  });

  it("a Huawei deny naming group A in the group bound first overrides A's own allow from itself", () => {
    const a = groupOf(
      'huawei',
      'sg-a',
      rule({ ports: 22, priority: 1, peer: { kind: 'group', groupId: 'sg-a', self: true }, id: 'a-self' }),
    );
    const guard = groupOf(
      'huawei',
      'sg-guard',
      rule({
        action: 'deny',
        ports: 22,
        priority: 100,
        peer: { kind: 'group', groupId: 'sg-a', self: false },
        id: 'deny-a',
      }),
    );
    const policy = evaluateInterface(eni('huawei', ['sg-guard', 'sg-a'], 'bind'), [a, guard]);
    expect(decided(policy, tcpFrom('', 22, 'ipv4|group:sg-a'))).toBe('deny by sg-guard/deny-a');
  });
});

describe('address and port sets of every group stay visible', () => {
  it("each group's rules see the address groups their group carries", () => {
    const a = group({
      provider: 'huawei',
      id: 'sg-a',
      addressSets: [addressSet('ag-office', ['198.51.100.0/24'])],
      rules: [rule({ ports: 22, peer: { kind: 'address-group', id: 'ag-office' }, id: 'ssh-office' })],
    });
    const b = group({
      provider: 'huawei',
      id: 'sg-b',
      addressSets: [addressSet('ag-monitor', ['192.0.2.0/24'])],
      rules: [rule({ ports: 9100, peer: { kind: 'address-group', id: 'ag-monitor' }, id: 'metrics' })],
    });
    const policy = evaluateInterface(eni('huawei', ['sg-a', 'sg-b'], 'bind'), [a, b]);
    expect(decided(policy, tcpFrom('198.51.100.7', 22))).toBe('allow by sg-a/ssh-office');
    expect(decided(policy, tcpFrom('192.0.2.7', 9100))).toBe('allow by sg-b/metrics');
    expect(decided(policy, tcpFrom('203.0.113.7', 9100))).toBe('deny by -/default deny');
    expect(policy.policy.group.addressSets?.map((s) => s.id)).toEqual(['ag-office', 'ag-monitor']);
  });

  it("an Alibaba port list named by one group's rule decides beside another group's drop", () => {
    const web: PortSet = {
      provider: 'alibaba',
      account: 'acct',
      region: 'region-1',
      id: 'prl-web',
      name: 'web',
      ports: [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
    };
    const open = group({
      provider: 'alibaba',
      id: 'sg-open',
      portSets: [web],
      rules: [{ ...rule({ priority: 10, id: 'accept-web' }), portList: { id: 'prl-web' } }],
    });
    const guard = groupOf('alibaba', 'sg-guard', rule({ action: 'deny', priority: 5, ports: 443, id: 'drop-443' }));
    const policy = evaluateInterface(eni('alibaba', ['sg-guard', 'sg-open'], 'unknown'), [guard, open]);
    expect(decided(policy, tcpFrom('203.0.113.9', 80))).toBe('allow by sg-open/accept-web');
    expect(decided(policy, tcpFrom('203.0.113.9', 443))).toBe('deny by sg-guard/drop-443');
    expect(decided(policy, tcpFrom('203.0.113.9', 8080))).toBe('deny by -/default deny');
  });
});

describe('overridden rules (what cross-group-override reports)', () => {
  it('Huawei: an allow made useless by a deny of the group bound first, with an example packet', () => {
    const deny = groupOf('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22, id: 'deny-ssh' }));
    const allow = groupOf(
      'huawei',
      'sg-allow',
      rule({ action: 'allow', priority: 1, ports: [20, 30], id: 'allow-ssh' }),
    );
    const policy = evaluateInterface(eni('huawei', ['sg-deny', 'sg-allow'], 'bind'), [deny, allow]);
    const found = overriddenRules(policy);
    expect(
      found.map((o) => `${o.group.id}/${o.rule.native.ruleId} ${o.decision} → ${o.overriddenBy.rule.native.ruleId}`),
    ).toEqual(['sg-allow/allow-ssh allow → deny-ssh']);
    const example = found[0]!.example;
    expect(example.ports).toEqual({ from: 22, to: 22 });
    expect(lookupInterface(policy, example.packet).rule?.native.ruleId).toBe('deny-ssh');
    // The rule keeps its own priority when shown (the combined policy ranks groups internally).
    expect(found[0]!.rule.priority).toBe(1);
  });

  it('Alibaba: a deny that no longer protects because another group accepts at a better priority', () => {
    const guard = groupOf('alibaba', 'sg-guard', rule({ action: 'deny', priority: 50, ports: 3389, id: 'drop-rdp' }));
    const open = groupOf('alibaba', 'sg-open', rule({ action: 'allow', priority: 1, ports: 3389, id: 'accept-rdp' }));
    const found = overriddenRules(evaluateInterface(eni('alibaba', ['sg-guard', 'sg-open'], 'unknown'), [guard, open]));
    expect(found.map((o) => `${o.rule.native.ruleId} ${o.decision} → ${o.overriddenBy.group.id}`)).toEqual([
      'drop-rdp deny → sg-open',
    ]);
    expect(found[0]!.example.packet).toMatchObject({
      direction: 'ingress',
      space: 'ipv4',
      protocol: 'tcp',
      port: 3389,
    });
  });

  it('Huawei, order unknown: a deny that some bind order lets another group bypass', () => {
    const deny = groupOf('huawei', 'sg-a', rule({ action: 'deny', priority: 1, ports: 22, id: 'deny-ssh' }));
    const allow = groupOf('huawei', 'sg-b', rule({ ports: 22, id: 'allow-ssh' }));
    const found = overriddenRules(evaluateInterface(eni('huawei', ['sg-a', 'sg-b'], 'unknown'), [deny, allow]));
    expect(found.map((o) => `${o.rule.native.ruleId} → ${o.overriddenBy.rule.native.ruleId}`)).toEqual([
      'deny-ssh → allow-ssh',
    ]);
  });
});

describe('interfacePolicyKey: one evaluation per distinct group set', () => {
  it('ignores the interface id, and the listing order where the order does not decide', () => {
    expect(interfacePolicyKey(eni('aws', ['sg-1', 'sg-2'], 'unknown', 'eni-1'))).toBe(
      interfacePolicyKey(eni('aws', ['sg-2', 'sg-1'], 'unknown', 'eni-2')),
    );
    expect(interfacePolicyKey(eni('huawei', ['sg-1', 'sg-2'], 'unknown'))).toBe(
      interfacePolicyKey(eni('huawei', ['sg-2', 'sg-1'], 'unknown')),
    );
  });

  it('keeps the order where it decides, and tells a known order from an unknown one', () => {
    expect(interfacePolicyKey(eni('huawei', ['sg-1', 'sg-2'], 'bind'))).not.toBe(
      interfacePolicyKey(eni('huawei', ['sg-2', 'sg-1'], 'bind')),
    );
    expect(interfacePolicyKey(eni('huawei', ['sg-1', 'sg-2'], 'bind'))).not.toBe(
      interfacePolicyKey(eni('huawei', ['sg-1', 'sg-2'], 'unknown')),
    );
  });

  it('interfaces with equal keys get equal policies, deciders included', () => {
    const groups: SecurityGroup[] = ['sg-1', 'sg-2'].map((id) =>
      groupOf('aws', id, rule({ ports: 22, id: `ssh-${id}` })),
    );
    const one = evaluateInterface(eni('aws', ['sg-2', 'sg-1'], 'unknown', 'eni-1'), groups);
    const two = evaluateInterface(eni('aws', ['sg-1', 'sg-2'], 'unknown', 'eni-2'), groups);
    expect(one.key).toBe(two.key);
    expect(decided(one, tcpFrom('203.0.113.9', 22))).toBe(decided(two, tcpFrom('203.0.113.9', 22)));
  });
});

describe('what the policy could not see is said', () => {
  it('a group bound to the interface but not read is named in a note and missingGroupIds', () => {
    const policy = evaluateInterface(eni('aws', ['sg-1', 'sg-gone'], 'unknown'), [groupOf('aws', 'sg-1')]);
    expect(policy.missingGroupIds).toEqual(['sg-gone']);
    expect(policy.notes).toContain('group sg-gone is bound to the interface but was not read: its rules are left out');
  });
});
