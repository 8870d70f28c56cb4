import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awsPageKinds } from '../adapters/aws/normalize.ts';
import { mergePages } from '../src/model/merge.ts';
import type { PageContext, PageKind, PageResult, RuleFragment } from '../src/model/page.ts';
import type { Rule, SecurityGroup } from '../src/model/types.ts';
import { pageKind, portsText, theReason, theRule } from './support/page-results.ts';

// Bodies are shaped as EC2 returns them (PascalCase, as `aws ec2 describe-*` and the
// JavaScript SDK v3 print them): DescribeSecurityGroups nests IpPermissions with several
// peers each; DescribeSecurityGroupRules lists one rule per peer with an `sgr-` id;
// DescribeNetworkInterfaces lists each interface with its Groups.

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'eu-west-1';
const VPC = 'vpc-0c287ac673ff4c79f';
const WEB = 'sg-0802e1363b77fe886';
const DB = 'sg-0b3f7e1c2d4a5b6c7';
const APP = 'sg-0d9e8f7a6b5c4d3e2';

const ctx: PageContext = { provider: 'aws', account: ACCOUNT, region: REGION, origin: 'test page 0' };
/** A bare body in a snapshot: the account comes from the page itself (OwnerId / GroupOwnerId). */
const bareCtx: PageContext = { provider: 'aws', account: '', region: '', origin: 'bare.json' };

function kind(name: string): PageKind {
  return pageKind(awsPageKinds, `aws:${name}`);
}
const groupsKind = kind('DescribeSecurityGroups');
const rulesKind = kind('DescribeSecurityGroupRules');
const interfacesKind = kind('DescribeNetworkInterfaces');

type Raw = Record<string, unknown>;

