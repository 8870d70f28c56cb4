import { describe, expect, it } from 'vitest';
import { evaluateGroup } from '../src/analysis/evaluate.ts';
import { explainPolicy } from '../src/analysis/explain.ts';
import { group, rule } from './support/build.ts';

describe('explain: the effective exposure with the deciding rule for each part', () => {
  it('an allow with a hole cut by a higher-priority deny reads as "except", and the deny is its own part', () => {
    const g = group({
      rules: [
        rule({ ports: 22, priority: 100, id: 'allow' }),
        rule({ ports: 22, action: 'deny', priority: 1, peer: '185.220.101.0/24', id: 'deny' }),
      ],
    });
    const parts = explainPolicy(evaluateGroup(g));
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({
      decision: 'allow',
      protocol: 'tcp',
      ports: '22',
      peers: ['0.0.0.0/0 except 185.220.101.0/24'],
      ruleId: 'allow',
    });
    expect(parts[0]!.publicShare).toBeGreaterThan(0.999);
    expect(parts[0]!.publicShare).toBeLessThan(1);
    expect(parts[1]).toMatchObject({ decision: 'deny', peers: ['185.220.101.0/24'], ruleId: 'deny' });
  });
  it('symbolic peers and egress are explained too; default-deny space is left out', () => {
    const g = group({
      rules: [
        rule({ protocol: 'all', peer: { kind: 'group', groupId: 'sg-1', self: true }, id: 'self' }),
        rule({ direction: 'egress', protocol: 'all', id: 'out' }),
      ],
    });
    expect(explainPolicy(evaluateGroup(g))).toEqual([
      expect.objectContaining({ peers: ['this group'], protocol: 'all protocols', publicShare: 0, ruleId: 'self' }),
    ]);
    expect(explainPolicy(evaluateGroup(g), 'egress')).toEqual([
      expect.objectContaining({ peers: ['0.0.0.0/0'], publicShare: 1, ruleId: 'out' }),
    ]);
  });
  it('a named protocol splits "all protocols" into the protocol and "all other protocols"', () => {
    const g = group({
      rules: [rule({ protocol: 'all', peer: '10.0.0.0/8' }), rule({ ports: 22, action: 'deny', peer: '10.0.0.0/8' })],
    });
    const parts = explainPolicy(evaluateGroup(g));
    expect(parts.map((p) => `${p.decision} ${p.protocol}/${p.ports}`)).toEqual([
      'allow all other protocols/all',
      'allow tcp/0-21',
      'deny tcp/22',
      'allow tcp/23-65535',
    ]);
  });
});
