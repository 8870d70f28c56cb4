import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, EventBridgeEvent } from 'aws-lambda';
import { PROVIDER_MODULES, providerModuleNamed } from '../adapters/providers.ts';
import type { ChangeParse, RealtimeSource, SmnMessage } from '../src/ports/realtime.ts';
import type { ScopeOutcome } from '../src/app/audit-scope.ts';
import { correlate, logger, metrics, recordScopeMetrics } from './lib/observability.ts';
import { buildRuntime, lazyRuntime } from './lib/runtime.ts';
import type { Runtime } from './lib/runtime.ts';

// The realtime function: audits a security group within seconds of a change.
// - AWS: an EventBridge rule on CloudTrail's EC2 security-group calls (serverless.yml).
// - Alibaba Cloud: ActionTrail → Alibaba Cloud EventBridge → HTTPS target `POST /events/alibaba`,
//   verified by the target's token header and the event's age.
// - Huawei Cloud / OTC: CTS key-event notifications → SMN → HTTPS subscription `POST /events/huawei`
//   or `/events/otc`, verified by SMN's signature with a certificate from the provider's SMN host.
// docs/realtime.md says how to wire each.

export interface RealtimeDeps {
  runtime: () => Promise<Runtime>;
  /** GETs a PEM certificate; only trusted SMN URLs are passed. Default: fetchSigningCertificate; cached per container. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Visits an SMN subscribe_url to confirm the subscription; only trusted URLs are passed. */
  confirmSubscription?: (url: string) => Promise<void>;
  now?: () => Date;
}

export type RealtimeEvent = EventBridgeEvent<string, unknown> | APIGatewayProxyEventV2;
export interface RealtimeSummary {
  audited: number;
  ignored?: string;
}

/** How old an Alibaba event may be: ActionTrail reaches EventBridge minutes late (docs/realtime.md recommends 900 s). */
const MAX_EVENT_AGE_SECONDS = 900;

/** Signing certificates kept per container: SMN uses one per region, so a handful; more are evicted oldest first. */
export const CERTIFICATE_CACHE_SIZE = 8;
/** A PEM certificate is a few KiB; a larger answer is not one. */
const CERTIFICATE_MAX_BYTES = 64 * 1024;
/** WARDEN_SMN_MAX_AGE_SECONDS: how old an SMN message may be; default 15 minutes. */
const SMN_MAX_AGE_ENV = 'WARDEN_SMN_MAX_AGE_SECONDS';

/** GETs the signing certificate at a trusted SMN URL: no redirect is followed (one would leave the trusted host), at most 64 KiB. */
export async function fetchSigningCertificate(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`signing certificate: HTTP ${response.status}`);
  const text = await response.text();
  if (Buffer.byteLength(text) > CERTIFICATE_MAX_BYTES)
    throw new Error(`signing certificate: more than ${CERTIFICATE_MAX_BYTES} bytes`);
  return text;
}

/** The SMN age window from the environment (else `fallback`), or why the setting is wrong. */
function smnMaxAge(env: NodeJS.ProcessEnv, fallback: number): number | string {
  const value = env[SMN_MAX_AGE_ENV];
  if (value === undefined || value === '') return fallback;
  return /^[1-9]\d{0,5}$/.test(value)
    ? Number(value)
    : `${SMN_MAX_AGE_ENV} ${JSON.stringify(value.slice(0, 40))} is not a whole number of seconds (1 to 999999)`;
}

