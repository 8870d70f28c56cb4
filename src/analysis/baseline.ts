import { isRecord } from '../lib/record.ts';
import { countFindings } from './audit.ts';
import type { AuditReport } from './audit.ts';

/**
 * The fingerprints of an earlier `warden audit --format json` report's findings, or undefined
 * when the document is not such a report. Pure.
 */
export function reportFingerprints(document: unknown): Set<string> | undefined {
  if (!isRecord(document) || !Array.isArray(document['findings'])) return undefined;
  const fingerprints = new Set<string>();
  for (const finding of document['findings']) {
    if (!isRecord(finding) || typeof finding['fingerprint'] !== 'string' || finding['fingerprint'] === '')
      return undefined;
    fingerprints.add(finding['fingerprint']);
  }
  return fingerprints;
}

/** Keeps only the findings that are new since the baseline; the summary counts the ones left out. Pure. */
export function applyBaseline(report: AuditReport, known: ReadonlySet<string>, file: string): AuditReport {
  const findings = report.findings.filter(
    (f) => !known.has(f.fingerprint) && !(f.legacyFingerprint !== undefined && known.has(f.legacyFingerprint)),
  );
  const summary = {
    ...report.summary,
    ...countFindings(findings),
    baseline: { file, known: report.findings.length - findings.length },
  };
  return { ...report, findings, summary };
}
