import { isRecord } from '../src/lib/record.ts';
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

/**
 * The field `warden snapshot` adds to a page whose shape does not say what it is (an empty
 * DescribeEciScalingConfigurations page looks like an empty DescribeScalingConfigurations one): the
 * name of the kind the live read gave it, so a snapshot audit reads it as the live audit did.
 */
export const DECLARED_KIND_FIELD = 'wardenPageKind';

/** The kind a page declares with `DECLARED_KIND_FIELD`, among `kinds`; undefined where it declares none. */
export function declaredKind(page: unknown, kinds: readonly PageKind[]): PageKind | 'unknown' | undefined {
  if (!isRecord(page) || !(DECLARED_KIND_FIELD in page)) return undefined;
  return kinds.find((k) => k.name === page[DECLARED_KIND_FIELD]) ?? 'unknown';
}

/** The page as a snapshot holds it: with its kind declared where its shape alone would read as another kind, or none. */
export function snapshotPage(provider: Provider, kind: string, body: unknown): unknown {
  const byShape = pageKindsOf(provider).find((k) => k.matches(body));
  if (byShape?.name === kind || !isRecord(body)) return body;
  return { ...body, [DECLARED_KIND_FIELD]: kind };
}
