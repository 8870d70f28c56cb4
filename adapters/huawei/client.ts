// The Huawei Cloud VPC v3 client: credentials, endpoints, the official Node.js SDK's VpcClient per
// project, a per-region concurrency limit, and the one call wrapper (our retries, counted).
//
// What the SDK does that matters here (@huaweicloud/huaweicloud-sdk-core 3.1.x, read in node_modules):
// - logger/log4jLogger.js configures log4js at import time (debug level, stdout appender), and
//   http/DefaultHttpClient.js logs every failed request at ERROR with its config, so the signed
//   `Authorization` header (which names the access key id) reaches stdout. We turn the SDK's log4js
//   category off before every call.
// - HcClient.js extractResponse returns the parsed JSON body itself (plain snake_case, not a model
//   instance) with an added `httpStatusCode`, and `{ httpStatusCode }` alone when the body is not JSON.
// - It never retries (one fallback to a second endpoint, which we never configure): retries are ours.
//   Failures are ServiceResponseException-like errors with `httpStatusCode` (undefined for network
//   errors), `errorCode` and `errorMsg`.
// - Without `customUserAgent` it writes a tracking id to ~/.huaweicloud/application_id on every
//   client build (http/DefaultUserAgent.js); we always pass one.

import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js';
import { VpcClient } from '@huaweicloud/huaweicloud-sdk-vpc/v3/public-api.js';
import type { WardenConfig } from '../../src/config/schema.ts';
import { isRecord } from '../../src/lib/record.ts';
import { checkEndpointUrl } from '../common/endpoint.ts';
import { maskCredentials } from '../../src/lib/mask.ts';
import { DEFAULT_RETRY, TimeoutError, withRetry, withTimeout } from '../common/retry.ts';
import type { RetryOptions } from '../common/retry.ts';
import type { CallStats, Scope, ScopeFilter } from '../../src/ports/live.ts';
import { show } from './normalize.ts';
import { createLimiter } from '../../src/lib/pool.ts';
import type { Limiter } from '../../src/lib/pool.ts';
import { mentionsNotSentCode } from '../../src/lib/network.ts';

const USER_AGENT = 'warden';
const AK_VAR = 'HUAWEICLOUD_SDK_AK';
const SK_VAR = 'HUAWEICLOUD_SDK_SK';
const TOKEN_VAR = 'HUAWEICLOUD_SDK_SECURITY_TOKEN';
const ENDPOINT_VAR = 'WARDEN_HUAWEI_ENDPOINT';

export interface HuaweiAdapterOptions {
  config: WardenConfig;
  /** Where credentials and the endpoint override are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Overrides of the retry policy (tests: zero-delay sleep, short timeouts). */
  retry?: Partial<RetryOptions>;
}

/** A failed VPC API call, one line, credentials redacted. */
export class HuaweiApiError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  /** The service's own error_msg, where it answered with one. */
  readonly providerMessage: string | undefined;
  constructor(
    message: string,
    details: { status?: number; code?: string; requestId?: string; providerMessage?: string } = {},
  ) {
    super(message);
    this.name = 'HuaweiApiError';
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.providerMessage = details.providerMessage;
  }
}

/** A definitive answer about the address groups (forbidden, not there): they are the unknown, not the scope. */
export function isRefusal(error: unknown): error is HuaweiApiError {
  return (
    error instanceof HuaweiApiError &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429 &&
    error.code !== 'APIG.0308'
  );
}

interface Credentials {
  ak: string;
  sk: string;
  securityToken: string | undefined;
}

function readCredentials(env: NodeJS.ProcessEnv): Credentials {
  const ak = env[AK_VAR]?.trim() ?? '';
  const sk = env[SK_VAR]?.trim() ?? '';
  const missing = [ak === '' ? AK_VAR : '', sk === '' ? SK_VAR : ''].filter((name) => name !== '');
  if (missing.length > 0) {
    throw new Error(
      `huawei: ${AK_VAR} and ${SK_VAR} must be set (the access key pair that signs VPC API calls); not set: ${missing.join(', ')}`,
    );
  }
  const token = env[TOKEN_VAR]?.trim();
  return { ak, sk, securityToken: token === '' ? undefined : token };
}

