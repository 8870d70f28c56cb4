import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback fake of the EC2 Query API (and STS GetCallerIdentity) that really paginates, for
// what moto does not do: pages of the requested MaxResults with NextToken, throttling
// (RequestLimitExceeded, HTTP 503), a 500, a request that never answers. Requests are POSTs,
// form-encoded (Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=1000&NextToken=…);
// answers are XML in EC2's own shape, element names as the SDK's schema reads them
// (@aws-sdk/client-ec2 schemas: securityGroupInfo, securityGroupRuleSet, networkInterfaceSet,
// prefixListSet, entrySet, nextToken; items as <item>). Managed prefix lists page at most 100
// results, as EC2's DescribeManagedPrefixLists / GetManagedPrefixListEntries do.

/** echo-headers: a 400 whose message quotes every request header back (Authorization, X-Amz-Security-Token …). */
export type Fault =
  | 'throttle'
  | 'server-error'
  | 'hang'
  | 'auth-failure-echoing-key'
  | 'echo-headers'
  | 'stuck-token'
  | 'access-denied'
  | 'not-found';

export interface FakePrefixList {
  id: string;
  name: string;
  family: 'IPv4' | 'IPv6';
  /** `AWS` for an AWS-managed list. */
  owner: string;
  version: number;
  entries: string[];
  /** Ids of groups whose ingress rules name the list (tcp/22). */
  usedBy: string[];
}

export interface FakeRequest {
  action: string;
  maxResults: number | undefined;
  nextToken: string | undefined;
  /** 1-based page the request asked for (from its NextToken). */
  page: number;
  /** HTTP status answered, or 'hung'. */
  status: number | 'hung';
  /** The request carried a SigV4 Authorization header (its value is never kept). */
  signed: boolean;
}

export interface FakeEc2Options {
  account?: string;
  groups?: number;
  /** Interfaces, each attached to one or two groups. */
  interfaces?: number;
  /** Prefix lists the account can describe; their `usedBy` groups get an SSH rule naming them. */
  prefixLists?: FakePrefixList[];
  /** Ids of lists rules name but no description lists (another account's, or deleted): their entries answer empty, as moto does. */
  undescribedPrefixLists?: { id: string; usedBy: string[] }[];
}

