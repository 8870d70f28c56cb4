// Huawei VPC v3 IP address groups read live through the real SDK against the loopback fake: read
// only when the project's rules name one, paginated with limit/marker; a refusal is unresolved with
// the provider's reason, not a scan error; the snapshot written from the pages reads the same.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESS_GROUP_PAGE_KINDS } from '../adapters/huawei/address-groups.ts';
import { createHuaweiAdapter } from '../adapters/huawei/live.ts';
import type { LiveAdapter, RawPage, Scope } from '../adapters/live.ts';
import { normalizeScope } from '../adapters/live-estate.ts';
import { readSnapshotDocument } from '../adapters/snapshot/load.ts';
import { configSchema } from '../src/config/schema.ts';
import type { PageResult } from '../src/model/page.ts';
import { startFakeHuawei } from './support/fake-huawei.ts';
import type { FakeHuawei } from './support/fake-huawei.ts';

const AK = 'HWAKWARDENTEST00000002';
const SK = 'hwSkWardenTestSecretKey000000000000000002';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const REGION = 'ap-southeast-1';
const SCOPE: Scope = { provider: 'huawei', account: PROJECT, region: REGION };

let fake: FakeHuawei;
beforeEach(async () => {
  fake = await startFakeHuawei({ ak: AK, sk: SK, pageCap: 3 });
});
afterEach(async () => {
  await fake.close();
});

function adapter(): LiveAdapter {
  const config = configSchema.parse({ providers: { huawei: { regions: [{ region: REGION, projectId: PROJECT }], endpoint: fake.url } } });
  return createHuaweiAdapter({ config, env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK }, retry: { sleep: async () => {}, timeoutMs: 2000, retries: 3 } });
}

function addressSets(results: PageResult[]) {
  expect(results.flatMap((r) => r.unparseable)).toEqual([]);
  return results.flatMap((r) => r.addressSets ?? []);
}

function fromSnapshot(pages: RawPage[]): PageResult[] {
  return readSnapshotDocument(JSON.parse(JSON.stringify({ ...SCOPE, pages: pages.map((p) => p.body) })), 'snapshot.json');
}

describe('Huawei VPC v3 address groups, live', () => {
  it('reads every page of ListAddressGroup when a rule names an address group; entries and families as declared; the snapshot reads the same', async () => {
    const group = fake.addGroup(PROJECT, { name: 'web' });
    const anywhere = fake.addAddressGroup(PROJECT, { name: 'anywhere', ip_set: ['0.0.0.0/0'] });
    const v6 = fake.addAddressGroup(PROJECT, { name: 'v6', ip_version: 6, ip_set: ['2001:db8::1-2001:db8::3'] });
    for (let i = 0; i < 6; i++) fake.addAddressGroup(PROJECT, { name: `other-${i}`, ip_set: [`10.${i}.0.0/16`] });
    fake.addRule(PROJECT, { security_group_id: group.id as string, multiport: '22', remote_ip_prefix: '', remote_address_group_id: anywhere.id });
    fake.addRule(PROJECT, { security_group_id: group.id as string, ethertype: 'IPv6', multiport: '22', remote_ip_prefix: '', remote_address_group_id: v6.id });

    const pages = await adapter().read(SCOPE);

    const listed = pages.filter((p) => p.kind === ADDRESS_GROUP_PAGE_KINDS.list);
    expect(listed.map((p) => (p.body as { address_groups: unknown[] }).address_groups.length)).toEqual([3, 3, 2]);
    const calls = fake.requests.filter((r) => r.operation === 'ListAddressGroup');
    expect(calls.map((r) => [r.query.limit, r.query.marker === undefined])).toEqual([
      ['2000', true],
      ['2000', false],
      ['2000', false],
    ]);
    const live = addressSets(normalizeScope(SCOPE, pages));
    expect(live).toHaveLength(8);
    expect(live.find((s) => s.id === anywhere.id)).toEqual({
      provider: 'huawei',
      account: PROJECT,
      region: REGION,
      kind: 'address-group',
      id: anywhere.id,
      name: 'anywhere',
      family: 'ipv4',
      entries: ['0.0.0.0/0'],
      providerManaged: false,
    });
    expect(live.find((s) => s.id === v6.id)).toMatchObject({ family: 'ipv6', entries: ['2001:db8::1/128', '2001:db8::2/127'] });
    expect(addressSets(fromSnapshot(pages))).toEqual(live);
    const rules = normalizeScope(SCOPE, pages).flatMap((r) => r.rules.map((f) => f.rule.peer));
    expect(rules).toEqual([
      { kind: 'address-group', id: anywhere.id },
      { kind: 'address-group', id: v6.id },
    ]);
  });

  it('no rule names an address group: ListAddressGroup is not called', async () => {
    const group = fake.addGroup(PROJECT);
    fake.addRule(PROJECT, { security_group_id: group.id as string });
    fake.addAddressGroup(PROJECT, { ip_set: ['0.0.0.0/0'] });
    const pages = await adapter().read(SCOPE);
    expect(fake.requests.filter((r) => r.operation === 'ListAddressGroup')).toEqual([]);
    expect(pages.some((p) => p.kind.includes('AddressGroup'))).toBe(false);
  });

  it('ListAddressGroup denied: each named address group is unresolved with the provider’s reason and the rule’s family; the scope is read', async () => {
    const group = fake.addGroup(PROJECT);
    fake.addRule(PROJECT, { security_group_id: group.id as string, ethertype: 'IPv6', remote_ip_prefix: '', remote_address_group_id: 'ag-elsewhere' });
    fake.deny('ListAddressGroup');
    const pages = await adapter().read(SCOPE);
    const live = addressSets(normalizeScope(SCOPE, pages));
    expect(live).toEqual([
      {
        provider: 'huawei',
        account: PROJECT,
        region: REGION,
        kind: 'address-group',
        id: 'ag-elsewhere',
        name: '',
        family: 'ipv6',
        providerManaged: false,
        unresolved: "ListAddressGroup was refused: HTTP 403 VPC.0005 (Policy doesn't allow vpc:addressGroups:list to be performed.)",
      },
    ]);
    expect(addressSets(fromSnapshot(pages))).toEqual(live);
    expect(JSON.stringify(pages)).not.toContain(SK);
  });

  it('throttling of ListAddressGroup is retried; a listing that keeps failing with 5xx fails the scope', async () => {
    const group = fake.addGroup(PROJECT);
    const named = fake.addAddressGroup(PROJECT, { ip_set: ['0.0.0.0/0'] });
    fake.addRule(PROJECT, { security_group_id: group.id as string, remote_ip_prefix: '', remote_address_group_id: named.id });
    fake.failNext('throttle', 2, 'ListAddressGroup');
    const a = adapter();
    expect(addressSets(normalizeScope(SCOPE, await a.read(SCOPE)))).toMatchObject([{ id: named.id, entries: ['0.0.0.0/0'] }]);
    expect(a.stats.throttles).toBe(2);
    fake.failNext('server-error', 4, 'ListAddressGroup');
    await expect(a.read(SCOPE)).rejects.toThrow(`huawei ${REGION} project ${PROJECT}: ListAddressGroup failed: HTTP 500 SYS.0500: Internal Server Error. (4 attempts)`);
  });
});