function checkedEndpoint(value: string, source: string): string {
  const url = checkEndpointUrl(value, `huawei: ${source}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The VPC endpoint for a region: `WARDEN_HUAWEI_ENDPOINT`, else `providers.huawei.endpoint`, else
 * `https://vpc.<region>.myhuaweicloud.com`. Overrides are full URLs; `http://` only for loopback.
 */
export function huaweiEndpoint(config: WardenConfig, env: NodeJS.ProcessEnv, region: string): string {
  const fromEnv = env[ENDPOINT_VAR]?.trim();
  if (fromEnv) return checkedEndpoint(fromEnv, ENDPOINT_VAR);
  const fromConfig = config.providers.huawei?.endpoint;
  if (fromConfig) return checkedEndpoint(fromConfig, 'providers.huawei.endpoint');
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`huawei: region ${show(region)} is not a region name`);
  return `https://vpc.${region}.myhuaweicloud.com`;
}

/** The SDK's log4js category off: its ERROR log of a failed request carries the signed Authorization header. */
function silenceSdkLogger(): void {
  if (Logger4jInstance.level.toString() !== 'OFF') Logger4jInstance.level = 'off';
}
silenceSdkLogger();

/** What the SDK throws for an HTTP or network failure (exception/ServiceResponseException.js). */
interface SdkFailure {
  httpStatusCode: number | undefined;
  errorCode: string | undefined;
  errorMsg: string | undefined;
  requestId: string | undefined;
}

function sdkFailure(error: unknown): SdkFailure | undefined {
  if (!(error instanceof Error) || !('httpStatusCode' in error)) return undefined;
  const raw = error as unknown as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    httpStatusCode: typeof raw.httpStatusCode === 'number' ? raw.httpStatusCode : undefined,
    errorCode: text(raw.errorCode),
    errorMsg: text(raw.errorMsg) ?? text(error.message),
    requestId: text(raw.requestId),
  };
}

/** 429, or APIG's throttling code whatever the status. */
function isThrottle(error: unknown): boolean {
  const failure = sdkFailure(error);
  return failure !== undefined && (failure.httpStatusCode === 429 || failure.errorCode === 'APIG.0308');
}

/** Reads and deletes: throttling, 5xx and network failures (no HTTP status) are worth another try. */
function isRetryableRead(error: unknown): boolean {
  const failure = sdkFailure(error);
  if (!failure) return false;
  return isThrottle(error) || failure.httpStatusCode === undefined || failure.httpStatusCode >= 500;
}

/**
 * Creates are not idempotent: retry only what certainly did not reach the API (throttled, or a
 * network failure before sending: src/lib/network.ts). A 5xx, a reset or a timeout may have created the rule already.
 */
function isRetryableCreate(error: unknown): boolean {
  const failure = sdkFailure(error);
  if (!failure) return false;
  return isThrottle(error) || (failure.httpStatusCode === undefined && mentionsNotSentCode(failure.errorMsg ?? ''));
}

export type Mode = 'read' | 'create' | 'delete';

