import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { hashId } from '../src/model/ids.ts';
import type { Finding, SecurityGroup, UnparseableRecord } from '../src/model/types.ts';
import { applyPlanToGroup } from '../src/remediation/plan.ts';
import { planFor } from '../src/remediation/planners/index.ts';
import { unsuppressedFindings } from '../src/store/state.ts';
import type { Suppression } from '../src/model/suppression.ts';
import { group, rule } from './support/build.ts';

// A fingerprint names an exposure (provider, account, region, group, check, subject), never the
// provider rule ids that carry it nor their descriptions.

function audit(
  groups: SecurityGroup[],
  config: WardenConfig = defaultConfig(),
  unparseable: UnparseableRecord[] = [],
): Finding[] {
  return auditEstate({ groups, unparseable, scanErrors: [] }, config).findings;
}

/** check + subject → fingerprint, for comparing two audits of the same group. */
function fingerprints(findings: readonly Finding[]): Map<string, string> {
  return new Map(findings.map((f) => [`${f.check} ${f.subject}`, f.fingerprint]));
}

function one(findings: readonly Finding[], check: string, subject?: string): Finding {
  const found = findings.filter((f) => f.check === check && (subject === undefined || f.subject === subject));
  expect(found, `${check} ${subject ?? ''}`).toHaveLength(1);
  return found[0] as Finding;
}

function renamed(g: SecurityGroup, suffix: string): SecurityGroup {
  return {
    ...g,
    rules: g.rules.map((r) => ({ ...r, native: { ...r.native, ruleId: `${r.native.ruleId}${suffix}` } })),
  };
}

const SSH = () => rule({ ports: 22, id: 'ssh', description: 'ssh' });

describe('the fingerprint stays the same for the same exposure', () => {
  it('when every rule is re-created with a new id (a revert)', () => {
    const g = group({
      rules: [
        SSH(),
        rule({ ports: [8000, 8100], id: 'range' }),
        rule({ ports: 443, id: 'dup-a' }),
        rule({ ports: 443, id: 'dup-b' }),
        rule({ ports: 80, peer: { kind: 'group', groupId: 'sg-gone', self: false }, id: 'stale' }),
      ],
    });
    const before = audit([g]);
    const after = audit([renamed(g, '-new')]);
    expect(before.map((f) => f.check)).toEqual(
      expect.arrayContaining(['internet-admin-port', 'port-range', 'shadowed-rule', 'stale-reference']),
    );
    expect(fingerprints(after)).toEqual(fingerprints(before));
    expect(after.find((f) => f.check === 'internet-admin-port')?.ruleIds).toEqual(['ssh-new']);
  });

  it('when descriptions change', () => {
    const g = group({ rules: [SSH(), rule({ ports: [8000, 8100], id: 'range', description: 'app' })] });
    const described = { ...g, rules: g.rules.map((r) => ({ ...r, description: `${r.description} (ticket 42)` })) };
    expect(fingerprints(audit([described]))).toEqual(fingerprints(audit([g])));
  });

  it('when an unrelated rule of the group is edited (re-created with other ports and a new id)', () => {
    const bare = (ports: number, id: string) => rule({ ports, peer: '10.0.0.0/8', id, description: '' });
    const g = group({ rules: [SSH(), bare(8080, 'app'), bare(9000, 'metrics')] });
    const edited = { ...g, rules: [SSH(), bare(8081, 'app-2'), bare(9000, 'metrics')] };
    const before = audit([g]);
    const after = audit([edited]);
    expect(one(after, 'internet-admin-port').fingerprint).toBe(one(before, 'internet-admin-port').fingerprint);
    // Still the same two rules without a description: the same finding.
    expect(one(after, 'missing-description').fingerprint).toBe(one(before, 'missing-description').fingerprint);
  });

  it('when a sibling finding carried by the same rule is fixed (the rule is split)', () => {
    // AWS is allow-only: the fix splits the rule around port 22 (on Huawei it would add a deny).
    const g = group({
      provider: 'aws',
      rules: [rule({ ports: [20, 25], id: 'range', description: 'legacy ftp/ssh/telnet/smtp' })],
    });
    const before = audit([g]);
    const ssh = one(before, 'internet-admin-port', 'port/22');
    const telnet = one(before, 'internet-high-risk-port', 'port/23');
    const plan = planFor(ssh, g, defaultConfig());
    expect(plan, 'a plan for SSH').toBeDefined();
    const fixed = applyPlanToGroup(g, plan!);
    const after = audit([fixed]);
    expect(after.some((f) => f.check === 'internet-admin-port')).toBe(false);
    const telnetAfter = one(after, 'internet-high-risk-port', 'port/23');
    expect(telnetAfter.ruleIds).not.toEqual(telnet.ruleIds);
    expect(telnetAfter.fingerprint).toBe(telnet.fingerprint);
  });

  it('an unreadable rule is known by its content, not its id, timestamps or description', () => {
    const record = (id: string, created: string, description: string): UnparseableRecord => ({
      provider: 'huawei',
      account: 'acct',
      region: 'region-1',
      groupId: 'sg-1',
      groupName: 'test-group',
      ruleId: id,
      reason: 'unknown protocol "sctp-x"',
      raw: { id, protocol: 'sctp-x', remote_ip_prefix: '0.0.0.0/0', created_at: created, description },
      origin: 'page 1',
    });
    const before = one(audit([], defaultConfig(), [record('r-1', '2025-01-01T00:00:00Z', 'a')]), 'unparseable-rule');
    const after = one(audit([], defaultConfig(), [record('r-2', '2025-06-01T00:00:00Z', 'b')]), 'unparseable-rule');
    expect(after.fingerprint).toBe(before.fingerprint);
    const other = one(
      audit([], defaultConfig(), [
        { ...record('r-1', '2025-01-01T00:00:00Z', 'a'), raw: { id: 'r-1', protocol: 'sctp-y' } },
      ]),
      'unparseable-rule',
    );
    expect(other.fingerprint).not.toBe(before.fingerprint);
  });

  it('rules of the same content are one finding, carrying each rule id', () => {
    const g = group({ rules: [rule({ ports: [8000, 8100], id: 'a' }), rule({ ports: [8000, 8100], id: 'b' })] });
    const range = one(audit([g]), 'port-range');
    expect(range.subject).toBe('rule/ingress allow ipv4 tcp 8000-8100 0.0.0.0/0 1');
    expect(range.ruleIds).toEqual(['a', 'b']);
  });
});

