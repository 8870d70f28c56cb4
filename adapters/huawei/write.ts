import {
  CreateSecurityGroupRuleRequest,
  CreateSecurityGroupRuleRequestBody,
  DeleteSecurityGroupRuleRequest,
} from '@huaweicloud/huaweicloud-sdk-vpc/v3/public-api.js';
import { isRecord } from '../../src/lib/record.ts';
import type { Rule } from '../../src/model/types.ts';
import type { Scope } from '../../src/ports/live.ts';
import type { HuaweiClient } from './client.ts';
import { HuaweiApiError } from './client.ts';
import { createOption } from './encode.ts';
import { show } from './normalize.ts';

// The two writes remediation needs: create one encoded rule (its id from the answer), delete one.

export async function addHuaweiRule(hw: HuaweiClient, scope: Scope, groupId: string, rule: Rule): Promise<string> {
  const option = createOption(groupId, rule);
  const { status, body } = await hw.limiterFor(scope.region)(() =>
    hw.call(scope, 'CreateSecurityGroupRule', 'create', (client) =>
      client.createSecurityGroupRule(
        new CreateSecurityGroupRuleRequest().withBody(
          new CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(option),
        ),
      ),
    ),
  );
  const created = body.security_group_rule;
  const id = isRecord(created) ? created.id : undefined;
  if (typeof id !== 'string' || id === '')
    throw hw.malformed(scope, 'CreateSecurityGroupRule', status, 'no security_group_rule.id', body);
  return id;
}

export async function removeHuaweiRule(hw: HuaweiClient, scope: Scope, groupId: string, rule: Rule): Promise<void> {
  if (rule.native.derivedId || rule.native.ruleId === '') {
    throw new Error(
      `${hw.where(scope)}: cannot remove a rule of group ${groupId} without its provider rule id (${show(rule.native.ruleId)} is derived)`,
    );
  }
  try {
    await hw.limiterFor(scope.region)(() =>
      hw.call(scope, 'DeleteSecurityGroupRule', 'delete', (client) =>
        client.deleteSecurityGroupRule(
          new DeleteSecurityGroupRuleRequest().withSecurityGroupRuleId(rule.native.ruleId),
        ),
      ),
    );
  } catch (error) {
    // The VPC service says the rule is not there (e.g. an earlier attempt was applied but its answer
    // was lost): the goal holds. A 404 from the gateway itself (APIG.*: no such API) is an error.
    if (error instanceof HuaweiApiError && error.status === 404 && !error.code?.startsWith('APIG.')) return;
    throw error;
  }
}
