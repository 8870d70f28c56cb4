// Credentials out of every message an adapter makes, and of every error text the Slack worker
// posts (safeErrorText in src/app/error-text.ts): one masking. An endpoint (or a proxy in front of it) may
// quote the request back in its error body, headers included, so a message is masked twice: the
// values the adapter knows it sent, and anything shaped like a credential header or key whatever
// its value (keys resolved by an SDK from a profile or a role are not always known to us).

export const MASK = '[redacted]';

/** Headers whose whole value is a credential or a signature. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'x-acs-accesskey-id',
  'x-acs-security-token',
  'x-acs-bearer-token',
  'x-amz-security-token',
  'x-auth-token',
  'x-subject-token',
  'x-security-token',
  'x-sdk-content-sha256',
];

// `name: value` or `"name":"value"` or `name=value`, the value up to the next separator of a header list.
const HEADER_VALUE = new RegExp(
  `((?:${CREDENTIAL_HEADERS.join('|')})["']?\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^;\\n"',}]+)`,
  'gi',
);
const SHAPED = [
  /\bCredential=[^,;\s/"']+/g, // SigV4 / ACS3 / SDK-HMAC: the key id
  /\bSignature=[0-9A-Za-z+/=%-]+/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bLTAI[A-Za-z0-9]{12,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]+/g,
  /https:\/\/hooks\.slack\.com\/\S+/g, // a Slack webhook URL is its own credential
];
/** `secret=…`, `token: …`, `password: …` in any message: the value is masked, the name kept. */
const SECRET_ASSIGNMENT =
  /((?:secret|password|passwd|token|signature|credential|authorization|access[_-]?key)[\w-]*["']?\s*[:=]\s*)("[^"]*"|'[^']*'|\S+)/gi;

/** Values shorter than this are not masked by value (they would mask ordinary words). */
const SHORTEST_SECRET = 4;

/** `text` with the known secret values and anything credential-shaped replaced by [redacted]. */
export function maskCredentials(text: string, known: Iterable<string | undefined> = []): string {
  let out = text;
  const values = [...known].filter(
    (value): value is string => typeof value === 'string' && value.length >= SHORTEST_SECRET,
  );
  // Longest first: a token that contains a key id is masked whole.
  for (const value of values.sort((a, b) => b.length - a.length)) out = out.split(value).join(MASK);
  out = out.replace(HEADER_VALUE, (_match, name: string) => `${name}${MASK}`);
  for (const pattern of SHAPED)
    out = out.replace(pattern, (match) =>
      match.includes('=') ? `${match.slice(0, match.indexOf('=') + 1)}${MASK}` : MASK,
    );
  return out.replace(SECRET_ASSIGNMENT, (match, name: string, value: string) =>
    value.startsWith(MASK) ? match : `${name}${MASK}`,
  );
}
