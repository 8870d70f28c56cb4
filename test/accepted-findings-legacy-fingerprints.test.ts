import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { applyBaseline } from '../src/analysis/baseline.ts';
import { applySuppressions } from '../src/analysis/suppressions.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Finding, Rule, SecurityGroup } from '../src/model/types.ts';

// Config suppressions and `--baseline` files written before fingerprints stopped hashing rule ids
// keep accepting the same findings: an upgrade must not turn accepted findings into CI failures.

function sshOpen(): SecurityGroup {
  const rule: Rule = {
    direction: 'ingress',
    action: 'allow',
    priority: 1,
    family: 'ipv4',
    protocol: 'tcp',
    ports: [{ from: 22, to: 22 }],
    peer: { kind: 'cidr', cidr: '0.0.0.0/0' },
    enabled: true,
    description: '',
    native: { ruleId: 'sgr-ssh', derivedId: false, raw: {} },
  };
  return {
    provider: 'aws',
    account: '111122223333',
    region: 'eu-west-1',
    vpcId: 'vpc-1',
    id: 'sg-1',
    name: 'web',
    description: 'web',
    rules: [rule],
  };
}

function sshFinding(report: AuditReport): Finding {
  const finding = report.findings.find((f) => f.check === 'internet-admin-port');
  if (!finding?.legacyFingerprint) throw new Error('expected an internet-admin-port finding with a legacy fingerprint');
  return finding;
}

describe('findings accepted under a pre-upgrade fingerprint', () => {
  const report = auditEstate({ groups: [sshOpen()], unparseable: [], scanErrors: [] }, defaultConfig());
  const finding = sshFinding(report);

  it('a config suppression naming the old fingerprint still suppresses the finding', () => {
    const entry = { fingerprint: finding.legacyFingerprint as string, reason: 'bastion', expires: '2999-01-01' };
    const { report: accepted } = applySuppressions(report, [entry], new Date('2026-01-01T00:00:00Z'));
    expect(accepted.findings.map((f) => f.fingerprint)).not.toContain(finding.fingerprint);
  });

  it('a baseline report holding the old fingerprint counts the finding as known', () => {
    const onlyNew = applyBaseline(report, new Set([finding.legacyFingerprint as string]), 'old-report.json');
    expect(onlyNew.findings.map((f) => f.fingerprint)).not.toContain(finding.fingerprint);
  });
});
