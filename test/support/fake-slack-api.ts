import { createServer } from 'node:http';

// A loopback fake of Slack's Web API (`<url>/api/<method>`) and of response_url posts (any other
// path): it records every request (path and body, form or JSON) and answers `{ ok: true }`,
// auth.test as a bot, usergroups.users.list with the members given, and conversations.members with the
// channel members given (two to a page, so callers must follow next_cursor).

export interface RecordedSlackCall {
  path: string;
  body: Record<string, unknown>;
}

export type FakeSlackCall = RecordedSlackCall;

export interface FakeSlackApi {
  /** http://127.0.0.1:<port>: the Web API under `/api`, response URLs anywhere else. */
  url: string;
  recorded: RecordedSlackCall[];
  /** The same calls as `recorded`. */
  calls: RecordedSlackCall[];
  /** The `text` of each message posted to a response_url, in order. */
  responses(): string[];
  close(): Promise<void>;
}

function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (text === '') return {};
  if (contentType?.includes('json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

/** One page of conversations.members: `cursor` is the offset into the list. */
function membersPage(members: string[] | undefined, cursor: unknown): Record<string, unknown> {
  if (!members) return { ok: false, error: 'channel_not_found' };
  const from = Number(cursor || 0);
  const next = from + 2 < members.length ? String(from + 2) : '';
  return { ok: true, members: members.slice(from, from + 2), response_metadata: { next_cursor: next } };
}

export async function startFakeSlackApi(
  userGroups: Record<string, string[]> = {},
  channelMembers: Record<string, string[]> = {},
): Promise<FakeSlackApi> {
  const recorded: RecordedSlackCall[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      const body = parseBody(text, req.headers['content-type']);
      recorded.push({ path, body });
      res.setHeader('content-type', 'application/json');
      const members = userGroups[String(body['usergroup'])];
      if (path === '/api/auth.test')
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
      else if (path === '/api/usergroups.users.list')
        res.end(JSON.stringify(members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' }));
      else if (path === '/api/conversations.members')
        res.end(JSON.stringify(membersPage(channelMembers[String(body['channel'])], body['cursor'])));
      else if (path.startsWith('/api/')) res.end(JSON.stringify({ ok: true }));
      else res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the fake Slack API has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    recorded,
    calls: recorded,
    responses: () => recorded.filter((c) => !c.path.startsWith('/api/')).map((c) => String(c.body['text'])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
