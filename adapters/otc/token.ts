// IAM token authentication for Open Telekom Cloud: password authentication at
// POST https://iam.<region>.otc.t-systems.com/v3/auth/tokens (OTC IAM API reference, "Obtaining a
// User Token"); the token comes back in the X-Subject-Token header with token.expires_at in the body,
// and is sent to the services as X-Auth-Token. Tokens are valid for 24 hours and OTC asks callers to
// cache them: one token per IAM endpoint and project, reused until shortly before it expires.
//
// The credentials are the ones OpenStack users already have: OS_USERNAME, OS_PASSWORD,
// OS_USER_DOMAIN_NAME (or OS_DOMAIN_NAME, or OS_USER_DOMAIN_ID), OS_PROJECT_ID / OS_PROJECT_NAME; or,
// when OS_CLOUD is set, that cloud's `auth` section in clouds.yaml (OS_CLIENT_CONFIG_FILE,
// ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml: the first that exists),
// with secure.yaml from the same places merged over it, as openstacksdk does.
// A token is scoped to one project: Warden asks for one per configured project (the region's
// projectId), so OS_PROJECT_ID / OS_PROJECT_NAME only matter where no project is configured.
// OS_AUTH_URL / auth.auth_url are not used: the password goes only to the IAM endpoint of the scope's
// region (iam.<region>.otc.t-systems.com, or WARDEN_OTC_IAM_ENDPOINT).

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { OtcCredentialsError } from './sign.ts';
import { isRecord } from '../../src/lib/record.ts';
import { errorText } from '../../src/lib/errors.ts';

export { OtcCredentialsError };

export interface PasswordCredentials {
  username: string;
  password: string;
  userDomain: { name: string } | { id: string };
  projectId?: string;
  projectName?: string;
  /** Where the credentials came from, for messages (never the values). */
  source: string;
}

export interface CredentialPlaces {
  /** Directory searched for ./clouds.yaml (default: the process's working directory). */
  cwd?: string;
  /** Home directory (default: $HOME, else os.homedir()). */
  home?: string;
}

const ENV_HINT =
  'OTC token authentication needs OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME (or OS_DOMAIN_NAME) in the environment, or OS_CLOUD naming a cloud in clouds.yaml';

/** The clouds.yaml (or secure.yaml) files openstacksdk would consider, in its order. */
export function configFiles(
  name: 'clouds.yaml' | 'secure.yaml',
  env: NodeJS.ProcessEnv,
  places: CredentialPlaces = {},
): string[] {
  const cwd = places.cwd ?? process.cwd();
  const home = places.home ?? (env.HOME || homedir());
  const explicit = name === 'clouds.yaml' ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
  return [
    ...(explicit ? [resolve(cwd, explicit)] : []),
    join(cwd, name),
    join(home, '.config', 'openstack', name),
    join('/etc', 'openstack', name),
  ];
}

