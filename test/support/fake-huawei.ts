// A loopback fake of the Huawei Cloud VPC v3 security-group API, for the real SDK to talk to.
//
// Shapes (checked against the API reference and the SDKs' models):
// - GET  /v3/{project_id}/vpc/security-groups       (vpc_apiv3_0005): { request_id, security_groups, page_info }
// - GET  /v3/{project_id}/vpc/security-group-rules  (vpc_apiv3_0017): { request_id, security_group_rules, page_info }
//   limit 0-2000, marker = the id after which the page starts; page_info { previous_marker (first
//   record of the page), current_count, next_marker (last record; absent on the last page) }
//   (huaweicloud-sdk-go-v3 services/vpc/v3/model PageInfo).
// - POST /v3/{project_id}/vpc/security-group-rules  (vpc_apiv3_0016): body { security_group_rule:
//   CreateSecurityGroupRuleOption }, 201 { request_id, security_group_rule }. Defaults when absent:
//   ethertype IPv4, action allow, priority 100 ("约束：默认值为100"); protocol icmp/tcp/udp/icmpv6 or an
//   IP protocol number (GRE is 47), empty for all; priority is a string "1"-"100".
// - DELETE /v3/{project_id}/vpc/security-group-rules/{id} (vpc_apiv3_0019): 204, no body.
// - GET  /v3/{project_id}/vpc/address-groups (ListAddressGroup, "Querying IP Address Groups"):
//   { request_id, address_groups, page_info } with the same limit/marker paging; each group has id,
//   name, description, max_capacity, ip_set, ip_version, ip_extra_set, tenant_id, status …
//   (SDK model AddressGroup). An operation can be denied: 403 with an IAM policy message.
// - GET  /v1/{project_id}/ports (ListPorts, "Querying Ports" vpc_port01_0003; SDK v2 model Port):
//   { ports } only, no page_info; limit (default 2000) and marker = the id after which the page starts.
// - GET  /v1/{project_id}/publicips (ListPublicips, EIP "Querying EIPs" eip_api_0003): { publicips }
//   only, the same limit/marker paging; an EIP has id, status (ACTIVE bound, DOWN unbound), type,
//   public_ip_address, private_ip_address, port_id (only while bound to a port), ip_version,
//   bandwidth_*, tenant_id, create_time.
// - Throttling: 429 {"error_msg":"The throttling threshold has been reached: policy user over
//   ratelimit,limit:…","error_code":"APIG.0308","request_id":…} (API Gateway, "APIG.0308报错处理方法").
// - 500: {"error_msg":"Internal Server Error.","error_code":"SYS.0500"} (VPC error codes).
// - AK/SK signing (SDK-HMAC-SHA256): the fake recomputes the signature with the secret key, the way
//   @huaweicloud/huaweicloud-sdk-core auth/AKSKSigner.js builds it, and answers 401 APIG.0301 when it
//   does not match. Codes of the other 4xx answers are illustrative; no test depends on them.

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeOperation =
  | 'ListSecurityGroups'
  | 'ListSecurityGroupRules'
  | 'CreateSecurityGroupRule'
  | 'DeleteSecurityGroupRule'
  | 'ListAddressGroup'
  | 'ListPorts'
  | 'ListPublicips';

/** A failure the fake answers instead of the real response. */
/** echo-headers: a 400 whose error_msg quotes every request header back (Authorization, X-Security-Token …). */
export type FakeFault = 'throttle' | 'server-error' | 'hang' | 'malformed' | 'echo-headers';

export type ApiRecord = Record<string, unknown>;

export interface RecordedRequest {
  operation: FakeOperation | 'unknown';
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw body text ('' when none). */
  body: string;
  projectId: string;
  /** 'ok', or why the signature check failed. */
  auth: string;
  /** The status answered; undefined while hanging. */
  status?: number;
  fault?: FakeFault;
}

