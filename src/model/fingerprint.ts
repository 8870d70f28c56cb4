import type { Finding } from './types.ts';

/** Whether a fingerprint (a stored one, a button's) names the finding: its own or its legacy one. */
export function matchesFingerprint(
  finding: Pick<Finding, 'fingerprint' | 'legacyFingerprint'>,
  fingerprint: string,
): boolean {
  return (
    finding.fingerprint === fingerprint ||
    (finding.legacyFingerprint !== undefined && finding.legacyFingerprint === fingerprint)
  );
}
