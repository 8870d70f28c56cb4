import type { Check, FindingDraft } from '../check.ts';
import { describeRule, percent, serviceName } from '../describe.ts';
import { internetExposure, isInternet } from '../exposure.ts';
import type { Exposure } from '../exposure.ts';

export const internetAdminPort: Check = {
  meta: {
    id: 'internet-admin-port',
    title: 'Administration port open to the Internet',
    severity: 'critical',
    rationale:
      'SSH and RDP reachable from the Internet are brute-forced within minutes of exposure; remote administration belongs behind a bastion, VPN or a short list of trusted addresses.',
    source:
      'CIS AWS Foundations 5.2/5.3; AWS Security Hub EC2.13/EC2.14; Alibaba Cloud ECS security group usage notes (seed 003); Huawei Cloud ECS least-privilege advice (seed 002)',
    remediation: 'Replace the Internet source with your office/VPN ranges or a bastion security group, or remove the rule.',
  },
  run({ policy, config }) {
    const drafts: FindingDraft[] = [];
    for (const port of config.adminPorts) {
      const open: { protocol: string; exposure: Exposure }[] = [];
      for (const protocol of ['tcp', 'udp'] as const) {
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
        title: `Port ${port}${service} is open to the Internet`,
        detail: `Port ${port}${service} is reachable from the public Internet (${where.join('; ')} of public addresses), allowed by ${rules.map(describeRule).join(', ')}.`,
      });
    }
    return drafts;
  },
};
