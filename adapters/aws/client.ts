import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { maskCredentials } from '../../src/lib/mask.ts';
import { DEFAULT_RETRY, TimeoutError, withRetry } from '../common/retry.ts';
import type { RetryOptions } from '../common/retry.ts';
import type { CallStats, Scope, ScopeFilter } from '../../src/ports/live.ts';
import { errorText as messageLine } from '../../src/lib/errors.ts';
import { createLimiter } from '../../src/lib/pool.ts';
import type { Limiter } from '../../src/lib/pool.ts';
import { isNetworkCode } from '../../src/lib/network.ts';

// The AWS client: credentials (a profile, the env's keys, the SDK's chain, assumed member roles),
// the EC2 and STS SDK clients, a per-region concurrency limit, and the one call wrapper. The SDK's
// own retries are off (maxAttempts 1): every call goes through withRetry, so retries, throttles and
// timeouts are ours and counted in `stats`.
//
// Endpoints are the SDK's own business: it reads AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_STS /
// AWS_ENDPOINT_URL (and `endpoint_url` in the shared config file) from process.env when it
// resolves an endpoint (@smithy/core endpoints getEndpointUrlConfig). `options.env` cannot reach
// that lookup; it supplies the credentials (below) only.

export interface AwsAdapterOptions {
  config: WardenConfig;
  /**
   * Where credentials come from: AWS_PROFILE names a profile for the SDK's default chain;
   * otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) are used as the
   * chain's first link would; otherwise the rest of the default chain (SSO, files, instance/task role).
   */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryOptions>;
  /**
   * Assumed-role credentials shared by the adapters of one process (a Lambda container), by role
   * and external id: a member account's role is assumed once, not once per scope.
   */
  roleCredentials?: Map<string, RoleCredentials>;
}

type Credentials = NonNullable<EC2ClientConfig['credentials']>;
/** What an SDK client of an account and region is made with: the region, Warden's retries (the SDK's off), the credentials. */
export interface AccountClientConfig {
  region: string;
  maxAttempts: number;
  profile?: string;
  credentials?: Credentials;
}
export type RoleCredentials = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

interface AccountEntry {
  account: string;
  roleArn?: string;
  externalId?: string;
}

const SESSION_NAME = 'warden-audit';
/** Assumed-role credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Error names (the EC2/STS error Code) that mean "slow down" (as @smithy/core retry's THROTTLING_ERROR_CODES). */
const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'EC2ThrottledException',
  'TooManyRequestsException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'SlowDown',
]);
/** Transient names (as @smithy/core retry's TRANSIENT_ERROR_CODES); network codes: src/lib/network.ts. */
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
]);

