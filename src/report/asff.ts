import type { AuditReport } from '../analysis/audit.ts';
import { plural } from '../analysis/describe.ts';
import type { Finding, Severity } from '../model/types.ts';
import type { RenderContext } from './context.ts';
import { checkMetaOf, findingControls, findingGroups } from './finding-facts.ts';

// AWS Security Finding Format (ASFF, SchemaVersion 2018-10-08) for the AWS findings of a report,
// as Security Hub's BatchImportFindings takes them from a finding provider that imports into its
// own account with the default product ARN. The Id is the stable fingerprint, so a re-import updates
// the finding instead of adding one; severity and types go in FindingProviderFields (the fields a
// provider updates); Workflow, Note, UserDefinedFields and VerificationState are the customer's and
// never set. Findings of other clouds, and AWS findings without an account id or region, are skipped
// (counted, with why).

export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** Documented limits of AwsSecurityFinding fields. */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendation: 512,
  resources: 32,
  relatedRequirements: 32,
  productFieldValue: 2048,
} as const;

const SEVERITY_LABEL: Record<Severity, string> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

export type RecordState = 'ACTIVE' | 'ARCHIVED';

export interface AsffResource {
  Type: string;
  Id: string;
  Partition: string;
  Region: string;
  Details?: Record<string, unknown>;
}

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Title: string;
  Description: string;
  FindingProviderFields: { Severity: { Label: string; Original: string }; Types: string[] };
  Resources: AsffResource[];
  Region: string;
  RecordState: RecordState;
  ProductName: string;
  CompanyName: string;
  Compliance?: { Status: 'FAILED'; RelatedRequirements: string[] };
  Remediation?: { Recommendation: { Text: string } };
  ProductFields: Record<string, string>;
}

export interface AsffContext extends Pick<RenderContext, 'toolVersion' | 'generatedAt'> {
  /** When each finding (by ASFF Id) was first imported, so a re-import keeps its CreatedAt. */
  createdAt?: ReadonlyMap<string, string>;
}

export interface AsffSkip {
  reason: string;
  count: number;
}

export interface AsffDocument {
  findings: AsffFinding[];
  /** Findings not rendered, by reason (other clouds; AWS findings without an account id or region). */
  skipped: AsffSkip[];
}

