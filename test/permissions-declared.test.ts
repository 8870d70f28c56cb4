import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALIBABA_PERMISSIONS } from '../adapters/alibaba/permissions.ts';
import { AWS_PERMISSIONS } from '../adapters/aws/permissions.ts';
import { permissionsFor } from '../adapters/common/permissions.ts';
import type { ProviderPermissions } from '../adapters/common/permissions.ts';
import { HUAWEI_PERMISSIONS } from '../adapters/huawei/permissions.ts';
import { OTC_PERMISSIONS } from '../adapters/otc/permissions.ts';
import { ROOT } from './support/cli.ts';

// Each cloud call the adapters make declares the permissions it needs (adapters/<provider>/permissions.ts);
// the IAM that ships — serverless.yml's function roles, docs/member-account-role.yml, docs/policies/* —
// grants exactly what the declared calls of each function need, and the read roles and keys no write.

const DECLARED: Record<'aws' | 'alibaba' | 'huawei' | 'otc', ProviderPermissions> = {
  aws: AWS_PERMISSIONS,
  alibaba: ALIBABA_PERMISSIONS,
  huawei: HUAWEI_PERMISSIONS,
  otc: OTC_PERMISSIONS,
};

/**
 * What each Lambda function does with the adapters: the schedule plans scopes (and lists the
 * Organization's accounts); scan and realtime read (scan also fans out an on-demand audit, as the
 * schedule does); apply re-reads a group and changes it; chart draws and posts the posture chart, no cloud call.
 */
const FUNCTION_USES: Record<string, string[]> = {
  slack: [],
  schedule: ['scopes', 'organizationMembers'],
  scan: ['scopes', 'read', 'organizationMembers'],
  realtime: ['scopes', 'read'],
  apply: ['scopes', 'read', 'addRule', 'removeRule'],
  chart: [],
};
/** The adapter uses the provider keys (and the member roles) serve: read keys read, write keys also fix. */
const READ_USES = ['scopes', 'read'];
const WRITE_USES = ['scopes', 'read', 'addRule', 'removeRule'];

/** The services the adapters call; the functions' own store, queues, secrets and logs are not cloud reads or fixes. */
const CLOUD_SERVICES = /^(ec2|autoscaling|sts|organizations):/;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
}
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** CloudFormation's short tags (!Sub, !GetAtt …) as the long form, so the templates read as plain data. */
const CFN_TAGS = ['Sub', 'Ref', 'GetAtt', 'If', 'Not', 'Equals'].flatMap((name) =>
  (['scalar', 'seq'] as const).map((kind) => ({
    tag: `!${name}`,
    ...(kind === 'seq' ? { collection: 'seq' as const } : {}),
    resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
  })),
);
const readTemplate = async (file: string) =>
  parse(await readFile(join(ROOT, file), 'utf8'), { customTags: CFN_TAGS as never }) as Record<string, unknown>;

/** The sts:AssumeRole statements osls puts where serverless.yml says ${file(./deploy/assume-role.cjs):…}, for a config with a member account. */
const { assumeRoleStatements } = createRequire(import.meta.url)('../deploy/assume-role.cjs') as {
  assumeRoleStatements: (config: unknown, use: string) => Statement[];
};
const MEMBER_CONFIG = {
  providers: {
    aws: {
      accounts: [
        {},
        {
          roleArn: 'arn:aws:iam::111111111111:role/WardenAudit',
          applyRoleArn: 'arn:aws:iam::111111111111:role/WardenApply',
          externalId: 'x1',
        },
      ],
    },
  },
};
const ASSUME_ROLE_FILE = /^\$\{file\(\.\/deploy\/assume-role\.cjs\):(\w+)\}$/;

interface Serverless {
  functions: Record<string, { role: string; environment?: Record<string, string> }>;
  resources: {
    Resources: Record<string, { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] | string } }[] } }>;
  };
}

/** Each function's role statements, the member-role statements resolved as packaging resolves them, and which member role (audit/apply) it assumes. */
async function functionRoles(): Promise<
  Record<string, { statements: Statement[]; memberRole?: string; secretPaths: string[] }>
