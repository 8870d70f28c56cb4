import { randomUUID } from 'node:crypto';
import {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupRequest,
  RevokeSecurityGroupEgressRequest,
  RevokeSecurityGroupRequest,
} from '@alicloud/ecs20140526';
import { canonicalCidr } from '../../src/model/address.ts';
import { hasPorts } from '../../src/model/protocol.ts';
import type { Direction, Peer, Rule } from '../../src/model/types.ts';
import type { Scope } from '../../src/ports/live.ts';
import type { AlibabaClient } from './client.ts';
import { egressPermission, ingressPermission, permissionOf } from './encode.ts';
import { alibabaPageKinds } from './normalize.ts';
import { attributePages, PAGE_KINDS } from './read.ts';

// The two writes remediation needs. Authorize answers with no rule id: the rule added is found by
// re-reading the group before and after, and matching the model rule by Alibaba's own identity.

function samePeer(a: Peer, b: Peer): boolean {
  if (a.kind === 'cidr' && b.kind === 'cidr') return canonicalCidr(a.cidr) === canonicalCidr(b.cidr);
  if (a.kind === 'group' && b.kind === 'group') return a.groupId === b.groupId;
  if (a.kind === 'prefix-list' && b.kind === 'prefix-list') return a.id === b.id;
  return false;
}

/** Port lists equal, port 0 aside for TCP/UDP (Alibaba has no port 0: 0..n is listed as 1/n). */
function samePorts(a: Rule, b: Rule): boolean {
  const low = (rule: Rule, from: number) => (hasPorts(rule.protocol) ? Math.max(from, 1) : from);
  return (
    a.ports.length === b.ports.length &&
    a.ports.every((p, i) => low(a, p.from) === low(b, b.ports[i]?.from ?? -1) && p.to === b.ports[i]?.to)
  );
}

/** Alibaba's own identity of a rule: direction, protocol, ports, peer and policy (AuthorizeSecurityGroup's usage notes). */
function sameIdentity(a: Rule, b: Rule): boolean {
  return (
    a.portList?.id === b.portList?.id &&
    a.direction === b.direction &&
    a.family === b.family &&
    a.protocol === b.protocol &&
    a.action === b.action &&
    samePorts(a, b) &&
    samePeer(a.peer, b.peer)
  );
}

function sameRule(a: Rule, b: Rule): boolean {
  return sameIdentity(a, b) && a.priority === b.priority;
}

const attributeKind = alibabaPageKinds.find((k) => k.name === PAGE_KINDS.attribute);

/** The group's rules as the normalizer reads them (for addRule's before/after comparison). */
const groupRules = async (ali: AlibabaClient, scope: Scope, groupId: string, direction: Direction): Promise<Rule[]> => {
  if (!attributeKind) throw new Error(`no page kind ${PAGE_KINDS.attribute}`);
  const pages = await attributePages(ali, scope, groupId, direction);
  return pages.flatMap((body, i) => {
    const result = attributeKind.normalize(body, { ...scope, origin: `re-read page ${i + 1}` });
    return result.rules.map((fragment) => fragment.rule).filter((rule) => rule.direction === direction);
  });
};

export async function addAlibabaRule(ali: AlibabaClient, scope: Scope, groupId: string, rule: Rule): Promise<string> {
  const permission = permissionOf(rule);
  const before = await groupRules(ali, scope, groupId, rule.direction);
  const beforeIds = new Set(before.map((r) => r.native.ruleId));
  // One token for every attempt: a retried Authorize is idempotent on Alibaba's side.
  const clientToken = randomUUID();
  if (rule.direction === 'ingress') {
    await ali.call(scope, `AuthorizeSecurityGroup ${groupId}`, (client, rt) =>
      client.authorizeSecurityGroupWithOptions(
        new AuthorizeSecurityGroupRequest({
          regionId: scope.region,
          securityGroupId: groupId,
          clientToken,
          permissions: [ingressPermission(permission)],
        }),
        rt,
      ),
    );
  } else {
    await ali.call(scope, `AuthorizeSecurityGroupEgress ${groupId}`, (client, rt) =>
      client.authorizeSecurityGroupEgressWithOptions(
        new AuthorizeSecurityGroupEgressRequest({
          regionId: scope.region,
          securityGroupId: groupId,
          clientToken,
          permissions: [egressPermission(permission)],
        }),
        rt,
      ),
    );
  }
  const after = await groupRules(ali, scope, groupId, rule.direction);
  const added = after.filter((r) => !beforeIds.has(r.native.ruleId) && sameRule(r, rule));
  const where = `alibaba ${scope.account || '(default account)'} ${scope.region} ${groupId}`;
  if (added.length === 1 && added[0]) return added[0].native.ruleId;
  if (added.length > 1) {
    throw new Error(
      `${where}: ${added.length} new rules match the one added (${added.map((r) => r.native.ruleId).join(', ')}); cannot tell which is ours`,
    );
  }
  const existing = before.filter((r) => sameIdentity(r, rule));
  if (existing.length > 0) {
    throw new Error(
      `${where}: nothing was added: an identical rule already exists (${existing.map((r) => r.native.ruleId).join(', ')})`,
    );
  }
  throw new Error(`${where}: AuthorizeSecurityGroup succeeded but no new matching rule is listed on re-read`);
}

export async function removeAlibabaRule(ali: AlibabaClient, scope: Scope, groupId: string, rule: Rule): Promise<void> {
  if (rule.native.derivedId || rule.native.ruleId === '')
    throw new Error(`alibaba ${groupId}: the rule has no SecurityGroupRuleId to revoke by`);
  const ruleId = rule.native.ruleId;
  const clientToken = randomUUID();
  if (rule.direction === 'ingress') {
    await ali.call(scope, `RevokeSecurityGroup ${groupId} ${ruleId}`, (client, rt) =>
      client.revokeSecurityGroupWithOptions(
        new RevokeSecurityGroupRequest({
          regionId: scope.region,
          securityGroupId: groupId,
          clientToken,
          securityGroupRuleId: [ruleId],
        }),
        rt,
      ),
    );
  } else {
    await ali.call(scope, `RevokeSecurityGroupEgress ${groupId} ${ruleId}`, (client, rt) =>
      client.revokeSecurityGroupEgressWithOptions(
        new RevokeSecurityGroupEgressRequest({
          regionId: scope.region,
          securityGroupId: groupId,
          clientToken,
          securityGroupRuleId: [ruleId],
        }),
        rt,
      ),
    );
  }
}
