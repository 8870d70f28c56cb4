import type { SuppressionEntry } from '../config/suppressions.ts';
import type { Finding } from '../model/types.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import { countFindings } from './audit.ts';
import type { AuditReport } from './audit.ts';

/** A finding an entry of the config's `suppressions` accepts: still open, set apart from the findings. */
export interface SuppressedFinding extends Finding {
  suppression: { entry: string; reason: string; expires: string };
}

/** `suppressions[2] (fingerprint 4380a6d35c8c)` / `suppressions[0] (internet-admin-port on sg-0123)`: how messages name an entry. */
export function suppressionLabel(entry: SuppressionEntry, index: number): string {
  const target =
    entry.fingerprint !== undefined ? `fingerprint ${entry.fingerprint}` : `${entry.check} on ${entry.group}`;
  return `suppressions[${index}] (${target})`;
}

/** An entry applies before 00:00 UTC of its expiry date. */
export function isExpired(entry: SuppressionEntry, now: Date): boolean {
  return now.getTime() >= Date.parse(`${entry.expires}T00:00:00Z`);
}

/**
 * By fingerprint; or by check and group: the finding's own group (an interface finding's group set,
 * `sg-a+sg-b`, as the report prints it), or the one group whose rules alone decide an interface
 * finding — never a group among several that decide it, so accepting one group's exposure does not
 * hide another's.
 */
function matches(entry: SuppressionEntry, finding: Finding): boolean {
  if (entry.fingerprint !== undefined) return matchesFingerprint(finding, entry.fingerprint);
  if (entry.check !== finding.check) return false;
  const names = (group: { id: string; name: string }) =>
    entry.group === group.id || entry.group === `${finding.provider}:${group.name}`;
  const deciding = finding.decidingGroups;
  return (
    names({ id: finding.groupId, name: finding.groupName }) ||
    (deciding !== undefined && deciding.length === 1 && names(deciding[0] as { id: string; name: string }))
  );
}

export interface Suppressed {
  report: AuditReport;
  /** One line per expired entry, naming it: it no longer applies. */
  warnings: string[];
}

/**
 * Sets apart the findings that an unexpired entry accepts (the report's `suppressed`, counted in
 * the summary); expired entries no longer apply and each yields a warning. Pure.
 */
export function applySuppressions(report: AuditReport, entries: readonly SuppressionEntry[], now: Date): Suppressed {
  const warnings: string[] = [];
  const live: { entry: SuppressionEntry; label: string }[] = [];
  entries.forEach((entry, index) => {
    const label = suppressionLabel(entry, index);
    if (isExpired(entry, now)) warnings.push(`${label} expired on ${entry.expires}; its findings are reported again`);
    else live.push({ entry, label });
  });
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [...(report.suppressed ?? [])];
  for (const finding of report.findings) {
    const match = live.find(({ entry }) => matches(entry, finding));
    if (match)
      suppressed.push({
        ...finding,
        suppression: { entry: match.label, reason: match.entry.reason, expires: match.entry.expires },
      });
    else findings.push(finding);
  }
  return {
    report: {
      ...report,
      findings,
      suppressed,
      summary: { ...report.summary, ...countFindings(findings), suppressed: suppressed.length },
    },
    warnings,
  };
}
