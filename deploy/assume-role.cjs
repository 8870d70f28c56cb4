'use strict';
// serverless.yml's sts:AssumeRole statements, read from the packaged config (WARDEN_CONFIG_FILE) at
// package time: the deployment may assume the member roles the config names, or, with
// providers.aws.organization, the role of that name in the Organization's accounts only
// (aws:ResourceOrgID). With no member accounts, assuming any role is denied. The config has been
// validated by deploy/check-config.ts; a missing organization id stops packaging here.
/** The statements for `use` ('audit': scan and realtime; 'apply'): one to three, never empty. */
function assumeRoleStatements(config, use) {
  const aws = (config && config.providers && config.providers.aws) || {};
  const roles = (aws.accounts || [{}])
    .map((account) => (use === 'apply' ? account.applyRoleArn || account.roleArn : account.roleArn))
    .filter(Boolean);
  const statements = [];
  if (roles.length > 0)
    statements.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [...new Set(roles)].sort() });
  const org = aws.organization;
  if (org) {
    if (!org.id)
      throw new Error(
        'providers.aws.organization.id: is required to deploy (the organization id, o-…, limits sts:AssumeRole to its accounts)',
      );
    const name = use === 'apply' ? org.applyRoleName || 'WardenApply' : org.roleName || 'WardenAudit';
    statements.push({
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/${name}` },
      Condition: { StringEquals: { 'aws:ResourceOrgID': org.id } },
    });
  }
  if (statements.length === 0) statements.push({ Effect: 'Deny', Action: ['sts:AssumeRole'], Resource: '*' });
  return statements;
}

module.exports = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const file = await resolveConfigurationProperty(['custom', 'configFile']);
  // osls's own file source reads the config (YAML or JSON), relative to the project.
  const config = await resolveVariable(`file(${String(file)})`);
  return { audit: assumeRoleStatements(config, 'audit'), apply: assumeRoleStatements(config, 'apply') };
};
module.exports.assumeRoleStatements = assumeRoleStatements;
