import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CATALOG } from '../src/analysis/checks/index.ts';
import { FINGERPRINT_KEY, SECURITY_SEVERITY, sarifLog } from '../src/report/sarif.ts';
import { sarifSchemaErrors } from '../scripts/validate-sarif.ts';
import { ROOT, runWarden } from './support/cli.ts';
import { createVpc, motoClientConfig, motoEnv, seedSecurityGroup, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Issue 15 §1: `warden audit --format sarif` is a SARIF 2.1.0 log valid against the published
// schema, ranked the way GitHub code scanning ranks security alerts, pointing at the snapshot file
// (each group's own line) or, for a live audit, at the config file.

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number } };
    logicalLocations: { fullyQualifiedName: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: string; status: string; justification: string }[];
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        rules: { id: string; helpUri?: string; properties: { tags: string[]; 'security-severity'?: string } }[];
      };
    };
    results: SarifResult[];
  }[];
}

const LEVEL = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' } as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-sarif-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the SARIF log of the examples estate', () => {
  let log: SarifLog;
  let report: AuditReport;
  beforeAll(async () => {
    const [sarif, json] = await Promise.all([
      runWarden(['audit', '--format', 'sarif']),
      runWarden(['audit', '--format', 'json']),
    ]);
    expect(sarif.code, sarif.stderr).toBe(0);
    log = JSON.parse(sarif.stdout) as SarifLog;
    report = JSON.parse(json.stdout) as AuditReport;
  });

  it('is valid against the SARIF 2.1.0 schema', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarifSchemaErrors(log)).toEqual([]);
  });

  it('has one rule per check, ranked with security-severity in GitHub ranges and tagged security', () => {
    const rules = log.runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual(CATALOG.map((meta) => meta.id));
    for (const rule of rules) {
      expect(rule.properties.tags[0]).toBe('security');
      const score = rule.properties['security-severity'];
      if (score !== undefined) expect(Number(score)).toBeGreaterThanOrEqual(0.1);
    }
    const admin = rules.find((r) => r.id === 'internet-admin-port');
    expect(Number(admin?.properties['security-severity'])).toBeGreaterThanOrEqual(9.0);
    expect(admin?.properties.tags).toEqual(expect.arrayContaining(['aws', 'huawei']));
    expect(admin?.helpUri).toMatch(/^https:\/\//);
  });

  it('has one result per finding, with its level, rule, logical location and the stable fingerprint', () => {
    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(report.findings.length);
    const rules = log.runs[0]?.tool.driver.rules ?? [];
    report.findings.forEach((finding, i) => {
      const result = results[i] as SarifResult;
      expect(result.ruleId).toBe(finding.check);
      expect(rules[result.ruleIndex]?.id).toBe(finding.check);
      expect(result.level).toBe(LEVEL[finding.severity]);
      expect(result.partialFingerprints).toEqual({ [FINGERPRINT_KEY]: finding.fingerprint });
      const [group, ...ruleLocations] = result.locations[0]?.logicalLocations ?? [];
      expect(group?.fullyQualifiedName).toBe(
        `${finding.provider}/${finding.account || '-'}/${finding.region || '-'}/${finding.groupId}`,
      );
      expect(ruleLocations.map((l) => l.fullyQualifiedName)).toEqual(
        finding.ruleIds.map((id) => `${group?.fullyQualifiedName}/${id}`),
      );
    });
  });

  it("points each result at its group's snapshot file, relative to the working directory, on the line naming the group", async () => {
    const texts = new Map<string, string[]>();
    for (const [i, result] of (log.runs[0]?.results ?? []).entries()) {
      const place = result.locations[0]?.physicalLocation;
      expect(place?.artifactLocation.uri).toMatch(/^examples\/[a-z0-9-]+\.json$/);
      const uri = place?.artifactLocation.uri as string;
      if (!texts.has(uri)) texts.set(uri, (await readFile(join(ROOT, uri), 'utf8')).split('\n'));
      const groupId = (report.findings[i]?.groupId as string).split('+')[0] as string;
      expect(texts.get(uri)?.[(place?.region.startLine as number) - 1]).toContain(JSON.stringify(groupId));
    }
  });
});

it("GitHub's security-severity ranges: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9", () => {
  expect(Number(SECURITY_SEVERITY.critical)).toBeGreaterThanOrEqual(9);
  expect(Number(SECURITY_SEVERITY.high)).toBeGreaterThanOrEqual(7);
  expect(Number(SECURITY_SEVERITY.high)).toBeLessThan(9);
  expect(Number(SECURITY_SEVERITY.medium)).toBeGreaterThanOrEqual(4);
  expect(Number(SECURITY_SEVERITY.medium)).toBeLessThan(7);
  expect(Number(SECURITY_SEVERITY.low)).toBeGreaterThanOrEqual(0.1);
  expect(Number(SECURITY_SEVERITY.low)).toBeLessThan(4);
});

