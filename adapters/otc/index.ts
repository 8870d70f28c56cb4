import { otc } from '../../src/model/providers/otc.ts';
import { addressGroupPageKinds } from '../huawei/address-groups.ts';
import { ctsRealtime } from '../huawei/index.ts';
import { portPageKinds } from '../huawei/ports.ts';
import { vpcV3PageKinds } from '../huawei/normalize.ts';
import type { ProviderModule } from '../provider-module.ts';
import { neutronPageKinds } from './neutron.ts';

export const otcModule: ProviderModule<'otc'> = {
  descriptor: otc,
  // OTC's VPC v3 answers as Huawei's; Neutron v2.0 where v3 is not offered.
  pageKinds: [...vpcV3PageKinds, ...addressGroupPageKinds, ...portPageKinds, ...neutronPageKinds],
  createAdapter: async (config, env) => (await import('./live.ts')).createOtcAdapter({ config, env }),
  realtime: ctsRealtime('otc'),
};
