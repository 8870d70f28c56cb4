// A loopback fake of the Alibaba Cloud ECS OpenAPI (RPC style, version 2014-05-26) that the real
// @alicloud/ecs20140526 client talks to over HTTP.
//
// - Authentication: every request must carry an ACS3-HMAC-SHA256 `Authorization` header naming the
//   configured AccessKeyId, with `x-acs-action`, `x-acs-version`, `x-acs-date`,
//   `x-acs-signature-nonce` and `x-acs-content-sha256` signed; the fake recomputes the signature
//   (canonical request → string to sign → HMAC-SHA256 with the secret, as Alibaba documents the
//   V3 signature) and rejects mismatches, stale dates and reused nonces.
// - Bodies are shaped as the API documents them: RequestId, PascalCase fields,
//   `SecurityGroups.SecurityGroup[]`, `Permissions.Permission[]` (every field present, '' where
//   unused), `NetworkInterfaceSets.NetworkInterfaceSet[]`, and NextToken. Errors are
//   `{RequestId, HostId, Code, Message, Recommend}` with a 4xx/5xx status.
// - State: groups, rules and interfaces per region; Authorize adds rules with new `sgr-` ids (an
//   identical rule — same direction, protocol, ports, peer, policy — is not added again, as the
//   API's usage notes say), Revoke removes by id, ClientToken makes a repeated call a no-op.
// - Pagination is real: MaxResults is honoured within each API's documented limits and NextToken
//   is an opaque cursor.
// - Prefix lists (DescribePrefixLists: `PrefixLists.PrefixList[]`, MaxResults ≤ 100, PrefixListId.N
//   filter; DescribePrefixListAttributes: `Entries.Entry[].Cidr`, 404 InvalidPrefixListId.NotFound)
//   and port lists (DescribePortRangeLists: `PortRangeLists[]`; DescribePortRangeListEntries:
//   `Entries[].PortRange`, 400 InvalidPortRangeListId.NotFound), as the API reference documents them.
//   A list seeded as another account's is not listed and answers NotFound, as the API does.
// - Instances (DescribeInstances: `Instances.Instance[]` with PublicIpAddress.IpAddress[],
//   EipAddress.IpAddress and NetworkInterfaces.NetworkInterface[] Type Primary/Secondary; MaxResults
//   10..100, NextToken): one per primary interface seeded. Launch templates (DescribeLaunchTemplates:
//   `LaunchTemplateSets.LaunchTemplateSet[]`; DescribeLaunchTemplateVersions by LaunchTemplateId:
//   `LaunchTemplateVersionSets.LaunchTemplateVersionSet[]` with LaunchTemplateData SecurityGroupId /
//   SecurityGroupIds.SecurityGroupId[] / InternetMaxBandwidthOut), page-numbered (PageNumber, PageSize).
// - Auto Scaling (ESS, its own product: version 2014-08-28, endpoint ess.<region>.aliyuncs.com, here
//   the same loopback host): DescribeScalingConfigurations as its API reference documents it,
//   `ScalingConfigurations.ScalingConfiguration[]` with SecurityGroupId / SecurityGroupIds.SecurityGroupId[]
//   / NetworkInterfaces.NetworkInterface[] / InternetMaxBandwidthOut / LifecycleState, TotalCount,
//   PageNumber, PageSize (1..50, default 10), signed and checked like every other action; and
//   DescribeEciScalingConfigurations (the ECI type) in the same wrappers, each with SecurityGroupId,
//   ContainerGroupName, Containers.Container[], AutoCreateEip, EipBandwidth, Ipv6AddressCount.
// - Faults: the next N calls of an action can be throttled, fail with 500/503, hang, or return a
//   malformed body; an action can be denied (403 Forbidden.RAM, as RAM answers an action the
//   policy does not grant).
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * throttle: 400 Throttling.User; server-error: 500 InternalError; unavailable: 503 ServiceUnavailable;
 * hang: never answers; malformed: 200 with truncated JSON; wrong-shape: 200 with `{RequestId}` only;
 * wrong-type: 200 with the list container as a string (the SDK's response model rejects it);
 * echo-headers: 400 IncompleteSignature whose message quotes every request header back (key id,
 * security token, Authorization), as a gateway or signature error may.
 */
export type Fault =
  'throttle' | 'server-error' | 'unavailable' | 'hang' | 'malformed' | 'wrong-shape' | 'wrong-type' | 'echo-headers';

export interface FakeCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface FakeGroup {
  RegionId: string;
  SecurityGroupId: string;
  SecurityGroupName: string;
  Description: string;
  VpcId: string;
  SecurityGroupType: 'normal' | 'enterprise';
  InnerAccessPolicy: 'Accept' | 'Drop';
  CreationTime: string;
  rules: Permission[];
}

export interface FakePrefixList {
  RegionId: string;
  PrefixListId: string;
  PrefixListName: string;
  AddressFamily: 'IPv4' | 'IPv6';
  cidrs: string[];
  /** Another account's list: this account cannot see it. */
  foreign?: boolean;
}

export interface FakePortList {
  RegionId: string;
  PortRangeListId: string;
  PortRangeListName: string;
  ranges: string[];
  foreign?: boolean;
}

/** A rule exactly as DescribeSecurityGroupAttribute lists it. */
export type Permission = Record<string, string>;

export interface FakeInterface {
  RegionId: string;
  NetworkInterfaceId: string;
  InstanceId: string;
  VpcId: string;
  SecurityGroupIds: string[];
  /** Primary (the instance's own, listed by DescribeInstances) or Secondary. */
  Type: 'Primary' | 'Secondary';
  /** The instance's fixed public IPs (DescribeInstances PublicIpAddress.IpAddress), for a primary interface. */
  PublicIpAddress: string[];
  /** The EIP on the instance (DescribeInstances EipAddress.IpAddress), for a primary interface. */
  EipAddress: string;
}

/** A launch template and its versions, each naming groups and an outbound bandwidth (> 0: a public IP). */
export interface FakeLaunchTemplate {
  RegionId: string;
  LaunchTemplateId: string;
  LaunchTemplateName: string;
  versions: { SecurityGroupIds: string[]; InternetMaxBandwidthOut: number }[];
}

/** An Auto Scaling scaling configuration (active or not) naming groups and an outbound bandwidth (> 0: a public IP). */
export interface FakeScalingConfiguration {
  RegionId: string;
  ScalingConfigurationId: string;
  ScalingConfigurationName: string;
  ScalingGroupId: string;
  LifecycleState: 'Active' | 'Inactive';
  SecurityGroupIds: string[];
  InternetMaxBandwidthOut: number;
  /** Interfaces given apart (the primary's groups then come from here, not from SecurityGroupIds). */
  NetworkInterfaces: { InstanceType: 'Primary' | 'Secondary'; SecurityGroupIds: string[] }[];
}

/** An Auto Scaling ECI scaling configuration (active or not): its group, and whether its container groups get an EIP or IPv6 addresses. */
export interface FakeEciScalingConfiguration {
  RegionId: string;
  ScalingConfigurationId: string;
  ScalingConfigurationName: string;
  ScalingGroupId: string;
  LifecycleState: 'Active' | 'Inactive';
  SecurityGroupId: string;
  AutoCreateEip: boolean;
  EipBandwidth: number;
  Ipv6AddressCount: number;
}

export interface RecordedRequest {
  action: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  status: number;
}

const API_VERSION = '2014-05-26';
/** STS (GetCallerIdentity) is its own product with its own version, answered at the same endpoint here. */
const STS_VERSION = '2015-04-01';
/** Auto Scaling (ESS) answers its actions at its own version. */
const ESS_VERSION = '2014-08-28';
const VERSIONS: Record<string, string> = {
  GetCallerIdentity: STS_VERSION,
  DescribeScalingConfigurations: ESS_VERSION,
  DescribeEciScalingConfigurations: ESS_VERSION,
};
const HOST_ID = 'ecs.aliyuncs.com';
const PERMISSION_FIELDS = [
  'SecurityGroupRuleId',
  'Direction',
  'Policy',
  'Priority',
  'IpProtocol',
  'PortRange',
  'SourceCidrIp',
  'Ipv6SourceCidrIp',
  'SourceGroupId',
  'SourceGroupName',
  'SourceGroupOwnerAccount',
  'SourcePrefixListId',
  'SourcePrefixListName',
  'SourcePortRange',
  'DestCidrIp',
  'Ipv6DestCidrIp',
  'DestGroupId',
  'DestGroupName',
  'DestGroupOwnerAccount',
  'DestPrefixListId',
  'DestPrefixListName',
  'PortRangeListId',
  'PortRangeListName',
  'NicType',
  'Description',
  'CreateTime',
] as const;

const PEERS = {
  ingress: ['SourceCidrIp', 'Ipv6SourceCidrIp', 'SourceGroupId', 'SourcePrefixListId'],
  egress: ['DestCidrIp', 'Ipv6DestCidrIp', 'DestGroupId', 'DestPrefixListId'],
} as const;

const PROTOCOLS: Record<string, string> = {
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  gre: 'GRE',
  all: 'ALL',
};

/** An API error answer: HTTP status and the documented error body. */
class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const invalid = (name: string) =>
  new ApiError(400, `InvalidParameter`, `The specified parameter "${name}" is not valid.`);
const missing = (name: string) =>
  new ApiError(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );

/** RFC 3986 percent-encoding, as the V3 signature's canonical query string uses it. */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function requestId(): string {
  return randomUUID().toUpperCase();
}

function hex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

function encodeToken(cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeToken(token: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // falls through
  }
  throw invalid('NextToken');
}

export class FakeAlibabaEcs {
  readonly credentials: FakeCredentials;
  /** The Alibaba Cloud account the credentials belong to (STS GetCallerIdentity's AccountId). */
  accountId = '1968132000120001';
  readonly requests: RecordedRequest[] = [];
  /** Requests refused before reaching an action (bad signature, unknown key …), with the reason. */
  readonly rejected: { code: string; message: string }[] = [];
  private readonly groups = new Map<string, FakeGroup>();
  private readonly interfaces: FakeInterface[] = [];
  private readonly launchTemplates: FakeLaunchTemplate[] = [];
  private readonly scalingConfigurations: FakeScalingConfiguration[] = [];
  private readonly eciScalingConfigurations: FakeEciScalingConfiguration[] = [];
  private readonly prefixLists: FakePrefixList[] = [];
  private readonly portLists: FakePortList[] = [];
  private readonly denied = new Set<string>();
  /** Lists per DescribePrefixLists / DescribePortRangeLists page at most, whatever MaxResults asks (the API may answer fewer). */
  listPageCap = 100;
  private readonly faults = new Map<string, Fault[]>();
  private readonly nonces = new Set<string>();
  private readonly tokens = new Map<string, { fingerprint: string; body: Record<string, unknown> }>();
  private readonly hung = new Set<ServerResponse>();
  private readonly delays = new Map<string, number>();
  private readonly inFlight = new Map<string, { now: number; max: number }>();
  private server: Server | undefined;
  private sequence = 0;

  constructor(credentials: FakeCredentials) {
    this.credentials = credentials;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Listens on 127.0.0.1 (a free port); returns the endpoint URL, e.g. http://127.0.0.1:40123. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The environment that points Warden at this fake with its credentials (after `start`). */
  env(): Record<string, string> {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the fake is not started');
    return {
      WARDEN_ALIBABA_ENDPOINT: `http://127.0.0.1:${address.port}`,
      ALIBABA_CLOUD_ACCESS_KEY_ID: this.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: this.credentials.accessKeySecret,
    };
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------
  // Seeding and inspection

  addGroup(region: string, init: Partial<Omit<FakeGroup, 'rules' | 'RegionId'>> = {}): string {
    const id =
      init.SecurityGroupId ??
      `sg-${region.replace(/[^a-z0-9]/g, '').slice(0, 6)}${String(++this.sequence).padStart(12, '0')}`;
    if (this.groups.has(id)) throw new Error(`group ${id} exists`);
    this.groups.set(id, {
      RegionId: region,
      SecurityGroupId: id,
      SecurityGroupName: init.SecurityGroupName ?? `group-${this.sequence}`,
      Description: init.Description ?? '',
      VpcId: init.VpcId ?? 'vpc-bp1opxu1zkhn00gzv0001',
      SecurityGroupType: init.SecurityGroupType ?? 'normal',
      InnerAccessPolicy: init.InnerAccessPolicy ?? 'Accept',
      CreationTime: init.CreationTime ?? '2024-01-02T03:04:05Z',
      rules: [],
    });
    return id;
  }

  /** Adds a rule as the API would list it; returns its new `sgr-` id. */
  addPermission(groupId: string, fields: Partial<Permission> & { Direction: 'ingress' | 'egress' }): string {
    const group = this.groups.get(groupId);
    if (!group) throw new Error(`no group ${groupId}`);
    const rule: Permission = {};
    for (const field of PERMISSION_FIELDS) rule[field] = '';
    Object.assign(
      rule,
      { Policy: 'Accept', Priority: '1', NicType: 'intranet', CreateTime: '2024-01-02T03:04:05Z' },
      fields,
    );
    rule.SecurityGroupRuleId = fields.SecurityGroupRuleId ?? `sgr-${hex(20)}`;
    group.rules.push(rule);
    return rule.SecurityGroupRuleId;
  }

  addInterface(
    region: string,
    groupIds: string[],
    init: Partial<Omit<FakeInterface, 'RegionId' | 'SecurityGroupIds'>> = {},
  ): string {
    const id = init.NetworkInterfaceId ?? `eni-${hex(20)}`;
    this.interfaces.push({
      RegionId: region,
      NetworkInterfaceId: id,
      InstanceId: init.InstanceId ?? `i-${hex(20)}`,
      VpcId: init.VpcId ?? 'vpc-bp1opxu1zkhn00gzv0001',
      SecurityGroupIds: [...groupIds],
      Type: init.Type ?? 'Primary',
      PublicIpAddress: [...(init.PublicIpAddress ?? [])],
      EipAddress: init.EipAddress ?? '',
    });
    return id;
  }

  addLaunchTemplate(
    region: string,
    versions: FakeLaunchTemplate['versions'],
    init: Partial<Pick<FakeLaunchTemplate, 'LaunchTemplateId' | 'LaunchTemplateName'>> = {},
  ): string {
    const id = init.LaunchTemplateId ?? `lt-${hex(20)}`;
    this.launchTemplates.push({
      RegionId: region,
      LaunchTemplateId: id,
      LaunchTemplateName: init.LaunchTemplateName ?? `template-${this.launchTemplates.length + 1}`,
      versions: versions.map((v) => ({ ...v, SecurityGroupIds: [...v.SecurityGroupIds] })),
    });
    return id;
  }

  addScalingConfiguration(
    region: string,
    init: Partial<Omit<FakeScalingConfiguration, 'RegionId'>> & Pick<FakeScalingConfiguration, 'SecurityGroupIds'>,
  ): string {
    const id = init.ScalingConfigurationId ?? `asc-${hex(20)}`;
    this.scalingConfigurations.push({
      RegionId: region,
      ScalingConfigurationId: id,
      ScalingConfigurationName: init.ScalingConfigurationName ?? `config-${this.scalingConfigurations.length + 1}`,
      ScalingGroupId: init.ScalingGroupId ?? `asg-${hex(20)}`,
      LifecycleState: init.LifecycleState ?? 'Active',
      SecurityGroupIds: [...init.SecurityGroupIds],
      InternetMaxBandwidthOut: init.InternetMaxBandwidthOut ?? 0,
      NetworkInterfaces: (init.NetworkInterfaces ?? []).map((n) => ({
        ...n,
        SecurityGroupIds: [...n.SecurityGroupIds],
      })),
    });
    return id;
  }

  addEciScalingConfiguration(
    region: string,
    init: Partial<Omit<FakeEciScalingConfiguration, 'RegionId'>> & Pick<FakeEciScalingConfiguration, 'SecurityGroupId'>,
  ): string {
    const id = init.ScalingConfigurationId ?? `asc-${hex(20)}`;
    this.eciScalingConfigurations.push({
      RegionId: region,
      ScalingConfigurationId: id,
      ScalingConfigurationName:
        init.ScalingConfigurationName ?? `eci-config-${this.eciScalingConfigurations.length + 1}`,
      ScalingGroupId: init.ScalingGroupId ?? `asg-${hex(20)}`,
      LifecycleState: init.LifecycleState ?? 'Active',
      SecurityGroupId: init.SecurityGroupId,
      AutoCreateEip: init.AutoCreateEip ?? false,
      EipBandwidth: init.EipBandwidth ?? 5,
      Ipv6AddressCount: init.Ipv6AddressCount ?? 0,
    });
    return id;
  }

  addPrefixList(region: string, init: Partial<Omit<FakePrefixList, 'RegionId'>> & { cidrs: string[] }): string {
    const id = init.PrefixListId ?? `pl-${hex(20)}`;
    this.prefixLists.push({
      RegionId: region,
      PrefixListId: id,
      PrefixListName: init.PrefixListName ?? `list-${id.slice(3, 9)}`,
      AddressFamily: init.AddressFamily ?? 'IPv4',
      cidrs: init.cidrs,
      ...(init.foreign ? { foreign: true } : {}),
    });
    return id;
  }

  addPortList(region: string, init: Partial<Omit<FakePortList, 'RegionId'>> & { ranges: string[] }): string {
    const id = init.PortRangeListId ?? `prl-${hex(12)}`;
    this.portLists.push({
      RegionId: region,
      PortRangeListId: id,
      PortRangeListName: init.PortRangeListName ?? `ports-${id.slice(4, 10)}`,
      ranges: init.ranges,
      ...(init.foreign ? { foreign: true } : {}),
    });
    return id;
  }

  /** Every later call of `action` is refused 403 Forbidden.RAM. */
  deny(action: string): void {
    this.denied.add(action);
  }

  rulesOf(groupId: string): Permission[] {
    return [...(this.groups.get(groupId)?.rules ?? [])];
  }

  /** The next `times` calls of `action` fail with `fault` (queued after any faults already set). */
  failNext(action: string, times: number, fault: Fault): void {
    const queue = this.faults.get(action) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(action, queue);
  }

  /** Every later call of `action` is answered after `ms` (to observe how many run at once). */
  delay(action: string, ms: number): void {
    this.delays.set(action, ms);
  }

  /** The most calls of `action` that were in progress at the same time. */
  maxInFlight(action: string): number {
    return this.inFlight.get(action)?.max ?? 0;
  }

  callsOf(action: string): RecordedRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const params: Record<string, string> = { ...query };
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value;
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const action = headers['x-acs-action'] ?? params.Action ?? '';
    const record: RecordedRequest = { action, params, headers, status: 0 };
    this.requests.push(record);
    const counter = this.inFlight.get(action) ?? { now: 0, max: 0 };
    this.inFlight.set(action, counter);
    counter.now++;
    counter.max = Math.max(counter.max, counter.now);
    res.on('close', () => counter.now--);
    const delay = this.delays.get(action);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));

    try {
      this.authenticate(req.method ?? 'GET', url.pathname, query, headers, body);
    } catch (error) {
      const e = error as ApiError;
      this.rejected.push({ code: e.code, message: e.message });
      this.sendError(res, record, e);
      return;
    }

    if (this.denied.has(action)) {
      this.sendError(
        res,
        record,
        new ApiError(
          403,
          'Forbidden.RAM',
          "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        ),
      );
      return;
    }
    const fault = this.faults.get(action)?.shift();
    if (fault) {
      this.sendFault(res, record, action, fault);
      return;
    }
    try {
      const result = this.dispatch(action, params);
      record.status = 200;
      this.send(res, 200, JSON.stringify(result));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.sendError(res, record, error);
    }
  }

  private send(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId() });
    res.end(text);
  }

  private sendError(res: ServerResponse, record: RecordedRequest, error: ApiError): void {
    record.status = error.status;
    const body = {
      RequestId: requestId(),
      HostId: HOST_ID,
      Code: error.code,
      Message: error.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=Ecs`,
    };
    this.send(res, error.status, JSON.stringify(body));
  }

  private sendFault(res: ServerResponse, record: RecordedRequest, action: string, fault: Fault): void {
    switch (fault) {
      case 'throttle':
        return this.sendError(
          res,
          record,
          new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
        );
      case 'server-error':
        return this.sendError(
          res,
          record,
          new ApiError(
            500,
            'InternalError',
            'The request processing has failed due to some unknown error, exception or failure.',
          ),
        );
      case 'unavailable':
        return this.sendError(
          res,
          record,
          new ApiError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
        );
      case 'hang':
        record.status = -1;
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      case 'malformed':
        record.status = 200;
        return this.send(
          res,
          200,
          `{"RequestId":"${requestId()}","${action === 'DescribeSecurityGroups' ? 'SecurityGroups' : 'Permissions'}":{"`,
        );
      case 'wrong-shape':
        record.status = 200;
        return this.send(res, 200, JSON.stringify({ RequestId: requestId() }));
      case 'echo-headers': {
        const quoted = Object.entries(record.headers)
          .map(([name, value]) => `${name}: ${value}`)
          .join('; ');
        return this.sendError(
          res,
          record,
          new ApiError(
            400,
            'IncompleteSignature',
            `The request signature does not conform to Aliyun standards. Request headers: ${quoted}`,
          ),
        );
      }
      case 'wrong-type': {
        record.status = 200;
        const container =
          { DescribeSecurityGroups: 'SecurityGroups', DescribeSecurityGroupAttribute: 'Permissions' }[action] ??
          'NetworkInterfaceSets';
        return this.send(res, 200, JSON.stringify({ RequestId: requestId(), [container]: 'none' }));
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // ACS3-HMAC-SHA256

  private authenticate(
    method: string,
    pathname: string,
    query: Record<string, string>,
    headers: Record<string, string>,
    body: Buffer,
  ): void {
    const incomplete = (what: string) =>
      new ApiError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: ${what}.`);
    const authorization = headers.authorization;
    if (!authorization) throw new ApiError(400, 'MissingAuthorization', 'Authorization is mandatory for this action.');
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (!match)
      throw incomplete('the Authorization header is not ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…');
    const [, accessKeyId, signedHeaderList, signature] = match as unknown as [string, string, string, string];
    if (accessKeyId !== this.credentials.accessKeyId)
      throw new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    for (const name of [
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (!headers[name]) throw incomplete(`header ${name} is missing`);
    }
    const signed = signedHeaderList.split(';');
    for (const name of [
      'host',
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (!signed.includes(name)) throw incomplete(`header ${name} is not signed`);
    }
    if (headers['x-acs-version'] !== (VERSIONS[headers['x-acs-action'] ?? ''] ?? API_VERSION))
      throw new ApiError(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    const date = Date.parse(headers['x-acs-date'] ?? '');
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(headers['x-acs-date'] ?? '') || Number.isNaN(date)) {
      throw new ApiError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    }
    if (Math.abs(Date.now() - date) > 15 * 60_000)
      throw new ApiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (
      this.credentials.securityToken !== undefined &&
      headers['x-acs-security-token'] !== this.credentials.securityToken
    ) {
      throw new ApiError(400, 'InvalidSecurityToken.Mismatch', 'Specified SecurityToken is invalid.');
    }
    if (headers['x-acs-content-sha256'] !== sha256Hex(body))
      throw incomplete('x-acs-content-sha256 is not the hash of the body');

    const canonicalQuery = Object.keys(query)
      .sort()
      .map((key) => `${percentEncode(key)}=${percentEncode(query[key] ?? '')}`)
      .join('&');
    const canonicalHeaders = [...signed]
      .sort()
      .map((name) => `${name}:${(headers[name] ?? '').trim()}\n`)
      .join('');
    const canonicalRequest = [
      method,
      pathname || '/',
      canonicalQuery,
      canonicalHeaders,
      signed.join(';'),
      headers['x-acs-content-sha256'],
    ].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
    const expected = createHmac('sha256', this.credentials.accessKeySecret).update(stringToSign).digest('hex');
    if (expected !== signature)
      throw new ApiError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');

    const nonce = headers['x-acs-signature-nonce'] ?? '';
    if (this.nonces.has(nonce))
      throw new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.add(nonce);
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  private dispatch(action: string, params: Record<string, string>): Record<string, unknown> {
    switch (action) {
      case 'GetCallerIdentity':
        return this.callerIdentity();
      case 'DescribeSecurityGroups':
        return this.describeSecurityGroups(params);
      case 'DescribeSecurityGroupAttribute':
        return this.describeSecurityGroupAttribute(params);
      case 'DescribeInstances':
        return this.describeInstances(params);
      case 'DescribeLaunchTemplates':
        return this.describeLaunchTemplates(params);
      case 'DescribeLaunchTemplateVersions':
        return this.describeLaunchTemplateVersions(params);
      case 'DescribeNetworkInterfaces':
        return this.describeNetworkInterfaces(params);
      case 'DescribeScalingConfigurations':
        return this.describeScalingConfigurations(params);
      case 'DescribeEciScalingConfigurations':
        return this.describeEciScalingConfigurations(params);
      case 'DescribePrefixLists':
        return this.describePrefixLists(params);
      case 'DescribePrefixListAttributes':
        return this.describePrefixListAttributes(params);
      case 'DescribePortRangeLists':
        return this.describePortRangeLists(params);
      case 'DescribePortRangeListEntries':
        return this.describePortRangeListEntries(params);
      case 'AuthorizeSecurityGroup':
        return this.idempotent(action, params, () => this.authorize(params, 'ingress'));
      case 'AuthorizeSecurityGroupEgress':
        return this.idempotent(action, params, () => this.authorize(params, 'egress'));
      case 'RevokeSecurityGroup':
        return this.idempotent(action, params, () => this.revoke(params, 'ingress'));
      case 'RevokeSecurityGroupEgress':
        return this.idempotent(action, params, () => this.revoke(params, 'egress'));
      default:
        throw new ApiError(
          404,
          'InvalidAction.NotFound',
          'Specified api is not found, please check your url and method.',
        );
    }
  }

  private region(params: Record<string, string>): string {
    const region = params.RegionId;
    if (!region) throw missing('RegionId');
    return region;
  }

  private group(params: Record<string, string>): FakeGroup {
    const region = this.region(params);
    const id = params.SecurityGroupId;
    if (!id) throw missing('SecurityGroupId');
    const group = this.groups.get(id);
    if (!group || group.RegionId !== region)
      throw new ApiError(404, 'InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.');
    return group;
  }

  /** MaxResults within [min, max]; `clamp` where the API documents clamping, else an error outside it. */
  private maxResults(
    params: Record<string, string>,
    fallback: number,
    min: number,
    max: number,
    clamp: boolean,
  ): number {
    const text = params.MaxResults;
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value)) throw invalid('MaxResults');
    if (clamp) return value < min ? fallback : Math.min(value, max);
    if (value < min || value > max) throw invalid('MaxResults');
    return value;
  }

  private offset(params: Record<string, string>, cursorKind: string, scope: string): number {
    const token = params.NextToken;
    if (token === undefined || token === '') return 0;
    const cursor = decodeToken(token);
    if (cursor.k !== cursorKind || cursor.s !== scope || typeof cursor.o !== 'number') throw invalid('NextToken');
    return cursor.o;
  }

  private describeSecurityGroups(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const size = this.maxResults(params, 10, 1, 100, false);
    const all = [...this.groups.values()].filter((g) => g.RegionId === region);
    const from = this.offset(params, 'sg', region);
    const page = all.slice(from, from + size);
    const body: Record<string, unknown> = {
      RequestId: requestId(),
      RegionId: region,
      SecurityGroups: {
        SecurityGroup: page.map((g) => ({
          SecurityGroupId: g.SecurityGroupId,
          SecurityGroupName: g.SecurityGroupName,
          Description: g.Description,
          VpcId: g.VpcId,
          SecurityGroupType: g.SecurityGroupType,
          CreationTime: g.CreationTime,
          ResourceGroupId: '',
          ServiceManaged: false,
          RuleCount: g.rules.length,
          GroupToGroupRuleCount: g.rules.filter((r) => r.SourceGroupId || r.DestGroupId).length,
          Tags: { Tag: [] },
        })),
      },
    };
    // "If NextToken is not returned, the current page is the last page."
    if (from + size < all.length) body.NextToken = encodeToken({ k: 'sg', s: region, o: from + size });
    return body;
  }

  private describeSecurityGroupAttribute(params: Record<string, string>): Record<string, unknown> {
    const group = this.group(params);
    const direction = (params.Direction ?? 'all').toLowerCase();
    if (!['all', 'ingress', 'egress'].includes(direction)) throw invalid('Direction');
    const size = this.maxResults(params, 500, 10, 1000, false);
    const rules = group.rules.filter((r) => direction === 'all' || r.Direction === direction);
    const scope = `${group.SecurityGroupId}/${direction}`;
    const from = this.offset(params, 'sgr', scope);
    const more = from + size < rules.length;
    return {
      RequestId: requestId(),
      RegionId: group.RegionId,
      SecurityGroupId: group.SecurityGroupId,
      SecurityGroupName: group.SecurityGroupName,
      Description: group.Description,
      VpcId: group.VpcId,
      InnerAccessPolicy: group.InnerAccessPolicy,
      NextToken: more ? encodeToken({ k: 'sgr', s: scope, o: from + size }) : '',
      Permissions: { Permission: rules.slice(from, from + size).map((r) => ({ ...r })) },
    };
  }

  private describeNetworkInterfaces(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    // Documented: below 10 (or unset) means 10, above 500 means 500.
    const size = this.maxResults(params, 10, 10, 500, true);
    const { items, NextToken } = this.tokenPage(params, 'eni', region, size, this.interfaces);
    return {
      RequestId: requestId(),
      NextToken,
      NetworkInterfaceSets: {
        NetworkInterfaceSet: items.map((i) => ({
          NetworkInterfaceId: i.NetworkInterfaceId,
          Status: 'InUse',
          VpcId: i.VpcId,
          VSwitchId: 'vsw-bp16usj2p27htro3****',
          ZoneId: `${region}-g`,
          PrivateIpAddress: '172.17.0.1',
          MacAddress: '00:16:3e:12:**:**',
          InstanceId: i.InstanceId,
          Type: i.Type,
          CreationTime: '2024-01-02T03:04:05Z',
          ResourceGroupId: '',
          ServiceManaged: false,
          SecurityGroupIds: { SecurityGroupId: [...i.SecurityGroupIds] },
          PrivateIpSets: { PrivateIpSet: [] },
          Ipv6Sets: { Ipv6Set: [] },
          Tags: { Tag: [] },
        })),
      },
    };
  }

  /** One NextToken page of `all` (the token names the cursor kind and scope it belongs to). */
  private slicePage<T>(
    params: Record<string, string>,
    cursor: string,
    scope: string,
    size: number,
    all: T[],
  ): { items: T[]; NextToken: string } {
    const from = this.offset(params, cursor, scope);
    const more = from + size < all.length;
    return {
      items: all.slice(from, from + size),
      NextToken: more ? encodeToken({ k: cursor, s: scope, o: from + size }) : '',
    };
  }

  /** One NextToken page of the region's interfaces. */
  private tokenPage(
    params: Record<string, string>,
    cursor: string,
    region: string,
    size: number,
    interfaces: FakeInterface[],
  ): { items: FakeInterface[]; NextToken: string } {
    return this.slicePage(
      params,
      cursor,
      region,
      size,
      interfaces.filter((i) => i.RegionId === region),
    );
  }

  /** The instances of the primary interfaces, as DescribeInstances documents them (MaxResults: below 10 means 10, above 100 means 100). */
  private describeInstances(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const size = this.maxResults(params, 10, 10, 100, true);
    const primary = this.interfaces.filter((i) => i.Type === 'Primary');
    const { items, NextToken } = this.tokenPage(params, 'instance', region, size, primary);
    return {
      RequestId: requestId(),
      NextToken,
      Instances: {
        Instance: items.map((i) => ({
          InstanceId: i.InstanceId,
          RegionId: region,
          Status: 'Running',
          InstanceNetworkType: 'vpc',
          InternetMaxBandwidthOut: i.PublicIpAddress.length > 0 ? 5 : 0,
          PublicIpAddress: { IpAddress: [...i.PublicIpAddress] },
          EipAddress: { IpAddress: i.EipAddress, AllocationId: i.EipAddress ? `eip-${hex(20)}` : '' },
          SecurityGroupIds: { SecurityGroupId: [...i.SecurityGroupIds] },
          VpcAttributes: { VpcId: i.VpcId, PrivateIpAddress: { IpAddress: ['172.17.0.1'] } },
          NetworkInterfaces: {
            NetworkInterface: this.interfaces
              .filter((n) => n.InstanceId === i.InstanceId && n.RegionId === region)
              .map((n) => ({ NetworkInterfaceId: n.NetworkInterfaceId, Type: n.Type, PrimaryIpAddress: '172.17.0.1' })),
          },
        })),
      },
    };
  }

  /** Page-numbered, as the API documents it: PageNumber from 1, PageSize default 10 (at most 50 here). */
  private pageOf<T>(params: Record<string, string>, all: T[]): { items: T[]; PageNumber: number; PageSize: number } {
    const number = Number(params.PageNumber ?? '1');
    const size = Number(params.PageSize ?? '10');
    if (!Number.isInteger(number) || number < 1) throw invalid('PageNumber');
    if (!Number.isInteger(size) || size < 1 || size > 50) throw invalid('PageSize');
    return { items: all.slice((number - 1) * size, number * size), PageNumber: number, PageSize: size };
  }

  /** One page-numbered answer: TotalCount, PageNumber, PageSize and the page's items as `outer.inner[]`. */
  private numberedAnswer<T>(
    params: Record<string, string>,
    all: T[],
    [outer, inner]: [string, string],
    shape: (item: T) => Record<string, unknown>,
  ): Record<string, unknown> {
    const { items, PageNumber, PageSize } = this.pageOf(params, all);
    return {
      RequestId: requestId(),
      TotalCount: all.length,
      PageNumber,
      PageSize,
      [outer]: { [inner]: items.map(shape) },
    };
  }

  private describeLaunchTemplates(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const all = this.launchTemplates.filter((t) => t.RegionId === region);
    return this.numberedAnswer(params, all, ['LaunchTemplateSets', 'LaunchTemplateSet'], (t) => ({
      LaunchTemplateId: t.LaunchTemplateId,
      LaunchTemplateName: t.LaunchTemplateName,
      DefaultVersionNumber: 1,
      LatestVersionNumber: t.versions.length,
      CreatedBy: '1234567890',
    }));
  }

  private describeLaunchTemplateVersions(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const id = params.LaunchTemplateId;
    if (!id && !params.LaunchTemplateName) throw missing('LaunchTemplateId');
    const template = this.launchTemplates.find(
      (t) => t.RegionId === region && (t.LaunchTemplateId === id || t.LaunchTemplateName === params.LaunchTemplateName),
    );
    if (!template)
      throw new ApiError(404, 'InvalidLaunchTemplate.NotFound', 'The specified launch template does not exist.');
    const all = template.versions.map((v, n) => ({ ...v, VersionNumber: n + 1 }));
    return this.numberedAnswer(params, all, ['LaunchTemplateVersionSets', 'LaunchTemplateVersionSet'], (v) => ({
      LaunchTemplateId: template.LaunchTemplateId,
      LaunchTemplateName: template.LaunchTemplateName,
      VersionNumber: v.VersionNumber,
      DefaultVersion: v.VersionNumber === 1,
      LaunchTemplateData: {
        ...namedGroupFields(v.SecurityGroupIds),
        InternetMaxBandwidthOut: v.InternetMaxBandwidthOut,
        NetworkInterfaces: { NetworkInterface: [] },
      },
    }));
  }

  private describeScalingConfigurations(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const all = this.scalingConfigurations.filter((c) => c.RegionId === region);
    return this.numberedAnswer(params, all, ['ScalingConfigurations', 'ScalingConfiguration'], (c) => ({
      ScalingConfigurationId: c.ScalingConfigurationId,
      ScalingConfigurationName: c.ScalingConfigurationName,
      ScalingGroupId: c.ScalingGroupId,
      LifecycleState: c.LifecycleState,
      InstanceType: 'ecs.g7.large',
      ImageId: 'aliyun_3_x64_20G_alibase_20240528.vhd',
      CreationTime: '2024-01-02T03:04Z',
      ...namedGroupFields(c.SecurityGroupIds),
      InternetChargeType: 'PayByTraffic',
      InternetMaxBandwidthIn: 200,
      InternetMaxBandwidthOut: c.InternetMaxBandwidthOut,
      NetworkInterfaces: {
        NetworkInterface: c.NetworkInterfaces.map((n) => ({
          InstanceType: n.InstanceType,
          NetworkInterfaceTrafficMode: 'Standard',
          Ipv6AddressCount: 0,
          SecurityGroupIds: { SecurityGroupId: [...n.SecurityGroupIds] },
        })),
      },
    }));
  }

  private describeEciScalingConfigurations(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    const all = this.eciScalingConfigurations.filter((c) => c.RegionId === region);
    return this.numberedAnswer(params, all, ['ScalingConfigurations', 'ScalingConfiguration'], (c) => ({
      ScalingConfigurationId: c.ScalingConfigurationId,
      ScalingConfigurationName: c.ScalingConfigurationName,
      ScalingGroupId: c.ScalingGroupId,
      RegionId: c.RegionId,
      LifecycleState: c.LifecycleState,
      CreationTime: '2024-01-02T03:04Z',
      ContainerGroupName: `${c.ScalingConfigurationName}-pod`,
      SecurityGroupId: c.SecurityGroupId,
      Cpu: 2,
      Memory: 4,
      RestartPolicy: 'Always',
      AutoCreateEip: c.AutoCreateEip,
      EipBandwidth: c.EipBandwidth,
      Ipv6AddressCount: c.Ipv6AddressCount,
      Containers: { Container: [{ Name: 'app', Image: 'registry.example/app:1', Cpu: 2, Memory: 4 }] },
    }));
  }

  /** `Name.1`, `Name.2` … (the RPC style of repeated parameters). */
  private repeated(params: Record<string, string>, name: string): string[] {
    const values: string[] = [];
    for (let n = 1; params[`${name}.${n}`] !== undefined; n++) values.push(params[`${name}.${n}`] ?? '');
    if (values.length > 100) throw invalid(name);
    return values;
  }

  /** One page of the lists of the region that this account sees (narrowed by `Name.N` ids), with NextToken. */
  private listPage<T extends { RegionId: string; foreign?: boolean }>(
    params: Record<string, string>,
    lists: T[],
    idField: keyof T & string,
    cursor: string,
  ): { items: T[]; NextToken: string } {
    const region = this.region(params);
    const size = Math.min(this.maxResults(params, 10, 1, 100, false), this.listPageCap);
    const ids = this.repeated(params, idField);
    const all = lists.filter(
      (l) => l.RegionId === region && !l.foreign && (ids.length === 0 || ids.includes(String(l[idField]))),
    );
    return this.slicePage(params, cursor, `${region}/${ids.join(',')}`, size, all);
  }

  private describePrefixLists(params: Record<string, string>): Record<string, unknown> {
    const { items, NextToken } = this.listPage(params, this.prefixLists, 'PrefixListId', 'pl');
    return {
      RequestId: requestId(),
      NextToken,
      PrefixLists: {
        PrefixList: items.map((l) => ({
          PrefixListId: l.PrefixListId,
          PrefixListName: l.PrefixListName,
          AddressFamily: l.AddressFamily,
          MaxEntries: Math.max(10, l.cidrs.length),
          Description: '',
          CreationTime: '2024-01-02T03:04Z',
          AssociationCount: 1,
          ResourceGroupId: '',
          Tags: { Tag: [] },
        })),
      },
    };
  }

  private describePrefixListAttributes(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    if (!params.PrefixListId) throw missing('PrefixListId');
    const list = this.prefixLists.find(
      (l) => l.PrefixListId === params.PrefixListId && l.RegionId === region && !l.foreign,
    );
    if (!list) throw new ApiError(404, 'InvalidPrefixListId.NotFound', 'The specified prefix list was not found.');
    return {
      RequestId: requestId(),
      PrefixListId: list.PrefixListId,
      PrefixListName: list.PrefixListName,
      AddressFamily: list.AddressFamily,
      MaxEntries: Math.max(10, list.cidrs.length),
      Description: '',
      CreationTime: '2024-01-02T03:04Z',
      Entries: { Entry: list.cidrs.map((Cidr) => ({ Cidr, Description: '' })) },
    };
  }

  private describePortRangeLists(params: Record<string, string>): Record<string, unknown> {
    const { items, NextToken } = this.listPage(params, this.portLists, 'PortRangeListId', 'prl');
    return {
      RequestId: requestId(),
      NextToken,
      PortRangeLists: items.map((l) => ({
        PortRangeListId: l.PortRangeListId,
        PortRangeListName: l.PortRangeListName,
        Description: '',
        MaxEntries: Math.max(20, l.ranges.length),
        CreationTime: '2024-12-04T07:11Z',
        AssociationCount: 1,
        ResourceGroupId: '',
        Tags: [],
      })),
    };
  }

  private describePortRangeListEntries(params: Record<string, string>): Record<string, unknown> {
    const region = this.region(params);
    if (!params.PortRangeListId) throw missing('PortRangeListId');
    const list = this.portLists.find(
      (l) => l.PortRangeListId === params.PortRangeListId && l.RegionId === region && !l.foreign,
    );
    if (!list)
      throw new ApiError(400, 'InvalidPortRangeListId.NotFound', 'The specified port range list was not found.');
    return { RequestId: requestId(), Entries: list.ranges.map((PortRange) => ({ PortRange, Description: '' })) };
  }

  /** ClientToken: the same token with the same parameters answers as before and changes nothing. */
  /** As the STS 2015-04-01 reference documents it, for a RAM user of the account. */
  private callerIdentity(): Record<string, unknown> {
    const userId = '216959339000' + this.accountId.slice(-4);
    return {
      IdentityType: 'RAMUser',
      AccountId: this.accountId,
      RequestId: requestId(),
      PrincipalId: userId,
      UserId: userId,
      Arn: `acs:ram::${this.accountId}:user/warden`,
    };
  }

  private idempotent(
    action: string,
    params: Record<string, string>,
    work: () => Record<string, unknown>,
  ): Record<string, unknown> {
    const token = params.ClientToken;
    if (!token) return work();
    const key = `${action}\u0000${token}`;
    const { ClientToken: _token, ...rest } = params;
    const fingerprint = JSON.stringify(Object.entries(rest).sort());
    const known = this.tokens.get(key);
    if (known) {
      if (known.fingerprint !== fingerprint)
        throw new ApiError(
          400,
          'IdempotentParameterMismatch',
          'The request uses the same client token as a previous, but non-identical request.',
        );
      return known.body;
    }
    const body = work();
    this.tokens.set(key, { fingerprint, body });
    return body;
  }

  /** Permissions.N.* (or the deprecated top-level fields) → listed rules. */
  private permissionsOf(params: Record<string, string>): Record<string, string>[] {
    const list: Record<string, string>[] = [];
    for (let n = 1; ; n++) {
      const prefix = `Permissions.${n}.`;
      const fields = Object.entries(params).filter(([k]) => k.startsWith(prefix));
      if (fields.length === 0) break;
      list.push(Object.fromEntries(fields.map(([k, v]) => [k.slice(prefix.length), v])));
    }
    if (list.length === 0 && params.IpProtocol !== undefined) list.push({ ...params });
    if (list.length === 0) throw missing('Permissions');
    return list;
  }

  private authorize(params: Record<string, string>, direction: 'ingress' | 'egress'): Record<string, unknown> {
    const group = this.group(params);
    const requested = this.permissionsOf(params).map((p, i) => this.validPermission(p, direction, i + 1));
    for (const fields of requested) {
      const identity = identityOf(fields, direction);
      if (group.rules.some((r) => r.Direction === direction && identityOf(r, direction) === identity)) continue; // exists: no rule added
      this.addPermission(group.SecurityGroupId, { ...fields, Direction: direction });
    }
    return { RequestId: requestId() };
  }

  private validPermission(
    p: Record<string, string>,
    direction: 'ingress' | 'egress',
    n: number,
  ): Record<string, string> {
    const field = (name: string) => `Permissions.${n}.${name}`;
    const protocol = PROTOCOLS[(p.IpProtocol ?? '').toLowerCase()];
    if (!protocol)
      throw p.IpProtocol
        ? new ApiError(400, 'InvalidIpProtocol.Malformed', 'Specified IP protocol is not valid.')
        : missing(field('IpProtocol'));
    let portRange = p.PortRange ?? '';
    const portList = portRange === '' && (protocol === 'TCP' || protocol === 'UDP') ? (p.PortRangeListId ?? '') : '';
    if (portList !== '') {
      if (!this.portLists.some((l) => l.PortRangeListId === portList && !l.foreign))
        throw new ApiError(400, 'InvalidPortRangeListId.NotFound', 'The specified port range list was not found.');
      portRange = '-1/-1';
    } else if (protocol === 'TCP' || protocol === 'UDP') {
      const m = /^(\d+)\/(\d+)$/.exec(portRange);
      const from = Number(m?.[1]);
      const to = Number(m?.[2]);
      if (!m || from < 1 || to > 65535 || from > to)
        throw new ApiError(400, 'InvalidIpPortRange.Malformed', 'Specified IP port range is not valid.');
    } else {
      if (portRange === '') portRange = '-1/-1';
      if (portRange !== '-1/-1')
        throw new ApiError(400, 'InvalidIpPortRange.Malformed', 'Specified IP port range is not valid.');
    }
    const peers = PEERS[direction].filter((name) => (p[name] ?? '') !== '');
    if (peers.length !== 1)
      throw new ApiError(
        400,
        'InvalidParam.Source',
        `Exactly one of ${PEERS[direction].join(', ')} must be specified.`,
      );
    const policyText = (p.Policy ?? 'accept').toLowerCase();
    if (policyText !== 'accept' && policyText !== 'drop')
      throw new ApiError(400, 'InvalidPolicy.Malformed', 'Specified parameter Policy is not valid.');
    const priority = p.Priority ?? '1';
    if (!/^\d+$/.test(priority) || Number(priority) < 1 || Number(priority) > 100)
      throw new ApiError(400, 'InvalidPriority.Malformed', 'Specified parameter Priority is not valid.');
    const out: Record<string, string> = {
      IpProtocol: protocol,
      PortRange: portRange,
      Policy: policyText === 'drop' ? 'Drop' : 'Accept',
      Priority: String(Number(priority)),
      Description: p.Description ?? '',
      ...(portList === '' ? {} : { PortRangeListId: portList }),
    };
    for (const name of [
      ...PEERS[direction],
      direction === 'ingress' ? 'SourceGroupOwnerAccount' : 'DestGroupOwnerAccount',
    ]) {
      if (p[name]) out[name] = p[name];
    }
    return out;
  }

  private revoke(params: Record<string, string>, direction: 'ingress' | 'egress'): Record<string, unknown> {
    const group = this.group(params);
    const ids: string[] = [];
    for (let n = 1; params[`SecurityGroupRuleId.${n}`] !== undefined; n++)
      ids.push(params[`SecurityGroupRuleId.${n}`] ?? '');
    if (ids.length === 0) throw missing('SecurityGroupRuleId');
    for (const id of ids) {
      if (!group.rules.some((r) => r.SecurityGroupRuleId === id && r.Direction === direction)) {
        throw new ApiError(
          400,
          'InvalidParam.SecurityGroupRuleId',
          `The specified parameter SecurityGroupRuleId "${id}" is not valid.`,
        );
      }
    }
    group.rules = group.rules.filter((r) => !ids.includes(r.SecurityGroupRuleId ?? ''));
    return { RequestId: requestId() };
  }
}

/** One group as `SecurityGroupId`, several as `SecurityGroupIds.SecurityGroupId[]` (as a launch template or scaling configuration lists them). */
function namedGroupFields(ids: string[]): Record<string, unknown> {
  return {
    SecurityGroupId: ids.length === 1 ? ids[0] : '',
    SecurityGroupIds: { SecurityGroupId: ids.length === 1 ? [] : [...ids] },
  };
}

/** Alibaba's identity of a rule: protocol, port range, peer and policy (not priority or description). */
function identityOf(rule: Record<string, string>, direction: 'ingress' | 'egress'): string {
  const peer = PEERS[direction].map((name) => rule[name] ?? '').join('|');
  return [
    (rule.IpProtocol ?? '').toUpperCase(),
    rule.PortRange,
    rule.PortRangeListId ?? '',
    peer,
    (rule.Policy ?? '').toLowerCase(),
  ].join('#');
}