it('a suppressed finding is a result with an accepted external suppression; the uri is relative to the working directory', async () => {
  await copyFile(join(ROOT, 'examples/aws-eu-west-1.json'), join(dir, 'aws.json'));
  const before = JSON.parse(
    (await runWarden(['audit', '--source', 'aws.json', '--format', 'json'], { cwd: dir })).stdout,
  ) as AuditReport;
  const ssh = before.findings.find((f) => f.check === 'internet-admin-port');
  expect(ssh).toBeDefined();
  await writeFile(
    join(dir, 'warden.yaml'),
    `suppressions:\n  - { fingerprint: "${ssh?.fingerprint}", reason: "bastion until the VPN is up", expires: "2099-12-31" }\n`,
  );
  const run = await runWarden(['audit', '--source', 'aws.json', '--format', 'sarif'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  const log = JSON.parse(run.stdout) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  const results = log.runs[0]?.results ?? [];
  expect(results).toHaveLength(before.findings.length);
  const suppressed = results.filter((r) => r.suppressions);
  expect(suppressed.map((r) => r.partialFingerprints[FINGERPRINT_KEY])).toEqual([ssh?.fingerprint]);
  expect(suppressed[0]?.suppressions).toEqual([
    { kind: 'external', status: 'accepted', justification: expect.stringContaining('bastion until the VPN is up') },
  ]);
  expect(new Set(results.map((r) => r.locations[0]?.physicalLocation?.artifactLocation.uri))).toEqual(
    new Set(['aws.json']),
  );
});

it('a snapshot on standard input has no file to point at: results carry logical locations only, and stay valid', async () => {
  const input = await readFile(join(ROOT, 'examples/aws-eu-west-1.json'));
  const run = await runWarden(['audit', '--source', '-', '--format', 'sarif'], { input });
  const log = JSON.parse(run.stdout) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0]?.results.every((r) => r.locations[0]?.physicalLocation === undefined)).toBe(true);
});

describe('a live audit on moto_server', () => {
  let moto: Moto;
  let groupId: string;
  const REGION = 'eu-west-1';
  beforeAll(async () => {
    moto = await startMoto();
    const ec2 = new EC2Client(motoClientConfig(moto.endpoint, REGION));
    const vpc = await createVpc(ec2, '10.30.0.0/16');
    groupId = await seedSecurityGroup(ec2, vpc, 'jump', [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    ec2.destroy();
    await writeFile(join(dir, 'live.yaml'), `providers:\n  aws:\n    regions: [${REGION}]\n`);
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('points results at the config file, and is valid SARIF', async () => {
    const run = await runWarden(['audit', '--provider', 'aws', '--config', 'live.yaml', '--format', 'sarif'], {
      cwd: dir,
      env: motoEnv(moto.endpoint, REGION),
    });
    expect(run.code, run.stderr).toBe(0);
    const log = JSON.parse(run.stdout) as SarifLog;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const ssh = log.runs[0]?.results.find(
      (r) =>
        r.ruleId === 'internet-admin-port' &&
        r.locations[0]?.logicalLocations[0]?.fullyQualifiedName.endsWith(`/${groupId}`),
    );
    expect(ssh?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'live.yaml' },
      region: { startLine: 1 },
    });
  });
});

it('a partial audit: each scope not read is an error notification, and the run is not executionSuccessful', () => {
  const report: AuditReport = {
    findings: [],
    summary: {
      groups: 0,
      rules: 0,
      findings: 0,
      bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
      byProvider: {},
      byCheck: {},
      scanErrors: [
        {
          provider: 'aws',
          account: '123456789012',
          region: 'eu-west-1',
          origin: 'DescribeSecurityGroups',
          message: 'AccessDenied',
        },
      ],
      partial: true,
    },
  };
  const log = sarifLog(report, { toolVersion: '0.1.0', generatedAt: '2026-01-02T03:04:05.000Z' });
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0]?.invocations).toEqual([
    {
      executionSuccessful: false,
      endTimeUtc: '2026-01-02T03:04:05.000Z',
      toolExecutionNotifications: [
        { level: 'error', message: { text: 'aws 123456789012 eu-west-1 not read: AccessDenied' } },
      ],
    },
  ]);
});
