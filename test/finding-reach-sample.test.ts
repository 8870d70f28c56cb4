import { describe, expect, it } from 'vitest';
import { findingReach } from '../src/analysis/finding-reach.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import { REACH_SAMPLE } from '../src/model/types.ts';

function eni(id: string, instance: string): NetworkInterface {
  return {
    provider: 'aws',
    account: '123456789012',
    region: 'eu-west-1',
    vpcId: 'vpc-1',
    id,
    groupIds: ['sg-1'],
    groupOrder: 'unknown',
    publicAddresses: [],
    attachedTo: { kind: 'instance', id: instance },
  };
}

describe('the sample of interfaces a finding names', () => {
  it('is the first by id of a fleet in any order, ties in the order listed, without reordering the fleet', () => {
    // 97 interfaces in a scrambled order, two ids read twice (another account's interface of the same id).
    const fleet = Array.from({ length: 97 }, (_, i) => eni(`eni-${String((i * 37) % 97).padStart(3, '0')}`, `i-${i}`));
    fleet.push(eni('eni-003', 'i-second'), eni('eni-000', 'i-third'));
    const listed = [...fleet];
    const reach = findingReach(fleet);
    const expected = [...fleet].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, REACH_SAMPLE);
    expect(reach.sample.map((s) => `${s.interface} ${s.instance}`)).toEqual(
      expected.map((e) => `${e.id} ${e.attachedTo?.id}`),
    );
    expect(reach.sample.slice(0, 6).map((s) => s.instance)).toEqual([
      'i-0',
      'i-third',
      'i-21',
      'i-42',
      'i-63',
      'i-second',
    ]);
    expect(reach.interfaces).toBe(99);
    expect(fleet).toEqual(listed);
  });

  it('names every interface of a fleet smaller than the sample, by id', () => {
    const reach = findingReach([eni('eni-b', 'i-2'), eni('eni-a', 'i-1')]);
    expect(reach.sample.map((s) => s.interface)).toEqual(['eni-a', 'eni-b']);
    expect(findingReach([]).sample).toEqual([]);
  });
});
