import type { AuditReport } from '../analysis/audit.ts';
import type { CheckMeta } from '../analysis/check.ts';
import { coverageOf, evaluateCompliance } from '../analysis/compliance/evaluate.ts';
import { controlsOf, frameworkById, FRAMEWORKS } from '../analysis/compliance/index.ts';
import type { ControlRef, Framework } from '../analysis/compliance/index.ts';
import type { WardenConfig } from '../config/schema.ts';
import { isCheckId } from '../model/check-ids.ts';
import type { Estate } from '../model/types.ts';
import { formatComplianceReport, formatFrameworks } from './format-compliance.ts';
import type { ComplianceFormat } from './format-compliance.ts';
import type { ReportContext } from './report-context.ts';

// `warden audit --compliance <framework>` and `warden compliance`: the CLI side of the compliance
// frameworks in src/analysis/compliance.

export interface ComplianceRequest {
  framework: Framework;
  format: ComplianceFormat;
}

const FORMATS: readonly ComplianceFormat[] = ['table', 'json', 'markdown'];

interface ComplianceOptions {
  compliance?: string | undefined;
  format?: string | undefined;
  baseline?: string | undefined;
  'min-severity'?: string | undefined;
  'output-dir'?: string | undefined;
}

/**
 * What `--compliance` asks for, or the usage problem in one line. A control judged on part of the
 * findings could pass wrongly, so the options that leave findings out are refused with it.
 */
export function complianceRequest(options: ComplianceOptions & { compliance: string }): ComplianceRequest | string {
  const framework = frameworkById(options.compliance);
  if (!framework) return `--compliance ${unknownFramework(options.compliance)}`;
  const format = options.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    return `--format must be one of ${FORMATS.join(', ')} with --compliance (got "${format}")`;
  for (const option of ['baseline', 'min-severity'] as const)
    if (options[option] !== undefined)
      return `--compliance judges every finding: it does not take --${option}, which leaves findings out`;
  if (options['output-dir'] !== undefined)
    return '--compliance prints its report on standard output: it does not take --output-dir';
  return { framework, format: format as ComplianceFormat };
}

/** The framework's controls judged from the audit, in the requested format, on stdout. */
export function writeCompliance(
  request: ComplianceRequest,
  report: AuditReport,
  estate: Pick<Estate, 'groups'>,
  config: WardenConfig,
  context: ReportContext,
): void {
  const judged = evaluateCompliance(request.framework, report, coverageOf(estate), config);
  process.stdout.write(formatComplianceReport(judged, request.format, context));
}

/** `warden compliance [<framework>]`: the frameworks (or the one named) and their controls, or a usage problem. */
export function listFrameworks(id: string | undefined, format: 'table' | 'json'): string | { problem: string } {
  if (id === undefined) return formatFrameworks(FRAMEWORKS, format);
  const framework = frameworkById(id);
  return framework ? formatFrameworks([framework], format) : { problem: unknownFramework(id) };
}

function unknownFramework(id: string): string {
  return `"${id}" is not a framework Warden knows (known: ${FRAMEWORKS.map((f) => f.id).join(', ')})`;
}

/** The controls a catalog check evidences (none for an id the model does not list). */
export function controlsOfMeta(meta: CheckMeta): readonly ControlRef[] {
  return isCheckId(meta.id) ? controlsOf(meta.id) : [];
}

/** `cis-aws v5.0.0 5.3, 5.4; aws-security-hub EC2.13`: a check's controls, by framework. */
export function controlsText(controls: readonly ControlRef[]): string {
  const byFramework = new Map<string, string[]>();
  for (const ref of controls) byFramework.set(ref.framework, [...(byFramework.get(ref.framework) ?? []), ref.control]);
  return [...byFramework].map(([framework, ids]) => `${framework} ${ids.join(', ')}`).join('; ');
}