/** The partition of an AWS region (`cn-north-1` → `aws-cn`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The default product ARN: findings a provider imports into its own account. */
export function productArn(region: string, account: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${account}:product/${account}/default`;
}

export function asffId(fingerprint: string): string {
  return `warden/${fingerprint}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function resources(finding: Finding): AsffResource[] {
  const partition = partitionOf(finding.region);
  const arn = (kind: string, id: string) => `arn:${partition}:ec2:${finding.region}:${finding.account}:${kind}/${id}`;
  const place = { Partition: partition, Region: finding.region };
  const groups = findingGroups(finding).map((group): AsffResource => ({
    Type: 'AwsEc2SecurityGroup',
    Id: arn('security-group', group.id),
    ...place,
    Details: { AwsEc2SecurityGroup: { GroupId: group.id, ...(group.name ? { GroupName: group.name } : {}) } },
  }));
  const interfaces = (finding.reach?.sample ?? []).map((reached): AsffResource => ({
    Type: 'AwsEc2NetworkInterface',
    Id: arn('network-interface', reached.interface),
    ...place,
    Details: {
      AwsEc2NetworkInterface: {
        NetworkInterfaceId: reached.interface,
        ...(reached.publicAddresses.length ? { IpV4Addresses: reached.publicAddresses.filter(isIpv4) } : {}),
      },
    },
  }));
  return [...groups, ...interfaces].slice(0, ASFF_LIMITS.resources);
}

function isIpv4(address: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(address);
}

const ACCOUNT_ID = /^\d{12}$/;

/** Why an AWS finding cannot be an ASFF finding, or undefined when it can. */
function unrenderable(finding: Finding): string | undefined {
  if (finding.provider !== 'aws') return 'not AWS findings (ASFF and Security Hub take AWS findings only)';
  if (!ACCOUNT_ID.test(finding.account)) return 'AWS findings without a 12-digit account id';
  if (finding.region === '') return 'AWS findings without a region';
  return undefined;
}

/** One ASFF finding for an AWS finding (the caller has checked it has an account id and a region). */
export function asffFinding(finding: Finding, context: AsffContext, state: RecordState = 'ACTIVE'): AsffFinding {
  const meta = checkMetaOf(finding);
  const id = asffId(finding.fingerprint);
  const types = [`Software and Configuration Checks/AWS Security Best Practices/${finding.check}`];
  const controls = findingControls(finding);
  const now = context.generatedAt;
  const suppression = 'suppression' in finding ? (finding as Finding & { suppression: { reason: string } }) : undefined;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: id,
    ProductArn: productArn(finding.region, finding.account),
    GeneratorId: `warden/${finding.check}`,
    AwsAccountId: finding.account,
    Types: types,
    CreatedAt: context.createdAt?.get(id) ?? now,
    UpdatedAt: now,
    Title: clip(finding.title, ASFF_LIMITS.title),
    Description: clip(finding.detail || finding.title, ASFF_LIMITS.description),
    FindingProviderFields: {
      Severity: { Label: SEVERITY_LABEL[finding.severity], Original: finding.severity },
      Types: types,
    },
    Resources: resources(finding),
    Region: finding.region,
    RecordState: state,
    ProductName: 'Warden',
    CompanyName: 'Warden',
    ...(controls.length
      ? {
          Compliance: {
            Status: 'FAILED' as const,
            RelatedRequirements: controls
              .map((ref) => `${ref.framework} ${ref.version}/${ref.control}`)
              .slice(0, ASFF_LIMITS.relatedRequirements),
          },
        }
      : {}),
    ...(meta ? { Remediation: { Recommendation: { Text: clip(meta.remediation, ASFF_LIMITS.recommendation) } } } : {}),
    ProductFields: {
      'warden/check': finding.check,
      'warden/provider': finding.provider,
      'warden/fingerprint': finding.fingerprint,
      'warden/subject': clip(finding.subject, ASFF_LIMITS.productFieldValue),
      ...(finding.ruleIds.length
        ? { 'warden/ruleIds': clip(finding.ruleIds.join(','), ASFF_LIMITS.productFieldValue) }
        : {}),
      ...(suppression
        ? { 'warden/suppressed': clip(suppression.suppression.reason, ASFF_LIMITS.productFieldValue) }
        : {}),
      'warden/version': context.toolVersion,
    },
  };
}

/** The report's AWS findings (open, then suppressed: still there) as ASFF, and what was skipped. */
export function asffDocument(report: AuditReport, context: AsffContext): AsffDocument {
  const findings: AsffFinding[] = [];
  const skipped = new Map<string, number>();
  for (const finding of [...report.findings, ...(report.suppressed ?? [])]) {
    const reason = unrenderable(finding);
    if (reason) skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
    else findings.push(asffFinding(finding, context));
  }
  return { findings, skipped: [...skipped].map(([reason, count]) => ({ reason, count })) };
}

/** One line per reason findings were skipped, for stderr: `skipped 12 findings: not AWS findings (…)`. */
export function skippedLines(skipped: readonly AsffSkip[]): string[] {
  return skipped.map(({ reason, count }) => `skipped ${plural(count, 'finding')}: ${reason}`);
}

/** The ASFF findings as one JSON document (`{ "Findings": [...] }`, the shape BatchImportFindings and `aws securityhub batch-import-findings --cli-input-json` take). */
export function renderAsff(report: AuditReport, context: AsffContext): string {
  return `${JSON.stringify({ Findings: asffDocument(report, context).findings }, null, 2)}\n`;
}

/** What `--format asff` leaves out, as stderr lines (`asff: skipped 12 findings: not AWS findings (…)`). */
export function asffSkippedNotes(report: AuditReport, context: AsffContext): string[] {
  return skippedLines(asffDocument(report, context).skipped).map((line) => `asff: ${line}`);
}
