import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { Estate, Provider, Rule, SecurityGroup } from '../src/model/types.ts';
import { REACH_SAMPLE } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';

const place = { account: 'acct', region: 'region-1' };

function iface(
  provider: Provider,
  id: string,
  groupIds: string[],
  options: { order?: 'bind' | 'unknown'; publicIp?: string; instance?: string; unknownPublic?: string } = {},
): NetworkInterface {
  return {
    provider,
    ...place,
    vpcId: 'vpc-1',
    id,
    groupIds,
    groupOrder: options.order ?? 'unknown',
    publicAddresses: options.publicIp ? [{ address: options.publicIp, family: 'ipv4', kind: 'eip' }] : [],
    ...(options.unknownPublic ? { publicAddressesUnknown: options.unknownPublic } : {}),
    ...(options.instance ? { attachedTo: { kind: 'instance' as const, id: options.instance } } : {}),
  };
}

function sg(provider: Provider, id: string, ...rules: Rule[]): SecurityGroup {
  return group({ provider, ...place, id, name: `${id}-name`, rules, attachments: [] });
}

function audit(groups: SecurityGroup[], interfaces: NetworkInterface[] | undefined, config = defaultConfig()) {
  const estate: Estate = { groups, unparseable: [], scanErrors: [], ...(interfaces ? { interfaces } : {}) };
  return auditEstate(estate, config);
}

function ofCheck(report: ReturnType<typeof audit>, check: string) {
  return report.findings.filter((f) => f.check === check);
}

