import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshots } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { OCSF_VERSION, renderOcsf } from '../src/report/ocsf.ts';
import { ROOT, runWarden } from './support/cli.ts';

// Every OCSF event Warden emits carries what OCSF requires of a Detection Finding at the version it
// names (test/data/ocsf-detection-finding-required.json: our list, with the schema files it was read from).

interface Required {
  version: string;
  class: {
    class_uid: number;
    category_uid: number;
    activity_id: Record<string, string>;
    severity_id: Record<string, string>;
    status_id: Record<string, string>;
  };
  required: Record<string, Record<string, string>>;
  'sibling captions': Record<string, string>;
}

const REQUIRED = JSON.parse(
  await readFile(join(ROOT, 'test/data/ocsf-detection-finding-required.json'), 'utf8'),
) as Required;

function typeProblem(value: unknown, type: string): string | undefined {
  const ok =
    type === 'integer'
      ? Number.isInteger(value)
      : type === 'timestamp'
        ? Number.isInteger(value) && (value as number) > 0
        : type === 'string'
          ? typeof value === 'string' && value !== ''
          : type === 'string[]'
            ? Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')
            : typeof value === 'object' && value !== null && !Array.isArray(value);
  return ok ? undefined : `is ${JSON.stringify(value)}, not a ${type}`;
}

function missing(object: Record<string, unknown>, attributes: Record<string, string>, path: string): string[] {
  return Object.entries(attributes).flatMap(([name, type]) => {
    if (!(name in object)) return [`${path}${name} is missing`];
    const problem = typeProblem(object[name], type);
    return problem ? [`${path}${name} ${problem}`] : [];
  });
}

/** Everything a Detection Finding event lacks or gets wrong against the required list; [] when none. */
export function ocsfProblems(event: Record<string, unknown>): string[] {
  const { class: cls } = REQUIRED;
  type Attributes = Record<string, unknown>;
  /** The required attributes of `section` on `object` (when there is one: an absent optional object is not checked). */
  const check = (section: string, object: unknown, path: string): string[] =>
    object === undefined
      ? []
      : missing(object as Attributes, REQUIRED.required[section] as Record<string, string>, path);
  const metadata = (event['metadata'] ?? {}) as Attributes;
  const info = (event['finding_info'] ?? {}) as Attributes;
  const problems = [
    ...check('event', event, ''),
    ...check('metadata', metadata, 'metadata.'),
    ...check('product', metadata['product'] ?? {}, 'metadata.product.'),
    ...check('finding_info', info, 'finding_info.'),
    ...check('analytic', info['analytic'], 'finding_info.analytic.'),
    ...check('remediation', event['remediation'], 'remediation.'),
  ];
  if (metadata['version'] !== REQUIRED.version) problems.push(`metadata.version is not ${REQUIRED.version}`);
  if ((metadata['profiles'] as string[] | undefined)?.includes('cloud'))
    problems.push(
      ...check('event with the cloud profile', event, ''),
      ...check('cloud', event['cloud'] ?? {}, 'cloud.'),
    );
  const compliance = ((event['unmapped'] as Attributes | undefined)?.['compliance'] ?? []) as Attributes[];
  compliance.forEach((c, i) => problems.push(...check('compliance', c, `unmapped.compliance[${i}].`)));
  if (event['class_uid'] !== cls.class_uid) problems.push(`class_uid is not ${cls.class_uid}`);
  if (event['category_uid'] !== cls.category_uid) problems.push(`category_uid is not ${cls.category_uid}`);
  const activity = event['activity_id'] as number;
  if (event['type_uid'] !== cls.class_uid * 100 + activity)
    problems.push('type_uid is not class_uid * 100 + activity_id');
  for (const [caption, id] of Object.entries(REQUIRED['sibling captions'])) {
    const enumeration = cls[id as 'activity_id' | 'severity_id' | 'status_id'];
    const value = event[id];
    if (value === undefined) continue;
    if (!(String(value) in enumeration)) problems.push(`${id} ${String(value)} is not in the enumeration`);
    else if (event[caption] !== undefined && event[caption] !== enumeration[String(value)])
      problems.push(`${caption} is not the caption of ${id} ${String(value)}`);
  }
  return problems;
}

const NOW = new Date('2026-12-06T08:00:00Z');
const CONTEXT = { toolVersion: '1.2.3', generatedAt: NOW.toISOString() };

async function examplesReport(): Promise<AuditReport> {
  return auditEstate(await loadSnapshots(join(ROOT, 'examples')), defaultConfig());
}

describe('OCSF Detection Finding output', () => {
  it('emits one event per finding, one per line, each with every attribute OCSF requires at the version it names', async () => {
    const report = await examplesReport();
    const text = renderOcsf(report, CONTEXT);
    const lines = text.trimEnd().split('\n');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines).toHaveLength(report.findings.length);
    expect(report.findings.length).toBeGreaterThan(10);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const event of events) expect(ocsfProblems(event), JSON.stringify(event).slice(0, 200)).toEqual([]);
    expect(OCSF_VERSION).toBe(REQUIRED.version);
    // The fingerprint is the finding's uid; each cloud, severity and remediation is there.
    expect(events.map((e) => (e['finding_info'] as { uid: string }).uid)).toEqual(
      report.findings.map((f) => f.fingerprint),
    );
    expect(new Set(events.map((e) => (e['cloud'] as { provider: string }).provider))).toEqual(
      new Set(['AWS', 'Alibaba Cloud', 'Huawei Cloud', 'Open Telekom Cloud']),
    );
    expect(new Set(events.map((e) => e['severity_id']))).toContain(5);
    expect(events.every((e) => typeof (e['remediation'] as { desc?: string } | undefined)?.desc === 'string')).toBe(
      true,
    );
  });

  it('names the group, account and region of each finding as its resource, and its interfaces where known', async () => {
    const report = await examplesReport();
    const finding = report.findings.find((f) => f.provider === 'aws' && f.check === 'internet-admin-port');
    expect(finding).toBeDefined();
    const [event] = renderOcsf({ ...report, findings: [finding!], suppressed: [] }, CONTEXT)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(event?.['cloud']).toEqual({ provider: 'AWS', region: finding!.region, account: { uid: finding!.account } });
    const [group] = event?.['resources'] as Record<string, unknown>[];
    expect(group).toMatchObject({
      uid: finding!.groupId,
      type: 'Security Group',
      region: finding!.region,
      cloud_partition: 'aws',
      data: { account: finding!.account, subject: finding!.subject },
    });
    expect(event?.['time']).toBe(NOW.getTime());
  });

  it('a validator that misses a required attribute or a wrong enum id is caught (the check itself is not vacuous)', () => {
    expect(ocsfProblems({})).toContain('finding_info is missing');
    expect(
      ocsfProblems({
        activity_id: 1,
        category_uid: 2,
        class_uid: 2004,
        type_uid: 200402,
        severity_id: 7,
        time: 1,
        metadata: { version: REQUIRED.version, product: { vendor_name: 'x' } },
        finding_info: { uid: 'u', title: 't' },
      }),
    ).toEqual(['type_uid is not class_uid * 100 + activity_id', 'severity_id 7 is not in the enumeration']);
  });
});

describe('warden audit --format ocsf', () => {
  it('prints one Detection Finding per line on stdout, each valid against the required list, and nothing on stderr', async () => {
    const result = await runWarden(['audit', '--format', 'ocsf']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    const report = await examplesReport();
    expect(lines).toHaveLength(report.findings.length);
    for (const line of lines) expect(ocsfProblems(JSON.parse(line) as Record<string, unknown>)).toEqual([]);
  });
});
