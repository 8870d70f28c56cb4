import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import { PORT_PAGE_KINDS } from '../adapters/huawei/ports.ts';
import { normalizeScope } from '../adapters/live-estate.ts';
import { createOtcAdapter } from '../adapters/otc/live.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import { mergePages } from '../src/model/merge.ts';
import type { Estate } from '../src/model/types.ts';
import type { RawPage, Scope } from '../src/ports/live.ts';
import { runWarden } from './support/cli.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import type { FakeHuawei } from './support/fake-huawei.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';

// Ports and their public addresses read live through the loopback fakes, page after page (the SDK's
// real request path for Huawei, the OTC client's for OTC), and `warden snapshot` writing them so
// that an audit of the snapshot reads the same interfaces back.

const AK = 'HWAKWARDENPORTS000001';
const SK = 'hwSkWardenPortsSecretKey00000000000001';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const REGION = 'ap-southeast-1';
const HUAWEI: Scope = { provider: 'huawei', account: PROJECT, region: REGION };
const NO_WAIT = { sleep: async () => {}, timeoutMs: 2000, retries: 0 };

const estateOf = (scope: Scope, pages: RawPage[]): Estate => mergePages(normalizeScope(scope, pages));
const publicView = (estate: Estate) =>
  estate.interfaces?.map((i) => [i.id, i.groupIds, i.publicAddresses.map((a) => a.address), i.publicAddressesUnknown]);

