import { describe, expect, it } from 'vitest';
import { awsPageKinds } from '../adapters/aws/normalize.ts';
import type { PageContext } from '../src/model/page.ts';

const kind = awsPageKinds.find((k) => k.name === 'aws:DescribeNetworkInterfaces')!;
const ctx: PageContext = { provider: 'aws', account: '111122223333', region: 'eu-west-1', origin: 'test' };

describe('AWS network interfaces as the model sees them', () => {
  it('reads groups, public IPv4 (auto-assigned or EIP, primary or secondary), IPv6 and what the ENI is attached to', () => {
    const result = kind.normalize(
      {
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-web',
            VpcId: 'vpc-1',
            InterfaceType: 'interface',
            Groups: [{ GroupId: 'sg-b' }, { GroupId: 'sg-a' }],
            Association: { PublicIp: '54.1.2.3', IpOwnerId: 'amazon' },
            PrivateIpAddresses: [
              { PrivateIpAddress: '10.0.0.5', Association: { PublicIp: '54.1.2.3', IpOwnerId: 'amazon' } },
              { PrivateIpAddress: '10.0.0.6', Association: { PublicIp: '3.3.3.3', IpOwnerId: '111122223333' } },
            ],
            Ipv6Addresses: [{ Ipv6Address: '2600:1f18::5' }],
            Attachment: { InstanceId: 'i-1' },
          },
          {
            NetworkInterfaceId: 'eni-fn',
            VpcId: 'vpc-1',
            InterfaceType: 'lambda',
            RequesterId: 'AROAEXAMPLE:fn',
            Groups: [{ GroupId: 'sg-a' }],
          },
        ],
      },
      ctx,
    );
    expect(result.interfaces).toEqual([
      {
        provider: 'aws',
        account: '111122223333',
        region: 'eu-west-1',
        vpcId: 'vpc-1',
        id: 'eni-web',
        groupIds: ['sg-b', 'sg-a'],
        groupOrder: 'unknown',
        publicAddresses: [
          { address: '54.1.2.3', family: 'ipv4', kind: 'public-ip' },
          { address: '3.3.3.3', family: 'ipv4', kind: 'eip' },
          { address: '2600:1f18::5', family: 'ipv6', kind: 'ipv6' },
        ],
        type: 'interface',
        attachedTo: { kind: 'instance', id: 'i-1' },
      },
      {
        provider: 'aws',
        account: '111122223333',
        region: 'eu-west-1',
        vpcId: 'vpc-1',
        id: 'eni-fn',
        groupIds: ['sg-a'],
        groupOrder: 'unknown',
        publicAddresses: [],
        type: 'lambda',
        attachedTo: { kind: 'lambda', id: 'AROAEXAMPLE:fn' },
      },
    ]);
  });

  it('leaves out an interface with a group it cannot read, rather than judge it on fewer groups', () => {
    const result = kind.normalize(
      { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-x', Groups: [{ GroupId: 'sg-a' }, { GroupName: 'no id' }] }] },
      ctx,
    );
    expect(result.interfaces).toEqual([]);
    expect(result.attachmentScopes).toEqual([]);
  });
});