describe('interface-exposed-to-internet: the exposure of a public interface, per group set', () => {
  it('AWS: the union of the groups exposes SSH through the one group that allows it, critical, naming group and rule', () => {
    const web = sg('aws', 'sg-web', rule({ ports: 443, id: 'https' }));
    const admin = sg('aws', 'sg-admin', rule({ ports: 22, id: 'ssh-world' }));
    const report = audit(
      [web, admin],
      [iface('aws', 'eni-1', ['sg-web', 'sg-admin'], { publicIp: '54.0.0.1', instance: 'i-1' })],
    );
    const [finding, ...rest] = ofCheck(report, 'interface-exposed-to-internet');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'critical',
      subject: 'port/22',
      groupId: 'sg-admin+sg-web',
      groupName: 'sg-admin-name + sg-web-name',
      ruleIds: ['ssh-world'],
      reach: {
        interfaces: 1,
        publicInterfaces: 1,
        instances: 1,
        sample: [{ interface: 'eni-1', instance: 'i-1', publicAddresses: ['54.0.0.1'] }],
      },
    });
    expect(finding?.detail).toContain('allowed by group sg-admin (sg-admin-name) rule');
    expect(finding?.detail).toContain('On 1 public interface (eni-1 (i-1); 1 instance).');
  });

  it('a port check switched off in the config is off on interfaces too', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }), rule({ ports: 3306 }));
    const interfaces = [iface('aws', 'eni-1', ['sg-admin'], { publicIp: '54.0.0.1' })];
    const off = configSchema.parse({ checks: { disabled: ['internet-admin-port'] } });
    expect(ofCheck(audit([admin], interfaces, off), 'interface-exposed-to-internet').map((f) => f.subject)).toEqual([
      'port/3306',
    ]);
  });

  it('a private interface with the same open group gets no interface finding', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }));
    const report = audit([admin], [iface('aws', 'eni-1', ['sg-admin'])]);
    expect(ofCheck(report, 'interface-exposed-to-internet')).toEqual([]);
  });

  it('high-risk ports are high, as the group checks rank them', () => {
    const db = sg('aws', 'sg-db', rule({ ports: 3306 }));
    const report = audit([db], [iface('aws', 'eni-1', ['sg-db'], { publicIp: '54.0.0.1' })]);
    expect(ofCheck(report, 'interface-exposed-to-internet').map((f) => `${f.severity} ${f.subject}`)).toEqual([
      'high port/3306',
    ]);
  });

  it('Huawei bind order: the first bound group’s deny overrides the second’s allow, so nothing is exposed', () => {
    const deny = sg('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22 }));
    const allow = sg('huawei', 'sg-allow', rule({ action: 'allow', priority: 1, ports: 22, id: 'allow-ssh' }));
    const bound = audit(
      [deny, allow],
      [iface('huawei', 'port-1', ['sg-deny', 'sg-allow'], { order: 'bind', publicIp: '1.2.3.4' })],
    );
    expect(ofCheck(bound, 'interface-exposed-to-internet')).toEqual([]);
    const reversed = audit(
      [deny, allow],
      [iface('huawei', 'port-1', ['sg-allow', 'sg-deny'], { order: 'bind', publicIp: '1.2.3.4' })],
    );
    expect(ofCheck(reversed, 'interface-exposed-to-internet')).toMatchObject([
      { subject: 'port/22', groupId: 'sg-allow+sg-deny', ruleIds: ['allow-ssh'] },
    ]);
  });

  it('Huawei with the bind order unknown: the most open order is reported, and the finding says so', () => {
    const deny = sg('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22 }));
    const allow = sg('huawei', 'sg-allow', rule({ action: 'allow', priority: 1, ports: 22 }));
    const report = audit([deny, allow], [iface('huawei', 'port-1', ['sg-deny', 'sg-allow'], { publicIp: '1.2.3.4' })]);
    const [finding] = ofCheck(report, 'interface-exposed-to-internet');
    expect(finding?.groupId).toBe('sg-allow+sg-deny');
    expect(finding?.detail).toContain(
      'the order the groups are bound in is not known: every order is evaluated and the most open result reported',
    );
  });

  it('Alibaba: a priority-1 drop in one group closes what another group accepts at priority 5', () => {
    const accept = sg('alibaba', 'sg-a', rule({ priority: 5, ports: 22 }));
    const drop = sg('alibaba', 'sg-b', rule({ action: 'deny', priority: 1, ports: 22 }));
    const report = audit([accept, drop], [iface('alibaba', 'eni-1', ['sg-a', 'sg-b'], { publicIp: '1.2.3.4' })]);
    expect(ofCheck(report, 'interface-exposed-to-internet')).toEqual([]);
  });

  it('an interface whose public addresses could not be read counts as public, and the finding says so', () => {
    const admin = sg('otc', 'sg-admin', rule({ ports: 22 }));
    const report = audit([admin], [iface('otc', 'port-1', ['sg-admin'], { unknownPublic: 'floating IPs not read' })]);
    const [finding] = ofCheck(report, 'interface-exposed-to-internet');
    expect(finding?.detail).toContain(
      'The public addresses of 1 interface could not be read (floating IPs not read): counted as public.',
    );
  });

  it('50 interfaces with the same groups are one finding, listing them in reach (capped sample)', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }));
    const many = Array.from({ length: 50 }, (_, i) =>
      iface('aws', `eni-${String(i).padStart(2, '0')}`, ['sg-admin'], { publicIp: `54.0.0.${i}`, instance: `i-${i}` }),
    );
    const [finding, ...rest] = ofCheck(audit([admin], many), 'interface-exposed-to-internet');
    expect(rest).toEqual([]);
    expect(finding?.reach).toMatchObject({ interfaces: 50, publicInterfaces: 50, instances: 50 });
    expect(finding?.reach?.sample).toHaveLength(REACH_SAMPLE);
    expect(finding?.reach?.sample[0]?.interface).toBe('eni-00');
  });

  it('autoscaling churn (other interfaces, same groups) keeps the fingerprint; another group set is another finding', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }));
    const web = sg('aws', 'sg-web', rule({ ports: 443 }));
    const before = ofCheck(
      audit([admin, web], [iface('aws', 'eni-a', ['sg-web', 'sg-admin'], { publicIp: '54.0.0.1' })]),
      'interface-exposed-to-internet',
    );
    const after = ofCheck(
      audit(
        [admin, web],
        [
          iface('aws', 'eni-b', ['sg-admin', 'sg-web'], { publicIp: '54.0.0.2' }),
          iface('aws', 'eni-c', ['sg-admin'], { publicIp: '54.0.0.3' }),
        ],
      ),
      'interface-exposed-to-internet',
    );
    expect(after.map((f) => f.groupId).sort()).toEqual(['sg-admin', 'sg-admin+sg-web']);
    expect(after.find((f) => f.groupId === 'sg-admin+sg-web')?.fingerprint).toBe(before[0]?.fingerprint);
  });
});