const json = (statusCode: number, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The clouds whose changes arrive over HTTPS, at `/events/<provider>`. */
const HTTP_SOURCES = Object.values(PROVIDER_MODULES).flatMap((module) =>
  module.realtime.delivery === 'eventbridge' ? [] : [module.descriptor.name],
);

/** The parsers of the clouds whose changes EventBridge delivers to the function itself (AWS CloudTrail). */
const EVENTBRIDGE_PARSERS = Object.values(PROVIDER_MODULES).flatMap((module) =>
  module.realtime.delivery === 'eventbridge' ? [module.realtime.parse] : [],
);

/** The changes in an EventBridge event: the first parser that finds some, else the first parser's reason. */
function changesFromEventBridge(event: unknown): ChangeParse {
  const parsed = EVENTBRIDGE_PARSERS.map((parse) => parse(event));
  return (
    parsed.find((result) => 'changes' in result) ?? parsed[0] ?? { ignored: 'no cloud delivers through EventBridge' }
  );
}

function isHttp(event: RealtimeEvent): event is APIGatewayProxyEventV2 {
  return typeof (event as APIGatewayProxyEventV2).rawPath === 'string' && 'requestContext' in event;
}

export function createRealtimeHandler(deps: RealtimeDeps) {
  const now = deps.now ?? (() => new Date());
  const certificates = new Map<string, Promise<string>>();
  const fetchCertificate = deps.fetchCertificate ?? fetchSigningCertificate;
  const certificate = (url: string): Promise<string> => {
    let pem = certificates.get(url);
    if (pem) {
      // Most recently used last: eviction takes the first.
      certificates.delete(url);
    } else {
      pem = fetchCertificate(url);
      pem.catch(() => certificates.get(url) === pem && certificates.delete(url));
      while (certificates.size >= CERTIFICATE_CACHE_SIZE)
        certificates.delete(certificates.keys().next().value as string);
    }
    certificates.set(url, pem);
    return pem;
  };
  const confirmSubscription =
    deps.confirmSubscription ??
    (async (url: string) => {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`subscription confirmation: HTTP ${response.status}`);
    });

  /** Audits each changed group once; a change outside the configured estate is logged and skipped. */
  async function auditChanges(runtime: Runtime, parsed: ChangeParse): Promise<RealtimeSummary> {
    if ('ignored' in parsed) {
      logger.info('event ignored', { reason: parsed.ignored });
      return { audited: 0, ignored: parsed.ignored };
    }
    const seen = new Set<string>();
    let audited = 0;
    for (const change of parsed.changes) {
      const account = PROVIDER_MODULES[change.provider].realtime.scopeAccount(runtime.config, change);
      // A change on an interface or instance audits all its groups: once per interface or instance.
      const subject =
        change.interfaceId !== undefined
          ? `interface:${change.interfaceId}`
          : change.instanceId !== undefined
            ? `instance:${change.instanceId}`
            : (change.groupId ?? (change.setId ? `set:${change.setId}` : '*'));
      const key = `${change.provider}/${account}/${change.region}/${subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (account === undefined || !runtime.config.providers[change.provider]) {
        logger.warn('change outside the configured estate', {
          provider: change.provider,
          account: change.account,
          region: change.region,
          groupId: change.groupId,
        });
        continue;
      }
      correlate(change.eventId, { trigger: 'realtime', eventName: change.eventName });
      const outcome: ScopeOutcome = await runtime.useCases.auditGroup({ ...change, account });
      recordScopeMetrics(outcome, change.provider);
      logger.info('group audited', {
        groupId: change.groupId,
        setId: change.setId,
        interfaceId: change.interfaceId,
        instanceId: change.instanceId,
        findings: outcome.findings,
        new: outcome.new,
        resolved: outcome.resolved,
        scanError: outcome.scanError,
      });
      audited++;
    }
    return { audited };
  }

  /** A verified, claimed SMN message: a subscription confirmed, or the notification's changes audited. */
  async function smnDelivery(
    runtime: Runtime,
    delivery: Extract<RealtimeSource, { delivery: 'smn' }>,
    message: SmnMessage,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    if (message.type === 'SubscriptionConfirmation') {
      if (!message.subscribe_url || !delivery.checks.trustedSubscribeUrl(message.subscribe_url))
        return json(400, { error: 'subscribe_url is not an SMN URL' });
      await confirmSubscription(message.subscribe_url);
      logger.info('smn subscription confirmed', { topic: message.topic_urn });
      return json(200, { confirmed: true });
    }
    if (message.type === 'UnsubscribeConfirmation') return json(200, { ignored: 'unsubscribe confirmation' });
    return json(200, { ...(await auditChanges(runtime, delivery.parse(message))) });
  }

  async function http(runtime: Runtime, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const source = event.pathParameters?.['source'] ?? event.rawPath.split('/').pop() ?? '';
    const body =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    const headers = event.headers ?? {};
    const delivery = providerModuleNamed(source)?.realtime;
    if (delivery?.delivery === 'https-token') {
      const verdict = delivery.verify({
        headers,
        body,
        secret: runtime.env['WARDEN_EVENTS_TOKEN'] ?? '',
        now: now(),
        maxAgeSeconds: MAX_EVENT_AGE_SECONDS,
      });
      if (!verdict.ok) {
        logger.warn('alibaba delivery refused', { reason: verdict.reason });
        return json(401, { error: verdict.reason });
      }
      return json(200, { ...(await auditChanges(runtime, delivery.parse(body))) });
    }
    if (delivery?.delivery === 'smn') {
      const provider = delivery.smn;
      const checks = delivery.checks;
      const parsed = checks.message(body);
      if (!parsed.ok) return json(400, { error: parsed.reason });
      const message = parsed.message;
      const maxAge = smnMaxAge(runtime.env, checks.defaultMaxAgeSeconds);
      if (typeof maxAge === 'string') {
        logger.error('smn age window misconfigured', { error: maxAge });
        return json(500, { error: 'the SMN age window is misconfigured' });
      }
      const refusal = checks.refusal(message, now(), maxAge);
      if (refusal !== undefined) {
        logger.warn('smn message refused', { reason: refusal, messageId: message.message_id.slice(0, 80) });
        return json(401, { error: refusal });
      }
      if (!checks.trustedCertUrl(message.signing_cert_url)) {
        logger.warn('smn message refused', { reason: 'untrusted signing_cert_url' });
        return json(401, { error: `signing_cert_url is not an SMN certificate URL of ${provider}` });
      }
      let pem: string;
      try {
        pem = await certificate(message.signing_cert_url);
      } catch (error) {
        logger.error('smn certificate unavailable', { error: (error as Error).message });
        return json(503, { error: 'the signing certificate could not be fetched' });
      }
      if (!checks.verifySignature(message, pem)) {
        logger.warn('smn message refused', { reason: 'bad signature', messageId: message.message_id });
        return json(401, { error: 'the SMN signature does not verify' });
      }
      // SMN signs every topic's messages alike: only topics of the configured projects may feed us.
      const topicProject = message.topic_urn.split(':')[3] ?? '';
      if (!(runtime.config.providers[provider]?.regions ?? []).some((r) => r.projectId === topicProject)) {
        logger.warn('smn message refused', { reason: 'topic of another project', topic: message.topic_urn });
        return json(403, {
          error: `topic ${message.topic_urn.slice(0, 200)} is not in a configured ${provider} project`,
        });
      }
      // Claimed only once verified (a forged message cannot use up an id), for as long as the message could pass the age check.
      const claim = `smn:${provider}:${message.message_id}`;
      if (!(await runtime.store.idempotency.claim(claim, 2 * maxAge, now()))) {
        logger.warn('smn message refused', {
          reason: 'replay of a message_id already received',
          messageId: message.message_id.slice(0, 80),
        });
        return json(409, { error: 'message_id already received' });
      }
      try {
        return await smnDelivery(runtime, delivery, message);
      } catch (error) {
        // Not delivered: SMN's retry of this message_id must be let in (a replay of a delivered one still gets 409).
        await runtime.store.idempotency
          .release(claim, now())
          .catch((releaseError: unknown) =>
            logger.error('smn claim not released', { error: (releaseError as Error).message }),
          );
        throw error;
      }
    }
    return json(404, { error: `no event source ${JSON.stringify(source.slice(0, 40))} (${HTTP_SOURCES.join(', ')})` });
  }

  return async (
    event: RealtimeEvent,
    context?: Context,
  ): Promise<RealtimeSummary | APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    const runtime = await deps.runtime();
    try {
      if (isHttp(event)) return await http(runtime, event);
      return await auditChanges(runtime, changesFromEventBridge(event));
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler = createRealtimeHandler({ runtime: lazyRuntime(() => buildRuntime()) });
