import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshots } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { ASFF_LIMITS, asffDocument } from '../src/report/asff.ts';
import type { AsffFinding } from '../src/report/asff.ts';
import { batchesOf, findingBytes, fitFinding } from '../src/report/asff-batches.ts';
import { ROOT, runWarden } from './support/cli.ts';
import { ASFF_REQUIRED } from './support/fake-security-hub.ts';

// ASFF as the Security Hub documents it (required top-level attributes, field limits, severity in
// FindingProviderFields, the default product ARN), for AWS findings only.

const REQUIRED = [...ASFF_REQUIRED, 'Types'] as const;
const LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function asffProblems(f: AsffFinding): string[] {
  const problems = REQUIRED.filter((name) => f[name] === undefined || f[name] === '').map((n) => `${n} missing`);
  if (f.SchemaVersion !== '2018-10-08') problems.push('SchemaVersion');
  if (!/^\d{12}$/.test(f.AwsAccountId)) problems.push('AwsAccountId');
  if (f.ProductArn !== `arn:aws:securityhub:${f.Region}:${f.AwsAccountId}:product/${f.AwsAccountId}/default`)
    problems.push('ProductArn');
  if (!ISO.test(f.CreatedAt) || !ISO.test(f.UpdatedAt)) problems.push('CreatedAt/UpdatedAt');
  if (f.Title.length > ASFF_LIMITS.title) problems.push('Title over 256');
  if (f.Description.length > ASFF_LIMITS.description) problems.push('Description over 1024');
  if (!LABELS.includes(f.FindingProviderFields.Severity.Label)) problems.push('Severity label');
  if ('Severity' in f) problems.push('top-level Severity (FindingProviderFields carries it)');
  for (const name of ['Workflow', 'Note', 'UserDefinedFields', 'VerificationState'])
    if (name in f) problems.push(`${name} is the customer's`);
  if (f.Resources.length === 0 || f.Resources.length > 32) problems.push('Resources count');
  if (f.Resources[0]?.Type !== 'AwsEc2SecurityGroup') problems.push('first resource is not the group');
  for (const type of f.Types) if (type.split('/').length !== 3) problems.push(`Types ${type}`);
  if ((f.Remediation?.Recommendation.Text.length ?? 0) > ASFF_LIMITS.recommendation) problems.push('Recommendation');
  return problems;
}

describe('warden audit --format asff', () => {
  it("prints the AWS findings as ASFF and says on stderr how many other clouds' findings it skipped", async () => {
    const result = await runWarden(['audit', '--format', 'asff']);
    expect(result.code, result.stderr).toBe(0);
    const report = auditEstate(await loadSnapshots(join(ROOT, 'examples')), defaultConfig());
    const aws = report.findings.filter((f) => f.provider === 'aws');
    expect(result.stderr).toBe(
      `warden: asff: skipped ${report.findings.length - aws.length} findings: not AWS findings (ASFF and Security Hub take AWS findings only)\n`,
    );
    const { Findings } = JSON.parse(result.stdout) as { Findings: AsffFinding[] };
    expect(Findings.map((f) => f.Id)).toEqual(aws.map((f) => `warden/${f.fingerprint}`));
    for (const f of Findings) expect(asffProblems(f), f.Id).toEqual([]);
    const admin = Findings.find((f) => f.GeneratorId === 'warden/internet-admin-port');
    // Only the controls about its port and address family: SSH over IPv4 is EC2.13 and EC2.53 (and CIS
    // 5.3), never the RDP control EC2.14 or the ::/0 ones (EC2.54, CIS 5.4).
    expect(admin?.Title).toMatch(/Port 22 /);
    expect(admin?.Compliance?.RelatedRequirements).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/EC2\.13$/), expect.stringMatching(/\/EC2\.53$/)]),
    );
    for (const wrong of [/\/EC2\.14$/, /\/EC2\.54$/, /\/5\.4$/])
      expect(admin?.Compliance?.RelatedRequirements.some((r) => wrong.test(r))).toBe(false);
    expect(admin?.Remediation?.Recommendation.Text).toMatch(/\S/);
  });
});

describe('ASFF batches and sizes', () => {
  it('a finding over the size limit is sent without its interface resources, rule ids and compliance references, and says so; one that still does not fit is not sent', async () => {
    const report = auditEstate(await loadSnapshots(join(ROOT, 'examples/aws-eu-west-1.json')), defaultConfig());
    const [first] = asffDocument(report, { toolVersion: 't', generatedAt: '2026-12-06T08:00:00.000Z' }).findings;
    const finding: AsffFinding = {
      ...first!,
      Resources: [
        ...first!.Resources,
        { Type: 'AwsEc2NetworkInterface', Id: 'eni-1', Partition: 'aws', Region: 'eu-west-1' },
      ],
      ProductFields: { ...first!.ProductFields, 'warden/ruleIds': 'r'.repeat(2000) },
      Compliance: { Status: 'FAILED', RelatedRequirements: ['x 1/EC2.1'] },
    };
    const groups = finding.Resources.filter((r) => r.Type === 'AwsEc2SecurityGroup');
    const bare = { ...finding, Resources: groups } as AsffFinding;
    delete (bare as Partial<AsffFinding>).Compliance;
    const { 'warden/ruleIds': _ids, ...fields } = bare.ProductFields;
    bare.ProductFields = fields;
    const fitted = fitFinding(finding, findingBytes(bare));
    const interfaces = finding.Resources.length - groups.length;
    expect(fitted?.trimmed).toEqual([`${interfaces} interface resources`, 'rule ids', 'compliance references']);
    expect(fitted?.finding).toEqual(bare);
    expect(fitFinding(finding, findingBytes(bare) - 1)).toBeUndefined();
    expect(fitFinding(finding)?.trimmed).toEqual([]);
  });

  it('splits into calls of at most 100', () => {
    expect(batchesOf(Array.from({ length: 250 }, (_, i) => i)).map((b) => b.length)).toEqual([100, 100, 50]);
  });
});
