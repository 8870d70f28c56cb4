// OTC VPC v3 IP address groups read live by the adapter's own signed HTTP client against the
// loopback OTC fake: read only when a v3 rule names one, paginated with limit/marker; a refusal is
// unresolved with the provider's reason, not a scan error; Neutron v2.0 has no address groups.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_GROUP_PAGE_KINDS } from '../adapters/huawei/address-groups.ts';
import type { RawPage, Scope } from '../adapters/live.ts';
import { normalizeScope } from '../adapters/live-estate.ts';
import { createOtcAdapter } from '../adapters/otc/live.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { configSchema } from '../src/config/schema.ts';
import type { PageResult } from '../src/model/page.ts';
import { FAKE_AK, FAKE_SK, FakeOtc } from './support/fake-otc.ts';

const P1 = '0a1b2c3d4e5f40718293a4b5c6d7e8f1';
const SCOPE: Scope = { provider: 'otc', account: P1, region: 'eu-de' };

let fake: FakeOtc;
beforeEach(async () => {
  fake = await FakeOtc.start({ pageSize: 2 });
});
afterEach(async () => {
  await fake.close();
});

function adapter(api: 'auto' | 'vpc-v3' | 'neutron-v2' = 'auto') {
  const config = configSchema.parse({ providers: { otc: { regions: [{ region: 'eu-de', projectId: P1 }], endpoint: fake.vpcUrl, api } }, scan: { timeoutMs: 300, retries: 3 } });
  return createOtcAdapter({ config, env: { OTC_ACCESS_KEY: FAKE_AK, OTC_SECRET_KEY: FAKE_SK }, retry: { sleep: async () => {}, timeoutMs: 300 } });
}

function addressSets(results: PageResult[]) {
  expect(results.flatMap((r) => r.unparseable)).toEqual([]);
  return results.flatMap((r) => r.addressSets ?? []);
}

function fromSnapshot(pages: RawPage[]): PageResult[] {
  return readSnapshotDocument(JSON.parse(JSON.stringify({ ...SCOPE, pages: pages.map((p) => p.body) })), 'snapshot.json');
}

function addressGroupCalls() {
  return fake.vpcRequests().filter((r) => r.path === `/v3/${P1}/vpc/address-groups`);
}

describe('OTC VPC v3 address groups, live', () => {
  it('reads every page of ListAddressGroup when a v3 rule names an address group; the snapshot reads the same', async () => {
    const group = fake.addGroup(P1, 'web');
    const anywhere = fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    fake.addAddressGroup(P1, 'office', ['192.0.2.10-192.0.2.11']);
    fake.addAddressGroup(P1, 'v6', ['::/0'], 6);
    fake.addAddressGroup('another-project', 'theirs', ['10.0.0.0/8']);
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: anywhere.id });

    const pages = await adapter().read(SCOPE);

    const listed = pages.filter((p) => p.kind === ADDRESS_GROUP_PAGE_KINDS.list);
    expect(listed.map((p) => (p.body as { address_groups: unknown[] }).address_groups.length)).toEqual([2, 1]);
    const queries = addressGroupCalls().map((r) => r.query);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toBe('limit=2000');
    expect(queries[1]).toMatch(/^limit=2000&marker=[0-9a-f-]+$/);
    const live = addressSets(normalizeScope(SCOPE, pages));
    expect(live.map((s) => [s.id === anywhere.id ? 'anywhere' : s.name, s.family, s.entries])).toEqual([
      ['anywhere', 'ipv4', ['0.0.0.0/0']],
      ['office', 'ipv4', ['192.0.2.10/31']],
      ['v6', 'ipv6', ['::/0']],
    ]);
    expect(live.every((s) => s.provider === 'otc' && s.account === P1 && s.region === 'eu-de' && s.kind === 'address-group')).toBe(true);
    expect(addressSets(fromSnapshot(pages))).toEqual(live);
  });

  it('no rule names an address group, or the project is on Neutron v2.0: ListAddressGroup is not called', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22' });
    fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    await adapter().read(SCOPE);
    await adapter('neutron-v2').read(SCOPE);
    expect(addressGroupCalls()).toEqual([]);
  });

  it('ListAddressGroup forbidden: each named address group is unresolved with the provider’s reason; the scope is read', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: 'ag-unknown' });
    fake.fail('forbidden', 1, (r) => r.path.endsWith('/vpc/address-groups'));
    const pages = await adapter('vpc-v3').read(SCOPE);
    const live = addressSets(normalizeScope(SCOPE, pages));
    expect(live).toEqual([
      {
        provider: 'otc',
        account: P1,
        region: 'eu-de',
        kind: 'address-group',
        id: 'ag-unknown',
        name: '',
        family: 'ipv4',
        providerManaged: false,
        unresolved: "ListAddressGroup was refused: HTTP 403 VPC.0005 (Policy doesn't allow vpc:addressGroups:list to be performed.)",
      },
    ]);
    expect(addressSets(fromSnapshot(pages))).toEqual(live);
    expect(JSON.stringify(pages)).not.toContain(FAKE_SK);
  });

  it('a 404 from ListAddressGroup (the API is not published) leaves the project on VPC v3: the groups are unresolved, the rules still v3', async () => {
    const group = fake.addGroup(P1, 'web');
    fake.addRule(group, { multiport: '22', action: 'deny', remote_ip_prefix: null, remote_address_group_id: 'ag-1' });
    fake.fail('not-found', 1, (r) => r.path.endsWith('/vpc/address-groups'));
    const a = adapter();
    const pages = await a.read(SCOPE);
    expect(addressSets(normalizeScope(SCOPE, pages))).toMatchObject([{ id: 'ag-1', unresolved: expect.stringMatching(/^ListAddressGroup was refused: HTTP 404 APIGW.0101/) }]);
    expect(pages.filter((p) => p.kind.startsWith('neutron'))).toEqual([]);
  });

  it('throttling is retried; 5xx beyond the retries fails the scope', async () => {
    const group = fake.addGroup(P1, 'web');
    const named = fake.addAddressGroup(P1, 'anywhere', ['0.0.0.0/0']);
    fake.addRule(group, { multiport: '22', remote_ip_prefix: null, remote_address_group_id: named.id });
    fake.fail('throttle', 2, (r) => r.path.endsWith('/vpc/address-groups'));
    const a = adapter('vpc-v3');
    expect(addressSets(normalizeScope(SCOPE, await a.read(SCOPE)))).toMatchObject([{ id: named.id, entries: ['0.0.0.0/0'] }]);
    fake.fail('error500', 4, (r) => r.path.endsWith('/vpc/address-groups'));
    await expect(a.read(SCOPE)).rejects.toThrow(/ListAddressGroup \(GET \/v3\/.*\/vpc\/address-groups\?limit=2000\) failed: HTTP 500/);
  });
});
