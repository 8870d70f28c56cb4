import type { Framework } from '../types.ts';
import { INTERNET_PORT_CHECKS, REMOTE_ADMINISTRATION_PORTS } from './ports.ts';

const ECS_GUIDE = 'https://support.huaweicloud.com/intl/en-us/usermanual-ecs/';

// Huawei Cloud publishes no benchmark with control ids: these are its documented recommendations,
// under our own ids and in our words, each citing the document it rests on.
export const HUAWEI_RECOMMENDATIONS: Framework = {
  id: 'huawei-sg',
  title: 'Huawei Cloud documented security-group recommendations (Warden control ids)',
  version: '1',
  source: {
    provider: 'Huawei Cloud',
    document:
      'Huawei Cloud ECS User Guide, "Security Group" and "Default Security Groups and Rules"; Huawei Cloud Config User Guide, built-in policy "Inbound Traffic Is Allowed on Specified Ports Only"',
    url: ECS_GUIDE,
  },
  controls: [
    {
      id: 'HWC-SG-1',
      title: 'Remote login ports (SSH, RDP) are opened to specific addresses only, never to all addresses',
      checks: INTERNET_PORT_CHECKS,
      providers: ['huawei'],
      ports: REMOTE_ADMINISTRATION_PORTS,
      source: `Huawei Cloud ECS User Guide, "Security Group", security group configuration suggestions <${ECS_GUIDE}>`,
    },
    {
      id: 'HWC-SG-2',
      title: 'The ports Huawei Config restricts by default (FTP, MySQL, RDP) are not open to all addresses',
      checks: INTERNET_PORT_CHECKS,
      providers: ['huawei'],
      ports: [20, 21, 3306, 3389],
      source:
        'Huawei Cloud Config User Guide, built-in policy "Inbound Traffic Is Allowed on Specified Ports Only" (vpc-sg-restricted-common-ports) <https://support.huaweicloud.com/intl/en-us/usermanual-rms/rms_05_1537.html>',
    },
    {
      id: 'HWC-SG-3',
      title: 'Rules grant the minimum access the workload needs',
      checks: [...INTERNET_PORT_CHECKS, 'wide-public-cidr', 'port-range'],
      providers: ['huawei'],
      partial: 'whether each rule is needed is a review Warden cannot make; it flags the broad rules it can see',
      source: `Huawei Cloud ECS User Guide, "Security Group", security group configuration suggestions <${ECS_GUIDE}>`,
    },
    {
      id: 'HWC-SG-4',
      title: 'Groups named after a documented template (default, Sys-WebServer, Sys-FullAccess) keep its rules',
      checks: ['template-drift'],
      providers: ['huawei'],
      source:
        'Huawei Cloud ECS User Guide, "Default Security Groups and Rules" <https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0603.html>',
    },
  ],
};
