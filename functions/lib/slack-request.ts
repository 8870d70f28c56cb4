import { isValidSlackRequest } from '@slack/bolt';

// The Slack endpoint's front door, before Bolt's AwsLambdaReceiver sees a request. The receiver
// parses the body before it checks the signature (a malformed unsigned body throws), and answers
// any body with an `ssl_check` field without checking it. Here, in order: the size limit, the one
// unsigned request Slack sends (a bare ssl_check), the signature; only then is the body parsed.

/** Slack's own requests (commands, button clicks, modal submissions) are far smaller; anything bigger is refused unread. */
export const SLACK_MAX_BODY_BYTES = 512 * 1024;

export interface SlackRequestParts {
  headers: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded: boolean;
}

export type Screened = { ok: true; body: string } | { ok: false; statusCode: 200 | 401 | 413; reason?: string };

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The body as text, or undefined when it is over `maxBytes` (judged before decoding or hashing it). */
function boundedBody(request: SlackRequestParts, maxBytes: number): string | undefined {
  const raw = request.body ?? '';
  if (request.isBase64Encoded) {
    if (raw.length > Math.ceil(maxBytes / 3) * 4) return undefined;
    const bytes = Buffer.from(raw, 'base64');
    return bytes.length > maxBytes ? undefined : bytes.toString('utf8');
  }
  return raw.length > maxBytes || Buffer.byteLength(raw) > maxBytes ? undefined : raw;
}

/** Slack's certificate check on a slash command's URL: `ssl_check=1` and its token, nothing else. */
function isBareSslCheck(body: string, contentType: string | undefined): boolean {
  if (contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return false;
  const fields = [...new URLSearchParams(body).keys()];
  return fields.includes('ssl_check') && fields.every((name) => name === 'ssl_check' || name === 'token');
}

/** Decides whether a request reaches Bolt: the body within the limit, and signed (a bare ssl_check is answered empty). */
export function screenSlackRequest(
  request: SlackRequestParts,
  options: { signingSecret: string; maxBodyBytes?: number; nowMilliseconds?: number },
): Screened {
  const maxBytes = options.maxBodyBytes ?? SLACK_MAX_BODY_BYTES;
  const body = boundedBody(request, maxBytes);
  if (body === undefined) return { ok: false, statusCode: 413, reason: `body over the ${maxBytes}-byte limit` };
  if (isBareSslCheck(body, header(request.headers, 'content-type'))) return { ok: false, statusCode: 200 };
  const signature = header(request.headers, 'x-slack-signature') ?? '';
  const timestamp = Number(header(request.headers, 'x-slack-request-timestamp'));
  const valid = isValidSlackRequest({
    signingSecret: options.signingSecret,
    body,
    headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    ...(options.nowMilliseconds !== undefined ? { nowMilliseconds: options.nowMilliseconds } : {}),
  });
  return valid ? { ok: true, body } : { ok: false, statusCode: 401 };
}
