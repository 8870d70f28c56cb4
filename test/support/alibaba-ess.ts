import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { AuditReport } from '../../src/analysis/audit.ts';
import { runWarden } from './cli.ts';
import type { CliRun } from './cli.ts';
import { FakeAlibabaEcs } from './fake-alibaba.ts';

// The Alibaba Auto Scaling (ESS) CLI tests' rig: a started loopback fake, a scratch folder, `warden`
// run against both, and what those tests read of a report.

export const ESS_REGION = 'cn-hangzhou';
export const ESS_LIVE = ['--provider', 'alibaba', '--regions', ESS_REGION];
/** What unused-group says it checked when every Alibaba listing of group uses was read. */
export const ESS_CHECKED =
  "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; no Auto Scaling scaling configuration names it; no Auto Scaling ECI scaling configuration names it.";

export interface EssRig {
  fake: FakeAlibabaEcs;
  dir: string;
  run(args: string[]): Promise<CliRun>;
  /** A group in the region with SSH open to the Internet. */
  sshOpen(name: string): string;
  close(): Promise<void>;
}

export async function startEssRig(keys: { accessKeyId: string; accessKeySecret: string }): Promise<EssRig> {
  const fake = new FakeAlibabaEcs(keys);
  await fake.start();
  const dir = await mkdtemp(join(tmpdir(), 'warden-ess-'));
  return {
    fake,
    dir,
    run: (args) => runWarden(args, { cwd: dir, env: fake.env() }),
    sshOpen(name) {
      const id = fake.addGroup(ESS_REGION, { SecurityGroupName: name });
      fake.addPermission(id, {
        Direction: 'ingress',
        IpProtocol: 'TCP',
        PortRange: '22/22',
        SourceCidrIp: '0.0.0.0/0',
      });
      return id;
    },
    async close() {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const unusedGroups = (report: AuditReport): string[] =>
  report.findings
    .filter((f) => f.check === 'unused-group')
    .map((f) => f.groupName)
    .sort();
export const sshFinding = (report: AuditReport, group: string) =>
  report.findings.find((f) => f.check === 'internet-admin-port' && f.groupName === group);
export const unusedDetail = (report: AuditReport, group: string) =>
  report.findings.find((f) => f.check === 'unused-group' && f.groupName === group)?.detail;

/** `warden snapshot` of the region into `out`: the documents written and all their pages. */
export async function snapshotPages(
  rig: EssRig,
  out: string,
): Promise<{ docs: { pages: Record<string, unknown>[] }[]; pages: Record<string, unknown>[] }> {
  const snap = await rig.run(['snapshot', ...ESS_LIVE, '--out', out]);
  expect(snap.code, snap.stderr).toBe(0);
  const docs = [JSON.parse(await readFile(out, 'utf8')) as unknown].flat() as { pages: Record<string, unknown>[] }[];
  return { docs, pages: docs.flatMap((doc) => doc.pages) };
}

/** Auditing `source` gives exactly the findings of the live audit. */
export async function expectSnapshotAuditsAsLive(rig: EssRig, source: string): Promise<void> {
  const live = JSON.parse((await rig.run(['audit', ...ESS_LIVE, '--format', 'json'])).stdout) as AuditReport;
  const fromFile = await rig.run(['audit', '--source', source, '--format', 'json']);
  expect(fromFile.code, fromFile.stderr).toBe(0);
  expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(live.findings);
}

/** With `action` refused, the live audit fails the scope (exit 3, the call named) and reports nothing unused. */
export async function expectRefusalFailsScope(rig: EssRig, action: string): Promise<void> {
  rig.fake.deny(action);
  const audit = await rig.run(['audit', ...ESS_LIVE, '--format', 'json']);
  expect(audit.code).toBe(3);
  const report = JSON.parse(audit.stdout) as AuditReport & { summary: { scanErrors: { message: string }[] } };
  expect(report.summary.scanErrors.map((e) => e.message)).toEqual([
    expect.stringMatching(
      new RegExp(`^alibaba ${rig.fake.accountId} ${ESS_REGION} ${action} failed: .*Forbidden\\.RAM`),
    ),
  ]);
  expect(unusedGroups(report)).toEqual([]);
}