export interface FakeHuawei {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  addGroup(projectId: string, fields?: Partial<ApiRecord>): ApiRecord;
  addRule(projectId: string, fields: Partial<ApiRecord> & { security_group_id: string }): ApiRecord;
  groups(projectId: string): ApiRecord[];
  /** An IP address group as ListAddressGroup lists it. */
  addAddressGroup(projectId: string, fields: Partial<ApiRecord> & { ip_set: string[] }): ApiRecord;
  /** Every later call of `operation` is refused 403 (the IAM policy does not grant it). */
  deny(operation: 'ListAddressGroup' | 'ListPorts' | 'ListPublicips'): void;
  /** A port as ListPorts lists it: the groups in the order given, on an ECS unless `fields` say otherwise. */
  addPort(projectId: string, groupIds: string[], fields?: Partial<ApiRecord>): ApiRecord;
  /** An EIP as ListPublicips lists it, bound to `portId` or (undefined) to nothing. */
  addEip(projectId: string, address: string, portId?: string, fields?: Partial<ApiRecord>): ApiRecord;
  rules(projectId: string): ApiRecord[];
  /** The next `times` calls (of `operation`, or any) get `fault` instead of their answer. */
  failNext(fault: FakeFault, times?: number, operation?: FakeOperation): void;
  close(): Promise<void>;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const MAX_LIMIT = 2000;

/** AKSKSigner.urlEncode: everything but A-Z a-z 0-9 - _ . ~ percent-encoded as UTF-8. */
function sdkEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function canonicalQuery(search: URLSearchParams): string {
  const keys = [...new Set(search.keys())].sort();
  const parts: string[] = [];
  for (const key of keys) {
    const values = search.getAll(key);
    if (values.length > 1) values.sort();
    for (const value of values) parts.push(`${sdkEncode(key)}=${sdkEncode(value)}`);
  }
  return parts.join('&');
}

function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((segment) => sdkEncode(decodeURIComponent(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

/** 'ok', or what is wrong with the request's SDK-HMAC-SHA256 signature. */
function checkSignature(
  req: IncomingMessage,
  url: URL,
  body: string,
  projectId: string,
  ak: string,
  sk: string,
): string {
  const header = req.headers.authorization ?? '';
  const match = /^SDK-HMAC-SHA256 Access=([^,\s]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    header,
  );
  if (!match) return 'Authorization is not SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…';
  const [, access, signedHeaders, signature] = match as unknown as [string, string, string, string];
  if (access !== ak) return 'unknown access key';
  const date = req.headers['x-sdk-date'];
  if (typeof date !== 'string' || !/^\d{8}T\d{6}Z$/.test(date)) return 'X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ';
  const signed = signedHeaders.split(';');
  for (const required of ['host', 'x-sdk-date', 'x-project-id']) {
    if (!signed.includes(required)) return `SignedHeaders lacks ${required}`;
  }
  if (req.headers['x-project-id'] !== projectId) return 'X-Project-Id does not match the project in the path';
  const canonicalHeaders = signed.map((name) => `${name}:${String(req.headers[name] ?? '')}\n`).join('');
  const contentSha = req.headers['x-sdk-content-sha256'];
  const payloadHash = typeof contentSha === 'string' ? contentSha : body === '' ? EMPTY_SHA256 : sha256(body);
  const canonicalRequest = [
    req.method ?? '',
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = ['SDK-HMAC-SHA256', date, sha256(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', sk).update(stringToSign).digest('hex');
  return expected === signature ? 'ok' : 'signature does not match';
}

interface Route {
  operation: FakeOperation;
  projectId: string;
  ruleId?: string;
}

function route(method: string, pathname: string): Route | undefined {
  const v1 = /^\/v1\/([^/]+)\/(ports|publicips)\/?$/.exec(pathname);
  if (v1 && method === 'GET') {
    const [, projectId, collection] = v1 as unknown as [string, string, string];
    return { operation: collection === 'ports' ? 'ListPorts' : 'ListPublicips', projectId };
  }
  const match = /^\/v3\/([^/]+)\/vpc\/(security-groups|security-group-rules|address-groups)(?:\/([^/]+))?\/?$/.exec(
    pathname,
  );
  if (!match) return undefined;
  const [, projectId, collection, id] = match as unknown as [string, string, string, string | undefined];
  if (collection === 'security-groups' && method === 'GET' && id === undefined)
    return { operation: 'ListSecurityGroups', projectId };
  if (collection === 'address-groups' && method === 'GET' && id === undefined)
    return { operation: 'ListAddressGroup', projectId };
  if (collection === 'security-group-rules' && method === 'GET' && id === undefined)
    return { operation: 'ListSecurityGroupRules', projectId };
  if (collection === 'security-group-rules' && method === 'POST' && id === undefined)
    return { operation: 'CreateSecurityGroupRule', projectId };
  if (collection === 'security-group-rules' && method === 'DELETE' && id !== undefined)
    return { operation: 'DeleteSecurityGroupRule', projectId, ruleId: id };
  return undefined;
}

/** The IAM action each refusable operation needs, as its 403 names it. */
const ACTIONS: Partial<Record<FakeOperation, string>> = {
  ListAddressGroup: 'vpc:addressGroups:list',
  ListPorts: 'vpc:ports:get',
  ListPublicips: 'vpc:publicIps:list',
};

/** The v1 listings answer with their list alone. */
function withoutPageInfo(answer: Answer): Answer {
  if (answer.status !== 200 || answer.body === null || typeof answer.body !== 'object') return answer;
  const { page_info: _pageInfo, request_id: _requestId, ...body } = answer.body as ApiRecord;
  return { status: 200, body };
}

function requestId(): string {
  return randomUUID().replaceAll('-', '');
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Answer {
  status: number;
  body?: unknown;
}

function error(status: number, code: string, message: string): Answer {
  return { status, body: { error_msg: message, error_code: code, request_id: requestId() } };
}

/** One page of `list` after `marker`, at most `limit` (and `cap`) long, with the v3 page_info. */
function page(list: ApiRecord[], key: string, query: URLSearchParams, cap = MAX_LIMIT): Answer {
  const limitText = query.get('limit');
  let limit = MAX_LIMIT;
  if (limitText !== null) {
    if (!/^\d+$/.test(limitText) || Number(limitText) > MAX_LIMIT)
      return error(400, 'VPC.0002', `Invalid limit ${limitText}: 0-2000`);
    // 0 asks for the default page.
    limit = Number(limitText) === 0 ? MAX_LIMIT : Number(limitText);
  }
  limit = Math.min(limit, cap);
  let start = 0;
  const marker = query.get('marker');
  if (marker !== null && marker !== '') {
    const index = list.findIndex((item) => item.id === marker);
    if (index < 0) return error(400, 'VPC.0002', `Invalid marker ${marker}`);
    start = index + 1;
  }
  const items = list.slice(start, start + limit);
  const pageInfo: ApiRecord = { previous_marker: items[0]?.id ?? '', current_count: items.length };
  if (start + limit < list.length && items.length > 0) pageInfo.next_marker = items[items.length - 1]?.id;
  return { status: 200, body: { request_id: requestId(), [key]: items, page_info: pageInfo } };
}

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'icmpv6']);

function text(value: unknown): string | undefined {
  return value === undefined || value === null || value === ''
    ? undefined
    : typeof value === 'string'
      ? value
      : String(value);
}

/** Validates a CreateSecurityGroupRuleOption the way the API documents it; a rule record or an error answer. */
function createRule(projectId: string, groups: ApiRecord[], option: unknown): ApiRecord | Answer {
  if (option === null || typeof option !== 'object' || Array.isArray(option))
    return error(400, 'VPC.0002', 'security_group_rule is required');
  const o = option as ApiRecord;
  const groupId = text(o.security_group_id);
  if (!groupId) return error(400, 'VPC.0002', 'security_group_id is required');
  if (!groups.some((g) => g.id === groupId))
    return error(404, 'VPC.0602', `Security group ${groupId} could not be found`);
  if (o.direction !== 'ingress' && o.direction !== 'egress')
    return error(400, 'VPC.0002', 'direction must be ingress or egress');
  const ethertype = text(o.ethertype) ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') return error(400, 'VPC.0002', 'ethertype must be IPv4 or IPv6');
  const protocol = text(o.protocol);
  if (protocol !== undefined && !PROTOCOLS.has(protocol) && !(/^\d{1,3}$/.test(protocol) && Number(protocol) <= 255)) {
    return error(400, 'VPC.0002', `protocol ${protocol} is not icmp, tcp, udp, icmpv6 or an IP protocol number`);
  }
  if ((protocol === 'icmp' && ethertype === 'IPv6') || (protocol === 'icmpv6' && ethertype === 'IPv4'))
    return error(400, 'VPC.0002', 'protocol does not fit ethertype');
  const multiport = text(o.multiport);
  if (multiport !== undefined) {
    if (protocol !== 'tcp' && protocol !== 'udp') return error(400, 'VPC.0002', 'multiport needs protocol tcp or udp');
    const ok = multiport.split(',').every((part) => {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      const from = Number(m?.[1]);
      const to = m?.[2] === undefined ? from : Number(m[2]);
      return m !== null && from >= 1 && from <= to && to <= 65535;
    });
    if (!ok) return error(400, 'VPC.0002', `multiport ${multiport} is not valid`);
  }
  const remotes = ['remote_ip_prefix', 'remote_group_id', 'remote_address_group_id'].filter(
    (k) => text(o[k]) !== undefined,
  );
  if (remotes.length > 1) return error(400, 'VPC.0002', `${remotes.join(', ')} are mutually exclusive`);
  const action = text(o.action) ?? 'allow';
  if (action !== 'allow' && action !== 'deny') return error(400, 'VPC.0002', 'action must be allow or deny');
  const priorityText = text(o.priority) ?? '100';
  if (!/^\d{1,3}$/.test(priorityText) || Number(priorityText) < 1 || Number(priorityText) > 100)
    return error(400, 'VPC.0002', 'priority must be 1-100');
  const created = now();
  return {
    id: randomUUID(),
    description: text(o.description) ?? '',
    security_group_id: groupId,
    direction: o.direction,
    protocol: protocol ?? '',
    ethertype,
    multiport: multiport ?? '',
    action,
    priority: Number(priorityText),
    remote_group_id: text(o.remote_group_id) ?? '',
    remote_ip_prefix: text(o.remote_ip_prefix) ?? '',
    remote_address_group_id: text(o.remote_address_group_id) ?? '',
    created_at: created,
    updated_at: created,
    project_id: projectId,
    enabled: o.enabled === false ? false : true,
  };
}

/** Adds group `name` to `projectId` with one rule: SSH (tcp/22) from anywhere on IPv4, allowed at priority 100. */
export function addOpenSshGroup(fake: FakeHuawei, projectId: string, name: string): ApiRecord {
  const group = fake.addGroup(projectId, { name });
  fake.addRule(projectId, {
    security_group_id: group.id as string,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    multiport: '22',
    remote_ip_prefix: '0.0.0.0/0',
    action: 'allow',
    priority: 100,
  });
  return group;
}

/** `pageCap`: records per ListAddressGroup, ListPorts and ListPublicips page at most, whatever `limit` asks (default 2000). */
export async function startFakeHuawei(options: { ak: string; sk: string; pageCap?: number }): Promise<FakeHuawei> {
  const projects = new Map<
    string,
    { groups: ApiRecord[]; rules: ApiRecord[]; addressGroups: ApiRecord[]; ports: ApiRecord[]; eips: ApiRecord[] }
  >();
  const denied = new Set<FakeOperation>();
  const faults: Array<{ fault: FakeFault; remaining: number; operation?: FakeOperation }> = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const project = (id: string) => {
    let state = projects.get(id);
    if (!state) {
      state = { groups: [], rules: [], addressGroups: [], ports: [], eips: [] };
      projects.set(id, state);
    }
    return state;
  };

  const takeFault = (operation: FakeOperation): FakeFault | undefined => {
    const entry = faults.find((f) => f.remaining > 0 && (f.operation === undefined || f.operation === operation));
    if (!entry) return undefined;
    entry.remaining--;
    return entry.fault;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const found = route(method, url.pathname);
    const record: RecordedRequest = {
      operation: found?.operation ?? 'unknown',
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      projectId: found?.projectId ?? '',
      auth: '',
    };
    requests.push(record);
    const send = (answer: Answer) => {
      record.status = answer.status;
      if (answer.body === undefined) {
        res.writeHead(answer.status, { 'x-request-id': requestId() }).end();
        return;
      }
      res
        .writeHead(answer.status, { 'content-type': 'application/json', 'x-request-id': requestId() })
        .end(JSON.stringify(answer.body));
    };
    if (!found)
      return send(error(404, 'APIG.0101', 'The API does not exist or has not been published in the environment'));
    record.auth = checkSignature(req, url, body, found.projectId, options.ak, options.sk);
    if (record.auth !== 'ok')
      return send(error(401, 'APIG.0301', `Incorrect IAM authentication information: ${record.auth}`));

    if (denied.has(found.operation)) {
      return send(error(403, 'VPC.0005', `Policy doesn't allow ${ACTIONS[found.operation]} to be performed.`));
    }
    const fault = takeFault(found.operation);
    if (fault) {
      record.fault = fault;
      if (fault === 'hang') return; // never answered; the socket is destroyed on close()
      if (fault === 'throttle')
        return send(
          error(
            429,
            'APIG.0308',
            'The throttling threshold has been reached: policy user over ratelimit,limit:20,time:1 second',
          ),
        );
      if (fault === 'server-error') return send(error(500, 'SYS.0500', 'Internal Server Error.'));
      if (fault === 'echo-headers') {
        const quoted = Object.entries(req.headers)
          .map(([name, value]) => `${name}: ${String(value)}`)
          .join('; ');
        return send(error(400, 'APIG.0201', `Request error. Request headers: ${quoted}`));
      }
      record.status = 200;
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() })
        .end('{"request_id":"5e1b3c","security_gro');
      return;
    }

    const state = project(found.projectId);
    switch (found.operation) {
      case 'ListSecurityGroups':
        return send(page(state.groups, 'security_groups', url.searchParams));
      case 'ListAddressGroup':
        return send(page(state.addressGroups, 'address_groups', url.searchParams, options.pageCap));
      case 'ListPorts':
        return send(withoutPageInfo(page(state.ports, 'ports', url.searchParams, options.pageCap)));
      case 'ListPublicips':
        return send(withoutPageInfo(page(state.eips, 'publicips', url.searchParams, options.pageCap)));
      case 'ListSecurityGroupRules': {
        const only = url.searchParams.getAll('security_group_id');
        const list =
          only.length > 0 ? state.rules.filter((r) => only.includes(String(r.security_group_id))) : state.rules;
        const filtered = new URLSearchParams(url.searchParams);
        filtered.delete('security_group_id');
        return send(page(list, 'security_group_rules', filtered));
      }
      case 'CreateSecurityGroupRule': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return send(error(400, 'VPC.0002', 'The request body is not JSON'));
        }
        const option =
          parsed !== null && typeof parsed === 'object' ? (parsed as ApiRecord).security_group_rule : undefined;
        const created = createRule(found.projectId, state.groups, option);
        if ('status' in created && typeof created.status === 'number' && !('id' in created))
          return send(created as Answer);
        state.rules.push(created as ApiRecord);
        return send({ status: 201, body: { request_id: requestId(), security_group_rule: created } });
      }
      case 'DeleteSecurityGroupRule': {
        const index = state.rules.findIndex((r) => r.id === found.ruleId);
        if (index < 0) return send(error(404, 'VPC.0604', `Security group rule ${found.ruleId} could not be found`));
        state.rules.splice(index, 1);
        return send({ status: 204 });
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addGroup(projectId, fields = {}) {
      const created = now();
      const group: ApiRecord = {
        id: randomUUID(),
        name: 'sg-fake',
        description: '',
        project_id: projectId,
        created_at: created,
        updated_at: created,
        enterprise_project_id: '0',
        tags: [],
        ...fields,
      };
      project(projectId).groups.push(group);
      return group;
    },
    addRule(projectId, fields) {
      const created = now();
      const rule: ApiRecord = {
        id: randomUUID(),
        description: '',
        direction: 'ingress',
        protocol: 'tcp',
        ethertype: 'IPv4',
        multiport: '22',
        action: 'allow',
        priority: 1,
        remote_group_id: '',
        remote_ip_prefix: '0.0.0.0/0',
        remote_address_group_id: '',
        created_at: created,
        updated_at: created,
        project_id: projectId,
        enabled: true,
        ...fields,
      };
      project(projectId).rules.push(rule);
      return rule;
    },
    addAddressGroup(projectId, fields) {
      const created = now();
      const group: ApiRecord = {
        id: randomUUID(),
        name: 'ipGroup-fake',
        description: '',
        max_capacity: 20,
        ip_version: 4,
        created_at: created,
        updated_at: created,
        tenant_id: projectId,
        enterprise_project_id: '0',
        tags: [],
        status: 'NORMAL',
        status_message: '',
        ...fields,
      };
      group.ip_extra_set ??= (group.ip_set as string[]).map((ip) => ({ ip, remarks: '' }));
      project(projectId).addressGroups.push(group);
      return group;
    },
    addPort(projectId, groupIds, fields = {}) {
      const id = randomUUID();
      const port: ApiRecord = {
        id,
        name: '',
        network_id: randomUUID(),
        admin_state_up: true,
        mac_address: 'fa:16:3e:00:00:01',
        fixed_ips: [{ ip_address: '192.168.0.10', subnet_id: randomUUID() }],
        device_id: randomUUID(),
        device_owner: 'compute:cn-north-4a',
        tenant_id: projectId,
        status: 'ACTIVE',
        security_groups: groupIds,
        allowed_address_pairs: [],
        extra_dhcp_opts: [],
        'binding:vnic_type': 'normal',
        port_security_enabled: true,
        zone_id: 'cn-north-4a',
        ...fields,
      };
      project(projectId).ports.push(port);
      return port;
    },
    addEip(projectId, address, portId, fields = {}) {
      const eip: ApiRecord = {
        id: randomUUID(),
        status: portId === undefined ? 'DOWN' : 'ACTIVE',
        type: '5_bgp',
        public_ip_address: address,
        ip_version: 4,
        bandwidth_size: 5,
        bandwidth_share_type: 'PER',
        tenant_id: projectId,
        create_time: '2026-01-05 08:00:00',
        enterprise_project_id: '0',
        ...(portId === undefined ? {} : { port_id: portId, private_ip_address: '192.168.0.10' }),
        ...fields,
      };
      project(projectId).eips.push(eip);
      return eip;
    },
    deny(operation) {
      denied.add(operation);
    },
    groups: (projectId) => project(projectId).groups,
    rules: (projectId) => project(projectId).rules,
    failNext(fault, times = 1, operation) {
      faults.push({ fault, remaining: times, ...(operation ? { operation } : {}) });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
