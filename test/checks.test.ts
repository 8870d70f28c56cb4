import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { CATALOG, GROUP_CHECKS } from '../src/analysis/checks/index.ts';
import { shadowedRules } from '../src/analysis/checks/shadowed-rule.ts';
import { evaluateGroup } from '../src/analysis/evaluate.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { Finding, UnparseableRecord } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';
import { auditGroups } from './support/audit.ts';

const audit = auditGroups;

function checksOf(findings: Finding[]): string[] {
  return [...new Set(findings.map((f) => f.check))].sort();
}

describe('catalog', () => {
  it('has every id the issue names, each with metadata', () => {
    const ids = CATALOG.map((c) => c.id);
    for (const id of [
      'internet-admin-port',
      'internet-high-risk-port',
      'internet-all-ports',
      'wide-public-cidr',
      'port-range',
      'template-drift',
      'shadowed-rule',
      'priority-conflict',
      'stale-reference',
      'too-many-rules',
      'unused-group',
      'egress-all',
      'missing-description',
      'unparseable-rule',
    ]) {
      expect(ids).toContain(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const meta of CATALOG)
      for (const field of ['title', 'rationale', 'source', 'remediation'] as const)
        expect(meta[field].length, `${meta.id}.${field}`).toBeGreaterThan(10);
  });
});

describe('internet-admin-port', () => {
  it('fires for SSH over TCP, RDP over UDP, and IPv6, naming the deciding rule', () => {
    const findings = audit([
      group({
        rules: [rule({ ports: 22, id: 'ssh' }), rule({ protocol: 'udp', ports: 3389, peer: '::/0', id: 'rdp6' })],
      }),
    ]);
    const admin = findings.filter((f) => f.check === 'internet-admin-port');
    expect(admin.map((f) => f.ruleIds)).toEqual(expect.arrayContaining([['ssh'], ['rdp6']]));
    expect(admin.find((f) => f.ruleIds[0] === 'ssh')?.detail).toContain('0.0.0.0/0');
    expect(admin[0]?.severity).toBe('critical');
  });
  it('fires for an all-protocols rule and not for a private source or a covered allow', () => {
    expect(checksOf(audit([group({ rules: [rule({ protocol: 'all' })] })]))).toContain('internet-admin-port');
    expect(checksOf(audit([group({ rules: [rule({ ports: 22, peer: '10.0.0.0/8' })] })]))).not.toContain(
      'internet-admin-port',
    );
    const denied = group({
      rules: [rule({ ports: 22, priority: 50 }), rule({ ports: 22, action: 'deny', priority: 1 })],
    });
    expect(checksOf(audit([denied]))).not.toContain('internet-admin-port');
  });
});

describe('internet-high-risk-port', () => {
  it('reports each high-risk port open to the Internet, but not admin ports and not ports that are not on the list', () => {
    const findings = audit([
      group({ rules: [rule({ ports: 3306 }), rule({ ports: 6379 }), rule({ ports: 443 }), rule({ ports: 22 })] }),
    ]);
    const subjects = findings.filter((f) => f.check === 'internet-high-risk-port').map((f) => f.title);
    expect(subjects).toHaveLength(2);
    expect(subjects.join(' ')).toMatch(/3306.*6379|6379.*3306/);
  });
  it('the list is configurable', () => {
    const config = configSchema.parse({ highRiskPorts: [443] });
    expect(
      audit([group({ rules: [rule({ ports: 443 }), rule({ ports: 3306 })] })], config).filter(
        (f) => f.check === 'internet-high-risk-port',
      ),
    ).toHaveLength(1);
  });
});

describe('internet-all-ports', () => {
  it('fires for all protocols, for TCP 1-65535, and not for TCP 1-65534', () => {
    expect(checksOf(audit([group({ rules: [rule({ protocol: 'all' })] })]))).toContain('internet-all-ports');
    expect(checksOf(audit([group({ rules: [rule({ ports: [1, 65535] })] })]))).toContain('internet-all-ports');
    expect(checksOf(audit([group({ rules: [rule({ ports: [1, 65534] })] })]))).not.toContain('internet-all-ports');
  });
  it('replaces the per-port high-risk findings when every port is open', () => {
    expect(checksOf(audit([group({ rules: [rule({ ports: [1, 65535] })] })]))).not.toContain('internet-high-risk-port');
  });
});

describe('wide-public-cidr', () => {
  it('fires for a public /12, not for a /24, not for the whole Internet, not for a trusted range', () => {
    expect(checksOf(audit([group({ rules: [rule({ ports: 443, peer: '62.144.0.0/12' })] })]))).toContain(
      'wide-public-cidr',
    );
    expect(checksOf(audit([group({ rules: [rule({ ports: 443, peer: '62.144.0.0/24' })] })]))).not.toContain(
      'wide-public-cidr',
    );
    expect(checksOf(audit([group({ rules: [rule({ ports: 443 })] })]))).not.toContain('wide-public-cidr');
    const trusted = configSchema.parse({ wide: { trustedPublicRanges: ['62.144.0.0/12'] } });
    expect(checksOf(audit([group({ rules: [rule({ ports: 443, peer: '62.144.0.0/12' })] })], trusted))).not.toContain(
      'wide-public-cidr',
    );
  });
  it('counts only public addresses: a /8 of RFC 1918 is not wide', () => {
    expect(checksOf(audit([group({ rules: [rule({ ports: 443, peer: '10.0.0.0/8' })] })]))).not.toContain(
      'wide-public-cidr',
    );
  });
});

describe('port-range', () => {
  it('fires for a range, not for one port, a list of ports, or a group reference', () => {
    expect(checksOf(audit([group({ rules: [rule({ ports: [8000, 8100], peer: '10.0.0.0/8' })] })]))).toContain(
      'port-range',
    );
    expect(checksOf(audit([group({ rules: [rule({ ports: 443, peer: '10.0.0.0/8' })] })]))).not.toContain('port-range');
    expect(
      checksOf(
        audit([
          group({
            rules: [
              rule({
                ports: [
                  { from: 3306, to: 3306 },
                  { from: 5432, to: 5432 },
                ],
                peer: '10.0.0.0/8',
              }),
            ],
          }),
        ]),
      ),
    ).not.toContain('port-range');
    expect(
      checksOf(
        audit([group({ rules: [rule({ ports: [0, 65535], peer: { kind: 'group', groupId: 'sg-1', self: true } })] })]),
      ),
    ).not.toContain('port-range');
  });
});

describe('template-drift', () => {
  const sysWeb = () => [
    rule({ protocol: 'icmp', id: 'icmp' }),
    rule({ protocol: 'all', peer: { kind: 'group', groupId: 'sg-1', self: true } }),
    rule({ ports: 443 }),
    rule({ ports: 80 }),
    rule({ ports: 22 }),
    rule({ ports: 3389 }),
    rule({ protocol: 'all', family: 'ipv6', peer: { kind: 'group', groupId: 'sg-1', self: true } }),
    rule({ protocol: 'all', direction: 'egress' }),
    rule({ protocol: 'all', direction: 'egress', peer: '::/0' }),
  ];
  it('a group exactly as Huawei documents Sys-WebServer has no drift', () => {
    expect(checksOf(audit([group({ name: 'Sys-WebServer', rules: sysWeb() })]))).not.toContain('template-drift');
  });
  it('reports added and missing rows', () => {
    const rules = sysWeb().filter((r) => r.native.ruleId !== 'icmp');
    rules.push(rule({ ports: 3306, id: 'mysql' }));
    const drift = audit([group({ name: 'Sys-WebServer', rules })]).find((f) => f.check === 'template-drift');
    expect(drift?.ruleIds).toEqual(['mysql']);
    expect(drift?.detail).toMatch(/missing: ingress allow ipv4 icmp/);
  });
  it('the AWS default group should restrict all traffic (CIS)', () => {
    const aws = group({
      provider: 'aws',
      name: 'default',
      rules: [rule({ protocol: 'all', peer: { kind: 'group', groupId: 'sg-1', self: true }, id: 'self' })],
    });
    expect(audit([aws]).find((f) => f.check === 'template-drift')?.ruleIds).toEqual(['self']);
  });
  it('user templates are assigned by group id and compared', () => {
    const config = configSchema.parse({
      templates: {
        custom: [
          {
            id: 'golden-web',
            rules: [{ direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '443', peer: '0.0.0.0/0' }],
          },
        ],
        assign: { 'sg-9': 'golden-web' },
      },
    });
    expect(
      audit([group({ id: 'sg-9', rules: [rule({ ports: 443 })] })], config).filter((f) => f.check === 'template-drift'),
    ).toHaveLength(0);
    expect(
      audit([group({ id: 'sg-9', rules: [rule({ ports: 443 }), rule({ ports: 8443, id: 'extra' })] })], config).find(
        (f) => f.check === 'template-drift',
      )?.ruleIds,
    ).toEqual(['extra']);
  });
});

describe('shadowed-rule', () => {
  it('finds duplicates (one of the pair), covered allows, nullified allows and denies with nothing beneath', () => {
    const g = group({
      rules: [
        rule({ ports: 443, id: 'a' }),
        rule({ ports: 443, id: 'a-dup' }),
        rule({ ports: 22, priority: 50, id: 'nullified' }),
        rule({ ports: 22, action: 'deny', priority: 1, id: 'deny-22' }),
        rule({ ports: 25, action: 'deny', peer: '8.8.8.0/24', id: 'deny-nothing' }),
        rule({ protocol: 'all', peer: '10.0.0.0/8', priority: 1, id: 'wide' }),
        rule({ ports: 5432, peer: '10.1.0.0/16', priority: 2, id: 'covered' }),
      ],
    });
    const ids = shadowedRules(evaluateGroup(g))
      .map((r) => r.native.ruleId)
      .sort();
    expect(ids).toEqual(['a-dup', 'covered', 'deny-nothing', 'nullified']);
  });
  it('two stacked denies above an allow: only one of them is reported, so removing the reported set is safe', () => {
    const g = group({
      rules: [
        rule({ ports: 22, action: 'deny', priority: 1, peer: '8.8.8.0/24', id: 'd1' }),
        rule({ ports: 22, action: 'deny', priority: 2, peer: '8.8.8.0/24', id: 'd2' }),
        rule({ ports: 22, priority: 3, id: 'allow' }),
      ],
    });
    expect(shadowedRules(evaluateGroup(g)).map((r) => r.native.ruleId)).toEqual(['d2']);
  });
  it('a group whose denies cover its only allow: every rule is removable and the policy (nothing open) stays', () => {
    const g = group({
      rules: [
        rule({ ports: 22, action: 'deny', priority: 1, id: 'd1' }),
        rule({ ports: 22, action: 'deny', priority: 2, id: 'd2' }),
        rule({ ports: 22, priority: 3, id: 'allow' }),
      ],
    });
    expect(shadowedRules(evaluateGroup(g)).map((r) => r.native.ruleId)).toEqual(['d1', 'd2', 'allow']);
  });
});

describe('priority-conflict', () => {
  it('fires for an overlapping allow and deny at the same priority only', () => {
    expect(
      checksOf(
        audit([
          group({
            rules: [rule({ ports: [3000, 3999], action: 'deny', priority: 20 }), rule({ ports: 3306, priority: 20 })],
          }),
        ]),
      ),
    ).toContain('priority-conflict');
    expect(
      checksOf(
        audit([
          group({
            rules: [rule({ ports: [3000, 3999], action: 'deny', priority: 20 }), rule({ ports: 5432, priority: 20 })],
          }),
        ]),
      ),
    ).not.toContain('priority-conflict');
    expect(
      checksOf(
        audit([
          group({
            rules: [
              rule({ ports: 22, action: 'deny', priority: 1, peer: '10.0.0.0/8' }),
              rule({ ports: 22, priority: 1, peer: '192.168.0.0/16' }),
            ],
          }),
        ]),
      ),
    ).not.toContain('priority-conflict');
  });
});

describe('stale-reference, too-many-rules, unused-group, egress-all, missing-description', () => {
  it('stale-reference: a reference to a group not in the scope', () => {
    const a = group({
      id: 'sg-a',
      rules: [rule({ ports: 5432, peer: { kind: 'group', groupId: 'sg-b', self: false }, id: 'ref' })],
    });
    expect(audit([a]).find((f) => f.check === 'stale-reference')?.ruleIds).toEqual(['ref']);
    expect(checksOf(audit([a, group({ id: 'sg-b', rules: [] })]))).not.toContain('stale-reference');
  });
  it('too-many-rules above the configured maximum', () => {
    const rules = Array.from({ length: 51 }, (_, i) => rule({ ports: 1000 + i, peer: '10.0.0.0/8' }));
    expect(checksOf(audit([group({ rules })]))).toContain('too-many-rules');
    expect(checksOf(audit([group({ rules: rules.slice(0, 50) })]))).not.toContain('too-many-rules');
  });
  it('unused-group only when attachments were read', () => {
    expect(checksOf(audit([group({ attachments: [], rules: [] })]))).toContain('unused-group');
    expect(checksOf(audit([group({ rules: [] })]))).not.toContain('unused-group');
    expect(
      checksOf(audit([group({ attachments: [{ kind: 'network-interface', id: 'eni-1' }], rules: [] })])),
    ).not.toContain('unused-group');
  });
  it('egress-all is info; missing-description lists the rules', () => {
    const findings = audit([
      group({ rules: [rule({ direction: 'egress', protocol: 'all', description: '', id: 'out' })] }),
    ]);
    expect(findings.find((f) => f.check === 'egress-all')?.severity).toBe('info');
    expect(findings.find((f) => f.check === 'missing-description')?.ruleIds).toEqual(['out']);
  });
});

describe('unparseable-rule and findings', () => {
  it('an unparseable record becomes a high finding that assumes the worst', () => {
    const record: UnparseableRecord = {
      provider: 'aws',
      account: '1',
      region: 'r',
      groupId: 'sg-x',
      groupName: 'x',
      ruleId: '',
      reason: 'IpProtocol "xyz" is not a protocol',
      raw: { IpProtocol: 'xyz' },
      origin: 'f.json: pages[0]',
    };
    const finding = audit([], defaultConfig(), [record]).find((f) => f.check === 'unparseable-rule');
    expect(finding?.severity).toBe('high');
    expect(finding?.detail).toContain('IpProtocol "xyz"');
    expect(finding?.ruleIds[0]).toMatch(/^raw~/);
  });
  it('fingerprints are stable across runs and differ between findings', () => {
    const make = () => [group({ rules: [rule({ ports: 22, id: 'x' }), rule({ ports: 3306, id: 'y' })] })];
    const first = audit(make());
    expect(audit(make()).map((f) => f.fingerprint)).toEqual(first.map((f) => f.fingerprint));
    expect(new Set(first.map((f) => f.fingerprint)).size).toBe(first.length);
  });
  it('checks can be disabled and their severity changed in config', () => {
    const config = configSchema.parse({
      checks: { disabled: ['egress-all'], severity: { 'internet-admin-port': 'high' } },
    });
    const findings = audit(
      [group({ rules: [rule({ ports: 22 }), rule({ direction: 'egress', protocol: 'all' })] })],
      config,
    );
    expect(checksOf(findings)).not.toContain('egress-all');
    expect(findings.find((f) => f.check === 'internet-admin-port')?.severity).toBe('high');
  });
  it('every group check is in the catalog', () => {
    for (const check of GROUP_CHECKS) expect(CATALOG).toContain(check.meta);
  });
});

describe('JSON report', () => {
  it('the pieces written to stdout join to exactly JSON.stringify(report)', async () => {
    const { formatJson } = await import('../src/cli/format-report.ts');
    const groups = Array.from({ length: 30 }, (_, i) =>
      group({ id: `sg-${i}`, rules: [rule({ ports: 22 }), rule({ ports: 3306 })] }),
    );
    const report = auditEstate({ groups, unparseable: [], scanErrors: [] }, defaultConfig());
    expect(report.findings.length).toBe(60);
    expect(formatJson(report)).toBe(JSON.stringify(report));
    const { formatJsonPieces } = await import('../src/cli/format-report.ts');
    expect([...formatJsonPieces(report, 7)].join('')).toBe(JSON.stringify(report));
    expect([...formatJsonPieces({ ...report, findings: [] }, 7)].join('')).toBe(
      JSON.stringify({ ...report, findings: [] }),
    );
  });
});
