import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { Rule } from '../../src/model/types.ts';
import type { Scope } from '../../src/ports/live.ts';
import type { AwsClient } from './client.ts';
import { errorCode } from './client.ts';
import { toIpPermission } from './encode.ts';
import { PAGE_SIZE } from './read.ts';

// The two writes remediation needs: authorize one encoded rule (and learn its id), revoke one.

function findRuleId(
  rules: SecurityGroupRule[],
  groupId: string,
  permission: IpPermission,
  egress: boolean,
): string | undefined {
  const cidr4 = permission.IpRanges?.[0]?.CidrIp;
  const cidr6 = permission.Ipv6Ranges?.[0]?.CidrIpv6;
  const pair = permission.UserIdGroupPairs?.[0];
  const list = permission.PrefixListIds?.[0]?.PrefixListId;
  return rules.find(
    (r) =>
      r.GroupId === groupId &&
      r.IsEgress === egress &&
      r.IpProtocol === permission.IpProtocol &&
      (r.FromPort ?? -1) === (permission.FromPort ?? -1) &&
      (r.ToPort ?? -1) === (permission.ToPort ?? -1) &&
      (cidr4
        ? r.CidrIpv4 === cidr4
        : cidr6
          ? r.CidrIpv6 === cidr6
          : pair
            ? r.ReferencedGroupInfo?.GroupId === pair.GroupId
            : r.PrefixListId === list),
  )?.SecurityGroupRuleId;
}

export async function addAwsRule(aws: AwsClient, scope: Scope, groupId: string, rule: Rule): Promise<string> {
  const permission = toIpPermission(rule, groupId);
  const client = await aws.ec2For(scope);
  const egress = rule.direction === 'egress';
  const operation = egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress';
  const input = { GroupId: groupId, IpPermissions: [permission] };
  // Authorize is not idempotent: when a retried attempt finds the rule there, an earlier
  // attempt added it and the answer was lost; its id is looked up. A duplicate on the first
  // attempt is someone else's rule and an error (removing it on rollback would be wrong).
  const seen = { duplicate: false };
  const answer = await aws.ec2Call<{ Return?: boolean; SecurityGroupRules?: SecurityGroupRule[] }>(
    scope.region,
    operation,
    (abortSignal) =>
      egress
        ? client.send(new AuthorizeSecurityGroupEgressCommand(input), { abortSignal })
        : client.send(new AuthorizeSecurityGroupIngressCommand(input), { abortSignal }),
    (error) => {
      if (errorCode(error) !== 'InvalidPermission.Duplicate') return undefined;
      seen.duplicate = true;
      return {};
    },
  );
  if (seen.duplicate) {
    const listed = await aws.ec2Call(scope.region, 'DescribeSecurityGroupRules', (abortSignal) =>
      client.send(
        new DescribeSecurityGroupRulesCommand({
          Filters: [{ Name: 'group-id', Values: [groupId] }],
          MaxResults: PAGE_SIZE,
        }),
        { abortSignal },
      ),
    );
    const id = findRuleId(listed.SecurityGroupRules ?? [], groupId, permission, egress);
    if (!id) throw new Error(`EC2 ${operation} ${groupId}: the rule was added but its id was not found`);
    return id;
  }
  if (answer.Return === false) throw new Error(`EC2 ${operation} ${groupId}: the API answered Return=false`);
  const id = answer.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
  if (!id) throw new Error(`EC2 ${operation} ${groupId}: the answer names no SecurityGroupRuleId`);
  return id;
}

export async function removeAwsRule(aws: AwsClient, scope: Scope, groupId: string, rule: Rule): Promise<void> {
  const client = await aws.ec2For(scope);
  const egress = rule.direction === 'egress';
  const operation = egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress';
  // A rule read without an id (derived `aws~…`) is revoked by its content, description as read
  // (EC2 ignores it in the match; moto compares it for group peers).
  const input = rule.native.derivedId
    ? { GroupId: groupId, IpPermissions: [toIpPermission(rule, groupId)] }
    : { GroupId: groupId, SecurityGroupRuleIds: [rule.native.ruleId] };
  // A retried revoke that no longer finds the rule: an earlier attempt removed it.
  const answer = await aws.ec2Call<{ Return?: boolean; UnknownIpPermissions?: IpPermission[] }>(
    scope.region,
    operation,
    (abortSignal) =>
      egress
        ? client.send(new RevokeSecurityGroupEgressCommand(input), { abortSignal })
        : client.send(new RevokeSecurityGroupIngressCommand(input), { abortSignal }),
    (error) =>
      errorCode(error) === 'InvalidPermission.NotFound' || errorCode(error) === 'InvalidSecurityGroupRuleId.NotFound'
        ? { Return: true }
        : undefined,
  );
  if (answer.UnknownIpPermissions?.length)
    throw new Error(`EC2 ${operation} ${groupId}: no such rule (${rule.native.ruleId})`);
  if (answer.Return === false) throw new Error(`EC2 ${operation} ${groupId}: the API answered Return=false`);
}
