import { createHash, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import {
  at,
  changesFor,
  ignored,
  interfaceChanges,
  isoTime,
  jsonOf,
  oneLine,
  quote,
  safely,
  scopeChange,
  setChange,
  text,
} from '../common/events.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { ChangeParse, HttpHeaders, TokenDelivery, Verdict } from '../../src/ports/realtime.ts';
import type { JsonRecord } from '../common/events.ts';

// Alibaba Cloud: ActionTrail publishes write events to EventBridge as CloudEvents 1.0 (`type`
// `<service>:ActionTrail:ApiCall` or `…:ConsoleOperation`, `aliyunaccountid`, `aliyunregionid`),
// with the ActionTrail record in `data`. An event rule routes them to an HTTPS target.
//
// Authenticity: every HTTP/HTTPS target delivery carries EventBridge's signature headers, among
// them `x-eventbridge-signature-token`, the token the user typed into the target. We require that
// token (a shared secret, compared in constant time), a fresh delivery timestamp and a fresh event.
// The RSA signature over URL + headers + body (`x-eventbridge-signature-v2`) can be checked too, with
// `verifyAlibabaSignature` and a certificate the caller fetched from a `trustedAlibabaCertUrl`.
// Sources: test/fixtures/realtime/README.md and docs/realtime.md.

/**
 * The ECS calls that change a security group's rules or policy, which groups an instance or ENI
 * uses, what an instance or ENI exposes (launched, attached, an EIP associated), or the entries of a
 * prefix list or port list (which the rules naming it evaluate); and the EIP (dis)associations, which
 * are VPC calls (the ECS API's deprecated calls of the same names are read alike).
 */
export const ACTIONTRAIL_SECURITY_GROUP_EVENTS = [
  'AuthorizeSecurityGroup',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroup',
  'RevokeSecurityGroupEgress',
  'ModifySecurityGroupRule',
  'ModifySecurityGroupEgressRule',
  'ModifySecurityGroupPolicy',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
  'JoinSecurityGroup',
  'LeaveSecurityGroup',
  'ModifyNetworkInterfaceAttribute',
  'ModifyInstanceAttribute',
  'ModifyPrefixList',
  'ModifyPortRangeList',
  'RunInstances',
  'CreateInstance',
  'AttachNetworkInterface',
  'AssociateEipAddress',
  'UnassociateEipAddress',
] as const satisfies readonly string[];

/** The calls on an instance or ENI: the groups its interfaces carry are audited. */
const INTERFACE_EVENTS: ReadonlySet<string> = new Set([
  'JoinSecurityGroup',
  'LeaveSecurityGroup',
  'ModifyNetworkInterfaceAttribute',
  'ModifyInstanceAttribute',
  'RunInstances',
  'CreateInstance',
  'AttachNetworkInterface',
  'AssociateEipAddress',
  'UnassociateEipAddress',
]);
/** The EIP calls: VPC's, and ECS's deprecated ones of the same names (ActionTrail's serviceName for VPC is assumed `Vpc`: see the fixtures' README). */
const EIP_EVENTS: ReadonlySet<string> = new Set(['AssociateEipAddress', 'UnassociateEipAddress']);
const INTERFACE_ID = /^eni-[0-9a-z]{1,64}$/u;
const INSTANCE_ID = /^i-[0-9a-z]{1,64}$/u;

/** The list calls and the request parameter naming the list (ECS ModifyPrefixList, ModifyPortRangeList). */
const LIST_EVENTS: Readonly<Record<string, string>> = {
  ModifyPrefixList: 'PrefixListId',
  ModifyPortRangeList: 'PortRangeListId',
};
const LIST_ID = /^(pl|prl)-[0-9a-z]{1,64}$/u;

/** The header carrying the token configured on the EventBridge HTTPS target. */
export const ALIBABA_TOKEN_HEADER = 'x-eventbridge-signature-token';
export const ALIBABA_TIMESTAMP_HEADER = 'x-eventbridge-signature-timestamp';

const EVENT_TYPE = /^[a-z0-9-]+:ActionTrail:(ApiCall|ConsoleOperation)$/u;
const GROUP_ID = /^sg-[0-9a-z]{1,64}$/u;
/** `SecurityGroupId`, `SecurityGroupIds`, and their RPC-flattened list forms `SecurityGroupId.1`, … */
const GROUP_PARAMETER = /^SecurityGroupIds?(\.\d+)?$/u;
const FUTURE_SKEW_SECONDS = 300;

function isSecurityGroupEvent(name: string): boolean {
  return (ACTIONTRAIL_SECURITY_GROUP_EVENTS as readonly string[]).includes(name);
}

/** The security groups an ActionTrail event delivered by Alibaba Cloud EventBridge changed. Never throws. */
export function changesFromActionTrail(body: unknown): ChangeParse {
  return safely(
    () => ignored('unreadable ActionTrail event'),
    () => parse(body),
  );
}

function parse(body: unknown): ChangeParse {
  const event = jsonOf(body);
  if (!isRecord(event)) return ignored('not a CloudEvent: the body is not a JSON object');
  const type = text(event.type);
  if (type === undefined || !EVENT_TYPE.test(type))
    return ignored(`not an ActionTrail API call or console operation: type ${quote(event.type)}`);
  const data = event.data;
  if (!isRecord(data)) return ignored('ActionTrail event without a data object');
  const service = serviceOf(data);
  if (service === undefined)
    return ignored(`not an ECS call: serviceName ${quote(data.serviceName)}, eventSource ${quote(data.eventSource)}`);
  const eventName = text(data.eventName);
  if (service === 'VPC' && (eventName === undefined || !EIP_EVENTS.has(eventName)))
    return ignored(`VPC ${quote(data.eventName)} does not associate an EIP`);
  if (eventName === undefined || !isSecurityGroupEvent(eventName))
    return ignored(`ECS ${quote(data.eventName)} does not change a security group`);
  const errorCode = text(data.errorCode);
  if (errorCode !== undefined) return ignored(`${eventName} failed (${quote(errorCode)}): nothing changed`);

  const account =
    text(data.recipientAccountId) ?? text(event.aliyunaccountid) ?? text(at(data, 'userIdentity', 'accountId'));
  if (account === undefined) return ignored(`${eventName} without an account id`);
  const region = text(at(data, 'requestParameters', 'RegionId')) ?? text(data.acsRegion) ?? text(event.aliyunregionid);
  if (region === undefined) return ignored(`${eventName} without a region`);
  const eventId = text(data.eventId) ?? text(event.id);
  if (eventId === undefined) return ignored(`${eventName} without an event id`);

  const actor = text(at(data, 'userIdentity', 'userName')) ?? text(at(data, 'userIdentity', 'principalId'));
  const when = isoTime(data.eventTime) ?? isoTime(event.time);
  const listParameter = LIST_EVENTS[eventName];
  if (listParameter !== undefined) {
    const listId = text(at(data, 'requestParameters', listParameter));
    if (listId === undefined || !LIST_ID.test(listId))
      return ignored(`${eventName} names no valid ${listParameter} (${quote(listId)})`);
    return setChange(listId, { provider: 'alibaba', account, region, eventName, eventId, actor, at: when });
  }

  const base = { provider: 'alibaba' as const, account, region, eventName, eventId, actor, at: when };
  const candidates = groupIdsOf(eventName, data);
  const groupIds = candidates.filter((id) => GROUP_ID.test(id));
  if (INTERFACE_EVENTS.has(eventName)) return interfaceChange(eventName, data, groupIds, candidates, base);
  if (groupIds.length === 0) return ignored(noGroupReason(eventName, candidates));
  return changesFor(groupIds, base);
}

type ChangeBase = Parameters<typeof interfaceChanges>[1];

/**
 * A call on an instance or ENI: the ENI it names (`NetworkInterfaceId`), else its instance
 * (`InstanceId`, or the ids RunInstances / CreateInstance return), with the groups it names. An EIP
 * association names its target in `InstanceId` and says what that is in `InstanceType`
 * (`NetworkInterface`, `EcsInstance` — the default —, or a load balancer, NAT gateway, … which no
 * security group guards).
 */
function interfaceChange(
  eventName: string,
  data: JsonRecord,
  groupIds: string[],
  candidates: string[],
  base: ChangeBase,
): ChangeParse {
  const request = data.requestParameters;
  const named = (key: string, pattern: RegExp) => {
    const id = text(at(request, key));
    return id !== undefined && pattern.test(id) ? id : undefined;
  };
  if (EIP_EVENTS.has(eventName)) {
    const type = text(at(request, 'InstanceType')) ?? 'EcsInstance';
    const id = text(at(request, 'InstanceId'));
    if (type === 'NetworkInterface' && id !== undefined && INTERFACE_ID.test(id))
      return interfaceChanges([{ interfaceId: id, groupIds: [] }], base);
    if (type === 'EcsInstance' && id !== undefined && INSTANCE_ID.test(id))
      return interfaceChanges([{ instanceId: id, groupIds: [] }], base);
    if (type === 'NetworkInterface' || type === 'EcsInstance') return scopeChange(base);
    return ignored(`${eventName} on a ${quote(type)}, not an ECS instance or ENI`);
  }
  // Group ids that are all invalid make the record suspect; the attribute calls without groups changed none.
  const setsGroups = eventName === 'ModifyNetworkInterfaceAttribute' || eventName === 'ModifyInstanceAttribute';
  if (groupIds.length === 0 && (candidates.length > 0 || setsGroups))
    return ignored(noGroupReason(eventName, candidates));
  const interfaceId = named('NetworkInterfaceId', INTERFACE_ID);
  const instanceIds = [named('InstanceId', INSTANCE_ID), ...launchedInstances(data.responseElements)].filter(
    (id): id is string => id !== undefined,
  );
  if (interfaceId !== undefined) return interfaceChanges([{ interfaceId, groupIds }], base);
  if (instanceIds.length > 0)
    return interfaceChanges(
      [...new Set(instanceIds)].map((instanceId) => ({ instanceId, groupIds })),
      base,
    );
  if (groupIds.length > 0) return changesFor(groupIds, base);
  return ignored(`${eventName} names no valid instance or network interface id`);
}

/** The instances RunInstances (`InstanceIdSets.InstanceIdSet`) or CreateInstance (`InstanceId`) returns. */
function launchedInstances(response: unknown): string[] {
  const set = at(response, 'InstanceIdSets', 'InstanceIdSet');
  const ids = [...(Array.isArray(set) ? set : []), at(response, 'InstanceId')];
  return ids.flatMap((id) => (typeof id === 'string' && INSTANCE_ID.test(id) ? [id] : []));
}

function noGroupReason(eventName: string, candidates: string[]): string {
  if (candidates.length > 0)
    return `${eventName} names no valid security group id (${candidates.map(quote).join(', ')})`;
  if (eventName === 'ModifyNetworkInterfaceAttribute' || eventName === 'ModifyInstanceAttribute')
    return `${eventName} did not change security groups`;
  return `${eventName} names no security group`;
}

function serviceOf(data: JsonRecord): 'ECS' | 'VPC' | undefined {
  const service = text(data.serviceName)?.toLowerCase();
  const source = text(data.eventSource)?.toLowerCase();
  if (service === 'ecs' || (source !== undefined && /^ecs[.-]/u.test(source))) return 'ECS';
  if (service === 'vpc' || (source !== undefined && /^vpc[.-]/u.test(source))) return 'VPC';
  return undefined;
}

function groupIdsOf(eventName: string, data: JsonRecord): string[] {
  const fromRequest = groupParameters(data.requestParameters);
  if (eventName !== 'CreateSecurityGroup') return fromRequest;
  return [...groupParameters(data.responseElements), ...fromRequest];
}

/** Every security group id in the `SecurityGroupId(s)(.N)` parameters of a request or response. */
function groupParameters(parameters: unknown): string[] {
  if (!isRecord(parameters)) return [];
  return Object.entries(parameters).flatMap(([key, value]) => (GROUP_PARAMETER.test(key) ? idsIn(value) : []));
}

/** A parameter value as ids: a string, a JSON-array string (`["sg-1","sg-2"]`), or an array. */
function idsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => (typeof item === 'string' && item !== '' ? [item] : []));
  if (typeof value !== 'string' || value === '') return [];
  if (value.startsWith('[')) return idsIn(jsonOf(value));
  return [value];
}

