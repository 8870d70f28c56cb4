import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEstate } from '../bench/generate-estate.ts';
import { runWarden } from './support/cli.ts';

// The bench's interface dimension: the generated interface listings are provider pages the
// normalizers read as interfaces, beside the very same group files the group-only run audits, and
// `npm run bench` reports the run with interfaces against the group-only run of the same estate.

const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-interfaces-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SMALL = { groups: 40, rulesPerGroup: 10, seed: 1 };

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('bench estate with interfaces', () => {
  it('lists interfaces the audit reads beside the same group files as the estate without them', async () => {
    const groupsOnly = join(scratch, 'plain');
    const withGroups = join(scratch, 'groups');
    const withInterfaces = join(scratch, 'interfaces');
    generateEstate(groupsOnly, SMALL);
    const counts = generateEstate(withGroups, { ...SMALL, interfaces: 300, interfacesDir: withInterfaces });

    expect(files(withGroups)).toEqual(files(groupsOnly));
    // Every cloud, in proportion to its groups (Huawei ports with EIPs, OTC Neutron ports with floating IPs).
    expect(counts.interfaces).toMatchObject({
      interfaces: 300,
      byProvider: { aws: 76, alibaba: 76, huawei: 74, otc: 74 },
    });
    expect(counts.interfaces.publicInterfaces).toBeGreaterThan(0);
    expect(counts.interfaces.publicInterfaces).toBeLessThan(300);

    const audit = await runWarden(['audit', '--source', withInterfaces, '--format', 'json']);
    expect([audit.code, audit.stderr]).toEqual([0, '']);
    const summary = (JSON.parse(audit.stdout) as { summary: Record<string, unknown> }).summary;
    expect(summary).toMatchObject({ groups: 40, rules: 400, interfaces: { read: 300, evaluated: 300 } });
    const plain = await runWarden(['audit', '--source', groupsOnly, '--format', 'json']);
    expect((JSON.parse(plain.stdout) as { summary: Record<string, unknown> }).summary['interfaces']).toBeUndefined();
  }, 120_000);

  it('npm run bench compares the interface run with the group-only run of the same estate', async () => {
    const run = await runWarden(
      ['--groups', '40', '--interfaces', '300', '--runs', '1', '--skip-phases', '--format', 'json'],
      { script: 'bench/audit-bench.ts' },
    );
    // Exit 1 only for a missed target on a busy machine: the report is complete either way.
    expect([0, 1], run.stderr).toContain(run.code);
    const summary = JSON.parse(run.stdout) as {
      groupOnly: { bySeverity: Record<string, number>; interfacesInSummary?: unknown };
      withInterfaces: { bySeverity: Record<string, number>; interfacesInSummary?: unknown; byCheck: object };
      comparison: { wallRatio: number; rssRatio: number; target: number; pass: boolean; criticalLowered: number };
      pass: { interfaces: boolean };
    };
    expect(summary.groupOnly.interfacesInSummary).toBeUndefined();
    expect(summary.withInterfaces.interfacesInSummary).toEqual({ read: 300, evaluated: 300 });
    expect(Object.keys(summary.withInterfaces.bySeverity)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(summary.comparison).toMatchObject({ target: 1.5, pass: summary.pass.interfaces });
    expect(summary.comparison.wallRatio).toBeGreaterThan(0);
    expect(summary.comparison.rssRatio).toBeGreaterThan(0);
    expect(Number.isInteger(summary.comparison.criticalLowered)).toBe(true);
    expect(summary.comparison.criticalLowered).toBeLessThanOrEqual(summary.groupOnly.bySeverity['critical'] ?? 0);
  }, 300_000);
});
