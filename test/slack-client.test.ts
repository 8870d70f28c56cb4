import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientChat, slackClientFor } from '../functions/lib/runtime.ts';

// The functions' Slack client against a loopback Web API that rate-limits: a short Retry-After is
// waited out (and no longer), a long one fails at once so the queue retries the work later,
// instead of a Lambda idling for minutes.

let server: Server;
let url: string;
/** Retry-After seconds for the next chat.postMessage calls, then 200s. */
let limits: number[] = [];
let calls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      const limit = limits.shift();
      res.setHeader('content-type', 'application/json');
      if (limit !== undefined) {
        res.statusCode = 429;
        res.setHeader('retry-after', String(limit));
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1700000000.000100' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  url = `http://127.0.0.1:${address.port}/api/`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(slept: number[]) {
  return patientChat(
    slackClientFor({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: url }),
    async (ms) => void slept.push(ms),
  );
}

describe('the functions’ Slack client under rate limits', () => {
  it('waits out short Retry-After answers (≤ 5 s) and posts', async () => {
    const slept: number[] = [];
    limits = [1, 2];
    calls = 0;
    const result = await client(slept).chat.postMessage({ channel: 'C1', text: 'finding' });
    expect(result.ts).toBe('1700000000.000100');
    expect(slept).toEqual([1000, 2000]);
    expect(calls).toBe(3);
  });

  it('fails at once on a long Retry-After, without waiting', async () => {
    const slept: number[] = [];
    limits = [60];
    calls = 0;
    await expect(client(slept).chat.postMessage({ channel: 'C1', text: 'finding' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 60,
    });
    expect(slept).toEqual([]);
    expect(calls).toBe(1);
  });

  it('gives up after three short waits', async () => {
    const slept: number[] = [];
    limits = [1, 1, 1, 1];
    calls = 0;
    await expect(client(slept).chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
    });
    expect(slept).toEqual([1000, 1000, 1000]);
    expect(calls).toBe(4);
  });
});
