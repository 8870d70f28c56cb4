// Loopback fakes of Open Telekom Cloud for the live adapter's tests: VPC v3 and Neutron v2.0 on one
// server (as on vpc.<region>.otc.t-systems.com), IAM on another. Stateful (groups and rules per
// project), paginating for real (v3 page_info.next_marker; Neutron *_links rel "next"), checking
// every request's credentials: an SDK-HMAC-SHA256 signature recomputed here from the raw request
// with the known test AK/SK (an implementation of its own, not the adapter's signer), or an
// X-Auth-Token this fake's IAM issued. Switches: v3 answering 404 per project (the API is not
// there), and for the next N matching calls 429 APIG.0308, 500, 404, 403, a hang, or a malformed or wrong-shaped body.
// VPC v3 also lists IP address groups (GET /v3/{project_id}/vpc/address-groups, same paging).
//
// Body shapes follow the OTC API references: VPC v3 vpc_apiv3_0011 (ListSecurityGroups: request_id,
// security_groups, page_info {previous_marker, current_count, next_marker only while more remain}),
// vpc_apiv3_0016 (CreateSecurityGroupRule), Neutron vpc_sg02_* and the neutron-lib api-ref, IAM
// "Obtaining a User Token" (201, X-Subject-Token, token.expires_at); gateway errors are
// {"error_msg", "error_code", "request_id"} (APIGW.0301 signature, APIG.0308 throttling, APIGW.0101
// API not found).

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAKE_AK = 'WARDENFAKEAK00000001';
export const FAKE_SK = 'wardenFakeSecretKey0000000000000000000001';
export const FAKE_USER = { name: 'warden-auditor', password: 'fake-Passw0rd-0001', domain: 'OTC00000000001000000042' };

export interface FakeGroup {
  id: string;
  name: string;
  description: string;
  project_id: string;
  created_at: string;
  updated_at: string;
}

export interface FakeRule {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  multiport: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  action: 'allow' | 'deny';
  priority: number;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  remote_address_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
}

/** forbidden: 403 as IAM answers an action the policy does not grant. */
export type Fault = 'throttle' | 'error500' | 'hang' | 'malformed' | 'wrong-shape' | 'not-found' | 'forbidden';

/** An IP address group as VPC v3 ListAddressGroup lists it (Neutron v2.0 has none). */
export interface FakeAddressGroup {
  id: string;
  name: string;
  description: string;
  ip_version: 4 | 6;
  ip_set: string[];
  max_capacity: number;
  tenant_id: string;
  created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  server: 'vpc' | 'iam';
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status answered (undefined while hanging). */
  status?: number;
}

export interface FakeOtcOptions {
  /** Records per page at most, whatever `limit` asks (default 2). */
  pageSize?: number;
  /** Reject X-Sdk-Date more than 15 minutes off the real clock (default true). */
  checkClock?: boolean;
  /** Token lifetime (default 24 h). */
  tokenTtlMs?: number;
}

const TIMESTAMP = '2026-01-05T08:00:00Z';

// ---------- SDK-HMAC-SHA256, server side (independent of adapters/otc/sign.ts) ----------

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ReceivedRequest {
  method: string;
  /** The raw path as received (percent-encoded). */
  path: string;
  /** The raw query string without "?". */
  query: string;
  headers: IncomingHttpHeaders;
  body: string | Buffer;
}

/**
 * Recomputes the signature of a received request the way the gateway does: the SignedHeaders list of
 * the Authorization header decides which headers are signed. Returns undefined when valid, else why not.
 */