// ---------------------------------------------------------------- delivery verification

/** Whether a delivery came from the user's EventBridge target: its token, a fresh delivery, a fresh event. Never throws. */
export function verifyAlibabaDelivery(delivery: TokenDelivery): Verdict {
  return safely(
    () => refuse('unreadable delivery'),
    () => verifyDelivery(delivery),
  );
}

function verifyDelivery({ headers, body, secret, now, maxAgeSeconds }: TokenDelivery): Verdict {
  if (secret === '') return refuse('no EventBridge target token is configured');
  if (!(maxAgeSeconds > 0)) return refuse('maxAgeSeconds must be positive');
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) return refuse('the clock value is not a date');

  const token = header(headers, ALIBABA_TOKEN_HEADER);
  if (token === undefined) return refuse(`no ${ALIBABA_TOKEN_HEADER} header`);
  if (!sameSecret(token, secret))
    return refuse(`the ${ALIBABA_TOKEN_HEADER} header does not match the configured token`);

  const stamp = header(headers, ALIBABA_TIMESTAMP_HEADER);
  if (stamp !== undefined) {
    const sentMs = epochMs(stamp);
    if (sentMs === undefined) return refuse(`${ALIBABA_TIMESTAMP_HEADER} is not a timestamp`);
    if (Math.abs(nowMs - sentMs) > maxAgeSeconds * 1000)
      return refuse(`the delivery is more than ${maxAgeSeconds} s from now (${ALIBABA_TIMESTAMP_HEADER})`);
  }

  const event = jsonOf(body);
  const time = isRecord(event) ? text(event.time) : undefined;
  if (time === undefined) return refuse('the CloudEvent has no time');
  const eventMs = Date.parse(time);
  if (Number.isNaN(eventMs)) return refuse(`the CloudEvent time ${quote(time)} is not a date`);
  if (nowMs - eventMs > maxAgeSeconds * 1000) return refuse(`the event is older than ${maxAgeSeconds} s`);
  if (eventMs - nowMs > FUTURE_SKEW_SECONDS * 1000) return refuse('the event time is in the future');
  return { ok: true };
}

