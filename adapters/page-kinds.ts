import type { PageKind } from '../src/model/page.ts';
import type { Provider } from '../src/model/types.ts';
import { alibabaPageKinds } from './alibaba/normalize.ts';
import { awsPageKinds } from './aws/normalize.ts';
import { addressGroupPageKinds } from './huawei/address-groups.ts';
import { vpcV3PageKinds } from './huawei/normalize.ts';
import { neutronPageKinds } from './otc/neutron.ts';

/** Every raw page shape Warden reads; snapshots and live adapters share these normalizers. */
export const PAGE_KINDS: readonly PageKind[] = [...awsPageKinds, ...alibabaPageKinds, ...vpcV3PageKinds, ...addressGroupPageKinds, ...neutronPageKinds];

export function pageKindsOf(provider: Provider): PageKind[] {
  return PAGE_KINDS.filter((kind) => kind.providers.includes(provider));
}
