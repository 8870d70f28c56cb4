import type { Notice, Text } from '../app/notice.ts';
import type { Asker, Notifier, Place } from '../app/ports.ts';
import { channelOf } from '../app/ports.ts';
import type { Severity } from '../model/types.ts';
import type { MessageRef } from '../store/state.ts';
import { isSlackUserId } from './authorize.ts';
import {
  appliedMessage,
  digestMessage,
  findingMessage,
  resolvedUpdate,
  resumeMessage,
  suppressedUpdate,
  suppressionEndedNotice,
} from './blocks.ts';
import { code, userText } from './blocks/elements.ts';

// The use cases' notifier in Slack: notices rendered as Block Kit (src/slack/blocks), posted with the Web API or
// answered through a response_url.

/** The part of Slack's WebClient Warden posts with (a WebClient fits; tests pass a recording fake). */
export interface SlackChatClient {
  chat: {
    postMessage(args: {
      channel: string;
      text: string;
      blocks?: unknown[];
      thread_ts?: string;
    }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<unknown>;
  };
}

/** POSTs a JSON body to a response_url. */
export type ResponseUrlPoster = (url: string, body: Record<string, unknown>) => Promise<void>;

export async function postToResponseUrlWithFetch(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}

/** A sentence in Slack's mrkdwn: values as code, outside text escaped. */
export function mrkdwnOf(text: Text): string {
  return text
    .map((part) =>
      typeof part === 'string' ? part : 'code' in part ? code(part.code, part.max) : userText(part.quoted, part.max),
    )
    .join('');
}

type Rendered = { text: string; blocks?: unknown[] };

function render(notice: Exclude<Notice, { kind: 'digest' }>): Rendered {
  switch (notice.kind) {
    case 'text':
      return { text: mrkdwnOf(notice.text) };
    case 'finding':
      return notice.planned
        ? findingMessage(notice.finding, notice.planned)
        : findingMessage(notice.finding, undefined, {
            ...(notice.noPlanReason !== undefined ? { noPlanReason: notice.noPlanReason } : {}),
          });
    case 'resolved':
      return resolvedUpdate(notice.finding, { note: notice.note });
    case 'suppressed':
      return suppressedUpdate(notice.finding, notice.suppression);
    case 'suppression-ended':
      return { text: suppressionEndedNotice(notice.suppression, notice.at) };
    case 'change':
      return appliedMessage(notice.record);
    case 'resume':
      return resumeMessage(mrkdwnOf(notice.text), notice.fingerprint, notice.planId, notice.interruptedChangeId);
  }
}

export function createSlackNotifier(deps: {
  client: SlackChatClient;
  postToResponseUrl: ResponseUrlPoster;
  minSeverity: Severity;
}): Notifier {
  const { client, postToResponseUrl } = deps;

  async function postOne(where: Place, message: Rendered): Promise<string | undefined> {
    const result = await client.chat.postMessage({
      channel: where.channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    });
    return result.ts;
  }

  return {
    async post(where, notice) {
      if (notice.kind !== 'digest') return postOne(where, render(notice));
      // The digest's continuations go in the thread of its first message.
      let digestTs: string | undefined;
      for (const message of digestMessage({ summary: notice.summary }, notice.delta, {
        minSeverity: deps.minSeverity,
        ...(notice.heldBack !== undefined ? { heldBack: notice.heldBack } : {}),
      })) {
        const ts = await postOne({ channel: where.channel, ...(digestTs ? { threadTs: digestTs } : {}) }, message);
        digestTs ??= ts;
      }
      return digestTs;
    },
    async update(message: MessageRef, notice) {
      if (notice.kind === 'digest') throw new Error('a digest is posted, not updated');
      const rendered = render(notice);
      await client.chat.update({
        channel: message.channel,
        ts: message.ts,
        text: rendered.text,
        ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
      });
    },
    async answer(asker: Asker, notice) {
      if (notice.kind === 'digest') throw new Error('a digest is posted, not answered');
      const { text } = render(notice);
      if (asker.replyTo) {
        await postToResponseUrl(asker.replyTo, { response_type: 'ephemeral', replace_original: false, text });
        return;
      }
      await client.chat.postMessage({ channel: channelOf(asker), text });
    },
    async whisper(asker: Asker, notice) {
      if (!asker.replyTo || notice.kind === 'digest') return;
      await postToResponseUrl(asker.replyTo, {
        response_type: 'ephemeral',
        replace_original: false,
        ...render(notice),
      });
    },
    textOf: mrkdwnOf,
    isPerson: isSlackUserId,
  };
}
