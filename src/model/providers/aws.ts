import { z } from 'zod';
import { region, scanTuning } from './config-parts.ts';
import type { ProviderDescriptor } from './descriptor.ts';

// The member-account template (docs/member-account-role.yml) requires an external id.
const EXTERNAL_ID_REQUIRED =
  'is required with a member role (the WardenAudit/WardenApply roles require it: docs/member-account-role.yml)';
const requiredExternalId = z
  .string({ error: (issue) => (issue.input === undefined ? EXTERNAL_ID_REQUIRED : undefined) })
  .regex(/^[\w+=,.@:/-]{2,1224}$/, 'is not an STS external id (2-1224 of letters, digits and +=,.@:/-)');
const externalId = requiredExternalId.optional();

const awsConfigSchema = z
  .object({
    /** Accounts to read: the default credentials' own account, or one reached through a role. */
    accounts: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^\d{12}$/, 'is not a 12-digit AWS account id')
              .optional(),
            /** The member account's read-only role (WardenAudit). */
            roleArn: z.string().startsWith('arn:').optional(),
            /** The member account's role that may change its security groups (WardenApply); default: roleArn. */
            applyRoleArn: z.string().startsWith('arn:').optional(),
            externalId,
          })
          .strict()
          .refine((a) => a.externalId !== undefined || (a.roleArn === undefined && a.applyRoleArn === undefined), {
            path: ['externalId'],
            message: EXTERNAL_ID_REQUIRED,
          }),
      )
      .default([{}]),
    /** Also audit every ACTIVE account of the AWS Organization, through a role of this name in each. */
    organization: z
      .object({
        roleName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/, 'is not an IAM role name')
          .default('WardenAudit'),
        applyRoleName: z
          .string()
          .regex(/^[\w+=,.@-]{1,64}$/, 'is not an IAM role name')
          .default('WardenApply'),
        /** The Organization's id: the deployment may assume the member roles only in its accounts (aws:ResourceOrgID). */
        id: z
          .string()
          .regex(/^o-[a-z0-9]{10,32}$/, 'is not an AWS Organization id (o-…)')
          .optional(),
        externalId: requiredExternalId,
        /** Account ids left out (the management account, sandboxes). */
        exclude: z.array(z.string().regex(/^\d{12}$/, 'is not a 12-digit AWS account id')).default([]),
      })
      .strict()
      .optional(),
    regions: z.array(region).min(1),
    ...scanTuning,
  })
  .strict()
  .optional();

/** AWS EC2 security groups: allow-only, every group on an interface unioned. */
export const aws: ProviderDescriptor<'aws', typeof awsConfigSchema> = {
  name: 'aws',
  title: 'AWS',
  defaultApi: 'ec2',
  apis: {
    ec2: {
      allowOnly: true,
      priorities: { min: 1, max: 1 },
      peerKinds: ['cidr', 'group'],
      addressSetPeers: ['prefix-list'],
      referencesCarryFamily: false,
      uniquePriorities: false,
      multiGroup: 'union',
    },
  },
  implicitRules: () => [],
  configSchema: awsConfigSchema,
  // Credentials come from the function's role and the member roles it assumes: no stored keys.
  launchSources: [
    { kind: 'launch-template', checked: 'no launch template version names it', unread: 'launch templates' },
    { kind: 'launch-configuration', checked: 'no launch configuration names it', unread: 'launch configurations' },
  ],
  secretNames: [],
  implicitSection: { regionsNotFrom: 'AWS_REGION and the profile’s region' },
  // One account and region, through the member role or the default credentials, with no Organizations discovery.
  sectionForScope: (section, scope, role) => {
    const account = role?.roleArn
      ? { id: scope.account, roleArn: role.roleArn, ...(role.externalId ? { externalId: role.externalId } : {}) }
      : { id: scope.account };
    const { organization: _discovery, ...rest } = section;
    return { ...rest, accounts: [account], regions: [scope.region] };
  },
};
