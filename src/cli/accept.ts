import { applyBaseline } from '../analysis/baseline.ts';
import type { AuditReport } from '../analysis/audit.ts';
import { applySuppressions } from '../analysis/suppressions.ts';
import type { WardenConfig } from '../config/schema.ts';

/**
 * Sets apart what CI has accepted: findings the config's suppressions accept (a warning on stderr
 * for each expired entry), then, with `--baseline`, findings the earlier report already had.
 */
export function acceptFindings(
  report: AuditReport,
  config: WardenConfig,
  baseline?: { file: string; fingerprints: ReadonlySet<string> },
): AuditReport {
  const suppressed = applySuppressions(report, config.suppressions, new Date());
  for (const warning of suppressed.warnings) process.stderr.write(`warden: warning: ${warning}\n`);
  return baseline ? applyBaseline(suppressed.report, baseline.fingerprints, baseline.file) : suppressed.report;
}
