// The live Alibaba Cloud ECS adapter: reads security groups, their rules and the network
// interfaces that use them through @alicloud/ecs20140526 (7.x), and adds/removes rules.
//
// SDK facts this relies on (read in the installed packages' dist code):
// - requests are signed ACS3-HMAC-SHA256 with the action in `x-acs-action`
//   (@alicloud/openapi-core dist/client.js `doRequest`);
// - the SDK retries only with `Config.retryOptions`; none is set, so each call is one attempt and
//   the retries are ours (withRetry). `RuntimeOptions.autoretry` is set false for the older path;
// - without readTimeout/connectTimeout the HTTP layer (httpx) aborts after 3 s: both are set to
//   the scan timeout;
// - 4xx/5xx answers throw ThrottlingError (code contains "Throttling"), ClientError (4xx) or
//   ServerError (5xx), each with `code`, `statusCode`, `requestId` and the error body in `data`;
//   a body that is not JSON throws the bare SyntaxError of JSON.parse;
// - `response.body.toMap()` gives the PascalCase JSON the normalizers read.
import { randomUUID } from 'node:crypto';
import Credentials from '@alicloud/credentials';
import { Config as CredentialConfig } from '@alicloud/credentials';
import Ecs from '@alicloud/ecs20140526';
import {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupEgressRequestPermissions,
  AuthorizeSecurityGroupRequest,
  AuthorizeSecurityGroupRequestPermissions,
  DescribeNetworkInterfacesRequest,
  DescribePortRangeListEntriesRequest,
  DescribePortRangeListsRequest,
  DescribePrefixListAttributesRequest,
  DescribePrefixListsRequest,
  DescribeSecurityGroupAttributeRequest,
  DescribeSecurityGroupsRequest,
  RevokeSecurityGroupEgressRequest,
  RevokeSecurityGroupRequest,
} from '@alicloud/ecs20140526';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import type { WardenConfig } from '../../src/config/schema.ts';
import { canonicalCidr, parseCidr } from '../../src/model/address.ts';
import { isRecord } from '../../src/model/page.ts';
import { ALL_PORTS, MAX_PORT, hasPorts } from '../../src/model/protocol.ts';
import type { Direction, Peer, Rule } from '../../src/model/types.ts';
import { mapLimit } from '../common/pool.ts';
import { DEFAULT_RETRY, TimeoutError, withRetry } from '../common/retry.ts';
import type { RetryOptions } from '../common/retry.ts';
import type { CallStats, LiveAdapter, RawPage, ReadProgress, Scope, ScopeFilter } from '../live.ts';
import { alibabaPageKinds } from './normalize.ts';
import { referencedLists, SET_PAGE_KINDS } from './sets.ts';
import { checkEndpointUrl } from '../common/endpoint.ts';
import { maskCredentials } from '../common/mask.ts';

/**
 * The class a CommonJS package exports as `exports.default`. Node's ESM loader gives the whole
 * `module.exports` as the default import (so the class is at `.default`); vitest unwraps it.
 */
function cjsDefault<T>(imported: { default: T }): T {
  return (imported as { default?: T }).default ?? (imported as unknown as T);
}

const EcsClient = cjsDefault(Ecs);
type EcsClient = InstanceType<typeof EcsClient>;
const Credential = cjsDefault(Credentials);
type Credential = InstanceType<typeof Credential>;
const OpenApiClient = cjsDefault(OpenApi);

export const PAGE_KINDS = {
  groups: 'alibaba:DescribeSecurityGroups',
  attribute: 'alibaba:DescribeSecurityGroupAttribute',
  interfaces: 'alibaba:DescribeNetworkInterfaces',
  ...SET_PAGE_KINDS,
} as const;

/**
 * Page sizes: each API's documented maximum (the request models' docs in @alicloud/ecs20140526):
 * DescribeSecurityGroups MaxResults ≤ 100; DescribeSecurityGroupAttribute 10..1000;
 * DescribeNetworkInterfaces 10..500; DescribePrefixLists and DescribePortRangeLists ≤ 100, and at
 * most 100 ids (PrefixListId.N / PortRangeListId.N) per request.
 */
export const PAGE_SIZE = { groups: 100, attribute: 1000, interfaces: 500, lists: 100 } as const;

export const ENDPOINT_ENV = 'WARDEN_ALIBABA_ENDPOINT';

