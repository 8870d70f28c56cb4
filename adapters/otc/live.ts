// The live Open Telekom Cloud adapter: security groups and rules of each configured project, read
// through VPC v3 (https://vpc.<region>.otc.t-systems.com/v3/{project_id}/vpc/..., the Huawei paths:
// allow/deny and priority) or, where v3 answers 404, through Neutron v2.0 (/v2.0/security-groups and
// /v2.0/security-group-rules on the same host: allow-only). Requests are signed with OTC's AK/SK
// scheme (./sign.ts) or carry an IAM token (./token.ts). Its own small HTTP client on fetch: every
// attempt has a timeout (AbortSignal), throttling (429, APIG.0308), 5xx and network failures are
// retried with backoff, redirects are never followed, and no error carries a header, a key or a token.
//
// Documents: OTC VPC API reference, "API V3" (vpc_apiv3_0011 Querying Security Groups, vpc_apiv3_0016
// Creating a Security Group Rule, …; page_info.next_marker "does not exist if the page is the last
// one"), "Native OpenStack Neutron APIs (V2.0)" (vpc_sg02_*; pagination with limit/marker and
// *_links rel "next"), IAM API reference (en-us_topic_0057845583, Obtaining a User Token).

import type { WardenConfig } from '../../src/config/schema.ts';
import { ALL_PORTS, hasPorts, isIcmp } from '../../src/model/protocol.ts';
import type { PortRange, Rule } from '../../src/model/types.ts';
import type { RetryOptions } from '../common/retry.ts';
import { backoffDelay, DEFAULT_RETRY, TimeoutError, withRetry, withTimeout } from '../common/retry.ts';
import type { CallStats, LiveAdapter, RawPage, ReadProgress, Scope, ScopeFilter } from '../live.ts';
import type { AkSk } from './sign.ts';
import { akskFromEnv, canonicalQueryString, signRequest, urlEncode } from './sign.ts';
import type { PasswordCredentials, TokenResponse } from './token.ts';
import { passwordCredentials, TokenSource } from './token.ts';
import { checkEndpointUrl } from '../common/endpoint.ts';
import { ADDRESS_GROUP_PAGE_KINDS, referencedAddressGroups, refusalPage } from '../huawei/address-groups.ts';
import { maskCredentials } from '../common/mask.ts';

export type OtcApi = 'vpc-v3' | 'neutron-v2';

export const OTC_REGIONS: readonly string[] = ['eu-de', 'eu-nl'];

/** Records per list call: the documented maximum of the v3 list APIs. */
export const PAGE_LIMIT = 2000;

export const PAGE_KIND = {
  v3Groups: 'vpc-v3:ListSecurityGroups',
  v3Rules: 'vpc-v3:ListSecurityGroupRules',
  neutronGroups: 'neutron-v2:security-groups',
  neutronRules: 'neutron-v2:security-group-rules',
} as const;

/** Each listing's body key, operation name and page kind, per API. Neutron v2.0 has no address groups. */
const LISTINGS = {
  'security-groups': {
    'vpc-v3': { key: 'security_groups', name: 'ListSecurityGroups', kind: PAGE_KIND.v3Groups },
    'neutron-v2': { key: 'security_groups', name: 'ListSecurityGroups', kind: PAGE_KIND.neutronGroups },
  },
  'security-group-rules': {
    'vpc-v3': { key: 'security_group_rules', name: 'ListSecurityGroupRules', kind: PAGE_KIND.v3Rules },
    'neutron-v2': { key: 'security_group_rules', name: 'ListSecurityGroupRules', kind: PAGE_KIND.neutronRules },
  },
  'address-groups': {
    'vpc-v3': { key: 'address_groups', name: 'ListAddressGroup', kind: ADDRESS_GROUP_PAGE_KINDS.list },
    'neutron-v2': undefined,
  },
} as const;

export interface OtcAdapterOptions {
  config: WardenConfig;
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryOptions>;
  fetch?: typeof fetch;
  /** Clock in epoch milliseconds, for X-Sdk-Date and token expiry (tests move it). */
  now?: () => number;
  /** Where ./clouds.yaml is looked for (default: the working directory). */
  cwd?: string;
}

