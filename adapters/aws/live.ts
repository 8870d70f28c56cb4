import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { EC2ClientConfig, IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { canonicalCidr } from '../../src/model/address.ts';
import { ALL_PORTS, hasPorts, isIcmp, protocolNumber } from '../../src/model/protocol.ts';
import type { PortRange, Rule } from '../../src/model/types.ts';
import { maskCredentials } from '../common/mask.ts';
import { DEFAULT_RETRY, TimeoutError, withRetry } from '../common/retry.ts';
import type { RetryOptions } from '../common/retry.ts';
import type { CallStats, LiveAdapter, RawPage, ReadProgress, Scope, ScopeFilter } from '../live.ts';
import { PREFIX_LIST_PAGE_SIZE, prefixListErrorPage, referencedPrefixLists, UNREADABLE_LIST_CODES } from './prefix-lists.ts';

// The live AWS side: EC2 DescribeSecurityGroups / DescribeSecurityGroupRules /
// DescribeNetworkInterfaces pages (read by adapters/aws/normalize.ts) and the two writes
// remediation needs. The SDK's own retries are off (maxAttempts 1): every call goes through
// withRetry, so retries, throttles and timeouts are ours and counted in `stats`.
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
export type RoleCredentials = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

interface AccountEntry {
  account: string;
  roleArn?: string;
  externalId?: string;
}

const PAGE_SIZE = 1000;
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
/** Transient names and Node network error codes (as @smithy/core retry's TRANSIENT_ERROR_CODES, NODEJS_*_ERROR_CODES). */
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

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

function errorCode(error: unknown): string {
  const e = shape(error);
  for (const value of [e.Code, e.name, e.code]) if (typeof value === 'string' && value && value !== 'Error') return value;
  return '';
}

/** A call that failed for good: the operation, the provider's error code, and how many attempts were made. */
export class AwsCallError extends Error {
  readonly operation: string;
  readonly code: string;
  readonly attempts: number;
  constructor(operation: string, code: string, message: string, attempts: number, cause: unknown) {
    const text = code ? `${operation}: ${code}: ${message}` : message.startsWith(operation) ? message : `${operation}: ${message}`;
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
  return THROTTLE_CODES.has(errorCode(error)) || (typeof e.name === 'string' && THROTTLE_CODES.has(e.name)) || e.$metadata?.httpStatusCode === 429;
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
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return e.cause !== undefined && depth < 5 && isRetryableAwsError(e.cause, depth + 1);
}

/** The provider's code of a failed call (an AwsCallError keeps it; its cause is the SDK's error). */
function listErrorCode(error: unknown): string {
  return error instanceof AwsCallError ? error.code : errorCode(error);
}

/** The provider's own message (not the AwsCallError's, which repeats the operation and code). */
function errorText(error: unknown): string {
  const source = error instanceof AwsCallError && error.cause instanceof Error ? error.cause : error;
  const text = source instanceof Error ? source.message : String(source);
  return text.split('\n')[0] ?? text;
}

function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Waits for a free slot: at most `limit` EC2 calls in flight per region (providers.aws.concurrency). */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function permissionPorts(rule: Rule): Pick<IpPermission, 'FromPort' | 'ToPort'> {
  const range = rule.ports[0] as PortRange;
  const all = range.from === ALL_PORTS.from && range.to === ALL_PORTS.to;
  if (hasPorts(rule.protocol)) return { FromPort: range.from, ToPort: range.to };
  if (isIcmp(rule.protocol)) {
    if (all) return { FromPort: -1, ToPort: -1 };
    const type = Math.floor(range.from / 256);
    if (range.from % 256 === 0 && range.to === range.from + 255) return { FromPort: type, ToPort: -1 };
    if (range.from === range.to) return { FromPort: type, ToPort: range.from % 256 };
    throw new Error(`ICMP ${range.from}-${range.to} is not one type (and code): AWS takes one ICMP type and code per rule`);
  }
  if (!all) throw new Error(`${String(rule.protocol)} has no ports on AWS: a rule for it covers all ports`);
  return {};
}

function ipProtocol(rule: Rule): string {
  if (rule.protocol === 'all') return '-1';
  if (rule.protocol === 'tcp' || rule.protocol === 'udp' || rule.protocol === 'icmp' || rule.protocol === 'icmpv6') return rule.protocol;
  return String(protocolNumber(rule.protocol));
}

/**
 * The one EC2 IpPermission that says exactly what a model rule says. AWS rules are allow-only,
 * always enabled, one port range each; anything else is refused rather than approximated.
 */
export function toIpPermission(rule: Rule, groupId: string): IpPermission {
  if (rule.action !== 'allow') throw new Error('AWS security groups are allow-only: a deny rule cannot be added (remove the allow instead)');
  if (!rule.enabled) throw new Error('AWS security group rules cannot be disabled: a disabled rule cannot be added');
  if (rule.ports.length !== 1) {
    throw new Error(`AWS takes one port range per rule; this rule has ${rule.ports.length} (${rule.ports.map((p) => `${p.from}-${p.to}`).join(', ')}): add one rule per range`);
  }
  const description = rule.description ? { Description: rule.description } : {};
  const permission: IpPermission = { IpProtocol: ipProtocol(rule), ...permissionPorts(rule) };
  const peer = rule.peer;
  switch (peer.kind) {
    case 'cidr': {
      const cidr = canonicalCidr(peer.cidr) ?? peer.cidr;
      if (cidr.includes(':')) permission.Ipv6Ranges = [{ CidrIpv6: cidr, ...description }];
      else permission.IpRanges = [{ CidrIp: cidr, ...description }];
      break;
    }
    case 'group':
      permission.UserIdGroupPairs = [{ GroupId: peer.self ? groupId : peer.groupId, ...(peer.account ? { UserId: peer.account } : {}), ...description }];
      break;
    case 'prefix-list':
      permission.PrefixListIds = [{ PrefixListId: peer.id, ...description }];
      break;
    default:
      throw new Error(`AWS rules cannot refer to an address group (${peer.id})`);
  }
  return permission;
}

/** The page as the API shapes it: the SDK's `$metadata` and the paging `NextToken` removed. */
function plainBody(page: object): Record<string, unknown> {
  const { $metadata: _metadata, NextToken: _next, ...body } = page as Record<string, unknown>;
  return body;
}

export function createAwsAdapter(options: AwsAdapterOptions): LiveAdapter & { close(): void } {
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
  const baseConfig = (region: string): { region: string; maxAttempts: number; profile?: string; credentials?: Credentials } => {
    const config: { region: string; maxAttempts: number; profile?: string; credentials?: Credentials } = { region, maxAttempts: 1 };
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
      const message = error instanceof Error ? error.message : String(error);
      throw new AwsCallError(operation, error instanceof TimeoutError ? '' : errorCode(error), scrub(message.split('\n')[0] ?? message), attempts, error);
    }
  }

  let callerAccount: Promise<string> | undefined;
  const ownAccount = (): Promise<string> => {
    callerAccount ??= call('STS GetCallerIdentity', stsRegion(), (signal) => stsClient().send(new GetCallerIdentityCommand({}), { abortSignal: signal })).then(
      (identity) => {
        if (!identity.Account) throw new Error('STS GetCallerIdentity returned no account');
        return identity.Account;
      },
    );
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
          if (fromArn && entry.id && fromArn !== entry.id) throw new Error(`providers.aws.accounts: id ${entry.id} does not match the account of ${entry.roleArn}`);
          const id = fromArn ?? entry.id;
          if (!id) throw new Error(`providers.aws.accounts: ${entry.roleArn} names no account; give its id`);
          account = id;
        } else {
          account = await ownAccount();
          if (entry.id && entry.id !== account) throw new Error(`providers.aws.accounts: the default credentials belong to ${account}, not ${entry.id} (add a roleArn to reach ${entry.id})`);
        }
        if (!map.has(account)) map.set(account, { account, ...(entry.roleArn ? { roleArn: entry.roleArn } : {}), ...(entry.externalId ? { externalId: entry.externalId } : {}) });
      }
      return map;
    })();
    accounts.catch(() => (accounts = undefined));
    return accounts;
  };

  /** Assumed-role credentials, fetched once and renewed shortly before they expire. */
  const roleCredentials = (entry: AccountEntry & { roleArn: string }): RoleCredentials => {
    let current: Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }> | undefined;
    let expires = 0;
    return async () => {
      if (!current || Date.now() >= expires - RENEW_BEFORE_MS) {
        current = call('STS AssumeRole', stsRegion(), (signal) =>
          stsClient().send(
            new AssumeRoleCommand({ RoleArn: entry.roleArn, RoleSessionName: SESSION_NAME, ...(entry.externalId ? { ExternalId: entry.externalId } : {}) }),
            { abortSignal: signal },
          ),
        ).then((answer) => {
          const c = answer.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole ${entry.roleArn} returned no credentials`);
          for (const secret of [c.AccessKeyId, c.SecretAccessKey, c.SessionToken]) if (secret) secrets.add(secret);
          expires = c.Expiration ? c.Expiration.getTime() : Date.now() + 15 * 60_000;
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), expiration: new Date(expires) };
        });
        current.catch(() => (current = undefined));
      }
      return current;
    };
  };

  const clients = new Map<string, EC2Client>();
  const credentialsByAccount = new Map<string, Credentials>();
  const limiters = new Map<string, Limiter>();

  async function ec2For(scope: Scope): Promise<EC2Client> {
    if (scope.provider !== 'aws') throw new Error(`not an AWS scope: ${scope.provider}`);
    const entry = (await resolveAccounts()).get(scope.account);
    if (!entry) throw new Error(`AWS account ${scope.account || '(none)'} is not in providers.aws.accounts`);
    const key = `${scope.account}/${scope.region}`;
    let client = clients.get(key);
    if (!client) {
      const clientConfig = baseConfig(scope.region);
      if (entry.roleArn) {
        let credentials = credentialsByAccount.get(entry.account);
        if (!credentials) {
          const key = `${entry.roleArn}|${entry.externalId ?? ''}`;
          let assumed = options.roleCredentials?.get(key);
          if (!assumed) {
            assumed = roleCredentials({ ...entry, roleArn: entry.roleArn });
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
        clientConfig.credentials = credentials;
      }
      client = new EC2Client(clientConfig);
      clients.set(key, client);
    }
    return client;
  }

  const limiterFor = (region: string): Limiter => {
    let limiter = limiters.get(region);
    if (!limiter) {
      limiter = new Limiter(aws?.concurrency ?? 4);
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
  ): Promise<T> {
    return limiterFor(region).run(() => call(`EC2 ${operation}`, region, attempt, retry, cancel));
  }

  /**
   * A view of the client for the SDK's paginators: each page's command goes through ec2Call
   * (a fresh command per attempt: a sent command keeps the middleware it was sent with).
   */
  function pagingClient(client: EC2Client, region: string, operation: string, cancel: AbortSignal): EC2Client {
    type Sendable = Parameters<EC2Client['send']>[0];
    const send = (command: Sendable) => {
      const Command = command.constructor as new (input: unknown) => Sendable;
      return ec2Call(region, operation, (abortSignal) => client.send(new Command(command.input), { abortSignal }), undefined, cancel);
    };
    return Object.create(client, { send: { value: send } }) as EC2Client;
  }

  type Paginate = (config: { client: EC2Client; pageSize: number }, input: { MaxResults?: number }) => AsyncIterable<object>;
  const LISTINGS: { operation: string; kind: string; paginate: Paginate }[] = [
    { operation: 'DescribeSecurityGroups', kind: 'aws:DescribeSecurityGroups', paginate: paginateDescribeSecurityGroups as Paginate },
    { operation: 'DescribeSecurityGroupRules', kind: 'aws:DescribeSecurityGroupRules', paginate: paginateDescribeSecurityGroupRules as Paginate },
    { operation: 'DescribeNetworkInterfaces', kind: 'aws:DescribeNetworkInterfaces', paginate: paginateDescribeNetworkInterfaces as Paginate },
  ];

  async function read(scope: Scope, progress?: ReadProgress): Promise<RawPage[]> {
    const client = await ec2For(scope);
    const failed = new AbortController();
    let pages = 0;
    let groups = 0;
    const listing = async ({ operation, kind, paginate }: (typeof LISTINGS)[number]): Promise<RawPage[]> => {
      const out: RawPage[] = [];
      const tokens = new Set<string>();
      for await (const page of paginate({ client: pagingClient(client, scope.region, operation, failed.signal), pageSize: PAGE_SIZE }, { MaxResults: PAGE_SIZE })) {
        const body = plainBody(page);
        out.push({ kind, body });
        pages++;
        if (Array.isArray(body['SecurityGroups'])) groups += body['SecurityGroups'].length;
        progress?.({ scope, pages, groups });
        const next = (page as { NextToken?: string }).NextToken;
        if (next) {
          if (tokens.has(next)) throw new Error(`EC2 ${operation}: NextToken repeated, the listing does not advance`);
          tokens.add(next);
        }
      }
      return out;
    };
    // The three listings run at once. The first failure stops the other two (no new attempt, no
    // next page) and is what read rejects with, once nothing of this read is in flight any more.
    let firstError: { error: unknown } | undefined;
    const lists = await Promise.all(
      LISTINGS.map((l) =>
        listing(l).catch((error: unknown) => {
          firstError ??= { error };
          failed.abort();
          return [];
        }),
      ),
    );
    if (firstError) throw firstError.error;
    const pagesRead = lists.flat();
    return [...pagesRead, ...(await readPrefixLists(client, scope, referencedPrefixLists(pagesRead), failed.signal))];
  }

  /**
   * The prefix lists the scope's rules name: the lists the account can see (its own, shared
   * with it, AWS-managed), then the entries of each named one, every page of them in one body
   * that names the list. A list the account cannot read, or that no description lists (moto
   * answers any id with no entries), gets an error page: its rules are evaluated as unknown.
   */
  async function readPrefixLists(client: EC2Client, scope: Scope, ids: string[], cancel: AbortSignal): Promise<RawPage[]> {
    if (ids.length === 0) return [];
    const out: RawPage[] = [];
    const described = new Set<string>();
    try {
      const paging = pagingClient(client, scope.region, 'DescribeManagedPrefixLists', cancel);
      for await (const page of paginateDescribeManagedPrefixLists({ client: paging, pageSize: PREFIX_LIST_PAGE_SIZE }, { MaxResults: PREFIX_LIST_PAGE_SIZE })) {
        const body = plainBody(page);
        out.push({ kind: 'aws:DescribeManagedPrefixLists', body });
        for (const list of page.PrefixLists ?? []) if (list.PrefixListId) described.add(list.PrefixListId);
      }
    } catch (error) {
      if (!UNREADABLE_LIST_CODES.has(listErrorCode(error))) throw error;
      return [...out, ...ids.map((id) => prefixListErrorPage(id, listErrorCode(error), errorText(error)))];
    }
    for (const id of ids) {
      if (!described.has(id)) {
        out.push(prefixListErrorPage(id, 'NotDescribed', 'DescribeManagedPrefixLists does not list it (deleted, or another account\'s list not shared with this one)'));
        continue;
      }
      try {
        const entries: unknown[] = [];
        const paging = pagingClient(client, scope.region, 'GetManagedPrefixListEntries', cancel);
        for await (const page of paginateGetManagedPrefixListEntries({ client: paging, pageSize: PREFIX_LIST_PAGE_SIZE }, { PrefixListId: id, MaxResults: PREFIX_LIST_PAGE_SIZE })) {
          entries.push(...(page.Entries ?? []));
        }
        out.push({ kind: 'aws:GetManagedPrefixListEntries', body: { PrefixListId: id, Entries: entries } });
      } catch (error) {
        if (!UNREADABLE_LIST_CODES.has(listErrorCode(error))) throw error;
        out.push(prefixListErrorPage(id, listErrorCode(error), errorText(error)));
      }
    }
    return out;
  }

  function findRuleId(rules: SecurityGroupRule[], groupId: string, permission: IpPermission, egress: boolean): string | undefined {
    const cidr4 = permission.IpRanges?.[0]?.CidrIp;
    const cidr6 = permission.Ipv6Ranges?.[0]?.CidrIpv6;
    const pair = permission.UserIdGroupPairs?.[0];
    const list = permission.PrefixListIds?.[0]?.PrefixListId;
    return rules.find(
      (r) =>
        r.GroupId === groupId &&
        r.IsEgress === egress &&
        r.IpProtocol === permission.IpProtocol &&
        (r.FromPort ?? -1) === (permission.FromPort ?? -1) &&
        (r.ToPort ?? -1) === (permission.ToPort ?? -1) &&
        (cidr4 ? r.CidrIpv4 === cidr4 : cidr6 ? r.CidrIpv6 === cidr6 : pair ? r.ReferencedGroupInfo?.GroupId === pair.GroupId : r.PrefixListId === list),
    )?.SecurityGroupRuleId;
  }

  async function addRule(scope: Scope, groupId: string, rule: Rule): Promise<string> {
    const permission = toIpPermission(rule, groupId);
    const client = await ec2For(scope);
    const egress = rule.direction === 'egress';
    const operation = egress ? 'AuthorizeSecurityGroupEgress' : 'AuthorizeSecurityGroupIngress';
    const input = { GroupId: groupId, IpPermissions: [permission] };
    // Authorize is not idempotent: when a retried attempt finds the rule there, an earlier
    // attempt added it and the answer was lost; its id is looked up. A duplicate on the first
    // attempt is someone else's rule and an error (removing it on rollback would be wrong).
    const seen = { duplicate: false };
    const answer = await ec2Call<{ Return?: boolean; SecurityGroupRules?: SecurityGroupRule[] }>(
      scope.region,
      operation,
      (abortSignal) =>
        egress ? client.send(new AuthorizeSecurityGroupEgressCommand(input), { abortSignal }) : client.send(new AuthorizeSecurityGroupIngressCommand(input), { abortSignal }),
      (error) => {
        if (errorCode(error) !== 'InvalidPermission.Duplicate') return undefined;
        seen.duplicate = true;
        return {};
      },
    );
    if (seen.duplicate) {
      const listed = await ec2Call(scope.region, 'DescribeSecurityGroupRules', (abortSignal) =>
        client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: PAGE_SIZE }), { abortSignal }),
      );
      const id = findRuleId(listed.SecurityGroupRules ?? [], groupId, permission, egress);
      if (!id) throw new Error(`EC2 ${operation} ${groupId}: the rule was added but its id was not found`);
      return id;
    }
    if (answer.Return === false) throw new Error(`EC2 ${operation} ${groupId}: the API answered Return=false`);
    const id = answer.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
    if (!id) throw new Error(`EC2 ${operation} ${groupId}: the answer names no SecurityGroupRuleId`);
    return id;
  }

  async function removeRule(scope: Scope, groupId: string, rule: Rule): Promise<void> {
    const client = await ec2For(scope);
    const egress = rule.direction === 'egress';
    const operation = egress ? 'RevokeSecurityGroupEgress' : 'RevokeSecurityGroupIngress';
    // A rule read without an id (derived `aws~…`) is revoked by its content, description as read
    // (EC2 ignores it in the match; moto compares it for group peers).
    const input = rule.native.derivedId
      ? { GroupId: groupId, IpPermissions: [toIpPermission(rule, groupId)] }
      : { GroupId: groupId, SecurityGroupRuleIds: [rule.native.ruleId] };
    // A retried revoke that no longer finds the rule: an earlier attempt removed it.
    const answer = await ec2Call<{ Return?: boolean; UnknownIpPermissions?: IpPermission[] }>(
      scope.region,
      operation,
      (abortSignal) =>
        egress ? client.send(new RevokeSecurityGroupEgressCommand(input), { abortSignal }) : client.send(new RevokeSecurityGroupIngressCommand(input), { abortSignal }),
      (error) => (errorCode(error) === 'InvalidPermission.NotFound' || errorCode(error) === 'InvalidSecurityGroupRuleId.NotFound' ? { Return: true } : undefined),
    );
    if (answer.UnknownIpPermissions?.length) throw new Error(`EC2 ${operation} ${groupId}: no such rule (${rule.native.ruleId})`);
    if (answer.Return === false) throw new Error(`EC2 ${operation} ${groupId}: the API answered Return=false`);
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
    provider: 'aws',
    stats,
    scopes,
    read,
    addRule,
    removeRule,
    /** Closes the SDK clients' connections. */
    close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
      sts?.destroy();
      sts = undefined;
    },
  };
}
