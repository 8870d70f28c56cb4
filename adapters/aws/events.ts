import {
  at,
  changesFor,
  ignored,
  interfaceChanges,
  isoTime,
  quote,
  safely,
  scopeChange,
  setChange,
  text,
} from '../common/events.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { ChangeParse, InterfaceTarget } from '../../src/ports/realtime.ts';

// AWS: EventBridge delivers CloudTrail management events as `detail-type: "AWS API Call via
// CloudTrail"`, `source: "aws.ec2"`, with the CloudTrail record in `detail`. Request parameters use
// the EC2 query-API casing (`groupId`, `groupSet.items[]`), except ModifySecurityGroupRules, which
// CloudTrail records wrapped in `ModifySecurityGroupRulesRequest` with PascalCase fields; the
// managed-prefix-list calls are read the same way (`ModifyManagedPrefixListRequest.PrefixListId`),
// with the query-API casing (`prefixListId`) accepted too.
// Shapes and sources: test/fixtures/realtime/README.md.

/**
 * The EC2 calls that change a security group's rules, which groups an interface or instance uses,
 * what an interface exposes (an Elastic IP associated, an instance launched, an interface attached),
 * or the entries of a managed prefix list (which the rules naming it evaluate as addresses).
 */
export const CLOUDTRAIL_SECURITY_GROUP_EVENTS = [
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'ModifySecurityGroupRules',
  'UpdateSecurityGroupRuleDescriptionsIngress',
  'UpdateSecurityGroupRuleDescriptionsEgress',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
  'ModifyNetworkInterfaceAttribute',
  'ModifyInstanceAttribute',
  'ModifyManagedPrefixList',
  'RestoreManagedPrefixListVersion',
  'AssociateAddress',
  'DisassociateAddress',
  'RunInstances',
  'AttachNetworkInterface',
] as const satisfies readonly string[];

/** The calls that change what an interface or instance exposes: its interface's groups are audited. */
const INTERFACE_EVENTS: ReadonlySet<string> = new Set([
  'ModifyNetworkInterfaceAttribute',
  'ModifyInstanceAttribute',
  'AssociateAddress',
  'DisassociateAddress',
  'RunInstances',
  'AttachNetworkInterface',
]);
const INTERFACE_ID = /^eni-[0-9a-z]{1,32}$/u;
const INSTANCE_ID = /^i-[0-9a-z]{1,32}$/u;

const PREFIX_LIST_EVENTS: ReadonlySet<string> = new Set(['ModifyManagedPrefixList', 'RestoreManagedPrefixListVersion']);
const PREFIX_LIST_ID = /^pl-[0-9a-z]{1,32}$/u;

type CloudTrailEventName = (typeof CLOUDTRAIL_SECURITY_GROUP_EVENTS)[number];

const DETAIL_TYPE = 'AWS API Call via CloudTrail';
const GROUP_ID = /^sg-[0-9a-z]{1,32}$/u;
const ACCOUNT_ID = /^\d{12}$/u;

function isSecurityGroupEvent(name: string): name is CloudTrailEventName {
  return (CLOUDTRAIL_SECURITY_GROUP_EVENTS as readonly string[]).includes(name);
}

/** The security groups an EventBridge "AWS API Call via CloudTrail" event changed. Never throws. */
export function changesFromCloudTrail(event: unknown): ChangeParse {
  return safely(
    () => ignored('unreadable CloudTrail event'),
    () => parse(event),
  );
}

function parse(event: unknown): ChangeParse {
  if (!isRecord(event)) return ignored('not an EventBridge event: the body is not a JSON object');
  if (event['detail-type'] !== DETAIL_TYPE)
    return ignored(`not a CloudTrail API call: detail-type is ${quote(event['detail-type'])}`);
  const detail = event.detail;
  if (!isRecord(detail)) return ignored('CloudTrail event without a detail object');
  if (event.source !== 'aws.ec2' || detail.eventSource !== 'ec2.amazonaws.com') {
    return ignored(`not an EC2 call: source ${quote(event.source)}, eventSource ${quote(detail.eventSource)}`);
  }
  const eventName = text(detail.eventName);
  if (eventName === undefined || !isSecurityGroupEvent(eventName))
    return ignored(`EC2 ${quote(detail.eventName)} does not change a security group`);
  const errorCode = text(detail.errorCode);
  if (errorCode !== undefined) return ignored(`${eventName} failed (${quote(errorCode)}): nothing changed`);

  const account = text(detail.recipientAccountId) ?? text(event.account);
  if (account === undefined || !ACCOUNT_ID.test(account))
    return ignored(`${eventName} without a 12-digit account id (${quote(account)})`);
  const region = text(detail.awsRegion) ?? text(event.region);
  if (region === undefined) return ignored(`${eventName} without a region`);
  const eventId = text(detail.eventID) ?? text(event.id);
  if (eventId === undefined) return ignored(`${eventName} without an event id`);

  const actor = text(at(detail, 'userIdentity', 'arn')) ?? text(at(detail, 'userIdentity', 'principalId'));
  const when = isoTime(detail.eventTime) ?? isoTime(event.time);
  if (PREFIX_LIST_EVENTS.has(eventName)) {
    const listId = prefixListIdOf(eventName, detail);
    if (listId === undefined || !PREFIX_LIST_ID.test(listId))
      return ignored(`${eventName} names no valid prefix list id (${quote(listId)})`);
    return setChange(listId, { provider: 'aws', account, region, eventName, eventId, actor, at: when });
  }

  const base = { provider: 'aws' as const, account, region, eventName, eventId, actor, at: when };
  if (INTERFACE_EVENTS.has(eventName)) return interfaceChange(eventName, detail, base);
  const candidates = groupIdsOf(eventName, detail);
  const groupIds = candidates.filter((id) => GROUP_ID.test(id));
  if (groupIds.length === 0) return ignored(noGroupReason(eventName, candidates));
  return changesFor(groupIds, base);
}

