import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PORT_PAGE_KINDS, portPageKinds } from '../adapters/huawei/ports.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { PageContext, PageResult } from '../src/model/page.ts';
import type { Finding, Provider } from '../src/model/types.ts';
import { runWarden } from './support/cli.ts';
import { eipRecord, portRecord } from './support/port-records.ts';
import type { CliRun } from './support/cli.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import type { FakeHuawei } from './support/fake-huawei.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';

// Huawei/OTC ports with `port_security_enabled: false`: their security groups do not filter them
// (Huawei VPC port reference), so everything is allowed there. Read from the Huawei VPC v1 and the
// Neutron port shapes, live and from snapshots; judged by the interface evaluator as allow-all
// decided by the port setting; reported by interface-exposed-to-internet, public or private.

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const REGION = 'ap-southeast-1';
const NOTE = 'port security disabled: security groups do not filter this port';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-port-security-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ctx = (provider: Provider): PageContext => ({ provider, account: PROJECT, region: REGION, origin: 'test' });
const readPorts = (list: unknown[], provider: Provider = 'huawei'): PageResult =>
  (portPageKinds.find((k) => k.name === PORT_PAGE_KINDS.ports) as (typeof portPageKinds)[number]).normalize(
    { ports: list },
    ctx(provider),
  );

const port = (id: string, groups: string[], fields: Record<string, unknown> = {}) =>
  portRecord(PROJECT, id, groups, fields);
/** A port as Neutron GET /v2.0/ports (OTC) answers it: the Huawei v1 fields less the VPC extras, with project_id. */
const neutronPort = (id: string, groups: string[], fields: Record<string, unknown> = {}) =>
  portRecord(PROJECT, id, groups, { device_owner: 'compute:eu-de-01', project_id: PROJECT, ...fields });

const groupsPage = (ids: string[]) => ({
  security_groups: ids.map((id) => ({ id, name: id, description: '', project_id: PROJECT })),
});
/** SSH open to the world, as ListSecurityGroupRules lists it (the fields the normalizer reads). */
const sshRule = (groupId: string) => ({
  id: `r-ssh-${groupId}`,
  security_group_id: groupId,
  direction: 'ingress',
  protocol: 'tcp',
  ethertype: 'IPv4',
  multiport: '22',
  remote_ip_prefix: '0.0.0.0/0',
  project_id: PROJECT,
});
const eip = (address: string, portId: string) => eipRecord(PROJECT, address, portId);

async function snapshotFile(name: string, pages: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ provider: 'huawei', account: PROJECT, region: REGION, pages }));
  return path;
}

const audit = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<AuditReport> => {
  const result = await runWarden(['audit', ...args, '--format', 'json'], { env });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AuditReport;
};

const exposed = (report: AuditReport): Finding[] =>
  report.findings.filter((f) => f.check === 'interface-exposed-to-internet' && f.groupId === 'port-security-disabled');
/** Subject, severity, interfaces and public ones, by subject. */
const summary = (findings: Finding[]) =>
  findings
    .map((f) => [f.subject, f.severity, f.reach?.interfaces, f.reach?.publicInterfaces])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('the normalizer reads port_security_enabled', () => {
  it('false marks the port unfiltered, in the Huawei v1 and the Neutron shapes; true or absent leave it filtered by its groups', () => {
    const huawei = readPorts([
      port('off', ['sg-1'], { port_security_enabled: false }),
      port('on', ['sg-1']),
      port('absent', ['sg-1'], { port_security_enabled: undefined }),
      port('null', ['sg-1'], { port_security_enabled: null }),
      port('text', [], { port_security_enabled: 'False' }),
    ]);
    expect(huawei.unparseable).toEqual([]);
    expect(huawei.interfaces?.map((i) => [i.id, i.filtering])).toEqual([
      ['off', 'disabled'],
      ['on', undefined],
      ['absent', undefined],
      ['null', undefined],
      ['text', 'disabled'],
    ]);
    const otc = readPorts([neutronPort('n-off', [], { port_security_enabled: false }), neutronPort('n-on', [])], 'otc');
    expect(otc.interfaces?.map((i) => [i.id, i.filtering])).toEqual([
      ['n-off', 'disabled'],
      ['n-on', undefined],
    ]);
  });

  it('a value that is not true or false makes the port unreadable (reported), never filtered by default', () => {
    const result = readPorts([port('odd', ['sg-1'], { port_security_enabled: 'sometimes' })]);
    expect(result.interfaces).toEqual([]);
    expect(result.unparseable.map((u) => u.reason)).toEqual([
      'ports[0]: port_security_enabled "sometimes" is not true or false',
    ]);
  });
});

