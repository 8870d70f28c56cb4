// How a person names a finding: its fingerprint, or a prefix of it. One rule for the CLI, the
// `/warden` slash commands, Slack buttons and the already-applied path of `warden fix`.

/** The fewest hex characters that name a finding. */
export const MIN_FINGERPRINT_PREFIX = 8;

/** A fingerprint or a prefix of one: lower-case hex, at least MIN_FINGERPRINT_PREFIX characters. */
export const FINGERPRINT_PREFIX = new RegExp(`^[0-9a-f]{${MIN_FINGERPRINT_PREFIX},64}$`);

export function isFingerprintPrefix(text: string): boolean {
  return FINGERPRINT_PREFIX.test(text);
}

/** Why `text` cannot name a finding, or undefined when it can. */
export function fingerprintPrefixProblem(text: string): string | undefined {
  if (isFingerprintPrefix(text)) return undefined;
  return `"${text.slice(0, 40)}" is not a finding fingerprint (at least ${MIN_FINGERPRINT_PREFIX} hex characters)`;
}

export type PrefixMatch<T> = { found: T } | { count: number };

/** The one item whose fingerprint is `prefix` or starts with it; otherwise how many match (0, or 2 and more). */
export function matchFingerprint<T>(
  items: readonly T[],
  prefix: string,
  fingerprintOf: (item: T) => string,
): PrefixMatch<T> {
  const exact = items.filter((item) => fingerprintOf(item) === prefix);
  if (exact.length === 1) return { found: exact[0] as T };
  if (!isFingerprintPrefix(prefix)) return { count: 0 };
  const matches = items.filter((item) => fingerprintOf(item).startsWith(prefix));
  return matches.length === 1 ? { found: matches[0] as T } : { count: matches.length };
}

/** The message for a prefix that matches more than one finding. */
export function ambiguousPrefix(prefix: string, count: number): string {
  return `finding ${prefix}: ${count} findings start with it; give more characters`;
}
