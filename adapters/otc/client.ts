// The Open Telekom Cloud client: security groups and rules of each configured project are reached
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
import { isRecord } from '../../src/lib/record.ts';
import { checkEndpointUrl } from '../common/endpoint.ts';
import { maskCredentials } from '../../src/lib/mask.ts';
import type { RetryOptions } from '../common/retry.ts';
import { backoffDelay, DEFAULT_RETRY, TimeoutError, withRetry, withTimeout } from '../common/retry.ts';
import type { CallStats, Scope, ScopeFilter } from '../../src/ports/live.ts';
import type { AkSk } from './sign.ts';
import { akskFromEnv, canonicalQueryString, signRequest, urlEncode } from './sign.ts';
import type { PasswordCredentials, TokenResponse } from './token.ts';
import { passwordCredentials, TokenSource } from './token.ts';
import { createLimiter } from '../../src/lib/pool.ts';
import type { Limiter } from '../../src/lib/pool.ts';
import { isNotSentCode } from '../../src/lib/network.ts';

export type OtcApi = 'vpc-v3' | 'neutron-v2';

export const OTC_REGIONS: readonly string[] = ['eu-de', 'eu-nl'];

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
  constructor(
    message: string,
    details: {
      kind: ErrorKind;
      api: OtcApi | 'iam';
      status?: number;
      code?: string;
      providerMessage?: string;
      cause?: unknown;
    },
  ) {
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

export interface ApiCall {
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
  const str = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
  const neutron = isRecord(body.NeutronError) ? body.NeutronError : undefined;
  const iam = isRecord(body.error) ? body.error : undefined;
  return {
    code: str(body.error_code) ?? str(body.code) ?? str(neutron?.type) ?? str(iam?.title),
    message: str(body.error_msg) ?? str(body.message) ?? str(neutron?.message) ?? str(iam?.message),
  };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type OtcSettings = NonNullable<WardenConfig['providers']['otc']>;

/** What the reads and writes of one adapter share: endpoints, credentials and tokens, limits, counters. */
export interface OtcClient {
  stats: CallStats;
  settings(): OtcSettings;
  /** The scopes config lists (region and project), narrowed by the filter. */
  scopes(filter?: ScopeFilter): Promise<Scope[]>;
  /** A scope this adapter can serve (an OTC region, a project id), or an OtcConfigError. */
  checkScope(scope: Scope): void;
  /** One API call: signed or with a token, within the region's concurrency, retried as its method allows; the parsed JSON body. */
  callApi(scope: Scope, call: ApiCall): Promise<unknown>;
  /** The API each scope turned out to have ('auto'), by scopeKey. */
  apiOfScope: Map<string, OtcApi>;
}

export const scopeKey = (scope: Scope): string => `${scope.region}\u0000${scope.account}`;

export function createOtcClient(options: OtcAdapterOptions): OtcClient {
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
  const secrets = (): string[] =>
    [aksk?.secretKey ?? '', password?.password ?? '', ...tokens.issued].filter((s) => s.length >= 4);
  const clean = (text: string): string => maskCredentials(text, secrets());

  // ---- endpoints ----
  const endpoints = new Map<string, URL>();
  const vpcBase = (region: string): URL => {
    let url = endpoints.get(`vpc|${region}`);
    if (!url) {
      const fromEnv = env.WARDEN_OTC_ENDPOINT;
      const template = fromEnv || otc?.endpoint || 'https://vpc.{region}.otc.t-systems.com';
      url = endpointUrl(
        template,
        region,
        fromEnv ? 'WARDEN_OTC_ENDPOINT' : otc?.endpoint ? 'providers.otc.endpoint' : 'the OTC VPC endpoint',
      );
      endpoints.set(`vpc|${region}`, url);
    }
    return url;
  };
  const iamBase = (region: string): URL => {
    let url = endpoints.get(`iam|${region}`);
    if (!url) {
      const fromEnv = env.WARDEN_OTC_IAM_ENDPOINT;
      url = endpointUrl(
        fromEnv || 'https://iam.{region}.otc.t-systems.com',
        region,
        fromEnv ? 'WARDEN_OTC_IAM_ENDPOINT' : 'the OTC IAM endpoint',
      );
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
      response = await fetchFn(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal,
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw error;
      throw new OtcApiError(clean(`${label} failed: network error: ${networkReason(error)}`), {
        kind: 'network',
        api,
        cause: networkReason(error),
      });
    }
    if (response.status === 429) stats.throttles++;
    return { status: response.status, headers: response.headers, text };
  };

  const failure = (api: OtcApi | 'iam', label: string, answer: Answer): OtcApiError => {
    const { code, message } = errorDetails(answer.text);
    const detail = [code, message === undefined ? undefined : oneLine(message)].filter(Boolean).join(': ');
    const providerMessage = message === undefined ? undefined : clean(oneLine(message));
    return new OtcApiError(clean(`${label} failed: HTTP ${answer.status}${detail ? ` ${detail}` : ''}`), {
      kind: 'http',
      api,
      status: answer.status,
      code,
      providerMessage,
    });
  };

  const parseJson = (api: OtcApi | 'iam', label: string, answer: Answer): unknown => {
    if (answer.text.trim() === '') return undefined;
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new OtcApiError(
        `${label}: the response (HTTP ${answer.status}, ${Buffer.byteLength(answer.text)} bytes) is not JSON`,
        { kind: 'malformed', api, status: answer.status },
      );
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
        const answer = await exchange(
          'iam',
          label,
          url,
          { method: 'POST', headers: { 'Content-Type': 'application/json;charset=utf8' }, body: payload },
          signal,
        );
        if (answer.status < 200 || answer.status >= 300) throw failure('iam', label, answer);
        return {
          status: answer.status,
          subjectToken: answer.headers.get('x-subject-token'),
          body: parseJson('iam', label, answer),
        };
      });
    },
  });

  // ---- API calls ----
  const limiters = new Map<string, Limiter>();
  const limiter = (region: string): Limiter => {
    let found = limiters.get(region);
    if (!found) limiters.set(region, (found = createLimiter(otc?.concurrency ?? 4)));
    return found;
  };

  const checkScope = (scope: Scope): void => {
    if (scope.provider !== 'otc') throw new OtcConfigError(`the OTC adapter cannot read a ${scope.provider} scope`);
    if (!OTC_REGIONS.includes(scope.region))
      throw new OtcConfigError(`OTC region ${JSON.stringify(scope.region)} is not one of ${OTC_REGIONS.join(', ')}`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(scope.account))
      throw new OtcConfigError(`OTC project id ${JSON.stringify(scope.account)} is not a project id`);
  };

  /** One attempt: authorize (sign or token), send, check the status, parse. */
  const once = async (
    scope: Scope,
    call: ApiCall,
    label: string,
    token: string | undefined,
    signal: AbortSignal,
  ): Promise<unknown> => {
    const url = joinUrl(vpcBase(scope.region), call.path, call.query);
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    // Signed: what the signing guide's examples sign (Content-Type, host, X-Sdk-Date) and the project.
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    let target = url;
    if (token === undefined) {
      const signed = signRequest(
        { method: call.method, url, headers: { ...headers, 'X-Project-Id': scope.account }, body: body ?? '' },
        loadAksk(),
        new Date(now()),
      );
      target = signed.url;
      Object.assign(headers, signed.headers);
    } else headers['X-Auth-Token'] = token;
    headers.Accept = 'application/json';
    const answer = await exchange(call.api, label, target, { method: call.method, headers, body }, signal);
    if (answer.status < 200 || answer.status >= 300) throw failure(call.api, label, answer);
    return parseJson(call.api, label, answer);
  };

  /** GET and DELETE: retried on throttling, 5xx, network failures and timeouts. */
  const idempotent = async (
    scope: Scope,
    call: ApiCall,
    label: string,
    token: string | undefined,
  ): Promise<unknown> => {
    let attempts = 0;
    return withRetry(label, retryOptions, async (signal) => {
      attempts++;
      try {
        return await once(scope, call, label, token, signal);
      } catch (error) {
        // A DELETE retried after a lost answer finds the rule already gone.
        if (call.method === 'DELETE' && attempts > 1 && error instanceof OtcApiError && error.status === 404)
          return undefined;
        throw error;
      }
    });
  };

  /** POST creates a rule: retried only where the service certainly did not act (429, connection refused). */
  const nonIdempotent = async (
    scope: Scope,
    call: ApiCall,
    label: string,
    token: string | undefined,
  ): Promise<unknown> => {
    const sleep = retryOptions.sleep ?? realSleep;
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(label, retryOptions.timeoutMs, (signal) => once(scope, call, label, token, signal));
      } catch (error) {
        if (error instanceof TimeoutError) {
          throw new OtcApiError(
            `${error.message}; the rule may or may not have been created: re-read the group before trying again`,
            { kind: 'unknown-outcome', api: call.api },
          );
        }
        const notSent =
          error instanceof OtcApiError &&
          ((error.kind === 'http' && error.status === 429) || (error.kind === 'network' && isNotSentCode(error.cause)));
        if (!notSent || attempt >= retryOptions.retries) {
          if (error instanceof OtcApiError && error.kind === 'network' && !notSent) {
            throw new OtcApiError(
              `${error.message}; the rule may or may not have been created: re-read the group before trying again`,
              { kind: 'unknown-outcome', api: call.api },
            );
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
    return limiter(scope.region)(async () => {
      for (let renewed = false; ; renewed = true) {
        const iam = auth === 'token' ? iamBase(scope.region).href : undefined;
        const token = iam === undefined ? undefined : await tokens.token(iam, scope.account);
        try {
          return call.method === 'POST'
            ? await nonIdempotent(scope, call, label, token)
            : await idempotent(scope, call, label, token);
        } catch (error) {
          // A token the service no longer accepts (revoked, password changed): one new token, one more try.
          if (
            iam !== undefined &&
            token !== undefined &&
            !renewed &&
            error instanceof OtcApiError &&
            error.status === 401
          ) {
            tokens.invalidate(iam, scope.account, token);
            continue;
          }
          throw error;
        }
      }
    });
  };

  const settings = () => {
    if (!otc) throw new OtcConfigError('providers.otc is not configured');
    return otc;
  };

  return {
    stats,
    settings,
    checkScope,
    callApi,
    apiOfScope: new Map<string, OtcApi>(),
    async scopes(filter?: ScopeFilter): Promise<Scope[]> {
      if (!otc) return [];
      return otc.regions
        .map((entry) => ({ provider: 'otc' as const, account: entry.projectId, region: entry.region }))
        .filter((scope) => (filter?.regions ? filter.regions.includes(scope.region) : true))
        .filter((scope) => (filter?.accounts ? filter.accounts.includes(scope.account) : true));
    },
  };
}