/** An IpPermission as DescribeSecurityGroups returns it: every list present, empty where unused. */
function permission(fields: Raw = {}): Raw {
  return {
    IpProtocol: 'tcp',
    FromPort: 22,
    ToPort: 22,
    IpRanges: [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: [],
    ...fields,
  };
}

function securityGroup(fields: Raw = {}): Raw {
  const id = typeof fields['GroupId'] === 'string' ? fields['GroupId'] : WEB;
  return {
    Description: 'web tier',
    GroupName: 'web-public',
    IpPermissions: [],
    OwnerId: ACCOUNT,
    GroupId: id,
    IpPermissionsEgress: [],
    Tags: [{ Key: 'team', Value: 'web' }],
    VpcId: VPC,
    SecurityGroupArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`,
    ...fields,
  };
}

function groupsPage(...groups: unknown[]): Raw {
  return { SecurityGroups: groups };
}

/** A SecurityGroupRule as DescribeSecurityGroupRules returns it. */
function sgRule(fields: Raw = {}): Raw {
  const id =
    typeof fields['SecurityGroupRuleId'] === 'string' ? fields['SecurityGroupRuleId'] : 'sgr-0a1b2c3d4e5f60718';
  return {
    SecurityGroupRuleId: id,
    GroupId: WEB,
    GroupOwnerId: ACCOUNT,
    IsEgress: false,
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    CidrIpv4: '0.0.0.0/0',
    Description: 'HTTPS',
    Tags: [],
    SecurityGroupRuleArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group-rule/${id}`,
    ...fields,
  };
}

function rulesPage(...rules: unknown[]): Raw {
  return { SecurityGroupRules: rules };
}

/** A NetworkInterface as DescribeNetworkInterfaces returns it. */
function networkInterface(id: string, groupIds: string[], fields: Raw = {}): Raw {
  return {
    Attachment: {
      AttachTime: '2024-03-18T09:42:01.000Z',
      AttachmentId: `eni-attach-${id.slice(4)}`,
      DeleteOnTermination: true,
      DeviceIndex: 0,
      NetworkCardIndex: 0,
      InstanceId: 'i-0123456789abcdef0',
      InstanceOwnerId: ACCOUNT,
      Status: 'attached',
    },
    AvailabilityZone: `${REGION}a`,
    Description: '',
    Groups: groupIds.map((GroupId) => ({ GroupName: `name-of-${GroupId}`, GroupId })),
    InterfaceType: 'interface',
    Ipv6Addresses: [],
    MacAddress: '06:1e:3a:4b:5c:6d',
    NetworkInterfaceId: id,
    OwnerId: ACCOUNT,
    PrivateDnsName: 'ip-10-0-1-17.eu-west-1.compute.internal',
    PrivateIpAddress: '10.0.1.17',
    PrivateIpAddresses: [
      { Primary: true, PrivateDnsName: 'ip-10-0-1-17.eu-west-1.compute.internal', PrivateIpAddress: '10.0.1.17' },
    ],
    RequesterManaged: false,
    SourceDestCheck: true,
    Status: 'in-use',
    SubnetId: 'subnet-0a1b2c3d4e5f60718',
    TagSet: [],
    VpcId: VPC,
    ...fields,
  };
}

function interfacesPage(...interfaces: unknown[]): Raw {
  return { NetworkInterfaces: interfaces };
}

/** The rules of one group, read from one permission (ingress unless said otherwise). */
function readPermission(fields: Raw, egress = false, context: PageContext = ctx): PageResult {
  const key = egress ? 'IpPermissionsEgress' : 'IpPermissions';
  return groupsKind.normalize(groupsPage(securityGroup({ [key]: [permission(fields)] })), context);
}

function rulesOf(result: PageResult): Rule[] {
  return result.rules.map((f) => f.rule);
}

function onlyRule(fields: Raw, egress = false): Rule {
  return theRule(readPermission(fields, egress));
}

function onlyReason(fields: Raw): string {
  return theReason(readPermission(fields));
}

/** One line per rule: direction family protocol ports peer. */
function line(rule: Rule): string {
  const ports = portsText(rule.ports);
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr
      : rule.peer.kind === 'group'
        ? `${rule.peer.self ? 'self:' : ''}${rule.peer.groupId}${rule.peer.account ? `@${rule.peer.account}` : ''}`
        : `${rule.peer.kind}:${rule.peer.id}`;
  return `${rule.direction} ${rule.family} ${String(rule.protocol)} ${ports} ${peer}`;
}

function groupById(groups: readonly SecurityGroup[], id: string): SecurityGroup {
  const found = groups.find((g) => g.id === id);
  if (!found) throw new Error(`no group ${id}`);
  return found;
}

describe('aws page kinds', () => {
  it('each kind recognises its own body and no other', () => {
    const bodies = {
      DescribeSecurityGroups: groupsPage(securityGroup()),
      DescribeSecurityGroupRules: rulesPage(sgRule()),
      DescribeNetworkInterfaces: interfacesPage(networkInterface('eni-0a1b2c3d4e5f60718', [WEB])),
    };
    for (const [name, body] of Object.entries(bodies)) {
      expect(awsPageKinds.filter((k) => k.matches(body)).map((k) => k.name)).toEqual([`aws:${name}`]);
    }
    for (const other of [{}, { SecurityGroups: {} }, { security_groups: [] }, [], null, 'SecurityGroups']) {
      expect(awsPageKinds.filter((k) => k.matches(other))).toEqual([]);
    }
  });
});

describe('aws:DescribeSecurityGroups', () => {
  it('reads group metadata; the account comes from the context, or from OwnerId on a bare body', () => {
    const page = groupsPage(securityGroup());
    expect(groupsKind.normalize(page, ctx).groups).toEqual([
      {
        provider: 'aws',
        account: ACCOUNT,
        region: REGION,
        vpcId: VPC,
        id: WEB,
        name: 'web-public',
        description: 'web tier',
      },
    ]);
    const bare = groupsKind.normalize(groupsPage(securityGroup({ OwnerId: OTHER_ACCOUNT })), bareCtx);
    expect(bare.groups[0]?.account).toBe(OTHER_ACCOUNT);
    expect(bare.unparseable).toEqual([]);
  });

  it('a group with no permissions has no rules and nothing unparseable', () => {
    const result = groupsKind.normalize(groupsPage(securityGroup()), ctx);
    expect(result.groups).toHaveLength(1);
    expect(result.rules).toEqual([]);
    expect(result.unparseable).toEqual([]);
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([]);
  });

  it('every IpRange, Ipv6Range, UserIdGroupPair and PrefixListId of a permission becomes one rule', () => {
    const result = readPermission({
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTPS from anywhere' }, { CidrIp: '10.0.0.0/8' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'HTTPS over IPv6' }, { CidrIpv6: '2001:DB8:0:0::/64' }],
      UserIdGroupPairs: [
        { GroupId: APP, UserId: ACCOUNT, Description: 'from app tier' },
        {
          GroupId: 'sg-0f1e2d3c4b5a69788',
          UserId: OTHER_ACCOUNT,
          VpcId: 'vpc-0aa11bb22cc33dd44',
          VpcPeeringConnectionId: 'pcx-0123456789abcdef0',
          PeeringStatus: 'active',
        },
      ],
      PrefixListIds: [{ PrefixListId: 'pl-6da54004', Description: 'S3' }],
    });
    expect(result.unparseable).toEqual([]);
    expect(rulesOf(result).map(line)).toEqual([
      'ingress ipv4 tcp 443 0.0.0.0/0',
      'ingress ipv4 tcp 443 10.0.0.0/8',
      'ingress ipv6 tcp 443 ::/0',
      'ingress ipv6 tcp 443 2001:db8::/64',
      `ingress ipv4 tcp 443 ${APP}`,
      `ingress ipv4 tcp 443 sg-0f1e2d3c4b5a69788@${OTHER_ACCOUNT}`,
      'ingress ipv4 tcp 443 prefix-list:pl-6da54004',
    ]);
    expect(rulesOf(result).map((r) => r.description)).toEqual([
      'HTTPS from anywhere',
      '',
      'HTTPS over IPv6',
      '',
      'from app tier',
      '',
      'S3',
    ]);
    for (const fragment of result.rules) {
      expect(fragment).toMatchObject({
        provider: 'aws',
        account: ACCOUNT,
        region: REGION,
        groupId: WEB,
        authoritative: false,
      });
      // AWS rules are allow-only, all of equal priority, always in effect.
      expect(fragment.rule).toMatchObject({ action: 'allow', priority: 1, enabled: true });
      expect(fragment.rule.native.derivedId).toBe(true);
      expect(fragment.rule.native.ruleId).toMatch(/^aws~[0-9a-f]{12}$/);
    }
  });

  it('keeps, as evidence, the permission with only the one peer the rule came from', () => {
    const [rule] = rulesOf(
      readPermission({
        IpRanges: [{ CidrIp: '198.51.100.0/24', Description: 'office' }],
        Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      }),
    );
    expect(rule?.native.raw).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      Peer: { CidrIp: '198.51.100.0/24', Description: 'office' },
    });
    expect(JSON.stringify(rule?.native.raw)).not.toContain('::/0');
  });

  it('reads ingress from IpPermissions and egress from IpPermissionsEgress', () => {
    const result = groupsKind.normalize(
      groupsPage(
        securityGroup({
          IpPermissions: [permission({ IpRanges: [{ CidrIp: '203.0.113.0/24' }] })],
          IpPermissionsEgress: [
            permission({
              IpProtocol: '-1',
              FromPort: undefined,
              ToPort: undefined,
              IpRanges: [{ CidrIp: '0.0.0.0/0' }],
              Ipv6Ranges: [{ CidrIpv6: '::/0' }],
            }),
          ],
        }),
      ),
      ctx,
    );
    expect(rulesOf(result).map(line)).toEqual([
      'ingress ipv4 tcp 22 203.0.113.0/24',
      'egress ipv4 all all 0.0.0.0/0',
      'egress ipv6 all all ::/0',
    ]);
  });

  describe('IpProtocol and ports', () => {
    const cases: [string, Raw, string][] = [
      [
        '-1 is every protocol on every port (EC2 lists no ports)',
        { IpProtocol: '-1', FromPort: undefined, ToPort: undefined },
        'all all',
      ],
      ['-1 ignores ports if some are given', { IpProtocol: '-1', FromPort: 22, ToPort: 22 }, 'all all'],
      ['tcp with one port', { IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }, 'tcp 22'],
      ['tcp with a range', { IpProtocol: 'tcp', FromPort: 1024, ToPort: 65535 }, 'tcp 1024-65535'],
      ['tcp 0-65535 is every port', { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535 }, 'tcp all'],
      ['6 is tcp', { IpProtocol: '6', FromPort: 80, ToPort: 443 }, 'tcp 80-443'],
      ['17 is udp', { IpProtocol: '17', FromPort: 53, ToPort: 53 }, 'udp 53'],
      ['udp with a range', { IpProtocol: 'udp', FromPort: 60000, ToPort: 61000 }, 'udp 60000-61000'],
      ['tcp without ports is every port', { IpProtocol: 'tcp', FromPort: undefined, ToPort: undefined }, 'tcp all'],
      ['tcp -1/-1 is every port', { IpProtocol: 'tcp', FromPort: -1, ToPort: -1 }, 'tcp all'],
      [
        'icmp: FromPort is the type, ToPort the code',
        { IpProtocol: 'icmp', FromPort: 3, ToPort: 4 },
        `icmp ${3 * 256 + 4}`,
      ],
      [
        'icmp: ToPort -1 is every code of the type',
        { IpProtocol: 'icmp', FromPort: 8, ToPort: -1 },
        `icmp ${8 * 256}-${8 * 256 + 255}`,
      ],
      ['icmp: -1/-1 is every type', { IpProtocol: 'icmp', FromPort: -1, ToPort: -1 }, 'icmp all'],
      ['icmp without ports is every type', { IpProtocol: 'icmp', FromPort: undefined, ToPort: undefined }, 'icmp all'],
      ['1 is icmp', { IpProtocol: '1', FromPort: 0, ToPort: -1 }, 'icmp 0-255'],
      ['icmpv6 -1/-1 is every type', { IpProtocol: 'icmpv6', FromPort: -1, ToPort: -1 }, 'icmpv6 all'],
      ['icmpv6 type 128 code 0', { IpProtocol: 'icmpv6', FromPort: 128, ToPort: 0 }, `icmpv6 ${128 * 256}`],
      ['58 is icmpv6', { IpProtocol: '58', FromPort: -1, ToPort: -1 }, 'icmpv6 all'],
      [
        '50 (ESP) is protocol 50, which has no ports',
        { IpProtocol: '50', FromPort: undefined, ToPort: undefined },
        '50 all',
      ],
      ['47 is gre, which has no ports', { IpProtocol: '47', FromPort: -1, ToPort: -1 }, 'gre all'],
    ];
    for (const [title, fields, expected] of cases) {
      it(title, () => {
        const rule = onlyRule({ ...fields, IpRanges: [{ CidrIp: '10.0.0.0/16' }] });
        expect(line(rule)).toBe(`ingress ipv4 ${expected} 10.0.0.0/16`);
        for (const range of rule.ports)
          expect(0 <= range.from && range.from <= range.to && range.to <= 65535).toBe(true);
      });
    }
  });

  describe('group references', () => {
    it('a reference to the group itself is `self`, with no account', () => {
      const rule = onlyRule({
        IpProtocol: '-1',
        FromPort: undefined,
        ToPort: undefined,
        UserIdGroupPairs: [{ GroupId: WEB, UserId: ACCOUNT }],
      });
      expect(rule.peer).toEqual({ kind: 'group', groupId: WEB, self: true });
    });

    it('a reference to another group of the same account has no account', () => {
      const rule = onlyRule({ UserIdGroupPairs: [{ GroupId: APP, UserId: ACCOUNT }] });
      expect(rule.peer).toEqual({ kind: 'group', groupId: APP, self: false });
    });

    it('a reference to a group of another account keeps that account (UserId)', () => {
      const rule = onlyRule({
        UserIdGroupPairs: [
          {
            GroupId: 'sg-0f1e2d3c4b5a69788',
            UserId: OTHER_ACCOUNT,
            VpcId: 'vpc-0aa11bb22cc33dd44',
            VpcPeeringConnectionId: 'pcx-0123456789abcdef0',
            PeeringStatus: 'active',
          },
        ],
      });
      expect(rule.peer).toEqual({
        kind: 'group',
        groupId: 'sg-0f1e2d3c4b5a69788',
        self: false,
        account: OTHER_ACCOUNT,
      });
    });

    it('on a bare body, the own account is the OwnerId, so a same-account UserId is not cross-account', () => {
      const result = readPermission(
        {
          UserIdGroupPairs: [
            { GroupId: APP, UserId: ACCOUNT },
            { GroupId: DB, UserId: OTHER_ACCOUNT },
          ],
        },
        false,
        bareCtx,
      );
      expect(result.rules.map((f) => f.rule.peer)).toEqual([
        { kind: 'group', groupId: APP, self: false },
        { kind: 'group', groupId: DB, self: false, account: OTHER_ACCOUNT },
      ]);
      expect(result.rules.every((f) => f.account === ACCOUNT)).toBe(true);
    });
  });

  describe('derived rule ids', () => {
    const rich = (): Raw =>
      groupsPage(
        securityGroup({
          IpPermissions: [
            permission({
              IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '192.168.0.0/16' }],
              Ipv6Ranges: [{ CidrIpv6: '::/0' }],
            }),
            permission({ FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
            permission({ IpProtocol: 'udp', IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
            permission({
              IpProtocol: '-1',
              FromPort: undefined,
              ToPort: undefined,
              UserIdGroupPairs: [{ GroupId: WEB, UserId: ACCOUNT }],
              PrefixListIds: [{ PrefixListId: 'pl-6da54004' }],
            }),
          ],
          IpPermissionsEgress: [
            // The same peer and ports as an ingress rule: a different rule.
            permission({ IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
          ],
        }),
        securityGroup({ GroupId: DB, IpPermissions: [permission({ IpRanges: [{ CidrIp: '10.0.0.0/8' }] })] }),
      );

    it('are the same on every run', () => {
      const first = groupsKind.normalize(rich(), ctx).rules.map((f) => f.rule.native.ruleId);
      const second = groupsKind.normalize(structuredClone(rich()), ctx).rules.map((f) => f.rule.native.ruleId);
      expect(first).toHaveLength(9);
      expect(second).toEqual(first);
    });

    it('differ between different rules (peer, ports, protocol, direction, group)', () => {
      const ids = groupsKind.normalize(rich(), ctx).rules.map((f) => f.rule.native.ruleId);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('do not depend on the order of permissions, peers or keys', () => {
      const a = readPermission({ IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '192.168.0.0/16' }] });
      const reordered = groupsKind.normalize(
        groupsPage({
          ...securityGroup(),
          IpPermissions: [
            {
              UserIdGroupPairs: [],
              PrefixListIds: [],
              Ipv6Ranges: [],
              IpRanges: [{ CidrIp: '192.168.0.0/16' }, { CidrIp: '10.0.0.0/8' }],
              ToPort: 22,
              FromPort: 22,
              IpProtocol: 'tcp',
            },
          ],
        }),
        ctx,
      );
      const ids = (r: PageResult) => r.rules.map((f) => f.rule.native.ruleId).sort();
      expect(ids(reordered)).toEqual(ids(a));
    });

    it('name the same rule the same whichever spelling EC2 used (6 / tcp, host bits, IPv6 case)', () => {
      const a = onlyRule({ IpProtocol: 'tcp', Ipv6Ranges: [{ CidrIpv6: '2001:db8::/64' }] });
      const b = onlyRule({ IpProtocol: '6', Ipv6Ranges: [{ CidrIpv6: '2001:DB8:0:0:0:0:0:0/64' }] });
      expect(b.native.ruleId).toBe(a.native.ruleId);
    });

    it('do not change when only the description changes', () => {
      const a = onlyRule({ IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'old' }] });
      const b = onlyRule({ IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'new' }] });
      expect(b.native.ruleId).toBe(a.native.ruleId);
    });
  });

  describe('what cannot be read becomes an unparseable record; the rest of the page is read', () => {
    it('a bad CIDR', () => {
      for (const cidr of ['10.0.0.0/33', '300.1.2.3/32', 'anywhere', '', '::/0', 42]) {
        expect(onlyReason({ IpRanges: [{ CidrIp: cidr }] })).toMatch(/not an ipv4 CIDR/);
      }
      for (const cidr of ['2001:db8::/129', '0.0.0.0/0', 'gggg::/16']) {
        expect(onlyReason({ Ipv6Ranges: [{ CidrIpv6: cidr }] })).toMatch(/not an ipv6 CIDR/);
      }
    });

    it('FromPort greater than ToPort, ports out of range, or only one of them', () => {
      expect(onlyReason({ FromPort: 443, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })).toMatch(/443-80/);
      expect(onlyReason({ FromPort: 0, ToPort: 70000, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })).toMatch(/70000/);
      expect(onlyReason({ FromPort: 22, ToPort: undefined, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })).toMatch(
        /FromPort 22/,
      );
      expect(onlyReason({ FromPort: 'twenty-two', ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })).toMatch(
        /twenty-two/,
      );
    });

    it('an ICMP type or code outside -1..255', () => {
      // EC2 accepts ICMP type and code -1..255 only; anything else would put the rule outside the port dimension.
      expect(
        onlyReason({ IpProtocol: 'icmp', FromPort: 256, ToPort: -1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
      ).not.toBe('');
      expect(
        onlyReason({ IpProtocol: 'icmpv6', FromPort: 65535, ToPort: 0, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }),
      ).not.toBe('');
      expect(
        onlyReason({ IpProtocol: 'icmp', FromPort: 8, ToPort: 300, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }),
      ).not.toBe('');
    });

    it('an unknown protocol', () => {
      for (const protocol of ['tcpx', '256', '-2', 'sctp?', null, undefined, { name: 'tcp' }]) {
        expect(onlyReason({ IpProtocol: protocol, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })).toMatch(
          /IpProtocol .* is not a protocol/,
        );
      }
    });

    it('a permission naming no peer', () => {
      expect(onlyReason({ IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] })).toMatch(
        /names no IpRanges/,
      );
      expect(
        onlyReason({
          IpRanges: undefined,
          Ipv6Ranges: undefined,
          UserIdGroupPairs: undefined,
          PrefixListIds: undefined,
        }),
      ).toMatch(/names no/);
    });

    it('a peer without its id', () => {
      expect(onlyReason({ UserIdGroupPairs: [{ UserId: ACCOUNT }] })).toMatch(/without GroupId/);
      expect(onlyReason({ PrefixListIds: [{ Description: 'S3' }] })).toMatch(/without PrefixListId/);
      expect(onlyReason({ IpRanges: [null] })).toMatch(/not an ipv4 CIDR/);
    });

    it('non-objects: a group, a permission, a permission list', () => {
      const result = groupsKind.normalize(
        groupsPage(
          null,
          'sg-0123',
          securityGroup({ GroupId: undefined }),
          securityGroup({
            IpPermissions: [null, 7, permission({ IpRanges: [{ CidrIp: '10.0.0.0/8' }] })],
            IpPermissionsEgress: { IpProtocol: '-1' },
          }),
        ),
        ctx,
      );
      expect(result.groups.map((g) => g.id)).toEqual([WEB]);
      expect(rulesOf(result).map(line)).toEqual(['ingress ipv4 tcp 22 10.0.0.0/8']);
      expect(result.unparseable.map((u) => u.reason)).toEqual([
        'security group without GroupId',
        'security group without GroupId',
        'security group without GroupId',
        'permission is not an object',
        'permission is not an object',
        'IpPermissionsEgress is not a list',
      ]);
    });

    it('one bad peer does not hide the good peers of the same permission, nor the other groups', () => {
      const result = groupsKind.normalize(
        groupsPage(
          securityGroup({
            IpPermissions: [
              permission({
                IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '10.0.0.0/99' }],
                Ipv6Ranges: [{ CidrIpv6: '::/0' }],
              }),
              permission({ IpProtocol: 'bogus', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
              permission({ FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
            ],
          }),
          securityGroup({
            GroupId: DB,
            GroupName: 'db',
            IpPermissions: [
              permission({ FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: WEB, UserId: ACCOUNT }] }),
            ],
          }),
        ),
        ctx,
      );
      expect(result.groups.map((g) => g.id)).toEqual([WEB, DB]);
      expect(rulesOf(result).map(line)).toEqual([
        'ingress ipv4 tcp 22 10.0.0.0/8',
        'ingress ipv6 tcp 22 ::/0',
        'ingress ipv4 tcp 3389 0.0.0.0/0',
        `ingress ipv4 tcp 5432 ${WEB}`,
      ]);
      expect(result.unparseable).toHaveLength(2);
      for (const record of result.unparseable) {
        // Enough to find it again: where it came from, which group, and the raw entry.
        expect(record).toMatchObject({
          provider: 'aws',
          account: ACCOUNT,
          region: REGION,
          groupId: WEB,
          groupName: 'web-public',
          origin: 'test page 0',
        });
        expect(record.raw).toBeDefined();
        expect(record.reason).not.toBe('');
      }
      expect(result.unparseable[0]?.raw).toMatchObject({ IpProtocol: 'tcp', Peer: { CidrIp: '10.0.0.0/99' } });
    });
  });
});

