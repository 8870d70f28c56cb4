import { describe, expect, it } from 'vitest';
import { mergePages } from '../src/model/merge.ts';
import { isPublicInterface } from '../src/model/network-interface.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import { emptyPageResult } from '../src/model/page.ts';
import type { PageResult } from '../src/model/page.ts';

const scope = { provider: 'huawei' as const, account: 'p1', region: 'eu-west-101' };

function port(id: string, extra: Partial<NetworkInterface> = {}): NetworkInterface {
  return {
    ...scope,
    vpcId: 'vpc-1',
    id,
    groupIds: ['sg-a', 'sg-b'],
    groupOrder: 'unknown',
    publicAddresses: [],
    ...extra,
  };
}

function group(id: string) {
  return { ...scope, vpcId: 'vpc-1', id, name: id, description: '' };
}

/** An attachment listed apart from an interface: the page says the interface carries the group. */
function fragment(groupId: string, id: string) {
  return { ...scope, groupId, attachment: { kind: 'network-interface' as const, id } };
}

function page(fields: Partial<PageResult>): PageResult {
  return { ...emptyPageResult(), ...fields };
}

describe('interfaces joined from pages', () => {
  it('leaves interfaces absent when no page listed any, so "not read" stays visible', () => {
    expect(mergePages([page({})]).interfaces).toBeUndefined();
    expect(mergePages([page({ interfaces: [] })]).interfaces).toEqual([]);
  });

  it('joins an EIP listed apart to its port and, once the listing covers the scope, knows the rest are private', () => {
    const unknown = 'EIPs not read';
    const estate = mergePages([
      page({
        interfaces: [
          port('p-1', { publicAddressesUnknown: unknown }),
          port('p-2', { publicAddressesUnknown: unknown }),
        ],
      }),
      page({
        publicAddresses: [
          { ...scope, interfaceId: 'p-1', address: { address: '80.1.2.3', family: 'ipv4', kind: 'eip' } },
        ],
        publicAddressScopes: [scope],
      }),
    ]);
    const [p1, p2] = estate.interfaces ?? [];
    expect(p1?.publicAddresses.map((a) => a.address)).toEqual(['80.1.2.3']);
    expect(p1?.publicAddressesUnknown).toBeUndefined();
    expect(p2?.publicAddressesUnknown).toBeUndefined();
    expect([p1, p2].map((p) => isPublicInterface(p!))).toEqual([true, false]);
  });

  it('counts a port as public while its EIP listing was not read for its scope', () => {
    const estate = mergePages([
      page({ interfaces: [port('p-1', { publicAddressesUnknown: 'EIPs not read' })] }),
      page({ publicAddressScopes: [{ ...scope, region: 'other-region' }] }),
    ]);
    expect(estate.interfaces?.[0]?.publicAddressesUnknown).toBe('EIPs not read');
    expect(isPublicInterface(estate.interfaces![0]!)).toBe(true);
  });

  it('keeps an interface read twice once, with the addresses of both reads', () => {
    const v4 = { address: '54.1.2.3', family: 'ipv4' as const, kind: 'public-ip' as const };
    const v6 = { address: '2600:1f18::1', family: 'ipv6' as const, kind: 'ipv6' as const };
    const estate = mergePages([
      page({ interfaces: [port('eni-1', { publicAddresses: [v4] })] }),
      page({ interfaces: [port('eni-1', { publicAddresses: [v4, v6] })] }),
    ]);
    expect(estate.interfaces).toHaveLength(1);
    expect(estate.interfaces?.[0]?.publicAddresses).toEqual([v4, v6]);
  });

  it('keeps an interface read once as the page read it, and copies one the merge changes, leaving the pages as read', () => {
    const once = port('p-1');
    const joined = port('p-2', { publicAddressesUnknown: 'EIPs not read' });
    const pages = [
      page({ interfaces: [once, joined] }),
      page({
        publicAddresses: [
          { ...scope, interfaceId: 'p-2', address: { address: '80.1.2.3', family: 'ipv4', kind: 'eip' } },
        ],
        publicAddressScopes: [scope],
      }),
    ];
    const [first, second] = mergePages(pages).interfaces ?? [];
    expect(first).toBe(once);
    expect(second).not.toBe(joined);
    expect(second?.publicAddresses.map((a) => a.address)).toEqual(['80.1.2.3']);
    expect(second && 'publicAddressesUnknown' in second).toBe(false);
    expect(joined).toEqual(port('p-2', { publicAddressesUnknown: 'EIPs not read' }));
    expect(mergePages(pages).interfaces).toEqual([first, second]);
  });

  it('lists each interface once among the attachments of every group it carries, in the order read', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `p-${300 - i}`);
    const listing = page({
      groups: [group('sg-a'), group('sg-b')],
      attachments: ids.flatMap((id) => [fragment('sg-a', id), fragment('sg-b', id)]),
      attachmentScopes: [scope],
    });
    // The same listing read twice (two snapshots of one scope) adds nothing.
    const estate = mergePages([listing, listing]);
    for (const g of estate.groups) expect(g.attachments?.map((a) => a.id)).toEqual(ids);
  });

  it('attaches every interface read to each group it carries, once, however often it was read, with the fragments of interfaces not read in full', () => {
    const listing = page({
      groups: [group('sg-a'), group('sg-b'), group('sg-c'), group('sg-idle')],
      interfaces: [
        port('p-1'),
        port('p-2', { groupIds: ['sg-b', 'sg-b'] }),
        port('p-3', { groupIds: ['sg-c', 'sg-other'] }),
      ],
      // p-4 could not be read in full on this page (one of its groups did not read); p-1 was read both ways.
      attachments: [fragment('sg-c', 'p-4'), fragment('sg-a', 'p-1')],
      attachmentScopes: [scope],
    });
    const estate = mergePages([listing, listing]);
    const attached = Object.fromEntries(estate.groups.map((g) => [g.id, g.attachments?.map((a) => a.id)]));
    expect(attached).toEqual({ 'sg-a': ['p-1'], 'sg-b': ['p-1', 'p-2'], 'sg-c': ['p-4', 'p-3'], 'sg-idle': [] });
    // Without any scope vouched for, nothing is known to be attached (as before interfaces were read).
    const unvouched = mergePages([{ ...listing, attachmentScopes: [] }]);
    expect(unvouched.groups.map((g) => g.attachments)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('keeps each launch template that names a group once', () => {
    const use = {
      ...scope,
      groupId: 'sg-a',
      by: { kind: 'launch-template' as const, id: 'lt-1' },
      assignsPublicAddress: true,
    };
    expect(mergePages([page({ groupUses: [use] }), page({ groupUses: [use] })]).groupUses).toEqual([use]);
  });
});

describe('a public-address listing with a record it cannot read', () => {
  it('vouches for nothing in its scope, whatever the other pages of the listing say', () => {
    const estate = mergePages([
      page({ interfaces: [port('p-1', { publicAddressesUnknown: 'EIPs not read' })] }),
      page({ publicAddressScopes: [scope] }),
      page({ publicAddressGaps: [scope] }),
    ]);
    expect(estate.interfaces?.[0]?.publicAddressesUnknown).toBe('EIPs not read');
  });
});
