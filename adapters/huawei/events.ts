import { verify, X509Certificate } from 'node:crypto';
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
import type {
  ChangeParse,
  InterfaceTarget,
  SmnChecks,
  SmnMessage,
  SmnParse,
  SmnProvider,
} from '../../src/ports/realtime.ts';
import type { JsonRecord } from '../common/events.ts';

// Huawei Cloud and Open Telekom Cloud: CTS key event notifications are published to an SMN topic;
// an HTTPS subscription POSTs each message to us as JSON, signed by SMN (SHA256withRSA over the
// string to sign below, key certified at `signing_cert_url`). The `message` of a CTS notification
// is the trace, as JSON. Sources: test/fixtures/realtime/README.md and docs/realtime.md.

const TYPES: readonly string[] = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];
const REQUIRED = ['message', 'message_id', 'topic_urn', 'timestamp', 'signature', 'signing_cert_url'] as const;
const OPTIONAL = ['signature_version', 'subject', 'subscribe_url', 'unsubscribe_url'] as const;

/** An SMN HTTP(S) message from a request body (JSON text or parsed), or why it is not one. Never throws. */
export function parseSmnMessage(body: unknown): SmnParse {
  return safely(
    () => fail('unreadable SMN message'),
    () => parse(body),
  );
}

function parse(body: unknown): SmnParse {
  const value = jsonOf(body);
  if (!isRecord(value)) return fail('not an SMN message: the body is not a JSON object');
  const type = value.type;
  if (typeof type !== 'string' || !TYPES.includes(type)) return fail(`not an SMN message: type ${quote(type)}`);
  const message: Partial<Record<(typeof REQUIRED)[number] | (typeof OPTIONAL)[number], string>> = {};
  for (const field of REQUIRED) {
    const fieldValue = value[field];
    if (typeof fieldValue !== 'string' || (fieldValue === '' && field !== 'message'))
      return fail(`SMN ${type} without ${field}`);
    message[field] = fieldValue;
  }
  for (const field of OPTIONAL) {
    const fieldValue = value[field];
    if (fieldValue === undefined || fieldValue === null) continue;
    if (typeof fieldValue !== 'string') return fail(`SMN ${type}: ${field} is not a string`);
    message[field] = fieldValue;
  }
  if (type !== 'Notification' && text(message.subscribe_url) === undefined)
    return fail(`SMN ${type} without subscribe_url`);
  return { ok: true, message: { ...message, type } as SmnMessage };
}

function fail(reason: string): SmnParse {
  return { ok: false, reason: oneLine(reason) };
}

/**
 * SMN's string to sign: for each signed field in alphabetical order, its name on one line and its
 * value on the next, every line ending in `\n`. Notifications sign message, message_id, subject
 * (only when not empty), timestamp, topic_urn, type; confirmations sign subscribe_url instead of subject.
 */
export function smnStringToSign(message: SmnMessage): string {
  const fields: [string, string][] = [
    ['message', message.message],
    ['message_id', message.message_id],
  ];
  if (message.type === 'Notification') {
    if (message.subject) fields.push(['subject', message.subject]);
  } else {
    fields.push(['subscribe_url', message.subscribe_url ?? '']);
  }
  fields.push(['timestamp', message.timestamp], ['topic_urn', message.topic_urn], ['type', message.type]);
  return fields.map(([name, value]) => `${name}\n${value}\n`).join('');
}

/**
 * Whether `signature` is SMN's SHA256withRSA signature of the message by the RSA key certified in
 * `certificatePem` (downloaded by the caller from a `trustedSigningCertUrl`). Only signature_version
 * v1 is documented. Never throws.
 */