describe('aws:DescribeSecurityGroupRules', () => {
  it('uses the sgr- ids as authoritative rule ids', () => {
    const result = rulesKind.normalize(rulesPage(sgRule()), ctx);
    expect(result.unparseable).toEqual([]);
    expect(result.groups).toEqual([]);
    expect(result.rules).toHaveLength(1);
    const fragment = result.rules[0] as RuleFragment;
    expect(fragment).toMatchObject({
      provider: 'aws',
      account: ACCOUNT,
      region: REGION,
      groupId: WEB,
      authoritative: true,
    });
    expect(fragment.rule.native).toMatchObject({ ruleId: 'sgr-0a1b2c3d4e5f60718', derivedId: false });
    expect(fragment.rule).toMatchObject({ action: 'allow', priority: 1, enabled: true, description: 'HTTPS' });
    expect(line(fragment.rule)).toBe('ingress ipv4 tcp 443 0.0.0.0/0');
  });

  it('IsEgress picks the direction; CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupInfo are the peer', () => {
    const result = rulesKind.normalize(
      rulesPage(
        sgRule({
          SecurityGroupRuleId: 'sgr-01',
          IsEgress: true,
          IpProtocol: '-1',
          FromPort: -1,
          ToPort: -1,
          CidrIpv4: '0.0.0.0/0',
        }),
        sgRule({
          SecurityGroupRuleId: 'sgr-02',
          IsEgress: true,
          IpProtocol: '-1',
          FromPort: -1,
          ToPort: -1,
          CidrIpv4: undefined,
          CidrIpv6: '::/0',
        }),
        sgRule({ SecurityGroupRuleId: 'sgr-03', CidrIpv4: undefined, CidrIpv6: '2001:db8:1234::/48' }),
        sgRule({ SecurityGroupRuleId: 'sgr-04', CidrIpv4: undefined, PrefixListId: 'pl-6da54004' }),
        sgRule({
          SecurityGroupRuleId: 'sgr-05',
          IpProtocol: '-1',
          FromPort: -1,
          ToPort: -1,
          CidrIpv4: undefined,
          ReferencedGroupInfo: { GroupId: WEB, UserId: ACCOUNT },
        }),
        sgRule({
          SecurityGroupRuleId: 'sgr-06',
          GroupId: DB,
          FromPort: 5432,
          ToPort: 5432,
          CidrIpv4: undefined,
          ReferencedGroupInfo: { GroupId: WEB, UserId: ACCOUNT },
        }),
        sgRule({
          SecurityGroupRuleId: 'sgr-07',
          FromPort: 8443,
          ToPort: 8443,
          CidrIpv4: undefined,
          ReferencedGroupInfo: {
            GroupId: 'sg-0f1e2d3c4b5a69788',
            UserId: OTHER_ACCOUNT,
            VpcId: 'vpc-0aa11bb22cc33dd44',
            VpcPeeringConnectionId: 'pcx-0123456789abcdef0',
            PeeringStatus: 'deleted',
          },
        }),
        sgRule({ SecurityGroupRuleId: 'sgr-08', IpProtocol: 'icmp', FromPort: 8, ToPort: -1 }),
      ),
      ctx,
    );
    expect(result.unparseable).toEqual([]);
    expect(result.rules.map((f) => [f.rule.native.ruleId, f.groupId, line(f.rule)])).toEqual([
      ['sgr-01', WEB, 'egress ipv4 all all 0.0.0.0/0'],
      ['sgr-02', WEB, 'egress ipv6 all all ::/0'],
      ['sgr-03', WEB, 'ingress ipv6 tcp 443 2001:db8:1234::/48'],
      ['sgr-04', WEB, 'ingress ipv4 tcp 443 prefix-list:pl-6da54004'],
      ['sgr-05', WEB, `ingress ipv4 all all self:${WEB}`],
      ['sgr-06', DB, `ingress ipv4 tcp 5432 ${WEB}`],
      ['sgr-07', WEB, `ingress ipv4 tcp 8443 sg-0f1e2d3c4b5a69788@${OTHER_ACCOUNT}`],
      ['sgr-08', WEB, `ingress ipv4 icmp ${8 * 256}-${8 * 256 + 255} 0.0.0.0/0`],
    ]);
    expect(result.rules.every((f) => f.authoritative && !f.rule.native.derivedId)).toBe(true);
  });

  it('on a bare body the account is the GroupOwnerId', () => {
    const result = rulesKind.normalize(rulesPage(sgRule({ GroupOwnerId: OTHER_ACCOUNT })), bareCtx);
    expect(result.rules[0]?.account).toBe(OTHER_ACCOUNT);
  });

  it('a rule without an id gets a derived one and is still read', () => {
    const result = rulesKind.normalize(rulesPage(sgRule({ SecurityGroupRuleId: undefined })), ctx);
    expect(result.unparseable).toEqual([]);
    expect(result.rules[0]?.rule.native).toMatchObject({ derivedId: true });
    expect(result.rules[0]?.rule.native.ruleId).toMatch(/^aws~/);
  });

  it('malformed entries become unparseable records, with their sgr- id; the rest is read', () => {
    const result = rulesKind.normalize(
      rulesPage(
        null,
        sgRule({ SecurityGroupRuleId: 'sgr-bad-cidr', CidrIpv4: '10.0.0.0/40' }),
        sgRule({ SecurityGroupRuleId: 'sgr-bad-ports', FromPort: 443, ToPort: 80 }),
        sgRule({ SecurityGroupRuleId: 'sgr-bad-proto', IpProtocol: 'tcp/udp' }),
        sgRule({ SecurityGroupRuleId: 'sgr-no-peer', CidrIpv4: undefined }),
        sgRule({ SecurityGroupRuleId: 'sgr-no-direction', IsEgress: 'false' }),
        sgRule({ SecurityGroupRuleId: 'sgr-no-group', GroupId: undefined }),
        sgRule({ SecurityGroupRuleId: 'sgr-good' }),
      ),
      ctx,
    );
    expect(result.rules.map((f) => f.rule.native.ruleId)).toEqual(['sgr-good']);
    expect(result.unparseable.map((u) => [u.ruleId, u.groupId])).toEqual([
      ['', ''],
      ['sgr-bad-cidr', WEB],
      ['sgr-bad-ports', WEB],
      ['sgr-bad-proto', WEB],
      ['sgr-no-peer', WEB],
      ['sgr-no-direction', WEB],
      ['', ''],
    ]);
    expect(result.unparseable.map((u) => u.reason)).toEqual([
      'security group rule without GroupId',
      expect.stringMatching(/not an ipv4 CIDR/),
      expect.stringMatching(/443-80/),
      expect.stringMatching(/is not a protocol/),
      expect.stringMatching(/no CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo/),
      expect.stringMatching(/IsEgress "false" is not a boolean/),
      'security group rule without GroupId',
    ]);
  });
});

