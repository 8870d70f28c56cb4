import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback fake of Security Hub's BatchImportFindings (REST-JSON, POST /findings/import) that
// enforces the documented rules moto does not (BatchImportFindings API reference and the user
// guide's "BatchImportFindings for finding providers"):
// - at most 100 findings per request: more is an InvalidInputException for the whole request;
// - a finding over 240 KB is not imported: it is in FailedFindings;
// - the caller must be the account in the finding's AwsAccountId (default product ARN): the caller is
//   the account its SigV4 access key belongs to (`accounts` maps keys to accounts); another
//   account's finding is in FailedFindings as AccessDeniedException, and an unknown key is refused;
// - ProductArn is `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`, with
//   the region the request was signed for and the caller's account;
// - after a finding is created, a provider's import may not set Workflow, Note, UserDefinedFields or
//   VerificationState (the customer's), nor change the top-level Severity, Confidence,
//   Criticality, RelatedFindings or Types (FindingProviderFields carries the provider's values):
//   such a finding is in FailedFindings and the stored one is unchanged;
// - the required top-level attributes must be there.
// Findings are stored by ProductArn and Id: a re-import updates, never duplicates.
// It also answers STS AssumeRole (Query API, POST /) for the member roles it is given, with session
// keys that belong to the role's account, so findings can be imported through a member role.

export const MAX_FINDINGS_PER_CALL = 100;
export const MAX_FINDING_BYTES = 240 * 1024;

/** The required top-level attributes (Security Hub user guide, "Required top-level ASFF attributes"); Types and Severity may come in FindingProviderFields. */
export const ASFF_REQUIRED = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Title',
  'UpdatedAt',
] as const;
const CUSTOMER_FIELDS = ['Workflow', 'Note', 'UserDefinedFields', 'VerificationState'] as const;
const PROVIDER_VIA_FINDING_PROVIDER_FIELDS = ['Severity', 'Confidence', 'Criticality', 'RelatedFindings', 'Types'];

export interface StoredFinding {
  finding: Record<string, unknown>;
  /** How many imports created or updated it. */
  imports: number;
}

export interface ImportCall {
  account: string;
  region: string;
  findings: number;
  failed: number;
}

export interface FakeSecurityHub {
  endpoint: string;
  /** Every stored finding, by `ProductArn|Id`. */
  findings: Map<string, StoredFinding>;
  calls: ImportCall[];
  /** What a customer's BatchUpdateFindings would do: set a customer field of a stored finding. */
  customerUpdate(id: string, fields: Record<string, unknown>): void;
  stop(): Promise<void>;
}

