import { z } from 'zod';
import { canonicalCidr } from '../model/address.ts';
import { unknownName } from './closest.ts';
import { parsePortList, parseProtocol } from '../model/protocol.ts';
import { PROVIDER_CONFIG_SHAPE } from '../model/providers/index.ts';
import { PROVIDERS } from '../model/types.ts';
import { suppressionsSchema } from './suppressions.ts';

const port = z.number().int().min(0).max(65535);
const cidr = z.string().refine((value) => canonicalCidr(value) !== undefined, { message: 'is not a CIDR block' });

/** Security Hub EC2.19 plus Prowler's service checks (issue 2). */
export const DEFAULT_HIGH_RISK_PORTS = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888,
  9200, 9300, 1521, 2483, 6379, 11211, 27017, 27018, 7199, 9160, 9092,
];

const templateRule = z
  .object({
    direction: z.enum(['ingress', 'egress']),
    action: z.enum(['allow', 'deny']).optional(),
    family: z.enum(['ipv4', 'ipv6']),
    protocol: z
      .string()
      .min(1)
      .refine((value) => parseProtocol(value) !== undefined, {
        message: 'is not a protocol (tcp, udp, icmp, icmpv6, gre, all, or a number 0-255)',
      }),
    ports: z
      .string()
      .refine((value) => parsePortList(value) !== undefined, {
        message: 'is not a port list ("all", "22", "80-90", "22,80-90"; ports 0-65535)',
      })
      .optional(),
    peer: z
      .string()
      .min(1)
      .refine((value) => value === 'self' || /^group:\S+$/.test(value) || canonicalCidr(value) !== undefined, {
        message: 'is not a CIDR block, "self" or "group:<id>"',
      }),
    priority: z.number().int().optional(),
    description: z.string().optional(),
    optional: z.boolean().optional(),
  })
  .strict();

const template = z
  .object({
    id: z.string().min(1),
    title: z.string().default(''),
    providers: z.array(z.enum(PROVIDERS)).default([...PROVIDERS]),
    names: z.array(z.string()).default([]),
    source: z.string().default('user template'),
    rules: z.array(templateRule),
  })
  .strict();

/** Each cloud's section, `providers.<name>`, as its descriptor declares it. */
export const providersSchema = z.object(PROVIDER_CONFIG_SHAPE).strict().default({});

export type ProvidersConfig = z.output<typeof providersSchema>;

/** Service names accepted in `remediation.trustedSources` next to port numbers. */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  'ftp-data': 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  dns: 53,
  http: 80,
  pop3: 110,
  imap: 143,
  https: 443,
  smb: 445,
  mssql: 1433,
  oracle: 1521,
  mysql: 3306,
  rdp: 3389,
  postgresql: 5432,
  postgres: 5432,
  kibana: 5601,
  redis: 6379,
  kafka: 9092,
  elasticsearch: 9200,
  memcached: 11211,
  mongodb: 27017,
};

const TRUSTED_SOURCE = /^(?:sg|prefix-list|address-group):\S+$/;
const trustedSourceText = z
  .string()
  .refine((value) => TRUSTED_SOURCE.test(value) || canonicalCidr(value) !== undefined, {
    message: 'is not a CIDR block, sg:<groupId>, prefix-list:<id> or address-group:<id>',
  });

/** A trusted source as written (`"203.0.113.0/24"` or `{ source, label }`), normalized to `{ source, label? }`; CIDRs canonical. */
const trustedSource = z
  .union([trustedSourceText, z.object({ source: trustedSourceText, label: z.string().min(1).optional() }).strict()])
  .transform((value) => {
    const entry = typeof value === 'string' ? { source: value } : value;
    const source = TRUSTED_SOURCE.test(entry.source) ? entry.source : (canonicalCidr(entry.source) as string);
    return entry.label === undefined ? { source } : { source, label: entry.label };
  });

function isPortOrService(key: string): boolean {
  return (/^\d{1,5}$/.test(key) && Number(key) <= 65535) || Object.hasOwn(SERVICE_PORTS, key.toLowerCase());
}

