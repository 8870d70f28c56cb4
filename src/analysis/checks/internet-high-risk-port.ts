import { MAX_PORT } from '../../model/protocol.ts';
import type { Protocol } from '../../model/types.ts';
import type { Check, FindingDraft } from '../check.ts';
import { internetIndex, internetPortDraft, isInternet, weakestExposure } from '../exposure.ts';

export const internetHighRiskPort: Check<'internet-high-risk-port'> = {
  meta: {
    id: 'internet-high-risk-port',
    title: 'High-risk port open to the Internet',
    severity: 'high',
    rationale:
      'Databases, caches, search engines, file sharing and remote-procedure services are not meant to face the Internet; exposed, they leak data or are taken over.',
    source:
      'AWS Security Hub EC2.19 (high-risk ports); Prowler ec2_securitygroup_allow_ingress_from_internet_to_* service checks',
    remediation:
      'Restrict the source to the clients that need the service (application subnets or their security group), or remove the rule.',
  },
  run({ policy, config, describeRule }) {
    const drafts: FindingDraft[] = [];
    const index = internetIndex(policy, config);
    if (!index.any) return drafts;
    const admin = new Set(config.adminPorts);
    // Where every port of a protocol is open, `internet-all-ports` says so once instead of one finding per port.
    const everyPortOpen = new Set<Protocol>(
      (['tcp', 'udp'] as const).filter((protocol) =>
        (['ipv4', 'ipv6'] as const).some((family) =>
          isInternet(weakestExposure(policy, 'ingress', family, protocol, { from: 1, to: MAX_PORT }), config),
        ),
      ),
    );
    for (const port of [...new Set(config.highRiskPorts)].sort((a, b) => a - b)) {
      if (admin.has(port)) continue;
      const draft = internetPortDraft(index, port, 'High-risk port ', everyPortOpen, describeRule);
      if (draft) drafts.push(draft);
    }
    return drafts;
  },
};
