import { ALIBABA_OVERVIEW, HUAWEI_DEFAULT_GROUPS, OTC_DEFAULT_GROUP, cite } from '../documents.ts';
import type { BuiltInTemplateId } from '../../model/template-ids.ts';
import type { Template } from './types.ts';

// The providers' documented security-group templates, row by row as their documents give them.

const HUAWEI_SOURCE = cite(HUAWEI_DEFAULT_GROUPS, 'tables 1-3');

const selfAndEgress = [
  { direction: 'ingress', family: 'ipv4', protocol: 'all', peer: 'self' },
  { direction: 'ingress', family: 'ipv6', protocol: 'all', peer: 'self' },
  { direction: 'egress', family: 'ipv4', protocol: 'all', peer: '0.0.0.0/0' },
  { direction: 'egress', family: 'ipv6', protocol: 'all', peer: '::/0' },
] as const;

const templates = [
  {
    id: 'huawei-default',
    title: 'Huawei Cloud default security group',
    providers: ['huawei'],
    names: ['default'],
    source: HUAWEI_SOURCE,
    rules: [...selfAndEgress],
  },
  {
    id: 'huawei-sys-webserver',
    title: 'Huawei Cloud Sys-WebServer',
    providers: ['huawei'],
    names: ['Sys-WebServer'],
    source: HUAWEI_SOURCE,
    rules: [
      { direction: 'ingress', family: 'ipv4', protocol: 'icmp', ports: 'all', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv4', protocol: 'all', peer: 'self' },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '443', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '80', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '22', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '3389', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv6', protocol: 'all', peer: 'self' },
      { direction: 'egress', family: 'ipv4', protocol: 'all', peer: '0.0.0.0/0' },
      { direction: 'egress', family: 'ipv6', protocol: 'all', peer: '::/0' },
    ],
  },
  {
    id: 'huawei-sys-fullaccess',
    title: 'Huawei Cloud Sys-FullAccess',
    providers: ['huawei'],
    names: ['Sys-FullAccess'],
    source: HUAWEI_SOURCE,
    rules: [
      { direction: 'ingress', family: 'ipv4', protocol: 'all', peer: 'self' },
      { direction: 'ingress', family: 'ipv6', protocol: 'all', peer: 'self' },
      { direction: 'ingress', family: 'ipv4', protocol: 'all', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv6', protocol: 'all', peer: '::/0' },
      { direction: 'egress', family: 'ipv4', protocol: 'all', peer: '0.0.0.0/0' },
      { direction: 'egress', family: 'ipv6', protocol: 'all', peer: '::/0' },
    ],
  },
  {
    id: 'otc-default',
    title: 'Open Telekom Cloud default security group',
    providers: ['otc'],
    names: ['default'],
    source: cite(OTC_DEFAULT_GROUP, 'table 1'),
    rules: [
      { direction: 'egress', family: 'ipv4', protocol: 'all', peer: '0.0.0.0/0' },
      { direction: 'ingress', family: 'ipv4', protocol: 'all', peer: 'self' },
      // Where the VPC has IPv6, OTC adds the IPv6 counterparts (as Neutron's default group does).
      { direction: 'egress', family: 'ipv6', protocol: 'all', peer: '::/0', optional: true },
      { direction: 'ingress', family: 'ipv6', protocol: 'all', peer: 'self', optional: true },
    ],
  },
  {
    id: 'alibaba-default',
    title: 'Alibaba Cloud default security group',
    providers: ['alibaba'],
    names: ['default', 'System created security group.'],
    source: cite(ALIBABA_OVERVIEW, 'Default security group'),
    // Outbound is allowed by the group type itself (no rule), so the template lists inbound only.
    rules: [
      { direction: 'ingress', family: 'ipv4', protocol: 'icmp', ports: 'all', peer: '0.0.0.0/0', priority: 110 },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '22', peer: '0.0.0.0/0', priority: 110 },
      { direction: 'ingress', family: 'ipv4', protocol: 'tcp', ports: '3389', peer: '0.0.0.0/0', priority: 110 },
    ],
  },
  {
    id: 'aws-default-cis',
    title: 'AWS VPC default security group, restricted (CIS)',
    providers: ['aws'],
    names: ['default'],
    source:
      'CIS Amazon Web Services Foundations Benchmark, "Ensure the default security group of every VPC restricts all traffic"; AWS Security Hub EC2.2',
    rules: [],
  },
] satisfies (Template & { id: BuiltInTemplateId })[];

// A template id the model lists (src/model/template-ids.ts) with no template here does not compile
// (one here the model does not list fails the `satisfies` above).
const _everyIdHasATemplate: [Exclude<BuiltInTemplateId, (typeof templates)[number]['id']>] extends [never]
  ? true
  : never = true;

export const BUILT_IN_TEMPLATES: readonly Template[] = templates;
