import { createServer } from 'node:http';

// A loopback fake of Slack's Web API and of response_url for tests of the Lambda handler: every
// call is recorded (path and body, form or JSON), auth.test answers as a bot, everything else `ok`.

export interface FakeSlackCall {
  path: string;
  body: Record<string, unknown>;
}

export interface FakeSlackApi {
  /** http://127.0.0.1:<port>: the Web API under `/api`, response URLs anywhere else. */
  url: string;
  calls: FakeSlackCall[];
  /** The `text` of each message posted to a response_url, in order. */
  responses(): string[];
  close(): Promise<void>;
}

function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.includes('json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: FakeSlackCall[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      calls.push({ path, body: parseBody(text, req.headers['content-type']) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(path === '/api/auth.test' ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' } : { ok: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the fake Slack API has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    responses: () => calls.filter((c) => !c.path.startsWith('/api/')).map((c) => String(c.body['text'])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
