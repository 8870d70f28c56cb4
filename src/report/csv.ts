import type { AuditReport } from '../analysis/audit.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import type { SuppressedFinding } from '../analysis/suppressions.ts';
import type { Finding } from '../model/types.ts';

// CSV for spreadsheets: one row per finding (suppressed ones too, marked so), RFC 4180.

/** The columns, in this order (documented in the README; a new column goes at the end). */
export const CSV_COLUMNS = [
  'status',
  'severity',
  'check',
  'title',
  'provider',
  'account',
  'region',
  'group_id',
  'group_name',
  'subject',
  'rule_ids',
  'detail',
  'remediation',
  'fingerprint',
  'suppression_reason',
  'suppression_expires',
] as const;

const REMEDIATION = new Map(CATALOG.map((meta) => [meta.id, meta.remediation]));

/**
 * Group names, descriptions and rule details are chosen by whoever can edit a group: a cell a
 * spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or carriage return, per
 * OWASP's CSV injection guidance) is prefixed with `'`, so it stays text.
 */
export function inertCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(finding: Finding): string[] {
  const suppression = (finding as Partial<SuppressedFinding>).suppression;
  return [
    suppression ? 'suppressed' : 'open',
    finding.severity,
    finding.check,
    finding.title,
    finding.provider,
    finding.account,
    finding.region,
    finding.groupId,
    finding.groupName,
    finding.subject,
    finding.ruleIds.join(' '),
    finding.detail,
    REMEDIATION.get(finding.check) ?? '',
    finding.fingerprint,
    suppression?.reason ?? '',
    suppression?.expires ?? '',
  ];
}

/** A header row, then one row per finding and per suppressed finding; CRLF line ends. */
export function renderCsv(report: AuditReport): string {
  const rows = [[...CSV_COLUMNS], ...[...report.findings, ...(report.suppressed ?? [])].map(row)];
  return rows.map((cells) => `${cells.map((cell) => csvField(inertCell(cell))).join(',')}\r\n`).join('');
}