/** `443`, `8000-8010`, `udp/53`, `tcp/8000-8010`. */
export const GROUP_PORT = /^(?:(tcp|udp)\/)?(\d{1,5})(?:-(\d{1,5}))?$/;
const groupPort = z.string().refine(
  (text) => {
    const match = GROUP_PORT.exec(text.trim());
    if (!match) return false;
    const from = Number(match[2]);
    const to = Number(match[3] ?? match[2]);
    return from <= to && to <= 65535;
  },
  { message: 'is not a port or port range ("443", "8000-8010", optionally "tcp/…" or "udp/…")' },
);

const remediationSchema = z
  .object({
    /**
     * Port number ("22") or service name ("ssh") → the sources that may keep access when a port is
     * closed to the Internet: CIDR blocks (office, VPN), `sg:<groupId>` (a bastion group),
     * `prefix-list:<id>`, `address-group:<id>`; each a string or `{ source, label }`.
     */
    trustedSources: z
      .record(z.string(), z.array(trustedSource))
      .superRefine((record, context) => {
        for (const key of Object.keys(record)) {
          if (isPortOrService(key)) continue;
          context.addIssue({
            code: 'custom',
            path: [key],
            message: /^\d+$/.test(key)
              ? 'is not a port number (0-65535)'
              : `${unknownName('service', key, Object.keys(SERVICE_PORTS))}; a key is a port number or a service name`,
          });
        }
      })
      .default({}),
    /**
     * Group id or `provider:name` → the ports the group is documented to serve ("443", "8000-8010",
     * "udp/53"); a bare port means the protocol of the rule being replaced (TCP for all-protocol rules).
     */
    groupPorts: z.record(z.string().min(1), z.array(groupPort)).default({}),
  })
  .strict();

export type RemediationConfig = z.output<typeof remediationSchema>;

const severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);

/** Slack user ids: `U…` (or `W…` on Enterprise Grid). */
const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'is not a Slack user id (U… or W…, as in the member profile, not a display name)');
/** Slack user group ids: `S…`. */
const slackUserGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, 'is not a Slack user group id (S…, not the @handle)');

/** Slack channel ids: `C…` (public) or `G…` (private). */
const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'is not a Slack channel id (C… or G…, not the #name)');

/** Slack users and user groups, by id. Empty (the default): nobody. */
const slackPeople = z
  .object({
    users: z.array(slackUserId).default([]),
    userGroups: z.array(slackUserGroupId).default([]),
  })
  .strict()
  .default({ users: [], userGroups: [] });

const slackSchema = z
  .object({
    /** Where findings are posted (a channel id, C…/G…). */
    channel: slackChannelId.optional(),
    /** The channels where Warden answers commands and button clicks; default `[channel]`. Elsewhere (other channels, DMs) it refuses. */
    channels: z.array(slackChannelId).optional(),
    /** Who may query Warden from anywhere (any channel, DMs). Empty (the default): nobody. */
    readers: slackPeople,
    /** Findings below this severity are not posted. */
    minSeverity: severity.default('high'),
    /** Who may approve fixes, revert changes and accept risk. Empty (the default): nobody. */
    approvers: slackPeople,
    /** Distinct approvals a fix needs. */
    requiredApprovals: z
      .number({ message: 'must be a whole number, at least 1' })
      .int('must be a whole number, at least 1')
      .min(1, 'must be at least 1')
      .default(1),
    /** The requester's own approval does not count. */
    twoPersonRule: z.boolean({ message: 'must be true or false' }).default(true),
    /** What Accept risk and `/warden suppress` need; each left out is as a fix's (`requiredApprovals`, `twoPersonRule`). */
    suppressionApprovals: z
      .object({
        required: z
          .number({ message: 'must be a whole number, at least 1' })
          .int('must be a whole number, at least 1')
          .min(1, 'must be at least 1')
          .optional(),
        twoPersonRule: z.boolean({ message: 'must be true or false' }).optional(),
      })
      .strict()
      .default({}),
    /** Who may press Snooze: the approvers (the default), or anyone in Warden's channels. */
    snooze: z.enum(['approvers', 'anyone'], { message: 'must be approvers or anyone' }).default('approvers'),
    /**
     * At most this many finding messages per scheduled run (Slack takes about one message a second
     * in a channel); the rest are in the digest and get their messages in later runs.
     */
    maxFindingMessagesPerRun: z
      .number({ message: 'must be a whole number, at least 1' })
      .int('must be a whole number, at least 1')
      .min(1, 'must be at least 1')
      .default(50),
  })
  .strict()
  // Findings are posted in slack.channel: a channel where Warden does not answer would get buttons nobody may press.
  .refine((slack) => !slack.channel || !slack.channels || slack.channels.includes(slack.channel), {
    path: ['channel'],
    message:
      'is not among slack.channels: findings are posted there, so Warden must answer there (add it to slack.channels)',
  });

