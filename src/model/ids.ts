import { hash } from 'node:crypto';

/** Key-order independent JSON, so the same content always hashes the same. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** 12 hex chars of sha256 over a list of strings (joined with NUL, which none of them contains). */
export function hashId(parts: readonly string[]): string {
  return hash('sha256', parts.join('\u0000'), 'hex').slice(0, 12);
}

/** A short, stable id derived from content: `<prefix>~<12 hex chars>`. */
export function derivedId(prefix: string, content: unknown): string {
  return `${prefix}~${hashId([stableStringify(content)])}`;
}

/** Whether two things are at the same place (provider, account and region): cheaper than comparing their keys. */
export function samePlace(
  a: { provider: string; account: string; region: string },
  b: { provider: string; account: string; region: string },
): boolean {
  return a.region === b.region && a.account === b.account && a.provider === b.provider;
}

/** One key for something (a group, an interface) at its place: provider, account, region and id. */
export function placeKey(place: { provider: string; account: string; region: string }, id: string): string {
  return `${place.provider}\u0000${place.account}\u0000${place.region}\u0000${id}`;
}

type Place = { provider: string; account: string; region: string };

/** A value per scope (provider, account and region), made on first use, and the values by `placeKey(scope, '')`. */
export interface ScopeRuns<T> {
  readonly byKey: Map<string, T>;
  /** The value of the place's scope, made if there is none: things come scope by scope, so a key is made once per run of one scope. */
  at(place: Place): T;
  /** The value of the place's scope, if one was made (looked up once per run of one scope, like `at`). */
  find(place: Place): T | undefined;
}

export function scopeRuns<T>(make: () => T): ScopeRuns<T> {
  const byKey = new Map<string, T>();
  let made: { place: Place; value: T } | undefined;
  let found: { place: Place; value: T | undefined } | undefined;
  return {
    byKey,
    at(place) {
      if (made && samePlace(made.place, place)) return made.value;
      const key = placeKey(place, '');
      let value = byKey.get(key);
      if (value === undefined) {
        value = make();
        byKey.set(key, value);
      }
      made = { place, value };
      return value;
    },
    find(place) {
      if (!found || !samePlace(found.place, place)) found = { place, value: byKey.get(placeKey(place, '')) };
      return found.value;
    },
  };
}