describe('Huawei ports and EIPs, live', () => {
  let fake: FakeHuawei;
  beforeEach(async () => {
    // Two records a page whatever `limit` asks: every listing takes several pages.
    fake = await startFakeHuawei({ ak: AK, sk: SK, pageCap: 2 });
  });
  afterEach(async () => {
    await fake.close();
  });

  const adapter = () =>
    createHuaweiAdapter({
      config: configSchema.parse({
        providers: { huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: fake.url } },
      }),
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK },
      retry: NO_WAIT,
    });

  it('pages through every port and EIP after the last id until an empty page; EIPs bound to ports make them public', async () => {
    const web = fake.addGroup(PROJECT, { name: 'web' }).id as string;
    const admin = fake.addGroup(PROJECT, { name: 'admin' }).id as string;
    const seeded = Array.from({ length: 5 }, (_, i) => fake.addPort(PROJECT, i === 0 ? [admin, web] : [web]));
    const [first, second] = seeded.map((p) => p.id as string);
    fake.addEip(PROJECT, '203.0.113.1', first);
    fake.addEip(PROJECT, '203.0.113.2', second);
    fake.addEip(PROJECT, '203.0.113.3');

    const pages = await adapter().read(HUAWEI);

    const portCalls = fake.requests.filter((r) => r.operation === 'ListPorts');
    expect(portCalls.map((r) => r.query)).toEqual([
      { limit: '2000' },
      { limit: '2000', marker: seeded[1]?.id },
      { limit: '2000', marker: seeded[3]?.id },
      { limit: '2000', marker: seeded[4]?.id },
    ]);
    expect(fake.requests.filter((r) => r.operation === 'ListPublicips')).toHaveLength(3);
    expect(fake.requests.every((r) => r.auth === 'ok')).toBe(true);
    expect(pages.filter((p) => p.kind === PORT_PAGE_KINDS.ports)).toHaveLength(3);
    expect(pages.filter((p) => p.kind === PORT_PAGE_KINDS.publicips)).toHaveLength(2);

    const estate = estateOf(HUAWEI, pages);
    expect(estate.unparseable).toEqual([]);
    expect(estate.interfaces).toHaveLength(5);
    expect(estate.interfaces?.find((i) => i.id === first)).toMatchObject({
      groupIds: [admin, web],
      groupOrder: 'unknown',
      publicAddresses: [{ address: '203.0.113.1', family: 'ipv4', kind: 'eip' }],
      attachedTo: { kind: 'instance' },
    });
    expect(estate.interfaces?.filter((i) => i.publicAddresses.length > 0).map((i) => i.id)).toEqual(
      [first, second].sort(),
    );
    expect(estate.interfaces?.every((i) => i.publicAddressesUnknown === undefined)).toBe(true);
    expect(estate.groups.find((g) => g.id === admin)?.attachments).toEqual([{ kind: 'network-interface', id: first }]);
  });

  it('a refused port listing fails the scope with one line naming the call and the IAM action', async () => {
    fake.addGroup(PROJECT, { name: 'web' });
    fake.deny('ListPorts');
    const error = await adapter()
      .read(HUAWEI)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^huawei ${REGION} project ${PROJECT}: ListPorts failed: HTTP 403 VPC\\.0005: Policy doesn't allow vpc:ports:get to be performed\\. \\[request id \\w+\\]$`,
      ),
    );
  });

  it('warden snapshot writes the ports and EIPs, and the audit of the snapshot reads the same interfaces back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'warden-ports-'));
    try {
      const used = fake.addGroup(PROJECT, { name: 'used' }).id as string;
      const idle = fake.addGroup(PROJECT, { name: 'idle' }).id as string;
      const ports = Array.from({ length: 3 }, () => fake.addPort(PROJECT, [used]));
      fake.addEip(PROJECT, '203.0.113.10', ports[2]?.id as string);
      const config = join(dir, 'warden.yaml');
      await writeFile(
        config,
        `providers:\n  huawei:\n    regions:\n      - { region: ${REGION}, projectId: ${PROJECT} }\n`,
      );
      const env = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, WARDEN_HUAWEI_ENDPOINT: fake.url };

      const live = await runWarden(['audit', '--provider', 'huawei', '--config', config, '--format', 'json'], { env });
      expect(live.code, live.stderr).toBe(0);
      const out = join(dir, 'estate.json');
      const snap = await runWarden(['snapshot', '--provider', 'huawei', '--config', config, '--out', out], { env });
      expect(snap.code, snap.stderr).toBe(0);
      const fromFile = await runWarden(['audit', '--source', out, '--format', 'json']);
      expect(fromFile.code, fromFile.stderr).toBe(0);

      // Attachments were read: the group no port carries is unused, live and from the snapshot alike.
      const liveReport = JSON.parse(live.stdout) as AuditReport;
      expect(liveReport.findings.filter((f) => f.check === 'unused-group').map((f) => f.groupId)).toEqual([idle]);
      expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(liveReport.findings);

      const written: unknown = JSON.parse(await readFile(out, 'utf8'));
      const fromSnapshot = mergePages(readSnapshotDocument(written, out));
      const direct = estateOf(HUAWEI, await adapter().read(HUAWEI));
      expect(fromSnapshot.interfaces).toEqual(direct.interfaces);
      expect(publicView(fromSnapshot)).toEqual(
        ports
          .map((p) => [p.id, [used], p === ports[2] ? ['203.0.113.10'] : [], undefined])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OTC ports and floating IPs, live', () => {
  let fake: FakeOtc;
  beforeEach(async () => {
    fake = await FakeOtc.start();
  });
  afterEach(async () => {
    await fake.close();
  });

  const scope: Scope = { provider: 'otc', account: '5dd3c0b24cdc4d31952c49589182a89d', region: 'eu-de' };

  for (const api of ['vpc-v3', 'neutron-v2'] as const) {
    it(`reads Neutron ports and floating IPs page by page (ports_links), whatever API the groups use (${api})`, async () => {
      if (api === 'neutron-v2') fake.v3Missing.add(scope.account);
      const web = fake.addGroup(scope.account, 'web');
      const db = fake.addGroup(scope.account, 'db');
      const seeded = [
        fake.addPort(scope.account, [db, web]),
        fake.addPort(scope.account, [web]),
        fake.addPort(scope.account, [db]),
      ];
      fake.addFloatingIp(scope.account, '80.158.0.1', seeded[0]);
      fake.addFloatingIp(scope.account, '80.158.0.2', seeded[1]);
      fake.addFloatingIp(scope.account, '80.158.0.3');
      const otc = createOtcAdapter({
        config: configSchema.parse({
          providers: { otc: { regions: [{ region: scope.region, projectId: scope.account }], endpoint: fake.vpcUrl } },
        }),
        env: { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK },
        retry: NO_WAIT,
      });

      const pages = await otc.read(scope);

      const portCalls = fake.vpcRequests().filter((r) => r.path === '/v2.0/ports');
      expect(portCalls.map((r) => r.query)).toEqual(['limit=2000', `limit=2000&marker=${String(seeded[1]?.id)}`]);
      expect(fake.vpcRequests().filter((r) => r.path === '/v2.0/floatingips')).toHaveLength(2);
      const estate = estateOf(scope, pages);
      expect(estate.unparseable).toEqual([]);
      expect(publicView(estate)).toEqual([
        [seeded[0]?.id, [db.id, web.id], ['80.158.0.1'], undefined],
        [seeded[1]?.id, [web.id], ['80.158.0.2'], undefined],
        [seeded[2]?.id, [db.id], [], undefined],
      ]);
      expect(estate.interfaces?.[0]).toMatchObject({
        groupOrder: 'unknown',
        publicAddresses: [{ kind: 'floating-ip' }],
        attachedTo: { kind: 'instance', id: `ecs-${String(seeded[0]?.id)}` },
      });
      expect(estate.groups.map((g) => g.attachments?.length)).toEqual([2, 2]);
    });
  }
});
