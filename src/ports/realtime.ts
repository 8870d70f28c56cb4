// The contract between the clouds' real-time event parsers (adapters/<provider>/events.ts, named by
// each provider module) and their users (functions/realtime.ts, the group-audit use case): which
// security group changed, where and by whom, and how each cloud's deliveries are checked.
// Pure data and pure functions: parsing and verifying never does I/O.

import type { Provider } from '../model/types.ts';

export interface SecurityGroupChange {
  provider: Provider;
  /** AWS account id, Alibaba Cloud account id (UID), Huawei Cloud / OTC project id. */
  account: string;
  region: string;
  /**
   * The group that changed; absent when the record does not say (a Huawei/OTC rule deletion whose
   * trace has no body): then the whole scope is audited.
   */
  groupId?: string;
  /**
   * A prefix list or address group whose entries changed (no `groupId` then): every group of the
   * scope whose rules name it is audited.
   */
  setId?: string;
  /**
   * The network interface (AWS ENI, Alibaba ENI, Huawei/OTC port) whose groups or public addresses
   * the call changed (an address associated, an interface attached, its groups set): the groups it
   * carries are audited, with `groupId` (a group the record names, e.g. the one it left) besides.
   */
  interfaceId?: string;
  /** The instance the call changed, where the record names no interface: the groups of all its interfaces are audited. */
  instanceId?: string;
  /** The provider's name for the call: `AuthorizeSecurityGroupIngress`, `createSecurity-group-rule`, … */
  eventName: string;
  /** The provider's id of the audit record (CloudTrail eventID, ActionTrail eventId, CTS trace_id). */
  eventId: string;
  /** Who made the call (an ARN, a RAM user, an IAM user name), when the record says. */
  actor?: string;
  /** When the call was made, ISO 8601, when the record says. */
  at?: string;
}

/** What a change on an interface or instance names: the interface, or the instance (every interface attached to it). */
export type InterfaceTarget = Pick<SecurityGroupChange, 'interfaceId' | 'instanceId'>;

/** The changes found, or a one-line reason the input was ignored (not a security-group event, a failed call, …). */
export type ChangeParse = { changes: SecurityGroupChange[] } | { ignored: string };

// ---------------------------------------------------------------- HTTPS deliveries with a shared token (Alibaba Cloud)

export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;
export type Verdict = { ok: true } | { ok: false; reason: string };

/** An HTTPS delivery checked by the token configured on the sender's target, and its age. */
export interface TokenDelivery {
  headers: HttpHeaders;
  /** The raw request body (the CloudEvent JSON), or the parsed event. */
  body: unknown;
  /** The token configured on the EventBridge HTTPS target. */
  secret: string;
  now: Date;
  /** Oldest accepted event (CloudEvents `time`) and delivery (`x-eventbridge-signature-timestamp`). */
  maxAgeSeconds: number;
}

// ---------------------------------------------------------------- SMN deliveries (Huawei Cloud, OTC)

export type SmnProvider = 'huawei' | 'otc';
export type SmnMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SmnMessage {
  type: SmnMessageType;
  message: string;
  message_id: string;
  topic_urn: string;
  timestamp: string;
  signature: string;
  signature_version?: string;
  signing_cert_url: string;
  /** Notifications only; omitted from the string to sign when absent or empty. */
  subject?: string;
  /** Subscription and unsubscription confirmations. */
  subscribe_url?: string;
  unsubscribe_url?: string;
}

export type SmnParse = { ok: true; message: SmnMessage } | { ok: false; reason: string };

/** The checks of one cloud's SMN HTTPS deliveries, in the order the realtime function runs them. */
export interface SmnChecks {
  /** The SMN message in a request body, or why it is not one. */
  message(body: string): SmnParse;
  /** How old a message may be when the deployment does not say. */
  defaultMaxAgeSeconds: number;
  /** Why a message is refused before anything is fetched for it (signature version and shape, timestamp, age), or undefined. */
  refusal(message: SmnMessage, now: Date, maxAgeSeconds: number): string | undefined;
  /** Whether the signing certificate may be fetched from `url` (the cloud's SMN host). */
  trustedCertUrl(url: string): boolean;
  /** Whether the message carries SMN's signature by the key the certificate certifies. */
  verifySignature(message: SmnMessage, certificatePem: string): boolean;
  /** Whether the subscribe_url of a verified confirmation may be visited. */
  trustedSubscribeUrl(url: string): boolean;
}

// ---------------------------------------------------------------- how a cloud's changes arrive

/** How a cloud's security-group changes reach the realtime function (docs/realtime.md), and how they are read. */
export type RealtimeSource =
  /** An EventBridge rule in the deployment's own account. */
  | { delivery: 'eventbridge'; parse(event: unknown): ChangeParse }
  /** HTTPS `POST /events/<provider>`, verified by the target's token header and the event's age. */
  | { delivery: 'https-token'; verify(delivery: TokenDelivery): Verdict; parse(body: string): ChangeParse }
  /** HTTPS `POST /events/<provider>` from SMN, verified by SMN's signature. */
  | { delivery: 'smn'; smn: SmnProvider; checks: SmnChecks; parse(message: SmnMessage): ChangeParse };
