import { hasPorts } from '../../model/protocol.ts';
import { oneDraftPerSubject, ruleSubject } from '../check.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, cite } from '../documents.ts';
import { describeRule, thousands } from '../describe.ts';

export const portRange: Check<'port-range'> = {
  meta: {
    id: 'port-range',
    title: 'Rule opens a port range',
    severity: 'low',
    rationale:
      'A range opens ports nobody asked for; services started later on one of them are exposed without review.',
    source: `${cite(ALIBABA_OVERVIEW, 'usage notes')}: "Set a specific port (instead of a port range) to be opened, for example, port 80/80"`,
    remediation: 'Replace the range with the specific ports the service uses.',
  },
  run({ group, config, policy }) {
    const drafts: FindingDraft[] = [];
    for (const rule of group.rules) {
      if (!rule.enabled || rule.action !== 'allow' || !hasPorts(rule.protocol) || rule.peer.kind === 'group') continue;
      // A list of specific ports (Huawei multiport "3306,5432") is fine; a range of them is not.
      const ports = policy.ruleSpaces.get(rule)?.ports ?? rule.ports;
      const widest = ports.reduce((max, r) => Math.max(max, r.to - r.from + 1), 0);
      if (widest <= config.maxPortsPerRule) continue;
      const count = ports.reduce((sum, r) => sum + (r.to - r.from + 1), 0);
      drafts.push({
        subject: ruleSubject(rule),
        legacySubject: `rule/${rule.native.ruleId}`,
        ruleIds: [rule.native.ruleId],
        exposure: { ports: String(count) },
        title: `Rule opens ${thousands(count)} ${String(rule.protocol).toUpperCase()} ports`,
        detail: `${describeRule(rule)} opens a range of ${thousands(count)} ports where specific ports are advised.`,
      });
    }
    return oneDraftPerSubject(drafts);
  },
};
