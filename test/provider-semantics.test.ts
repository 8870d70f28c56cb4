import { describe, expect, it } from 'vitest';
import { evaluateGroup, lookup } from '../src/analysis/evaluate.ts';
import type { Packet } from '../src/analysis/evaluate.ts';
import { internetExposure, isInternet } from '../src/analysis/exposure.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { parseCidr } from '../src/model/address.ts';
import { icmpRange } from '../src/model/protocol.ts';
import type { SecurityGroup } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';

function from(
  cidrOrIp: string,
  port: number,
  protocol: Packet['protocol'] = 'tcp',
  direction: Packet['direction'] = 'ingress',
): Packet {
  const block = parseCidr(cidrOrIp)!;
  return { direction, space: block.family, protocol, port, address: block.lo };
}

function decision(g: SecurityGroup, packet: Packet): 'allow' | 'deny' {
  return lookup(evaluateGroup(g), packet).decision;
}

const config = defaultConfig();

function sshOpen(g: SecurityGroup, family: 'ipv4' | 'ipv6' = 'ipv4'): boolean {
  return isInternet(internetExposure(evaluateGroup(g), 'ingress', family, 'tcp', 22), config);
}

describe('Alibaba (seed 003): priority and drop-wins', () => {
  it('at the same priority the drop rule takes effect', () => {
    const g = group({
      provider: 'alibaba',
      rules: [rule({ ports: 22, action: 'allow', priority: 1 }), rule({ ports: 22, action: 'deny', priority: 1 })],
    });
    expect(decision(g, from('8.8.8.8', 22))).toBe('deny');
  });
  it('at different priorities the higher priority wins whatever its policy', () => {
    const g = group({
      provider: 'alibaba',
      rules: [rule({ ports: 22, action: 'allow', priority: 1 }), rule({ ports: 22, action: 'deny', priority: 2 })],
    });
    expect(decision(g, from('8.8.8.8', 22))).toBe('allow');
  });
  it('default-group rules at priority 110 lose to any custom rule (1-100)', () => {
    const g = group({
      provider: 'alibaba',
      rules: [
        rule({ ports: 22, priority: 110 }),
        rule({ ports: 22, action: 'deny', priority: 100, peer: '8.8.8.0/24' }),
      ],
    });
    expect(decision(g, from('8.8.8.8', 22))).toBe('deny');
    expect(decision(g, from('9.9.9.9', 22))).toBe('allow');
  });
  it('seed 004 case 2: a Drop of one address range on all ports blocks it, the rest stays open', () => {
    const g = group({
      provider: 'alibaba',
      rules: [
        rule({ protocol: 'all', action: 'deny', priority: 1, peer: '10.0.0.1/32' }),
        rule({ ports: 22, priority: 2 }),
      ],
    });
    expect(decision(g, from('10.0.0.1', 22))).toBe('deny');
    expect(decision(g, from('10.0.0.2', 22))).toBe('allow');
  });
  it('basic group with InnerAccessPolicy Accept lets members reach each other; enterprise groups do not', () => {
    const self: Packet = { direction: 'ingress', space: 'ipv4|group:self', protocol: 'tcp', port: 5432, address: 0n };
    expect(
      decision(group({ provider: 'alibaba', groupType: 'normal', innerAccessPolicy: 'accept', rules: [] }), self),
    ).toBe('allow');
    expect(
      decision(group({ provider: 'alibaba', groupType: 'normal', innerAccessPolicy: 'drop', rules: [] }), self),
    ).toBe('deny');
    expect(decision(group({ provider: 'alibaba', groupType: 'enterprise', rules: [] }), self)).toBe('deny');
  });
  it('outbound traffic is allowed by default, and a drop rule restricts it', () => {
    const out = from('1.1.1.1', 443, 'tcp', 'egress');
    expect(decision(group({ provider: 'alibaba', rules: [] }), out)).toBe('allow');
    expect(
      decision(
        group({
          provider: 'alibaba',
          rules: [rule({ direction: 'egress', protocol: 'all', action: 'deny', priority: 100 })],
        }),
        out,
      ),
    ).toBe('deny');
  });
});

describe('Huawei / OTC v3 (seed 002): priority 1 highest, deny first', () => {
  it('deny wins at the same priority, a higher-priority allow beats a lower deny', () => {
    const same = group({
      rules: [rule({ ports: 3389, priority: 5 }), rule({ ports: 3389, action: 'deny', priority: 5 })],
    });
    expect(decision(same, from('8.8.8.8', 3389))).toBe('deny');
    const ordered = group({
      rules: [rule({ ports: 3389, priority: 1 }), rule({ ports: 3389, action: 'deny', priority: 5 })],
    });
    expect(decision(ordered, from('8.8.8.8', 3389))).toBe('allow');
  });
  it('a disabled rule has no effect', () => {
    const g = group({ rules: [rule({ ports: 22, enabled: false })] });
    expect(decision(g, from('8.8.8.8', 22))).toBe('deny');
    expect(sshOpen(g)).toBe(false);
  });
  it('multiport "22,80-90" opens exactly those ports', () => {
    const g = group({
      rules: [
        rule({
          ports: [
            { from: 22, to: 22 },
            { from: 80, to: 90 },
          ],
        }),
      ],
    });
    expect([21, 22, 23, 79, 80, 85, 90, 91].map((p) => decision(g, from('8.8.8.8', p)))).toEqual([
      'deny',
      'allow',
      'deny',
      'deny',
      'allow',
      'allow',
      'allow',
      'deny',
    ]);
  });
  it('nothing matches → default deny, in both directions', () => {
    const g = group({ rules: [] });
    expect(decision(g, from('8.8.8.8', 22))).toBe('deny');
    expect(decision(g, from('8.8.8.8', 22, 'tcp', 'egress'))).toBe('deny');
  });
});