function refuse(reason: string): Verdict {
  return { ok: false, reason: oneLine(reason) };
}

/** The header's value, matched case-insensitively; undefined when absent, empty or repeated with different values. */
export function header(headers: HttpHeaders, name: string): string | undefined {
  if (!isRecord(headers)) return undefined;
  const wanted = name.toLowerCase();
  const values = Object.entries(headers).flatMap(([key, value]): unknown[] => {
    if (key.toLowerCase() !== wanted) return [];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
  });
  if (!values.every((value): value is string => typeof value === 'string')) return undefined;
  const distinct = new Set(values);
  if (distinct.size !== 1) return undefined;
  const [only] = distinct;
  return only === '' ? undefined : only;
}

/** Constant-time comparison that also hides the length of the expected secret. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Milliseconds since the epoch from a seconds or milliseconds timestamp string. */
function epochMs(value: string): number | undefined {
  if (!/^\d{1,16}$/u.test(value)) return undefined;
  const number = Number(value);
  return number < 1e11 ? number * 1000 : number;
}

// ---------------------------------------------------------------- the RSA signature (optional, defence in depth)

/** The signature headers in the order EventBridge puts them in the string to sign; the token only when set. */
const SIGNED_HEADERS = [
  'x-eventbridge-signature-timestamp',
  'x-eventbridge-hash-method',
  'x-eventbridge-signature-version',
  'x-eventbridge-signature-url',
];