export interface FakeEc2 {
  endpoint: string;
  account: string;
  groupIds: string[];
  ruleIds: string[];
  interfaceIds: string[];
  requests: FakeRequest[];
  /** The most requests that were open at once. */
  maxInFlight: number;
  /**
   * The next `times` requests for `action` (only those for page `page`, if given) answer with
   * `fault`; `times: Infinity` for always.
   */
  inject(action: string, fault: Fault, options?: { times?: number; page?: number; prefixListId?: string }): void;
  /** Forgets the injected faults and the recorded requests. */
  reset(): void;
  stop(): Promise<void>;
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const AUTOSCALING_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `<name>value</name>` for each defined field; nested XML passes through. */
function fields(
  values: Record<string, string | number | boolean | undefined>,
  raw: Record<string, string> = {},
): string {
  const simple = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${escape(String(v))}</${k}>`);
  return (
    simple.join('') +
    Object.entries(raw)
      .map(([k, v]) => `<${k}>${v}</${k}>`)
      .join('')
  );
}

const items = (list: string[]): string => list.map((x) => `<item>${x}</item>`).join('');

interface Listing {
  element: string;
  items: string[];
}

export async function startFakeEc2(options: FakeEc2Options = {}): Promise<FakeEc2> {
  const account = options.account ?? '123456789012';
  const groupCount = options.groups ?? 2500;
  const interfaceCount = options.interfaces ?? 1200;
  const vpc = 'vpc-0fa4e0c1d2b3a4958';
  const hex = (n: number) => n.toString(16).padStart(17, '0');
  const groupIds = Array.from({ length: groupCount }, (_, i) => `sg-${hex(0x1000 + i)}`);
  const ruleIds: string[] = [];
  const groupItems: string[] = [];
  const ruleItems: string[] = [];
  groupIds.forEach((groupId, i) => {
    const port = 1024 + (i % 50000);
    const cidr = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
    const ingress = fields(
      { ipProtocol: 'tcp', fromPort: port, toPort: port },
      {
        groups: '',
        ipRanges: items([fields({ cidrIp: cidr, description: `app ${i}` })]),
        ipv6Ranges: '',
        prefixListIds: '',
      },
    );
    const egress = fields(
      { ipProtocol: '-1' },
      { groups: '', ipRanges: items([fields({ cidrIp: '0.0.0.0/0' })]), ipv6Ranges: '', prefixListIds: '' },
    );
    groupItems.push(
      fields(
        {
          ownerId: account,
          groupId,
          groupName: `group-${i}`,
          groupDescription: `fake group ${i}`,
          vpcId: vpc,
          securityGroupArn: `arn:aws:ec2:eu-west-1:${account}:security-group/${groupId}`,
        },
        { ipPermissions: items([ingress]), ipPermissionsEgress: items([egress]), tagSet: '' },
      ),
    );
    for (const [n, egressRule] of [
      [0, false],
      [1, true],
    ] as const) {
      const ruleId = `sgr-${hex(0x100000 + i * 2 + n)}`;
      ruleIds.push(ruleId);
      ruleItems.push(
        fields(
          egressRule
            ? {
                securityGroupRuleId: ruleId,
                groupId,
                groupOwnerId: account,
                isEgress: true,
                ipProtocol: '-1',
                fromPort: -1,
                toPort: -1,
                cidrIpv4: '0.0.0.0/0',
              }
            : {
                securityGroupRuleId: ruleId,
                groupId,
                groupOwnerId: account,
                isEgress: false,
                ipProtocol: 'tcp',
                fromPort: port,
                toPort: port,
                cidrIpv4: cidr,
                description: `app ${i}`,
              },
          { tagSet: '' },
        ),
      );
    }
  });
  const interfaceIds = Array.from({ length: interfaceCount }, (_, i) => `eni-${hex(0x2000 + i)}`);
  const interfaceItems = interfaceIds.map((id, i) => {
    const attached = [
      groupIds[i % groupIds.length],
      ...(i % 3 === 0 ? [groupIds[(i * 7 + 1) % groupIds.length]] : []),
    ] as string[];
    return fields(
      {
        networkInterfaceId: id,
        subnetId: 'subnet-0a1b2c3d4e5f60718',
        vpcId: vpc,
        availabilityZone: 'eu-west-1a',
        ownerId: account,
        status: 'in-use',
        privateIpAddress: `10.9.${(i >> 8) & 255}.${i & 255}`,
        interfaceType: 'interface',
      },
      {
        groupSet: items(attached.map((g) => fields({ groupId: g, groupName: `group-${groupIds.indexOf(g)}` }))),
        tagSet: '',
      },
    );
  });
  const prefixLists = options.prefixLists ?? [];
  const listRefs = [...prefixLists, ...(options.undescribedPrefixLists ?? [])];
  listRefs.forEach((list, n) =>
    list.usedBy.forEach((groupId, k) => {
      const ruleId = `sgr-${hex(0x900000 + n * 1000 + k)}`;
      ruleIds.push(ruleId);
      ruleItems.push(
        fields(
          {
            securityGroupRuleId: ruleId,
            groupId,
            groupOwnerId: account,
            isEgress: false,
            ipProtocol: 'tcp',
            fromPort: 22,
            toPort: 22,
            prefixListId: list.id,
          },
          { tagSet: '' },
        ),
      );
    }),
  );
  const prefixListItems = prefixLists.map((list) =>
    fields(
      {
        prefixListId: list.id,
        addressFamily: list.family,
        state: 'create-complete',
        prefixListArn: `arn:aws:ec2:eu-west-1:${list.owner}:prefix-list/${list.id}`,
        prefixListName: list.name,
        maxEntries: Math.max(1, list.entries.length),
        version: list.version,
        ownerId: list.owner,
      },
      { tagSet: '' },
    ),
  );
  const listings: Record<string, Listing> = {
    DescribeSecurityGroups: { element: 'securityGroupInfo', items: groupItems },
    DescribeSecurityGroupRules: { element: 'securityGroupRuleSet', items: ruleItems },
    DescribeNetworkInterfaces: { element: 'networkInterfaceSet', items: interfaceItems },
    DescribeManagedPrefixLists: { element: 'prefixListSet', items: prefixListItems },
    // No launch templates: the listing answers empty, so no DescribeLaunchTemplateVersions follows.
    DescribeLaunchTemplates: { element: 'launchTemplates', items: [] },
  };
  /** GetManagedPrefixListEntries lists one list's entries; an id it does not know answers empty (as moto does). */
  const entriesOf = (id: string): Listing => ({
    element: 'entrySet',
    items: (prefixLists.find((l) => l.id === id)?.entries ?? []).map((cidr, i) =>
      fields({ cidr, description: `entry ${i}` }),
    ),
  });
  const PREFIX_LIST_ACTIONS = new Set(['DescribeManagedPrefixLists', 'GetManagedPrefixListEntries']);

  const faults: { action: string; fault: Fault; times: number; page?: number; prefixListId?: string }[] = [];
  const requests: FakeRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const ec2Error = (response: ServerResponse, status: number, code: string, message: string) => {
    response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
    );
  };

  const handle = (request: IncomingMessage, body: string, response: ServerResponse) => {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    const maxText = form.get('MaxResults');
    const maxResults = maxText === null ? undefined : Number(maxText);
    const nextToken = form.get('NextToken') ?? undefined;
    const authorization = request.headers['authorization'];
    const signed = typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256 ');
    const pageSize = maxResults ?? 1000;
    let offset = 0;
    if (nextToken !== undefined) {
      const decoded = /^page-(\d+)$/.exec(Buffer.from(nextToken, 'base64url').toString('utf8'));
      offset = decoded ? Number(decoded[1]) : -1;
    }
    const record: FakeRequest = {
      action,
      maxResults,
      nextToken,
      page: offset >= 0 ? Math.floor(offset / pageSize) + 1 : 0,
      status: 200,
      signed,
    };
    requests.push(record);

    const listId = form.get('PrefixListId') ?? undefined;
    const fault = faults.find(
      (f) =>
        f.times > 0 &&
        f.action === action &&
        (f.page === undefined || f.page === record.page) &&
        (f.prefixListId === undefined || f.prefixListId === listId),
    );
    let stuck = false;
    if (fault) {
      fault.times--;
      switch (fault.fault) {
        case 'throttle':
          record.status = 503;
          return ec2Error(response, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        case 'server-error':
          record.status = 500;
          return ec2Error(response, 500, 'InternalError', 'An internal error has occurred.');
        case 'hang':
          record.status = 'hung';
          hanging.add(response);
          response.on('close', () => hanging.delete(response));
          return;
        case 'auth-failure-echoing-key': {
          // A server that quotes the signing credential back (as some signature errors do).
          record.status = 401;
          const credential =
            /Credential=([^/,]+)/.exec(typeof authorization === 'string' ? authorization : '')?.[1] ?? '';
          return ec2Error(
            response,
            401,
            'AuthFailure',
            `AWS was not able to validate the provided access credentials (${credential})`,
          );
        }
        case 'echo-headers': {
          record.status = 400;
          const quoted = Object.entries(request.headers)
            .map(([name, value]) => `${name}: ${String(value)}`)
            .join('; ');
          return ec2Error(
            response,
            400,
            'InvalidRequest',
            `The request could not be processed. Request headers: ${quoted}`,
          );
        }
        case 'stuck-token':
          // A listing that never advances: every page points back at the first.
          stuck = true;
          break;
        case 'access-denied':
          record.status = 403;
          return ec2Error(response, 403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.');
        case 'not-found':
          record.status = 400;
          return ec2Error(
            response,
            400,
            'InvalidPrefixListID.NotFound',
            `The prefix list ID '${listId ?? ''}' does not exist`,
          );
      }
    }
    if (!signed) {
      record.status = 401;
      return ec2Error(response, 401, 'AuthFailure', 'The request is not signed.');
    }

    if (action === 'AssumeRole') {
      // This fake trusts no role: STS's own answer to a caller the role's trust policy does not name.
      record.status = 403;
      response.writeHead(403, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::${account}:user/warden is not authorized to perform: sts:AssumeRole on resource: ${escape(form.get('RoleArn') ?? '')}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (action === 'GetCallerIdentity') {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/warden</Arn><UserId>AIDAFAKEFAKEFAKEFAKE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      );
      return;
    }
    if (action === 'DescribeLaunchConfigurations') {
      // Auto Scaling's Query API answers in its own namespace: no launch configurations.
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<DescribeLaunchConfigurationsResponse xmlns="${AUTOSCALING_NS}"><DescribeLaunchConfigurationsResult><LaunchConfigurations/></DescribeLaunchConfigurationsResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeLaunchConfigurationsResponse>`,
      );
      return;
    }
    const listing = action === 'GetManagedPrefixListEntries' ? entriesOf(listId ?? '') : listings[action];
    if (!listing) {
      record.status = 400;
      return ec2Error(response, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const [least, most] = PREFIX_LIST_ACTIONS.has(action) ? [1, 100] : [5, 1000];
    if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < least || maxResults > most)) {
      record.status = 400;
      return ec2Error(
        response,
        400,
        'InvalidParameterValue',
        `Value ( ${maxText} ) for parameter maxResults is invalid. Expecting a value between ${least} and ${most}.`,
      );
    }
    if (offset < 0 || offset > listing.items.length) {
      record.status = 400;
      return ec2Error(response, 400, 'InvalidNextToken', 'The token is invalid.');
    }
    const slice = listing.items.slice(offset, offset + pageSize);
    const nextOffset = stuck ? 0 : offset + pageSize < listing.items.length ? offset + pageSize : undefined;
    const next = nextOffset === undefined ? undefined : Buffer.from(`page-${nextOffset}`).toString('base64url');
    response.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}"><requestId>${randomUUID()}</requestId><${listing.element}>${items(slice)}</${listing.element}>${next ? `<nextToken>${next}</nextToken>` : ''}</${action}Response>`,
    );
  };

  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = createServer((request, response) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    response.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    get maxInFlight() {
      return state.maxInFlight;
    },
    endpoint: `http://127.0.0.1:${port}`,
    account,
    groupIds,
    ruleIds,
    interfaceIds,
    requests,
    inject(action, fault, opts = {}) {
      faults.push({
        action,
        fault,
        times: opts.times ?? 1,
        ...(opts.page !== undefined ? { page: opts.page } : {}),
        ...(opts.prefixListId !== undefined ? { prefixListId: opts.prefixListId } : {}),
      });
    },
    reset() {
      faults.length = 0;
      requests.length = 0;
      state.maxInFlight = 0;
    },
    async stop() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