export interface AlibabaAdapterOptions {
  config: WardenConfig;
  /** Where WARDEN_ALIBABA_ENDPOINT and ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/SECURITY_TOKEN are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryOptions>;
}

/** A call that failed for good: which call, in which scope, why. Never carries credentials. */
export class AlibabaApiError extends Error {
  readonly code: string | undefined;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  /** The API's error body (RequestId, Code, Message …) where it answered with one. */
  readonly body: Record<string, unknown> | undefined;
  constructor(message: string, details: { code?: string; statusCode?: number; requestId?: string; body?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'AlibabaApiError';
    this.code = details.code;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
    this.body = details.body;
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoint and credentials

export interface Endpoint {
  /** host[:port], as the SDK's Config.endpoint takes it. */
  endpoint: string;
  protocol: 'https' | 'http';
}

/** A full endpoint URL → the SDK's endpoint + protocol. `http://` only for loopback hosts. */
export function parseEndpointUrl(value: string, source: string): Endpoint {
  const url = checkEndpointUrl(value, source);
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new Error(`${source}: the endpoint must be a scheme and host[:port] only (got ${url.origin}${url.pathname})`);
  }
  return { endpoint: url.host, protocol: url.protocol === 'http:' ? 'http' : 'https' };
}

/** The endpoint of a region: env WARDEN_ALIBABA_ENDPOINT, else config providers.alibaba.endpoint, else ecs.<region>.aliyuncs.com. */
export function endpointFor(region: string, configured: string | undefined, fromEnv: string | undefined): Endpoint {
  if (fromEnv !== undefined && fromEnv.trim() !== '') return parseEndpointUrl(fromEnv.trim(), ENDPOINT_ENV);
  if (configured !== undefined) return parseEndpointUrl(configured, 'providers.alibaba.endpoint');
  return { endpoint: `ecs.${region}.aliyuncs.com`, protocol: 'https' };
}

/** STS (for GetCallerIdentity): the same override as ECS, else the central endpoint. */
export function stsEndpointFor(configured: string | undefined, fromEnv: string | undefined): Endpoint {
  if ((fromEnv !== undefined && fromEnv.trim() !== '') || configured !== undefined) return endpointFor('', configured, fromEnv);
  return { endpoint: 'sts.aliyuncs.com', protocol: 'https' };
}

/**
 * Keys given in `env` (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, optional _SECURITY_TOKEN) are used as
 * they are; otherwise @alicloud/credentials' default chain (environment, OIDC, CLI profile,
 * ~/.alibabacloud/credentials, ECS RAM role, credentials URI) resolves them on the first call.
 */
function credentialFrom(env: NodeJS.ProcessEnv): Credential {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (accessKeyId && accessKeySecret) {
    const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
    const type = securityToken ? 'sts' : 'access_key';
    return new Credential(new CredentialConfig({ type, accessKeyId, accessKeySecret, securityToken }));
  }
  return new Credential();
}

// ---------------------------------------------------------------------------------------------
// Errors: which are worth another try, and what a failure says

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

function statusOf(error: Record<string, unknown>): number | undefined {
  const data = isRecord(error.data) ? error.data : {};
  for (const value of [error.statusCode, data.statusCode]) {
    const status = typeof value === 'number' ? value : typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : undefined;
    if (status !== undefined) return status;
  }
  return undefined;
}

export function isThrottling(error: unknown): boolean {
  return isRecord(error) && typeof error.code === 'string' && error.code.includes('Throttling');
}

/** Throttling (Throttling, Throttling.User, Throttling.Api …), ServiceUnavailable, HTTP ≥ 500, network failures. */
export function isRetryableAlibabaError(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  if (!isRecord(error)) return false;
  const code = typeof error.code === 'string' ? error.code : '';
  if (code.includes('Throttling') || code.includes('ServiceUnavailable')) return true;
  const status = statusOf(error);
  if (status !== undefined && status >= 500) return true;
  if (error.name === 'RequestTimeoutError' || NETWORK_CODES.has(code)) return true;
  return false;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

// ---------------------------------------------------------------------------------------------
// Reading helpers

type Body = Record<string, unknown>;

function nextTokenOf(body: Body): string | undefined {
  const token = body.NextToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function listAt(body: Body, outer: string, inner: string): unknown[] | undefined {
  const container = body[outer];
  const list = isRecord(container) ? container[inner] : undefined;
  return Array.isArray(list) ? list : undefined;
}

class MalformedResponse extends Error {}

function checkGroupsPage(body: Body): string[] {
  const list = listAt(body, 'SecurityGroups', 'SecurityGroup');
  if (!list) throw new MalformedResponse('the response has no SecurityGroups.SecurityGroup list');
  return list.map((item, i) => {
    const id = isRecord(item) ? item.SecurityGroupId : undefined;
    if (typeof id !== 'string' || id === '') throw new MalformedResponse(`SecurityGroups.SecurityGroup[${i}] has no SecurityGroupId`);
    return id;
  });
}

function checkAttributePage(body: Body, groupId: string): void {
  if (!listAt(body, 'Permissions', 'Permission')) throw new MalformedResponse('the response has no Permissions.Permission list');
  if (body.SecurityGroupId !== groupId) {
    throw new MalformedResponse(`the response is for security group ${JSON.stringify(body.SecurityGroupId)}, not ${groupId}`);
  }
}

function checkList(body: Body, outer: string, inner?: string): void {
  const list = inner === undefined ? body[outer] : listAt(body, outer, inner);
  if (!Array.isArray(list)) throw new MalformedResponse(`the response has no ${inner === undefined ? outer : `${outer}.${inner}`} list`);
}

/** The list a response is about: the id asked for (added where the response names none). */
function aboutList(body: Body, idField: string, id: string): Body {
  if (body[idField] !== undefined && body[idField] !== id) {
    throw new MalformedResponse(`the response is for ${idField} ${JSON.stringify(body[idField])}, not ${id}`);
  }
  return { ...body, [idField]: id };
}

/**
 * A refusal about one list (a 4xx other than throttling: not found, forbidden, another account's
 * list) as the page Warden keeps: the API's error body. The list is then the unknown, not the scope.
 */
function refusal(error: unknown): Body | undefined {
  if (!(error instanceof AlibabaApiError) || isThrottling(error)) return undefined;
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const body = error.body ?? {};
  const { Entries: _entries, ...rest } = body;
  return {
    ...rest,
    Code: typeof body.Code === 'string' && body.Code !== '' ? body.Code : (error.code ?? `HTTP ${status}`),
    Message: typeof body.Message === 'string' ? body.Message : error.message,
  };
}

function checkInterfacesPage(body: Body): void {
  if (!listAt(body, 'NetworkInterfaceSets', 'NetworkInterfaceSet')) {
    throw new MalformedResponse('the response has no NetworkInterfaceSets.NetworkInterfaceSet list');
  }
}

// ---------------------------------------------------------------------------------------------
// Rules → the AuthorizeSecurityGroup(Egress) Permissions model

const PROTOCOL_NAMES: Record<string, string> = { tcp: 'TCP', udp: 'UDP', icmp: 'ICMP', icmpv6: 'ICMPv6', gre: 'GRE', all: 'ALL' };

interface PermissionFields {
  ipProtocol: string;
  /** Absent when the ports come from a port list (the API ignores PortRangeListId next to a PortRange). */
  portRange?: string;
  portRangeListId?: string;
  policy: 'accept' | 'drop';
  priority: string;
  description: string;
  cidr?: string;
  ipv6Cidr?: string;
  groupId?: string;
  groupOwnerAccount?: string;
  prefixListId?: string;
}

function isAllPorts(ports: readonly { from: number; to: number }[]): boolean {
  return ports.length === 1 && ports[0]?.from === ALL_PORTS.from && ports[0]?.to === ALL_PORTS.to;
}

/** The permission Alibaba needs for `rule`; throws for what Alibaba's rule model cannot express. */
export function permissionOf(rule: Rule): PermissionFields {
  const protocol = typeof rule.protocol === 'string' ? PROTOCOL_NAMES[rule.protocol] : undefined;
  if (protocol === undefined) throw new Error(`Alibaba rules take TCP, UDP, ICMP, ICMPv6, GRE or ALL, not protocol ${String(rule.protocol)}`);
  let portRange: string | undefined = '-1/-1';
  if (hasPorts(rule.protocol) && rule.portList !== undefined) {
    portRange = undefined;
  } else if (hasPorts(rule.protocol)) {
    const range = rule.ports.length === 1 ? rule.ports[0] : undefined;
    if (!range || range.from < 0 || range.to > MAX_PORT || range.from > range.to) {
      throw new Error(`an Alibaba ${protocol} rule takes exactly one port range (got ${JSON.stringify(rule.ports)})`);
    }
    // Alibaba's TCP/UDP ports are 1..65535: the model's "all ports" (0..65535) is 1/65535 there.
    portRange = `${Math.max(range.from, 1)}/${range.to}`;
    if (range.to < 1) throw new Error(`an Alibaba ${protocol} rule cannot open port 0 alone`);
  } else if (!isAllPorts(rule.ports)) {
    throw new Error(`an Alibaba ${protocol} rule covers the whole protocol; ports/ICMP types ${JSON.stringify(rule.ports)} cannot be expressed`);
  }
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > 100) {
    throw new Error(`Alibaba rule priorities are 1..100 (got ${rule.priority})`);
  }
  if (!rule.enabled) throw new Error('Alibaba rules cannot be disabled');
  const fields: PermissionFields = {
    ipProtocol: protocol,
    ...(portRange === undefined ? { portRangeListId: rule.portList?.id } : { portRange }),
    policy: rule.action === 'deny' ? 'drop' : 'accept',
    priority: String(rule.priority),
    description: rule.description,
  };
  const peer = rule.peer;
  switch (peer.kind) {
    case 'cidr': {
      const block = parseCidr(peer.cidr);
      if (!block) throw new Error(`${peer.cidr} is not a CIDR block`);
      if (block.family !== rule.family) throw new Error(`${peer.cidr} is not an ${rule.family} block`);
      if (block.family === 'ipv6') fields.ipv6Cidr = peer.cidr;
      else fields.cidr = peer.cidr;
      break;
    }
    case 'group':
      fields.groupId = peer.groupId;
      if (peer.account !== undefined) fields.groupOwnerAccount = peer.account;
      break;
    case 'prefix-list':
      fields.prefixListId = peer.id;
      break;
    default:
      throw new Error(`Alibaba rules cannot reference a ${peer.kind}`);
  }
  return fields;
}

function ingressPermission(p: PermissionFields): AuthorizeSecurityGroupRequestPermissions {
  return new AuthorizeSecurityGroupRequestPermissions({
    ipProtocol: p.ipProtocol,
    portRange: p.portRange,
    portRangeListId: p.portRangeListId,
    policy: p.policy,
    priority: p.priority,
    description: p.description,
    sourceCidrIp: p.cidr,
    ipv6SourceCidrIp: p.ipv6Cidr,
    sourceGroupId: p.groupId,
    sourceGroupOwnerAccount: p.groupOwnerAccount,
    sourcePrefixListId: p.prefixListId,
  });
}

function egressPermission(p: PermissionFields): AuthorizeSecurityGroupEgressRequestPermissions {
  return new AuthorizeSecurityGroupEgressRequestPermissions({
    ipProtocol: p.ipProtocol,
    portRange: p.portRange,
    portRangeListId: p.portRangeListId,
    policy: p.policy,
    priority: p.priority,
    description: p.description,
    destCidrIp: p.cidr,
    ipv6DestCidrIp: p.ipv6Cidr,
    destGroupId: p.groupId,
    destGroupOwnerAccount: p.groupOwnerAccount,
    destPrefixListId: p.prefixListId,
  });
}

function samePeer(a: Peer, b: Peer): boolean {
  if (a.kind === 'cidr' && b.kind === 'cidr') return canonicalCidr(a.cidr) === canonicalCidr(b.cidr);
  if (a.kind === 'group' && b.kind === 'group') return a.groupId === b.groupId;
  if (a.kind === 'prefix-list' && b.kind === 'prefix-list') return a.id === b.id;
  return false;
}

/** Port lists equal, port 0 aside for TCP/UDP (Alibaba has no port 0: 0..n is listed as 1/n). */
function samePorts(a: Rule, b: Rule): boolean {
  const low = (rule: Rule, from: number) => (hasPorts(rule.protocol) ? Math.max(from, 1) : from);
  return a.ports.length === b.ports.length && a.ports.every((p, i) => low(a, p.from) === low(b, b.ports[i]?.from ?? -1) && p.to === b.ports[i]?.to);
}

/** Alibaba's own identity of a rule: direction, protocol, ports, peer and policy (AuthorizeSecurityGroup's usage notes). */
function sameIdentity(a: Rule, b: Rule): boolean {
  return a.portList?.id === b.portList?.id && a.direction === b.direction && a.family === b.family && a.protocol === b.protocol && a.action === b.action && samePorts(a, b) && samePeer(a.peer, b.peer);
}

function sameRule(a: Rule, b: Rule): boolean {
  return sameIdentity(a, b) && a.priority === b.priority;
}

const attributeKind = alibabaPageKinds.find((k) => k.name === PAGE_KINDS.attribute);

// ---------------------------------------------------------------------------------------------
// The adapter

export function createAlibabaAdapter(options: AlibabaAdapterOptions): LiveAdapter {
  const { config } = options;
  const env = options.env ?? process.env;
  const settings = config.providers.alibaba;
  const fromEnv = env[ENDPOINT_ENV];
  // Validate an override now: a bad one is a usage error, not a scan error per scope.
  if (fromEnv !== undefined && fromEnv.trim() !== '') parseEndpointUrl(fromEnv.trim(), ENDPOINT_ENV);
  else if (settings?.endpoint !== undefined) parseEndpointUrl(settings.endpoint, 'providers.alibaba.endpoint');

  const stats: CallStats = { calls: 0, retries: 0, throttles: 0 };
  const timeoutMs = options.retry?.timeoutMs ?? config.scan.timeoutMs;
  const retry: RetryOptions = {
    ...DEFAULT_RETRY,
    retries: config.scan.retries,
    timeoutMs,
    isRetryable: isRetryableAlibabaError,
    ...options.retry,
    onRetry: (error, attempt, delayMs) => {
      stats.retries++;
      options.retry?.onRetry?.(error, attempt, delayMs);
    },
  };
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  let credential: Credential | undefined;
  const clients = new Map<string, EcsClient>();

  const settingsOrThrow = () => {
    if (!settings) throw new Error('providers.alibaba is not configured (regions to read)');
    return settings;
  };

  const clientFor = (region: string): EcsClient => {
    let client = clients.get(region);
    if (!client) {
      credential ??= credentialFrom(env);
      const { endpoint, protocol } = endpointFor(region, settings?.endpoint, fromEnv);
      client = new EcsClient(
        new $OpenApiUtil.Config({
          credential,
          regionId: region,
          endpoint,
          protocol,
          readTimeout: timeoutMs,
          connectTimeout: timeoutMs,
          userAgent: 'warden',
        }),
      );
      clients.set(region, client);
    }
    return client;
  };

  let sts: InstanceType<typeof OpenApiClient> | undefined;
  const stsClient = (region: string) => {
    credential ??= credentialFrom(env);
    const { endpoint, protocol } = stsEndpointFor(settings?.endpoint, fromEnv);
    sts ??= new OpenApiClient(new $OpenApiUtil.Config({ credential, regionId: region, endpoint, protocol, readTimeout: timeoutMs, connectTimeout: timeoutMs, userAgent: 'warden' }));
    return sts;
  };

  const runtime = () => new RuntimeOptions({ autoretry: false, maxAttempts: 1, readTimeout: timeoutMs, connectTimeout: timeoutMs });

  /** A message naming the call and scope; credentials and signatures scrubbed. */
  const failure = (scope: Scope, action: string, error: unknown): AlibabaApiError => {
    const where = `alibaba ${scope.account || '(default account)'} ${scope.region} ${action}`;
    let text: string;
    let details: ConstructorParameters<typeof AlibabaApiError>[1] = {};
    if (error instanceof MalformedResponse) text = `malformed response: ${error.message}`;
    else if (error instanceof SyntaxError) text = `malformed response: the body is not valid JSON (${error.message})`;
    else if (error instanceof TimeoutError) text = error.message;
    // The SDK's response models reject fields of the wrong type ($dara.cast).
    else if (error instanceof Error && /^type of \S+ is mismatch|^can not cast to Map/.test(error.message)) text = `malformed response: ${error.message}`;
    else if (isRecord(error)) {
      const code = typeof error.code === 'string' ? error.code : undefined;
      const statusCode = statusOf(error);
      const requestId = typeof error.requestId === 'string' ? error.requestId : undefined;
      details = { code, statusCode, requestId, ...(isRecord(error.data) ? { body: error.data } : {}) };
      text = typeof error.message === 'string' ? error.message : String(error);
    } else text = String(error);
    const message = `${where} failed: ${firstLine(text)}`;
    return new AlibabaApiError(maskCredentials(message, [secret, env.ALIBABA_CLOUD_ACCESS_KEY_ID, env.ALIBABA_CLOUD_SECURITY_TOKEN]), details);
  };

  /** One API call with our retries and timeouts, counted in stats; returns the body as the API's JSON. */
  const call = async (scope: Scope, action: string, invoke: (client: EcsClient, runtime: RuntimeOptions) => Promise<{ body?: { toMap(): Record<string, unknown> } }>): Promise<Body> => {
    try {
      const client = clientFor(scope.region);
      return await withRetry('the call', retry, async () => {
        stats.calls++;
        let response;
        try {
          response = await invoke(client, runtime());
        } catch (error) {
          if (isThrottling(error)) stats.throttles++;
          throw error;
        }
        if (!response.body) throw new MalformedResponse('the response has no body');
        const body = response.body.toMap();
        if (!isRecord(body)) throw new MalformedResponse('the response body is not an object');
        return body;
      });
    } catch (error) {
      throw failure(scope, action, error);
    }
  };

  /** Every page of a NextToken-paginated call. */
  const paginate = async (scope: Scope, action: string, page: (token: string | undefined) => Promise<Body>, onPage: (body: Body) => void): Promise<Body[]> => {
    const bodies: Body[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const body = await page(token);
      try {
        onPage(body);
      } catch (error) {
        throw failure(scope, action, error);
      }
      bodies.push(body);
      token = nextTokenOf(body);
      if (token !== undefined) {
        if (seen.has(token)) throw failure(scope, action, new MalformedResponse(`NextToken ${JSON.stringify(token)} repeats`));
        seen.add(token);
      }
    } while (token !== undefined);
    return bodies;
  };

  const attributePages = (scope: Scope, groupId: string, direction: Direction | 'all'): Promise<Body[]> =>
    paginate(
      scope,
      `DescribeSecurityGroupAttribute ${groupId}`,
      (nextToken) =>
        call(scope, `DescribeSecurityGroupAttribute ${groupId}`, (client, rt) =>
          client.describeSecurityGroupAttributeWithOptions(
            new DescribeSecurityGroupAttributeRequest({ regionId: scope.region, securityGroupId: groupId, direction, maxResults: PAGE_SIZE.attribute, nextToken }),
            rt,
          ),
        ),
      (body) => checkAttributePage(body, groupId),
    );

  /** Listing pages of DescribePrefixLists / DescribePortRangeLists for `ids`, 100 ids a request; a refused listing is skipped (each list's own answer decides). */
  const listingPages = async (scope: Scope, action: string, ids: string[], request: (client: EcsClient, rt: RuntimeOptions, chunk: string[], nextToken: string | undefined) => Promise<{ body?: { toMap(): Record<string, unknown> } }>, check: (body: Body) => void): Promise<Body[]> => {
    const bodies: Body[] = [];
    for (let i = 0; i < ids.length; i += PAGE_SIZE.lists) {
      const chunk = ids.slice(i, i + PAGE_SIZE.lists);
      try {
        bodies.push(...(await paginate(scope, action, (nextToken) => call(scope, action, (client, rt) => request(client, rt, chunk, nextToken)), check)));
      } catch (error) {
        if (refusal(error) === undefined) throw error;
      }
    }
    return bodies;
  };

  /** How one kind of list's entries are read, and the page kinds of the answer and of a refusal. */
  interface EntriesCall {
    kinds: { read: string; refused: string };
    idField: 'PrefixListId' | 'PortRangeListId';
    action: string;
    invoke: (client: EcsClient, rt: RuntimeOptions, region: string, id: string) => Promise<{ body?: { toMap(): Record<string, unknown> } }>;
    check: (body: Body) => void;
  }
  const PREFIX_LIST_ENTRIES: EntriesCall = {
    kinds: { read: PAGE_KINDS.prefixListAttributes, refused: PAGE_KINDS.prefixListRefused },
    idField: 'PrefixListId',
    action: 'DescribePrefixListAttributes',
    invoke: (client, rt, regionId, prefixListId) => client.describePrefixListAttributesWithOptions(new DescribePrefixListAttributesRequest({ regionId, prefixListId }), rt),
    check: (body) => checkList(body, 'Entries', 'Entry'),
  };
  const PORT_LIST_ENTRIES: EntriesCall = {
    kinds: { read: PAGE_KINDS.portRangeListEntries, refused: PAGE_KINDS.portRangeListRefused },
    idField: 'PortRangeListId',
    action: 'DescribePortRangeListEntries',
    invoke: (client, rt, regionId, portRangeListId) => client.describePortRangeListEntriesWithOptions(new DescribePortRangeListEntriesRequest({ regionId, portRangeListId }), rt),
    check: (body) => checkList(body, 'Entries'),
  };

  /** One list's entries page, or the refusal page that says why it cannot be read (with what the listing said of it). */
  const entriesPage = async (scope: Scope, spec: EntriesCall, id: string, hint: Body = {}): Promise<RawPage> => {
    const what = `${spec.action} ${id}`;
    let body: Body;
    try {
      body = await call(scope, what, (client, rt) => spec.invoke(client, rt, scope.region, id));
    } catch (error) {
      const refused = refusal(error);
      if (refused === undefined) throw error;
      return { kind: spec.kinds.refused, body: { ...refused, ...hint, [spec.idField]: id } };
    }
    try {
      spec.check(body);
      return { kind: spec.kinds.read, body: aboutList(body, spec.idField, id) };
    } catch (error) {
      throw failure(scope, what, error);
    }
  };

  /** The prefix lists and port lists the scope's rules name: listed, then each one's entries. */
  const setPages = async (scope: Scope, attributeBodies: readonly Body[], concurrency: number): Promise<RawPage[]> => {
    const { prefixLists, portLists } = referencedLists(attributeBodies);
    const region = scope.region;
    const prefixListing = await listingPages(
      scope,
      'DescribePrefixLists',
      prefixLists,
      (client, rt, chunk, nextToken) => client.describePrefixListsWithOptions(new DescribePrefixListsRequest({ regionId: region, prefixListId: chunk, maxResults: PAGE_SIZE.lists, nextToken }), rt),
      (body) => checkList(body, 'PrefixLists', 'PrefixList'),
    );
    const portListing = await listingPages(
      scope,
      'DescribePortRangeLists',
      portLists,
      (client, rt, chunk, nextToken) => client.describePortRangeListsWithOptions(new DescribePortRangeListsRequest({ regionId: region, portRangeListId: chunk, maxResults: PAGE_SIZE.lists, nextToken }), rt),
      (body) => checkList(body, 'PortRangeLists'),
    );
    // What the listing says of a list (its name and family) stays with a refusal of its entries.
    const listed = new Map<string, Body>();
    for (const body of prefixListing) {
      for (const item of listAt(body, 'PrefixLists', 'PrefixList') ?? []) {
        if (isRecord(item) && typeof item.PrefixListId === 'string') listed.set(item.PrefixListId, { PrefixListName: item.PrefixListName, AddressFamily: item.AddressFamily });
      }
    }
    const prefixEntries = await mapLimit(prefixLists, concurrency, (id) => entriesPage(scope, PREFIX_LIST_ENTRIES, id, listed.get(id)));
    const portEntries = await mapLimit(portLists, concurrency, (id) => entriesPage(scope, PORT_LIST_ENTRIES, id));
    return [
      ...prefixListing.map((body) => ({ kind: PAGE_KINDS.prefixLists, body })),
      ...prefixEntries,
      ...portListing.map((body) => ({ kind: PAGE_KINDS.portRangeLists, body })),
      ...portEntries,
    ];
  };

  /** The group's rules as the normalizer reads them (for addRule's before/after comparison). */
  const groupRules = async (scope: Scope, groupId: string, direction: Direction): Promise<Rule[]> => {
    if (!attributeKind) throw new Error(`no page kind ${PAGE_KINDS.attribute}`);
    const pages = await attributePages(scope, groupId, direction);
    return pages.flatMap((body, i) => {
      const result = attributeKind.normalize(body, { ...scope, origin: `re-read page ${i + 1}` });
      return result.rules.map((fragment) => fragment.rule).filter((rule) => rule.direction === direction);
    });
  };

  // The account of the credentials (STS GetCallerIdentity), when the config names none: findings
  // carry the same account whether or not a config names it.
  let callerAccount: Promise<string> | undefined;
  const ownAccount = (region: string): Promise<string> => {
    callerAccount ??= (async () => {
      const scope: Scope = { provider: 'alibaba', account: '', region };
      const params = new $OpenApiUtil.Params({
        action: 'GetCallerIdentity',
        version: '2015-04-01',
        protocol: 'HTTPS',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const body = await call(scope, 'STS GetCallerIdentity', async (_ecs, rt) => {
        const answer = await stsClient(region).callApi(params, new $OpenApiUtil.OpenApiRequest({}), rt);
        return { body: { toMap: () => (isRecord(answer.body) ? answer.body : {}) } };
      });
      const id = body.AccountId;
      if (typeof id !== 'string' || !/^\d+$/.test(id)) throw failure(scope, 'STS GetCallerIdentity', new MalformedResponse('the response has no AccountId'));
      return id;
    })();
    callerAccount.catch(() => (callerAccount = undefined));
    return callerAccount;
  };

  return {
    provider: 'alibaba',
    stats,

    async scopes(filter?: ScopeFilter): Promise<Scope[]> {
      if (!settings) return [];
      const account = settings.account || (await ownAccount(settings.regions[0] as string));
      if (filter?.accounts && !filter.accounts.includes(account)) return [];
      const regions = filter?.regions ? settings.regions.filter((r) => filter.regions?.includes(r)) : settings.regions;
      return regions.map((region) => ({ provider: 'alibaba' as const, account, region }));
    },

    async read(scope: Scope, progress?: ReadProgress): Promise<RawPage[]> {
      const concurrency = settingsOrThrow().concurrency;
      const pages: RawPage[] = [];
      const groupIds = new Set<string>();
      const report = () => progress?.({ scope, pages: pages.length, groups: groupIds.size });

      await paginate(
        scope,
        'DescribeSecurityGroups',
        (nextToken) =>
          call(scope, 'DescribeSecurityGroups', (client, rt) =>
            client.describeSecurityGroupsWithOptions(new DescribeSecurityGroupsRequest({ regionId: scope.region, maxResults: PAGE_SIZE.groups, nextToken }), rt),
          ),
        (body) => {
          for (const id of checkGroupsPage(body)) groupIds.add(id);
          pages.push({ kind: PAGE_KINDS.groups, body });
          report();
        },
      );

      const perGroup = await mapLimit([...groupIds], concurrency, (groupId) => attributePages(scope, groupId, 'all'));
      for (const bodies of perGroup) {
        for (const body of bodies) pages.push({ kind: PAGE_KINDS.attribute, body });
      }
      pages.push(...(await setPages(scope, perGroup.flat(), concurrency)));
      report();

      await paginate(
        scope,
        'DescribeNetworkInterfaces',
        (nextToken) =>
          call(scope, 'DescribeNetworkInterfaces', (client, rt) =>
            client.describeNetworkInterfacesWithOptions(
              new DescribeNetworkInterfacesRequest({ regionId: scope.region, maxResults: PAGE_SIZE.interfaces, nextToken }),
              rt,
            ),
          ),
        (body) => {
          checkInterfacesPage(body);
          pages.push({ kind: PAGE_KINDS.interfaces, body });
          report();
        },
      );
      return pages;
    },

    async addRule(scope: Scope, groupId: string, rule: Rule): Promise<string> {
      const permission = permissionOf(rule);
      const before = await groupRules(scope, groupId, rule.direction);
      const beforeIds = new Set(before.map((r) => r.native.ruleId));
      // One token for every attempt: a retried Authorize is idempotent on Alibaba's side.
      const clientToken = randomUUID();
      if (rule.direction === 'ingress') {
        await call(scope, `AuthorizeSecurityGroup ${groupId}`, (client, rt) =>
          client.authorizeSecurityGroupWithOptions(
            new AuthorizeSecurityGroupRequest({ regionId: scope.region, securityGroupId: groupId, clientToken, permissions: [ingressPermission(permission)] }),
            rt,
          ),
        );
      } else {
        await call(scope, `AuthorizeSecurityGroupEgress ${groupId}`, (client, rt) =>
          client.authorizeSecurityGroupEgressWithOptions(
            new AuthorizeSecurityGroupEgressRequest({ regionId: scope.region, securityGroupId: groupId, clientToken, permissions: [egressPermission(permission)] }),
            rt,
          ),
        );
      }
      const after = await groupRules(scope, groupId, rule.direction);
      const added = after.filter((r) => !beforeIds.has(r.native.ruleId) && sameRule(r, rule));
      const where = `alibaba ${scope.account || '(default account)'} ${scope.region} ${groupId}`;
      if (added.length === 1 && added[0]) return added[0].native.ruleId;
      if (added.length > 1) {
        throw new Error(`${where}: ${added.length} new rules match the one added (${added.map((r) => r.native.ruleId).join(', ')}); cannot tell which is ours`);
      }
      const existing = before.filter((r) => sameIdentity(r, rule));
      if (existing.length > 0) {
        throw new Error(`${where}: nothing was added: an identical rule already exists (${existing.map((r) => r.native.ruleId).join(', ')})`);
      }
      throw new Error(`${where}: AuthorizeSecurityGroup succeeded but no new matching rule is listed on re-read`);
    },

    async removeRule(scope: Scope, groupId: string, rule: Rule): Promise<void> {
      if (rule.native.derivedId || rule.native.ruleId === '') throw new Error(`alibaba ${groupId}: the rule has no SecurityGroupRuleId to revoke by`);
      const ruleId = rule.native.ruleId;
      const clientToken = randomUUID();
      if (rule.direction === 'ingress') {
        await call(scope, `RevokeSecurityGroup ${groupId} ${ruleId}`, (client, rt) =>
          client.revokeSecurityGroupWithOptions(
            new RevokeSecurityGroupRequest({ regionId: scope.region, securityGroupId: groupId, clientToken, securityGroupRuleId: [ruleId] }),
            rt,
          ),
        );
      } else {
        await call(scope, `RevokeSecurityGroupEgress ${groupId} ${ruleId}`, (client, rt) =>
          client.revokeSecurityGroupEgressWithOptions(
            new RevokeSecurityGroupEgressRequest({ regionId: scope.region, securityGroupId: groupId, clientToken, securityGroupRuleId: [ruleId] }),
            rt,
          ),
        );
      }
    },
  };
}
