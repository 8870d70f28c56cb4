// The one concurrency limiter: every bounded fan-out (adapter calls per region, scopes per scan,
// store writes, queue sends) waits here for a slot, first come first served.

/** Runs work with at most a fixed number of calls in flight. */
export type Limiter = <T>(work: () => Promise<T>) => Promise<T>;

/** A limiter of `limit` slots (at least one); a finishing call hands its slot to the longest waiter. */
export function createLimiter(limit: number): Limiter {
  const slots = Math.max(1, limit);
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Wraps `work` so that at most `limit` calls run at once; the others wait their turn. */
export function limitConcurrency<A extends unknown[], R>(
  limit: number,
  work: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const run = createLimiter(limit);
  return (...args: A) => run(() => work(...args));
}

/** Runs `work` over `items` with at most `limit` at a time; results in input order. */
export function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const run = createLimiter(limit);
  return Promise.all(items.map((item, index) => run(() => work(item, index))));
}
