import type { AuditReport } from '../analysis/audit.ts';
import type { RenderContext } from './context.ts';
import { renderAsff } from './asff.ts';
import { renderOcsf } from './ocsf.ts';
import { renderCsv } from './csv.ts';
import { renderSarif } from './sarif.ts';

export type { RenderContext } from './context.ts';

/** A file format an audit report renders to: `warden audit --format <name> --output-dir DIR` writes `DIR/warden.<extension>`. */
export interface OutputFormat {
  extension: string;
  render(report: AuditReport, context: RenderContext): string;
}

// One line per format; json, markdown and table stay in src/cli/format-report.ts.
export const OUTPUT_FORMATS = {
  sarif: { extension: 'sarif', render: renderSarif },
  ocsf: { extension: 'ocsf.jsonl', render: renderOcsf },
  asff: { extension: 'asff.json', render: renderAsff },
  csv: { extension: 'csv', render: renderCsv },
} satisfies Record<string, OutputFormat>;

export type OutputFormatName = keyof typeof OUTPUT_FORMATS;