describe('interfaces whose groups were not all read are counted, never judged on fewer groups', () => {
  it('says how many and why in the summary, and reports nothing about them', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }));
    const report = audit(
      [admin],
      [
        iface('aws', 'eni-1', ['sg-admin', 'sg-gone'], { publicIp: '54.0.0.1' }),
        iface('aws', 'eni-2', ['sg-admin'], { publicIp: '54.0.0.2' }),
      ],
    );
    expect(report.summary.interfaces).toEqual({ read: 2, evaluated: 1 });
    expect(report.summary.interfacesNotEvaluated).toEqual({
      count: 1,
      reasons: [
        {
          reason:
            'group sg-gone is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read)',
          interfaces: 1,
          sample: ['eni-1'],
        },
      ],
    });
    expect(
      ofCheck(report, 'interface-exposed-to-internet').map((f) => f.reach?.sample.map((s) => s.interface)),
    ).toEqual([['eni-2']]);
  });

  it('without an interface listing there is no interface summary and no interface finding', () => {
    const report = audit([sg('aws', 'sg-admin', rule({ ports: 22 }))], undefined);
    expect(report.summary.interfacesNotEvaluated).toBeUndefined();
    expect(ofCheck(report, 'interface-exposed-to-internet')).toEqual([]);
  });
});

describe('cross-group-override', () => {
  it('Alibaba: a deny that no longer protects (another group accepts at a better priority) is high on a public interface', () => {
    const guard = sg('alibaba', 'sg-guard', rule({ action: 'deny', priority: 50, ports: 3389, id: 'drop-rdp' }));
    const open = sg('alibaba', 'sg-open', rule({ priority: 1, ports: 3389, peer: '10.0.0.0/8', id: 'accept-rdp' }));
    const interfaces = [iface('alibaba', 'eni-1', ['sg-guard', 'sg-open'], { publicIp: '1.2.3.4' })];
    const [finding, ...rest] = ofCheck(audit([guard, open], interfaces), 'cross-group-override');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'high',
      groupId: 'sg-guard+sg-open',
      ruleIds: ['accept-rdp', 'drop-rdp'],
    });
    expect(finding?.title).toBe(
      'Deny in sg-guard-name no longer protects: another group on the interface allows first',
    );
    expect(finding?.detail).toContain('for example ingress ipv4 tcp 3389 from 10.0.0.0/8');
    // The same groups on private interfaces only: medium.
    const quiet = ofCheck(
      audit([guard, open], [iface('alibaba', 'eni-1', ['sg-guard', 'sg-open'])]),
      'cross-group-override',
    );
    expect(quiet.map((f) => f.severity)).toEqual(['medium']);
  });

  it('Huawei: an allow made useless by a group bound earlier is low', () => {
    const deny = sg('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22, id: 'deny-ssh' }));
    const allow = sg('huawei', 'sg-allow', rule({ priority: 1, ports: 22, id: 'allow-ssh' }));
    const interfaces = [iface('huawei', 'port-1', ['sg-deny', 'sg-allow'], { order: 'bind', publicIp: '1.2.3.4' })];
    const findings = ofCheck(audit([deny, allow], interfaces), 'cross-group-override');
    expect(findings.map((f) => `${f.severity} ${f.groupId} ${f.title}`)).toEqual([
      'low sg-deny+sg-allow Allow in sg-allow-name has no effect: another group on the interface denies first',
    ]);
  });

  it('AWS: groups combine by union, so nothing is overridden', () => {
    const a = sg('aws', 'sg-a', rule({ ports: 22, peer: '10.0.0.0/8' }));
    const b = sg('aws', 'sg-b', rule({ ports: 22 }));
    expect(
      ofCheck(
        audit([a, b], [iface('aws', 'eni-1', ['sg-a', 'sg-b'], { publicIp: '54.0.0.1' })]),
        'cross-group-override',
      ),
    ).toEqual([]);
  });

  it('Huawei with the bind order unknown: an override in some order is reported, saying the order is not known', () => {
    const deny = sg('huawei', 'sg-deny', rule({ action: 'deny', priority: 100, ports: 22 }));
    const allow = sg('huawei', 'sg-allow', rule({ priority: 1, ports: 22 }));
    const findings = ofCheck(
      audit([deny, allow], [iface('huawei', 'port-1', ['sg-deny', 'sg-allow'])]),
      'cross-group-override',
    );
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.detail.includes('in some bind order (the order is not known)'))).toBe(true);
  });
});

