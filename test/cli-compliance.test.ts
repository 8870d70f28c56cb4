import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport, ControlResult } from '../src/analysis/compliance/evaluate.ts';
import type { Framework } from '../src/analysis/compliance/index.ts';
import type { CheckMeta } from '../src/analysis/check.ts';
import type { ControlRef } from '../src/analysis/compliance/index.ts';
import { expectOneLineError, runWarden } from './support/cli.ts';

// `warden audit --compliance <framework>` and `warden compliance` as a user meets them: the bundled
// examples, and a config that disables or accepts (a live audit with an unread scope: cli-live.test.ts).

let dir: string;

function control(report: ComplianceReport, id: string): ControlResult {
  return report.results.find((r) => r.control === id) as ControlResult;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-compliance-'));
  await writeFile(join(dir, 'disabled.yaml'), 'checks:\n  disabled: [internet-admin-port]\n');
  await writeFile(
    join(dir, 'accepted.yaml'),
    'suppressions:\n  - { check: internet-admin-port, group: "aws:launch-wizard-1", reason: "bastion (OPS-7)", expires: "2099-01-01" }\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('warden audit --compliance', () => {
  it('an unknown framework is one line naming it and the known ids, exit 2', async () => {
    const line = expectOneLineError(await runWarden(['audit', '--compliance', 'pci-dss']));
    expect(line).toBe(
      'warden: --compliance "pci-dss" is not a framework Warden knows (known: cis-aws, aws-security-hub, cis-alibaba, huawei-sg, otc-sg) (see `warden audit --help`)',
    );
  });

  it('refuses the options that leave findings out, and formats it has no renderer for', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--compliance', 'cis-aws', '--min-severity', 'high']))).toBe(
      'warden: --compliance judges every finding: it does not take --min-severity, which leaves findings out (see `warden audit --help`)',
    );
    expect(expectOneLineError(await runWarden(['audit', '--compliance', 'cis-aws', '--format', 'yaml']))).toBe(
      'warden: --format must be one of table, json, markdown with --compliance (got "yaml") (see `warden audit --help`)',
    );
  });

  it('--format json reports each control of the examples with the findings behind a failure', async () => {
    const result = await runWarden(['audit', '--compliance', 'cis-aws', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ComplianceReport;
    expect(report.framework.version).toBe('v5.0.0');
    expect((report as ComplianceReport & { audited: unknown }).audited).toEqual({
      config: null,
      source: { kind: 'examples', path: 'examples/' },
    });
    expect(report.results.map((r) => [r.control, r.state])).toEqual([
      ['5.3', 'fail'],
      ['5.4', 'pass'],
      ['5.5', 'not-evaluated'],
    ]);
    expect(control(report, '5.3').findings.map((f) => [f.check, f.groupName])).toEqual([
      ['internet-admin-port', 'launch-wizard-1'],
    ]);
  });

  it('a disabled mapped check is never a pass: the control is not evaluated and says which check', async () => {
    const result = await runWarden([
      'audit',
      '--compliance',
      'cis-aws',
      '--config',
      join(dir, 'disabled.yaml'),
      '--format',
      'json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ComplianceReport;
    expect(control(report, '5.3').state).toBe('not-evaluated');
    expect(control(report, '5.3').gaps).toContain('check internet-admin-port is disabled in the config');
  });

  it('an accepted finding shows as accepted, with its reason and expiry, in markdown for auditors', async () => {
    const result = await runWarden([
      'audit',
      '--compliance',
      'cis-aws',
      '--config',
      join(dir, 'accepted.yaml'),
      '--format',
      'markdown',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('| Control | Title | State | Evidence |');
    expect(result.stdout).toMatch(
      /^\| 5\.3 \| Ensure no security groups allow ingress from 0\.0\.0\.0\/0 to remote server administration ports \| \*\*accepted\*\* \| accepted until 2099-01-01 \(suppressions\[0\] \(internet-admin-port on aws:launch-wizard-1\): bastion \(OPS-7\)\): high internet-admin-port aws /m,
    );
  });
});

describe('warden compliance', () => {
  it('lists every framework with its version, source and controls', async () => {
    const result = await runWarden(['compliance', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const frameworks = JSON.parse(result.stdout) as Framework[];
    expect(frameworks.map((f) => `${f.id} ${f.version}`)).toEqual([
      'cis-aws v5.0.0',
      'aws-security-hub AWS Foundational Security Best Practices v1.0.0',
      'cis-alibaba v2.0.0',
      'huawei-sg 1',
      'otc-sg 1',
    ]);
    const table = await runWarden(['compliance']);
    expect(table.stdout).toMatch(
      /^ {2}EC2\.53 +EC2 security groups should not allow ingress from 0\.0\.0\.0\/0 to remote server administration ports$/m,
    );
  });

  it('names one framework, and an unknown one is one line naming it and the known ids, exit 2', async () => {
    const one = await runWarden(['compliance', 'otc-sg', '--format', 'json']);
    expect((JSON.parse(one.stdout) as Framework[]).map((f) => f.id)).toEqual(['otc-sg']);
    expect(expectOneLineError(await runWarden(['compliance', 'cis']))).toBe(
      'warden: "cis" is not a framework Warden knows (known: cis-aws, aws-security-hub, cis-alibaba, huawei-sg, otc-sg) (see `warden compliance --help`)',
    );
  });

  it('warden checks shows the controls each check evidences', async () => {
    const result = await runWarden(['checks', '--format', 'json']);
    const catalog = JSON.parse(result.stdout) as (CheckMeta & { controls: ControlRef[] })[];
    const admin = catalog.find((c) => c.id === 'internet-admin-port');
    expect(admin?.controls.map((c) => `${c.framework} ${c.control}`)).toContain('aws-security-hub EC2.53');
    const table = await runWarden(['checks']);
    expect(table.stdout).toMatch(
      /^ +controls: cis-aws 5\.3, 5\.4; aws-security-hub EC2\.13, EC2\.14, EC2\.18, EC2\.19, EC2\.53, EC2\.54; /m,
    );
  });
});
