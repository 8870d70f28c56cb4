import type { AuditReport } from '../analysis/audit.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import type { CheckMeta } from '../analysis/check.ts';
import type { SuppressedFinding } from '../analysis/suppressions.ts';
import { atOrAbove } from '../model/severity.ts';
import type { Finding, Severity } from '../model/types.ts';
import { fileOf } from './context.ts';
import type { RenderContext } from './context.ts';

// SARIF 2.1.0 (OASIS), as GitHub code scanning reads it: one rule per check, one result per finding.

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';

/**
 * GitHub ranks security alerts by the rule's `security-severity` (over 9.0 critical, 7.0–8.9 high,
 * 4.0–6.9 medium, 0.1–3.9 low); an info check has none and is shown by its level (note).
 */
export const SECURITY_SEVERITY: Record<Severity, string | undefined> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  info: undefined,
};

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** The version of the fingerprint scheme in `partialFingerprints`: a new scheme gets a new key. */
export const FINGERPRINT_KEY = 'wardenFingerprint/v1';

/** The first public URL a check's source cites (`<https://…>`), for the rule's help link. */
function sourceUrl(meta: CheckMeta): string | undefined {
  return /<(https:\/\/[^>\s]+)>/.exec(meta.source)?.[1];
}

/** The most severe of `severities`, or undefined for none. */
function mostSevere(severities: Iterable<Severity>): Severity | undefined {
  let worst: Severity | undefined;
  for (const s of severities) if (worst === undefined || !atOrAbove(worst, s)) worst = s;
  return worst;
}

function rule(meta: CheckMeta, findings: readonly Finding[]) {
  // A config can raise or lower a check's severity: the rule ranks as its most severe result here.
  const severity = mostSevere(findings.map((f) => f.severity)) ?? meta.severity;
  const providers = [...new Set(findings.map((f) => f.provider))].sort();
  const url = sourceUrl(meta);
  const securitySeverity = SECURITY_SEVERITY[severity];
  return {
    id: meta.id,
    name: meta.id
      .split('-')
      .map((word) => word[0]?.toUpperCase() + word.slice(1))
      .join(''),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.rationale },
    help: {
      text: `${meta.remediation}\n\nSource: ${meta.source}`,
      markdown: `**How to fix:** ${meta.remediation}\n\n**Source:** ${meta.source}`,
    },
    ...(url === undefined ? {} : { helpUri: url }),
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      tags: ['security', ...providers],
      ...(securitySeverity === undefined ? {} : { 'security-severity': securitySeverity }),
      precision: 'high',
    },
  };
}

/** `provider/account/region/group[/rule]`, with `-` for an unknown account or region. */
function qualifiedName(finding: Finding, ...rest: string[]): string {
  return [finding.provider, finding.account || '-', finding.region || '-', finding.groupId || '-', ...rest].join('/');
}

function result(finding: Finding, ruleIndex: Map<string, number>, context: RenderContext) {
  const file = fileOf(finding, context);
  const group = qualifiedName(finding);
  const suppression = (finding as Partial<SuppressedFinding>).suppression;
  return {
    ruleId: finding.check,
    ruleIndex: ruleIndex.get(finding.check) ?? -1,
    level: LEVEL[finding.severity],
    message: { text: `${finding.title}. ${finding.detail}` },
    locations: [
      {
        ...(file
          ? {
              physicalLocation: {
                artifactLocation: { uri: file.uri },
                region: { startLine: file.startLine },
              },
            }
          : {}),
        logicalLocations: [
          {
            name: finding.groupName || finding.groupId,
            fullyQualifiedName: group,
            kind: 'resource',
          },
          ...finding.ruleIds.map((id) => ({ name: id, fullyQualifiedName: `${group}/${id}`, kind: 'resource' })),
        ],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(suppression
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: `${suppression.reason} (${suppression.entry}, until ${suppression.expires})`,
            },
          ],
        }
      : {}),
    properties: {
      severity: finding.severity,
      provider: finding.provider,
      account: finding.account,
      region: finding.region,
      groupId: finding.groupId,
      groupName: finding.groupName,
      subject: finding.subject,
      fingerprint: finding.fingerprint,
    },
  };
}

/** The report as a SARIF 2.1.0 log: every check a rule, every finding (suppressed ones too, marked so) a result. */
export function sarifLog(report: AuditReport, context: RenderContext) {
  const all: Finding[] = [...report.findings, ...(report.suppressed ?? [])];
  const byCheck = new Map<string, Finding[]>();
  for (const finding of all) byCheck.set(finding.check, [...(byCheck.get(finding.check) ?? []), finding]);
  const ruleIndex = new Map(CATALOG.map((meta, i) => [meta.id, i]));
  const scanErrors = report.summary.scanErrors;
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'Warden',
            version: context.toolVersion,
            semanticVersion: context.toolVersion,
            rules: CATALOG.map((meta) => rule(meta, byCheck.get(meta.id) ?? [])),
          },
        },
        // A scope that was not read is not clean: the run says so, one notification per scope.
        invocations: [
          {
            executionSuccessful: !report.summary.partial,
            endTimeUtc: context.generatedAt,
            toolExecutionNotifications: scanErrors.map((error) => ({
              level: 'error',
              message: {
                text: `${error.provider} ${error.account || '-'} ${error.region || '-'} not read: ${error.message}`,
              },
            })),
          },
        ],
        results: all.map((finding) => result(finding, ruleIndex, context)),
        properties: { summary: report.summary },
      },
    ],
  };
}

export function renderSarif(report: AuditReport, context: RenderContext): string {
  return `${JSON.stringify(sarifLog(report, context), null, 1)}\n`;
}
