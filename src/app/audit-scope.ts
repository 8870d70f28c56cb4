import type { ScopeFilter } from '../ports/live.ts';
import type { WardenConfig } from '../config/schema.ts';
import { configForScope } from '../config/scoped.ts';
import { countBySeverity } from '../model/severity.ts';
import type { Provider } from '../model/types.ts';
import { RUN_FINDINGS_KEPT } from '../store/state.ts';
import type { ScopeResult, SeenResult } from '../store/state.ts';
import { finishRun } from './finish-run.ts';
import type { AppPorts } from './ports.ts';
import { newlyReported, publish, recordRead } from './publish.ts';
import { readScope } from './read-scope.ts';
import type { ScopeRead } from './read-scope.ts';

// One scope's (or group's) audit, recorded and published; and one scope of a fanned-out run.

/** One provider × account × region of a fanned-out run, with the role that reaches an AWS member account. */
export interface ScopeMessage {
  type: 'scope';
  runId: string;
  provider: Provider;
  account: string;
  region: string;
  roleArn?: string;
  externalId?: string;
  /** Where its findings go (an on-demand audit's channel); default slack.channel. */
  channel?: string;
}

/** What a scope's audit found, for the caller's metrics. */
export interface ScopeOutcome {
  groups: number;
  rules: number;
  findings: number;
  bySeverity: Record<string, number>;
  new: number;
  resolved: number;
  posted: number;
  /** Due a message but over the run's message limit: posted by a later run. */
  heldBack: number;
  throttles: number;
  scanError?: string;
  /** The run's digest was posted by this call. */
  digestPosted: boolean;
}

export interface AuditRequest {
  providers: Provider[];
  filter: ScopeFilter;
  groupId?: string;
  setId?: string;
  /** An interface or instance that changed: the groups its interfaces carry (see ReadRequest). */
  interfaceId?: string;
  instanceId?: string;
  config: WardenConfig;
  /** Who the plans it proposes are requested by. */
  requester: string;
  channel: string | undefined;
  /** Takes one of the run's message slots; false when the run has used them all. */
  claimSlot?: () => Promise<boolean>;
}

/** Reads, records and publishes one scope (or the groups of it a request names). */
export async function auditScope(
  ports: AppPorts,
  request: AuditRequest,
): Promise<{ outcome: ScopeOutcome; seen: SeenResult; result: ScopeRead }> {
  const result = await readScope(ports, request);
  const seen = await recordRead(ports, result);
  const { posted, heldBack } = await publish(
    ports,
    seen,
    result,
    request.channel,
    request.requester,
    request.claimSlot,
  );
  const { summary } = result.report;
  const outcome: ScopeOutcome = {
    groups: summary.groups,
    rules: summary.rules,
    findings: summary.findings,
    bySeverity: summary.bySeverity,
    new: newlyReported(seen).length,
    resolved: seen.resolved.length,
    posted,
    heldBack,
    throttles: result.adapters.reduce((sum, a) => sum + a.stats.throttles, 0),
    ...(summary.scanErrors[0] ? { scanError: summary.scanErrors[0].message } : {}),
    digestPosted: false,
  };
  return { outcome, seen, result };
}

/** One scope of a fanned-out run: audits, records, publishes; the run's last scope posts its digest. Throws only when it could not record (the queue retries). */
export async function scanScope(ports: AppPorts, message: ScopeMessage): Promise<ScopeOutcome> {
  const { settings, store, now } = ports;
  const scope = { provider: message.provider, account: message.account, region: message.region };
  const claimSlot = () => store.runs.claimPostSlot(message.runId, settings.maxFindingMessagesPerRun);
  // The person who asked for an on-demand run is the requester of the plans it proposes; the schedule is nobody.
  const trigger = (await store.runs.get(message.runId))?.trigger ?? '';
  const requester = trigger.startsWith('slack:') ? trigger.slice('slack:'.length) : 'scheduler';
  const { outcome, seen, result } = await auditScope(ports, {
    providers: [scope.provider],
    filter: { regions: [scope.region], accounts: [scope.account] },
    config: configForScope(ports.config, scope, message),
    requester,
    claimSlot,
    channel: message.channel ?? settings.channel,
  });
  const news = newlyReported(seen).map((s) => s.finding);
  const newBySeverity = countBySeverity(news);
  const scopeResult: ScopeResult = {
    scope,
    groups: outcome.groups,
    rules: outcome.rules,
    findings: outcome.findings,
    bySeverity: outcome.bySeverity,
    ...(outcome.scanError !== undefined ? { scanError: outcome.scanError } : {}),
    new: news.slice(0, RUN_FINDINGS_KEPT),
    newCount: news.length,
    newBySeverity,
    resolved: seen.resolved.slice(0, RUN_FINDINGS_KEPT).map((s) => s.finding),
    resolvedCount: seen.resolved.length,
    ...(outcome.heldBack > 0 ? { heldBack: outcome.heldBack } : {}),
    suppressedBySeverity: countBySeverity(result.suppressed.map((s) => s.finding)),
  };
  const { run } = await store.runs.recordScope(message.runId, scopeResult, now());
  if (run && run.done >= run.expected) outcome.digestPosted = await finishRun(ports, message.runId);
  return outcome;
}
