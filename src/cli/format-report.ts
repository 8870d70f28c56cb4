import type { AuditReport, AuditSummary } from '../analysis/audit.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import { plural } from '../analysis/describe.ts';
import type { Finding, ScanError, Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { paint, SEVERITY_STYLE, wrapLine } from './style.ts';
import { terminalText } from './terminal-text.ts';

export type ReportFormat = 'table' | 'json' | 'markdown';

/** What a reader sees of the report; the summary always counts every finding. */
export interface ReportView {
  /** Findings below this severity are not listed (`--min-severity`). */
  minSeverity?: Severity;
  /** Table: wrap lines to this many columns (a terminal's width); undefined: no wrapping. */
  width?: number;
}

const REMEDIATION = new Map(CATALOG.map((meta) => [meta.id, meta.remediation]));
const FIX_FROM = SEVERITIES.indexOf('low');

/** The catalog's one-line "how to fix" for findings at low or above. */
function howToFix(finding: Finding): string | undefined {
  return SEVERITIES.indexOf(finding.severity) <= FIX_FROM ? REMEDIATION.get(finding.check) : undefined;
}

function shown<T extends Finding>(findings: readonly T[], view: ReportView): T[] {
  if (view.minSeverity === undefined) return [...findings];
  const threshold = SEVERITIES.indexOf(view.minSeverity);
  return findings.filter((f) => SEVERITIES.indexOf(f.severity) <= threshold);
}

function countsLine(counts: Record<Severity, number>): string {
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => paint(SEVERITY_STYLE[s], `${counts[s]} ${s}`))
    .join(', ');
}

function scopeLabel(x: Pick<Finding | ScanError, 'provider' | 'account' | 'region'>): string {
  return terminalText(`${x.provider} ${x.account || '-'} ${x.region || '-'}`);
}

function summaryLine(s: AuditSummary): string {
  const found = s.findings === 0 ? 'no findings' : `${plural(s.findings, 'finding')}: ${countsLine(s.bySeverity)}`;
  return `${plural(s.groups, 'group')}, ${plural(s.rules, 'rule')} audited; ${found}`;
}

/** What the summary leaves out of the listing, one line each: suppressed, known from the baseline, below --min-severity. */
function setApartLines(report: AuditReport, view: ReportView, listed: number): string[] {
  const s = report.summary;
  const lines: string[] = [];
  if (s.suppressed)
    lines.push(
      `${plural(s.suppressed, 'finding')} suppressed by the config's suppressions (listed with --format json)`,
    );
  if (s.baseline)
    lines.push(
      `${plural(s.baseline.known, 'finding')} already in the baseline ${s.baseline.file}; ${plural(s.findings, 'new finding')} since`,
    );
  if (view.minSeverity !== undefined && listed < s.findings) {
    lines.push(
      `${plural(s.findings - listed, 'finding')} below ${view.minSeverity} not listed (--min-severity ${view.minSeverity})`,
    );
  }
  return lines;
}

/**
 * Summary first (counts, the PARTIAL warning and the scopes not read), then per
 * provider/account/region its findings, most severe first, each with its group, fingerprint,
 * detail and how to fix it.
 */
export function formatTable(report: AuditReport, view: ReportView = {}): string {
  const s = report.summary;
  const findings = shown(report.findings, view);
  const out: string[] = [];
  const push = (line: string, indent: string, style?: Parameters<typeof paint>[0]) => {
    for (const piece of wrapLine(line, view.width, indent)) out.push(style ? paint(style, piece) : piece);
  };
  push(summaryLine(s), '  ');
  if (s.partial) {
    push(
      `PARTIAL: ${plural(s.scanErrors.length, 'scope')} not read; nothing in ${s.scanErrors.length === 1 ? 'it' : 'them'} is reported clean`,
      '  ',
      'red',
    );
    for (const error of s.scanErrors)
      push(`  scan error: ${scopeLabel(error)}: ${terminalText(error.message)}`, '    ', 'red');
  }
  for (const line of setApartLines(report, view, findings.length)) push(line, '  ');
  for (const line of interfaceLines(s)) push(line, '    ', 'yellow');

  const scopes = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = scopeLabel(finding);
    scopes.set(key, [...(scopes.get(key) ?? []), finding]);
  }
  const indent = ' '.repeat(11);
  for (const [scope, listed] of [...scopes].sort(([a], [b]) => a.localeCompare(b))) {
    out.push('');
    push(`${scope}  (${plural(listed.length, 'finding')})`, '  ', 'bold');
    for (const f of listed) {
      const group = terminalText(`${f.groupId || '(no group)'}${f.groupName ? ` ${f.groupName}` : ''}`);
      push(
        `  ${paint(SEVERITY_STYLE[f.severity], f.severity.padEnd(8))} ${f.check}  ${group}  [${f.fingerprint}]`,
        indent,
      );
      push(`${indent}${terminalText(f.title)}`, indent);
      push(`${indent}${terminalText(f.detail)}`, indent, 'gray');
      const fix = howToFix(f);
      if (fix) push(`${indent}fix: ${fix}`, `${indent}     `);
    }
  }
  return out.join('\n');
}

