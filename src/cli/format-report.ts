import type { AuditReport } from '../analysis/audit.ts';
import type { Finding, Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { paint, SEVERITY_STYLE } from './style.ts';
import { terminalText } from './terminal-text.ts';

export type ReportFormat = 'table' | 'json' | 'markdown';

function countsLine(counts: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => paint(SEVERITY_STYLE[s], `${counts[s]} ${s}`))
    .join(', ');
}

function groupKey(f: Finding): string {
  return terminalText(`${f.provider} ${f.account || '-'} ${f.region || '-'}`);
}

/** Findings grouped by provider/account/region, then by group, with counts. */
export function formatTable(report: AuditReport): string {
  const lines: string[] = [];
  const scopes = new Map<string, Map<string, Finding[]>>();
  for (const finding of report.findings) {
    const scope = scopes.get(groupKey(finding)) ?? new Map<string, Finding[]>();
    const groupLabel = terminalText(`${finding.groupId || '(no group)'}${finding.groupName ? ` ${finding.groupName}` : ''}`);
    scope.set(groupLabel, [...(scope.get(groupLabel) ?? []), finding]);
    scopes.set(groupKey(finding), scope);
  }
  for (const [scope, groups] of [...scopes].sort(([a], [b]) => a.localeCompare(b))) {
    const count = [...groups.values()].reduce((n, g) => n + g.length, 0);
    lines.push(paint('bold', `${scope}  (${count} finding${count === 1 ? '' : 's'})`));
    for (const [group, findings] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${paint('bold', group)}`);
      for (const f of findings) {
        const severity = paint(SEVERITY_STYLE[f.severity], f.severity.padEnd(8));
        lines.push(`    ${severity} ${f.check.padEnd(24)} ${terminalText(f.title)}`);
        lines.push(paint('gray', `             ${terminalText(f.detail)}  [${f.fingerprint}]`));
      }
    }
    lines.push('');
  }
  lines.push(summaryLine(report));
  for (const error of report.summary.scanErrors) {
    lines.push(paint('red', terminalText(`scan error: ${error.provider} ${error.account || '-'} ${error.region || '-'}: ${error.message}`)));
  }
  return lines.join('\n');
}

function summaryLine(report: AuditReport): string {
  const s = report.summary;
  const found = s.findings === 0 ? 'no findings' : `${s.findings} finding${s.findings === 1 ? '' : 's'}: ${countsLine(s.bySeverity)}`;
  const partial = s.partial ? paint('red', ` — PARTIAL: ${s.scanErrors.length} scope(s) not read`) : '';
  return `${s.groups} groups, ${s.rules} rules audited; ${found}${partial}`;
}

function escapeMarkdown(text: string): string {
  return terminalText(text.replace(/\|/g, '\\|').replace(/\n/g, ' '));
}

export function formatMarkdown(report: AuditReport): string {
  const s = report.summary;
  const lines = [
    '# Warden audit',
    '',
    `${s.groups} groups, ${s.rules} rules; ${s.findings} findings (${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')})${s.partial ? ' — **partial audit**' : ''}.`,
    '',
  ];
  if (s.scanErrors.length) {
    lines.push('## Scopes not read', '', ...s.scanErrors.map((e) => `- ${e.provider} ${escapeMarkdown(`${e.account || '-'} ${e.region || '-'}: ${e.message}`)}`), '');
  }
  if (report.findings.length) {
    lines.push('| severity | check | provider | account | region | group | finding | fingerprint |', '|---|---|---|---|---|---|---|---|');
    for (const f of report.findings) {
      const group = escapeMarkdown(`${f.groupId}${f.groupName ? ` (${f.groupName})` : ''}`);
      lines.push(
        `| ${f.severity} | ${f.check} | ${f.provider} | ${escapeMarkdown(f.account || '-')} | ${escapeMarkdown(f.region || '-')} | ${group} | **${escapeMarkdown(f.title)}** ${escapeMarkdown(f.detail)} | \`${f.fingerprint}\` |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The JSON report in pieces that join to `JSON.stringify(report)`: one line (machines read it;
 * `| jq` indents), and pieces so that a report of tens of megabytes is never one string.
 */
export function* formatJsonPieces(report: AuditReport, findingsPerPiece = 2000): Generator<string> {
  yield '{"findings":[';
  for (let i = 0; i < report.findings.length; i += findingsPerPiece) {
    const piece = JSON.stringify(report.findings.slice(i, i + findingsPerPiece));
    yield `${i === 0 ? '' : ','}${piece.slice(1, -1)}`;
  }
  yield `],"summary":${JSON.stringify(report.summary)}}`;
}

export function formatJson(report: AuditReport): string {
  return [...formatJsonPieces(report)].join('');
}

/** The report in the chosen format, as pieces to write one after another. */
export function formatReportPieces(report: AuditReport, format: ReportFormat): Iterable<string> {
  if (format === 'json') return formatJsonPieces(report);
  if (format === 'markdown') return [formatMarkdown(report)];
  return [formatTable(report)];
}

export function formatReport(report: AuditReport, format: ReportFormat): string {
  return [...formatReportPieces(report, format)].join('');
}
