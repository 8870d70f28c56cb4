// The Alibaba Cloud client: endpoints, credentials, the ECS SDK client of @alicloud/ecs20140526
// (7.x), the generic OpenAPI client it is built on for the products without a Node SDK (STS,
// Auto Scaling / ESS), and the one call wrapper (our retries and timeouts, counted).
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
import Credentials from '@alicloud/credentials';
import { Config as CredentialConfig } from '@alicloud/credentials';
import Ecs from '@alicloud/ecs20140526';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import type { WardenConfig } from '../../src/config/schema.ts';
import { isRecord } from '../../src/lib/record.ts';
import { checkEndpointUrl } from '../common/endpoint.ts';
import { maskCredentials } from '../../src/lib/mask.ts';
import { DEFAULT_RETRY, TimeoutError, withRetry } from '../common/retry.ts';
import type { RetryOptions } from '../common/retry.ts';
import type { CallStats, Scope, ScopeFilter } from '../../src/ports/live.ts';
import { firstLine } from '../../src/lib/errors.ts';
import { isNetworkCode } from '../../src/lib/network.ts';

/**
 * The class a CommonJS package exports as `exports.default`. Node's ESM loader gives the whole
 * `module.exports` as the default import (so the class is at `.default`); vitest unwraps it.
 */
function cjsDefault<T>(imported: { default: T }): T {
  return (imported as { default?: T }).default ?? (imported as unknown as T);
}

