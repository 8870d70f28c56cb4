import { declarePermissions } from '../common/permissions.ts';
import { HUAWEI_PERMISSIONS } from '../huawei/permissions.ts';

// What each Open Telekom Cloud call of adapters/otc needs of IAM (docs/policies/otc-read.json and
// otc-write.json): Huawei Cloud's VPC action names, the same for VPC v3 and Neutron v2.0.

// OTC reads its EIPs as Neutron floating IPs, not through Huawei's EIP listing.
const { ListPublicips: _eips, ...huaweiVpcOperations } = HUAWEI_PERMISSIONS.operations;

export const OTC_PERMISSIONS = declarePermissions({
  operations: {
    ...huaweiVpcOperations,
    // OTC's EIPs through Neutron: "Querying Floating IP Addresses" (GET /v2.0/floatingips).
    ListFloatingIps: { access: 'read', permissions: ['vpc:floatingIps:get'] },
    ObtainToken: {
      access: 'read',
      permissions: [],
      none: "a user's own token (password credentials): IAM asks for no policy",
    },
  },
  uses: {
    // The scopes are the configured projects: no call.
    scopes: [],
    // With password credentials every call first needs a token; 'auto' tries VPC v3, then Neutron v2.0.
    read: [
      'ObtainToken',
      'ListSecurityGroups',
      'ListSecurityGroupRules',
      'ListAddressGroup',
      'ListPorts',
      'ListFloatingIps',
    ],
    // Which API the project has is learned with a one-record listing first ('auto').
    addRule: ['ObtainToken', 'ListSecurityGroups', 'CreateSecurityGroupRule'],
    removeRule: ['ObtainToken', 'ListSecurityGroups', 'DeleteSecurityGroupRule'],
  },
});
