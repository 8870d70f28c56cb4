// SLACK_API_URL (a loopback fake in tests), apart from the Bolt app so that a function posting with a bare WebClient
// (the chart function) does not bundle Bolt to read it.

/** `slackApiUrl` with its trailing slash (the Web API client appends method names to it). */
export function slackApiUrlOf(env: { SLACK_API_URL?: string | undefined }): string | undefined {
  const url = env.SLACK_API_URL?.trim();
  if (!url) return undefined;
  return url.endsWith('/') ? url : `${url}/`;
}