export const EcsClient = cjsDefault(Ecs);
export type EcsClient = InstanceType<typeof EcsClient>;
const Credential = cjsDefault(Credentials);
type Credential = InstanceType<typeof Credential>;
const OpenApiClient = cjsDefault(OpenApi);

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
  constructor(
    message: string,
    details: { code?: string; statusCode?: number; requestId?: string; body?: Record<string, unknown> } = {},
  ) {
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

/**
 * Regions whose Auto Scaling (ESS) public endpoint is the central ess.aliyuncs.com (the ESS API
 * reference's endpoint table and the ESS SDKs' endpoint map); every other region answers at
 * ess.<region>.aliyuncs.com.
 */
const CENTRAL_ESS_REGIONS = new Set([
  'cn-qingdao',
  'cn-beijing',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-shenzhen',
  'cn-hongkong',
  'ap-southeast-1',
  'us-west-1',
  'us-east-1',
]);

/** The products read through the generic OpenAPI client: STS (GetCallerIdentity) and Auto Scaling (ESS). */
export type RpcProduct = 'sts' | 'ess';

/** A product's endpoint: the same override as ECS (a proxy or test server answers them all), else its own public endpoint. */
export function productEndpointFor(
  product: RpcProduct,
  region: string,
  configured: string | undefined,
  fromEnv: string | undefined,
): Endpoint {
  if ((fromEnv !== undefined && fromEnv.trim() !== '') || configured !== undefined)
    return endpointFor(region, configured, fromEnv);
  const central = product === 'sts' || CENTRAL_ESS_REGIONS.has(region);
  return { endpoint: central ? `${product}.aliyuncs.com` : `${product}.${region}.aliyuncs.com`, protocol: 'https' };
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

function statusOf(error: Record<string, unknown>): number | undefined {
  const data = isRecord(error.data) ? error.data : {};
  for (const value of [error.statusCode, data.statusCode]) {
    const status =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d{3}$/.test(value)
          ? Number(value)
          : undefined;
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
  if (error.name === 'RequestTimeoutError' || isNetworkCode(code)) return true;
  return false;
}

/** A response body as the API's PascalCase JSON. */
export type Body = Record<string, unknown>;

/** An answer that is not the documented shape. */
export class MalformedResponse extends Error {}

type AlibabaSettings = NonNullable<WardenConfig['providers']['alibaba']>;

/** What the reads and writes of one adapter share: its SDK clients, its counters, its config. */
export interface AlibabaClient {
  stats: CallStats;
  settingsOrThrow(): AlibabaSettings;
  /** The scopes config lists (its account, else the credentials' own), narrowed by the filter. */
  scopes(filter?: ScopeFilter): Promise<Scope[]>;
  /** One API call with our retries and timeouts, counted in stats; returns the body as the API's JSON. */
  call(
    scope: Scope,
    action: string,
    invoke: (client: EcsClient, runtime: RuntimeOptions) => Promise<{ body?: { toMap(): Record<string, unknown> } }>,
  ): Promise<Body>;
  /**
   * One RPC action of STS or ESS (`Action` at `version`, `query` as its parameters), signed and sent
   * by the same OpenAPI client code as the ECS calls, with the same retries; `what` names it in errors.
   */
  callRpc(scope: Scope, what: string, rpc: RpcAction, query: Record<string, string>): Promise<Body>;
  /** A message naming the call and scope; credentials and signatures scrubbed. */
  failure(scope: Scope, action: string, error: unknown): AlibabaApiError;
}

export interface RpcAction {
  product: RpcProduct;
  action: string;
  version: string;
}

export function createAlibabaClient(options: AlibabaAdapterOptions): AlibabaClient {
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

  /** The SDK's client config for one region and endpoint: the same credential, timeouts and user agent for ECS and STS. */
  const sdkConfig = (region: string, endpoint: string, protocol: string) =>
    new $OpenApiUtil.Config({
      credential,
      regionId: region,
      endpoint,
      protocol,
      readTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      userAgent: 'warden',
    });

  const clientFor = (region: string): EcsClient => {
    let client = clients.get(region);
    if (!client) {
      credential ??= credentialFrom(env);
      const { endpoint, protocol } = endpointFor(region, settings?.endpoint, fromEnv);
      client = new EcsClient(sdkConfig(region, endpoint, protocol));
      clients.set(region, client);
    }
    return client;
  };

  const rpcClients = new Map<string, InstanceType<typeof OpenApiClient>>();
  const rpcClient = (product: RpcProduct, region: string) => {
    credential ??= credentialFrom(env);
    const { endpoint, protocol } = productEndpointFor(product, region, settings?.endpoint, fromEnv);
    const key = `${protocol}://${endpoint}`;
    let client = rpcClients.get(key);
    if (!client) {
      client = new OpenApiClient(sdkConfig(region, endpoint, protocol));
      rpcClients.set(key, client);
    }
    return client;
  };

  const runtime = () =>
    new RuntimeOptions({ autoretry: false, maxAttempts: 1, readTimeout: timeoutMs, connectTimeout: timeoutMs });

  const failure = (scope: Scope, action: string, error: unknown): AlibabaApiError => {
    const where = `alibaba ${scope.account || '(default account)'} ${scope.region} ${action}`;
    let text: string;
    let details: ConstructorParameters<typeof AlibabaApiError>[1] = {};
    if (error instanceof MalformedResponse) text = `malformed response: ${error.message}`;
    else if (error instanceof SyntaxError) text = `malformed response: the body is not valid JSON (${error.message})`;
    else if (error instanceof TimeoutError) text = error.message;
    // The SDK's response models reject fields of the wrong type ($dara.cast).
    else if (error instanceof Error && /^type of \S+ is mismatch|^can not cast to Map/.test(error.message))
      text = `malformed response: ${error.message}`;
    else if (isRecord(error)) {
      const code = typeof error.code === 'string' ? error.code : undefined;
      const statusCode = statusOf(error);
      const requestId = typeof error.requestId === 'string' ? error.requestId : undefined;
      details = { code, statusCode, requestId, ...(isRecord(error.data) ? { body: error.data } : {}) };
      text = typeof error.message === 'string' ? error.message : String(error);
    } else text = String(error);
    const message = `${where} failed: ${firstLine(text)}`;
    return new AlibabaApiError(
      maskCredentials(message, [secret, env.ALIBABA_CLOUD_ACCESS_KEY_ID, env.ALIBABA_CLOUD_SECURITY_TOKEN]),
      details,
    );
  };

  const call = async (
    scope: Scope,
    action: string,
    invoke: (client: EcsClient, runtime: RuntimeOptions) => Promise<{ body?: { toMap(): Record<string, unknown> } }>,
  ): Promise<Body> => {
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

  const callRpc = (scope: Scope, what: string, rpc: RpcAction, query: Record<string, string>): Promise<Body> =>
    call(scope, what, async (_ecs, rt) => {
      // As the ECS SDK builds each of its calls (@alicloud/ecs20140526 dist/client.js).
      const params = new $OpenApiUtil.Params({
        action: rpc.action,
        version: rpc.version,
        protocol: 'HTTPS',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const request = new $OpenApiUtil.OpenApiRequest({ query });
      const answer = await rpcClient(rpc.product, scope.region).callApi(params, request, rt);
      return { body: { toMap: () => (isRecord(answer.body) ? answer.body : {}) } };
    });

  // The account of the credentials (STS GetCallerIdentity), when the config names none: findings
  // carry the same account whether or not a config names it.
  let callerAccount: Promise<string> | undefined;
  const ownAccount = (region: string): Promise<string> => {
    callerAccount ??= (async () => {
      const scope: Scope = { provider: 'alibaba', account: '', region };
      const body = await callRpc(
        scope,
        'STS GetCallerIdentity',
        { product: 'sts', action: 'GetCallerIdentity', version: '2015-04-01' },
        {},
      );
      const id = body.AccountId;
      if (typeof id !== 'string' || !/^\d+$/.test(id))
        throw failure(scope, 'STS GetCallerIdentity', new MalformedResponse('the response has no AccountId'));
      return id;
    })();
    callerAccount.catch(() => (callerAccount = undefined));
    return callerAccount;
  };

  return {
    stats,
    settingsOrThrow,
    failure,
    call,
    callRpc,
    async scopes(filter?: ScopeFilter): Promise<Scope[]> {
      if (!settings) return [];
      const account = settings.account || (await ownAccount(settings.regions[0] as string));
      if (filter?.accounts && !filter.accounts.includes(account)) return [];
      const regions = filter?.regions ? settings.regions.filter((r) => filter.regions?.includes(r)) : settings.regions;
      return regions.map((region) => ({ provider: 'alibaba' as const, account, region }));
    },
  };
}