type ChangeBase = Parameters<typeof interfaceChanges>[1];

/**
 * A call on an interface or instance: the interface (or instance) it names, with the groups it sets.
 * An address (dis)association naming neither (DisassociateAddress names only the association) audits
 * the whole scope: which interface lost or gained a public address is not in the record.
 */
function interfaceChange(
  eventName: CloudTrailEventName,
  detail: Record<string, unknown>,
  base: ChangeBase,
): ChangeParse {
  const request = detail.requestParameters;
  if (eventName === 'RunInstances') {
    const targets = launchedTargets(detail.responseElements);
    return targets.length > 0 ? interfaceChanges(targets, base) : ignored('RunInstances lists no launched instance id');
  }
  const candidates = itemValues(at(request, 'groupSet'), 'groupId');
  const groupIds = candidates.filter((id) => GROUP_ID.test(id));
  if (eventName === 'ModifyNetworkInterfaceAttribute' || eventName === 'ModifyInstanceAttribute') {
    if (groupIds.length === 0) return ignored(noGroupReason(eventName, candidates));
  }
  const target = targetOf(request);
  if (target === undefined) {
    if (groupIds.length > 0) return changesFor(groupIds, base);
    if (eventName === 'AssociateAddress' || eventName === 'DisassociateAddress') return scopeChange(base);
    return ignored(`${eventName} names no valid network interface or instance id`);
  }
  return interfaceChanges([{ ...target, groupIds }], base);
}

/** The interface a request names (`networkInterfaceId`), else its instance (`instanceId`), when valid. */
function targetOf(request: unknown): InterfaceTarget | undefined {
  const interfaceId = text(at(request, 'networkInterfaceId'));
  const instanceId = text(at(request, 'instanceId'));
  const validInstance = instanceId !== undefined && INSTANCE_ID.test(instanceId) ? { instanceId } : {};
  if (interfaceId !== undefined && INTERFACE_ID.test(interfaceId)) return { interfaceId, ...validInstance };
  return validInstance.instanceId !== undefined ? validInstance : undefined;
}

/** Each launched instance's interfaces (or the instance, when it lists none), with the groups it was launched in. */
function launchedTargets(response: unknown): (InterfaceTarget & { groupIds: string[] })[] {
  const instances = at(response, 'instancesSet', 'items');
  if (!Array.isArray(instances)) return [];
  return instances.flatMap((instance) => {
    const instanceId = text(at(instance, 'instanceId'));
    if (instanceId === undefined || !INSTANCE_ID.test(instanceId)) return [];
    const groupIds = itemValues(at(instance, 'groupSet'), 'groupId').filter((id) => GROUP_ID.test(id));
    const interfaceIds = itemValues(at(instance, 'networkInterfaceSet'), 'networkInterfaceId').filter((id) =>
      INTERFACE_ID.test(id),
    );
    if (interfaceIds.length === 0) return [{ instanceId, groupIds }];
    return interfaceIds.map((interfaceId) => ({ interfaceId, instanceId, groupIds }));
  });
}

function noGroupReason(eventName: CloudTrailEventName, candidates: string[]): string {
  if (candidates.length > 0)
    return `${eventName} names no valid security group id (${candidates.map(quote).join(', ')})`;
  if (eventName === 'ModifyNetworkInterfaceAttribute' || eventName === 'ModifyInstanceAttribute') {
    return `${eventName} did not change security groups`;
  }
  return `${eventName} names no security group id (a group named only by groupName cannot be audited by id)`;
}

function groupIdsOf(eventName: CloudTrailEventName, detail: Record<string, unknown>): string[] {
  const request = detail.requestParameters;
  const response = detail.responseElements;
  switch (eventName) {
    case 'ModifySecurityGroupRules':
      return present([at(request, 'ModifySecurityGroupRulesRequest', 'GroupId')]);
    case 'CreateSecurityGroup':
      return present([at(response, 'groupId')]);
    default:
      // Authorize/Revoke/UpdateSecurityGroupRuleDescriptions*/DeleteSecurityGroup: the request's
      // groupId, and the group of each rule the response lists.
      return [
        ...present([at(request, 'groupId'), at(response, 'groupId')]),
        ...itemValues(at(response, 'securityGroupRuleSet'), 'groupId'),
        ...itemValues(at(response, 'revokedSecurityGroupRuleSet'), 'groupId'),
      ];
  }
}

function prefixListIdOf(eventName: string, detail: Record<string, unknown>): string | undefined {
  const request = detail.requestParameters;
  return [
    at(request, `${eventName}Request`, 'PrefixListId'),
    at(request, 'PrefixListId'),
    at(request, 'prefixListId'),
    at(detail.responseElements, `${eventName}Response`, 'prefixList', 'prefixListId'),
  ]
    .map(text)
    .find((id) => id !== undefined);
}

function present(values: unknown[]): string[] {
  return values.flatMap((value) => (typeof value === 'string' && value !== '' ? [value] : []));
}

/** `key` of each element of an EC2 `{ items: [...] }` list. */
function itemValues(list: unknown, key: string): string[] {
  const items = at(list, 'items');
  if (!Array.isArray(items)) return [];
  return present(items.map((item) => at(item, key)));
}