describe('interface-rule-limit', () => {
  const many = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => rule({ ports: 1000 + i, peer: '10.0.0.0/8', id: `${prefix}-${i}` }));

  it('Alibaba: more than 1,000 rules over the groups of one interface', () => {
    const a = sg('alibaba', 'sg-a', ...many('a', 600));
    const b = sg('alibaba', 'sg-b', ...many('b', 401));
    const findings = ofCheck(audit([a, b], [iface('alibaba', 'eni-1', ['sg-a', 'sg-b'])]), 'interface-rule-limit');
    expect(findings.map((f) => `${f.severity} ${f.title}`)).toEqual([
      'medium Interface carries 1001 rules inbound and outbound (limit 1000)',
    ]);
    const within = sg('alibaba', 'sg-b', ...many('b', 400));
    expect(ofCheck(audit([a, within], [iface('alibaba', 'eni-1', ['sg-a', 'sg-b'])]), 'interface-rule-limit')).toEqual(
      [],
    );
  });

  it('Alibaba: more than 10 groups on one interface', () => {
    const groups = Array.from({ length: 11 }, (_, i) => sg('alibaba', `sg-${String(i).padStart(2, '0')}`));
    const findings = ofCheck(
      audit(groups, [
        iface(
          'alibaba',
          'eni-1',
          groups.map((g) => g.id),
        ),
      ]),
      'interface-rule-limit',
    );
    expect(findings.map((f) => f.title)).toEqual(['Interface carries 11 groups (limit 10)']);
  });

  it('other clouds document no such per-interface total: no finding', () => {
    const a = sg('huawei', 'sg-a', ...many('a', 1001));
    expect(ofCheck(audit([a], [iface('huawei', 'port-1', ['sg-a'])]), 'interface-rule-limit')).toEqual([]);
  });
});

describe('group Internet findings carry the interfaces that carry the group', () => {
  it('counts interfaces, public ones and instances', () => {
    const admin = group({ provider: 'aws', ...place, id: 'sg-admin', rules: [rule({ ports: 22 })], attachments: [] });
    const report = audit(
      [admin],
      [
        iface('aws', 'eni-1', ['sg-admin'], { publicIp: '54.0.0.1', instance: 'i-1' }),
        iface('aws', 'eni-2', ['sg-admin'], { instance: 'i-1' }),
      ],
    );
    const [finding] = ofCheck(report, 'internet-admin-port');
    expect(finding?.reach).toMatchObject({ interfaces: 2, publicInterfaces: 1, instances: 1 });
  });

  it('disabling an interface check leaves the group checks', () => {
    const admin = sg('aws', 'sg-admin', rule({ ports: 22 }));
    const config = configSchema.parse({ checks: { disabled: ['interface-exposed-to-internet'] } });
    const report = audit([admin], [iface('aws', 'eni-1', ['sg-admin'], { publicIp: '54.0.0.1' })], config);
    expect(report.findings.map((f) => f.check)).toEqual(['internet-admin-port']);
  });
});
