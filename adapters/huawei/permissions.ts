import { declarePermissions } from '../common/permissions.ts';

// What each Huawei Cloud VPC v3 call of adapters/huawei needs of IAM (the VPC API reference's
// "Permissions and Supported Actions"; docs/policies/huawei-read.json and huawei-write.json).

export const HUAWEI_PERMISSIONS = declarePermissions({
  operations: {
    ListSecurityGroups: { access: 'read', permissions: ['vpc:securityGroups:get'] },
    ListSecurityGroupRules: { access: 'read', permissions: ['vpc:securityGroupRules:get'] },
    ListAddressGroup: { access: 'read', permissions: ['vpc:addressGroups:list'] },
    // VPC "Querying Ports" (GET /v1/{project_id}/ports and Neutron GET /v2.0/ports).
    ListPorts: { access: 'read', permissions: ['vpc:ports:get'] },
    // EIP "Querying EIPs" (GET /v1/{project_id}/publicips).
    ListPublicips: { access: 'read', permissions: ['vpc:publicIps:list'] },
    CreateSecurityGroupRule: { access: 'write', permissions: ['vpc:securityGroupRules:create'] },
    DeleteSecurityGroupRule: { access: 'write', permissions: ['vpc:securityGroupRules:delete'] },
  },
  uses: {
    // The scopes are the configured projects: no call.
    scopes: [],
    read: ['ListSecurityGroups', 'ListSecurityGroupRules', 'ListAddressGroup', 'ListPorts', 'ListPublicips'],
    addRule: ['CreateSecurityGroupRule'],
    removeRule: ['DeleteSecurityGroupRule'],
  },
});