async function firstReadable(files: readonly string[]): Promise<{ file: string; text: string } | undefined> {
  for (const file of files) {
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        continue;
      throw new OtcCredentialsError(
        `${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  return undefined;
}

type Raw = Record<string, unknown>;

function cloudOf(text: string, file: string, cloud: string): Raw | undefined {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new OtcCredentialsError(`${file}: invalid YAML: ${errorText(error)}`);
  }
  const clouds = isRecord(document) ? document.clouds : undefined;
  const entry = isRecord(clouds) ? clouds[cloud] : undefined;
  return isRecord(entry) ? entry : undefined;
}

function text(raw: Raw | undefined, field: string): string | undefined {
  const value = raw?.[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

async function fromCloudsYaml(
  env: NodeJS.ProcessEnv,
  cloud: string,
  places: CredentialPlaces,
): Promise<PasswordCredentials> {
  const files = configFiles('clouds.yaml', env, places);
  const found = await firstReadable(files);
  if (!found)
    throw new OtcCredentialsError(
      `OS_CLOUD is "${cloud}" but there is no clouds.yaml (looked for ${files.join(', ')})`,
    );
  const entry = cloudOf(found.text, found.file, cloud);
  if (!entry) throw new OtcCredentialsError(`${found.file}: no cloud "${cloud}" under "clouds" (OS_CLOUD)`);
  const secure = await firstReadable(configFiles('secure.yaml', env, places));
  const secureEntry = secure ? cloudOf(secure.text, secure.file, cloud) : undefined;
  const auth: Raw = {
    ...(isRecord(entry.auth) ? entry.auth : {}),
    ...(isRecord(secureEntry?.auth) ? secureEntry.auth : {}),
  };
  const where = `cloud "${cloud}" in ${found.file}`;
  const username = text(auth, 'username');
  const password = text(auth, 'password');
  const domainName = text(auth, 'user_domain_name') ?? text(auth, 'domain_name');
  const domainId = text(auth, 'user_domain_id') ?? text(auth, 'domain_id');
  const missing = [
    username === undefined ? 'auth.username' : '',
    password === undefined ? 'auth.password' : '',
    domainName === undefined && domainId === undefined ? 'auth.user_domain_name' : '',
  ].filter(Boolean);
  if (missing.length > 0 || username === undefined || password === undefined) {
    throw new OtcCredentialsError(`${where} lacks ${missing.join(', ')} for OTC token authentication`);
  }
  return {
    username,
    password,
    userDomain: domainName !== undefined ? { name: domainName } : { id: domainId as string },
    projectId: text(auth, 'project_id'),
    projectName: text(auth, 'project_name'),
    source: where,
  };
}

function fromEnv(env: NodeJS.ProcessEnv): PasswordCredentials {
  const username = env.OS_USERNAME || undefined;
  const password = env.OS_PASSWORD || undefined;
  const domainName = env.OS_USER_DOMAIN_NAME || env.OS_DOMAIN_NAME || undefined;
  const domainId = env.OS_USER_DOMAIN_ID || undefined;
  const missing = [
    username === undefined ? 'OS_USERNAME' : '',
    password === undefined ? 'OS_PASSWORD' : '',
    domainName === undefined && domainId === undefined ? 'OS_USER_DOMAIN_NAME' : '',
  ].filter(Boolean);
  if (missing.length > 0 || username === undefined || password === undefined) {
    throw new OtcCredentialsError(`${ENV_HINT}; not set: ${missing.join(', ')}`);
  }
  return {
    username,
    password,
    userDomain: domainName !== undefined ? { name: domainName } : { id: domainId as string },
    projectId: env.OS_PROJECT_ID || undefined,
    projectName: env.OS_PROJECT_NAME || env.OS_TENANT_NAME || undefined,
    source: 'OS_* environment variables',
  };
}

/** Password credentials from OS_CLOUD + clouds.yaml, else from the OS_* variables. */
export async function passwordCredentials(
  env: NodeJS.ProcessEnv,
  places: CredentialPlaces = {},
): Promise<PasswordCredentials> {
  const cloud = env.OS_CLOUD;
  return cloud ? fromCloudsYaml(env, cloud, places) : fromEnv(env);
}

/** The body of POST /v3/auth/tokens for password authentication, scoped to a project. */
export function tokenRequestBody(credentials: PasswordCredentials, projectId: string | undefined): unknown {
  const project = projectId
    ? { id: projectId }
    : credentials.projectId
      ? { id: credentials.projectId }
      : credentials.projectName
        ? { name: credentials.projectName }
        : undefined;
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: credentials.username, password: credentials.password, domain: credentials.userDomain },
        },
      },
      ...(project ? { scope: { project } } : {}),
    },
  };
}

/** What one POST /v3/auth/tokens returned. */
export interface TokenResponse {
  status: number;
  /** The X-Subject-Token header. */
  subjectToken: string | null;
  body: unknown;
}

export interface IssuedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Reads the token and its expiry from IAM's answer; throws (without the token) when either is missing. */
export function readTokenResponse(response: TokenResponse): IssuedToken {
  const token = response.subjectToken?.trim();
  if (!token) throw new Error(`IAM answered HTTP ${response.status} without an X-Subject-Token header`);
  const body = isRecord(response.body) ? response.body : undefined;
  const expires = isRecord(body?.token) ? body.token.expires_at : undefined;
  const expiresAt = typeof expires === 'string' ? Date.parse(expires) : Number.NaN;
  if (!Number.isFinite(expiresAt))
    throw new Error(`IAM answered HTTP ${response.status} without a readable token.expires_at`);
  return { token, expiresAt };
}

export interface TokenSourceOptions {
  credentials: () => Promise<PasswordCredentials>;
  /** One POST to `${iam}/v3/auth/tokens` (retries and timeouts are the caller's). */
  request: (iam: string, body: unknown) => Promise<TokenResponse>;
  now?: () => number;
  /** A token is renewed this long before expires_at (default 60 s, at most a tenth of its life). */
  renewBeforeMs?: number;
}

/** Issues and caches project-scoped IAM tokens. */
export class TokenSource {
  readonly #options: TokenSourceOptions;
  readonly #cache = new Map<string, { issued: IssuedToken; issuedAt: number }>();
  readonly #pending = new Map<string, Promise<IssuedToken>>();
  /** Every token handed out, so callers can keep them out of messages. */
  readonly issued = new Set<string>();
  /** How many tokens were requested from IAM. */
  requests = 0;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  async token(iam: string, projectId: string): Promise<string> {
    const key = `${iam}\u0000${projectId}`;
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(key);
    if (cached) {
      const life = cached.issued.expiresAt - cached.issuedAt;
      const margin = Math.min(this.#options.renewBeforeMs ?? 60_000, Math.max(0, life / 10));
      if (now < cached.issued.expiresAt - margin) return cached.issued.token;
      this.#cache.delete(key);
    }
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#issue(iam, projectId, now).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return (await pending).token;
  }

  /** Forgets a token the service rejected (revoked, or the password changed). */
  invalidate(iam: string, projectId: string, token: string): void {
    const key = `${iam}\u0000${projectId}`;
    if (this.#cache.get(key)?.issued.token === token) this.#cache.delete(key);
  }

  async #issue(iam: string, projectId: string, now: number): Promise<IssuedToken> {
    const credentials = await this.#options.credentials();
    this.requests++;
    const issued = readTokenResponse(await this.#options.request(iam, tokenRequestBody(credentials, projectId)));
    this.issued.add(issued.token);
    this.#cache.set(`${iam}\u0000${projectId}`, { issued, issuedAt: now });
    return issued;
  }
}
