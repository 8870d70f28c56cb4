import type { Framework } from '../types.ts';
import { INTERNET_PORT_CHECKS, REMOTE_ADMINISTRATION_PORTS } from './ports.ts';

// Numbered as in v5.0.0: the AWS Security Hub guide maps EC2.53, EC2.54 and EC2.2 to 5.3, 5.4 and 5.5 of it.
export const CIS_AWS: Framework = {
  id: 'cis-aws',
  title: 'CIS Amazon Web Services Foundations Benchmark (security-group recommendations)',
  version: 'v5.0.0',
  source: {
    provider: 'Center for Internet Security',
    document: 'CIS Amazon Web Services Foundations Benchmark v5.0.0, section 5 Networking',
    url: 'https://www.cisecurity.org/benchmark/amazon_web_services',
  },
  controls: [
    {
      id: '5.3',
      title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: REMOTE_ADMINISTRATION_PORTS,
      family: 'ipv4',
    },
    {
      id: '5.4',
      title: 'Ensure no security groups allow ingress from ::/0 to remote server administration ports',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: REMOTE_ADMINISTRATION_PORTS,
      family: 'ipv6',
    },
    {
      id: '5.5',
      title: 'Ensure the default security group of every VPC restricts all traffic',
      checks: [],
      providers: ['aws'],
      partial:
        'no Warden check flags a default group that still holds its documented rules (template-drift compares it with them)',
    },
  ],
};
