// The one list of Node network failures every adapter retries. Split by whether the request could
// have reached the service: a request that was never sent is safe to repeat even when it writes; one
// that failed after sending may have taken effect, so only reads and idempotent writes repeat it.

/** The connection never carried the request: refused, name not resolved, no route. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The connection broke or timed out, possibly after the request went out. */
const MAYBE_SENT = new Set(['ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE']);

/** A network failure after which the request certainly did not reach the service. */
export function isNotSentCode(code: unknown): boolean {
  return typeof code === 'string' && NOT_SENT.has(code);
}

/** Any network failure worth another try for a read or an idempotent write. */
export function isNetworkCode(code: unknown): boolean {
  return typeof code === 'string' && (NOT_SENT.has(code) || MAYBE_SENT.has(code));
}

/** A not-sent code named anywhere in an SDK's error text (SDKs that keep only a message). */
export function mentionsNotSentCode(text: string): boolean {
  return [...NOT_SENT].some((code) => text.includes(code));
}