type ErrorKind = 'http' | 'network' | 'malformed' | 'unknown-outcome';

/** A failed OTC call: names the call and the status, never a header, key or token. */
export class OtcApiError extends Error {
  readonly kind: ErrorKind;
  /** HTTP status, where the service answered. */
  readonly status: number | undefined;
  /** The service's error code (APIG.0308, APIGW.0301, VPC.0602, SecurityGroupRuleNotFound …). */
  readonly code: string | undefined;
  readonly api: OtcApi | 'iam';
  /** The service's own error message, where it answered with one. */
  readonly providerMessage: string | undefined;
  constructor(message: string, details: { kind: ErrorKind; api: OtcApi | 'iam'; status?: number; code?: string; providerMessage?: string; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OtcApiError';
    this.kind = details.kind;
    this.api = details.api;
    this.status = details.status;
    this.code = details.code;
    this.providerMessage = details.providerMessage;
  }
}

/** A rule the API in use cannot express (a deny rule on Neutron, several port ranges on Neutron …). */
export class OtcRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtcRuleError';
  }
}

/** Bad endpoint settings or an unknown scope: one line naming the setting. */
export class OtcConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtcConfigError';
  }
}

/** 429 (APIG.0308), 5xx other than 501, and network failures are worth another try. */
export function isRetryableOtcError(error: unknown): boolean {
  if (!(error instanceof OtcApiError)) return false;
  if (error.kind === 'network') return true;
  if (error.kind !== 'http' || error.status === undefined) return false;
  return error.status === 429 || (error.status >= 500 && error.status !== 501);
}

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An endpoint URL from a template (`{region}` is replaced); https, or http to a loopback host. */
function endpointUrl(template: string, region: string, setting: string): URL {
  try {
    return checkEndpointUrl(template.replaceAll('{region}', region), setting);
  } catch (error) {
    throw new OtcConfigError((error as Error).message);
  }
}

