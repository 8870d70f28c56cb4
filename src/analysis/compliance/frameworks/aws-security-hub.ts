import type { Framework } from '../types.ts';
import { INTERNET_PORT_CHECKS, REMOTE_ADMINISTRATION_PORTS } from './ports.ts';

// The ports the Security Hub guide lists for EC2.19 (not customizable there).
const EC2_19_PORTS = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888,
  9200, 9300,
];

export const AWS_SECURITY_HUB: Framework = {
  id: 'aws-security-hub',
  title: 'AWS Security Hub controls for Amazon EC2 security groups',
  version: 'AWS Foundational Security Best Practices v1.0.0',
  source: {
    provider: 'Amazon Web Services',
    document: 'AWS Security Hub User Guide, "Security Hub CSPM controls for Amazon EC2"',
    url: 'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html',
  },
  controls: [
    {
      id: 'EC2.2',
      title: 'VPC default security groups should not allow inbound or outbound traffic',
      checks: [],
      providers: ['aws'],
      partial:
        'no Warden check flags a default group that still holds its documented rules (template-drift compares it with them)',
    },
    {
      id: 'EC2.13',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: [22],
    },
    {
      id: 'EC2.14',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: [3389],
    },
    {
      id: 'EC2.18',
      title: 'Security groups should only allow unrestricted incoming traffic for authorized ports',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      partial:
        'Warden examines the configured admin and high-risk ports and every-port rules, not each other port open to the Internet',
    },
    {
      id: 'EC2.19',
      title: 'Security groups should not allow unrestricted access to ports with high risk',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: EC2_19_PORTS,
    },
    {
      id: 'EC2.22',
      title: 'Unused Amazon EC2 security groups should be removed',
      checks: ['unused-group'],
      providers: ['aws'],
    },
    {
      id: 'EC2.53',
      title: 'EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: REMOTE_ADMINISTRATION_PORTS,
      family: 'ipv4',
    },
    {
      id: 'EC2.54',
      title: 'EC2 security groups should not allow ingress from ::/0 to remote server administration ports',
      checks: INTERNET_PORT_CHECKS,
      providers: ['aws'],
      ports: REMOTE_ADMINISTRATION_PORTS,
      family: 'ipv6',
    },
  ],
};
