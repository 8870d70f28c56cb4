import { MAX_PORT } from '../../model/protocol.ts';
import type { Check } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_DEFAULT_GROUPS, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { describeRule } from '../describe.ts';
import { isInternet, weakestExposure } from '../exposure.ts';

export const egressAll: Check<'egress-all'> = {
  meta: {
    id: 'egress-all',
    title: 'All outbound traffic allowed',
    severity: 'info',
    rationale:
      'Unrestricted egress lets a compromised instance reach any command-and-control host or exfiltrate data; restrict it where the workload allows.',
    source: `${cite(HUAWEI_DEFAULT_GROUPS)}; ${cite(HUAWEI_SECURITY_GROUP, 'least-privilege advice')}; ${cite(ALIBABA_OVERVIEW, 'usage notes')}`,
    remediation: 'Limit outbound rules to the destinations and ports the workload needs.',
  },
  run({ policy, config }) {
    const open = (['ipv4', 'ipv6'] as const)
      .map((family) => weakestExposure(policy, 'egress', family, 'all', { from: 0, to: MAX_PORT }))
      .filter((exposure) => isInternet(exposure, config));
    if (open.length === 0) return [];
    const rules = [...new Set(open.flatMap((e) => e.rules))];
    return [
      {
        subject: 'egress-all',
        ruleIds: rules.map((r) => r.native.ruleId),
        exposure: Object.fromEntries(open.map((e) => [`all ${e.family}`, e.count.toString()])),
        title: 'All outbound traffic to the Internet is allowed',
        detail: `Outbound traffic of every protocol to the Internet (${open.map((e) => e.family).join(', ')}) is allowed by ${rules.map(describeRule).join(', ')}.`,
      },
    ];
  },
};