describe('fingerprints stored by earlier versions still match', () => {
  it('legacyFingerprint is the old hash: place, check, old subject and the sorted rule ids', () => {
    const g = group({ rules: [SSH(), rule({ ports: [8000, 8100], id: 'range' })] });
    const findings = audit([g]);
    const ssh = one(findings, 'internet-admin-port');
    expect(ssh.legacyFingerprint).toBe(
      hashId(['huawei', 'acct', 'region-1', 'sg-1', 'internet-admin-port', 'port/22', 'ssh']),
    );
    const range = one(findings, 'port-range');
    expect(range.legacyFingerprint).toBe(
      hashId(['huawei', 'acct', 'region-1', 'sg-1', 'port-range', 'rule/range', 'range']),
    );
    // Without rule ids in it, the old hash was already today's: no legacy fingerprint.
    const unused = one(audit([{ ...g, attachments: [] }]), 'unused-group');
    expect(unused.legacyFingerprint).toBeUndefined();
  });
});

describe('a suppression records the exposure it accepted', () => {
  const ssh = (cidr: string) =>
    one(audit([group({ rules: [rule({ ports: 22, peer: cidr, id: `ssh-${cidr}` })] })]), 'internet-admin-port');
  const suppressionOf = (
    finding: Finding,
    target: { fingerprint: string } | { check: string } = { fingerprint: finding.fingerprint },
  ): Suppression => ({
    target,
    by: 'U1',
    reason: 'bastion migration',
    at: '2030-01-01T00:00:00.000Z',
    until: '2031-01-01T00:00:00.000Z',
    ...(finding.exposure ? { accepted: finding.exposure } : {}),
  });
  const NOW = new Date('2030-06-01T00:00:00Z');

  it('a wider exposure under the same fingerprint is reported again, as widened since suppressed', () => {
    const half = ssh('0.0.0.0/1');
    const all = ssh('0.0.0.0/0');
    expect(all.fingerprint).toBe(half.fingerprint);
    const [reported, ...rest] = unsuppressedFindings([all], [suppressionOf(half)], NOW);
    expect(rest).toEqual([]);
    expect(reported?.fingerprint).toBe(all.fingerprint);
    expect(reported?.title).toBe(`${all.title} (widened since suppressed)`);
    expect(reported?.detail).toMatch(
      /Widened since suppressed by U1 on 2030-01-01 \(bastion migration\): tcp ipv4: \d+ → \d+\.$/,
    );
  });

  it('the same or a narrower exposure stays suppressed; so does every finding of a suppressed check', () => {
    const all = ssh('0.0.0.0/0');
    expect(unsuppressedFindings([all], [suppressionOf(all)], NOW)).toEqual([]);
    expect(unsuppressedFindings([ssh('0.0.0.0/1')], [suppressionOf(all)], NOW)).toEqual([]);
    expect(
      unsuppressedFindings(
        [all],
        [suppressionOf(ssh('0.0.0.0/1')), suppressionOf(all, { check: 'internet-admin-port' })],
        NOW,
      ),
    ).toEqual([]);
  });

  it('a suppression made under a legacy fingerprint still applies', () => {
    const all = ssh('0.0.0.0/0');
    expect(all.legacyFingerprint).toBeDefined();
    expect(
      unsuppressedFindings([all], [suppressionOf(all, { fingerprint: all.legacyFingerprint as string })], NOW),
    ).toEqual([]);
  });
});
