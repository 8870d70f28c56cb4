import type { SlackChatClient } from '../../src/slack/notifier.ts';

// A recording fake of the two Web API methods the worker uses (chat.postMessage, chat.update):
// each post gets a fresh message ts, in order.

export interface Posted {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ts: string;
}

export interface Updated {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
}

export function recordingSlack(): SlackChatClient & { posted: Posted[]; updated: Updated[] } {
  let n = 0;
  const fake = {
    posted: [] as Posted[],
    updated: [] as Updated[],
    chat: {
      async postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }) {
        const ts = `1700000000.${String(++n).padStart(6, '0')}`;
        fake.posted.push({ ...args, ts });
        return { ok: true, ts };
      },
      async update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }) {
        fake.updated.push(args);
        return { ok: true };
      },
    },
  };
  return fake;
}