/** Interfaces read but not judged (a group they carry was not read): how many, and why. */
function interfaceLines(s: AuditSummary): string[] {
  const skipped = s.interfacesNotEvaluated;
  if (!skipped || skipped.count === 0) return [];
  return [
    `${plural(skipped.count, 'interface')} not evaluated (not judged on fewer groups than they carry):`,
    ...skipped.reasons.map(
      (r) =>
        `  ${terminalText(r.reason)}: ${plural(r.interfaces, 'interface')} (${terminalText(r.sample.join(', '))}${r.interfaces > r.sample.length ? ', …' : ''})`,
    ),
  ];
}

export function escapeMarkdown(text: string): string {
  return terminalText(text.replace(/\|/g, '\\|').replace(/\n/g, ' '));
}

export function formatMarkdown(report: AuditReport, view: ReportView = {}): string {
  const s = report.summary;
  const findings = shown(report.findings, view);
  const lines = [
    '# Warden audit',
    '',
    `${plural(s.groups, 'group')}, ${plural(s.rules, 'rule')}; ${plural(s.findings, 'finding')} (${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')})${s.partial ? ' — **partial audit**' : ''}.`,
    '',
  ];
  const apart = setApartLines(report, view, findings.length);
  if (apart.length) lines.push(...apart.map((line) => `- ${escapeMarkdown(line)}`), '');
  const skipped = interfaceLines(s);
  if (skipped.length) lines.push(...skipped.map((line) => `- ${escapeMarkdown(line.trim())}`), '');
  if (s.scanErrors.length) {
    lines.push(
      '## Scopes not read',
      '',
      ...s.scanErrors.map((e) => `- ${escapeMarkdown(`${scopeLabel(e)}: ${e.message}`)}`),
      '',
    );
  }
  if (findings.length) {
    lines.push(
      '| severity | check | provider | account | region | group | finding | fingerprint |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const f of findings) {
      const group = escapeMarkdown(`${f.groupId}${f.groupName ? ` (${f.groupName})` : ''}`);
      const fix = howToFix(f);
      lines.push(
        `| ${f.severity} | ${f.check} | ${f.provider} | ${escapeMarkdown(f.account || '-')} | ${escapeMarkdown(f.region || '-')} | ${group} | **${escapeMarkdown(f.title)}** ${escapeMarkdown(f.detail)}${fix ? ` _Fix: ${escapeMarkdown(fix)}_` : ''} | \`${f.fingerprint}\` |`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The JSON report in pieces that join to one line of JSON (machines read it; `| jq` indents),
 * and pieces so that a report of tens of megabytes is never one string. `findings` and
 * `suppressed` hold what the view shows; the summary counts everything.
 */
export function* formatJsonPieces(
  report: AuditReport,
  findingsPerPiece = 2000,
  view: ReportView = {},
): Generator<string> {
  const findings = shown(report.findings, view);
  yield '{"findings":[';
  for (let i = 0; i < findings.length; i += findingsPerPiece) {
    const piece = JSON.stringify(findings.slice(i, i + findingsPerPiece));
    yield `${i === 0 ? '' : ','}${piece.slice(1, -1)}`;
  }
  yield `],"suppressed":${JSON.stringify(shown(report.suppressed ?? [], view))},"summary":${JSON.stringify(report.summary)}}`;
}

export function formatJson(report: AuditReport, view: ReportView = {}): string {
  return [...formatJsonPieces(report, undefined, view)].join('');
}

/** The report in the chosen format, as pieces to write one after another. */
export function formatReportPieces(report: AuditReport, format: ReportFormat, view: ReportView = {}): Iterable<string> {
  if (format === 'json') return formatJsonPieces(report, undefined, view);
  if (format === 'markdown') return [formatMarkdown(report, view)];
  return [formatTable(report, view)];
}

export function formatReport(report: AuditReport, format: ReportFormat, view: ReportView = {}): string {
  return [...formatReportPieces(report, format, view)].join('');
}