describe('aws:DescribeNetworkInterfaces', () => {
  it('lists each interface with its groups (which it attaches them to), and declares its scope as read', () => {
    const result = interfacesKind.normalize(
      interfacesPage(
        networkInterface('eni-0aaaaaaaaaaaaaaa1', [WEB, DB]),
        networkInterface('eni-0aaaaaaaaaaaaaaa2', [WEB]),
      ),
      ctx,
    );
    expect(result.interfaces?.map((i) => [i.id, i.groupIds, i.account, i.region])).toEqual([
      ['eni-0aaaaaaaaaaaaaaa1', [WEB, DB], ACCOUNT, REGION],
      ['eni-0aaaaaaaaaaaaaaa2', [WEB], ACCOUNT, REGION],
    ]);
    // Attachments apart are for interfaces not read in full only.
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([{ provider: 'aws', account: ACCOUNT, region: REGION }]);
    expect(result.groups).toEqual([]);
    expect(result.rules).toEqual([]);
  });

  it('an empty page still declares its scope: nothing is attached there', () => {
    const result = interfacesKind.normalize(interfacesPage(), ctx);
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([{ provider: 'aws', account: ACCOUNT, region: REGION }]);
  });

  it('on a bare body the account is the interface OwnerId', () => {
    const result = interfacesKind.normalize(
      interfacesPage(networkInterface('eni-0aaaaaaaaaaaaaaa1', [WEB], { OwnerId: OTHER_ACCOUNT })),
      bareCtx,
    );
    expect(result.interfaces?.[0]?.account).toBe(OTHER_ACCOUNT);
    expect(result.attachmentScopes).toEqual([{ provider: 'aws', account: OTHER_ACCOUNT, region: '' }]);
  });

  it('skips groups without a GroupId and interfaces without an id, without throwing', () => {
    const result = interfacesKind.normalize(
      interfacesPage(null, networkInterface('', [WEB]), networkInterface('eni-0aaaaaaaaaaaaaaa3', [WEB]), {
        ...networkInterface('eni-0aaaaaaaaaaaaaaa4', []),
        Groups: [null, { GroupName: 'x' }],
      }),
      ctx,
    );
    expect(result.interfaces?.map((i) => i.id)).toEqual(['eni-0aaaaaaaaaaaaaaa3']);
    expect(result.attachments).toEqual([]);
  });

  it('an interface with a group that does not read is not listed, and its readable groups are attached to it apart', () => {
    const result = interfacesKind.normalize(
      interfacesPage({
        ...networkInterface('eni-0aaaaaaaaaaaaaaa5', [WEB]),
        Groups: [{ GroupId: WEB }, { GroupName: 'x' }],
      }),
      ctx,
    );
    expect(result.interfaces).toEqual([]);
    expect(result.attachments.map((a) => [a.groupId, a.attachment])).toEqual([
      [WEB, { kind: 'network-interface', id: 'eni-0aaaaaaaaaaaaaaa5' }],
    ]);
    expect(result.attachmentScopes).toEqual([]);
  });
});

