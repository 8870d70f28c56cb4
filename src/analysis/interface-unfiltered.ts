import { UNFILTERED_SET } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import { allowAllRule } from '../model/implicit-rules.ts';
import { capabilitiesOf } from '../model/providers/index.ts';
import type { SecurityGroup } from '../model/types.ts';
import { evaluateGroup } from './evaluate.ts';
import type { InterfacePolicy } from './interface-evaluate.ts';

// A Huawei/OTC port with port security disabled: its security groups do not take effect (Huawei VPC
// port reference, `port_security_enabled`), so every packet over addresses is allowed both ways. The
// port setting is what decides: the policy is one allow-all rule per direction and family that names
// it, no group takes part, and the groups the port lists are said in the notes.

/** What `warden explain --interface` and the findings say about such a port. */
export const PORT_SECURITY_DISABLED = 'port security disabled: security groups do not filter this port';

/** The rule id standing for the port setting (evidence in findings, "decided by" in explain). */
export const PORT_SECURITY_RULE_ID = 'port_security_enabled=false';

/** The policy of an interface whose groups do not filter it: everything allowed, decided by the port setting. */
export function unfilteredPolicy(networkInterface: NetworkInterface, key: string): InterfacePolicy {
  const rules = (['ingress', 'egress'] as const).flatMap((direction) =>
    (['ipv4', 'ipv6'] as const).map((family) =>
      allowAllRule(direction, family, {
        priority: 1,
        description: PORT_SECURITY_DISABLED,
        native: { ruleId: PORT_SECURITY_RULE_ID, derivedId: true, raw: null },
      }),
    ),
  );
  const setting: SecurityGroup = {
    provider: networkInterface.provider,
    account: networkInterface.account,
    region: networkInterface.region,
    vpcId: networkInterface.vpcId,
    id: UNFILTERED_SET.groupId,
    name: UNFILTERED_SET.groupName,
    description: `the port setting of interface ${networkInterface.id}`,
    rules,
  };
  const listed = [...new Set(networkInterface.groupIds)];
  return {
    key,
    groups: [],
    missingGroupIds: [],
    semantics: capabilitiesOf({ provider: networkInterface.provider }).multiGroup,
    orders: 'n/a',
    policy: evaluateGroup(setting, rules),
    origins: new Map(),
    groupRules: [],
    parts: [],
    notes: [
      PORT_SECURITY_DISABLED,
      listed.length === 0
        ? 'all traffic is allowed in both directions'
        : `all traffic is allowed in both directions; the groups the port lists (${listed.join(', ')}) are not applied`,
    ],
    unfiltered: true,
  };
}
