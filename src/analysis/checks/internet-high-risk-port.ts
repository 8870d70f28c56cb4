import { MAX_PORT } from '../../model/protocol.ts';
import type { Check, FindingDraft } from '../check.ts';
import { describeRule, percent, serviceName } from '../describe.ts';
import { internetExposure, isInternet, weakestExposure } from '../exposure.ts';
import type { Exposure } from '../exposure.ts';

export const internetHighRiskPort: Check = {
  meta: {
    id: 'internet-high-risk-port',
    title: 'High-risk port open to the Internet',
    severity: 'high',
    rationale:
      'Databases, caches, search engines, file sharing and remote-procedure services are not meant to face the Internet; exposed, they leak data or are taken over.',
    source: 'AWS Security Hub EC2.19 (high-risk ports); Prowler ec2_securitygroup_allow_ingress_from_internet_to_* service checks',
    remediation: 'Restrict the source to the clients that need the service (application subnets or their security group), or remove the rule.',
  },
  run({ policy, config }) {
    const drafts: FindingDraft[] = [];
    const admin = new Set(config.adminPorts);
    // Where every port of a protocol is open, `internet-all-ports` says so once instead of one finding per port.
    const everyPortOpen = new Set(
      (['tcp', 'udp'] as const).filter((protocol) =>
        (['ipv4', 'ipv6'] as const).some((family) => isInternet(weakestExposure(policy, 'ingress', family, protocol, { from: 1, to: MAX_PORT }), config)),
      ),
    );
    for (const port of [...new Set(config.highRiskPorts)].sort((a, b) => a - b)) {
      if (admin.has(port)) continue;
      const open: { protocol: string; exposure: Exposure }[] = [];
      for (const protocol of ['tcp', 'udp'] as const) {
        if (everyPortOpen.has(protocol)) continue;
        for (const family of ['ipv4', 'ipv6'] as const) {
          const exposure = internetExposure(policy, 'ingress', family, protocol, port);
          if (isInternet(exposure, config)) open.push({ protocol, exposure });
        }
      }
      if (open.length === 0) continue;
      const service = serviceName(port) ? ` (${serviceName(port)})` : '';
      const rules = [...new Set(open.flatMap((o) => o.exposure.rules))];
      const where = open.map((o) => `${o.protocol.toUpperCase()} ${o.exposure.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${percent(o.exposure.share)}`);
      drafts.push({
        subject: `port/${port}`,
        ruleIds: rules.map((r) => r.native.ruleId),
        title: `High-risk port ${port}${service} is open to the Internet`,
        detail: `Port ${port}${service} is reachable from the public Internet (${where.join('; ')} of public addresses), allowed by ${rules.map(describeRule).join(', ')}.`,
      });
    }
    return drafts;
  },
};