export function verifySignature(
  request: ReceivedRequest,
  secretKeyOf: (ak: string) => string | undefined,
  nowMs: number | undefined,
): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return 'Authorization not found';
  const match = /^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!match) return 'Authorization format incorrect';
  const [, ak, signedList, signature] = match as unknown as [string, string, string, string];
  const sk = secretKeyOf(ak);
  if (sk === undefined) return 'ak not found';
  const signed = signedList.split(';');
  if (!signed.includes('host') || !signed.includes('x-sdk-date')) return 'host and x-sdk-date must be signed';
  if ([...signed].sort().join(';') !== signedList) return 'SignedHeaders are not sorted';
  const date = request.headers['x-sdk-date'];
  if (typeof date !== 'string' || !/^\d{8}T\d{6}Z$/.test(date)) return 'X-Sdk-Date missing or malformed';
  if (nowMs !== undefined) {
    const at = Date.UTC(
      +date.slice(0, 4),
      +date.slice(4, 6) - 1,
      +date.slice(6, 8),
      +date.slice(9, 11),
      +date.slice(11, 13),
      +date.slice(13, 15),
    );
    if (Math.abs(at - nowMs) > 15 * 60_000) return 'X-Sdk-Date is more than 15 minutes off';
  }
  let uri = request.path
    .split('/')
    .map((segment) => rfc3986(decodeURIComponent(segment)))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';
  const pairs = request.query
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf('=');
      return at < 0
        ? [decodeURIComponent(part), '']
        : [decodeURIComponent(part.slice(0, at)), decodeURIComponent(part.slice(at + 1))];
    })
    .sort((a, b) =>
      a[0] === b[0] ? ((a[1] as string) < (b[1] as string) ? -1 : 1) : (a[0] as string) < (b[0] as string) ? -1 : 1,
    );
  const query = pairs.map(([k, v]) => `${rfc3986(k as string)}=${rfc3986(v as string)}`).join('&');
  let headers = '';
  for (const name of signed) {
    const value = request.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    headers += `${name}:${(Array.isArray(value) ? value.join(',') : value).trim()}\n`;
  }
  const canonical = `${request.method}\n${uri}\n${query}\n${headers}\n${signedList}\n${sha256(request.body)}`;
  const expected = createHmac('sha256', sk)
    .update(`SDK-HMAC-SHA256\n${date}\n${sha256(canonical)}`)
    .digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? undefined
    : 'verify aksk signature fail';
}

// ---------- the fake ----------

interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  readonly reply: Reply;
  constructor(reply: Reply) {
    super(`HTTP ${reply.status}`);
    this.reply = reply;
  }
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}

function gatewayError(status: number, code: string, message: string): HttpError {
  return new HttpError({ status, body: { error_msg: message, error_code: code, request_id: requestId() } });
}

function neutronError(status: number, type: string, message: string): HttpError {
  return new HttpError({ status, body: { NeutronError: { type, message, detail: '' } } });
}

type Raw = Record<string, unknown>;
type Item = Raw & { id: string };

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const V3_RULE_KEYS = new Set([
  'security_group_id',
  'description',
  'direction',
  'ethertype',
  'protocol',
  'multiport',
  'remote_ip_prefix',
  'remote_group_id',
  'remote_address_group_id',
  'action',
  'priority',
  'enabled',
]);
const NEUTRON_RULE_KEYS = new Set([
  'security_group_id',
  'description',
  'direction',
  'ethertype',
  'protocol',
  'port_range_min',
  'port_range_max',
  'remote_ip_prefix',
  'remote_group_id',
  'tenant_id',
  'project_id',
]);

interface Session {
  project: string;
  via: 'aksk' | 'token';
}

export class FakeOtc {
  vpcUrl = '';
  iamUrl = '';
  readonly requests: RecordedRequest[] = [];
  readonly groups: FakeGroup[] = [];
  readonly rules: FakeRule[] = [];
  readonly addressGroups: FakeAddressGroup[] = [];
  /** Neutron ports ("Querying Ports", vpc_port02_0001) and floating IPs ("Querying Floating IP Addresses", vpc_floatingiP_0001). */
  readonly ports: Raw[] = [];
  readonly floatingIps: Raw[] = [];
  /** Projects whose VPC v3 answers 404 (the API is not there). */
  readonly v3Missing = new Set<string>();
  /** Project names IAM knows (id → name). */
  readonly projectNames = new Map<string, string>();
  readonly tokens = new Map<string, { project: string; expiresAt: number }>();
  tokensIssued = 0;

