import type { ChartPlace } from '../app/ports.ts';
import type { ChartImage } from '../app/post-chart.ts';

// A chart into a thread the way files.uploadV2 does it: files.getUploadURLExternal, the bytes POSTed to the URL it
// gives, files.completeUploadExternal with the channel and thread. Done step by step rather than with the SDK's
// filesUploadV2, which sends the alt text as `alt_text`: the method documents `alt_txt` (at most 1,000 characters),
// so the SDK's alt text never reaches Slack.

/** Slack's documented limit for alt_txt. */
const ALT_TEXT_MAX = 1000;

/** The Web API methods the upload calls (a WebClient fits). */
export interface SlackFilesClient {
  files: {
    getUploadURLExternal(args: {
      filename: string;
      length: number;
      alt_txt?: string;
    }): Promise<{ ok?: boolean; upload_url?: string; file_id?: string; error?: string }>;
    completeUploadExternal(args: {
      files: [{ id: string; title?: string }];
      channel_id: string;
      thread_ts: string;
    }): Promise<{ ok?: boolean; error?: string }>;
  };
}

export type UploadPoster = (url: string, bytes: Uint8Array) => Promise<void>;

/** POSTs the bytes to the upload URL as they are (Slack takes raw bytes or a multipart form); 200 is success. */
export async function postUploadWithFetch(url: string, bytes: Uint8Array): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (response.status !== 200) throw new Error(`Slack's file upload URL answered HTTP ${response.status}`);
}

export async function uploadChart(
  client: SlackFilesClient,
  where: ChartPlace,
  image: ChartImage,
  post: UploadPoster = postUploadWithFetch,
): Promise<void> {
  const altText = image.altText.length > ALT_TEXT_MAX ? `${image.altText.slice(0, ALT_TEXT_MAX - 1)}…` : image.altText;
  const started = await client.files.getUploadURLExternal({
    filename: image.filename,
    length: image.png.length,
    alt_txt: altText,
  });
  if (!started.upload_url || !started.file_id)
    throw new Error(`files.getUploadURLExternal gave no upload URL (${started.error ?? 'no error named'})`);
  await post(started.upload_url, image.png);
  await client.files.completeUploadExternal({
    files: [{ id: started.file_id, title: image.title }],
    channel_id: where.channel,
    thread_ts: where.threadTs,
  });
}
