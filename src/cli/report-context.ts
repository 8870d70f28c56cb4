import type { Scope } from '../ports/live.ts';
import type { AuditReport, AuditSummary } from '../analysis/audit.ts';

// What an audit read and with which config: in the JSON summary (`config`, `source`) for
// machines, and as a header on stderr for a person at a terminal.

/** What was audited: a snapshot file or folder, the bundled examples when nothing was named, or live scopes. */
export type AuditSource =
  { kind: 'snapshot'; path: string } | { kind: 'examples'; path: string } | { kind: 'live'; scopes: Scope[] };

export interface ReportContext {
  /** The config file used; null for none (the defaults). */
  config: string | null;
  source: AuditSource;
}

export type ContextReport = AuditReport & { summary: AuditSummary & ReportContext };

export function withContext(report: AuditReport, context: ReportContext): ContextReport {
  return { ...report, summary: { ...report.summary, config: context.config, source: context.source } };
}

const SHOWN_SCOPES = 4;

function sourceText(source: AuditSource): string {
  if (source.kind === 'examples')
    return `${source.path} (the bundled demo estate; --source <file|dir> or --provider <p> audits yours)`;
  if (source.kind === 'snapshot') return source.path;
  const names = source.scopes.map((s) => `${s.provider} ${s.account || '-'} ${s.region}`);
  const shown = names.slice(0, SHOWN_SCOPES).join(', ');
  const more = names.length > SHOWN_SCOPES ? ` and ${names.length - SHOWN_SCOPES} more` : '';
  return `${names.length} live scope${names.length === 1 ? '' : 's'}: ${shown}${more}`;
}

/** `<source>; config: <file | none (defaults)>`: what an audit read, and with which config. */
export function contextText(context: ReportContext): string {
  return `${sourceText(context.source)}; config: ${context.config ?? 'none (defaults)'}`;
}

/** `warden: auditing <source>; config: <file | none (defaults)>` */
export function contextHeader(context: ReportContext): string {
  return `warden: auditing ${contextText(context)}`;
}

/** The header on `stream` when a person reads it (a terminal); nothing for pipes and CI logs. */
export function writeContextHeader(
  context: ReportContext,
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr,
): void {
  if (stream.isTTY) stream.write(`${contextHeader(context)}\n`);
}