describe('warden audit and explain on a snapshot with ports whose port security is disabled', () => {
  it('a public one: interface-exposed-to-internet critical on every port, the reason in the detail; its listed group stays in use', async () => {
    const source = await snapshotFile('public.json', [
      groupsPage(['sg-listed', 'sg-idle']),
      {
        ports: [
          port('p-open', ['sg-listed'], { port_security_enabled: false }),
          port('p-priv', [], { port_security_enabled: false }),
        ],
      },
      { publicips: [eip('203.0.113.7', 'p-open')] },
    ]);
    const report = await audit(['--source', source]);
    const findings = exposed(report);
    expect(summary(findings)).toEqual([
      ['all-ports', 'critical', 2, 1],
      ['port/22', 'critical', 2, 1],
      ['port/3389', 'critical', 2, 1],
    ]);
    const all = findings.find((f) => f.subject === 'all-ports') as Finding;
    expect(all.title).toBe('All protocols open to the Internet on a public interface with port security disabled');
    expect(all.ruleIds).toEqual(['port_security_enabled=false']);
    expect(all.detail).toContain(
      `On 2 interfaces with port security disabled (p-open (ecs-p-open), p-priv (ecs-p-priv); 2 instances), 1 public. Reason: ${NOTE}, so all traffic is allowed in both directions.`,
    );
    expect(report.findings.filter((f) => f.check === 'unused-group').map((f) => f.groupId)).toEqual(['sg-idle']);
  });

  it('only private ones: a finding too, lowered by exposure.privateSeverityDrop (0 keeps it critical)', async () => {
    const source = await snapshotFile('private.json', [
      groupsPage(['sg-listed']),
      { ports: [port('p-priv', ['sg-listed'], { port_security_enabled: false })] },
      { publicips: [] },
    ]);
    const findings = exposed(await audit(['--source', source]));
    expect(summary(findings)).toEqual([
      ['all-ports', 'high', 1, 0],
      ['port/22', 'high', 1, 0],
      ['port/3389', 'high', 1, 0],
    ]);
    expect(findings.find((f) => f.subject === 'all-ports')?.title).toBe(
      'All protocols open to the Internet on a private interface with port security disabled',
    );
    expect(findings.find((f) => f.subject === 'all-ports')?.detail).toContain(
      'Would be exposed this way once given a public address; every host that can route to them reaches every port, so critical lowered to high.',
    );
    const config = join(dir, 'no-drop.yaml');
    await writeFile(config, 'exposure:\n  privateSeverityDrop: 0\n');
    expect(summary(exposed(await audit(['--source', source, '--config', config])))).toEqual([
      ['all-ports', 'critical', 1, 0],
      ['port/22', 'critical', 1, 0],
      ['port/3389', 'critical', 1, 0],
    ]);
  });

  it('a port listing a group that was not read is still judged: its groups do not decide', async () => {
    const source = await snapshotFile('unread.json', [
      groupsPage(['sg-listed']),
      { ports: [port('p-off', ['sg-gone'], { port_security_enabled: false }), port('p-on', ['sg-gone'])] },
      { publicips: [eip('203.0.113.9', 'p-off')] },
    ]);
    const report = await audit(['--source', source]);
    expect(summary(exposed(report))).toEqual([
      ['all-ports', 'critical', 1, 1],
      ['port/22', 'critical', 1, 1],
      ['port/3389', 'critical', 1, 1],
    ]);
    expect(report.summary.interfacesNotEvaluated?.reasons.map((r) => [r.reason, r.sample])).toEqual([
      [
        'group sg-gone is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read)',
        ['p-on'],
      ],
    ]);
  });

  it('warden explain --interface says the port setting decides, and names the listed groups as not applied', async () => {
    const source = await snapshotFile('explain.json', [
      groupsPage(['sg-listed']),
      { ports: [port('p-open', ['sg-listed'], { port_security_enabled: false })] },
      { publicips: [eip('203.0.113.7', 'p-open')] },
    ]);
    const table = await runWarden(['explain', '--source', source, '--interface', 'p-open']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`  note: ${NOTE}\n`);
    expect(table.stdout).toContain(
      '  note: all traffic is allowed in both directions; the groups the port lists (sg-listed) are not applied\n',
    );
    expect(table.stdout).toMatch(
      /allow ipv4 all protocols\/all from 0\.0\.0\.0\/0 \[100% of public ipv4\]\n\s+decided by port_security_enabled=false \(allow all traffic from 0\.0\.0\.0\/0\)/,
    );
    const egress = await runWarden(['explain', '--source', source, '--interface', 'p-open', '--direction', 'egress']);
    expect(egress.stdout).toMatch(/allow ipv6 all protocols\/all to ::\/0/);
  });

  it('a fix to a group that such a port lists is not held back by that port, and the proof says why', async () => {
    const source = await snapshotFile('fix.json', [
      groupsPage(['sg-web']),
      { security_group_rules: [sshRule('sg-web')] },
      { ports: [port('p-a', ['sg-web']), port('p-open', ['sg-web'], { port_security_enabled: false })] },
      { publicips: [eip('203.0.113.7', 'p-open'), eip('203.0.113.8', 'p-a')] },
    ]);
    const report = await audit(['--source', source]);
    const ssh = report.findings.find((f) => f.check === 'internet-admin-port' && f.groupId === 'sg-web') as Finding;
    const fix = await runWarden(['fix', ssh.fingerprint, '--source', source, '--dry-run']);
    expect(fix.stderr).toBe('');
    expect(fix.code).toBe(0);
    expect(fix.stdout).toContain(
      'proof on interfaces: 2 carrying the group · none more open yes · finding gone on the 1 it concerned yes',
    );
    expect(fix.stdout).toContain(
      'note: port security is disabled on 1 interface carrying the group: its rules do not filter them, so the change leaves their traffic as it is (everything allowed)',
    );
  });
});

