/**
 * The SSM paths (under /warden/<stage>/) each function reads: the signing secret only where Slack's
 * requests are verified, the provider keys that can change security groups only where fixes are
 * applied, the read-only keys where scopes are planned or read; the chart function only the bot token.
 */
export const SECRET_PATHS = {
  slack: ['slack', 'slack-signing'],
  schedule: ['slack', 'providers/read'],
  scan: ['slack', 'providers/read'],
  apply: ['slack', 'providers/write'],
  realtime: ['slack', 'providers/read', 'events'],
  chart: ['slack'],
} as const;