> {
  const doc = (await readTemplate('serverless.yml')) as unknown as Serverless;
  const out: Record<string, { statements: Statement[]; memberRole?: string; secretPaths: string[] }> = {};
  for (const [fn, { role, environment }] of Object.entries(doc.functions)) {
    const statements: Statement[] = [];
    let memberRole: string | undefined;
    for (const { PolicyDocument } of doc.resources.Resources[role]?.Properties.Policies ?? []) {
      const { Statement } = PolicyDocument;
      if (typeof Statement !== 'string') {
        statements.push(...Statement);
        continue;
      }
      const use = ASSUME_ROLE_FILE.exec(Statement)?.[1];
      if (!use) throw new Error(`${role}: a policy statement list that is not the member roles' file: ${Statement}`);
      memberRole = use;
      statements.push(...assumeRoleStatements(MEMBER_CONFIG, use));
    }
    const secretPaths = String(environment?.['WARDEN_SECRET_PATHS'] ?? '')
      .split(',')
      .map((path) => path.replace(/^\$\{self:custom\.secretsPath\}\//, ''));
    out[fn] = { statements, ...(memberRole ? { memberRole } : {}), secretPaths };
  }
  return out;
}

const granted = (statements: readonly Statement[], only: RegExp = /./): string[] =>
  sorted(
    statements
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actions)
      .filter((a) => only.test(a)),
  );
const writeActions = (declared: ProviderPermissions): Set<string> =>
  new Set(Object.values(declared.operations).flatMap((op) => (op.access === 'write' ? op.permissions : [])));

/** The adapter sources of a provider (its permissions.ts aside). */
async function sources(provider: string): Promise<string> {
  const dir = join(ROOT, 'adapters', provider);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'permissions.ts').sort();
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}

/** The names a source imports (values, not types) from modules matching `from`. */
function importedNames(source: string, from: RegExp): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/^import\s+(?!type\b)(?:\w+\s*,\s*)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    if (!from.test(match[2] ?? '')) continue;
    for (const part of (match[1] ?? '').split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) names.push(name.split(/\s+as\s+/)[0] as string);
    }
  }
  return names;
}
const capitalized = (name: string) => `${name[0]?.toUpperCase()}${name.slice(1)}`;
const matches = (source: string, pattern: RegExp): string[] => [...source.matchAll(pattern)].map((m) => m[1] as string);

/**
 * The API operations each adapter's code calls, read from the code (how each SDK names a call):
 * AWS SDK v3 commands and paginators; Alibaba request classes, `…WithOptions` calls and the `action`
 * of a generic OpenAPI call; Huawei SDK request classes and client methods; OTC's own client, whose
 * every request is an ApiCall with the API reference's operation `name` (or the IAM token request).
 * The runs against the fakes below name what actually reached each API.
 */