describe('mergePages of AWS pages', () => {
  const threeGroups = (): Raw =>
    groupsPage(
      securityGroup({
        IpPermissions: [permission({ FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
      }),
      securityGroup({
        GroupId: DB,
        GroupName: 'db',
        IpPermissions: [
          permission({ FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: WEB, UserId: ACCOUNT }] }),
        ],
      }),
      securityGroup({ GroupId: APP, GroupName: 'app-unattached' }),
    );

  it('a group with no interface gets attachments [] only in a scope whose interfaces were read', () => {
    const otherRegion: PageContext = { ...ctx, region: 'us-east-1', origin: 'us page' };
    const estate = mergePages([
      groupsKind.normalize(threeGroups(), ctx),
      groupsKind.normalize(
        groupsPage(securityGroup({ GroupId: 'sg-0eeeeeeeeeeeeeee1', GroupName: 'us-group' })),
        otherRegion,
      ),
      interfacesKind.normalize(
        interfacesPage(
          networkInterface('eni-0aaaaaaaaaaaaaaa1', [WEB, DB]),
          networkInterface('eni-0aaaaaaaaaaaaaaa2', [WEB]),
        ),
        ctx,
      ),
    ]);
    expect(groupById(estate.groups, WEB).attachments?.map((a) => a.id)).toEqual([
      'eni-0aaaaaaaaaaaaaaa1',
      'eni-0aaaaaaaaaaaaaaa2',
    ]);
    expect(groupById(estate.groups, DB).attachments?.map((a) => a.id)).toEqual(['eni-0aaaaaaaaaaaaaaa1']);
    expect(groupById(estate.groups, APP).attachments).toEqual([]);
    // No interface page for us-east-1: unknown, not "attached to nothing".
    expect(groupById(estate.groups, 'sg-0eeeeeeeeeeeeeee1').attachments).toBeUndefined();
  });

  it('without any interface page, attachments stay unknown', () => {
    const estate = mergePages([groupsKind.normalize(threeGroups(), ctx)]);
    expect(estate.groups.map((g) => g.attachments)).toEqual([undefined, undefined, undefined]);
  });

  it('an interface listed on two pages is one attachment', () => {
    const eni = networkInterface('eni-0aaaaaaaaaaaaaaa1', [WEB]);
    const estate = mergePages([
      groupsKind.normalize(threeGroups(), ctx),
      interfacesKind.normalize(interfacesPage(eni), ctx),
      interfacesKind.normalize(interfacesPage(eni), ctx),
    ]);
    expect(groupById(estate.groups, WEB).attachments).toEqual([
      { kind: 'network-interface', id: 'eni-0aaaaaaaaaaaaaaa1' },
    ]);
  });

  it('DescribeSecurityGroupRules replaces the nested IpPermissions of the same group, whatever the page order', () => {
    const groups = groupsKind.normalize(threeGroups(), ctx);
    const rules = [
      rulesKind.normalize(
        rulesPage(
          sgRule({ SecurityGroupRuleId: 'sgr-0000000000000web1' }),
          sgRule({
            SecurityGroupRuleId: 'sgr-0000000000000web2',
            IsEgress: true,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
          }),
        ),
        ctx,
      ),
      // The second page of the paginated call, repeating one rule of the first.
      rulesKind.normalize(
        rulesPage(
          sgRule({
            SecurityGroupRuleId: 'sgr-0000000000000web2',
            IsEgress: true,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
          }),
          sgRule({ SecurityGroupRuleId: 'sgr-0000000000000web3', FromPort: 80, ToPort: 80 }),
        ),
        ctx,
      ),
    ];
    for (const pages of [
      [groups, ...rules],
      [...rules, groups],
      [rules[0] as PageResult, groups, rules[1] as PageResult],
    ]) {
      const estate = mergePages(pages);
      const web = groupById(estate.groups, WEB);
      expect(web.rules.map((r) => r.native.ruleId)).toEqual([
        'sgr-0000000000000web1',
        'sgr-0000000000000web2',
        'sgr-0000000000000web3',
      ]);
      expect(web.rules.every((r) => !r.native.derivedId)).toBe(true);
      // A group the rules pages do not cover keeps the rules nested in DescribeSecurityGroups.
      expect(groupById(estate.groups, DB).rules.map(line)).toEqual([`ingress ipv4 tcp 5432 ${WEB}`]);
      expect(groupById(estate.groups, DB).rules[0]?.native.derivedId).toBe(true);
      // Metadata still comes from the groups page.
      expect(web).toMatchObject({ name: 'web-public', vpcId: VPC, description: 'web tier' });
      expect(estate.groups.map((g) => g.id)).toEqual([...[WEB, DB, APP]].sort());
    }
  });

  it('the same group read from two DescribeSecurityGroups pages keeps one copy of each rule', () => {
    // E.g. two snapshots of one account, or two recordings of one group: same content, same rule ids.
    const page = groupsPage(
      securityGroup({ IpPermissions: [permission({ IpRanges: [{ CidrIp: '0.0.0.0/0' }, { CidrIp: '10.0.0.0/8' }] })] }),
    );
    const estate = mergePages([
      groupsKind.normalize(page, ctx),
      groupsKind.normalize(structuredClone(page), { ...ctx, origin: 'test page 1' }),
    ]);
    const web = groupById(estate.groups, WEB);
    expect(web.rules.map(line)).toEqual(['ingress ipv4 tcp 22 0.0.0.0/0', 'ingress ipv4 tcp 22 10.0.0.0/8']);
  });
});

describe('normalize never throws', () => {
  const exotic = fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withBoxedValues: true,
    withSparseArray: true,
    withTypedArray: true,
  });

  function wellFormed(result: PageResult): void {
    for (const key of ['groups', 'rules', 'attachments', 'attachmentScopes', 'unparseable'] as const) {
      expect(Array.isArray(result[key])).toBe(true);
    }
    for (const record of result.unparseable) {
      expect(record.provider).toBe('aws');
      expect(record.reason).not.toBe('');
    }
  }

  it('on any value (the PageKind contract: never throws, whatever the page)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), exotic), (page) => {
        for (const k of awsPageKinds) wellFormed(k.normalize(page, ctx));
      }),
      { numRuns: 300 },
    );
  });

  it('on pages of the right shape with anything inside', () => {
    const pages = fc.oneof(
      fc.anything().map((item) => groupsPage(item)),
      fc.anything().map((IpPermissions) => groupsPage(securityGroup({ IpPermissions }))),
      fc.anything().map((item) => groupsPage(securityGroup({ IpPermissions: [item] }))),
      fc.anything().map((item) =>
        groupsPage(
          securityGroup({
            IpPermissions: [permission({ IpRanges: [item], UserIdGroupPairs: [item], PrefixListIds: [item] })],
          }),
        ),
      ),
      fc.anything().map((item) => rulesPage(item)),
      fc.anything().map((ReferencedGroupInfo) => rulesPage(sgRule({ CidrIpv4: undefined, ReferencedGroupInfo }))),
      fc.anything().map((item) => interfacesPage(item)),
      fc.anything().map((Groups) => interfacesPage({ ...networkInterface('eni-0aaaaaaaaaaaaaaa1', []), Groups })),
    );
    fc.assert(
      fc.property(pages, (page) => {
        const k = awsPageKinds.find((candidate) => candidate.matches(page));
        expect(k).toBeDefined();
        wellFormed((k as PageKind).normalize(page, ctx));
      }),
      { numRuns: 300 },
    );
  });

  const junk = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constant(''),
    fc.string(),
    fc.integer(),
    fc.anything(),
  );
  const field = (...valid: unknown[]) =>
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: junk });
  const list = <T>(item: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: junk });
  const randomPermission = fc.record(
    {
      IpProtocol: field('-1', 'tcp', 'udp', 'icmp', 'icmpv6', '6', '17', '50', 'TCP', 'sctp'),
      FromPort: field(-1, 0, 22, 80, 443, 8, 65535, 70000, '22'),
      ToPort: field(-1, 0, 22, 80, 443, 4, 65535, 70000, '22'),
      IpRanges: list(
        fc.oneof(
          fc.record(
            {
              CidrIp: field('0.0.0.0/0', '10.0.0.0/8', '203.0.113.7/32', '10.0.0.0/33', '::/0'),
              Description: field('', 'office'),
            },
            { requiredKeys: ['CidrIp'] },
          ),
          junk,
        ),
      ),
      Ipv6Ranges: list(
        fc.oneof(fc.record({ CidrIpv6: field('::/0', '2001:db8::/32', '0.0.0.0/0', '2001:db8::/200') }), junk),
      ),
      UserIdGroupPairs: list(
        fc.oneof(
          fc.record({ GroupId: field(WEB, APP, ''), UserId: field(ACCOUNT, OTHER_ACCOUNT) }, { requiredKeys: [] }),
          junk,
        ),
      ),
      PrefixListIds: list(fc.oneof(fc.record({ PrefixListId: field('pl-6da54004', '') }, { requiredKeys: [] }), junk)),
    },
    { requiredKeys: ['IpProtocol'] },
  );
  const permissionOrJunk = fc.oneof(
    { weight: 9, arbitrary: randomPermission },
    { weight: 1, arbitrary: fc.anything() },
  );

  /** How many rules (or unparseable records) a permission must give: one per listed peer, or one if it lists none. */
  function expectedOutputs(permission: unknown): number {
    if (typeof permission !== 'object' || permission === null || Array.isArray(permission)) return 1;
    const p = permission as Raw;
    const peers = ['IpRanges', 'Ipv6Ranges', 'UserIdGroupPairs', 'PrefixListIds'].reduce(
      (n, key) => n + (Array.isArray(p[key]) ? (p[key] as unknown[]).length : 0),
      0,
    );
    return Math.max(1, peers);
  }

  it('on random permissions: every peer becomes exactly one rule or one unparseable record', () => {
    let read = 0;
    let unreadable = 0;
    fc.assert(
      fc.property(
        fc.array(permissionOrJunk, { maxLength: 6 }),
        fc.array(permissionOrJunk, { maxLength: 3 }),
        (ingress, egress) => {
          const result = groupsKind.normalize(
            groupsPage(securityGroup({ IpPermissions: ingress, IpPermissionsEgress: egress })),
            ctx,
          );
          wellFormed(result);
          expect(result.groups.map((g) => g.id)).toEqual([WEB]);
          const expected = [...ingress, ...egress].reduce((n: number, p) => n + expectedOutputs(p), 0);
          expect(result.rules.length + result.unparseable.length).toBe(expected);
          for (const { rule, groupId, authoritative } of result.rules) {
            expect(groupId).toBe(WEB);
            expect(authoritative).toBe(false);
            expect(rule.ports.length).toBeGreaterThan(0);
            for (const range of rule.ports)
              expect(0 <= range.from && range.from <= range.to && range.to <= 65535).toBe(true);
            if (rule.peer.kind === 'cidr') expect(rule.peer.cidr.includes(':')).toBe(rule.family === 'ipv6');
            expect(rule.native.ruleId).toMatch(/^aws~[0-9a-f]{12}$/);
          }
          for (const record of result.unparseable) expect(record.groupId).toBe(WEB);
          read += result.rules.length;
          unreadable += result.unparseable.length;
        },
      ),
      { numRuns: 300 },
    );
    // The generator reaches both outcomes, so the count above is not trivially met.
    expect(read).toBeGreaterThan(50);
    expect(unreadable).toBeGreaterThan(50);
  });
});
