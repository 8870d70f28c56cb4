import { isPublicInterface } from '../../model/network-interface.ts';
import { plural } from '../describe.ts';
import type { CheckContext } from '../check.ts';
import { findingReach, reachSampleText } from '../finding-reach.ts';
import type { InterfaceCheck, InterfaceDraft } from '../interface-check.ts';
import { interfaceRuleText } from '../interface-describe.ts';
import { internetAdminPort } from './internet-admin-port.ts';
import { internetAllPorts } from './internet-all-ports.ts';
import { internetHighRiskPort } from './internet-high-risk-port.ts';
import { noteUnresolved } from './unresolved-peer.ts';

// The group checks' own exposure logic, run on the interface's combined policy: the same ports, the
// same severities (admin critical, high-risk high, every port critical).
const EXPOSURE_CHECKS = [internetAdminPort, internetHighRiskPort, internetAllPorts] as const;

const NO_ESTATE: CheckContext['estate'] = { hasGroup: () => true };

export const interfaceExposedToInternet: InterfaceCheck<'interface-exposed-to-internet'> = {
  meta: {
    id: 'interface-exposed-to-internet',
    title: 'Public interface reachable from the Internet on a risky port',
    severity: 'critical',
    rationale:
      'What decides traffic is the interface: every group bound to it at once, combined by the cloud’s own rule, and only an interface with a public address can be reached from the Internet. This is the exposure as the packet sees it; the severity follows the port (administration ports critical, high-risk ports high, every port critical).',
    source:
      'AWS "Security groups for your VPC" (several groups on one interface: rules aggregated); Alibaba Cloud ECS, "Security group rules" (rules of all groups aggregated and sorted); Huawei Cloud VPC, "Access Control Overview" (groups in bind order)',
    remediation:
      'Fix the deciding rule named in the finding (its group’s own findings carry a proved fix), or remove the public address from interfaces that need none.',
  },
  run({ policy, interfaces, config }) {
    const reachable = interfaces.filter(isPublicInterface);
    if (reachable.length === 0 || policy.groups.length === 0) return [];
    const describeRule = interfaceRuleText(policy);
    const context: CheckContext = {
      group: policy.policy.group,
      policy: policy.policy,
      config,
      estate: NO_ESTATE,
      describeRule,
    };
    const reach = findingReach(reachable);
    const unknown = reachable.filter((i) => i.publicAddressesUnknown !== undefined);
    const where = `On ${plural(reach.interfaces, 'public interface')} (${reachSampleText(reach)}${reach.instances > 0 ? `; ${plural(reach.instances, 'instance')}` : ''}).`;
    const unread =
      unknown.length === 0
        ? ''
        : ` The public addresses of ${plural(unknown.length, 'interface')} could not be read (${unknown[0]?.publicAddressesUnknown}): counted as public.`;
    const notes = policy.notes.length === 0 ? '' : ` Note: ${policy.notes.join('; ')}.`;
    const drafts: InterfaceDraft[] = [];
    // A port check switched off in the config is off on interfaces too, as its severity override holds there.
    for (const check of EXPOSURE_CHECKS.filter((c) => !config.checks.disabled.includes(c.meta.id))) {
      for (const found of check.run(context)) {
        const draft = noteUnresolved(policy.policy, found);
        drafts.push({
          ...draft,
          severity: config.checks.severity[check.meta.id] ?? draft.severity ?? check.meta.severity,
          title: `${draft.title} on a public interface`,
          detail: `${draft.detail} ${where}${unread}${notes}`,
          interfaces: reachable,
        });
      }
    }
    return drafts;
  },
};