export interface AlibabaSignedDelivery {
  /** The target URL exactly as configured on the EventBridge target (scheme, host, path, query). */
  targetUrl: string;
  headers: HttpHeaders;
  /** The raw request body, byte for byte. */
  body: string;
}

/** EventBridge's string to sign: target URL, then `name: value` of each signature header, then the body, joined by `\n`. */
export function alibabaStringToSign({ targetUrl, headers, body }: AlibabaSignedDelivery): string | undefined {
  const lines = [targetUrl];
  for (const name of SIGNED_HEADERS) {
    const value = header(headers, name);
    if (value === undefined) return undefined;
    lines.push(`${name}: ${value}`);
  }
  const token = header(headers, ALIBABA_TOKEN_HEADER);
  if (token !== undefined) lines.push(`${ALIBABA_TOKEN_HEADER}: ${token}`);
  return `${lines.join('\n')}\n${body}`;
}

/**
 * Whether `x-eventbridge-signature-v2` is EventBridge's SHA256withRSA signature of the delivery, by
 * the key in `certificatePem` (fetched by the caller from a `trustedAlibabaCertUrl`). Never throws.
 */
export function verifyAlibabaSignature(delivery: AlibabaSignedDelivery & { certificatePem: string }): boolean {
  try {
    if (header(delivery.headers, 'x-eventbridge-hash-method')?.toUpperCase() !== 'SHA256') return false;
    const signature = header(delivery.headers, 'x-eventbridge-signature-v2');
    const signed = alibabaStringToSign(delivery);
    if (signature === undefined || signed === undefined) return false;
    const key = new X509Certificate(delivery.certificatePem).publicKey;
    const bytes = Buffer.from(signature, 'base64');
    // The documentation's formula ends with the body; some receivers report a trailing newline.
    return (
      verify('sha256', Buffer.from(signed, 'utf8'), key, bytes) ||
      verify('sha256', Buffer.from(`${signed}\n`, 'utf8'), key, bytes)
    );
  } catch {
    return false;
  }
}

/** Whether `url` is an EventBridge certificate URL: `https://<region>-eventbridge.oss-accelerate.aliyuncs.com/…`. */
export function trustedAlibabaCertUrl(url: string): boolean {
  if (typeof url !== 'string') return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.href === url &&
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    parsed.search === '' &&
    parsed.hash === '' &&
    /^[a-z]{2}(-[a-z0-9]+)+-eventbridge\.oss-accelerate\.aliyuncs\.com$/u.test(parsed.hostname)
  );
}
