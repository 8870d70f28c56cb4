import type { Check } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { internetIndex, internetPortDraft } from '../exposure.ts';

export const internetAdminPort: Check<'internet-admin-port'> = {
  meta: {
    id: 'internet-admin-port',
    title: 'Administration port open to the Internet',
    severity: 'critical',
    rationale:
      'SSH and RDP reachable from the Internet are brute-forced within minutes of exposure; remote administration belongs behind a bastion, VPN or a short list of trusted addresses.',
    source: `CIS AWS Foundations 5.2/5.3; AWS Security Hub EC2.13/EC2.14; ${cite(ALIBABA_OVERVIEW, 'usage notes')}; ${cite(HUAWEI_SECURITY_GROUP, 'least-privilege advice')}`,
    remediation:
      'Replace the Internet source with your office/VPN ranges or a bastion security group, or remove the rule.',
  },
  run({ policy, config, describeRule }) {
    const index = internetIndex(policy, config);
    if (!index.any) return [];
    return config.adminPorts
      .map((port) => internetPortDraft(index, port, 'Port ', undefined, describeRule))
      .filter((d) => d !== undefined);
  },
};
