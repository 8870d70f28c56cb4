// AK/SK request signing for Open Telekom Cloud: the API Gateway "SDK-HMAC-SHA256" scheme that OTC's
// API references point to ("AK/SK Authentication": sign with the signature algorithm or the signing
// SDK). The steps follow the API Request Signing Guide (devg-apisign, api-sign-algorithm-002 … 005)
// and the gateway's own signing SDK (signer.js, "HWS API Gateway Signature"):
//
//   CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
//                      SignedHeaders \n HexEncode(SHA256(body))
//   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n HexEncode(SHA256(CanonicalRequest))
//   Signature        = HexEncode(HMAC-SHA256(SK, StringToSign))
//   Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<signature>
//
// - CanonicalURI: every path segment percent-encoded (RFC 3986: only A-Z a-z 0-9 - . _ ~ stay),
//   always ending with "/" (the guide: "If a URI does not end with a slash (/), add a slash").
// - CanonicalQueryString: parameters sorted by name (then value), names and values encoded the same
//   way, joined with "&"; a parameter without a value is "name=".
// - CanonicalHeaders: the signed headers, names lowercased, values trimmed, sorted by name, each
//   "name:value\n"; `host` is always signed. SignedHeaders: the same names joined with ";".
// - The body is hashed as sent (the empty string for GET and DELETE).
// The published worked example (test/otc-sign.test.ts) pins all of it.
//
// The choice is explicit: this is our own signer, not the Huawei SDK's (whose Node signer hashes
// JSON.stringify of the payload rather than the bytes sent and does not trim header values), so the
// request OTC receives is exactly the one signed.

import { createHash, createHmac } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface AkSk {
  accessKey: string;
  secretKey: string;
}

/** Thrown when credentials are missing: one line naming the variables to set. */
export class OtcCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtcCredentialsError';
  }
}

/** AK/SK from OTC_ACCESS_KEY / OTC_SECRET_KEY, or the OpenStack-style OS_ACCESS_KEY / OS_SECRET_KEY. */
export function akskFromEnv(env: NodeJS.ProcessEnv): AkSk {
  const accessKey = env.OTC_ACCESS_KEY || env.OS_ACCESS_KEY || '';
  const secretKey = env.OTC_SECRET_KEY || env.OS_SECRET_KEY || '';
  if (accessKey === '' || secretKey === '') {
    const missing = [accessKey === '' ? 'OTC_ACCESS_KEY' : '', secretKey === '' ? 'OTC_SECRET_KEY' : '']
      .filter(Boolean)
      .join(' and ');
    throw new OtcCredentialsError(
      `OTC AK/SK authentication needs OTC_ACCESS_KEY and OTC_SECRET_KEY (or OS_ACCESS_KEY and OS_SECRET_KEY) in the environment; ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set`,
    );
  }
  return { accessKey, secretKey };
}

/** X-Sdk-Date: the request time in UTC as YYYYMMDDTHHMMSSZ. */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 percent-encoding of UTF-8 bytes; only unreserved characters stay as they are. */
export function urlEncode(text: string): string {
  let out = '';
  for (const char of text) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path as sent: each (decoded) segment encoded with urlEncode. No trailing slash is added. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => urlEncode(decodeSegment(segment)))
    .join('/');
}

/** CanonicalURI: the encoded path, always ending with "/". */
export function canonicalUri(path: string): string {
  const encoded = encodePath(path === '' ? '/' : path);
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** CanonicalQueryString from decoded (name, value) pairs: sorted by name, then value; encoded. */
export function canonicalQueryString(params: Iterable<readonly [string, string]>): string {
  return [...params]
    .map(([name, value]) => [name, value] as const)
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([name, value]) => `${urlEncode(name)}=${urlEncode(value)}`)
    .join('&');
}

/** Decoded query pairs of a URL ('+' is a literal plus here, as the gateway reads it). */
export function queryPairs(url: URL): Array<[string, string]> {
  const search = url.search.startsWith('?') ? url.search.slice(1) : url.search;
  if (search === '') return [];
  return search
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=');
      const name = at < 0 ? part : part.slice(0, at);
      const value = at < 0 ? '' : part.slice(at + 1);
      return [decodeSegment(name), decodeSegment(value)];
    });
}

/** CanonicalHeaders and SignedHeaders of a header set (names lowercased, values trimmed, sorted). */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): { canonical: string; signed: string[] } {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) lower.set(name.toLowerCase(), value.trim());
  const signed = [...lower.keys()].sort(compare);
  return { canonical: signed.map((name) => `${name}:${lower.get(name)}\n`).join(''), signed };
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface SignInput {
  method: string;
  url: URL;
  /** Headers to sign and send (Content-Type, X-Project-Id …); `host` is added from the URL unless given. */
  headers: Readonly<Record<string, string>>;
  /** The exact body that will be sent; '' or undefined for none. */
  body?: string | Uint8Array;
}

export interface SignedRequest {
  /** The URL to send: path and query encoded exactly as signed. */
  url: URL;
  /** Headers to send: the input headers, X-Sdk-Date and Authorization (`host` is left to the HTTP client). */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  signedHeaders: string[];
}

/** Signs a request with OTC's SDK-HMAC-SHA256 scheme. `date` is the signing time (X-Sdk-Date). */
export function signRequest(input: SignInput, credentials: AkSk, date: Date): SignedRequest {
  const method = input.method.toUpperCase();
  const query = canonicalQueryString(queryPairs(input.url));
  const url = new URL(input.url.href);
  url.pathname = encodePath(input.url.pathname);
  url.search = query === '' ? '' : `?${query}`;

  const send: Record<string, string> = {};
  let timestamp: string | undefined;
  let hasHost = false;
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') continue;
    if (lower === 'x-sdk-date') timestamp = value.trim();
    if (lower === 'host') hasHost = true;
    send[name] = value;
  }
  timestamp ??= sdkDate(date);
  const toSign: Record<string, string> = { ...send };
  if (!Object.keys(send).some((name) => name.toLowerCase() === 'x-sdk-date')) {
    send['X-Sdk-Date'] = timestamp;
    toSign['X-Sdk-Date'] = timestamp;
  }
  if (!hasHost) toSign.host = url.host;

  const { canonical, signed } = canonicalHeaders(toSign);
  const canonicalRequest = [
    method,
    canonicalUri(url.pathname),
    query,
    canonical,
    signed.join(';'),
    sha256Hex(input.body ?? ''),
  ].join('\n');
  const stringToSign = `${SIGNING_ALGORITHM}\n${timestamp}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', credentials.secretKey).update(stringToSign).digest('hex');
  send.Authorization = `${SIGNING_ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  return { url, headers: send, canonicalRequest, stringToSign, signature, signedHeaders: signed };
}
