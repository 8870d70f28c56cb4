import { createHmac } from 'node:crypto';
import type { HttpApiEvent } from '../../functions/slack.ts';

// Slack requests as API Gateway (HTTP API, payload v2) hands them to functions/slack.ts, signed the
// way Slack signs them: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>").

export function signSlackBody(body: string, timestamp: number, secret: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignOptions {
  secret: string;
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  /** A signature to send instead of the right one (to test refusal). */
  signature?: string;
}

export function signedHttpApiEvent(body: string, options: SignOptions): HttpApiEvent {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? signSlackBody(body, timestamp, options.secret),
    },
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
    body,
    isBase64Encoded: false,
  };
}
