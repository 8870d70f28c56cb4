import type { ExposureMeasure } from './types.ts';

// Comparing what a finding exposes now with what was accepted when it was suppressed: per facet,
// a larger amount is wider. Amounts only grow meaningfully within one facet (public addresses of
// one protocol and family, ports of one rule), so facets are never added together.

function amount(text: string | undefined): bigint {
  if (text === undefined || !/^\d+$/.test(text)) return 0n;
  return BigInt(text);
}

/** A measure that counts each facet once per occurrence (e.g. one facet per added rule). */
export function countFacets(facets: readonly string[]): ExposureMeasure {
  const measure: ExposureMeasure = {};
  for (const facet of facets) measure[facet] = String(Number(measure[facet] ?? '0') + 1);
  return measure;
}

/** The facets where `current` exposes more than `accepted` (a facet absent from `accepted` counts 0), sorted. */
export function widenedFacets(accepted: ExposureMeasure, current: ExposureMeasure | undefined): string[] {
  if (!current) return [];
  return Object.keys(current)
    .filter((facet) => amount(current[facet]) > amount(accepted[facet]))
    .sort();
}

/** `facet: accepted → now` for each widened facet, for a finding's detail. */
export function describeWidening(
  accepted: ExposureMeasure,
  current: ExposureMeasure,
  facets: readonly string[],
): string {
  return facets.map((facet) => `${facet}: ${accepted[facet] ?? '0'} → ${current[facet] ?? '0'}`).join('; ');
}