describe('live through the loopback fakes', () => {
  describe('Huawei', () => {
    const AK = 'HWAKWARDENPORTSEC0001';
    const SK = 'hwSkWardenPortSecSecretKey000000000001';
    let fake: FakeHuawei;
    beforeEach(async () => {
      fake = await startFakeHuawei({ ak: AK, sk: SK, pageCap: 2 });
    });
    afterEach(async () => {
      await fake.close();
    });

    it('audits a port with port security disabled live, and warden snapshot writes the field so the snapshot audit agrees', async () => {
      const listed = fake.addGroup(PROJECT, { name: 'listed' }).id as string;
      const off = fake.addPort(PROJECT, [listed], { port_security_enabled: false });
      fake.addPort(PROJECT, [listed]);
      fake.addPort(PROJECT, [listed]);
      fake.addEip(PROJECT, '203.0.113.20', off.id as string);
      const config = join(dir, 'huawei.yaml');
      await writeFile(
        config,
        `providers:\n  huawei:\n    regions:\n      - { region: ${REGION}, projectId: ${PROJECT} }\n`,
      );
      const env = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, WARDEN_HUAWEI_ENDPOINT: fake.url };

      const live = await audit(['--provider', 'huawei', '--config', config], env);
      expect(summary(exposed(live))).toEqual([
        ['all-ports', 'critical', 1, 1],
        ['port/22', 'critical', 1, 1],
        ['port/3389', 'critical', 1, 1],
      ]);
      expect(exposed(live)[0]?.reach?.sample.map((s) => s.interface)).toEqual([off.id]);
      expect(live.findings.filter((f) => f.check === 'unused-group')).toEqual([]);

      const out = join(dir, 'huawei-estate.json');
      const snap: CliRun = await runWarden(['snapshot', '--provider', 'huawei', '--config', config, '--out', out], {
        env,
      });
      expect(snap.code, snap.stderr).toBe(0);
      expect(await readFile(out, 'utf8')).toContain('"port_security_enabled": false');
      expect((await audit(['--source', out])).findings).toEqual(live.findings);
    });
  });

  describe('OTC (Neutron ports)', () => {
    let fake: FakeOtc;
    beforeEach(async () => {
      fake = await FakeOtc.start();
    });
    afterEach(async () => {
      await fake.close();
    });

    it('audits private ports with port security disabled live: one lowered finding listing them', async () => {
      const account = '5dd3c0b24cdc4d31952c49589182a89d';
      const web = fake.addGroup(account, 'web');
      const off = [
        fake.addPort(account, [], { port_security_enabled: false }),
        fake.addPort(account, [web], { port_security_enabled: false }),
      ];
      fake.addPort(account, [web]);
      const config = join(dir, 'otc.yaml');
      await writeFile(
        config,
        `providers:\n  otc:\n    endpoint: ${fake.vpcUrl}\n    regions:\n      - { region: eu-de, projectId: ${account} }\n`,
      );
      const live = await audit(['--provider', 'otc', '--config', config], {
        OTC_ACCESS_KEY: FAKE_AK,
        OTC_SECRET_KEY: FAKE_SK,
      });
      const findings = exposed(live);
      expect(summary(findings)).toEqual([
        ['all-ports', 'high', 2, 0],
        ['port/22', 'high', 2, 0],
        ['port/3389', 'high', 2, 0],
      ]);
      expect(findings[0]?.reach?.sample.map((s) => s.interface)).toEqual(off.map((p) => p.id).sort());
      expect(live.findings.filter((f) => f.check === 'unused-group')).toEqual([]);
    });
  });
});
