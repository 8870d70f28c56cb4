import { createHmac } from 'node:crypto';
import type { HttpApiEvent } from '../../functions/slack.ts';
import { ACCEPT_RISK_INPUTS, VIEW_IDS } from '../../src/slack/actions.ts';

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
  /** Default a form body; Events API callbacks are JSON. */
  contentType?: 'application/x-www-form-urlencoded' | 'application/json';
}

export function signedHttpApiEvent(body: string, options: SignOptions): HttpApiEvent {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? signSlackBody(body, timestamp, options.secret),
    },
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
    body,
    isBase64Encoded: false,
  };
}

/** A `/warden` slash command's form body, as Slack posts it. */
export function commandBody(
  text: string,
  options: { user: string; channel: string; triggerId: string; responseUrl: string },
): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: 'T1',
    team_domain: 'example',
    channel_id: options.channel,
    channel_name: 'security',
    user_id: options.user,
    user_name: 'someone',
    command: '/warden',
    text,
    api_app_id: 'A1',
    response_url: options.responseUrl,
    trigger_id: options.triggerId,
  }).toString();
}

/** The fields every interaction payload carries about who sent it, and from which app. */
function interactionFrom(user: string): Record<string, unknown> {
  return {
    team: { id: 'T1', domain: 'example' },
    user: { id: user, username: 'someone', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
  };
}

/** A button click (block_actions) as Slack posts it: `payload=<json>`. */
export function buttonClickBody(options: {
  user: string;
  channel: string;
  actionId: string;
  value: string;
  triggerId: string;
  responseUrl: string;
  messageTs?: string;
}): string {
  const ts = options.messageTs ?? '1700000000.000100';
  const action = {
    type: 'block_actions',
    ...interactionFrom(options.user),
    container: { type: 'message', message_ts: ts, channel_id: options.channel, is_ephemeral: false },
    trigger_id: options.triggerId,
    channel: { id: options.channel, name: 'security' },
    message: { type: 'message', ts, text: 'finding' },
    response_url: options.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: 'warden_actions',
        value: options.value,
        action_ts: '1700000001.000200',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(action) }).toString();
}

/** The accept-risk modal's submission (view_submission) as Slack posts it: `payload=<json>`. */
export function acceptRiskSubmissionBody(options: {
  user: string;
  privateMetadata: string;
  reason: string;
  date: string | null;
  viewId?: string;
  triggerId?: string;
}): string {
  const payload = {
    type: 'view_submission',
    ...interactionFrom(options.user),
    trigger_id: options.triggerId ?? 'trigger-view',
    view: {
      id: options.viewId ?? 'V0123456',
      team_id: 'T1',
      type: 'modal',
      callback_id: VIEW_IDS.acceptRisk,
      private_metadata: options.privateMetadata,
      hash: '1700000000.abcdef',
      blocks: [],
      state: {
        values: {
          [ACCEPT_RISK_INPUTS.reasonBlock]: {
            [ACCEPT_RISK_INPUTS.reasonAction]: { type: 'plain_text_input', value: options.reason },
          },
          [ACCEPT_RISK_INPUTS.expiryBlock]: {
            [ACCEPT_RISK_INPUTS.expiryAction]: { type: 'datepicker', selected_date: options.date },
          },
        },
      },
      title: { type: 'plain_text', text: 'Accept risk' },
      app_id: 'A1',
      bot_id: 'BBOT',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API callback (JSON) carrying `event`, as Slack posts it. */
export function eventCallbackBody(event: Record<string, unknown>, eventId = 'Ev0HOME0001'): string {
  return JSON.stringify({
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: 1_700_000_000,
  });
}

/** A click on a button of the App Home tab: no channel, no message, no response_url. */
export function homeClickBody(options: { user: string; actionId: string; value: string; triggerId: string }): string {
  const action = {
    type: 'block_actions',
    ...interactionFrom(options.user),
    container: { type: 'view', view_id: 'VHOME0001' },
    trigger_id: options.triggerId,
    view: { id: 'VHOME0001', team_id: 'T1', type: 'home', blocks: [], private_metadata: '', callback_id: '' },
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: 'warden_home',
        value: options.value,
        action_ts: '1700000001.000200',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(action) }).toString();
}