async function calledOperations(provider: keyof typeof DECLARED): Promise<string[]> {
  const source = await sources(provider);
  if (provider === 'aws') {
    return importedNames(source, /^@aws-sdk\/client-/).flatMap((name) => {
      const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
      return operation ? [operation] : [];
    });
  }
  if (provider === 'alibaba') {
    const requests = importedNames(source, /^@alicloud\/ecs/).flatMap((name) => matches(name, /^(\w+)Request$/g));
    return [
      ...requests,
      ...matches(source, /\.(\w+)WithOptions\(/g).map(capitalized),
      ...matches(source, /\baction: '([A-Z]\w+)'/g),
    ];
  }
  if (provider === 'huawei') {
    const requests = importedNames(source, /^@huaweicloud\/huaweicloud-sdk-vpc\//).flatMap((name) =>
      matches(name, /^(\w+)Request$/g),
    );
    // Calls on a path no generated client has name their operation (`operation: 'ListPublicips'`).
    return [
      ...requests,
      ...matches(source, /\bclient\.(\w+)\(/g).map(capitalized),
      ...matches(source, /\boperation: '([A-Z]\w+)'/g),
    ];
  }
  return [...matches(source, /\bname: '([A-Z]\w+)'/g), ...matches(source, /`OTC IAM (\w+) /g)];
}

describe('every cloud call the adapters make declares its permissions', () => {
  for (const provider of Object.keys(DECLARED) as (keyof typeof DECLARED)[]) {
    it(`${provider}: the operations the code calls are exactly the declared ones, and each use names declared operations`, async () => {
      const declared = DECLARED[provider];
      const called = sorted(await calledOperations(provider));
      expect(
        called.length,
        `${provider}: no call found in adapters/${provider}: the way its calls are recognised needs updating`,
      ).toBeGreaterThan(0);
      const names = Object.keys(declared.operations);
      expect(
        called.filter((op) => !names.includes(op)),
        `adapters/${provider} calls these without a declaration in adapters/${provider}/permissions.ts`,
      ).toEqual([]);
      expect(
        names.filter((op) => !called.includes(op)),
        `adapters/${provider}/permissions.ts declares operations adapters/${provider} no longer calls`,
      ).toEqual([]);
      for (const [use, operations] of Object.entries(declared.uses)) {
        for (const op of operations) expect(names, `${provider} ${use}`).toContain(op);
      }
      // Each operation is used somewhere, and an empty permission list says why none is needed.
      const used = new Set(Object.values(declared.uses).flat());
      for (const [name, op] of Object.entries(declared.operations)) {
        expect(used.has(name), `${provider} ${name} is in no use`).toBe(true);
        if (op.permissions.length === 0)
          expect(op.none, `${provider} ${name} needs no permission: say why`).toMatch(/\S/);
      }
    });
  }

  it('no use reaches a write unless it is addRule or removeRule', () => {
    for (const [provider, declared] of Object.entries(DECLARED)) {
      for (const use of Object.keys(declared.uses).filter((u) => u !== 'addRule' && u !== 'removeRule')) {
        expect(permissionsFor(declared, [use], { access: 'write' }), `${provider} ${use}`).toEqual([]);
      }
    }
  });
});

describe("serverless.yml: each function's role grants exactly the AWS actions its declared calls need", () => {
  it('EC2, Auto Scaling, STS and Organizations actions per function: no more, no less; EC2 writes only on security groups, only in apply', async () => {
    const roles = await functionRoles();
    expect(Object.keys(roles).sort()).toEqual(Object.keys(FUNCTION_USES).sort());
    const writes = writeActions(AWS_PERMISSIONS);
    for (const [fn, { statements }] of Object.entries(roles)) {
      const uses = FUNCTION_USES[fn] as string[];
      expect(granted(statements, CLOUD_SERVICES), fn).toEqual(permissionsFor(AWS_PERMISSIONS, uses));
      for (const s of statements.filter((s) => s.Effect === 'Allow' && actions(s).some((a) => writes.has(a)))) {
        expect(fn, `${fn} may change security groups`).toBe('apply');
        expect(JSON.stringify(s.Resource), fn).toMatch(/:security-group\/\*"/);
        expect(
          actions(s).every((a) => writes.has(a)),
          `${fn}: a write statement grants only writes`,
        ).toBe(true);
      }
    }
  });

  it('the provider keys each function reads serve its declared calls: read keys where it only reads, write keys where it fixes', async () => {
    for (const [fn, { secretPaths }] of Object.entries(await functionRoles())) {
      const uses = FUNCTION_USES[fn] as string[];
      const fixes = uses.includes('addRule') || uses.includes('removeRule');
      expect(secretPaths.includes('providers/write'), `${fn} holds the write keys`).toBe(fixes);
      // Listing scopes calls the provider too (Alibaba's account from its keys, Huawei's and OTC's clients need them).
      expect(secretPaths.includes('providers/read'), `${fn} holds the read keys`).toBe(
        !fixes && (uses.includes('read') || uses.includes('scopes')),
      );
    }
  });
});

describe('docs/member-account-role.yml: the member roles grant exactly what the calls made through them need', () => {
  it('WardenAudit: the reads, no write; WardenApply: the reads and the security-group writes; each trusted by the functions that assume it', async () => {
    const doc = (await readTemplate('docs/member-account-role.yml')) as {
      Resources: Record<
        string,
        {
          Properties: {
            AssumeRolePolicyDocument: { Statement: { Principal: { AWS: unknown } }[] };
            Policies: { PolicyDocument: { Statement: Statement[] } }[];
          };
        }
      >;
    };
    const roles = await functionRoles();
    const expected = {
      WardenAudit: { uses: READ_USES, assumedAs: 'audit' },
      WardenApply: { uses: WRITE_USES, assumedAs: 'apply' },
    };
    for (const [role, { uses, assumedAs }] of Object.entries(expected)) {
      const properties = doc.Resources[role]?.Properties;
      const statements = properties?.Policies.flatMap((p) => p.PolicyDocument.Statement) ?? [];
      expect(granted(statements), role).toEqual(permissionsFor(AWS_PERMISSIONS, uses, { memberRole: true }));
      const trusted = JSON.stringify(properties?.AssumeRolePolicyDocument.Statement.map((s) => s.Principal.AWS));
      const assumers = Object.entries(roles)
        .filter(([, r]) => r.memberRole === assumedAs)
        .map(([fn]) => fn);
      expect(assumers.length, role).toBeGreaterThan(0);
      for (const fn of Object.keys(roles))
        expect(trusted.includes(`-${fn}"`), `${role} trusts ${fn}`).toBe(assumers.includes(fn));
    }
    const writes = writeActions(AWS_PERMISSIONS);
    const audit = doc.Resources['WardenAudit']?.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement) ?? [];
    expect(granted(audit).filter((a) => writes.has(a))).toEqual([]);
  });
});

