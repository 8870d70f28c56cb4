import type { AuditReport } from '../analysis/audit.ts';
import type { SuppressedFinding } from '../analysis/suppressions.ts';
import type { Finding, Provider, Severity } from '../model/types.ts';
import type { RenderContext } from './context.ts';
import { checkMetaOf, findingControls, findingGroups } from './finding-facts.ts';

// OCSF Detection Finding events (class 2004, category 2 Findings), one per finding, as the OCSF
// schema defines them at OCSF_VERSION: the required attributes of base_event, finding and
// detection_finding (test/data/ocsf-detection-finding-required.json lists them, with the schema
// files they come from), with the cloud profile (provider, account, region), the affected groups
// and interfaces as resources, the check's remediation and the compliance controls it evidences.

export const OCSF_VERSION = '1.3.0';

const CLASS_UID = 2004;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

/** OCSF severity_id: 1 Informational … 5 Critical. */
export const OCSF_SEVERITY: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

/** Finding status_id: 1 New (an open finding), 3 Suppressed (accepted by the config, still there). */
const STATUS = { open: { id: 1, name: 'New' }, suppressed: { id: 3, name: 'Suppressed' } } as const;

/** cloud.provider as the providers name themselves. */
const CLOUD_NAME: Record<Provider, string> = {
  aws: 'AWS',
  alibaba: 'Alibaba Cloud',
  huawei: 'Huawei Cloud',
  otc: 'Open Telekom Cloud',
};

export type OcsfEvent = Record<string, unknown>;

function resources(finding: Finding): Record<string, unknown>[] {
  const place = {
    region: finding.region,
    ...(finding.provider === 'aws' ? { cloud_partition: 'aws' } : {}),
  };
  const groups = findingGroups(finding).map((group) => ({
    uid: group.id,
    ...(group.name ? { name: group.name } : {}),
    type: 'Security Group',
    ...place,
    data: { account: finding.account, subject: finding.subject, rule_ids: finding.ruleIds },
  }));
  const interfaces = (finding.reach?.sample ?? []).map((reached) => ({
    uid: reached.interface,
    type: 'Network Interface',
    ...place,
    data: {
      account: finding.account,
      ...(reached.instance ? { instance: reached.instance } : {}),
      public_addresses: reached.publicAddresses,
    },
  }));
  return [...groups, ...interfaces];
}

/** OCSF Compliance objects (standards, control, requirements) for the controls the finding evidences. */
function compliance(finding: Finding): Record<string, unknown>[] {
  return findingControls(finding).map((ref) => ({
    standards: [`${ref.framework} ${ref.version}`],
    control: ref.control,
    requirements: [ref.title],
  }));
}

function isSuppressed(finding: Finding): finding is SuppressedFinding {
  return 'suppression' in finding;
}

/** One Detection Finding event for a finding. */
export function ocsfEvent(finding: Finding, context: RenderContext): OcsfEvent {
  const meta = checkMetaOf(finding);
  const severity = OCSF_SEVERITY[finding.severity];
  const status = isSuppressed(finding) ? STATUS.suppressed : STATUS.open;
  const controls = compliance(finding);
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Detection Finding',
    type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Detection Finding: Create',
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    time: Date.parse(context.generatedAt),
    message: finding.title,
    metadata: {
      version: OCSF_VERSION,
      profiles: ['cloud'],
      event_code: finding.check,
      product: {
        name: 'Warden',
        vendor_name: 'Warden',
        version: context.toolVersion,
      },
    },
    cloud: {
      provider: CLOUD_NAME[finding.provider],
      region: finding.region,
      account: { uid: finding.account },
    },
    finding_info: {
      uid: finding.fingerprint,
      title: finding.title,
      desc: finding.detail,
      types: [finding.check],
      analytic: { uid: finding.check, name: meta?.title ?? finding.check, type_id: 1, type: 'Rule' },
    },
    resources: resources(finding),
    ...(meta ? { remediation: { desc: meta.remediation } } : {}),
    ...(isSuppressed(finding)
      ? {
          comment: `suppressed by ${finding.suppression.entry}: ${finding.suppression.reason} (until ${finding.suppression.expires})`,
        }
      : {}),
    // Detection Finding has no compliance attribute at this version (Compliance Finding has): the
    // controls are carried, as OCSF Compliance objects, in `unmapped`.
    ...(controls.length ? { unmapped: { compliance: controls } } : {}),
  };
}

/** Every finding of the report (open, then the config's suppressed ones), as Detection Finding events. */
export function ocsfEvents(report: AuditReport, context: RenderContext): OcsfEvent[] {
  return [...report.findings, ...(report.suppressed ?? [])].map((finding) => ocsfEvent(finding, context));
}

/** Newline-delimited JSON: one event per line, as Splunk and the Parquet converters for Security Lake read it. */
export function renderOcsf(report: AuditReport, context: RenderContext): string {
  return ocsfEvents(report, context)
    .map((event) => `${JSON.stringify(event)}\n`)
    .join('');
}
