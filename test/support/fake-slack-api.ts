import { createServer } from 'node:http';

// A loopback fake of Slack's Web API (`<url>/api/<method>`) and of response_url posts (any other
// path): it records every request (path and body, form or JSON) and answers `{ ok: true }`,
// auth.test as a bot, usergroups.users.list with the members given, conversations.members with the
// channel members given (two to a page, so callers must follow next_cursor). File uploads as Slack
// documents them: files.getUploadURLExternal (filename and a non-zero length required, alt_txt at
// most 1,000 characters) gives an upload URL here (`/upload/<file id>`) that takes the bytes (200
// only when as many arrived as announced), and files.completeUploadExternal shares only files
// whose bytes arrived, in a thread only with a channel_id.

export interface RecordedSlackCall {
  path: string;
  body: Record<string, unknown>;
}

export type FakeSlackCall = RecordedSlackCall;

export interface FakeSlackUpload {
  fileId: string;
  filename: string;
  length: number;
  altTxt?: string;
  bytes?: Buffer;
}

export interface FakeSlackApi {
  /** http://127.0.0.1:<port>: the Web API under `/api`, response URLs anywhere else. */
  url: string;
  recorded: RecordedSlackCall[];
  /** The same calls as `recorded`. */
  calls: RecordedSlackCall[];
  /** The `text` of each message posted to a response_url, in order. */
  responses(): string[];
  /** Each upload files.getUploadURLExternal started, with the bytes POSTed to its URL. */
  uploads: FakeSlackUpload[];
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
  const uploads: FakeSlackUpload[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] as string;
      const raw = Buffer.concat(chunks);
      if (path.startsWith('/upload/')) {
        recorded.push({ path, body: { bytes: raw.length } });
        const upload = uploads.find((u) => u.fileId === path.slice('/upload/'.length));
        if (!upload || raw.length !== upload.length) {
          res.statusCode = 400;
          res.end('bad upload');
          return;
        }
        upload.bytes = raw;
        res.end(`OK - ${raw.length}`);
        return;
      }
      const body = parseBody(raw.toString('utf8'), req.headers['content-type']);
      recorded.push({ path, body });
      res.setHeader('content-type', 'application/json');
      const members = userGroups[String(body['usergroup'])];
      if (path === '/api/files.getUploadURLExternal') res.end(JSON.stringify(startUpload(body)));
      else if (path === '/api/files.completeUploadExternal') res.end(JSON.stringify(completeUpload(body)));
      else if (path === '/api/auth.test')
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
      else if (path === '/api/usergroups.users.list')
        res.end(JSON.stringify(members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' }));
      else if (path === '/api/conversations.members')
        res.end(JSON.stringify(membersPage(channelMembers[String(body['channel'])], body['cursor'])));
      else if (path.startsWith('/api/')) res.end(JSON.stringify({ ok: true }));
      else res.end('ok');
    });
  });
  function startUpload(body: Record<string, unknown>): Record<string, unknown> {
    const length = Number(body['length']);
    if (!body['filename'] || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'missing_argument' };
    const altTxt = body['alt_txt'] === undefined ? undefined : String(body['alt_txt']);
    if (altTxt !== undefined && altTxt.length > 1000) return { ok: false, error: 'alt_txt_too_large' };
    const fileId = `F${String(uploads.length + 1).padStart(8, '0')}`;
    uploads.push({ fileId, filename: String(body['filename']), length, ...(altTxt !== undefined ? { altTxt } : {}) });
    return { ok: true, upload_url: `${base}/upload/${fileId}`, file_id: fileId };
  }

  function completeUpload(body: Record<string, unknown>): Record<string, unknown> {
    let files: { id?: string; title?: string }[];
    try {
      files = (typeof body['files'] === 'string' ? JSON.parse(body['files']) : body['files']) as typeof files;
    } catch {
      return { ok: false, error: 'invalid_arguments' };
    }
    if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
    if (body['thread_ts'] && !body['channel_id'] && !body['channels']) return { ok: false, error: 'invalid_arguments' };
    for (const file of files)
      if (!uploads.some((u) => u.fileId === file.id && u.bytes)) return { ok: false, error: 'file_not_found' };
    return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the fake Slack API has no port');
  base = `http://127.0.0.1:${address.port}`;
  return {
    url: base,
    recorded,
    calls: recorded,
    uploads,
    responses: () =>
      recorded
        .filter((c) => !c.path.startsWith('/api/') && !c.path.startsWith('/upload/'))
        .map((c) => String(c.body['text'])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