  readonly #options: Required<FakeOtcOptions>;
  readonly #faults: Array<{ fault: Fault; left: number; match: (request: RecordedRequest) => boolean }> = [];
  readonly #servers = [
    createServer((q, s) => this.#handle('vpc', q, s)),
    createServer((q, s) => this.#handle('iam', q, s)),
  ];
  readonly #sockets = new Set<Socket>();
  #counter = 0;

  constructor(options: FakeOtcOptions = {}) {
    this.#options = {
      pageSize: options.pageSize ?? 2,
      checkClock: options.checkClock ?? true,
      tokenTtlMs: options.tokenTtlMs ?? 24 * 3600_000,
    };
    for (const server of this.#servers) {
      server.on('connection', (socket) => {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
      });
    }
  }

  static async start(options: FakeOtcOptions = {}): Promise<FakeOtc> {
    const fake = new FakeOtc(options);
    const urls = await Promise.all(
      fake.#servers.map(
        (server) =>
          new Promise<string>((resolve) => {
            server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
          }),
      ),
    );
    [fake.vpcUrl, fake.iamUrl] = urls as [string, string];
    return fake;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  #id(): string {
    this.#counter++;
    return `00000000-0000-4000-8000-${String(this.#counter).padStart(12, '0')}`;
  }

  addGroup(project: string, name: string, description = ''): FakeGroup {
    const group: FakeGroup = {
      id: this.#id(),
      name,
      description,
      project_id: project,
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
    };
    this.groups.push(group);
    return group;
  }

  /** A port as Neutron GET /v2.0/ports lists it: the groups in the order given, on an ECS unless `fields` say otherwise. */
  addPort(project: string, groups: FakeGroup[], fields: Raw = {}): Raw {
    const id = this.#id();
    const port: Raw = {
      id,
      name: '',
      network_id: '00000000-0000-4000-9000-000000000001',
      admin_state_up: true,
      mac_address: 'fa:16:3e:00:00:01',
      fixed_ips: [{ subnet_id: '00000000-0000-4000-9000-000000000002', ip_address: '192.168.0.10' }],
      device_id: `ecs-${id}`,
      device_owner: 'compute:eu-de-01',
      tenant_id: project,
      project_id: project,
      status: 'ACTIVE',
      security_groups: groups.map((g) => g.id),
      allowed_address_pairs: [],
      extra_dhcp_opts: [],
      port_security_enabled: true,
      'binding:vnic_type': 'normal',
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
      ...fields,
    };
    this.ports.push(port);
    return port;
  }

  /** A floating IP (an EIP through Neutron), bound to `port` or to nothing (port_id null, status DOWN). */
  addFloatingIp(project: string, address: string, port?: Raw): Raw {
    const floatingIp: Raw = {
      id: this.#id(),
      floating_ip_address: address,
      floating_network_id: '00000000-0000-4000-9000-000000000003',
      router_id: null,
      port_id: port ? port.id : null,
      fixed_ip_address: port ? ((port.fixed_ips as Raw[])[0]?.ip_address ?? null) : null,
      status: port ? 'ACTIVE' : 'DOWN',
      tenant_id: project,
      project_id: project,
    };
    this.floatingIps.push(floatingIp);
    return floatingIp;
  }

  /** A rule as stored (v3 fields; the Neutron view is derived). */
  addRule(group: FakeGroup, spec: Partial<Omit<FakeRule, 'id' | 'security_group_id' | 'project_id'>>): FakeRule {
    const multiport = spec.multiport ?? null;
    const single = multiport !== null && /^\d+(-\d+)?$/.test(multiport) ? multiport.split('-').map(Number) : undefined;
    const rule: FakeRule = {
      id: this.#id(),
      security_group_id: group.id,
      project_id: group.project_id,
      direction: spec.direction ?? 'ingress',
      ethertype: spec.ethertype ?? 'IPv4',
      protocol: spec.protocol === undefined ? 'tcp' : spec.protocol,
      multiport,
      port_range_min: spec.port_range_min ?? (single ? (single[0] as number) : null),
      port_range_max: spec.port_range_max ?? (single ? ((single[1] ?? single[0]) as number) : null),
      action: spec.action ?? 'allow',
      priority: spec.priority ?? 1,
      remote_ip_prefix: spec.remote_ip_prefix === undefined ? '0.0.0.0/0' : spec.remote_ip_prefix,
      remote_group_id: spec.remote_group_id ?? null,
      remote_address_group_id: spec.remote_address_group_id ?? null,
      description: spec.description ?? '',
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
    };
    this.rules.push(rule);
    return rule;
  }

  addAddressGroup(project: string, name: string, ipSet: string[], ipVersion: 4 | 6 = 4): FakeAddressGroup {
    const group: FakeAddressGroup = {
      id: this.#id(),
      name,
      description: '',
      ip_version: ipVersion,
      ip_set: ipSet,
      max_capacity: 20,
      tenant_id: project,
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
    };
    this.addressGroups.push(group);
    return group;
  }

  /** The next `count` requests that `match` (default: every VPC request) get `fault`. */
  fail(fault: Fault, count: number, match: (request: RecordedRequest) => boolean = (r) => r.server === 'vpc'): void {
    this.#faults.push({ fault, left: count, match });
  }

  vpcRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.server === 'vpc');
  }

  // ---------- plumbing ----------

  #handle(server: 'vpc' | 'iam', request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = request.url ?? '/';
      const at = raw.indexOf('?');
      const recorded: RecordedRequest = {
        server,
        method: request.method ?? 'GET',
        path: at < 0 ? raw : raw.slice(0, at),
        query: at < 0 ? '' : raw.slice(at + 1),
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(recorded);
      const fault = this.#faults.find((f) => f.left > 0 && f.match(recorded));
      if (fault) {
        fault.left--;
        if (fault.fault === 'hang') return; // never answers; close() destroys the socket
        const reply: Reply =
          fault.fault === 'throttle'
            ? {
                status: 429,
                body: {
                  error_msg:
                    'The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second',
                  error_code: 'APIG.0308',
                  request_id: requestId(),
                },
              }
            : fault.fault === 'error500'
              ? { status: 500, body: { error_msg: 'System error', error_code: 'VPC.9999', request_id: requestId() } }
              : fault.fault === 'not-found'
                ? {
                    status: 404,
                    body: {
                      error_msg: 'The API does not exist or has not been published in the environment',
                      error_code: 'APIGW.0101',
                      request_id: requestId(),
                    },
                  }
                : fault.fault === 'forbidden'
                  ? {
                      status: 403,
                      body: {
                        error_msg: "Policy doesn't allow vpc:addressGroups:list to be performed.",
                        error_code: 'VPC.0005',
                        request_id: requestId(),
                      },
                    }
                  : fault.fault === 'malformed'
                    ? {
                        status: 200,
                        raw: '{"security_groups": [{"id": "00000000-',
                        headers: { 'content-type': 'application/json' },
                      }
                    : { status: 200, body: { request_id: requestId(), items: [] } };
        this.#send(response, recorded, reply);
        return;
      }
      let reply: Reply;
      try {
        reply = server === 'iam' ? this.#iam(recorded) : this.#vpc(recorded, Buffer.concat(chunks));
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        reply = error.reply;
      }
      this.#send(response, recorded, reply);
    });
  }

  #send(response: ServerResponse, recorded: RecordedRequest, reply: Reply): void {
    recorded.status = reply.status;
    const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    response.writeHead(reply.status, {
      ...(text === '' ? {} : { 'content-type': 'application/json' }),
      ...reply.headers,
    });
    response.end(text);
  }

  // ---------- IAM ----------

  #iam(request: RecordedRequest): Reply {
    if (request.method !== 'POST' || request.path !== '/v3/auth/tokens')
      throw new HttpError({ status: 404, body: { error: { code: 404, message: 'not found', title: 'Not Found' } } });
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      throw new HttpError({
        status: 400,
        body: { error: { code: 400, message: 'The request body is not JSON', title: 'Bad Request' } },
      });
    }
    const auth = isRecord(body) && isRecord(body.auth) ? body.auth : {};
    const identity = isRecord(auth.identity) ? auth.identity : {};
    const password = isRecord(identity.password) && isRecord(identity.password.user) ? identity.password.user : {};
    const domain = isRecord(password.domain) ? password.domain : {};
    const methods = Array.isArray(identity.methods) ? identity.methods : [];
    if (
      !methods.includes('password') ||
      password.name !== FAKE_USER.name ||
      password.password !== FAKE_USER.password ||
      domain.name !== FAKE_USER.domain
    ) {
      throw new HttpError({
        status: 401,
        body: { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } },
      });
    }
    const scope = isRecord(auth.scope) && isRecord(auth.scope.project) ? auth.scope.project : undefined;
    let project: string | undefined;
    if (typeof scope?.id === 'string') project = scope.id;
    else if (typeof scope?.name === 'string')
      project = [...this.projectNames].find(([, name]) => name === scope.name)?.[0];
    if (project === undefined)
      throw new HttpError({
        status: 400,
        body: { error: { code: 400, message: 'A project scope is required', title: 'Bad Request' } },
      });
    const token = `MIIfake${randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    const expiresAt = now + this.#options.tokenTtlMs;
    this.tokens.set(token, { project, expiresAt });
    this.tokensIssued++;
    const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: micro(expiresAt),
          issued_at: micro(now),
          methods: ['password'],
          project: {
            id: project,
            name: this.projectNames.get(project) ?? 'eu-de',
            domain: { id: 'd0000000000000000000000000000042', name: FAKE_USER.domain },
          },
          user: {
            id: 'u0000000000000000000000000000042',
            name: FAKE_USER.name,
            domain: { id: 'd0000000000000000000000000000042', name: FAKE_USER.domain },
          },
          roles: [{ id: 'r1', name: 'te_admin' }],
        },
      },
    };
  }

  // ---------- VPC v3 and Neutron ----------

  #authenticate(request: RecordedRequest, raw: Buffer): Session {
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string') {
      const known = this.tokens.get(token);
      if (!known || known.expiresAt <= Date.now()) throw gatewayError(401, 'APIGW.0307', 'The token must be updated.');
      return { project: known.project, via: 'token' };
    }
    const why = verifySignature(
      { method: request.method, path: request.path, query: request.query, headers: request.headers, body: raw },
      (ak) => (ak === FAKE_AK ? FAKE_SK : undefined),
      this.#options.checkClock ? Date.now() : undefined,
    );
    if (why !== undefined) throw gatewayError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${why}`);
    const project = request.headers['x-project-id'];
    return { project: typeof project === 'string' ? project : '', via: 'aksk' };
  }

  #vpc(request: RecordedRequest, raw: Buffer): Reply {
    const session = this.#authenticate(request, raw);
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    const query = new URLSearchParams(request.query);
    if (segments[0] === 'v3') {
      const project = segments[1] ?? '';
      if (this.v3Missing.has(project))
        throw gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
      if (segments[2] !== 'vpc')
        throw gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
      if (session.project !== '' && session.project !== project)
        throw gatewayError(403, 'APIGW.0302', 'The project in the path is not the one of the credentials');
      const resource = segments[3];
      const id = segments[4];
      if (resource === 'security-groups' && request.method === 'GET' && id === undefined) {
        return this.#v3Page(
          query,
          this.groups.filter((g) => g.project_id === project).map((g) => this.#v3Group(g)),
          'security_groups',
        );
      }
      if (resource === 'security-group-rules' && request.method === 'GET' && id === undefined) {
        return this.#v3Page(
          query,
          this.rules.filter((r) => r.project_id === project).map((r) => this.#v3Rule(r)),
          'security_group_rules',
        );
      }
      if (resource === 'address-groups' && request.method === 'GET' && id === undefined) {
        const groups = this.addressGroups
          .filter((g) => g.tenant_id === project)
          .map((g) => ({
            ...g,
            ip_extra_set: g.ip_set.map((ip) => ({ ip, remarks: '' })),
            enterprise_project_id: '0',
            tags: [],
            status: 'NORMAL',
            status_message: '',
          }));
        return this.#v3Page(query, groups, 'address_groups');
      }
      if (resource === 'security-group-rules' && request.method === 'POST' && id === undefined)
        return this.#v3Create(project, request.body);
      if (resource === 'security-group-rules' && request.method === 'DELETE' && id !== undefined) {
        this.#delete(project, id, () => gatewayError(404, 'VPC.0604', `Security group rule ${id} not found`));
        return { status: 204 };
      }
      throw gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
    }
    if (segments[0] === 'v2.0') {
      const project = session.project;
      if (project === '')
        throw gatewayError(401, 'APIGW.0301', 'Incorrect IAM authentication information: X-Project-Id is required');
      const resource = segments[1];
      const id = segments[2];
      if (resource === 'security-groups' && request.method === 'GET' && id === undefined) {
        const groups = this.groups.filter((g) => g.project_id === project).map((g) => this.#neutronGroup(g));
        return this.#neutronPage(query, groups, 'security_groups', request.path);
      }
      if (resource === 'security-group-rules' && request.method === 'GET' && id === undefined) {
        const rules = this.rules.filter((r) => r.project_id === project).map((r) => this.#neutronRule(r));
        return this.#neutronPage(query, rules, 'security_group_rules', request.path);
      }
      if ((resource === 'ports' || resource === 'floatingips') && request.method === 'GET' && id === undefined) {
        const items = (resource === 'ports' ? this.ports : this.floatingIps).filter((i) => i.tenant_id === project);
        return this.#neutronPage(query, items as Array<Raw & { id: string }>, resource, request.path);
      }
      if (resource === 'security-group-rules' && request.method === 'POST' && id === undefined)
        return this.#neutronCreate(project, request.body);
      if (resource === 'security-group-rules' && request.method === 'DELETE' && id !== undefined) {
        this.#delete(project, id, () =>
          neutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`),
        );
        return { status: 204 };
      }
      throw neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
    }
    throw gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment');
  }

  #limit(query: URLSearchParams, max: number, error: (message: string) => HttpError): number {
    const text = query.get('limit');
    if (text === null) return Math.min(max, this.#options.pageSize);
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit > max) throw error(`limit ${text} is invalid`);
    return Math.min(limit === 0 ? max : limit, this.#options.pageSize);
  }

  #after<T extends { id: string }>(items: T[], marker: string | null, error: (message: string) => HttpError): T[] {
    const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : 1));
    if (marker === null) return sorted;
    const index = sorted.findIndex((item) => item.id === marker);
    if (index < 0) throw error(`marker ${marker} is invalid`);
    return sorted.slice(index + 1);
  }

  #v3Page<T extends { id: string }>(query: URLSearchParams, items: T[], key: string): Reply {
    const bad = (message: string) => gatewayError(400, 'VPC.0101', message);
    const limit = this.#limit(query, 2000, bad);
    const rest = this.#after(items, query.get('marker'), bad);
    const page = rest.slice(0, limit);
    const pageInfo: Raw = { previous_marker: page[0]?.id ?? '', current_count: page.length };
    if (rest.length > page.length && page.length > 0) pageInfo.next_marker = page[page.length - 1]?.id;
    return { status: 200, body: { request_id: requestId(), [key]: page, page_info: pageInfo } };
  }

  #neutronPage<T extends { id: string }>(query: URLSearchParams, items: T[], key: string, path: string): Reply {
    const bad = (message: string) => neutronError(400, 'HTTPBadRequest', message);
    const limit = this.#limit(query, 2000, bad);
    const marker = query.get('marker');
    const rest = this.#after(items, marker, bad);
    const page = rest.slice(0, limit);
    const body: Raw = { [key]: page };
    if (query.has('limit')) {
      // Neutron links to the next page whenever the page is full (the last one may come back empty);
      // the hrefs name Neutron's own host, which a client must not follow blindly.
      const links: Raw[] = [];
      const last = page[page.length - 1];
      if (page.length === limit && last)
        links.push({
          rel: 'next',
          href: `https://neutron.internal.invalid:9696${path}?limit=${limit}&marker=${last.id}`,
        });
      if (marker !== null && page[0])
        links.push({
          rel: 'previous',
          href: `https://neutron.internal.invalid:9696${path}?limit=${limit}&marker=${page[0].id}&page_reverse=True`,
        });
      body[`${key}_links`] = links;
    }
    return { status: 200, body };
  }

  #v3Group(group: FakeGroup): Item {
    return { ...group, enterprise_project_id: '0', tags: [] };
  }

  #v3Rule(rule: FakeRule): Item {
    return {
      id: rule.id,
      description: rule.description,
      security_group_id: rule.security_group_id,
      direction: rule.direction,
      protocol: rule.protocol,
      ethertype: rule.ethertype,
      multiport: rule.multiport,
      action: rule.action,
      priority: rule.priority,
      remote_group_id: rule.remote_group_id,
      remote_ip_prefix: rule.remote_ip_prefix,
      remote_address_group_id: rule.remote_address_group_id,
      created_at: rule.created_at,
      updated_at: rule.updated_at,
      project_id: rule.project_id,
    };
  }

  #neutronRule(rule: FakeRule): Item {
    return {
      id: rule.id,
      description: rule.description,
      direction: rule.direction,
      ethertype: rule.ethertype,
      port_range_max: rule.port_range_max,
      port_range_min: rule.port_range_min,
      protocol: rule.protocol,
      remote_group_id: rule.remote_group_id,
      remote_ip_prefix: rule.remote_ip_prefix,
      security_group_id: rule.security_group_id,
      project_id: rule.project_id,
      tenant_id: rule.project_id,
      created_at: rule.created_at,
      updated_at: rule.updated_at,
    };
  }

  #neutronGroup(group: FakeGroup): Item {
    return {
      id: group.id,
      name: group.name,
      description: group.description,
      project_id: group.project_id,
      tenant_id: group.project_id,
      security_group_rules: this.rules.filter((r) => r.security_group_id === group.id).map((r) => this.#neutronRule(r)),
      created_at: group.created_at,
      updated_at: group.updated_at,
    };
  }

  #ruleSpec(text: string, allowed: Set<string>, bad: (message: string) => HttpError): Raw {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw bad('The request body is not JSON');
    }
    const spec = isRecord(body) ? body.security_group_rule : undefined;
    if (!isRecord(spec)) throw bad('security_group_rule is required');
    const unknown = Object.keys(spec).filter((key) => !allowed.has(key));
    if (unknown.length > 0) throw bad(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    if (spec.direction !== 'ingress' && spec.direction !== 'egress') throw bad('direction must be ingress or egress');
    if (spec.ethertype !== undefined && spec.ethertype !== 'IPv4' && spec.ethertype !== 'IPv6')
      throw bad('ethertype must be IPv4 or IPv6');
    const remotes = ['remote_ip_prefix', 'remote_group_id', 'remote_address_group_id'].filter(
      (key) => spec[key] !== undefined && spec[key] !== null,
    );
    if (remotes.length > 1) throw bad(`${remotes.join(' and ')} are mutually exclusive`);
    return spec;
  }

  #groupOf(project: string, id: unknown, missing: () => HttpError): FakeGroup {
    const group = this.groups.find((g) => g.id === id && g.project_id === project);
    if (!group) throw missing();
    return group;
  }

  #v3Create(project: string, text: string): Reply {
    const bad = (message: string) => gatewayError(400, 'VPC.0601', message);
    const spec = this.#ruleSpec(text, V3_RULE_KEYS, bad);
    const group = this.#groupOf(project, spec.security_group_id, () =>
      gatewayError(404, 'VPC.0602', `Security group ${String(spec.security_group_id)} not found`),
    );
    const action = spec.action ?? 'allow';
    if (action !== 'allow' && action !== 'deny') throw bad('action must be allow or deny');
    const priority =
      typeof spec.priority === 'string' && /^\d+$/.test(spec.priority) ? Number(spec.priority) : (spec.priority ?? 1);
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1 || priority > 100)
      throw bad('priority must be 1-100');
    const multiport = spec.multiport ?? null;
    if (
      multiport !== null &&
      (typeof multiport !== 'string' || !/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/.test(multiport))
    )
      throw bad(`multiport ${String(multiport)} is invalid`);
    // As the real API: TCP/UDP ports are 1-65535.
    if (typeof multiport === 'string' && multiport.split(/[,-]/).some((p) => Number(p) < 1 || Number(p) > 65535))
      throw bad(`multiport ${multiport} is outside 1-65535`);
    const rule = this.addRule(group, {
      direction: spec.direction as 'ingress' | 'egress',
      ethertype: (spec.ethertype as 'IPv4' | 'IPv6' | undefined) ?? 'IPv4',
      protocol: typeof spec.protocol === 'string' ? spec.protocol : null,
      multiport,
      action,
      priority,
      remote_ip_prefix: typeof spec.remote_ip_prefix === 'string' ? spec.remote_ip_prefix : null,
      remote_group_id: typeof spec.remote_group_id === 'string' ? spec.remote_group_id : null,
      remote_address_group_id: typeof spec.remote_address_group_id === 'string' ? spec.remote_address_group_id : null,
      description: typeof spec.description === 'string' ? spec.description : '',
    });
    return { status: 201, body: { request_id: requestId(), security_group_rule: this.#v3Rule(rule) } };
  }

  #neutronCreate(project: string, text: string): Reply {
    const bad = (message: string) => neutronError(400, 'HTTPBadRequest', message);
    const spec = this.#ruleSpec(text, NEUTRON_RULE_KEYS, bad);
    const group = this.#groupOf(project, spec.security_group_id, () =>
      neutronError(404, 'SecurityGroupNotFound', `Security group ${String(spec.security_group_id)} does not exist`),
    );
    const min = spec.port_range_min ?? null;
    const max = spec.port_range_max ?? null;
    if ((min !== null && typeof min !== 'number') || (max !== null && typeof max !== 'number'))
      throw bad('port_range_min and port_range_max must be integers');
    if (min !== null && max !== null && (spec.protocol === 'tcp' || spec.protocol === 'udp') && min > max)
      throw bad('port_range_min must be <= port_range_max');
    // As Neutron: TCP/UDP port 0 is refused (SecurityGroupInvalidPortValue).
    if (
      (spec.protocol === 'tcp' || spec.protocol === 'udp') &&
      ((min !== null && min < 1) || (max !== null && max < 1))
    )
      throw bad('Invalid value for port 0');
    const ports =
      spec.protocol === 'tcp' || spec.protocol === 'udp'
        ? min === null
          ? null
          : min === max || max === null
            ? `${min}`
            : `${min}-${max}`
        : null;
    const rule = this.addRule(group, {
      direction: spec.direction as 'ingress' | 'egress',
      ethertype: (spec.ethertype as 'IPv4' | 'IPv6' | undefined) ?? 'IPv4',
      protocol: typeof spec.protocol === 'string' ? spec.protocol : null,
      multiport: ports,
      port_range_min: min,
      port_range_max: max,
      remote_ip_prefix: typeof spec.remote_ip_prefix === 'string' ? spec.remote_ip_prefix : null,
      remote_group_id: typeof spec.remote_group_id === 'string' ? spec.remote_group_id : null,
      description: typeof spec.description === 'string' ? spec.description : '',
    });
    return { status: 201, body: { security_group_rule: this.#neutronRule(rule) } };
  }

  #delete(project: string, id: string, missing: () => HttpError): void {
    const index = this.rules.findIndex((r) => r.id === id && r.project_id === project);
    if (index < 0) throw missing();
    this.rules.splice(index, 1);
  }
}