export type SlackConfig = z.output<typeof slackSchema>;

/** The Slack section as used when the config has none: no approvers, so nobody can approve. */
export function defaultSlackConfig(): SlackConfig {
  return slackSchema.parse({});
}

export const configSchema = z
  .object({
    internet: z
      .object({
        /** Share of the public address space (0..1) from which a port counts as open to the Internet. */
        minShare: z.number().gt(0).max(1).default(0.25),
      })
      .strict()
      .default({ minShare: 0.25 }),
    exposure: z
      .object({
        /**
         * How many levels the Internet checks lower the severity of a group that no public interface
         * carries (attached to nothing, or only to interfaces without a public address); 0 disables.
         */
        privateSeverityDrop: z.number().int().min(0).max(2).default(1),
      })
      .strict()
      .default({ privateSeverityDrop: 1 }),
    wide: z
      .object({
        /** A public source wider than this prefix is "wide" (Prowler's threshold is /24). */
        ipv4Prefix: z.number().int().min(0).max(32).default(24),
        ipv6Prefix: z.number().int().min(0).max(128).default(48),
        /** Public ranges that are yours (offices, VPNs): never counted as wide. */
        trustedPublicRanges: z.array(cidr).default([]),
        /**
         * Whether a provider-managed list (an AWS-managed prefix list such as CloudFront
         * origin-facing: the service's own ranges) counts as wide. It always counts for the Internet checks.
         */
        countProviderManagedLists: z.boolean().default(false),
      })
      .strict()
      .default({ ipv4Prefix: 24, ipv6Prefix: 48, trustedPublicRanges: [], countProviderManagedLists: false }),
    adminPorts: z.array(port).default([22, 3389]),
    highRiskPorts: z.array(port).default(DEFAULT_HIGH_RISK_PORTS),
    /** A rule whose widest port range spans more ports than this is a `port-range` finding. */
    maxPortsPerRule: z.number().int().min(1).default(1),
    maxRulesPerGroup: z.number().int().min(1).default(50),
    templates: z
      .object({
        custom: z.array(template).default([]),
        /** Group id (or `provider:name`) → template id, overriding the match by name. */
        assign: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ custom: [], assign: {} }),
    /** What `warden audit --provider …` reads. */
    providers: providersSchema,
    scan: z
      .object({
        timeoutMs: z.number().int().min(100).default(30_000),
        retries: z.number().int().min(0).max(10).default(5),
      })
      .strict()
      .default({ timeoutMs: 30_000, retries: 5 }),
    checks: z
      .object({
        disabled: z.array(z.string()).default([]),
        severity: z.record(z.string(), z.enum(['critical', 'high', 'medium', 'low', 'info'])).default({}),
      })
      .strict()
      .default({ disabled: [], severity: {} }),
    /** Least-privilege fixes (src/remediation): what may keep access and what each group serves. */
    remediation: remediationSchema.default({ trustedSources: {}, groupPorts: {} }),
    /** The Slack bot (src/slack): channel, threshold, approvers. */
    slack: slackSchema.optional(),
    /** Accepted findings the CLI sets apart (src/analysis/suppressions.ts): each with a reason and an expiry date. */
    suppressions: suppressionsSchema,
  })
  .strict();

export type WardenConfig = z.output<typeof configSchema>;

export function defaultConfig(): WardenConfig {
  return configSchema.parse({});
}
