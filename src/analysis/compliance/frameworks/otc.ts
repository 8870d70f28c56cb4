import type { Framework } from '../types.ts';

const VPC_GUIDE = 'https://docs.otc.t-systems.com/virtual-private-cloud/umn/';

// Open Telekom Cloud publishes no benchmark with control ids: its documented recommendation, under
// our own id and in our words.
export const OTC_RECOMMENDATIONS: Framework = {
  id: 'otc-sg',
  title: 'Open Telekom Cloud documented security-group recommendations (Warden control ids)',
  version: '1',
  source: {
    provider: 'Open Telekom Cloud',
    document: 'Open Telekom Cloud VPC User Guide, "Default Security Group"',
    url: VPC_GUIDE,
  },
  controls: [
    {
      id: 'OTC-SG-1',
      title: 'The default security group keeps its documented rules: inbound only from its own members',
      checks: ['template-drift'],
      providers: ['otc'],
      source: `Open Telekom Cloud VPC User Guide, "Default Security Group" <${VPC_GUIDE}>`,
    },
  ],
};
