import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { findFinding } from '../src/app/propose-fix.ts';
import { MIN_FINGERPRINT_PREFIX } from '../src/model/fingerprint-prefix.ts';
import type { Finding } from '../src/model/types.ts';
import { encodeButtonValue, parseButtonValue } from '../src/slack/actions.ts';
import { parseCommand } from '../src/slack/commands.ts';

// Issue 11, section 5: one minimum for a fingerprint prefix everywhere (CLI, slash commands,
// buttons, the already-applied path: 8 hex characters), and a prefix must match exactly one finding.
// The CLI and the already-applied path are tested through the CLI in cli-usage-errors.test.ts.

function reportWith(...fingerprints: string[]): AuditReport {
  const findings = fingerprints.map((fingerprint) => ({ fingerprint, check: 'internet-admin-port' }) as Finding);
  return { findings, summary: {} as AuditReport['summary'] };
}

describe('fingerprint prefixes', () => {
  it('the minimum is 8', () => {
    expect(MIN_FINGERPRINT_PREFIX).toBe(8);
  });

  it('/warden fix refuses 7 hex characters and takes 8', () => {
    expect(parseCommand('fix abcdef0')).toMatchObject({
      ok: false,
      usage: expect.stringMatching(/^"abcdef0" is not a finding fingerprint \(at least 8 hex characters\)\./),
    });
    expect(parseCommand('fix abcdef01')).toEqual({ ok: true, command: { kind: 'fix', fingerprint: 'abcdef01' } });
  });

  it('/warden suppress takes an 8-character prefix or a catalog check, and refuses a short prefix instead of reading it as a check', () => {
    expect(parseCommand('suppress abcdef01 7d known')).toMatchObject({
      ok: true,
      command: { target: { fingerprint: 'abcdef01' } },
    });
    expect(parseCommand('suppress egress-all 7d known')).toMatchObject({
      ok: true,
      command: { target: { check: 'egress-all' } },
    });
    expect(parseCommand('suppress abcdef0 7d known')).toMatchObject({
      ok: false,
      usage: expect.stringMatching(
        /^"abcdef0" is neither a finding fingerprint \(at least 8 hex characters\) nor a check id/,
      ),
    });
  });

  it('/warden findings <check> refuses a check the catalog does not have (it would list nothing)', () => {
    expect(parseCommand('findings no-such-check')).toMatchObject({ ok: false });
    expect(parseCommand('findings egress-all')).toEqual({
      ok: true,
      command: { kind: 'findings', filter: { check: 'egress-all' } },
    });
  });

  it('buttons carry at least 8 hex characters', () => {
    expect(() => encodeButtonValue({ action: 'warden_details', fingerprint: 'abcdef0' })).toThrow(
      /not one Warden makes/,
    );
    const value = encodeButtonValue({ action: 'warden_details', fingerprint: 'abcdef01' });
    expect(parseButtonValue(value, 'warden_details').fingerprint).toBe('abcdef01');
  });

  it('a prefix must match exactly one finding: an ambiguous one is refused naming how many it matches', () => {
    const report = reportWith('abcdef012345', 'abcdef019999', '0123456789ab');
    expect(() => findFinding(report, 'abcdef01')).toThrow(
      'finding abcdef01: 2 findings start with it; give more characters',
    );
    expect(findFinding(report, 'abcdef0123').fingerprint).toBe('abcdef012345');
    expect(() => findFinding(report, '0123456')).toThrow(/not in this audit/);
  });
});