/** base + encoded path segments + canonical query. */
function joinUrl(base: URL, segments: readonly string[], query: ReadonlyArray<readonly [string, string]> = []): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/${segments.map(urlEncode).join('/')}`;
  const search = canonicalQueryString(query);
  url.search = search === '' ? '' : `?${search}`;
  return url;
}

class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

interface ApiCall {
  api: OtcApi;
  /** The operation's name in the API reference, for messages. */
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string[];
  query?: Array<[string, string]>;
  body?: unknown;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Network failures after which a POST certainly did not reach the service. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The error code and message of an OTC error body (APIG, VPC v3, Neutron and IAM shapes). */
function errorDetails(text: string): { code?: string; message?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim() === '' ? {} : { message: `non-JSON body of ${Buffer.byteLength(text)} bytes` };
  }
  if (!isRecord(body)) return {};
  const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);
  const neutron = isRecord(body.NeutronError) ? body.NeutronError : undefined;
  const iam = isRecord(body.error) ? body.error : undefined;
  return {
    code: str(body.error_code) ?? str(body.code) ?? str(neutron?.type) ?? str(iam?.title),
    message: str(body.error_msg) ?? str(body.message) ?? str(neutron?.message) ?? str(iam?.message),
  };
}

function rangeText(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** TCP/UDP ranges as the APIs take them (1-65535): port 0 is no port, so 0-21 is sent as 1-21. */
function apiPortRanges(ports: readonly PortRange[]): PortRange[] {
  const ranges = ports.filter((p) => p.to > 0).map((p) => (p.from === 0 ? { from: 1, to: p.to } : p));
  if (ranges.length === 0) throw new OtcRuleError('a TCP/UDP rule for port 0 alone cannot be created (the APIs take ports 1-65535)');
  return ranges;
}

function isAllPorts(ports: readonly PortRange[]): boolean {
  return ports.length === 0 || ports.some((r) => r.from <= ALL_PORTS.from && r.to >= ALL_PORTS.to);
}

function protocolName(rule: Rule): string | undefined {
  if (rule.protocol === 'all') return undefined;
  return typeof rule.protocol === 'number' ? String(rule.protocol) : rule.protocol;
}

function remoteOf(rule: Rule, api: OtcApi): Raw {
  const peer = rule.peer;
  if (peer.kind === 'cidr') return { remote_ip_prefix: peer.cidr };
  if (peer.kind === 'group') return { remote_group_id: peer.groupId };
  if (peer.kind === 'address-group' && api === 'vpc-v3') return { remote_address_group_id: peer.id };
  throw new OtcRuleError(`OTC ${api} rules cannot have a ${peer.kind} remote (${peer.id})`);
}

/** The CreateSecurityGroupRule body of VPC v3: priority and action always. */
export function v3RuleBody(groupId: string, rule: Rule): Raw {
  if (!rule.enabled) throw new OtcRuleError('OTC VPC v3 rules are created enabled; a disabled rule cannot be added');
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > 100) {
    throw new OtcRuleError(`OTC VPC v3 priority must be 1-100 (got ${rule.priority})`);
  }
  const body: Raw = {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
  };
  const protocol = protocolName(rule);
  if (protocol !== undefined) body.protocol = protocol;
  if (hasPorts(rule.protocol)) {
    if (!isAllPorts(rule.ports)) body.multiport = apiPortRanges(rule.ports).map(rangeText).join(',');
  } else if (isIcmp(rule.protocol) && !isAllPorts(rule.ports)) {
    throw new OtcRuleError('OTC VPC v3 rules carry no ICMP type or code; only all ICMP can be added');
  }
  Object.assign(body, remoteOf(rule, 'vpc-v3'));
  body.action = rule.action;
  // The API reference and the SDK model type priority as a string ("1"-"100").
  body.priority = String(rule.priority);
  body.description = rule.description;
  return { security_group_rule: body };
}

/** The create-rule body of Neutron v2.0: allow-only, one port range. */
export function neutronRuleBody(groupId: string, rule: Rule): Raw {
  if (rule.action !== 'allow') throw new OtcRuleError('OTC Neutron security group rules are allow-only; a deny rule needs VPC v3');
  if (!rule.enabled) throw new OtcRuleError('OTC Neutron rules cannot be disabled; a disabled rule cannot be added');
  const body: Raw = {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
  };
  // Neutron reads icmp on an IPv6 rule as ipv6-icmp; every Neutron accepts that spelling.
  const protocol = rule.protocol === 'icmpv6' ? 'icmp' : protocolName(rule);
  if (protocol !== undefined) body.protocol = protocol;
  if (hasPorts(rule.protocol) && !isAllPorts(rule.ports)) {
    if (rule.ports.length > 1) {
      throw new OtcRuleError(
        `OTC Neutron rules carry one port range; ${rule.ports.map(rangeText).join(',')} needs one rule per range (or VPC v3 multiport)`,
      );
    }
    const range = apiPortRanges(rule.ports)[0] as PortRange;
    body.port_range_min = range.from;
    body.port_range_max = range.to;
  } else if (isIcmp(rule.protocol) && !isAllPorts(rule.ports)) {
    const range = rule.ports.length === 1 ? (rule.ports[0] as PortRange) : undefined;
    const type = range ? Math.floor(range.from / 256) : -1;
    if (range && range.from % 256 === 0 && range.to === range.from + 255) body.port_range_min = type;
    else if (range && range.from === range.to) {
      body.port_range_min = type;
      body.port_range_max = range.from % 256;
    } else throw new OtcRuleError('OTC Neutron ICMP rules carry one type (and optionally one code)');
  }
  Object.assign(body, remoteOf(rule, 'neutron-v2'));
  body.description = rule.description;
  return { security_group_rule: body };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createOtcAdapter(options: OtcAdapterOptions): LiveAdapter {
  const { config } = options;
  const env = options.env ?? process.env;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const otc = config.providers.otc;
  const stats: CallStats = { calls: 0, retries: 0, throttles: 0 };

  const retryOptions: RetryOptions = {
    retries: options.retry?.retries ?? config.scan.retries,
    baseDelayMs: options.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    timeoutMs: options.retry?.timeoutMs ?? config.scan.timeoutMs,
    isRetryable: options.retry?.isRetryable ?? isRetryableOtcError,
    sleep: options.retry?.sleep,
    random: options.retry?.random,
    onRetry: (error, attempt, delayMs) => {
      stats.retries++;
      options.retry?.onRetry?.(error, attempt, delayMs);
    },
  };

  // ---- secrets: loaded once, kept out of every message ----
  let aksk: AkSk | undefined;
  let password: PasswordCredentials | undefined;
  const loadAksk = (): AkSk => (aksk ??= akskFromEnv(env));
  let passwordLoad: Promise<PasswordCredentials> | undefined;
  const loadPassword = (): Promise<PasswordCredentials> =>
    (passwordLoad ??= passwordCredentials(env, { cwd: options.cwd }).then(
      (credentials) => (password = credentials),
      (error: unknown) => {
        passwordLoad = undefined;
        throw error;
      },
    ));
  const secrets = (): string[] => [aksk?.secretKey ?? '', password?.password ?? '', ...tokens.issued].filter((s) => s.length >= 4);
  const clean = (text: string): string => maskCredentials(text, secrets());

  // ---- endpoints ----
  const endpoints = new Map<string, URL>();
  const vpcBase = (region: string): URL => {
    let url = endpoints.get(`vpc|${region}`);
    if (!url) {
      const fromEnv = env.WARDEN_OTC_ENDPOINT;
      const template = fromEnv || otc?.endpoint || 'https://vpc.{region}.otc.t-systems.com';
      url = endpointUrl(template, region, fromEnv ? 'WARDEN_OTC_ENDPOINT' : otc?.endpoint ? 'providers.otc.endpoint' : 'the OTC VPC endpoint');
      endpoints.set(`vpc|${region}`, url);
    }
    return url;
  };
  const iamBase = (region: string): URL => {
    let url = endpoints.get(`iam|${region}`);
    if (!url) {
      const fromEnv = env.WARDEN_OTC_IAM_ENDPOINT;
      url = endpointUrl(fromEnv || 'https://iam.{region}.otc.t-systems.com', region, fromEnv ? 'WARDEN_OTC_IAM_ENDPOINT' : 'the OTC IAM endpoint');
      endpoints.set(`iam|${region}`, url);
    }
    return url;
  };

  // ---- one HTTP exchange ----
  const exchange = async (
    api: OtcApi | 'iam',
    label: string,
    url: URL,
    init: { method: string; headers: Record<string, string>; body?: string },
    signal: AbortSignal,
  ): Promise<Answer> => {
    stats.calls++;
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(url, { method: init.method, headers: init.headers, body: init.body, signal, redirect: 'manual' });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      throw new OtcApiError(clean(`${label} failed: network error: ${networkReason(error)}`), { kind: 'network', api, cause: networkReason(error) });
    }
    if (response.status === 429) stats.throttles++;
    return { status: response.status, headers: response.headers, text };
  };

  const failure = (api: OtcApi | 'iam', label: string, answer: Answer): OtcApiError => {
    const { code, message } = errorDetails(answer.text);
    const detail = [code, message === undefined ? undefined : oneLine(message)].filter(Boolean).join(': ');
    const providerMessage = message === undefined ? undefined : clean(oneLine(message));
    return new OtcApiError(clean(`${label} failed: HTTP ${answer.status}${detail ? ` ${detail}` : ''}`), { kind: 'http', api, status: answer.status, code, providerMessage });
  };

  const parseJson = (api: OtcApi | 'iam', label: string, answer: Answer): unknown => {
    if (answer.text.trim() === '') return undefined;
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new OtcApiError(`${label}: the response (HTTP ${answer.status}, ${Buffer.byteLength(answer.text)} bytes) is not JSON`, { kind: 'malformed', api, status: answer.status });
    }
  };

  // ---- IAM tokens ----
  const tokens: TokenSource = new TokenSource({
    credentials: loadPassword,
    now,
    request: async (iam: string, body: unknown): Promise<TokenResponse> => {
      const url = joinUrl(new URL(iam), ['v3', 'auth', 'tokens'], [['nocatalog', 'true']]);
      const label = `OTC IAM ObtainToken (POST ${url.host}/v3/auth/tokens)`;
      const payload = JSON.stringify(body);
      return withRetry(label, retryOptions, async (signal) => {
        const answer = await exchange('iam', label, url, { method: 'POST', headers: { 'Content-Type': 'application/json;charset=utf8' }, body: payload }, signal);
        if (answer.status < 200 || answer.status >= 300) throw failure('iam', label, answer);
        return { status: answer.status, subjectToken: answer.headers.get('x-subject-token'), body: parseJson('iam', label, answer) };
      });
    },
  });

  // ---- API calls ----
  const limiters = new Map<string, Limiter>();
  const limiter = (region: string): Limiter => {
    let found = limiters.get(region);
    if (!found) limiters.set(region, (found = new Limiter(otc?.concurrency ?? 4)));
    return found;
  };

  const checkScope = (scope: Scope): void => {
    if (scope.provider !== 'otc') throw new OtcConfigError(`the OTC adapter cannot read a ${scope.provider} scope`);
    if (!OTC_REGIONS.includes(scope.region)) throw new OtcConfigError(`OTC region ${JSON.stringify(scope.region)} is not one of ${OTC_REGIONS.join(', ')}`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(scope.account)) throw new OtcConfigError(`OTC project id ${JSON.stringify(scope.account)} is not a project id`);
  };

  /** One attempt: authorize (sign or token), send, check the status, parse. */
  const once = async (scope: Scope, call: ApiCall, label: string, token: string | undefined, signal: AbortSignal): Promise<unknown> => {
    const url = joinUrl(vpcBase(scope.region), call.path, call.query);
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    // Signed: what the signing guide's examples sign (Content-Type, host, X-Sdk-Date) and the project.
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    let target = url;
    if (token === undefined) {
      const signed = signRequest({ method: call.method, url, headers: { ...headers, 'X-Project-Id': scope.account }, body: body ?? '' }, loadAksk(), new Date(now()));
      target = signed.url;
      Object.assign(headers, signed.headers);
    } else headers['X-Auth-Token'] = token;
    headers.Accept = 'application/json';
    const answer = await exchange(call.api, label, target, { method: call.method, headers, body }, signal);
    if (answer.status < 200 || answer.status >= 300) throw failure(call.api, label, answer);
    return parseJson(call.api, label, answer);
  };

  /** GET and DELETE: retried on throttling, 5xx, network failures and timeouts. */
  const idempotent = async (scope: Scope, call: ApiCall, label: string, token: string | undefined): Promise<unknown> => {
    let attempts = 0;
    return withRetry(label, retryOptions, async (signal) => {
      attempts++;
      try {
        return await once(scope, call, label, token, signal);
      } catch (error) {
        // A DELETE retried after a lost answer finds the rule already gone.
        if (call.method === 'DELETE' && attempts > 1 && error instanceof OtcApiError && error.status === 404) return undefined;
        throw error;
      }
    });
  };

  /** POST creates a rule: retried only where the service certainly did not act (429, connection refused). */
  const nonIdempotent = async (scope: Scope, call: ApiCall, label: string, token: string | undefined): Promise<unknown> => {
    const sleep = retryOptions.sleep ?? realSleep;
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(label, retryOptions.timeoutMs, (signal) => once(scope, call, label, token, signal));
      } catch (error) {
        if (error instanceof TimeoutError) {
          throw new OtcApiError(`${error.message}; the rule may or may not have been created: re-read the group before trying again`, { kind: 'unknown-outcome', api: call.api });
        }
        const notSent =
          error instanceof OtcApiError &&
          ((error.kind === 'http' && error.status === 429) || (error.kind === 'network' && NOT_SENT.has(String(error.cause))));
        if (!notSent || attempt >= retryOptions.retries) {
          if (error instanceof OtcApiError && error.kind === 'network' && !notSent) {
            throw new OtcApiError(`${error.message}; the rule may or may not have been created: re-read the group before trying again`, { kind: 'unknown-outcome', api: call.api });
          }
          throw error;
        }
        const delay = backoffDelay(attempt + 1, retryOptions);
        retryOptions.onRetry?.(error, attempt + 1, delay);
        await sleep(delay);
      }
    }
  };

  const callApi = async (scope: Scope, call: ApiCall): Promise<unknown> => {
    checkScope(scope);
    const shownQuery = canonicalQueryString(call.query ?? []);
    const label = `OTC ${scope.region} ${call.api} ${call.name} (${call.method} /${call.path.map(urlEncode).join('/')}${shownQuery ? `?${shownQuery}` : ''})`;
    const auth = otc?.auth ?? 'aksk';
    if (auth === 'aksk') loadAksk();
    return limiter(scope.region).run(async () => {
      for (let renewed = false; ; renewed = true) {
        const iam = auth === 'token' ? iamBase(scope.region).href : undefined;
        const token = iam === undefined ? undefined : await tokens.token(iam, scope.account);
        try {
          return call.method === 'POST' ? await nonIdempotent(scope, call, label, token) : await idempotent(scope, call, label, token);
        } catch (error) {
          // A token the service no longer accepts (revoked, password changed): one new token, one more try.
          if (iam !== undefined && token !== undefined && !renewed && error instanceof OtcApiError && error.status === 401) {
            tokens.invalidate(iam, scope.account, token);
            continue;
          }
          throw error;
        }
      }
    });
  };

  // ---- reading ----
  const listIn = (body: unknown, key: string, call: ApiCall, scope: Scope): unknown[] => {
    const list = isRecord(body) ? body[key] : undefined;
    if (Array.isArray(list)) return list;
    const got = body === undefined ? 'an empty body' : isRecord(body) ? `keys ${Object.keys(body).slice(0, 5).join(', ') || '(none)'}` : typeof body;
    throw new OtcApiError(`OTC ${scope.region} ${call.api} ${call.name}: the response has no "${key}" list (got ${got})`, { kind: 'malformed', api: call.api });
  };

  interface Progress {
    pages: number;
    groups: number;
    report?: ReadProgress;
  }

  const progressed = (scope: Scope, progress: Progress, groups: number): void => {
    progress.pages++;
    progress.groups += groups;
    progress.report?.({ scope, pages: progress.pages, groups: progress.groups });
  };

  const repeated = (scope: Scope, call: ApiCall, marker: string): OtcApiError =>
    new OtcApiError(`OTC ${scope.region} ${call.api} ${call.name}: the next-page marker ${JSON.stringify(marker)} repeats; the listing does not advance`, {
      kind: 'malformed',
      api: call.api,
    });

  const midListing = new WeakSet<Error>();

  /** Where the next page starts, from a page of either API; undefined at the end of the listing. */
  const nextMarkerV3 = (body: unknown): string | undefined => {
    const pageInfo = isRecord(body) && isRecord(body.page_info) ? body.page_info : undefined;
    const next = pageInfo?.next_marker;
    return typeof next === 'string' && next !== '' ? next : undefined;
  };

  const nextMarkerNeutron = (body: unknown, list: unknown[], key: string): string | undefined => {
    if (list.length === 0) return undefined;
    const last = list[list.length - 1];
    const lastId = isRecord(last) && typeof last.id === 'string' ? last.id : undefined;
    const links = isRecord(body) ? body[`${key}_links`] : undefined;
    if (!Array.isArray(links)) return list.length >= PAGE_LIMIT ? lastId : undefined; // a full page without links: ask for the records after the last one
    // Neutron pagination: a "next" link while more remain. Only its marker is used: the request
    // goes to our endpoint, never to a host named in a response.
    const link = links.find((l) => isRecord(l) && l.rel === 'next');
    if (!isRecord(link)) return undefined;
    let fromHref: string | undefined;
    try {
      fromHref = typeof link.href === 'string' ? (new URL(link.href, 'https://x.invalid').searchParams.get('marker') ?? undefined) : undefined;
    } catch {
      fromHref = undefined;
    }
    return fromHref || lastId;
  };

  /** Every page of one listing (VPC v3 or Neutron v2.0), following its markers; a marker that repeats is an error. */
  const paginate = async (scope: Scope, api: OtcApi, resource: 'security-groups' | 'security-group-rules' | 'address-groups', progress: Progress): Promise<RawPage[]> => {
    const groups = resource === 'security-groups';
    const v3 = api === 'vpc-v3';
    const listing = LISTINGS[resource][v3 ? 'vpc-v3' : 'neutron-v2'];
    if (listing === undefined) throw new OtcConfigError(`OTC ${api} has no ${resource}`);
    const { key, name, kind } = listing;
    const pages: RawPage[] = [];
    const seen = new Set<string>();
    let marker: string | undefined;
    for (;;) {
      const call: ApiCall = {
        api,
        name,
        method: 'GET',
        path: v3 ? ['v3', scope.account, 'vpc', resource] : ['v2.0', resource],
        query: [['limit', String(PAGE_LIMIT)], ...(marker === undefined ? [] : [['marker', marker] as [string, string]])],
      };
      let body: unknown;
      try {
        body = await callApi(scope, call);
      } catch (error) {
        // A 404 after the first page is a broken listing, not a missing API.
        if (marker !== undefined && error instanceof Error) midListing.add(error);
        throw error;
      }
      const list = listIn(body, key, call, scope);
      pages.push({ kind, body });
      progressed(scope, progress, groups ? list.length : 0);
      const next = v3 ? nextMarkerV3(body) : nextMarkerNeutron(body, list, key);
      if (next === undefined) return pages;
      if (seen.has(next)) throw repeated(scope, call, next);
      seen.add(next);
      marker = next;
    }
  };

  const both = async (lists: Array<Promise<RawPage[]>>): Promise<RawPage[]> => {
    const settled = await Promise.allSettled(lists);
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    if (failures.length > 0) {
      throw failures.find((e) => e instanceof OtcApiError && e.api === 'vpc-v3' && e.status === 404) ?? failures[0];
    }
    return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  };

  const readWith = (api: OtcApi, scope: Scope, progress: Progress): Promise<RawPage[]> => {
    return both([paginate(scope, api, 'security-groups', progress), paginate(scope, api, 'security-group-rules', progress)]);
  };

  /** The API each scope turned out to have ('auto'). */
  const apiOfScope = new Map<string, OtcApi>();
  const scopeKey = (scope: Scope): string => `${scope.region}\u0000${scope.account}`;
  /** VPC v3 is not there for the project: its first list page answered 404. */
  const v3Missing = (error: unknown): boolean =>
    error instanceof OtcApiError && error.api === 'vpc-v3' && error.kind === 'http' && error.status === 404 && !midListing.has(error);

  const settings = () => {
    if (!otc) throw new OtcConfigError('providers.otc is not configured');
    return otc;
  };

  /** The API a scope uses; in 'auto' mode a one-record v3 listing decides (404: Neutron). */
  const resolveApi = async (scope: Scope): Promise<OtcApi> => {
    const mode = settings().api;
    if (mode !== 'auto') return mode;
    const known = apiOfScope.get(scopeKey(scope));
    if (known) return known;
    try {
      await callApi(scope, {
        api: 'vpc-v3',
        name: 'ListSecurityGroups',
        method: 'GET',
        path: ['v3', scope.account, 'vpc', 'security-groups'],
        query: [['limit', '1']],
      });
      apiOfScope.set(scopeKey(scope), 'vpc-v3');
    } catch (error) {
      if (!v3Missing(error)) throw error;
      apiOfScope.set(scopeKey(scope), 'neutron-v2');
    }
    return apiOfScope.get(scopeKey(scope)) as OtcApi;
  };

  /** The scope's groups and rules, through the API the scope has. */
  const readGroups = async (scope: Scope, progress: Progress): Promise<{ api: OtcApi; pages: RawPage[] }> => {
    const mode = settings().api;
    checkScope(scope);
    const known = mode === 'auto' ? apiOfScope.get(scopeKey(scope)) : mode;
    if (known) return { api: known, pages: await readWith(known, scope, progress) };
    try {
      const pages = await readWith('vpc-v3', scope, progress);
      apiOfScope.set(scopeKey(scope), 'vpc-v3');
      return { api: 'vpc-v3', pages };
    } catch (error) {
      if (!v3Missing(error)) throw error;
      // VPC v3 is not available to this project: Neutron v2.0 (allow-only) it is.
      apiOfScope.set(scopeKey(scope), 'neutron-v2');
      return { api: 'neutron-v2', pages: await readWith('neutron-v2', scope, { ...progress, pages: 0, groups: 0 }) };
    }
  };

  /**
   * The project's IP address groups when its rules name any. A definitive refusal (forbidden, not
   * there) is kept as the page that says why they are unknown; the scope itself was read.
   */
  const addressGroupPages = async (scope: Scope, pages: readonly RawPage[], progress: Progress): Promise<RawPage[]> => {
    const referenced = referencedAddressGroups(pages.filter((page) => page.kind === PAGE_KIND.v3Rules).map((page) => page.body));
    if (referenced.size === 0) return [];
    try {
      return await paginate(scope, 'vpc-v3', 'address-groups', progress);
    } catch (error) {
      if (!(error instanceof OtcApiError) || error.kind !== 'http' || error.status === undefined || error.status < 400 || error.status >= 500 || error.status === 429) throw error;
      return [{ kind: ADDRESS_GROUP_PAGE_KINDS.refused, body: refusalPage({ status: error.status, code: error.code, message: error.providerMessage ?? error.message }, referenced) }];
    }
  };

  const ruleId = (groupId: string, rule: Rule): string => {
    if (rule.native.derivedId || rule.native.ruleId === '') {
      throw new OtcRuleError(`rule ${rule.native.ruleId || '(no id)'} has no OTC rule id and cannot be removed`);
    }
    const raw = rule.native.raw;
    const owner = isRecord(raw) ? raw.security_group_id : undefined;
    if (typeof owner === 'string' && owner !== '' && owner !== groupId) {
      throw new OtcRuleError(`rule ${rule.native.ruleId} belongs to security group ${owner}, not ${groupId}`);
    }
    return rule.native.ruleId;
  };

  return {
    provider: 'otc',
    stats,

    async scopes(filter?: ScopeFilter): Promise<Scope[]> {
      if (!otc) return [];
      return otc.regions
        .map((entry) => ({ provider: 'otc' as const, account: entry.projectId, region: entry.region }))
        .filter((scope) => (filter?.regions ? filter.regions.includes(scope.region) : true))
        .filter((scope) => (filter?.accounts ? filter.accounts.includes(scope.account) : true));
    },

    async read(scope: Scope, report?: ReadProgress): Promise<RawPage[]> {
      const progress: Progress = { pages: 0, groups: 0, report };
      const { api, pages } = await readGroups(scope, progress);
      // Neutron v2.0 rules name no address groups (only VPC v3 has them).
      if (api === 'neutron-v2') return pages;
      return [...pages, ...(await addressGroupPages(scope, pages, progress))];
    },

    async addRule(scope: Scope, groupId: string, rule: Rule): Promise<string> {
      checkScope(scope);
      const api = await resolveApi(scope);
      const body = api === 'vpc-v3' ? v3RuleBody(groupId, rule) : neutronRuleBody(groupId, rule);
      const call: ApiCall =
        api === 'vpc-v3'
          ? { api, name: 'CreateSecurityGroupRule', method: 'POST', path: ['v3', scope.account, 'vpc', 'security-group-rules'], body }
          : { api, name: 'CreateSecurityGroupRule', method: 'POST', path: ['v2.0', 'security-group-rules'], body };
      const answer = await callApi(scope, call);
      const created = isRecord(answer) && isRecord(answer.security_group_rule) ? answer.security_group_rule.id : undefined;
      if (typeof created !== 'string' || created === '') {
        throw new OtcApiError(`OTC ${scope.region} ${api} CreateSecurityGroupRule: the response carries no security_group_rule.id; re-read the group`, {
          kind: 'malformed',
          api,
        });
      }
      return created;
    },

    async removeRule(scope: Scope, groupId: string, rule: Rule): Promise<void> {
      checkScope(scope);
      const id = ruleId(groupId, rule);
      const api = await resolveApi(scope);
      const path = api === 'vpc-v3' ? ['v3', scope.account, 'vpc', 'security-group-rules', id] : ['v2.0', 'security-group-rules', id];
      await callApi(scope, { api, name: 'DeleteSecurityGroupRule', method: 'DELETE', path });
    },
  };
}
