import { describe, expect, it } from 'vitest';
import { INSTANCE_PUBLIC_IPS_UNREAD } from '../adapters/alibaba/interfaces.ts';
import { alibabaPageKinds } from '../adapters/alibaba/normalize.ts';
import type { PageContext } from '../src/model/page.ts';

const kind = alibabaPageKinds.find((k) => k.name === 'alibaba:DescribeNetworkInterfaces')!;
const ctx: PageContext = { provider: 'alibaba', account: '1234', region: 'cn-hangzhou', origin: 'test' };

describe('Alibaba network interfaces as the model sees them', () => {
  it('reads groups, EIPs on the interface and its private addresses, IPv6, and the instance', () => {
    const result = kind.normalize(
      {
        NetworkInterfaceSets: {
          NetworkInterfaceSet: [
            {
              NetworkInterfaceId: 'eni-sec',
              VpcId: 'vpc-1',
              Type: 'Secondary',
              InstanceId: 'i-1',
              SecurityGroupIds: { SecurityGroupId: ['sg-2', 'sg-1'] },
              AssociatedPublicIp: { PublicIpAddress: '47.1.1.1', AllocationId: 'eip-1' },
              PrivateIpSets: {
                PrivateIpSet: [{ AssociatedPublicIp: { PublicIpAddress: '47.2.2.2', AllocationId: '' } }],
              },
              Ipv6Sets: { Ipv6Set: [{ Ipv6Address: '2408:4000::1' }] },
            },
          ],
        },
      },
      ctx,
    );
    expect(result.interfaces).toEqual([
      {
        provider: 'alibaba',
        account: '1234',
        region: 'cn-hangzhou',
        vpcId: 'vpc-1',
        id: 'eni-sec',
        groupIds: ['sg-2', 'sg-1'],
        groupOrder: 'unknown',
        publicAddresses: [
          { address: '47.1.1.1', family: 'ipv4', kind: 'eip' },
          { address: '47.2.2.2', family: 'ipv4', kind: 'public-ip' },
          { address: '2408:4000::1', family: 'ipv6', kind: 'ipv6' },
        ],
        type: 'Secondary',
        attachedTo: { kind: 'instance', id: 'i-1' },
      },
    ]);
  });

  it("keeps an instance's primary interface public-unknown until the instance public IPs are read", () => {
    const result = kind.normalize(
      {
        NetworkInterfaceSets: {
          NetworkInterfaceSet: [
            {
              NetworkInterfaceId: 'eni-p',
              Type: 'Primary',
              InstanceId: 'i-1',
              SecurityGroupIds: { SecurityGroupId: ['sg-1'] },
            },
          ],
        },
      },
      ctx,
    );
    expect(result.interfaces?.[0]?.publicAddressesUnknown).toBe(INSTANCE_PUBLIC_IPS_UNREAD);
  });
});