export interface Answer {
  status: number | undefined;
  body: Record<string, unknown>;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** What the reads and writes of one adapter share: its SDK clients, its limits, its counters. */
export interface HuaweiClient {
  stats: CallStats;
  /** The scopes config lists (region and project), narrowed by the filter; credentials and endpoints checked. */
  scopes(filter?: ScopeFilter): Promise<Scope[]>;
  /** Builds (and so checks) the scope's client: credentials and endpoint. */
  clientFor(scope: Scope): VpcClient;
  /** The scope's signed SDK client for the paths the v3 client does not have (ports, EIPs). */
  rawClientFor(scope: Scope): HcClient;
  /** At most providers.huawei.concurrency operations at once in a region. */
  limiterFor(region: string): <T>(work: () => Promise<T>) => Promise<T>;
  where(scope: Scope): string;
  /** One API operation with our retries; returns the HTTP status and the response body as the API sent it. */
  call(scope: Scope, operation: string, mode: Mode, send: (client: VpcClient) => Promise<unknown>): Promise<Answer>;
  malformed(
    scope: Scope,
    operation: string,
    status: number | undefined,
    problem: string,
    body: unknown,
  ): HuaweiApiError;
}

const VPC_V3 = (): ClientBuilder<VpcClient> => VpcClient.newBuilder();
const RAW = (): ClientBuilder<HcClient> => new ClientBuilder((client: HcClient) => client);

export function createHuaweiClient(options: HuaweiAdapterOptions): HuaweiClient {
  const { config } = options;
  const env = options.env ?? process.env;
  const settings = config.providers.huawei;
  const stats: CallStats = { calls: 0, retries: 0, throttles: 0 };
  const retry: Omit<RetryOptions, 'isRetryable'> = {
    ...DEFAULT_RETRY,
    retries: config.scan.retries,
    timeoutMs: config.scan.timeoutMs,
    ...options.retry,
  };
  const concurrency = settings?.concurrency ?? 4;
  const limiters = new Map<string, Limiter>();
  let secrets: string[] = [];

  const redact = (text: string): string =>
    maskCredentials(secrets.reduce((out, secret) => out.split(secret).join('***'), text));

  function credentials(): Credentials {
    const found = readCredentials(env);
    secrets = [found.ak, found.sk, found.securityToken ?? ''].filter((s) => s.length >= 4);
    return found;
  }

  const clientsOf = new Map<string, Map<unknown, unknown>>();

  /** One client per endpoint, project and kind: the project id in the credentials fills {project_id} and X-Project-Id, so the SDK makes no IAM call. */
  function built<T>(scope: Scope, builder: () => ClientBuilder<T>): T {
    const creds = credentials();
    const endpoint = huaweiEndpoint(config, env, scope.region);
    const key = `${endpoint}\u0000${scope.account}`;
    let kinds = clientsOf.get(key);
    if (!kinds) {
      kinds = new Map();
      clientsOf.set(key, kinds);
    }
    let client = kinds.get(builder) as T | undefined;
    if (!client) {
      const credential = new BasicCredentials().withAk(creds.ak).withSk(creds.sk).withProjectId(scope.account);
      if (creds.securityToken) credential.withSecurityToken(creds.securityToken);
      client = builder()
        .withCredential(credential)
        .withEndpoint(endpoint)
        // The socket-level timeout only cleans up an abandoned request; ours (withRetry) fires first.
        .withOptions({ customUserAgent: USER_AGENT, axiosRequestConfig: { timeout: retry.timeoutMs + 1000 } })
        .build();
      kinds.set(builder, client);
    }
    return client;
  }

  const clientFor = (scope: Scope): VpcClient => built(scope, VPC_V3);
  const rawClientFor = (scope: Scope): HcClient => built(scope, RAW);

  function limiterFor(region: string) {
    let limit = limiters.get(region);
    if (!limit) {
      limit = createLimiter(concurrency);
      limiters.set(region, limit);
    }
    return limit;
  }

  function where(scope: Scope): string {
    return `huawei ${scope.region} project ${scope.account}`;
  }

  function failure(scope: Scope, operation: string, error: unknown, attempts: number): HuaweiApiError {
    const sdk = sdkFailure(error);
    let detail: string;
    if (error instanceof TimeoutError) detail = error.message;
    else if (sdk && sdk.httpStatusCode !== undefined) {
      detail = `HTTP ${sdk.httpStatusCode}${sdk.errorCode ? ` ${sdk.errorCode}` : ''}: ${sdk.errorMsg ?? 'no message'}`;
    } else if (sdk) detail = `network error: ${sdk.errorMsg ?? 'no message'}`;
    else detail = error instanceof Error ? error.message : String(error);
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    const request = sdk?.requestId ? ` [request id ${sdk.requestId}]` : '';
    return new HuaweiApiError(redact(oneLine(`${where(scope)}: ${operation} failed: ${detail}${tries}${request}`)), {
      status: sdk?.httpStatusCode,
      code: sdk?.errorCode,
      requestId: sdk?.requestId,
      providerMessage: sdk?.errorMsg === undefined ? undefined : redact(oneLine(sdk.errorMsg)),
    });
  }

  async function call(
    scope: Scope,
    operation: string,
    mode: Mode,
    send: (client: VpcClient) => Promise<unknown>,
  ): Promise<Answer> {
    const client = clientFor(scope);
    let attempts = 0;
    const attempt = async (): Promise<unknown> => {
      attempts++;
      stats.calls++;
      silenceSdkLogger();
      try {
        return await send(client);
      } catch (error) {
        if (isThrottle(error)) stats.throttles++;
        throw error;
      }
    };
    const what = operation;
    const policy: RetryOptions = {
      ...retry,
      isRetryable: mode === 'create' ? isRetryableCreate : isRetryableRead,
      onRetry: (error, n, delay) => {
        stats.retries++;
        retry.onRetry?.(error, n, delay);
      },
    };
    let response: unknown;
    try {
      if (mode === 'create') {
        // withRetry retries every timeout; a create that timed out may have been applied, so its
        // timeout is enforced here and surfaces as a final, non-retryable error.
        response = await withRetry(what, { ...policy, timeoutMs: retry.timeoutMs + 1000 }, () =>
          withTimeout(what, retry.timeoutMs, () => attempt()).catch((error: unknown) => {
            if (error instanceof TimeoutError)
              throw new Error(`${error.message}; the rule may have been created: re-read the group`);
            throw error;
          }),
        );
      } else {
        response = await withRetry(what, policy, () => attempt());
      }
    } catch (error) {
      throw failure(scope, operation, error, attempts);
    }
    // HcClient.extractResponse: the parsed body with `httpStatusCode` added, or only that when the body is not JSON.
    if (!isRecord(response)) throw malformed(scope, operation, undefined, 'not an object', response);
    const { httpStatusCode, ...body } = response;
    return { status: typeof httpStatusCode === 'number' ? httpStatusCode : undefined, body };
  }

  function malformed(
    scope: Scope,
    operation: string,
    status: number | undefined,
    problem: string,
    body: unknown,
  ): HuaweiApiError {
    const answered = status === undefined ? 'answered' : `answered HTTP ${status}`;
    return new HuaweiApiError(
      redact(
        oneLine(
          `${where(scope)}: ${operation} ${answered} with a body that is not the API's JSON (${problem}): ${show(body)}`,
        ),
      ),
      status === undefined ? {} : { status },
    );
  }

  return {
    stats,
    async scopes(filter?: ScopeFilter): Promise<Scope[]> {
      credentials();
      if (!settings)
        throw new Error('huawei: providers.huawei.regions is not configured (each region with its projectId)');
      const scopes: Scope[] = [];
      for (const { region, projectId } of settings.regions) {
        if (filter?.regions && !filter.regions.includes(region)) continue;
        if (filter?.accounts && !filter.accounts.includes(projectId)) continue;
        huaweiEndpoint(config, env, region);
        scopes.push({ provider: 'huawei', account: projectId, region });
      }
      return scopes;
    },
    clientFor,
    rawClientFor,
    limiterFor,
    where,
    call,
    malformed,
  };
}
