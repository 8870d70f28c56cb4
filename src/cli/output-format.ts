import type { AuditReport } from '../analysis/audit.ts';
import { asffDocument, skippedLines } from '../report/asff.ts';
import { OUTPUT_FORMATS } from '../report/formats.ts';
import type { OutputFormatName, RenderContext } from '../report/formats.ts';

// `warden audit --format <registry format>` on stdout: the report rendered by src/report, and what
// the format leaves out said on stderr (ASFF takes AWS findings only).

export function isOutputFormat(name: string): name is OutputFormatName {
  return Object.hasOwn(OUTPUT_FORMATS, name);
}

/** The rendered report, and the stderr lines that say what it left out. */
export function renderOutput(
  name: OutputFormatName,
  report: AuditReport,
  context: RenderContext,
): { text: string; notes: string[] } {
  const text = OUTPUT_FORMATS[name].render(report, context);
  const notes = name === 'asff' ? skippedLines(asffDocument(report, context).skipped).map((l) => `asff: ${l}`) : [];
  return { text, notes };
}
