import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alibabaPageKinds, normalize } from '../adapters/alibaba/normalize.ts';
import { mergePages } from '../src/model/merge.ts';
import type { PageContext, PageKind, PageResult } from '../src/model/page.ts';
import { ALL_PORTS } from '../src/model/protocol.ts';
import type { Rule } from '../src/model/types.ts';
import { pageKind, theReason } from './support/page-results.ts';

// Bodies are shaped like the documented responses (PascalCase, as the OpenAPI returns them and
// as `body.toMap()` of @alicloud/ecs20140526 gives them).

function fixture(name: string): Record<string, unknown> {
  const url = new URL(`./fixtures/alibaba/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

const ctx: PageContext = { provider: 'alibaba', account: '123456789012', region: 'cn-hangzhou', origin: 'test.json#0' };
const GROUP_ID = 'sg-bp1gxw6bznjjvhu30001';

function kind(name: string): PageKind {
  return pageKind(alibabaPageKinds, `alibaba:${name}`);
}

/** A permission as DescribeSecurityGroupAttribute lists it: every field present, '' where unused. */
function permission(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    SecurityGroupRuleId: 'sgr-bp12kewq32dfwrdi0001',
    Direction: 'ingress',
    Policy: 'Accept',
    Priority: '1',
    IpProtocol: 'TCP',
    PortRange: '22/22',
    SourceCidrIp: '',
    Ipv6SourceCidrIp: '',
    SourceGroupId: '',
    SourceGroupName: '',
    SourceGroupOwnerAccount: '',
    SourcePrefixListId: '',
    SourcePrefixListName: '',
    SourcePortRange: '',
    DestCidrIp: '',
    Ipv6DestCidrIp: '',
    DestGroupId: '',
    DestGroupName: '',
    DestGroupOwnerAccount: '',
    DestPrefixListId: '',
    DestPrefixListName: '',
    NicType: 'intranet',
    Description: '',
    CreateTime: '2024-05-01T10:00:00Z',
    ...fields,
  };
}

function attributePage(permissions: unknown[], fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RequestId: '473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E',
    RegionId: 'cn-hangzhou',
    SecurityGroupId: GROUP_ID,
    SecurityGroupName: 'web',
    Description: 'web servers',
    VpcId: 'vpc-bp1opxu1zkhn00gzv0001',
    InnerAccessPolicy: 'Accept',
    Permissions: { Permission: permissions },
    ...fields,
  };
}

function rulesOf(result: PageResult): Rule[] {
  return result.rules.map((fragment) => fragment.rule);
}

/** The one rule read from one permission (fails the test if it was not read). */
function ruleFrom(fields: Record<string, unknown>): Rule {
  const result = normalize(attributePage([permission(fields)]), ctx);
  expect(result.unparseable).toEqual([]);
  const rule = result.rules[0]?.rule;
  if (!rule) throw new Error('no rule');
  return rule;
}

/** The reason a single permission could not be read (fails the test if it was read). */
function reasonFor(fields: Record<string, unknown>): string {
  return theReason(normalize(attributePage([permission(fields)]), ctx));
}

describe('alibabaPageKinds', () => {
  it('names the ECS calls (groups, rules, interfaces, prefix and port lists, instances, launch templates) and Auto Scaling scaling configurations (ECS and ECI), for the alibaba provider only', () => {
    expect(alibabaPageKinds.map((k) => k.name)).toEqual([
      'alibaba:DescribeSecurityGroups',
      'alibaba:DescribeSecurityGroupAttribute',
      'alibaba:DescribeNetworkInterfaces',
      'alibaba:DescribePrefixLists',
      'alibaba:DescribePrefixListAttributes',
      'alibaba:DescribePrefixListAttributes refused',
      'alibaba:DescribePortRangeLists',
      'alibaba:DescribePortRangeListEntries',
      'alibaba:DescribePortRangeListEntries refused',
      'alibaba:DescribeInstances',
      'alibaba:DescribeLaunchTemplates',
      'alibaba:DescribeLaunchTemplateVersions',
      'alibaba:DescribeScalingConfigurations',
      'alibaba:DescribeEciScalingConfigurations',
    ]);
    for (const k of alibabaPageKinds) expect(k.providers).toEqual(['alibaba']);
  });

  it('each kind recognises its own documented response and no other', () => {
    const bodies: Record<string, unknown> = {
      DescribeSecurityGroups: fixture('describe-security-groups.json'),
      DescribeSecurityGroupAttribute: fixture('describe-security-group-attribute-default.json'),
      DescribeNetworkInterfaces: fixture('describe-network-interfaces.json'),
    };
    for (const [call, body] of Object.entries(bodies)) {
      for (const k of alibabaPageKinds)
        expect(k.matches(body), `${k.name} on ${call}`).toBe(k.name === `alibaba:${call}`);
    }
  });

  it('does not recognise other clouds’ shapes or broken bodies', () => {
    const others: unknown[] = [
      null,
      'SecurityGroups',
      [],
      { SecurityGroups: [{ GroupId: 'sg-1' }] }, // AWS DescribeSecurityGroups
      { security_groups: [] }, // Huawei / OTC
      { SecurityGroups: { SecurityGroup: 'sg-1' } },
      { SecurityGroupId: 42, Permissions: { Permission: [] } },
      { SecurityGroupId: 'sg-1', Permissions: [] },
      { SecurityGroupId: 'sg-1' },
      { NetworkInterfaceSets: [] },
      { NetworkInterfaceSets: { NetworkInterfaceSet: {} } },
    ];
    for (const page of others) for (const k of alibabaPageKinds) expect(k.matches(page)).toBe(false);
  });
});

describe('DescribeSecurityGroups', () => {
  it('reads each group’s metadata and no rules', () => {
    const result = normalize(fixture('describe-security-groups.json'), ctx);
    expect(result.groups).toEqual([
      {
        provider: 'alibaba',
        account: '123456789012',
        region: 'cn-hangzhou',
        vpcId: 'vpc-bp1opxu1zkhn00gzv0001',
        id: 'sg-bp67acfmxazb4p0001',
        name: 'sg-default',
        description: 'System created security group.',
        groupType: 'normal',
      },
      {
        provider: 'alibaba',
        account: '123456789012',
        region: 'cn-hangzhou',
        vpcId: 'vpc-bp1opxu1zkhn00gzv0001',
        id: 'sg-bp67acfmxazb4p0002',
        name: 'web-advanced',
        description: '',
        groupType: 'enterprise',
      },
    ]);
    expect(result.rules).toEqual([]);
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([]);
    expect(result.unparseable).toEqual([]);
  });

  it('takes the region from the context, else from the page’s RegionId', () => {
    const page = fixture('describe-security-groups.json');
    expect(normalize(page, { ...ctx, region: 'eu-central-1' }).groups.map((g) => g.region)).toEqual([
      'eu-central-1',
      'eu-central-1',
    ]);
    expect(normalize(page, { ...ctx, region: '' }).groups.map((g) => g.region)).toEqual(['cn-hangzhou', 'cn-hangzhou']);
  });

  it('reads SecurityGroupType in any case and leaves it unset when absent', () => {
    const page = {
      RegionId: 'cn-hangzhou',
      SecurityGroups: {
        SecurityGroup: [
          { SecurityGroupId: 'sg-a', SecurityGroupType: 'Enterprise' },
          { SecurityGroupId: 'sg-b', SecurityGroupType: 'NORMAL' },
          { SecurityGroupId: 'sg-c' },
        ],
      },
    };
    const groups = normalize(page, ctx).groups;
    expect(groups.map((g) => g.groupType)).toEqual(['enterprise', 'normal', undefined]);
    // Absent rather than undefined: merged pages must not erase a type another page read.
    expect(groups[2]).not.toHaveProperty('groupType');
  });

  it('keeps a group whose type it cannot read, reports the type, and reads the rest', () => {
    const page = {
      SecurityGroups: {
        SecurityGroup: [
          { SecurityGroupId: 'sg-a', SecurityGroupName: 'a', SecurityGroupType: 'premium' },
          { SecurityGroupName: 'no id' },
          'sg-c',
          { SecurityGroupId: 'sg-d', SecurityGroupName: 42 },
        ],
      },
    };
    const result = normalize(page, ctx);
    expect(result.groups.map((g) => [g.id, g.name])).toEqual([
      ['sg-a', 'a'],
      ['sg-d', ''],
    ]);
    expect(result.groups[0]).not.toHaveProperty('groupType');
    expect(result.unparseable.map((u) => [u.groupId, u.reason])).toEqual([
      ['sg-a', 'SecurityGroupType "premium" is not normal or enterprise'],
      ['', 'security group has no SecurityGroupId (got undefined)'],
      ['', 'security group entry "sg-c" is not an object'],
    ]);
  });
});

describe('DescribeSecurityGroupAttribute: the default group (003: ICMP, 22, 3389 at priority 110)', () => {
  const result = normalize(fixture('describe-security-group-attribute-default.json'), ctx);

  it('reads the group with its InnerAccessPolicy', () => {
    expect(result.groups).toEqual([
      {
        provider: 'alibaba',
        account: '123456789012',
        region: 'cn-hangzhou',
        vpcId: 'vpc-bp1opxu1zkhn00gzv0001',
        id: 'sg-bp67acfmxazb4p0001',
        name: 'sg-default',
        description: 'System created security group.',
        innerAccessPolicy: 'accept',
      },
    ]);
    expect(result.unparseable).toEqual([]);
  });

  it('reads the three documented rules, as authoritative fragments of the group', () => {
    const summary = rulesOf(result).map((r) => [r.direction, r.action, r.priority, r.protocol, r.ports, r.peer]);
    const anywhere = { kind: 'cidr', cidr: '0.0.0.0/0' };
    expect(summary).toEqual([
      ['ingress', 'allow', 110, 'icmp', [ALL_PORTS], anywhere],
      ['ingress', 'allow', 110, 'tcp', [{ from: 22, to: 22 }], anywhere],
      ['ingress', 'allow', 110, 'tcp', [{ from: 3389, to: 3389 }], anywhere],
    ]);
    for (const fragment of result.rules) {
      expect(fragment).toMatchObject({
        provider: 'alibaba',
        account: '123456789012',
        region: 'cn-hangzhou',
        groupId: 'sg-bp67acfmxazb4p0001',
        authoritative: true,
      });
      expect(fragment.rule).toMatchObject({ family: 'ipv4', enabled: true, description: 'System created rule.' });
    }
    expect(rulesOf(result).map((r) => r.native.ruleId)).toEqual([
      'sgr-bp12kewq32dfwrd0001',
      'sgr-bp12kewq32dfwrd0002',
      'sgr-bp12kewq32dfwrd0003',
    ]);
  });
});

describe('DescribeSecurityGroupAttribute: the documented scenarios of 004', () => {
  it('case 2: drop an address range on all ports (All, -1)', () => {
    const rule = ruleFrom({ Policy: 'Drop', IpProtocol: 'ALL', PortRange: '-1/-1', SourceCidrIp: '10.0.0.1/32' });
    expect(rule).toMatchObject({
      direction: 'ingress',
      action: 'deny',
      protocol: 'all',
      ports: [ALL_PORTS],
      peer: { kind: 'cidr', cidr: '10.0.0.1/32' },
      family: 'ipv4',
    });
  });

  it('case 2: drop an address range on port 22', () => {
    const rule = ruleFrom({ Policy: 'Drop', IpProtocol: 'TCP', PortRange: '22/22', SourceCidrIp: '10.0.0.1/32' });
    expect(rule).toMatchObject({ action: 'deny', protocol: 'tcp', ports: [{ from: 22, to: 22 }] });
    expect(rule.peer).toEqual({ kind: 'cidr', cidr: '10.0.0.1/32' });
  });

  it('case 3: allow RDP and SSH from one address (a bare address is its /32)', () => {
    const result = normalize(
      attributePage([
        permission({ SecurityGroupRuleId: 'sgr-rdp', PortRange: '3389/3389', SourceCidrIp: '203.0.113.7' }),
        permission({ SecurityGroupRuleId: 'sgr-ssh', PortRange: '22/22', SourceCidrIp: '203.0.113.7' }),
      ]),
      ctx,
    );
    expect(rulesOf(result).map((r) => [r.action, r.protocol, r.ports, r.peer])).toEqual([
      ['allow', 'tcp', [{ from: 3389, to: 3389 }], { kind: 'cidr', cidr: '203.0.113.7/32' }],
      ['allow', 'tcp', [{ from: 22, to: 22 }], { kind: 'cidr', cidr: '203.0.113.7/32' }],
    ]);
  });

  it('case 4: HTTP and HTTPS from 0.0.0.0/0', () => {
    const result = normalize(
      attributePage([
        permission({ SecurityGroupRuleId: 'sgr-80', PortRange: '80/80', SourceCidrIp: '0.0.0.0/0' }),
        permission({ SecurityGroupRuleId: 'sgr-443', PortRange: '443/443', SourceCidrIp: '0.0.0.0/0' }),
      ]),
      ctx,
    );
    expect(rulesOf(result).map((r) => [r.action, r.protocol, r.ports, r.peer, r.family])).toEqual([
      ['allow', 'tcp', [{ from: 80, to: 80 }], { kind: 'cidr', cidr: '0.0.0.0/0' }, 'ipv4'],
      ['allow', 'tcp', [{ from: 443, to: 443 }], { kind: 'cidr', cidr: '0.0.0.0/0' }, 'ipv4'],
    ]);
  });

  it('case 4, last row: the object "0.0.0.0" is read as the single address, not as everything', () => {
    expect(ruleFrom({ PortRange: '80/80', SourceCidrIp: '0.0.0.0' }).peer).toEqual({
      kind: 'cidr',
      cidr: '0.0.0.0/32',
    });
  });

  it('case 1: a custom TCP range between VPCs', () => {
    const rule = ruleFrom({ PortRange: '8000/8080', SourceCidrIp: '192.168.0.0/16' });
    expect(rule.ports).toEqual([{ from: 8000, to: 8080 }]);
    expect(rule.peer).toEqual({ kind: 'cidr', cidr: '192.168.0.0/16' });
  });
});

describe('DescribeSecurityGroupAttribute: rule fields', () => {
  const cidr = { SourceCidrIp: '198.51.100.0/24' };

  it('Direction: ingress or egress in any case; anything else is unreadable', () => {
    expect(ruleFrom({ ...cidr, Direction: 'Ingress' }).direction).toBe('ingress');
    expect(ruleFrom({ Direction: 'EGRESS', DestCidrIp: '0.0.0.0/0' }).direction).toBe('egress');
    expect(reasonFor({ ...cidr, Direction: undefined })).toBe('Direction is missing');
    expect(reasonFor({ ...cidr, Direction: '' })).toBe('Direction is missing');
    expect(reasonFor({ ...cidr, Direction: 'all' })).toBe('Direction "all" is not ingress or egress');
    expect(reasonFor({ ...cidr, Direction: 1 })).toBe('Direction 1 is not ingress or egress');
  });

  it('Policy: accept → allow, drop → deny in any case; missing → allow; anything else is unreadable', () => {
    expect(ruleFrom({ ...cidr, Policy: 'accept' }).action).toBe('allow');
    expect(ruleFrom({ ...cidr, Policy: 'ACCEPT' }).action).toBe('allow');
    expect(ruleFrom({ ...cidr, Policy: 'Drop' }).action).toBe('deny');
    expect(ruleFrom({ ...cidr, Policy: 'drop' }).action).toBe('deny');
    expect(ruleFrom({ ...cidr, Policy: undefined }).action).toBe('allow');
    expect(ruleFrom({ ...cidr, Policy: '' }).action).toBe('allow');
    expect(reasonFor({ ...cidr, Policy: 'reject' })).toBe('Policy "reject" is not accept or drop');
    expect(reasonFor({ ...cidr, Policy: 'constructor' })).toBe('Policy "constructor" is not accept or drop');
  });

  it('Priority: a string or a number; missing → 1; 110 is kept in a default group and unreadable elsewhere, as is anything above 100', () => {
    expect(ruleFrom({ ...cidr, Priority: '7' }).priority).toBe(7);
    expect(ruleFrom({ ...cidr, Priority: 7 }).priority).toBe(7);
    const inDefaultGroup = normalize(
      attributePage([permission({ ...cidr, Priority: '110' })], { Description: 'System created security group.' }),
      ctx,
    );
    expect(inDefaultGroup.unparseable).toEqual([]);
    expect(inDefaultGroup.rules[0]?.rule.priority).toBe(110);
    expect(reasonFor({ ...cidr, Priority: '110' })).toBe(
      'Priority "110" is not within 1-100 (110 is for the rules of a default group only)',
    );
    expect(reasonFor({ ...cidr, Priority: 101 })).toBe('Priority 101 is not within 1-100');
    expect(ruleFrom({ ...cidr, Priority: undefined }).priority).toBe(1);
    expect(ruleFrom({ ...cidr, Priority: '' }).priority).toBe(1);
  });

  it('Priority: non-numeric, fractional or below 1 is unreadable', () => {
    expect(reasonFor({ ...cidr, Priority: 'high' })).toBe('Priority "high" is not a positive integer');
    expect(reasonFor({ ...cidr, Priority: 1.5 })).toBe('Priority 1.5 is not a positive integer');
    expect(reasonFor({ ...cidr, Priority: '1e2' })).toBe('Priority "1e2" is not a positive integer');
    expect(reasonFor({ ...cidr, Priority: 0 })).toBe('Priority 0 is not a positive integer');
    expect(reasonFor({ ...cidr, Priority: true })).toBe('Priority true is not a positive integer');
  });

  it('IpProtocol: the documented names in any case', () => {
    const read = (IpProtocol: string) => ruleFrom({ ...cidr, IpProtocol, PortRange: '-1/-1' }).protocol;
    expect(['TCP', 'udp', 'ICMP', 'ICMPv6', 'GRE', 'ALL', 'all'].map(read)).toEqual([
      'tcp',
      'udp',
      'icmp',
      'icmpv6',
      'gre',
      'all',
      'all',
    ]);
  });

  it('IpProtocol: missing or unknown is unreadable (an empty one is not "all" here)', () => {
    expect(reasonFor({ ...cidr, IpProtocol: undefined })).toBe('IpProtocol is missing');
    expect(reasonFor({ ...cidr, IpProtocol: '' })).toBe('IpProtocol is missing');
    expect(reasonFor({ ...cidr, IpProtocol: 'SCTP' })).toBe('IpProtocol "SCTP" is not a protocol');
    expect(reasonFor({ ...cidr, IpProtocol: 'constructor' })).toBe('IpProtocol "constructor" is not a protocol');
    expect(reasonFor({ ...cidr, IpProtocol: '__proto__' })).toBe('IpProtocol "__proto__" is not a protocol');
  });

  it('PortRange for TCP/UDP: from/to; -1/-1 is every port', () => {
    expect(ruleFrom({ ...cidr, PortRange: '1/65535' }).ports).toEqual([{ from: 1, to: 65535 }]);
    expect(ruleFrom({ ...cidr, IpProtocol: 'UDP', PortRange: '53/53' }).ports).toEqual([{ from: 53, to: 53 }]);
    expect(ruleFrom({ ...cidr, PortRange: '-1/-1' }).ports).toEqual([ALL_PORTS]);
    expect(ruleFrom({ ...cidr, IpProtocol: 'UDP', PortRange: '-1/-1' }).ports).toEqual([ALL_PORTS]);
  });

  it('PortRange for TCP/UDP: malformed, reversed, out of range or missing is unreadable', () => {
    expect(reasonFor({ ...cidr, PortRange: 'abc' })).toBe('PortRange "abc" is not "from/to"');
    expect(reasonFor({ ...cidr, PortRange: '22' })).toBe('PortRange "22" is not "from/to"');
    expect(reasonFor({ ...cidr, PortRange: 22 })).toBe('PortRange 22 is not "from/to"');
    expect(reasonFor({ ...cidr, PortRange: '22/21' })).toBe('PortRange "22/21" is not a range within 0/65535');
    expect(reasonFor({ ...cidr, PortRange: '1/70000' })).toBe('PortRange "1/70000" is not a range within 0/65535');
    expect(reasonFor({ ...cidr, PortRange: '-1/22' })).toBe('PortRange "-1/22" is not a range within 0/65535');
    expect(reasonFor({ ...cidr, PortRange: '' })).toBe('PortRange is missing');
    expect(reasonFor({ ...cidr, PortRange: undefined })).toBe('PortRange is missing');
  });

  it('PortRange from a port list (PortRangeListId): the rule names the list and covers every port until it is resolved', () => {
    expect(ruleFrom({ ...cidr, PortRange: '-1/-1', PortRangeListId: 'prl-2ze9743' })).toMatchObject({
      portList: { id: 'prl-2ze9743' },
      ports: [ALL_PORTS],
    });
    expect(
      ruleFrom({ ...cidr, PortRange: '-1/-1', IpProtocol: 'ICMP', PortRangeListId: 'prl-2ze9743' }).portList,
    ).toBeUndefined();
  });

  it('ICMP, ICMPv6, GRE and ALL cover every port (Alibaba gives -1/-1)', () => {
    for (const IpProtocol of ['ICMP', 'GRE', 'ALL']) {
      expect(ruleFrom({ ...cidr, IpProtocol, PortRange: '-1/-1' }).ports).toEqual([ALL_PORTS]);
    }
    expect(ruleFrom({ Ipv6SourceCidrIp: '::/0', IpProtocol: 'ICMPv6', PortRange: '-1/-1' }).ports).toEqual([ALL_PORTS]);
  });

  it('ingress sources: IPv4 and IPv6 CIDRs, canonical, with their family', () => {
    expect(ruleFrom({ SourceCidrIp: '10.1.2.3/8' })).toMatchObject({
      peer: { kind: 'cidr', cidr: '10.0.0.0/8' },
      family: 'ipv4',
    });
    expect(ruleFrom({ Ipv6SourceCidrIp: '2001:DB8:0:0::1/64' })).toMatchObject({
      peer: { kind: 'cidr', cidr: '2001:db8::/64' },
      family: 'ipv6',
    });
    expect(ruleFrom({ Ipv6SourceCidrIp: '::/0' })).toMatchObject({
      peer: { kind: 'cidr', cidr: '::/0' },
      family: 'ipv6',
    });
    // The family comes from the address, whichever field carries it.
    expect(ruleFrom({ SourceCidrIp: '2001:db8::/32' }).family).toBe('ipv6');
  });

  it('ingress sources: a security group, self or another, with its owner account when given', () => {
    expect(ruleFrom({ SourceGroupId: GROUP_ID })).toMatchObject({
      peer: { kind: 'group', groupId: GROUP_ID, self: true },
      family: 'ipv4',
    });
    const other = ruleFrom({ SourceGroupId: 'sg-other', SourceGroupOwnerAccount: '1234567890' });
    expect(other.peer).toEqual({ kind: 'group', groupId: 'sg-other', self: false, account: '1234567890' });
    expect(ruleFrom({ SourceGroupId: 'sg-other', SourceGroupOwnerAccount: '' }).peer).toEqual({
      kind: 'group',
      groupId: 'sg-other',
      self: false,
    });
  });

  it('ingress sources: a prefix list', () => {
    expect(ruleFrom({ SourcePrefixListId: 'pl-x1j1k5ykzqlixdcy0001' })).toMatchObject({
      peer: { kind: 'prefix-list', id: 'pl-x1j1k5ykzqlixdcy0001' },
      family: 'ipv4',
    });
  });

  it('egress destinations: the Dest* fields, never the Source* ones', () => {
    const egress = { Direction: 'egress' };
    expect(ruleFrom({ ...egress, DestCidrIp: '0.0.0.0/0' }).peer).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
    expect(ruleFrom({ ...egress, Ipv6DestCidrIp: '::/0' })).toMatchObject({ peer: { cidr: '::/0' }, family: 'ipv6' });
    expect(ruleFrom({ ...egress, DestGroupId: 'sg-db', DestGroupOwnerAccount: '555' }).peer).toEqual({
      kind: 'group',
      groupId: 'sg-db',
      self: false,
      account: '555',
    });
    expect(ruleFrom({ ...egress, DestGroupId: GROUP_ID }).peer).toMatchObject({ self: true });
    expect(ruleFrom({ ...egress, DestPrefixListId: 'pl-dest' }).peer).toEqual({ kind: 'prefix-list', id: 'pl-dest' });
    expect(reasonFor({ ...egress, SourceCidrIp: '0.0.0.0/0' })).toBe(
      'no destination: DestCidrIp, Ipv6DestCidrIp, DestGroupId, DestPrefixListId are all empty',
    );
  });

  it('no source, several sources, or an invalid CIDR is unreadable', () => {
    expect(reasonFor({})).toBe(
      'no source: SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId, SourcePrefixListId are all empty',
    );
    expect(reasonFor({ DestCidrIp: '0.0.0.0/0' })).toMatch(/^no source/);
    expect(reasonFor({ SourceCidrIp: '0.0.0.0/0', SourceGroupId: 'sg-x' })).toBe(
      'several sources: SourceCidrIp, SourceGroupId',
    );
    expect(reasonFor({ SourceCidrIp: '10.0.0.0/33' })).toBe('SourceCidrIp "10.0.0.0/33" is not a CIDR');
    expect(reasonFor({ SourceCidrIp: 'anywhere' })).toBe('SourceCidrIp "anywhere" is not a CIDR');
    expect(reasonFor({ Ipv6SourceCidrIp: '10.0.0.0/8' })).toBe('Ipv6SourceCidrIp "10.0.0.0/8" is not an IPv6 CIDR');
    expect(reasonFor({ SourceCidrIp: 42 })).toBe('SourceCidrIp 42 is not a string');
  });

  it('Description (or ""), and every rule is enabled', () => {
    expect(ruleFrom({ ...cidr, Description: 'office' })).toMatchObject({ description: 'office', enabled: true });
    expect(ruleFrom({ ...cidr, Description: undefined })).toMatchObject({ description: '', enabled: true });
  });

  it('native: the provider rule id and the raw permission', () => {
    const raw = permission({ ...cidr, SecurityGroupRuleId: 'sgr-abc' });
    const result = normalize(attributePage([raw]), ctx);
    expect(result.rules[0]?.rule.native).toEqual({ ruleId: 'sgr-abc', derivedId: false, raw });
    expect(result.rules[0]?.rule.native.raw).toBe(raw);
  });

  it('native: without a rule id, a stable id derived from the permission and the group', () => {
    const read = (groupId: string, fields: Record<string, unknown>) =>
      normalize(attributePage([permission({ ...cidr, ...fields })], { SecurityGroupId: groupId }), ctx).rules[0]?.rule
        .native;
    const first = read(GROUP_ID, { SecurityGroupRuleId: '' });
    expect(first?.derivedId).toBe(true);
    expect(first?.ruleId).toMatch(/^ali~[0-9a-f]{12}$/);
    expect(read(GROUP_ID, { SecurityGroupRuleId: '' })?.ruleId).toBe(first?.ruleId);
    expect(read(GROUP_ID, { SecurityGroupRuleId: undefined })?.ruleId).not.toBe(first?.ruleId);
    expect(read('sg-another', { SecurityGroupRuleId: '' })?.ruleId).not.toBe(first?.ruleId);
    expect(read(GROUP_ID, { SecurityGroupRuleId: '', PortRange: '23/23' })?.ruleId).not.toBe(first?.ruleId);
  });
});

describe('DescribeSecurityGroupAttribute: what cannot be read', () => {
  it('reports an unreadable permission with its group, rule id, origin and raw record; reads the rest', () => {
    const bad = permission({ SecurityGroupRuleId: 'sgr-bad', SourceCidrIp: '0.0.0.0/0', PortRange: 'abc' });
    const page = attributePage([
      permission({ SecurityGroupRuleId: 'sgr-1', SourceCidrIp: '0.0.0.0/0' }),
      bad,
      null,
      permission({ SecurityGroupRuleId: 'sgr-2', SourceCidrIp: '0.0.0.0/0' }),
    ]);
    const result = normalize(page, { ...ctx, region: '' });
    expect(result.rules.map((f) => f.rule.native.ruleId)).toEqual(['sgr-1', 'sgr-2']);
    expect(result.unparseable).toHaveLength(2);
    expect(result.unparseable[0]).toEqual({
      provider: 'alibaba',
      account: '123456789012',
      region: 'cn-hangzhou',
      groupId: GROUP_ID,
      groupName: 'web',
      ruleId: 'sgr-bad',
      reason: 'PortRange "abc" is not "from/to"',
      raw: bad,
      origin: 'test.json#0',
      standsFor: { direction: 'ingress', action: 'allow' },
    });
    expect(result.unparseable[1]).toMatchObject({
      groupId: GROUP_ID,
      reason: 'permission null is not an object',
      raw: null,
    });
    expect(result.unparseable[1]?.ruleId).toMatch(/^ali~/);
  });

  it('InnerAccessPolicy: Accept/Drop in any case; absent leaves it unset; anything else is reported', () => {
    const policy = (InnerAccessPolicy: unknown) => normalize(attributePage([], { InnerAccessPolicy }), ctx);
    expect(policy('Accept').groups[0]?.innerAccessPolicy).toBe('accept');
    expect(policy('Drop').groups[0]?.innerAccessPolicy).toBe('drop');
    expect(policy('drop').groups[0]?.innerAccessPolicy).toBe('drop');
    expect(policy(undefined).groups[0]).not.toHaveProperty('innerAccessPolicy');
    const odd = policy('Maybe');
    expect(odd.groups.map((g) => g.id)).toEqual([GROUP_ID]);
    expect(odd.groups[0]).not.toHaveProperty('innerAccessPolicy');
    expect(odd.unparseable.map((u) => [u.groupId, u.reason])).toEqual([
      [GROUP_ID, 'InnerAccessPolicy "Maybe" is not accept or drop'],
    ]);
  });

  it('a page without a group id or without a rule list is reported, not thrown on', () => {
    const attribute = kind('DescribeSecurityGroupAttribute');
    const noId = attribute.normalize(attributePage([permission()], { SecurityGroupId: '' }), ctx);
    expect(noId.groups).toEqual([]);
    expect(noId.rules).toEqual([]);
    expect(noId.unparseable.map((u) => u.reason)).toEqual(['security group has no SecurityGroupId (got "")']);

    const noList = attribute.normalize(attributePage([], { Permissions: {} }), ctx);
    expect(noList.groups.map((g) => g.id)).toEqual([GROUP_ID]);
    expect(noList.unparseable.map((u) => [u.groupId, u.reason])).toEqual([
      [GROUP_ID, 'Permissions.Permission is not a list (got {})'],
    ]);

    expect(attribute.normalize('nonsense', ctx).unparseable.map((u) => u.reason)).toEqual([
      'not a DescribeSecurityGroupAttribute response: the response object is missing',
    ]);
  });
});

describe('DescribeNetworkInterfaces', () => {
  it('lists each interface with its security groups (which it attaches them to) and declares the scope read', () => {
    const result = normalize(fixture('describe-network-interfaces.json'), ctx);
    const base = { provider: 'alibaba', account: '123456789012', region: 'cn-hangzhou' };
    expect(result.interfaces?.map((i) => [i.provider, i.account, i.region, i.id, i.groupIds])).toEqual([
      [base.provider, base.account, base.region, 'eni-bp17pdijfczax1hu0001', ['sg-bp67acfmxazb4p0001']],
      [
        base.provider,
        base.account,
        base.region,
        'eni-bp17pdijfczax1hu0002',
        ['sg-bp67acfmxazb4p0001', 'sg-bp67acfmxazb4p0002'],
      ],
    ]);
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([base]);
    expect(result.groups).toEqual([]);
    expect(result.rules).toEqual([]);
    expect(result.unparseable).toEqual([]);
  });

  it('takes the region from the context, else the interface’s or the page’s RegionId', () => {
    const page = {
      RegionId: 'cn-beijing',
      NetworkInterfaceSets: {
        NetworkInterfaceSet: [
          { NetworkInterfaceId: 'eni-1', RegionId: 'cn-shanghai', SecurityGroupIds: { SecurityGroupId: ['sg-1'] } },
          { NetworkInterfaceId: 'eni-2', SecurityGroupIds: { SecurityGroupId: ['sg-2'] } },
        ],
      },
    };
    const fromPage = normalize(page, { ...ctx, region: '' });
    expect(fromPage.interfaces?.map((i) => [i.id, i.region])).toEqual([
      ['eni-1', 'cn-shanghai'],
      ['eni-2', 'cn-beijing'],
    ]);
    expect(fromPage.attachmentScopes.map((s) => s.region)).toEqual(['cn-shanghai', 'cn-beijing']);
    expect(normalize(page, ctx).interfaces?.map((i) => i.region)).toEqual(['cn-hangzhou', 'cn-hangzhou']);
  });

  it('an empty list still declares its scope: nothing there is attached', () => {
    const result = normalize({ RegionId: 'cn-hangzhou', NetworkInterfaceSets: { NetworkInterfaceSet: [] } }, ctx);
    expect(result.attachments).toEqual([]);
    expect(result.attachmentScopes).toEqual([{ provider: 'alibaba', account: '123456789012', region: 'cn-hangzhou' }]);
  });

  it('reports an unreadable interface, reads the others, and then does not claim the scope complete', () => {
    const page = {
      NetworkInterfaceSets: {
        NetworkInterfaceSet: [
          { NetworkInterfaceId: 'eni-ok', SecurityGroupIds: { SecurityGroupId: ['sg-1', 'sg-1'] } },
          { NetworkInterfaceId: 'eni-ens', SecurityGroupIds: { SecurityGroup: ['sg-2'] } },
          { SecurityGroupIds: { SecurityGroupId: ['sg-3'] } },
          { NetworkInterfaceId: 'eni-bad', SecurityGroupIds: { SecurityGroupId: ['sg-4', 7] } },
        ],
      },
    };
    const result = normalize(page, ctx);
    expect(result.interfaces?.map((i) => [i.id, i.groupIds])).toEqual([['eni-ok', ['sg-1']]]);
    expect(result.unparseable.map((u) => [u.ruleId, u.reason])).toEqual([
      [
        'eni-ens',
        'network interface eni-ens: SecurityGroupIds.SecurityGroupId is not a list (got {"SecurityGroup":["sg-2"]})',
      ],
      ['', 'network interface has no NetworkInterfaceId (got undefined)'],
      ['eni-bad', 'network interface eni-bad: 7 is not a security group id'],
    ]);
    expect(result.attachmentScopes).toEqual([]);
  });
});

describe('normalize (any Alibaba page)', () => {
  it('reads each page with the kind whose shape it has', () => {
    const bodies = [
      fixture('describe-security-groups.json'),
      fixture('describe-security-group-attribute-default.json'),
      fixture('describe-network-interfaces.json'),
    ];
    bodies.forEach((body, index) => {
      expect(normalize(body, ctx)).toEqual(alibabaPageKinds[index]?.normalize(body, ctx));
    });
  });

  it('reports a page of no known shape instead of dropping it', () => {
    const page = { SecurityGroups: [{ GroupId: 'sg-aws' }] };
    const result = normalize(page, ctx);
    expect(result.groups).toEqual([]);
    expect(result.unparseable).toHaveLength(1);
    expect(result.unparseable[0]).toMatchObject({ provider: 'alibaba', raw: page, origin: 'test.json#0' });
    expect(result.unparseable[0]?.reason).toMatch(/^not an Alibaba ECS response of a known kind/);
  });

  it('the three pages merge into one group with its type, policy, rules and attachments', () => {
    const estate = mergePages(
      [
        fixture('describe-security-groups.json'),
        fixture('describe-security-group-attribute-default.json'),
        fixture('describe-network-interfaces.json'),
      ].map((body) => normalize(body, ctx)),
    );
    const group = estate.groups.find((g) => g.id === 'sg-bp67acfmxazb4p0001');
    expect(group).toMatchObject({ name: 'sg-default', groupType: 'normal', innerAccessPolicy: 'accept' });
    expect(group?.rules.map((r) => r.ports[0]?.from)).toEqual([0, 22, 3389]);
    expect(group?.attachments?.map((a) => a.id)).toEqual(['eni-bp17pdijfczax1hu0001', 'eni-bp17pdijfczax1hu0002']);
    const advanced = estate.groups.find((g) => g.id === 'sg-bp67acfmxazb4p0002');
    expect(advanced).toMatchObject({ groupType: 'enterprise', rules: [] });
    expect(estate.unparseable).toEqual([]);
  });
});

describe('never throws (property tests)', () => {
  const normalizers: [string, (page: unknown, c: PageContext) => PageResult][] = [
    ['normalize', normalize],
    ...alibabaPageKinds.map((k): [string, (page: unknown, c: PageContext) => PageResult] => [k.name, k.normalize]),
  ];

  function wellFormed(result: PageResult): void {
    for (const key of ['groups', 'rules', 'attachments', 'attachmentScopes', 'unparseable'] as const) {
      expect(Array.isArray(result[key])).toBe(true);
    }
    for (const record of result.unparseable) {
      expect(record.provider).toBe('alibaba');
      expect(record.reason).not.toBe('');
    }
  }

  it('on any value, including exotic ones', () => {
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
    fc.assert(
      fc.property(fc.oneof(fc.anything(), exotic), (page) => {
        for (const [, run] of normalizers) wellFormed(run(page, ctx));
      }),
    );
  });

  it('on pages of the right shape with anything inside', () => {
    const pages = fc.oneof(
      fc.anything().map((item) => ({ SecurityGroups: { SecurityGroup: [item] } })),
      fc.anything().map((item) => attributePage([item])),
      fc.anything().map((SecurityGroupId) => attributePage([permission()], { SecurityGroupId })),
      fc.anything().map((item) => ({ NetworkInterfaceSets: { NetworkInterfaceSet: [item] } })),
    );
    fc.assert(
      fc.property(pages, (page) => {
        const result = normalize(page, ctx);
        wellFormed(result);
        expect(result.groups.length + result.attachments.length + result.unparseable.length).toBeGreaterThan(0);
      }),
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
  // Core fields always present (valid or junk); usually one peer field, sometimes none or more.
  const core = fc.record({
    SecurityGroupRuleId: field('sgr-1', 'sgr-2', ''),
    Direction: field('ingress', 'egress', 'Ingress', 'EGRESS'),
    Policy: field('Accept', 'Drop', 'accept', 'drop', undefined),
    Priority: field('1', '100', 110, 5, undefined),
    IpProtocol: field('TCP', 'UDP', 'ICMP', 'ICMPv6', 'GRE', 'ALL'),
    PortRange: field('22/22', '1/65535', '-1/-1', '80/443', '443/80', '0/70000'),
    Description: field('', 'office'),
  });
  const peer = fc.oneof(
    field('0.0.0.0/0', '10.0.0.1', '2001:db8::/32', '300.0.0.0/8').map((SourceCidrIp) => ({ SourceCidrIp })),
    field('::/0', '10.0.0.0/8').map((Ipv6SourceCidrIp) => ({ Ipv6SourceCidrIp })),
    fc.record({ SourceGroupId: field(GROUP_ID, 'sg-other'), SourceGroupOwnerAccount: field('', '1234567890') }),
    field('pl-1').map((SourcePrefixListId) => ({ SourcePrefixListId })),
    field('0.0.0.0/0').map((DestCidrIp) => ({ DestCidrIp })),
    field('::/0').map((Ipv6DestCidrIp) => ({ Ipv6DestCidrIp })),
    fc.record({ DestGroupId: field(GROUP_ID, 'sg-db'), DestGroupOwnerAccount: field('', '555') }),
    field('pl-2').map((DestPrefixListId) => ({ DestPrefixListId })),
  );
  const extras = fc.record(
    { SourceCidrIp: field('', '0.0.0.0/0'), DestGroupId: field(''), PortRangeListId: field('', 'prl-1') },
    { requiredKeys: [] },
  );
  const randomPermission = fc
    .tuple(core, fc.array(peer, { maxLength: 2 }), extras)
    .map(([fields, peers, more]) => Object.assign({}, more, ...peers, fields) as Record<string, unknown>);
  const permissionOrJunk = fc.oneof(
    { weight: 9, arbitrary: randomPermission },
    { weight: 1, arbitrary: fc.anything() },
  );

  it('every permission becomes exactly one rule or one unparseable record', () => {
    let read = 0;
    let unreadable = 0;
    fc.assert(
      fc.property(fc.array(permissionOrJunk, { maxLength: 8 }), (permissions) => {
        const result = normalize(attributePage(permissions), ctx);
        wellFormed(result);
        expect(result.groups.map((g) => g.id)).toEqual([GROUP_ID]);
        expect(result.rules.length + result.unparseable.length).toBe(permissions.length);
        for (const { rule, groupId, authoritative } of result.rules) {
          expect(groupId).toBe(GROUP_ID);
          expect(authoritative).toBe(true);
          expect(Number.isSafeInteger(rule.priority) && rule.priority >= 1).toBe(true);
          for (const range of rule.ports)
            expect(0 <= range.from && range.from <= range.to && range.to <= 65535).toBe(true);
          expect(rule.native.ruleId).not.toBe('');
        }
        read += result.rules.length;
        unreadable += result.unparseable.length;
      }),
      { numRuns: 300 },
    );
    // The generator reaches both outcomes, so the count above is not trivially met.
    expect(read).toBeGreaterThan(50);
    expect(unreadable).toBeGreaterThan(50);
  });
});
