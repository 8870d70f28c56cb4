import type { Framework } from '../types.ts';
import { INTERNET_PORT_CHECKS, REMOTE_ADMINISTRATION_PORTS } from './ports.ts';

export const CIS_ALIBABA: Framework = {
  id: 'cis-alibaba',
  title: 'CIS Alibaba Cloud Foundations Benchmark (security-group recommendations)',
  version: 'v2.0.0',
  source: {
    provider: 'Center for Internet Security',
    document: 'CIS Alibaba Cloud Foundations Benchmark v2.0.0, sections 3 Networking and 4 Virtual Machines',
    url: 'https://www.cisecurity.org/benchmark/alibaba_cloud',
  },
  controls: [
    {
      // Its title names SSH; the recommendation covers port 22 and port 3389.
      id: '3.2',
      title: 'Ensure that SSH access is restricted from the internet',
      checks: INTERNET_PORT_CHECKS,
      providers: ['alibaba'],
      ports: REMOTE_ADMINISTRATION_PORTS,
    },
    {
      id: '3.5',
      title: 'Ensure the security group are configured with fine grained rules',
      checks: [...INTERNET_PORT_CHECKS, 'wide-public-cidr', 'port-range'],
      providers: ['alibaba'],
      partial: 'whether each rule is necessary is a review Warden cannot make; it flags the coarse rules it can see',
    },
    {
      id: '4.3',
      title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to port 22',
      checks: INTERNET_PORT_CHECKS,
      providers: ['alibaba'],
      ports: [22],
      family: 'ipv4',
    },
    {
      id: '4.4',
      title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to port 3389',
      checks: INTERNET_PORT_CHECKS,
      providers: ['alibaba'],
      ports: [3389],
      family: 'ipv4',
    },
  ],
};
