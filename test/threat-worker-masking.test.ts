import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.ts';
import { safeErrorText } from '../src/app/error-text.ts';
import { createWorker } from '../src/slack/worker.ts';
import { createDynamoStateStore, ensureTable } from '../src/store/dynamo.ts';
import { startDynalite } from './support/dynalite.ts';
import type { Dynalite } from './support/dynalite.ts';

// Issue 12, section 7: credentials never appear in output. The worker's failure replies to Slack
// are masked by the same maskCredentials as every adapter message (one masking).

const config = configSchema.parse({ providers: { aws: { regions: ['eu-west-1'] } }, slack: { channel: 'C0SECURITY' } });
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YXJkZW4ifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

let db: Dynalite;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db.stop();
});

describe('attack: an endpoint echoes the bearer token of the request in the error a job fails with', () => {
  it("the person's Slack reply carries the error, its Authorization header value masked whole", async () => {
    await ensureTable(db.client, 'warden-masking');
    const replies: string[] = [];
    const worker = createWorker({
      config,
      store: createDynamoStateStore({ tableName: 'warden-masking', client: db.client }),
      client: { chat: { postMessage: async () => ({ ts: '1.1' }), update: async () => ({}) } },
      adapters: async () => {
        throw new Error(
          `HTTP 401 from the proxy: {"headers":{"Authorization":"Bearer ${JWT}"}} and Authorization: Bearer ${JWT}`,
        );
      },
      postToResponseUrl: async (_url, body) => void replies.push(String(body['text'])),
    });

    await worker.handle({
      kind: 'findings',
      args: {},
      user: 'U1',
      channel: 'C0SECURITY',
      responseUrl: 'http://127.0.0.1:9/response',
      requestId: 'mask-1',
    });

    expect(replies).toEqual(
      [
        'Warden could not complete `findings`: HTTP 401 from the proxy: {"headers":{"Authorization":[redacted]}} and Authorization: [redacted]',
      ].map((t) => `:x: ${t}`),
    );
  });

  it('keeps what it did before: one line, at most 300 characters, names kept and values masked', () => {
    expect(safeErrorText(new Error('secret_access_key="abc" and xoxp-1-2\nstack'))).toBe(
      'secret_access_key=[redacted] and [redacted]',
    );
    expect(
      safeErrorText(new Error(`webhook https://hooks.slack.com/services/T0/B0/abc failed; ${'x'.repeat(400)}`)),
    ).toMatch(/^webhook \[redacted\] failed; x+…$/);
    expect(safeErrorText(new Error(`webhook failed; ${'x'.repeat(400)}`))).toHaveLength(300);
  });
});