describe('AWS and OTC Neutron: allow-only union', () => {
  it('rules of a group are unioned', () => {
    const g = group({
      provider: 'aws',
      rules: [rule({ ports: 22, peer: '10.0.0.0/8' }), rule({ ports: [20, 30], peer: '192.168.0.0/16' })],
    });
    expect(decision(g, from('10.1.1.1', 22))).toBe('allow');
    expect(decision(g, from('192.168.1.1', 25))).toBe('allow');
    expect(decision(g, from('10.1.1.1', 25))).toBe('deny');
  });
});

describe('families, protocols and ICMP', () => {
  it('IPv4 rules never allow IPv6 traffic and vice versa', () => {
    const g = group({ rules: [rule({ ports: 22, peer: '0.0.0.0/0' })] });
    expect(decision(g, from('2001:4860::1', 22))).toBe('deny');
    expect(sshOpen(g, 'ipv4')).toBe(true);
    expect(sshOpen(g, 'ipv6')).toBe(false);
    expect(sshOpen(group({ rules: [rule({ ports: 22, peer: '::/0' })] }), 'ipv6')).toBe(true);
  });
  it('protocol all covers every protocol and port; a numbered protocol only itself', () => {
    const all = group({ rules: [rule({ protocol: 'all' })] });
    expect(decision(all, from('8.8.8.8', 22, 'udp'))).toBe('allow');
    expect(decision(all, from('8.8.8.8', 0, 47))).toBe('allow');
    const esp = group({ rules: [rule({ protocol: 50 })] });
    expect(decision(esp, from('8.8.8.8', 0, 50))).toBe('allow');
    expect(decision(esp, from('8.8.8.8', 0, 51))).toBe('deny');
    expect(decision(esp, from('8.8.8.8', 22, 'tcp'))).toBe('deny');
  });
  it('ICMP type/code: echo request only', () => {
    const g = group({ rules: [rule({ protocol: 'icmp', ports: [icmpRange(8, -1)] })] });
    expect(decision(g, from('8.8.8.8', 8 * 256 + 0, 'icmp'))).toBe('allow');
    expect(decision(g, from('8.8.8.8', 3 * 256 + 1, 'icmp'))).toBe('deny');
  });
});

describe('"from the Internet" is measured as a set of public addresses', () => {
  it('0.0.0.0/0 is the Internet', () => expect(sshOpen(group({ rules: [rule({ ports: 22 })] }))).toBe(true));
  it('0.0.0.0/1 + 128.0.0.0/1 is the whole Internet', () => {
    const g = group({
      provider: 'aws',
      rules: [rule({ ports: 22, peer: '0.0.0.0/1' }), rule({ ports: 22, peer: '128.0.0.0/1' })],
    });
    const exposure = internetExposure(evaluateGroup(g), 'ingress', 'ipv4', 'tcp', 22);
    expect(exposure.share).toBe(1);
    expect(exposure.rules).toHaveLength(2);
  });
  it('0.0.0.0/0 minus a small higher-priority deny is still the Internet', () => {
    const g = group({
      rules: [
        rule({ ports: 22, priority: 100 }),
        rule({ ports: 22, action: 'deny', priority: 1, peer: '185.220.101.0/24' }),
      ],
    });
    expect(sshOpen(g)).toBe(true);
    expect(decision(g, from('185.220.101.7', 22))).toBe('deny');
  });
  it('an allow covered by higher-priority (or equal-priority) denies is not open', () => {
    const higher = group({
      rules: [
        rule({ ports: 22, priority: 100 }),
        rule({ ports: 22, action: 'deny', priority: 1, peer: '0.0.0.0/1' }),
        rule({ ports: 22, action: 'deny', priority: 1, peer: '128.0.0.0/1' }),
      ],
    });
    expect(sshOpen(higher)).toBe(false);
    const equal = group({
      rules: [rule({ ports: 22, priority: 7 }), rule({ ports: 22, action: 'deny', priority: 7 })],
    });
    expect(sshOpen(equal)).toBe(false);
  });
  it('private, CGNAT, loopback and documentation ranges are not the Internet', () => {
    for (const cidr of [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
      '127.0.0.0/8',
      '169.254.0.0/16',
      'fc00::/7',
      'fe80::/10',
    ]) {
      const g = group({ rules: [rule({ ports: 22, peer: cidr })] });
      expect(internetExposure(evaluateGroup(g), 'ingress', g.rules[0]!.family, 'tcp', 22).count, cidr).toBe(0n);
    }
  });
  it('the threshold is configurable: a /2 is a quarter of IPv4 but less of the public space', () => {
    const g = group({ rules: [rule({ ports: 22, peer: '64.0.0.0/2' })] });
    const exposure = internetExposure(evaluateGroup(g), 'ingress', 'ipv4', 'tcp', 22);
    expect(exposure.share).toBeGreaterThan(0.2);
    expect(isInternet(exposure, { ...config, internet: { minShare: 0.25 } })).toBe(exposure.share >= 0.25);
    expect(isInternet(exposure, { ...config, internet: { minShare: 0.1 } })).toBe(true);
    expect(isInternet(exposure, { ...config, internet: { minShare: 0.9 } })).toBe(false);
  });
});
