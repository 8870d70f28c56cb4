import { isRecord } from '../../src/lib/record.ts';
import type { Rule } from '../../src/model/types.ts';
import type { Scope } from '../../src/ports/live.ts';
import { OtcApiError } from './client.ts';
import type { ApiCall, OtcClient } from './client.ts';
import { neutronRuleBody, OtcRuleError, v3RuleBody } from './encode.ts';
import { resolveApi } from './read.ts';

// The two writes remediation needs, through the API the scope has: create one encoded rule (its
// id from the answer), delete one by id.

const ruleId = (groupId: string, rule: Rule): string => {
  if (rule.native.derivedId || rule.native.ruleId === '') {
    throw new OtcRuleError(`rule ${rule.native.ruleId || '(no id)'} has no OTC rule id and cannot be removed`);
  }
  const raw = rule.native.raw;
  const owner = isRecord(raw) ? raw.security_group_id : undefined;
  if (typeof owner === 'string' && owner !== '' && owner !== groupId) {
    throw new OtcRuleError(`rule ${rule.native.ruleId} belongs to security group ${owner}, not ${groupId}`);
  }
  return rule.native.ruleId;
};

export async function addOtcRule(otc: OtcClient, scope: Scope, groupId: string, rule: Rule): Promise<string> {
  otc.checkScope(scope);
  const api = await resolveApi(otc, scope);
  const body = api === 'vpc-v3' ? v3RuleBody(groupId, rule) : neutronRuleBody(groupId, rule);
  const call: ApiCall =
    api === 'vpc-v3'
      ? {
          api,
          name: 'CreateSecurityGroupRule',
          method: 'POST',
          path: ['v3', scope.account, 'vpc', 'security-group-rules'],
          body,
        }
      : { api, name: 'CreateSecurityGroupRule', method: 'POST', path: ['v2.0', 'security-group-rules'], body };
  const answer = await otc.callApi(scope, call);
  const created = isRecord(answer) && isRecord(answer.security_group_rule) ? answer.security_group_rule.id : undefined;
  if (typeof created !== 'string' || created === '') {
    throw new OtcApiError(
      `OTC ${scope.region} ${api} CreateSecurityGroupRule: the response carries no security_group_rule.id; re-read the group`,
      {
        kind: 'malformed',
        api,
      },
    );
  }
  return created;
}

export async function removeOtcRule(otc: OtcClient, scope: Scope, groupId: string, rule: Rule): Promise<void> {
  otc.checkScope(scope);
  const id = ruleId(groupId, rule);
  const api = await resolveApi(otc, scope);
  const path =
    api === 'vpc-v3' ? ['v3', scope.account, 'vpc', 'security-group-rules', id] : ['v2.0', 'security-group-rules', id];
  await otc.callApi(scope, { api, name: 'DeleteSecurityGroupRule', method: 'DELETE', path });
}
