import { MAX_PORT } from '../../model/protocol.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_DEFAULT_GROUPS, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { describeRule, percent } from '../describe.ts';
import { isInternet, weakestExposure } from '../exposure.ts';
import type { Exposure } from '../exposure.ts';

export const internetAllPorts: Check<'internet-all-ports'> = {
  meta: {
    id: 'internet-all-ports',
    title: 'Every port or every protocol open to the Internet',
    severity: 'critical',
    rationale:
      'A group that lets the whole Internet reach every port turns every service on the instance, including ones started by accident, into a public one.',
    source: `${cite(HUAWEI_DEFAULT_GROUPS, 'Sys-FullAccess')}; ${cite(HUAWEI_SECURITY_GROUP, 'least-privilege advice')}; ${cite(ALIBABA_OVERVIEW, 'usage notes')}; AWS Security Hub EC2.18`,
    remediation:
      'Replace the rule with the ports the workload serves (e.g. the Sys-WebServer template without its admin ports).',
  },
  run({ policy, config, describeRule: describe = describeRule }) {
    const open: { what: string; exposure: Exposure }[] = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      const all = weakestExposure(policy, 'ingress', family, 'all', { from: 0, to: MAX_PORT });
      if (isInternet(all, config)) open.push({ what: 'all protocols', exposure: all });
      for (const protocol of ['tcp', 'udp'] as const) {
        const exposure = weakestExposure(policy, 'ingress', family, protocol, { from: 1, to: MAX_PORT });
        if (isInternet(exposure, config)) open.push({ what: `every ${protocol.toUpperCase()} port`, exposure });
      }
    }
    if (open.length === 0) return [];
    const rules = [...new Set(open.flatMap((o) => o.exposure.rules))];
    const drafts: FindingDraft[] = [
      {
        subject: 'all-ports',
        ruleIds: rules.map((r) => r.native.ruleId),
        exposure: Object.fromEntries(open.map((o) => [`${o.what} ${o.exposure.family}`, o.exposure.count.toString()])),
        title: `${open.some((o) => o.what === 'all protocols') ? 'All protocols' : 'Every port'} open to the Internet`,
        detail: `Reachable from the public Internet: ${open
          .map(
            (o) =>
              `${o.what} over ${o.exposure.family === 'ipv4' ? 'IPv4' : 'IPv6'} (at least ${percent(o.exposure.share)} of public addresses)`,
          )
          .join('; ')}, allowed by ${rules.map(describe).join(', ')}.`,
      },
    ];
    return drafts;
  },
};
