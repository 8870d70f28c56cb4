import type { WardenConfig } from '../../config/schema.ts';
import type { CheckId } from '../../model/check-ids.ts';
import type { Estate, Finding, Provider } from '../../model/types.ts';
import type { AuditReport } from '../audit.ts';
import { plural } from '../describe.ts';
import type { SuppressedFinding } from '../suppressions.ts';
import type { Control, Framework } from './types.ts';

/**
 * - `pass`: every mapped check ran, over complete scopes of the control's clouds, and found nothing.
 * - `fail`: open findings stand behind it (listed).
 * - `accepted`: no open finding, but findings a `suppressions` entry accepts (listed with reason and
 *   expiry): a known failure with an exception, never a pass.
 * - `not-applicable`: the estate holds no security group of the control's clouds and no unread scope
 *   that could hold one.
 * - `not-evaluated`: nothing found, but the evidence is incomplete (the reasons say why).
 */
export type ControlState = 'pass' | 'fail' | 'accepted' | 'not-applicable' | 'not-evaluated';

export const CONTROL_STATES: readonly ControlState[] = ['fail', 'accepted', 'not-evaluated', 'not-applicable', 'pass'];

export interface ControlResult {
  control: string;
  title: string;
  state: ControlState;
  checks: readonly CheckId[];
  providers: readonly Provider[];
  source?: string;
  /** Open findings behind a failure. */
  findings: Finding[];
  /** Accepted (suppressed) findings behind it, with the entry, reason and expiry. */
  accepted: SuppressedFinding[];
  /** Why the evidence is incomplete; given whatever the state, so a failure also says what was not seen. */
  gaps: string[];
}

export interface ComplianceReport {
  framework: Pick<Framework, 'id' | 'title' | 'version' | 'source'>;
  results: ControlResult[];
  summary: Record<ControlState, number>;
  /** Whether a scope of the audit could not be read (the controls of its clouds are then not evaluated). */
  partial: boolean;
}

/** What the evaluation needs of the estate beyond the report: which clouds it holds, and what was read of them. */
export interface EstateCoverage {
  /** Groups read, per cloud. */
  groups: Partial<Record<Provider, number>>;
  /** Groups whose attachments were not read, per cloud (`unused-group` cannot judge them). */
  attachmentsUnread: Partial<Record<Provider, number>>;
}

export function coverageOf(estate: Pick<Estate, 'groups'>): EstateCoverage {
  const coverage: EstateCoverage = { groups: {}, attachmentsUnread: {} };
  for (const group of estate.groups) {
    coverage.groups[group.provider] = (coverage.groups[group.provider] ?? 0) + 1;
    if (group.attachments === undefined)
      coverage.attachmentsUnread[group.provider] = (coverage.attachmentsUnread[group.provider] ?? 0) + 1;
  }
  return coverage;
}

/** The ports each port check examines (the high-risk check leaves the admin ports to the admin check). */
const EXAMINED_PORTS: Partial<Record<CheckId, (config: WardenConfig) => readonly number[]>> = {
  'internet-admin-port': (config) => config.adminPorts,
  'internet-high-risk-port': (config) => config.highRiskPorts.filter((port) => !config.adminPorts.includes(port)),
};

/** Whether a finding is evidence against the control: its check, cloud, port and address family. */
export function concerns(control: Control, finding: Finding): boolean {
  if (!(control.checks as readonly string[]).includes(finding.check)) return false;
  if (!control.providers.includes(finding.provider)) return false;
  const port = /^port\/(\d+)$/.exec(finding.subject);
  if (control.ports && port && !control.ports.includes(Number(port[1]))) return false;
  // Exposure facets are `<what> <family>` (`tcp ipv4`, `every TCP port ipv6`); none known: it counts.
  const facets = Object.keys(finding.exposure ?? {});
  if (control.family && facets.length > 0 && !facets.some((facet) => facet.split(' ').includes(control.family!)))
    return false;
  return true;
}

function gapsOf(control: Control, report: AuditReport, coverage: EstateCoverage, config: WardenConfig): string[] {
  const gaps: string[] = [];
  if (control.partial) gaps.push(`Warden's checks cover this control in part: ${control.partial}`);
  const disabled = control.checks.filter((check) => config.checks.disabled.includes(check));
  for (const check of disabled) gaps.push(`check ${check} is disabled in the config`);
  if (control.ports) {
    const examiners = control.checks.filter((check) => EXAMINED_PORTS[check] && !disabled.includes(check));
    const examined = new Set(examiners.flatMap((check) => EXAMINED_PORTS[check]!(config)));
    const missing = control.ports.filter((port) => !examined.has(port));
    if (missing.length > 0)
      gaps.push(
        `${missing.length === 1 ? 'port' : 'ports'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} examined by no enabled check (internet-admin-port examines the config's adminPorts, internet-high-risk-port its other highRiskPorts)`,
      );
  }
  for (const error of report.summary.scanErrors) {
    if (error.provider !== 'unknown' && !control.providers.includes(error.provider)) continue;
    gaps.push(`${error.provider} ${error.account || '-'} ${error.region || '-'} was not read: ${error.message}`);
  }
  if (control.checks.includes('unused-group') && !disabled.includes('unused-group')) {
    for (const provider of control.providers) {
      const unread = coverage.attachmentsUnread[provider] ?? 0;
      if (unread > 0)
        gaps.push(
          `attachments of ${plural(unread, `${provider} group`)} were not read, so unused-group could not judge them`,
        );
    }
  }
  return gaps;
}

function applies(control: Control, report: AuditReport, coverage: EstateCoverage): boolean {
  return (
    control.providers.some((provider) => (coverage.groups[provider] ?? 0) > 0) ||
    report.summary.scanErrors.some((e) => e.provider === 'unknown' || control.providers.includes(e.provider))
  );
}

function stateOf(
  applicable: boolean,
  findings: readonly Finding[],
  accepted: readonly SuppressedFinding[],
  gaps: readonly string[],
): ControlState {
  if (findings.length > 0) return 'fail';
  if (accepted.length > 0) return 'accepted';
  if (!applicable) return 'not-applicable';
  return gaps.length > 0 ? 'not-evaluated' : 'pass';
}

/** Each control of the framework judged from an audit report (findings and suppressed findings, in full). Pure. */
export function evaluateCompliance(
  framework: Framework,
  report: AuditReport,
  coverage: EstateCoverage,
  config: WardenConfig,
): ComplianceReport {
  const results = framework.controls.map((control): ControlResult => {
    const findings = report.findings.filter((f) => concerns(control, f));
    const accepted = (report.suppressed ?? []).filter((f) => concerns(control, f));
    const applicable = applies(control, report, coverage);
    const gaps = applicable ? gapsOf(control, report, coverage, config) : [];
    return {
      control: control.id,
      title: control.title,
      state: stateOf(applicable, findings, accepted, gaps),
      checks: control.checks,
      providers: control.providers,
      ...(control.source ? { source: control.source } : {}),
      findings,
      accepted,
      gaps,
    };
  });
  const summary = Object.fromEntries(CONTROL_STATES.map((s) => [s, 0])) as Record<ControlState, number>;
  for (const result of results) summary[result.state]++;
  const { id, title, version, source } = framework;
  return { framework: { id, title, version, source }, results, summary, partial: report.summary.partial };
}
