import type { ComplianceReport, ControlResult, ControlState } from '../analysis/compliance/evaluate.ts';
import { CONTROL_STATES } from '../analysis/compliance/evaluate.ts';
import type { Framework } from '../analysis/compliance/index.ts';
import type { Finding } from '../model/types.ts';
import { escapeMarkdown } from './format-report.ts';
import { contextText } from './report-context.ts';
import type { ReportContext } from './report-context.ts';
import { paint } from './style.ts';
import { terminalText } from './terminal-text.ts';

// `warden audit --compliance <framework>` (per control, for auditors) and `warden compliance` (the
// frameworks and their controls). Rendering only: the states are decided in analysis/compliance.

export type ComplianceFormat = 'table' | 'json' | 'markdown';

const STATE_STYLE: Record<ControlState, Parameters<typeof paint>[0]> = {
  fail: 'red',
  accepted: 'yellow',
  'not-evaluated': 'yellow',
  'not-applicable': 'gray',
  pass: 'green',
};

function citation(framework: Pick<Framework, 'source'>): string {
  const { provider, document, url } = framework.source;
  return `${provider}, ${document} <${url}>`;
}

function summaryText(report: ComplianceReport): string {
  return CONTROL_STATES.map((state) => `${report.summary[state]} ${state}`).join(', ');
}

function findingText(finding: Finding): string {
  const group = `${finding.groupId}${finding.groupName ? ` (${finding.groupName})` : ''}`;
  return `${finding.severity} ${finding.check} ${finding.provider} ${finding.account || '-'} ${finding.region || '-'} ${group}: ${finding.title} [${finding.fingerprint}]`;
}

/** Everything behind a result, one line each: findings, accepted findings with their exception, gaps. */
function evidenceLines(result: ControlResult): string[] {
  return [
    ...result.findings.map(findingText),
    ...result.accepted.map(
      (f) =>
        `accepted until ${f.suppression.expires} (${f.suppression.entry}: ${f.suppression.reason}): ${findingText(f)}`,
    ),
    ...result.gaps.map((gap) => `evidence gap: ${gap}`),
  ];
}

function formatTable(report: ComplianceReport, context: ReportContext): string {
  const { framework } = report;
  const idWidth = Math.max(...report.results.map((r) => r.control.length), 2);
  const lines = [
    paint('bold', `${framework.title} ${framework.version}`),
    paint('gray', citation(framework)),
    paint('gray', `Audited: ${terminalText(contextText(context))}`),
    summaryText(report),
    '',
  ];
  for (const result of report.results) {
    lines.push(
      `${paint(STATE_STYLE[result.state], result.state.toUpperCase().padEnd(14))} ${paint('bold', result.control.padEnd(idWidth))}  ${result.title}`,
    );
    for (const line of evidenceLines(result)) lines.push(`${' '.repeat(17 + idWidth)}${terminalText(line)}`);
  }
  return lines.join('\n');
}

function formatMarkdown(report: ComplianceReport, context: ReportContext): string {
  const { framework } = report;
  const lines = [
    `## ${escapeMarkdown(framework.title)} ${escapeMarkdown(framework.version)}`,
    '',
    `Source: ${escapeMarkdown(citation(framework))}`,
    '',
    `Audited: ${escapeMarkdown(contextText(context))}`,
    '',
    `**${summaryText(report)}**`,
    '',
    '| Control | Title | State | Evidence |',
    '| --- | --- | --- | --- |',
  ];
  for (const result of report.results) {
    const evidence = evidenceLines(result).map(escapeMarkdown).join('<br>');
    lines.push(
      `| ${escapeMarkdown(result.control)} | ${escapeMarkdown(result.title)} | **${result.state}** | ${evidence || '-'} |`,
    );
  }
  return lines.join('\n');
}

/** The report in `format`; JSON carries what was audited as `audited` (`config`, `source`). */
export function formatComplianceReport(
  report: ComplianceReport,
  format: ComplianceFormat,
  context: ReportContext,
): string {
  if (format === 'json') return JSON.stringify({ ...report, audited: context }, null, 2);
  return format === 'markdown' ? formatMarkdown(report, context) : formatTable(report, context);
}

/** `warden compliance`: each framework, its version and source, and each control with the checks that evidence it. */
export function formatFrameworks(frameworks: readonly Framework[], format: 'table' | 'json'): string {
  if (format === 'json') return JSON.stringify(frameworks, null, 2);
  const lines: string[] = [];
  for (const framework of frameworks) {
    if (lines.length) lines.push('');
    lines.push(`${paint('bold', framework.id)}  ${framework.title} ${framework.version}`);
    lines.push(paint('gray', `  ${citation(framework)}`));
    const width = Math.max(...framework.controls.map((c) => c.id.length));
    for (const control of framework.controls) {
      const checks = control.checks.length ? control.checks.join(', ') : 'no check';
      lines.push(`  ${control.id.padEnd(width)}  ${control.title}`);
      lines.push(paint('gray', `  ${' '.repeat(width)}  checks: ${checks}${control.partial ? ' (in part)' : ''}`));
    }
  }
  return lines.join('\n');
}
