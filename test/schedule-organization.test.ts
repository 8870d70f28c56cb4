import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planScopes } from '../functions/schedule.ts';
import { roleForAccount } from '../adapters/aws/roles.ts';
import { configSchema } from '../src/config/schema.ts';
import { configForScope } from '../src/config/scoped.ts';
import { motoClientConfig, motoEnv, setProcessEnv, startMoto } from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Multi-account fan-out: the schedule lists the Organization's ACTIVE accounts (Organizations on
// moto_server) and plans one scope per account × region, each with the member role that reaches
// it; the scan and apply functions then use exactly that role, with no discovery of their own.

const REGIONS = ['eu-west-1', 'us-east-1'];
const OWN = '123456789012';

let moto: Moto;
let restoreEnv: () => void = () => undefined;
let organizations: OrganizationsClient;
const members: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  restoreEnv = setProcessEnv(motoEnv(moto.endpoint, 'us-east-1'));
  organizations = new OrganizationsClient(motoClientConfig(moto.endpoint, 'us-east-1'));
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  for (const name of ['prod', 'staging', 'sandbox']) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const status = await organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: CreateAccountStatus?.Id }),
    );
    members.push(status.CreateAccountStatus?.AccountId as string);
  }
}, 60_000);

afterAll(async () => {
  organizations?.destroy();
  restoreEnv();
  await moto?.stop();
});

describe('schedule: accounts from AWS Organizations', () => {
  it('plans one scope per ACTIVE account × region with its WardenAudit role, leaving out excluded accounts', async () => {
    const sandbox = members[2] as string;
    const config = configSchema.parse({
      providers: { aws: { regions: REGIONS, organization: { exclude: [sandbox], externalId: 'warden-ext' } } },
    });
    const scopes = await planScopes(config, process.env, organizations);
    const expected = [OWN, ...members.filter((m) => m !== sandbox)].flatMap((account) =>
      REGIONS.map((region) => `${account}/${region}`),
    );
    expect(scopes.map((s) => `${s.account}/${s.region}`).sort()).toEqual(expected.sort());
    // The deployment's own account is read with the function's own credentials (it is the Organization's management account on moto).
    for (const scope of scopes.filter((s) => s.account === OWN)) expect(scope.roleArn).toBeUndefined();
    for (const scope of scopes.filter((s) => s.account !== OWN)) {
      expect(scope).toMatchObject({
        type: 'scope',
        provider: 'aws',
        roleArn: `arn:aws:iam::${scope.account}:role/WardenAudit`,
        externalId: 'warden-ext',
      });
    }
    expect(scopes.some((s) => s.account === sandbox)).toBe(false);
  });

  it('reaches a member account for a fix through WardenApply, and for reading through WardenAudit, without discovery', () => {
    const config = configSchema.parse({
      providers: {
        aws: { regions: REGIONS, organization: { roleName: 'Audit', applyRoleName: 'Fix', externalId: 'warden-ext' } },
      },
    });
    const member = members[0] as string;
    expect(roleForAccount(config, member, 'read')).toEqual({
      roleArn: `arn:aws:iam::${member}:role/Audit`,
      externalId: 'warden-ext',
    });
    expect(roleForAccount(config, member, 'apply')).toEqual({
      roleArn: `arn:aws:iam::${member}:role/Fix`,
      externalId: 'warden-ext',
    });
    const scoped = configForScope(
      config,
      { provider: 'aws', account: member, region: 'us-east-1' },
      roleForAccount(config, member, 'apply'),
    );
    expect(scoped.providers.aws).toMatchObject({
      accounts: [{ id: member, roleArn: `arn:aws:iam::${member}:role/Fix` }],
      regions: ['us-east-1'],
    });
    expect(scoped.providers.aws?.organization).toBeUndefined();
  });

  it('uses a listed account’s own roles before the Organization’s names', () => {
    const member = members[1] as string;
    const config = configSchema.parse({
      providers: {
        aws: {
          regions: REGIONS,
          accounts: [
            {},
            {
              roleArn: `arn:aws:iam::${member}:role/ReadOnly`,
              applyRoleArn: `arn:aws:iam::${member}:role/Writer`,
              externalId: 'warden-ext',
            },
          ],
          organization: { externalId: 'warden-ext' },
        },
      },
    });
    expect(roleForAccount(config, member, 'read')?.roleArn).toBe(`arn:aws:iam::${member}:role/ReadOnly`);
    expect(roleForAccount(config, member, 'apply')?.roleArn).toBe(`arn:aws:iam::${member}:role/Writer`);
    expect(roleForAccount(config, OWN, 'read', OWN)).toBeUndefined();
    expect(roleForAccount(config, OWN, 'read')?.roleArn).toBe(`arn:aws:iam::${OWN}:role/WardenAudit`);
  });
});
