import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AuditReport } from '../analysis/audit.ts';
import { atOrAbove } from '../model/severity.ts';
import { OUTPUT_FORMATS } from '../report/formats.ts';
import type { OutputFormatName, RenderContext } from '../report/formats.ts';
import { formatReportPieces } from './format-report.ts';
import type { ReportFormat, ReportView } from './format-report.ts';

// `warden audit --format a,b [--output-dir DIR]`: which formats, and where each one goes.

export type AuditFormat = ReportFormat | OutputFormatName;

const REPORT_FORMATS: Record<Exclude<ReportFormat, 'table'>, string> = { json: 'json', markdown: 'md' };

export const AUDIT_FORMATS: readonly AuditFormat[] = [
  'table',
  'json',
  'markdown',
  ...(Object.keys(OUTPUT_FORMATS) as OutputFormatName[]),
];

/** Standard output, one format; or a folder, one file per format. */
export interface OutputPlan {
  formats: AuditFormat[];
  dir?: string;
}

/** Bad --output-dir: one line naming the folder and the problem (exit 2). */
export class OutputError extends Error {}

/** The plan `--format` and `--output-dir` ask for, or the usage problem in one line. */
export function outputPlan(format: string | undefined, dir: string | undefined): OutputPlan | { problem: string } {
  if (dir === '') return { problem: '--output-dir needs a folder' };
  if (format === undefined)
    return dir === undefined
      ? { formats: ['table'] }
      : { problem: '--output-dir needs --format (the default, table, is for the terminal only)' };
  const names = format.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(AUDIT_FORMATS as readonly string[]).includes(name))
      return { problem: `--format must be one of ${AUDIT_FORMATS.join(', ')} (got "${name}")` };
  }
  const formats = [...new Set(names)] as AuditFormat[];
  if (dir === undefined) {
    if (formats.length > 1)
      return {
        problem: `--format ${formats.join(',')} names several formats: add --output-dir DIR to write each to DIR/warden.<ext>`,
      };
    return { formats };
  }
  if (formats.includes('table'))
    return { problem: '--format table is for the terminal only: it cannot be written to --output-dir' };
  return { formats, dir };
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** Why `dir` cannot take the output files, or undefined when it can (it exists, or its parent does). Before any slow work. */
export async function outputDirProblem(dir: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    if (code(error) !== 'ENOENT') return `--output-dir ${dir}: cannot read: ${code(error)}`;
  }
  if (info && !info.isDirectory()) return `--output-dir ${dir}: is a file, not a folder`;
  const target = info ? dir : dirname(dir);
  try {
    if (!info && !(await stat(target)).isDirectory()) return `--output-dir ${dir}: ${target} is not a folder`;
    await access(target, constants.W_OK);
  } catch (error) {
    return code(error) === 'ENOENT'
      ? `--output-dir ${dir}: its parent folder ${target} does not exist`
      : `--output-dir ${dir}: cannot write: ${code(error)}`;
  }
  return undefined;
}

/** `warden.<extension>` of a format written to a folder. */
export function outputFileName(format: Exclude<AuditFormat, 'table'>): string {
  const extension =
    format in REPORT_FORMATS ? REPORT_FORMATS[format as 'json'] : OUTPUT_FORMATS[format as OutputFormatName].extension;
  return `warden.${extension}`;
}

/** The findings (and suppressed findings) at or above `--min-severity`; the summary still counts all. */
function shownReport(report: AuditReport, view: ReportView): AuditReport {
  const min = view.minSeverity;
  if (min === undefined) return report;
  return {
    ...report,
    findings: report.findings.filter((f) => atOrAbove(f.severity, min)),
    ...(report.suppressed ? { suppressed: report.suppressed.filter((f) => atOrAbove(f.severity, min)) } : {}),
  };
}

/**
 * The report in `format`, ending in a line break, as pieces to write one after another (the JSON
 * report of a big estate is never one string).
 */
function* pieces(
  report: AuditReport,
  format: AuditFormat,
  view: ReportView,
  context: RenderContext,
): Generator<string> {
  if (format in OUTPUT_FORMATS) {
    const text = OUTPUT_FORMATS[format as OutputFormatName].render(shownReport(report, view), context);
    yield text.endsWith('\n') ? text : `${text}\n`;
    return;
  }
  yield* formatReportPieces(report, format as ReportFormat, view);
  yield '\n';
}

/** Writes `pieces` to `path` through a temporary file beside it, so an interrupted run leaves no half file. */
export async function replaceFile(path: string, content: Iterable<string>): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const file = await open(temporary, 'w');
    try {
      for (const piece of content) await file.write(piece);
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new OutputError(`${path}: cannot write: ${code(error)}`);
  }
}

/** Standard output for one format; otherwise each format to `DIR/warden.<ext>` (the folder made if missing), and one line on stderr naming the files. */
export async function writeOutputs(
  report: AuditReport,
  plan: OutputPlan,
  view: ReportView,
  context: RenderContext,
): Promise<void> {
  if (plan.dir === undefined) {
    for (const piece of pieces(report, plan.formats[0] ?? 'table', view, context)) process.stdout.write(piece);
    return;
  }
  try {
    await mkdir(plan.dir);
  } catch (error) {
    if (code(error) !== 'EEXIST') throw new OutputError(`--output-dir ${plan.dir}: cannot create: ${code(error)}`);
  }
  const written: string[] = [];
  for (const format of plan.formats as Exclude<AuditFormat, 'table'>[]) {
    const path = join(plan.dir, outputFileName(format));
    await replaceFile(path, pieces(report, format, view, context));
    written.push(path);
  }
  process.stderr.write(`warden: wrote ${written.join(', ')}\n`);
}