describe('docs/member-account-role.yml: Security Hub import is opt-in (AllowSecurityHubImport)', () => {
  it('defaults to false, and only when true does WardenAudit get exactly what importing findings needs', async () => {
    const doc = (await readTemplate('docs/member-account-role.yml')) as {
      Parameters: Record<string, { Default?: string; AllowedValues?: string[] }>;
      Conditions: Record<string, unknown>;
      Resources: Record<
        string,
        {
          Type: string;
          Condition?: string;
          Properties: { RoleName?: unknown; PolicyDocument?: { Statement: Statement[] } };
        }
      >;
    };
    expect(doc.Parameters['AllowSecurityHubImport']).toMatchObject({
      Default: 'false',
      AllowedValues: ['true', 'false'],
    });
    const imports = Object.entries(doc.Resources).filter(([, r]) => JSON.stringify(r).includes('securityhub:'));
    expect(imports.map(([name]) => name)).toEqual(['WardenAuditSecurityHubImport']);
    const [, policy] = imports[0] as [string, (typeof doc.Resources)[string]];
    expect(policy.Type).toBe('AWS::IAM::RolePolicy');
    expect(policy.Properties.RoleName).toEqual({ 'Fn::Ref': 'WardenAudit' });
    // The condition compares the parameter with 'true' (the short tags parse as YAML nodes: compared as JSON).
    expect(JSON.parse(JSON.stringify(doc.Conditions[policy.Condition as string]))).toEqual({
      'Fn::Equals': [{ 'Fn::Ref': 'AllowSecurityHubImport' }, 'true'],
    });
    expect(granted(policy.Properties.PolicyDocument?.Statement ?? [])).toEqual(
      permissionsFor(AWS_PERMISSIONS, ['importFindings'], { memberRole: true }),
    );
  });
});

describe('docs/policies/*: the provider keys grant exactly what the calls made with them need', () => {
  const policy = async (file: string) =>
    (JSON.parse(await readFile(join(ROOT, 'docs', 'policies', file), 'utf8')) as { Statement: Statement[] }).Statement;

  for (const provider of ['alibaba', 'huawei', 'otc'] as const) {
    it(`${provider}-read.json: the reads of scan and realtime; ${provider}-write.json: apply's re-reads and the rule writes, and nothing else`, async () => {
      const declared = DECLARED[provider];
      const read = await policy(`${provider}-read.json`);
      const write = await policy(`${provider}-write.json`);
      for (const s of [...read, ...write]) expect(s.Effect, provider).toBe('Allow');
      expect(granted(read), `${provider}-read.json`).toEqual(permissionsFor(declared, READ_USES));
      expect(granted(write), `${provider}-write.json`).toEqual(permissionsFor(declared, WRITE_USES));
      const writes = writeActions(declared);
      expect(
        granted(read).filter((a) => writes.has(a)),
        `${provider}-read.json writes`,
      ).toEqual([]);
      // RAM names the resource of a write: security groups, in a statement of writes only. Huawei's and OTC's
      // custom VPC policies are project-level (no Resource element): the project is the limit there.
      for (const s of write.filter((s) => actions(s).some((a) => writes.has(a)))) {
        if (provider === 'alibaba') expect(s.Resource, provider).toBe('acs:ecs:*:*:securitygroup/*');
        else expect(s.Resource, provider).toBeUndefined();
        if (s.Resource !== undefined)
          expect(
            actions(s).every((a) => writes.has(a)),
            `${provider}-write.json: the security-group statement grants only writes`,
          ).toBe(true);
      }
    });
  }
});
