// AWS records as a snapshot's DescribeSecurityGroups and DescribeNetworkInterfaces pages hold them.

/** A group with one ingress rule: tcp `port` from `cidr`. */
export function awsGroupRecord(account: string, id: string, name: string, port: number, cidr: string) {
  return {
    GroupId: id,
    GroupName: name,
    Description: name,
    OwnerId: account,
    VpcId: 'vpc-1',
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        IpRanges: [{ CidrIp: cidr, Description: 'why' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ],
    IpPermissionsEgress: [],
  };
}

/** An interface carrying the groups, public with `publicIp`, attached to `instance`. */
export function awsEniRecord(
  account: string,
  id: string,
  groups: string[],
  options: { publicIp?: string; instance?: string } = {},
) {
  return {
    NetworkInterfaceId: id,
    OwnerId: account,
    VpcId: 'vpc-1',
    InterfaceType: 'interface',
    Groups: groups.map((GroupId) => ({ GroupId })),
    ...(options.publicIp ? { Association: { PublicIp: options.publicIp, IpOwnerId: 'amazon' } } : {}),
    ...(options.instance ? { Attachment: { InstanceId: options.instance } } : {}),
  };
}
