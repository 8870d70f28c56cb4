import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { ComplianceReport } from '../src/analysis/compliance/evaluate.ts';
import { runWarden } from './support/cli.ts';
import { addOpenSshGroup, startFakeHuawei } from './support/fake-huawei.ts';
import type { FakeHuawei } from './support/fake-huawei.ts';

// The CLI reading live through a provider adapter (Huawei, against the loopback fake), writing a
// snapshot, and auditing that snapshot with the same findings; a scope that fails makes it partial.

const AK = 'HPUAFAKEACCESSKEY0001';
const SK = 'fake-secret-key-never-printed';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const BROKEN = 'ffffffffffffffffffffffffffffffff';

let fake: FakeHuawei;
let dir: string;

const run = (args: string[]) =>
  runWarden(args, {
    env: {
      HUAWEICLOUD_SDK_AK: AK,
      HUAWEICLOUD_SDK_SK: SK,
      WARDEN_HUAWEI_ENDPOINT: fake.url,
      OTC_ACCESS_KEY: 'OTCFAKEAK',
      OTC_SECRET_KEY: SK,
    },
  });

beforeAll(async () => {
  fake = await startFakeHuawei({ ak: AK, sk: SK });
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-live-'));
  addOpenSshGroup(fake, PROJECT, 'jump-host');
  const internal = fake.addGroup(PROJECT, { name: 'internal' });
  fake.addRule(PROJECT, {
    security_group_id: internal.id as string,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    multiport: '5432',
    remote_ip_prefix: '10.0.0.0/8',
    action: 'allow',
    priority: 1,
    description: 'app subnet',
  });
  await writeFile(
    join(dir, 'ok.yaml'),
    `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${PROJECT} }\n`,
  );
  // One provider that cannot be reached (nothing listens on port 9 of loopback) next to one that can.
  await writeFile(
    join(dir, 'partial.yaml'),
    `providers:\n  huawei:\n    regions:\n      - { region: ap-southeast-1, projectId: ${PROJECT} }\n  otc:\n    endpoint: http://127.0.0.1:9\n    regions:\n      - { region: eu-de, projectId: ${BROKEN} }\nscan:\n  retries: 0\n  timeoutMs: 2000\n`,
  );
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

describe('warden audit --provider and warden snapshot', () => {
  it('audits live, writes a snapshot, and the snapshot audit has the same findings', async () => {
    const live = await run(['audit', '--provider', 'huawei', '--config', join(dir, 'ok.yaml'), '--format', 'json']);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const liveReport = JSON.parse(live.stdout) as AuditReport;
    expect(liveReport.findings.filter((f) => f.check === 'internet-admin-port').map((f) => f.groupName)).toEqual([
      'jump-host',
    ]);
    expect(liveReport.summary.groups).toBe(2);

    const out = join(dir, 'estate.json');
    const snap = await run(['snapshot', '--provider', 'huawei', '--config', join(dir, 'ok.yaml'), '--out', out]);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stderr).toContain('wrote 1 scope, 2 groups');
    const written = await readFile(out, 'utf8');
    expect(written).not.toContain(SK);
    expect(written).not.toContain(AK);

    const fromFile = await run(['audit', '--source', out, '--format', 'json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(liveReport.findings);
  });

  it('a scope that cannot be read makes the audit partial (exit 3) and names the scope; nothing from it is reported', async () => {
    const result = await run([
      'audit',
      '--provider',
      'huawei',
      '--provider',
      'otc',
      '--config',
      join(dir, 'partial.yaml'),
      '--format',
      'json',
    ]);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(report.summary.partial).toBe(true);
    expect(report.summary.scanErrors).toEqual([
      expect.objectContaining({ provider: 'otc', account: BROKEN, region: 'eu-de' }),
    ]);
    expect(report.summary.groups).toBe(2);
    expect(report.findings.every((f) => f.provider === 'huawei')).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(SK);
  });

  it('with --compliance, the controls of the unread cloud are not evaluated (never pass or not applicable); the read cloud is judged', async () => {
    const partial = ['audit', '--provider', 'huawei', '--provider', 'otc', '--config', join(dir, 'partial.yaml')];
    const otc = await run([...partial, '--compliance', 'otc-sg', '--format', 'json']);
    expect(otc.code, otc.stderr).toBe(3);
    const report = JSON.parse(otc.stdout) as ComplianceReport;
    expect(report.partial).toBe(true);
    expect(report.results.map((r) => [r.control, r.state, r.gaps])).toEqual([
      ['OTC-SG-1', 'not-evaluated', [expect.stringMatching(new RegExp(`^otc ${BROKEN} eu-de was not read: `))]],
    ]);
    const huawei = await run([...partial, '--compliance', 'huawei-sg']);
    expect(huawei.code, huawei.stderr).toBe(3);
    expect(huawei.stdout).toMatch(/^FAIL +HWC-SG-1 +Remote login ports/m);
  });

  it('a provider missing from the config, without --regions, is a one-line error and exit 2', async () => {
    const result = await run(['audit', '--provider', 'aws', '--config', join(dir, 'ok.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `warden: --provider aws needs --regions (${join(dir, 'ok.yaml')} has no providers.aws; AWS_REGION and the profile’s region do not count)\n`,
    );
  });

  it('an unknown provider is a usage error', async () => {
    const result = await run(['audit', '--provider', 'gcp']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--provider must be one of aws, alibaba, huawei, otc');
  });
});