interface Failure {
  Id: string;
  ErrorCode: string;
  ErrorMessage: string;
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

/** The access key and region of a SigV4 Authorization header (`Credential=AKID/date/region/service/aws4_request`). */
function signer(req: IncomingMessage): { key: string; region: string } | undefined {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/securityhub\/aws4_request/.exec(req.headers.authorization ?? '');
  return match ? { key: match[1] as string, region: match[2] as string } : undefined;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const PRODUCT_ARN = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;

function check(
  finding: Record<string, unknown>,
  caller: { account: string; region: string },
  stored: StoredFinding | undefined,
): Failure | undefined {
  const id = typeof finding['Id'] === 'string' ? finding['Id'] : '';
  const fail = (ErrorCode: string, ErrorMessage: string): Failure => ({ Id: id, ErrorCode, ErrorMessage });
  const bytes = Buffer.byteLength(JSON.stringify(finding));
  if (bytes > MAX_FINDING_BYTES) return fail('InvalidInput', `Finding size exceeded 240 KB (${bytes} bytes)`);
  const absent = ASFF_REQUIRED.filter((name) => finding[name] === undefined || finding[name] === '');
  if (absent.length) return fail('InvalidInput', `Finding is missing required attributes: ${absent.join(', ')}`);
  if (finding['AwsAccountId'] !== caller.account)
    return fail(
      'AccessDeniedException',
      `Account ${caller.account} cannot import findings for account ${String(finding['AwsAccountId'])}`,
    );
  const arn = PRODUCT_ARN.exec(String(finding['ProductArn']));
  if (!arn || arn[3] !== arn[4]) return fail('InvalidInput', `Invalid ProductArn ${String(finding['ProductArn'])}`);
  if (arn[2] !== caller.region || arn[3] !== caller.account)
    return fail(
      'AccessDeniedException',
      `ProductArn ${String(finding['ProductArn'])} is not the default product of ${caller.account} in ${caller.region}`,
    );
  if (stored) {
    const customer = CUSTOMER_FIELDS.filter((name) => finding[name] !== undefined);
    if (customer.length)
      return fail(
        'InvalidInput',
        `BatchImportFindings cannot update ${customer.join(', ')} of an existing finding (BatchUpdateFindings is for that)`,
      );
    const changed = PROVIDER_VIA_FINDING_PROVIDER_FIELDS.filter(
      (name) => finding[name] !== undefined && JSON.stringify(finding[name]) !== JSON.stringify(stored.finding[name]),
    );
    if (changed.length)
      return fail(
        'InvalidInput',
        `A finding provider updates ${changed.join(', ')} through FindingProviderFields, not the top-level attributes`,
      );
  }
  return undefined;
}

/** Security Hub fills in what the provider may leave out, on creation only. */
function created(finding: Record<string, unknown>): Record<string, unknown> {
  const fields = (finding['FindingProviderFields'] ?? {}) as Record<string, unknown>;
  return {
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    ...(fields['Severity'] && !finding['Severity'] ? { Severity: fields['Severity'] } : {}),
    ...(fields['Types'] && !finding['Types'] ? { Types: fields['Types'] } : {}),
    ...finding,
  };
}

/** An update keeps what the customer set (Workflow, Note …) and the top-level fields the provider did not send. */
function updated(stored: Record<string, unknown>, finding: Record<string, unknown>): Record<string, unknown> {
  return { ...stored, ...finding };
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** STS AssumeRole of a known member role (by ARN, with its external id): session keys of the role's account. */
function assumeRole(
  form: URLSearchParams,
  caller: string | undefined,
  roles: Record<string, { externalId: string }>,
  accounts: Record<string, string>,
): { status: number; xml: string } {
  const roleArn = form.get('RoleArn') ?? '';
  const role = roles[roleArn];
  const account = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1];
  if (!caller || !role || !account || form.get('ExternalId') !== role.externalId)
    return {
      status: 403,
      xml: `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
    };
  const key = `ASIA${account}SESSION`;
  accounts[key] = account;
  const expires = new Date(Date.now() + 3600_000).toISOString();
  return {
    status: 200,
    xml: `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>fake-session-secret</SecretAccessKey><SessionToken>fake-session-token</SessionToken><Expiration>${expires}</Expiration></Credentials><AssumedRoleUser><Arn>${roleArn}/warden-audit</Arn><AssumedRoleId>AROAFAKE:warden-audit</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

/**
 * `accounts`: access key → the account it belongs to (the caller Security Hub sees); `roles`: member
 * roles STS may assume (by ARN), each with the external id it requires.
 */
export async function startFakeSecurityHub(
  accounts: Record<string, string>,
  roles: Record<string, { externalId: string }> = {},
): Promise<FakeSecurityHub> {
  const findings = new Map<string, StoredFinding>();
  const calls: ImportCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const text = await body(req);
      const form = new URLSearchParams(text);
      if (req.method === 'POST' && req.url === '/' && form.get('Action') === 'AssumeRole') {
        const key = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
        const answer = assumeRole(form, key && accounts[key] ? key : undefined, roles, accounts);
        res.writeHead(answer.status, { 'content-type': 'text/xml' });
        return res.end(answer.xml);
      }
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/findings/import')
        return send(
          res,
          404,
          { Message: `${req.method} ${req.url} is not BatchImportFindings` },
          'ResourceNotFoundException',
        );
      const signed = signer(req);
      const account = signed ? accounts[signed.key] : undefined;
      if (!signed || !account)
        return send(
          res,
          403,
          { Message: 'The security token included in the request is invalid.' },
          'UnrecognizedClientException',
        );
      const request = JSON.parse(text) as { Findings?: Record<string, unknown>[] };
      const batch = request.Findings ?? [];
      if (batch.length === 0 || batch.length > MAX_FINDINGS_PER_CALL)
        return send(
          res,
          400,
          { Message: `Findings must hold 1 to ${MAX_FINDINGS_PER_CALL} findings (got ${batch.length})` },
          'InvalidInputException',
        );
      const caller = { account, region: signed.region };
      const failed: Failure[] = [];
      for (const finding of batch) {
        const key = `${String(finding['ProductArn'])}|${String(finding['Id'])}`;
        const stored = findings.get(key);
        const failure = check(finding, caller, stored);
        if (failure) failed.push(failure);
        else if (stored) findings.set(key, { finding: updated(stored.finding, finding), imports: stored.imports + 1 });
        else findings.set(key, { finding: created(finding), imports: 1 });
      }
      calls.push({ account, region: signed.region, findings: batch.length, failed: failed.length });
      send(res, 200, {
        FailedCount: failed.length,
        SuccessCount: batch.length - failed.length,
        FailedFindings: failed,
      });
    })().catch((error: unknown) => send(res, 500, { Message: String(error) }, 'InternalException'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    findings,
    calls,
    customerUpdate(id, fields) {
      for (const [key, stored] of findings)
        if (key.endsWith(`|${id}`)) findings.set(key, { ...stored, finding: { ...stored.finding, ...fields } });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
