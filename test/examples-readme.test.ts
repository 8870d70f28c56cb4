import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CATALOG } from '../src/analysis/checks/index.ts';

// examples/README.md says, group by group, what `npm start` reports; this runs `npm start`'s
// command (`warden audit`, which reads examples/) and holds the README to it.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'examples/README.md'), 'utf8');
const CHECK_IDS = new Set(CATALOG.map((c) => c.id));
const INTERNET_PORT_CHECKS = new Set([
  'internet-admin-port',
  'internet-high-risk-port',
  'interface-exposed-to-internet',
]);

interface Claim {
  key: string;
  checks: string[];
  /** Ports the README names for each internet-port check. */
  ports: Map<string, number[]>;
  /** "lowered to high": the severity its Internet findings were lowered to (on no public interface). */
  lowered?: string;
}

function cells(line: string): string[] {
  return line
    .slice(1, line.endsWith('|') ? -1 : undefined)
    .split('|')
    .map((c) => c.trim());
}

/** The check ids a "reports" cell names, except those it negates ("no `x`"), with the ports after each internet-port check. */
function parseReports(cell: string): Pick<Claim, 'checks' | 'ports'> {
  const checks: string[] = [];
  const ports = new Map<string, number[]>();
  const mentions = [...cell.matchAll(/(\bno\s+)?`([a-z-]+)`/giu)].filter((m) => CHECK_IDS.has(m[2] as string));
  mentions.forEach((match, i) => {
    const id = match[2] as string;
    if (match[1]) return;
    checks.push(id);
    if (!INTERNET_PORT_CHECKS.has(id)) return;
    const end = mentions[i + 1]?.index ?? cell.length;
    const after = cell.slice((match.index ?? 0) + match[0].length, end).replace(/\([^)]*\)/gu, '');
    ports.set(
      id,
      [...after.matchAll(/\b\d{1,5}\b/gu)].map((p) => Number(p[0])).sort((a, b) => a - b),
    );
  });
  return { checks: checks.sort(), ports };
}

function claims(): Claim[] {
  const out: Claim[] = [];
  let scope = '';
  for (const line of README.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| file') || line.startsWith('|---')) continue;
    const [file, group, , , reports] = cells(line);
    const fileName = /`([^`]+\.json)`/u.exec(file ?? '')?.[1];
    if (fileName) {
      const snapshot = JSON.parse(readFileSync(join(ROOT, 'examples', fileName), 'utf8')) as {
        provider: string;
        region: string;
      };
      scope = `${snapshot.provider} ${snapshot.region}`;
    }
    const name = /`([^`]+)`/u.exec(group ?? '')?.[1];
    if (!name || reports === undefined)
      throw new Error(`examples/README.md: a table row without a group or a reports cell: ${line}`);
    const lowered = /lowered to (\w+)/u.exec(reports)?.[1];
    out.push({ key: `${scope} ${name}`, ...parseReports(reports), ...(lowered ? { lowered } : {}) });
  }
  return out;
}

describe('examples/README.md claims only what `npm start` shows', () => {
  let report: AuditReport;

  beforeAll(() => {
    const result = spawnSync(process.execPath, ['bin/warden.js', 'audit', '--format', 'json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    report = JSON.parse(result.stdout) as AuditReport;
  });

  const keyOf = (f: { provider: string; region: string; groupName: string }) =>
    `${f.provider} ${f.region} ${f.groupName}`;
  const atLeastLow = () => report.findings.filter((f) => f.severity !== 'info');

  it('has a row for every group of the demo estate, and one per group (rows of group sets `a + b` aside)', () => {
    const rows = claims().map((c) => c.key);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.filter((key) => !key.includes(' + ')).length).toBe(report.summary.groups);
  });

  it('shows interface findings: an exposure through several groups, a cross-group override, and lowered group severities', () => {
    const checks = new Set(report.findings.map((f) => f.check));
    expect(checks).toContain('interface-exposed-to-internet');
    expect(checks).toContain('cross-group-override');
    expect(report.summary.interfacesNotEvaluated?.count).toBe(0);
    const lowered = report.findings.filter((f) => / lowered to \w+\.$/u.test(f.detail)).map(keyOf);
    expect(lowered.length).toBeGreaterThan(0);
    // A row says "lowered to <severity>" exactly where the audit lowered its group's findings, to that severity.
    const wrong: string[] = [];
    for (const claim of claims()) {
      const found = report.findings.filter((f) => keyOf(f) === claim.key && / lowered to \w+\.$/u.test(f.detail));
      const severities = [...new Set(found.map((f) => f.severity))];
      if (JSON.stringify(severities) !== JSON.stringify(claim.lowered ? [claim.lowered] : []))
        wrong.push(
          `${claim.key}: README ${claim.lowered ?? 'not lowered'}, audit ${severities.join(', ') || 'not lowered'}`,
        );
    }
    expect(wrong).toEqual([]);
  });

  it('every row names exactly the checks the audit reports for that group at low or above', () => {
    const actual = new Map<string, Set<string>>();
    for (const f of atLeastLow()) actual.set(keyOf(f), (actual.get(keyOf(f)) ?? new Set()).add(f.check));
    const rows = claims();
    const wrong = rows
      .map((c) => ({
        group: c.key,
        readme: c.checks.filter((v, i, a) => a.indexOf(v) === i),
        audit: [...(actual.get(c.key) ?? [])].sort(),
      }))
      .filter((r) => JSON.stringify(r.readme) !== JSON.stringify(r.audit));
    expect(wrong).toEqual([]);
    const described = new Set(rows.map((c) => c.key));
    expect([...actual.keys()].filter((k) => !described.has(k))).toEqual([]);
  });

  it('every port the README names for an Internet check is the port the audit reports, and no other', () => {
    const wrong: string[] = [];
    for (const claim of claims()) {
      for (const [check, ports] of claim.ports) {
        const reported = report.findings
          .filter((f) => keyOf(f) === claim.key && f.check === check)
          .map((f) => Number(/port (\d+)/iu.exec(f.title)?.[1]))
          .sort((a, b) => a - b);
        if (JSON.stringify(reported) !== JSON.stringify(ports))
          wrong.push(`${claim.key} ${check}: README ${ports.join(', ')}, audit ${reported.join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('below low, the audit reports only what the README says it does (egress-all, missing-description)', () => {
    const infoChecks = new Set(report.findings.filter((f) => f.severity === 'info').map((f) => f.check));
    expect([...infoChecks].sort()).toEqual(['egress-all', 'missing-description']);
  });
});
