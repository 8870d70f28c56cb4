import type { PageKind } from '../src/model/page.ts';
import type { Provider } from '../src/model/types.ts';
import { PROVIDER_MODULES } from './providers.ts';

/** Every raw page shape Warden reads, each once (Huawei and OTC share VPC v3's); snapshots and live adapters share these normalizers. */
export const PAGE_KINDS: readonly PageKind[] = [
  ...new Set(Object.values(PROVIDER_MODULES).flatMap((module) => module.pageKinds)),
];

export function pageKindsOf(provider: Provider): PageKind[] {
  return [...PROVIDER_MODULES[provider].pageKinds];
}