export function verifySmnSignature(message: SmnMessage, certificatePem: string): boolean {
  try {
    if (message.signature_version !== undefined && message.signature_version.toLowerCase() !== 'v1') return false;
    const key = new X509Certificate(certificatePem).publicKey;
    if (key.asymmetricKeyType !== 'rsa') return false;
    return verify(
      'sha256',
      Buffer.from(smnStringToSign(message), 'utf8'),
      key,
      Buffer.from(message.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** How old a message may be (either way from now, for clock skew) before it is refused as a replay. */
export const SMN_MAX_AGE_SECONDS = 15 * 60;
/** RSA signatures of 1024 to 8192 bits. */
const SIGNATURE_BYTES = { least: 128, most: 1024 };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/u;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/u;

/**
 * Why a parsed message is refused before anything is fetched for it, or undefined: a signature
 * version other than v1, a signature that is not a base64 RSA signature, a timestamp that is not
 * one, or a message outside `maxAgeSeconds` of `now`. Unsigned and stale deliveries cost no fetch.
 */
export function smnDeliveryRefusal(
  message: SmnMessage,
  now: Date,
  maxAgeSeconds = SMN_MAX_AGE_SECONDS,
): string | undefined {
  if (message.signature_version !== undefined && message.signature_version.toLowerCase() !== 'v1')
    return `signature_version ${quote(message.signature_version)} is not v1`;
  const bytes = BASE64.test(message.signature) ? Buffer.from(message.signature, 'base64').length : 0;
  if (bytes < SIGNATURE_BYTES.least || bytes > SIGNATURE_BYTES.most)
    return 'the signature is not a base64 RSA signature';
  const sent = TIMESTAMP.test(message.timestamp) ? Date.parse(message.timestamp) : Number.NaN;
  if (!Number.isFinite(sent)) return `timestamp ${quote(message.timestamp)} is not an ISO 8601 time`;
  const age = Math.round((now.getTime() - sent) / 1000);
  if (age > maxAgeSeconds) return `the message is ${age} s old (at most ${maxAgeSeconds} s)`;
  if (-age > maxAgeSeconds) return `the message is dated ${-age} s in the future`;
  return undefined;
}

const CERT_HOSTS: Record<SmnProvider, RegExp> = {
  huawei: /^smn\.[a-z]{2}(-[a-z0-9]+)+\.myhuaweicloud\.com$/u,
  otc: /^smn\.[a-z]{2}(-[a-z0-9]+)+\.otc\.t-systems\.com$/u,
};

/** Whether `url` may be fetched for the signing certificate: https, `smn.<region>.<provider domain>`, default port, a `.pem` path. */
export function trustedSigningCertUrl(url: string, provider: SmnProvider): boolean {
  const parsed = plainHttpsUrl(url);
  const host = CERT_HOSTS[provider] as RegExp | undefined;
  return (
    parsed !== undefined &&
    host !== undefined &&
    host.test(parsed.hostname) &&
    parsed.search === '' &&
    parsed.pathname.endsWith('.pem')
  );
}

const CONSOLE_DOMAINS: Record<SmnProvider, readonly string[]> = {
  huawei: ['huaweicloud.com', 'myhuaweicloud.com'],
  otc: ['otc.t-systems.com'],
};

/**
 * Whether the subscribe_url of a verified confirmation may be visited: https, default port, no
 * user info, a host under the provider's domain. Visit it only after `verifySmnSignature` passed.
 */
export function trustedSubscribeUrl(url: string, provider: SmnProvider): boolean {
  const parsed = plainHttpsUrl(url);
  const domains = CONSOLE_DOMAINS[provider] as readonly string[] | undefined;
  return (
    parsed !== undefined && domains !== undefined && domains.some((domain) => parsed.hostname.endsWith(`.${domain}`))
  );
}

function plainHttpsUrl(url: string): URL | undefined {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  // Only the canonical spelling: no `\`, spaces, explicit ports or other forms that other URL parsers read differently.
  const plain =
    parsed.href === url &&
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    parsed.hash === '';
  return plain ? parsed : undefined;
}

/** One cloud's SMN delivery checks, as its provider module hands them to the realtime function. */
export function smnChecks(provider: SmnProvider): SmnChecks {
  return {
    message: parseSmnMessage,
    defaultMaxAgeSeconds: SMN_MAX_AGE_SECONDS,
    refusal: smnDeliveryRefusal,
    trustedCertUrl: (url) => trustedSigningCertUrl(url, provider),
    verifySignature: verifySmnSignature,
    trustedSubscribeUrl: (url) => trustedSubscribeUrl(url, provider),
  };
}

// ---------------------------------------------------------------- CTS traces

/**
 * The traces CTS records for security groups and their rules, a port's groups, an EIP or floating IP
 * bound to a port, and an ECS's groups (Huawei Cloud and OTC VPC and ECS "Key Operations Recorded by
 * CTS" / "Supported by CTS").
 */
export const CTS_SECURITY_GROUP_TRACES = [
  'createSecurity-group',
  'updateSecurity-group',
  'deleteSecurity-group',
  'createSecurity-group-rule',
  'updateSecurity-group-rule',
  'deleteSecurity-group-rule',
  'updatePort',
  'updateAddressGroup',
  'bindEip',
  'unbindEip',
  'associateInstance',
  'disassociateInstance',
  'createFloatingIp',
  'deleteFloatingIp',
  'addSecurityGroup',
  'removeSecurityGroup',
] as const satisfies readonly string[];

type TraceKind = 'group' | 'rule' | 'port' | 'address-group' | 'public-address' | 'server-groups';

/** The services whose traces of each kind are read: EIP traces come from VPC (or EIP), OTC's floating IPs and server groups from ECS. */
const KIND_SERVICES: Record<TraceKind, readonly string[]> = {
  group: ['VPC'],
  rule: ['VPC'],
  port: ['VPC'],
  'address-group': ['VPC'],
  'public-address': ['VPC', 'EIP', 'ECS'],
  'server-groups': ['ECS'],
};

/** Trace names without case, hyphens and underscores: also matches the older `createSecurityGroup`, `modifySecurityGroup`. */
const TRACE_KINDS: Record<string, TraceKind> = {
  createsecuritygroup: 'group',
  updatesecuritygroup: 'group',
  modifysecuritygroup: 'group',
  deletesecuritygroup: 'group',
  createsecuritygrouprule: 'rule',
  updatesecuritygrouprule: 'rule',
  modifysecuritygrouprule: 'rule',
  deletesecuritygrouprule: 'rule',
  updateport: 'port',
  // An address group's entries: the groups whose rules name it are audited.
  updateaddressgroup: 'address-group',
  modifyaddressgroup: 'address-group',
  // An EIP (v2 bindEip/unbindEip, v3 associateInstance/disassociateInstance) or OTC floating IP bound or unbound.
  bindeip: 'public-address',
  unbindeip: 'public-address',
  associateinstance: 'public-address',
  disassociateinstance: 'public-address',
  createfloatingip: 'public-address',
  deletefloatingip: 'public-address',
  // The ECS (Nova) server actions: the group joins or leaves every NIC of the server.
  addsecuritygroup: 'server-groups',
  removesecuritygroup: 'server-groups',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
/** `urn:smn:<region>:<project id>:<topic name>` */
const TOPIC_URN = /^urn:smn:([a-z0-9-]+):([0-9a-f]{32}):/iu;

/** The security groups a CTS key event notification (the SMN `message`) reports changed. Never throws. */
export function changesFromCtsNotification(provider: SmnProvider, smnMessage: SmnMessage): ChangeParse {
  return safely(
    () => ignored('unreadable CTS notification'),
    () => changesFromTrace(provider, smnMessage),
  );
}

function changesFromTrace(provider: SmnProvider, smnMessage: SmnMessage): ChangeParse {
  if (smnMessage.type !== 'Notification')
    return ignored(`SMN ${smnMessage.type}: no trace (confirm or drop the subscription)`);
  const trace = traceOf(jsonOf(smnMessage.message));
  if (trace === undefined) return ignored('the SMN message is not a CTS trace');
  const traceName = text(trace.trace_name);
  const kind = traceName === undefined ? undefined : TRACE_KINDS[traceName.toLowerCase().replace(/[-_]/gu, '')];
  if (traceName === undefined || kind === undefined)
    return ignored(`CTS ${quote(trace.trace_name)} does not change a security group`);
  const services = KIND_SERVICES[kind];
  if (!services.includes(text(trace.service_type)?.toUpperCase() ?? ''))
    return ignored(`${traceName} from ${quote(trace.service_type)}, not ${services.join(' or ')}`);
  const failure = failureOf(trace);
  if (failure !== undefined) return ignored(`${traceName} failed (${failure}): nothing changed`);

  const urn = TOPIC_URN.exec(smnMessage.topic_urn);
  const account = text(trace.project_id) ?? urn?.[2];
  if (account === undefined) return ignored(`${traceName} without a project id`);
  const region = text(trace.region_id) ?? text(trace.region) ?? urn?.[1];
  if (region === undefined) return ignored(`${traceName} without a region`);
  const eventId = text(trace.trace_id) ?? smnMessage.message_id;

  const candidates = groupIdsOf(kind, trace);
  const groupIds = candidates.filter((id) => UUID.test(id));
  const actor =
    text(at(trace, 'user', 'name')) ?? text(at(trace, 'user', 'user_name')) ?? text(at(trace, 'user', 'id'));
  const when = isoTime(trace.time) ?? isoTime(trace.record_time) ?? isoTime(smnMessage.timestamp);
  const base = { provider, account, region, eventName: traceName, eventId, actor, at: when };
  if (kind === 'address-group') {
    const setId = strings([trace.resource_id, at(jsonOf(trace.response), 'address_group', 'id')]).find((id) =>
      UUID.test(id),
    );
    return setId === undefined
      ? ignored(`${traceName} names no valid address group id (${quote(trace.resource_id)})`)
      : setChange(setId, base);
  }
  if (kind === 'public-address' || kind === 'server-groups' || kind === 'port') {
    const target = interfaceTargetOf(kind, trace);
    // A public address bound or unbound, or a server's groups changed, where the trace names no port or
    // server: which interface changed is unknown, so the whole scope is audited.
    if (target === undefined && (kind === 'public-address' || (kind === 'server-groups' && groupIds.length === 0)))
      return scopeChange(base);
    if (target !== undefined && (kind !== 'port' || groupIds.length > 0))
      return interfaceChanges([{ ...target, groupIds }], base);
  }
  // A rule deletion may carry no body: which group lost the rule is unknown, and since a deleted deny
  // rule can open access, the whole project and region is audited rather than nothing.
  if (groupIds.length === 0 && kind === 'rule' && candidates.length === 0) return scopeChange(base);
  if (groupIds.length === 0) return ignored(noGroupReason(traceName, kind, candidates, trace));
  return changesFor(groupIds, base);
}

/** The trace in a notification: the message itself, or under `trace` / `cts` (the FunctionGraph CTS trigger's shape). */
function traceOf(value: unknown): JsonRecord | undefined {
  for (const candidate of [value, at(value, 'trace'), at(value, 'cts')]) {
    if (isRecord(candidate) && typeof candidate.trace_name === 'string') return candidate;
  }
  return undefined;
}

/** Why the traced call did not succeed: trace_rating warning/incident, or an HTTP status of 400 or more. */
function failureOf(trace: JsonRecord): string | undefined {
  const rating = text(trace.trace_rating)?.toLowerCase();
  if (rating === 'warning' || rating === 'incident') return `trace_rating ${rating}`;
  const code =
    typeof trace.code === 'number' ? trace.code : typeof trace.code === 'string' ? Number(trace.code) : Number.NaN;
  return Number.isFinite(code) && code >= 400 ? `code ${code}` : undefined;
}

function groupIdsOf(kind: TraceKind, trace: JsonRecord): string[] {
  const request = jsonOf(trace.request);
  const response = jsonOf(trace.response);
  switch (kind) {
    case 'group':
      return strings([trace.resource_id, at(response, 'security_group', 'id'), at(request, 'security_group', 'id')]);
    case 'rule':
      // resource_id is the rule's id; the group is in the rule body of the response or request.
      return [...valuesOf(response, 'security_group_id'), ...valuesOf(request, 'security_group_id')];
    case 'port': {
      const groups = at(request, 'port', 'security_groups');
      return Array.isArray(groups) ? strings(groups) : [];
    }
    case 'server-groups':
      // `name` is the group's id or name (only an id is kept).
      return strings([at(request, 'addSecurityGroup', 'name'), at(request, 'removeSecurityGroup', 'name')]);
    case 'address-group':
    case 'public-address':
      return [];
  }
}

/** The port a trace names (the port updated, the port an EIP or floating IP is bound to), or the server of a server action. */
function interfaceTargetOf(kind: TraceKind, trace: JsonRecord): InterfaceTarget | undefined {
  const request = jsonOf(trace.request);
  const response = jsonOf(trace.response);
  const first = (values: unknown[]) => strings(values).find((id) => UUID.test(id));
  if (kind === 'server-groups') {
    const instanceId = first([trace.resource_id]);
    return instanceId === undefined ? undefined : { instanceId };
  }
  if (kind === 'port') {
    const interfaceId = first([trace.resource_id, at(response, 'port', 'id')]);
    return interfaceId === undefined ? undefined : { interfaceId };
  }
  const v3Port = (body: unknown) =>
    (text(at(body, 'publicip', 'associate_instance_type')) ?? 'PORT').toUpperCase() === 'PORT'
      ? at(body, 'publicip', 'associate_instance_id')
      : undefined;
  const interfaceId = first(
    [request, response].flatMap((body) => [
      at(body, 'publicip', 'port_id'),
      v3Port(body),
      at(body, 'floatingip', 'port_id'),
    ]),
  );
  return interfaceId === undefined ? undefined : { interfaceId };
}

function noGroupReason(traceName: string, kind: TraceKind, candidates: string[], trace: JsonRecord): string {
  if (candidates.length > 0)
    return `${traceName} names no valid security group id (${candidates.map(quote).join(', ')})`;
  if (kind === 'port') return `${traceName} did not change the port's security groups`;
  if (kind === 'rule')
    return `${traceName} of rule ${quote(trace.resource_id)} names no security group in its request or response`;
  return `${traceName} names no security group`;
}

function strings(values: unknown[]): string[] {
  return values.flatMap((value) => (typeof value === 'string' && value !== '' ? [value] : []));
}

/** Every string value of `key` in a JSON value (request and response bodies are small; depth is bounded). */
function valuesOf(value: unknown, key: string, depth = 0): string[] {
  if (depth > 6) return [];
  if (Array.isArray(value)) return value.flatMap((item) => valuesOf(item, key, depth + 1));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([name, child]) =>
    name === key && typeof child === 'string' && child !== '' ? [child] : valuesOf(child, key, depth + 1),
  );
}
