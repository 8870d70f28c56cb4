import type { Framework } from '../types.ts';

export const AWS_SECURITY_HUB: Framework = {
  id: 'aws-fsbp',
  title: 'AWS Foundational Security Best Practices (Security Hub)',
  version: '1.0.0',
  source: {
    provider: 'Amazon Web Services',
    document: 'AWS Security Hub User Guide, "Security Hub controls for Amazon EC2"',
    url: 'https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html',
  },
  controls: [
    {
      id: 'EC2.2',
      title: 'VPC default security groups should not allow inbound or outbound traffic',
      checks: ['template-drift'],
      providers: ['aws'],
    },
    {
      id: 'EC2.13',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22',
      checks: ['internet-admin-port', 'internet-all-ports'],
      providers: ['aws'],
    },
    {
      id: 'EC2.14',
      title: 'Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389',
      checks: ['internet-admin-port', 'internet-all-ports'],
      providers: ['aws'],
    },
    {
      id: 'EC2.18',
      title: 'Security groups should only allow unrestricted incoming traffic for authorized ports',
      checks: ['internet-admin-port', 'internet-high-risk-port', 'internet-all-ports', 'port-range'],
      providers: ['aws'],
    },
    {
      id: 'EC2.19',
      title: 'Security groups should not allow unrestricted access to ports with high risk',
      checks: ['internet-admin-port', 'internet-high-risk-port', 'internet-all-ports'],
      providers: ['aws'],
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
      checks: ['internet-admin-port', 'internet-all-ports'],
      providers: ['aws'],
    },
    {
      id: 'EC2.54',
      title: 'EC2 security groups should not allow ingress from ::/0 to remote server administration ports',
      checks: ['internet-admin-port', 'internet-all-ports'],
      providers: ['aws'],
    },
  ],
};
