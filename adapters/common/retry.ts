// Retries with exponential backoff and full jitter, and a timeout on every attempt. The
// adapters say which failures are worth another try (throttling answers and 5xx).

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per attempt; the attempt's promise is abandoned and a TimeoutError thrown. */
  timeoutMs: number;
  isRetryable(error: unknown): boolean;
  /** For tests: no real waiting, no real randomness. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry, e.g. to count throttles. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY = { retries: 5, baseDelayMs: 200, maxDelayMs: 10_000, timeoutMs: 30_000 } as const;

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with TimeoutError when `work` takes longer than `ms`; `signal` aborts the work where it supports it. */
export async function withTimeout<T>(what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TimeoutError(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Delay before retry `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export async function withRetry<T>(
  what: string,
  options: RetryOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTimeout(what, options.timeoutMs, work);
    } catch (error) {
      const retryable = error instanceof TimeoutError || options.isRetryable(error);
      if (!retryable || attempt >= options.retries) throw error;
      const delay = backoffDelay(attempt + 1, options);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