/** A listing stopped because a sibling listing of the scope failed; never retried. */
class CancelledError extends Error {
  override name = 'CancelledError';
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

function shape(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
}

export function errorCode(error: unknown): string {
  const e = shape(error);
  for (const value of [e.Code, e.name, e.code])
    if (typeof value === 'string' && value && value !== 'Error') return value;
  return '';
}

/** A call that failed for good: the operation, the provider's error code, and how many attempts were made. */
export class AwsCallError extends Error {
  readonly operation: string;
  readonly code: string;
  readonly attempts: number;
  constructor(operation: string, code: string, message: string, attempts: number, cause: unknown) {
    const text = code
      ? `${operation}: ${code}: ${message}`
      : message.startsWith(operation)
        ? message
        : `${operation}: ${message}`;
    super(`${text}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`, { cause });
    this.name = 'AwsCallError';
    this.operation = operation;
    this.code = code;
    this.attempts = attempts;
  }
}

export function isThrottle(error: unknown): boolean {
  if (error instanceof AwsCallError) return false;
  const e = shape(error);
  return (
    THROTTLE_CODES.has(errorCode(error)) ||
    (typeof e.name === 'string' && THROTTLE_CODES.has(e.name)) ||
    e.$metadata?.httpStatusCode === 429
  );
}

/** Throttling, HTTP 5xx, a server fault, or a network error: worth another attempt. */
export function isRetryableAwsError(error: unknown, depth = 0): boolean {
  const e = shape(error);
  // A call's final verdict (e.g. the AssumeRole behind a client's credentials) is not retried again around it.
  if (e.name === 'AbortError' || error instanceof CancelledError || error instanceof AwsCallError) return false;
  if (isThrottle(error)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  if (e.$fault === 'server') return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (isNetworkCode(e.code)) return true;
  return e.cause !== undefined && depth < 5 && isRetryableAwsError(e.cause, depth + 1);
}

/** The provider's code of a failed call (an AwsCallError keeps it; its cause is the SDK's error). */
export function listErrorCode(error: unknown): string {
  return error instanceof AwsCallError ? error.code : errorCode(error);
}

/** The provider's own message (not the AwsCallError's, which repeats the operation and code). */
export function errorText(error: unknown): string {
  return messageLine(error instanceof AwsCallError && error.cause instanceof Error ? error.cause : error);
}

function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** An SDK client whose `send` the paginators call. */
interface PagedClient {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** What the reads and writes of one adapter share: its SDK clients, its limits, its counters. */
export interface AwsClient {
  stats: CallStats;
  /** The scopes config lists (accounts × regions), narrowed by the filter. */
  scopes(filter?: ScopeFilter): Promise<Scope[]>;
  /** The EC2 client of a scope's account and region (its role assumed where config names one). */
  ec2For(scope: Scope): Promise<EC2Client>;
  /** The Auto Scaling client of a scope's account and region, with the same credentials as its EC2 client. */
  autoScalingFor(scope: Scope): Promise<AutoScalingClient>;
  /**
   * Another service's SDK client (`make`, e.g. Security Hub) for an account and region: the account's
   * member role where config names one, else the default credentials; one per service, account and region.
   */
  accountClient<C extends { destroy(): void }>(
    service: string,
    account: string,
    region: string,
    make: (config: AccountClientConfig) => C,
  ): C;
  /** A call in a region's concurrency, with Warden's retries; `service` names it in messages (EC2 unless told). */
  ec2Call<T>(
    region: string,
    operation: string,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
    retry?: (error: unknown) => T | undefined,
    cancel?: AbortSignal,
    service?: string,
  ): Promise<T>;
  pagingClient<C extends PagedClient>(
    client: C,
    region: string,
    operation: string,
    cancel: AbortSignal,
    service?: string,
  ): C;
  /** Closes the SDK clients' connections. */
  close(): void;
}

export function createAwsClient(options: AwsAdapterOptions): AwsClient {
  const { config } = options;
  const env = options.env ?? process.env;
  const aws = config.providers.aws;
  const stats: CallStats = { calls: 0, retries: 0, throttles: 0 };
  const retryBase: RetryOptions = {
    ...DEFAULT_RETRY,
    retries: config.scan.retries,
    timeoutMs: config.scan.timeoutMs,
    isRetryable: isRetryableAwsError,
    ...options.retry,
  };
  // Values that must never reach a message: the key material we hand to the SDK.
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let out = text;
    for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('***');
    return maskCredentials(out);
  };
  /** The profile's keys, resolved by the SDK's own chain (files, SSO, process), remembered as secrets. */
  let profileCredentials: Credentials | undefined;
  const fromProfile = (profile: string, region: string): Credentials => {
    if (!profileCredentials) {
      const chain = new STSClient({ region, profile }).config.credentials;
      profileCredentials = async () => {
        const c = await chain();
        for (const secret of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) if (secret) secrets.add(secret);
        return c;
      };
    }
    return profileCredentials;
  };

  /** The source credentials: a named profile, the env's keys, or the SDK's default chain. */
  const baseConfig = (
    region: string,
  ): { region: string; maxAttempts: number; profile?: string; credentials?: Credentials } => {
    const config: { region: string; maxAttempts: number; profile?: string; credentials?: Credentials } = {
      region,
      maxAttempts: 1,
    };
    if (env['AWS_PROFILE']) {
      config.profile = env['AWS_PROFILE'];
      config.credentials = fromProfile(env['AWS_PROFILE'], region);
    } else if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
      secrets.add(env['AWS_ACCESS_KEY_ID']).add(env['AWS_SECRET_ACCESS_KEY']);
      if (env['AWS_SESSION_TOKEN']) secrets.add(env['AWS_SESSION_TOKEN']);
      config.credentials = {
        accessKeyId: env['AWS_ACCESS_KEY_ID'],
        secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
        ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}),
      };
    }
    return config;
  };

  const requireAws = () => {
    if (!aws) throw new Error('providers.aws is not configured (regions, accounts)');
    return aws;
  };
  const stsRegion = () => requireAws().regions[0] as string;
  let sts: STSClient | undefined;
  const stsClient = () => (sts ??= new STSClient(baseConfig(stsRegion())));

  /** One API call: retried, timed out, counted; the error that ends it names the operation, never a credential. */
  async function call<T>(
    operation: string,
    region: string,
    send: (signal: AbortSignal) => Promise<T>,
    retry?: (error: unknown) => T | undefined,
    cancel?: AbortSignal,
  ): Promise<T> {
    let attempts = 0;
    const options: RetryOptions = {
      ...retryBase,
      onRetry: (error, attempt, delay) => {
        stats.retries++;
        if (isThrottle(error)) stats.throttles++;
        retryBase.onRetry?.(error, attempt, delay);
      },
    };
    try {
      return await withRetry(`${operation} ${region}`, options, async (signal) => {
        // No new attempt once the caller has given up (a sibling listing failed); one in flight finishes.
        if (cancel?.aborted) throw new CancelledError(`${operation}: stopped, another listing of the scope failed`);
        attempts++;
        stats.calls++;
        try {
          return await send(signal);
        } catch (error) {
          // An earlier attempt may have succeeded without our hearing of it.
          const settled = attempts > 1 && retry ? retry(error) : undefined;
          if (settled !== undefined) return settled;
          throw error;
        }
      });
    } catch (error) {
      // Cancelled, or a nested call's own verdict (the credentials' AssumeRole): passed on as it is.
      if (error instanceof CancelledError || error instanceof AwsCallError) throw error;
      throw new AwsCallError(
        operation,
        error instanceof TimeoutError ? '' : errorCode(error),
        scrub(messageLine(error)),
        attempts,
        error,
      );
    }
  }

  let callerAccount: Promise<string> | undefined;
  const ownAccount = (): Promise<string> => {
    callerAccount ??= call('STS GetCallerIdentity', stsRegion(), (signal) =>
      stsClient().send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
    ).then((identity) => {
      if (!identity.Account) throw new Error('STS GetCallerIdentity returned no account');
      return identity.Account;
    });
    callerAccount.catch(() => (callerAccount = undefined));
    return callerAccount;
  };

  let accounts: Promise<Map<string, AccountEntry>> | undefined;
  const resolveAccounts = (): Promise<Map<string, AccountEntry>> => {
    accounts ??= (async () => {
      const map = new Map<string, AccountEntry>();
      for (const entry of requireAws().accounts) {
        let account: string;
        if (entry.roleArn) {
          const fromArn = accountOfArn(entry.roleArn);
          if (fromArn && entry.id && fromArn !== entry.id)
            throw new Error(`providers.aws.accounts: id ${entry.id} does not match the account of ${entry.roleArn}`);
          const id = fromArn ?? entry.id;
          if (!id) throw new Error(`providers.aws.accounts: ${entry.roleArn} names no account; give its id`);
          account = id;
        } else {
          account = await ownAccount();
          if (entry.id && entry.id !== account)
            throw new Error(
              `providers.aws.accounts: the default credentials belong to ${account}, not ${entry.id} (add a roleArn to reach ${entry.id})`,
            );
        }
        if (!map.has(account))
          map.set(account, {
            account,
            ...(entry.roleArn ? { roleArn: entry.roleArn } : {}),
            ...(entry.externalId ? { externalId: entry.externalId } : {}),
          });
      }
      return map;
    })();
    accounts.catch(() => (accounts = undefined));
    return accounts;
  };

  /** Assumed-role credentials, fetched once and renewed shortly before they expire. */
  const roleCredentials = (entry: AccountEntry & { roleArn: string }): RoleCredentials => {
    let current:
      Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> | undefined;
    let expires = 0;
    return async () => {
      if (!current || Date.now() >= expires - RENEW_BEFORE_MS) {
        current = call('STS AssumeRole', stsRegion(), (signal) =>
          stsClient().send(
            new AssumeRoleCommand({
              RoleArn: entry.roleArn,
              RoleSessionName: SESSION_NAME,
              ...(entry.externalId ? { ExternalId: entry.externalId } : {}),
            }),
            { abortSignal: signal },
          ),
        ).then((answer) => {
          const c = answer.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey)
            throw new Error(`STS AssumeRole ${entry.roleArn} returned no credentials`);
          for (const secret of [c.AccessKeyId, c.SecretAccessKey, c.SessionToken]) if (secret) secrets.add(secret);
          expires = c.Expiration ? c.Expiration.getTime() : Date.now() + 15 * 60_000;
          return {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
            expiration: new Date(expires),
          };
        });
        current.catch(() => (current = undefined));
      }
      return current;
    };
  };

  type ClientConfig = ReturnType<typeof baseConfig>;
  const clients = new Map<string, EC2Client>();
  const autoScalingClients = new Map<string, AutoScalingClient>();
  const credentialsByAccount = new Map<string, Credentials>();
  const limiters = new Map<string, Limiter>();

  /** The member role's credentials of an account, assumed once and shared. */
  function memberCredentials(entry: AccountEntry & { roleArn: string }): Credentials {
    let credentials = credentialsByAccount.get(entry.account);
    if (!credentials) {
      const key = `${entry.roleArn}|${entry.externalId ?? ''}`;
      let assumed = options.roleCredentials?.get(key);
      if (!assumed) {
        assumed = roleCredentials(entry);
        options.roleCredentials?.set(key, assumed);
      }
      const shared = assumed;
      // Credentials another adapter assumed are this adapter's secrets too: never in its messages.
      credentials = async () => {
        const c = await shared();
        for (const secret of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) if (secret) secrets.add(secret);
        return c;
      };
      credentialsByAccount.set(entry.account, credentials);
    }
    return credentials;
  }

  /** The SDK client config of a scope: its region, and the assumed role's credentials where config names one. */
  async function scopeConfig(scope: Scope): Promise<ClientConfig> {
    if (scope.provider !== 'aws') throw new Error(`not an AWS scope: ${scope.provider}`);
    const entry = (await resolveAccounts()).get(scope.account);
    if (!entry) throw new Error(`AWS account ${scope.account || '(none)'} is not in providers.aws.accounts`);
    const clientConfig = baseConfig(scope.region);
    if (entry.roleArn) clientConfig.credentials = memberCredentials({ ...entry, roleArn: entry.roleArn });
    return clientConfig;
  }

  const accountClients = new Map<string, { destroy(): void }>();
  function accountClient<C extends { destroy(): void }>(
    service: string,
    account: string,
    region: string,
    make: (config: AccountClientConfig) => C,
  ): C {
    const key = `${service}/${account}/${region}`;
    let client = accountClients.get(key) as C | undefined;
    if (!client) {
      const entry = aws?.accounts.find((e) => e.roleArn && (accountOfArn(e.roleArn) ?? e.id) === account);
      const clientConfig = baseConfig(region);
      if (entry?.roleArn)
        clientConfig.credentials = memberCredentials({
          account,
          roleArn: entry.roleArn,
          ...(entry.externalId ? { externalId: entry.externalId } : {}),
        });
      client = make(clientConfig);
      accountClients.set(key, client);
    }
    return client;
  }

  /** One SDK client per account and region, made with the scope's config on first use. */
  async function clientOf<C>(cache: Map<string, C>, make: (config: ClientConfig) => C, scope: Scope): Promise<C> {
    const key = `${scope.account}/${scope.region}`;
    const config = await scopeConfig(scope);
    let client = cache.get(key);
    if (!client) {
      client = make(config);
      cache.set(key, client);
    }
    return client;
  }
  const ec2For = (scope: Scope) => clientOf(clients, (config) => new EC2Client(config), scope);
  const autoScalingFor = (scope: Scope) =>
    clientOf(autoScalingClients, (config) => new AutoScalingClient(config), scope);

  const limiterFor = (region: string): Limiter => {
    let limiter = limiters.get(region);
    if (!limiter) {
      limiter = createLimiter(aws?.concurrency ?? 4);
      limiters.set(region, limiter);
    }
    return limiter;
  };

  /** An EC2 call: one slot of the region's concurrency for the whole call, retries included (a throttled region slows down). */
  function ec2Call<T>(
    region: string,
    operation: string,
    attempt: (abortSignal: AbortSignal) => Promise<T>,
    retry?: (error: unknown) => T | undefined,
    cancel?: AbortSignal,
    service = 'EC2',
  ): Promise<T> {
    return limiterFor(region)(() => call(`${service} ${operation}`, region, attempt, retry, cancel));
  }

  /**
   * A view of the client for the SDK's paginators: each page's command goes through ec2Call
   * (a fresh command per attempt: a sent command keeps the middleware it was sent with).
   */
  function pagingClient<C extends PagedClient>(
    client: C,
    region: string,
    operation: string,
    cancel: AbortSignal,
    service = 'EC2',
  ): C {
    type Sendable = { input: unknown };
    const send = (command: Sendable) => {
      const Command = command.constructor as new (input: unknown) => Sendable;
      return ec2Call(
        region,
        operation,
        (abortSignal) => client.send(new Command(command.input) as never, { abortSignal }),
        undefined,
        cancel,
        service,
      );
    };
    return Object.create(client, { send: { value: send } }) as C;
  }

  async function scopes(filter?: ScopeFilter): Promise<Scope[]> {
    const { regions } = requireAws();
    const out: Scope[] = [];
    for (const account of (await resolveAccounts()).keys()) {
      if (filter?.accounts && !filter.accounts.includes(account)) continue;
      for (const region of regions) {
        if (filter?.regions && !filter.regions.includes(region)) continue;
        out.push({ provider: 'aws', account, region });
      }
    }
    return out;
  }

  return {
    stats,
    scopes,
    ec2For,
    autoScalingFor,
    accountClient,
    ec2Call,
    pagingClient,
    close() {
      for (const client of [...clients.values(), ...autoScalingClients.values(), ...accountClients.values()])
        client.destroy();
      clients.clear();
      autoScalingClients.clear();
      accountClients.clear();
      sts?.destroy();
      sts = undefined;
    },
  };
}
