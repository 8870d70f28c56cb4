// The closest valid name to a misspelt one, for config errors that say what was meant.

/** Levenshtein distance: insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate nearest to `value`: among those that contain it (a name typed short), else among
 * all, by case-insensitive edit distance; ties go to the first listed.
 */
export function closestName(value: string, candidates: readonly string[]): string | undefined {
  const lower = value.toLowerCase();
  const containing = lower === '' ? [] : candidates.filter((c) => c.toLowerCase().includes(lower));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of containing.length ? containing : candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `unknown check "x" (closest valid name: "y")`. */
export function unknownName(kind: string, value: string, candidates: readonly string[]): string {
  const closest = closestName(value, candidates);
  return `unknown ${kind} ${JSON.stringify(value)}${closest === undefined ? '' : ` (closest valid name: ${JSON.stringify(closest)})`}`;
}
