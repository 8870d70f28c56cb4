import { maskCredentials } from '../../adapters/common/mask.ts';
import { readLiveEstate } from '../../adapters/live-estate.ts';
import type { LiveAdapter, ScopeFilter } from '../../adapters/live.ts';
import { roleForAccount } from '../../adapters/aws/roles.ts';
import type { RolePurpose } from '../../adapters/aws/roles.ts';
import { auditEstate } from '../analysis/audit.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { AuditReport, AuditSummary } from '../analysis/audit.ts';
import { describeRule } from '../analysis/describe.ts';
import { findFinding, FixError, groupOf, proposeFix } from '../app/propose-fix.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Estate, Finding, Provider, Severity } from '../model/types.ts';
import { PROVIDERS, SEVERITIES } from '../model/types.ts';
import { groupsNamingSet } from '../realtime/set-change.ts';
import { applyPlan, auditVerifier, resumeChange, resumeRevert, revertChange } from '../remediation/apply.ts';
import { isPlanId } from '../remediation/plan.ts';
import type { ChangeRecord } from '../remediation/types.ts';
import type { ApprovalRequest, CompleteScope, ScopeRef, FindingState, MessageRef, ScopeResult, SeenResult, StateStore, Suppression, SuppressedFinding, SuppressionTarget } from '../store/state.ts';
import { revertRequestId, RUN_FINDINGS_KEPT, splitSuppressed, suppressionFor } from '../store/state.ts';
import { isSlackUserId, slackConfigOf } from './authorize.ts';
import { appliedMessage, atOrAbove, digestMessage, findingMessage, resolvedUpdate, resumeMessage, suppressedUpdate, suppressionEndedNotice } from './blocks.ts';
import type { SlackMessage } from './blocks.ts';
import type { AuditDelta } from './blocks/digest.ts';
import { code, userText } from './blocks/elements.ts';
import { CHECK_IDS, usage } from './commands.ts';
import type { ScopeMessage, WardenJob } from './queue.ts';
import { createSuppressionRequests } from './suppression-requests.ts';

// The worker behind the Slack app: takes the jobs the app enqueued (src/slack/app.ts) and does the
// slow part — reads the clouds, audits, plans, applies, reverts — answering in the channel (Web
// API) or to the person (response_url). `handle` never throws: every failure is reported back, with
// its text cut to one line and anything that looks like a credential masked.

/** The part of Slack's WebClient the worker uses (a WebClient fits; tests pass a recording fake). */
export interface SlackChatClient {
  chat: {
    postMessage(args: { channel: string; text: string; blocks?: unknown[]; thread_ts?: string }): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<unknown>;
  };
}

export interface WorkerOptions {
  config: WardenConfig;
  store: StateStore;
  client: SlackChatClient;
  /** The live adapters for these providers, built from `config` (createAdapters in production). */
  adapters: (providers: readonly Provider[], config: WardenConfig) => Promise<LiveAdapter[]>;
  /**
   * Production: an on-demand audit of more than one group is fanned out as a run (one queue
   * message per scope, src: functions/lib/fanout.ts) instead of read in this process; returns
   * the run id and how many scopes it has. Absent (locally): audits run in the worker.
   */
  fanOut?: (request: { providers: Provider[]; filter: ScopeFilter; channel: string; user: string }) => Promise<{ runId: string; scopes: number }>;
  /** The AWS account the default credentials belong to (WARDEN_HOME_ACCOUNT): read and fixed without a member role. */
  homeAccount?: string;
  /** POSTs a JSON body to a response_url; default fetch. */
  postToResponseUrl?: (url: string, body: Record<string, unknown>) => Promise<void>;
  now?: () => Date;
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

/** A security group that changed (a CloudTrail, ActionTrail or CTS event). */
export interface GroupChange {
  provider: Provider;
  account: string;
  region: string;
  /** Absent when the event does not say which group: the whole scope is audited. */
  groupId?: string;
  /** A prefix list or address group that changed: the groups of the scope that name it are audited. */
  setId?: string;
  eventName: string;
  actor?: string;
}

export interface Worker {
  /** A Slack job; never throws (failures are reported to the person). */
  handle(job: WardenJob): Promise<void>;
  /** One scope of a fanned-out run: audits, records, posts. Throws only when it could not record (the queue retries). */
  scanScope(message: ScopeMessage): Promise<ScopeOutcome>;
  /** Posts a run's digest from its recorded scopes, once; false when it was posted already. */
  finishRun(runId: string): Promise<boolean>;
  /**
   * The apply function's schedule tick: recovers every apply left in progress longer than
   * STUCK_AFTER_MS (its process died) whose approval is stuck in `applying`, and every revert whose
   * request is stuck in `applying` (the fix `reverting`); answers the fixes' plan ids.
   */
  recoverStuckApplies(): Promise<string[]>;
  /** Real time: audits just the changed group (or its whole scope when the event names none), resolves what the change fixed, posts what it opened. */
  auditGroup(change: GroupChange): Promise<ScopeOutcome>;
}

/** An approval `applying` this long was left by a process that died: longer than a Lambda can run. */
export const STUCK_AFTER_MS = 15 * 60_000;

/** A failure whose message is meant for the person (no stack, no internals). */
class JobError extends Error {}

/** One line of an error, at most 300 characters, with anything credential-like masked (maskCredentials). */
export function safeErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = maskCredentials((text.split('\n')[0] ?? text).trim());
  return line.length > 300 ? `${line.slice(0, 299)}…` : line || 'unknown error';
}

function str(value: string | number | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isProvider(value: string | undefined): value is Provider {
  return value !== undefined && (PROVIDERS as readonly string[]).includes(value);
}

async function defaultPostToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}

interface Scan {
  estate: Estate;
  report: AuditReport;
  adapters: LiveAdapter[];
  /** Scopes (or, for one group's audit, that group of them) read completely: where "not seen" means resolved. */
  complete: CompleteScope[];
  /** The findings a suppression hides (not in `report.findings`): still there, recorded as suppressed. */
  suppressed: SuppressedFinding[];
  /** The suppressions active when the scan was made. */
  suppressions: Suppression[];
}

export function createWorker(options: WorkerOptions): Worker {
  const { config, store, client } = options;
  const now = options.now ?? (() => new Date());
  const postToResponseUrl = options.postToResponseUrl ?? defaultPostToResponseUrl;
  const slack = slackConfigOf(config);
  const suppressionRequests = createSuppressionRequests({ config, store, client, now });

  /** The config for one known AWS account: its member role (for reading or for applying) and no discovery. */
  function configFor(scope: ScopeRef, purpose: RolePurpose): WardenConfig {
    if (scope.provider !== 'aws' || !config.providers.aws) return config;
    const role = roleForAccount(config, scope.account, purpose, options.homeAccount);
    // No role: the home account (the default credentials), or an account Warden was not given (the adapter refuses it).
    return role ? configForScope(config, scope, role) : config;
  }

  function configuredProviders(): Provider[] {
    return PROVIDERS.filter((p) => config.providers[p] !== undefined);
  }

  async function log(actor: string, action: string, target: string, outcome: string, detail?: string): Promise<void> {
    await store.audit.log({ at: now(), actor, action, target, outcome, ...(detail !== undefined ? { detail } : {}) });
  }

  function channelOf(job: WardenJob): string {
    const channel = job.channel || slack.channel;
    if (!channel) throw new JobError('no channel to post to (the job has none and slack.channel is not set)');
    return channel;
  }

  async function post(channel: string, message: SlackMessage, threadTs?: string): Promise<string | undefined> {
    const result = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return result.ts;
  }

  async function respond(job: WardenJob, text: string): Promise<void> {
    if (job.responseUrl) {
      await postToResponseUrl(job.responseUrl, { response_type: 'ephemeral', replace_original: false, text });
      return;
    }
    await client.chat.postMessage({ channel: channelOf(job), text });
  }

  /**
   * Reads the providers' scopes (narrowed by `filter`; `groupId`: only that group is audited) and
   * audits them; suppressed findings are set apart (`suppressed`). `scopedConfig` replaces the config for reading (one
   * scope of a run, with its member-account role).
   */
  async function scan(providers: readonly Provider[], filter: ScopeFilter, groupId?: string, scopedConfig: WardenConfig = config, setId?: string): Promise<Scan> {
    if (providers.length === 0) throw new JobError('no provider is configured (providers.aws, …) and none was asked for');
    const adapters = await options.adapters(providers, scopedConfig);
    const read = await readLiveEstate(adapters, { filter });
    // A scope's error text comes from an SDK or an HTTP body: cut and masked before it reaches Slack.
    let estate: Estate = { ...read.estate, scanErrors: read.estate.scanErrors.map((e) => ({ ...e, message: safeErrorText(e.message) })) };
    let complete: CompleteScope[] = read.snapshots.map((s) => ({ provider: s.provider, account: s.account, region: s.region }));
    if (groupId !== undefined || setId !== undefined) {
      // Only these groups are looked at: only their findings may be taken as resolved.
      const ids = new Set(groupId !== undefined ? [groupId] : groupsNamingSet(estate.groups, setId as string));
      estate = { ...estate, groups: estate.groups.filter((g) => ids.has(g.id)), unparseable: estate.unparseable.filter((u) => ids.has(u.groupId)) };
      complete = complete.flatMap((scope) => [...ids].map((id) => ({ ...scope, groupId: id })));
    }
    const full = auditEstate(estate, config);
    const suppressions = await store.suppressions.activeSuppressions(now());
    const { reported, suppressed } = splitSuppressed(full.findings, suppressions, now());
    return { estate, adapters, complete, suppressed, suppressions, report: { findings: reported, summary: full.summary } };
  }

  function scopeOfArgs(args: WardenJob['args']): { providers: Provider[]; filter: ScopeFilter; groupId?: string } {
    const provider = str(args['provider']);
    if (provider !== undefined && !isProvider(provider)) throw new JobError(`unknown provider ${code(provider, 40)}`);
    const region = str(args['region']);
    const account = str(args['account']);
    const group = str(args['group']);
    return {
      providers: provider ? [provider] : configuredProviders(),
      filter: { ...(region ? { regions: [region] } : {}), ...(account ? { accounts: [account] } : {}) },
      ...(group ? { groupId: group } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------

  /**
   * Posts each new (or reopened) finding at or above the configured severity, marks resolved ones on their messages,
   * shows suppressed ones as such on theirs, and puts the ones whose suppression ended back as open (their message
   * updated in place with its plan, and a notice in its thread; posted anew when they have none).
   */
  async function publish(
    seen: SeenResult,
    result: Scan,
    channel: string | undefined,
    requester: string,
    claimSlot: () => Promise<boolean> = async () => true,
  ): Promise<{ posted: number; updated: number; heldBack: number }> {
    let posted = 0;
    let heldBack = 0;
    let updated = 0;
    // Back from suppression first: recorded open now, these are never due again, whatever fails after.
    for (const { state, ended } of backFromSuppression(seen, result).inPlace) {
      const where = state.message as MessageRef;
      const message = await findingMessageFor(state.finding, result, requester);
      try {
        await client.chat.update({ channel: where.channel, ts: where.ts, text: message.text, blocks: message.blocks });
      } catch (error) {
        // Its old message cannot be updated (deleted, or the channel archived): it is recorded open now, so it is
        // posted anew here, or no later audit would (they post only open findings without a message).
        console.error(`warden: finding ${state.fingerprint} back from suppression: message not updated (${safeErrorText(error)}); posting it anew`);
        const ts = await post(channel ?? where.channel, message);
        if (ts) await store.findings.markPosted(state.fingerprint, channel ?? where.channel, ts, now());
        posted++;
        continue;
      }
      await say({ channel: where.channel, threadTs: where.ts }, suppressionEndedNotice(ended, now()));
      updated++;
    }
    if (channel) {
      // Open ones with no message yet too: a run that recorded them and then failed to post (Slack
      // down, a rate limit) or held them back posts them when it is retried, or the next run does.
      const due = [...seen.new, ...seen.reopened, ...backFromSuppression(seen, result).repost, ...seen.open.filter((s) => !s.message)].filter((s) => atOrAbove(s.finding.severity, slack.minSeverity));
      for (const [i, state] of due.entries()) {
        const finding = state.finding;
        if (!(await claimSlot())) {
          heldBack = due.length - i;
          break;
        }
        const message = await findingMessageFor(finding, result, requester);
        const ts = await post(channel, message);
        if (ts) await store.findings.markPosted(finding.fingerprint, channel, ts, now());
        posted++;
      }
    }
    for (const state of seen.resolved) {
      if (!state.message) continue;
      const message = resolvedUpdate(state.finding, { note: `No longer reported by the audit of ${now().toISOString()}.` });
      await client.chat.update({ channel: state.message.channel, ts: state.message.ts, text: message.text, blocks: message.blocks });
      updated++;
    }
    for (const { state, changed } of seen.suppressed) {
      if (!changed || !state.message || !state.suppression) continue;
      const message = suppressedUpdate(state.finding, state.suppression);
      try {
        await client.chat.update({ channel: state.message.channel, ts: state.message.ts, text: message.text, blocks: message.blocks });
        updated++;
      } catch (error) {
        // Only how the message looks: the finding is recorded suppressed, and comes back as open when that ends.
        console.error(`warden: finding ${state.fingerprint} suppressed: message not updated (${safeErrorText(error)})`);
      }
    }
    return { posted, updated, heldBack };
  }

  /**
   * The findings back from suppression: those whose suppression ended and that have a message are put back in place
   * (`inPlace`); the rest are posted anew (`repost`): those with no message, and those that expose more than was
   * accepted while their suppression still runs ("widened since suppressed": a new alert).
   */
  function backFromSuppression(seen: SeenResult, result: Scan): { inPlace: SeenResult['unsuppressed']; repost: FindingState[] } {
    const inPlace: SeenResult['unsuppressed'] = [];
    const repost: FindingState[] = [];
    for (const back of seen.unsuppressed) {
      const widened = suppressionFor(back.state.finding, result.suppressions, now()) !== undefined;
      if (back.state.message && !widened) inPlace.push(back);
      else repost.push(back.state);
    }
    return { inPlace, repost };
  }

  /** Records a scan's findings, the suppressed ones as suppressed. */
  function recordScan(result: Scan): Promise<SeenResult> {
    return store.findings.recordSeen(result.report.findings, now(), result.complete, result.suppressed);
  }

  /** What a run reports as new: new, reopened, and back from suppression (suppressed ones are neither new nor resolved). */
  function newlyReported(seen: SeenResult): FindingState[] {
    return [...seen.new, ...seen.reopened, ...seen.unsuppressed.map((u) => u.state)];
  }

  async function audit(job: WardenJob): Promise<void> {
    const scope = scopeOfArgs(job.args);
    const channel = channelOf(job);
    if (options.fanOut && scope.groupId === undefined) {
      if (scope.providers.length === 0) throw new JobError('no provider is configured (providers.aws, …) and none was asked for');
      const { runId, scopes } = await options.fanOut({ providers: scope.providers, filter: scope.filter, channel, user: job.user });
      await log(job.user, 'audit', scopeLabel(job.args), `queued: ${scopes} scopes`, runId);
      await respond(job, scopes === 0 ? 'Nothing to audit: no configured scope matches.' : `Auditing ${scopes} scope${scopes === 1 ? '' : 's'}; the digest follows in this channel when the last one is done.`);
      return;
    }
    const result = await scan(scope.providers, scope.filter, scope.groupId);
    // Asked for something that is not there: say so, never a clean digest.
    if (result.estate.scanErrors.length === 0) {
      if (result.complete.length === 0) throw new JobError(`no configured scope matches ${code(scopeLabel(job.args), 120)}: nothing was audited`);
      if (scope.groupId !== undefined && result.estate.groups.length === 0) throw new JobError(`group ${code(scope.groupId, 80)} is not in the scopes read: nothing was audited`);
    }
    const seen = await recordScan(result);
    const toPost = newlyReported(seen);
    const delta = { new: toPost.map((s) => s.finding), resolved: seen.resolved.map((s) => s.finding) };

    const digest = digestMessage(result.report, delta, { minSeverity: slack.minSeverity });
    let digestTs: string | undefined;
    for (const message of digest) {
      const ts = await post(channel, message, digestTs);
      digestTs ??= ts;
    }
    const { posted, updated } = await publish(seen, result, channel, job.user);

    await log(
      job.user,
      'audit',
      scopeLabel(job.args),
      `ok: ${result.report.findings.length} findings, ${toPost.length} new, ${seen.resolved.length} resolved, ${seen.suppressed.length} suppressed`,
      `${posted} posted, ${updated} marked resolved${result.report.summary.partial ? ', partial' : ''}`,
    );
  }

  /** The outcome of one scope's (or group's) audit, recorded and published. */
  async function auditAndPublish(
    providers: Provider[],
    filter: ScopeFilter,
    groupId: string | undefined,
    scopedConfig: WardenConfig,
    actor: string,
    claimSlot?: () => Promise<boolean>,
    channel: string | undefined = slack.channel,
    setId?: string,
  ): Promise<{ outcome: ScopeOutcome; seen: SeenResult; result: Scan }> {
    const result = await scan(providers, filter, groupId, scopedConfig, setId);
    const seen = await recordScan(result);
    const { posted, heldBack } = await publish(seen, result, channel, actor, claimSlot);
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

  async function scanScope(message: ScopeMessage): Promise<ScopeOutcome> {
    const scope = { provider: message.provider, account: message.account, region: message.region };
    const claimSlot = () => store.runs.claimPostSlot(message.runId, slack.maxFindingMessagesPerRun);
    // The person who asked for an on-demand run is the requester of the plans it proposes; the schedule is nobody.
    const trigger = (await store.runs.get(message.runId))?.trigger ?? '';
    const requester = trigger.startsWith('slack:') ? trigger.slice('slack:'.length) : 'scheduler';
    const { outcome, seen } = await auditAndPublish([scope.provider], { regions: [scope.region], accounts: [scope.account] }, undefined, configForScope(config, scope, message), requester, claimSlot, message.channel ?? slack.channel);
    const news = newlyReported(seen).map((s) => s.finding);
    const newBySeverity: Record<string, number> = {};
    for (const f of news) newBySeverity[f.severity] = (newBySeverity[f.severity] ?? 0) + 1;
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
    };
    const { run } = await store.runs.recordScope(message.runId, scopeResult, now());
    if (run && run.done >= run.expected) outcome.digestPosted = await finishRun(message.runId);
    return outcome;
  }

  async function finishRun(runId: string): Promise<boolean> {
    const run = await store.runs.get(runId);
    if (!run || !(await store.runs.claimDigest(runId, now()))) return false;
    const results = await store.runs.scopeResults(runId);
    const { summary, delta } = runDigestInput(results);
    const complete = results.length >= run.expected;
    const channel = run.channel ?? slack.channel;
    const nothingToSay = delta.totals.new === 0 && delta.totals.resolved === 0 && !summary.partial && complete;
    if (channel && !(nothingToSay && run.trigger === 'schedule')) {
      if (!complete) {
        summary.partial = true;
        summary.scanErrors.push({ provider: 'aws', account: '', region: '', origin: 'live', message: `${run.expected - results.length} of ${run.expected} scopes did not report (see the scan dead-letter queue)` });
      }
      let digestTs: string | undefined;
      const heldBack = results.reduce((sum, r) => sum + (r.heldBack ?? 0), 0);
      for (const message of digestMessage({ summary }, delta, { minSeverity: slack.minSeverity, ...(heldBack > 0 ? { heldBack } : {}) })) {
        const ts = await post(channel, message, digestTs);
        digestTs ??= ts;
      }
    }
    await log('scheduler', 'digest', runId, complete ? 'ok' : `ok: ${results.length} of ${run.expected} scopes`, `${summary.findings} findings, ${delta.totals.new} new, ${delta.totals.resolved} resolved${channel ? '' : ', no channel: not posted'}`);
    return true;
  }

  async function auditGroup(change: GroupChange): Promise<ScopeOutcome> {
    const { outcome } = await auditAndPublish(
      [change.provider],
      { regions: [change.region], accounts: [change.account] },
      change.groupId,
      configFor(change, 'read'),
      change.actor ? `realtime:${change.actor}` : 'realtime',
      undefined,
      undefined,
      change.setId,
    );
    await log(
      'realtime',
      'audit-group',
      `${change.provider}/${change.account}/${change.region}/${change.groupId ?? (change.setId ? `groups naming ${change.setId}` : '*')}`,
      outcome.scanError ? `partial: ${outcome.scanError}` : `ok: ${outcome.findings} findings, ${outcome.new} new, ${outcome.resolved} resolved`,
      `${change.eventName}${change.actor ? ` by ${change.actor}` : ''}`,
    );
    return outcome;
  }

  async function findingMessageFor(finding: Finding, result: Scan, requester: string): Promise<SlackMessage> {
    let proposal: ReturnType<typeof proposeFix>;
    try {
      proposal = proposeFix(finding, groupOf(result.estate, finding), config);
    } catch (error) {
      proposal = { refused: safeErrorText(error) };
    }
    if ('refused' in proposal) return findingMessage(finding, undefined, { noPlanReason: proposal.refused });
    const { plan } = proposal;
    await store.approvals.requestApproval({
      id: plan.id,
      planId: plan.id,
      fingerprint: finding.fingerprint,
      requester,
      // Proposed by the schedule or a real-time audit, nobody asked: the two-person rule means two distinct approvers.
      required: slack.twoPersonRule && !isSlackUserId(requester) ? Math.max(2, slack.requiredApprovals) : slack.requiredApprovals,
      requesterMayApprove: !slack.twoPersonRule,
      now: now(),
    });
    return findingMessage(finding, proposal);
  }

  /** Where a result about a finding goes: its message's thread, else the job's channel. */
  function placeFor(job: WardenJob, message: MessageRef | undefined): { channel: string; threadTs?: string } {
    if (message) return { channel: message.channel, threadTs: message.ts };
    return { channel: channelOf(job) };
  }

  function scopeOf(target: ScopeRef): ScopeRef {
    return { provider: target.provider, account: target.account, region: target.region };
  }

  function actorOf(job: WardenJob): string {
    return `slack:${job.user}`;
  }

  async function apply(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    const planId = str(job.args['planId']);
    if (!fingerprint || !planId) throw new JobError('the apply job names no finding or plan');
    const approval = await store.approvals.get(planId);
    if (!approval || ['pending', 'rejected', 'superseded'].includes(approval.status) || approval.fingerprint !== fingerprint) {
      await log(job.user, 'apply', planId, 'refused: not approved');
      await respond(job, `Not applied: plan ${code(planId, 80)} has no completed approval for this finding.`);
      return;
    }
    // approved → applying is the claim: of duplicate clicks, Slack retries and concurrent jobs for
    // one approval exactly one makes it and applies; every other one does nothing.
    if (!(await store.approvals.transition({ id: planId, from: 'approved', to: 'applying', now: now() }))) {
      if (await recoverStuck(planId, job)) return;
      await log(job.user, 'apply', planId, 'ignored: already being applied / applied', `duplicate job ${job.requestId}`);
      const current = await store.approvals.get(planId);
      if (current?.status === 'applying') {
        const interrupted = (await store.changes.list()).filter((r) => r.kind === 'apply' && r.plan.id === planId && r.inProgress).at(-1);
        await offerResume(job, current.updatedAt, 'applied', fingerprint, planId, interrupted?.changeId);
      }
      return;
    }
    let changeId: string | undefined;
    let applied = false;
    try {
      const record = await applyClaimed(job, fingerprint, planId);
      if (record) {
        changeId = record.changeId;
        applied = record.status === 'applied' || record.status === 'already-applied';
      }
    } finally {
      // Every way out of `applying` (refused, failed, thrown) ends in `applied` or `failed`.
      await store.approvals.transition({ id: planId, from: 'applying', to: applied ? 'applied' : 'failed', ...(applied && changeId ? { changeId } : {}), now: now() });
    }
  }

  /** Tells the person a fix is being applied (or reverted) since `since`, with the Resume button for once it is stale. */
  async function offerResume(job: WardenJob, since: string | undefined, done: 'applied' | 'reverted', fingerprint: string, planId: string, interruptedChangeId?: string): Promise<void> {
    if (!since || !job.responseUrl) return;
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    const noun = done === 'applied' ? 'apply' : 'revert';
    const text = `Not ${done} again: this fix is being ${done} since ${at(Date.parse(since))} UTC. If that ${noun} died, Warden resumes it on its own after ${at(Date.parse(since) + STUCK_AFTER_MS)} UTC, or an approver can press Resume then.`;
    await postToResponseUrl(job.responseUrl, { response_type: 'ephemeral', replace_original: false, ...resumeMessage(text, fingerprint, planId, interruptedChangeId) });
  }

  async function say(where: { channel: string; threadTs?: string }, text: string): Promise<void> {
    await client.chat.postMessage({ channel: where.channel, text, ...(where.threadTs ? { thread_ts: where.threadTs } : {}) });
  }

  /**
   * Recovers an approval stuck in `applying` (its process died) for longer than any apply runs:
   * reclaims it (one caller wins), then resumes the change record it left in progress (completes
   * or undoes it, and posts which), or, when it died before writing one, applies afresh. No new
   * approvals are needed. false when the approval is not stuck (or another caller reclaimed it).
   */
  async function recoverStuck(planId: string, job: WardenJob): Promise<boolean> {
    const approval = await store.approvals.get(planId);
    if (approval?.status === 'reverting' && approval.changeId) {
      // Resume on a fix whose revert died: the revert is what is recovered.
      const change = await store.changes.get(approval.changeId);
      return change?.kind === 'apply' && change.plan.id === planId ? recoverStuckRevert(change, job) : false;
    }
    const since = approval?.updatedAt ?? approval?.approvedAt;
    if (!approval || approval.status !== 'applying' || !stale(since)) return false;
    if (!(await store.approvals.transition({ id: planId, from: 'applying', to: 'applying', version: approval.version, now: now() }))) return false;
    const applies = (await store.changes.list()).filter((r) => r.kind === 'apply' && r.plan.id === planId);
    const change = applies.filter((r) => r.inProgress).at(-1);
    let ended: 'applied' | 'failed' | undefined = 'failed';
    let changeId: string | undefined;
    try {
      if (!change) {
        // The apply may have finished (its record saved) and died before the approval said so.
        const finished = applies.filter((r) => r.at >= (approval.approvedAt ?? '')).at(-1);
        if (finished) {
          changeId = finished.changeId;
          ended = finished.status === 'applied' || finished.status === 'already-applied' ? 'applied' : 'failed';
          await log(job.user, 'resume', planId, `ok: had ended ${finished.status}`, changeId);
          return true;
        }
        await log(job.user, 'resume', planId, 'ok: no change record; applying afresh', `stuck in applying since ${since}`);
        const record = await applyClaimed({ ...job, args: { ...job.args, fingerprint: approval.fingerprint, planId } }, approval.fingerprint, planId);
        changeId = record?.changeId;
        ended = record && (record.status === 'applied' || record.status === 'already-applied') ? 'applied' : 'failed';
        return true;
      }
      const resumed = await resumeChange({ adapter: await applyAdapter(change.plan.target), scope: scopeOf(change.plan.target), change, store: store.changes, actor: actorOf(job), now, verify: auditVerifier(config) });
      const state = await store.findings.get(approval.fingerprint);
      const where = placeFor(job, state?.message);
      if (resumed.outcome === 'left') {
        // Nothing was done: stays `applying`, reclaimed, for the next attempt once it is stale again.
        ended = undefined;
        await log(job.user, 'resume', planId, 'failed: left in progress', resumed.reason);
        const text = `:warning: Warden could not resume the interrupted fix ${code(change.changeId, 120)}: ${userText(resumed.reason ?? '', 400)}. It tries again on the next schedule tick, or an approver can press Resume.`;
        await post(where.channel, resumeMessage(text, approval.fingerprint, planId, change.changeId), where.threadTs);
        return true;
      }
      changeId = resumed.record.changeId;
      ended = resumed.outcome === 'completed' ? 'applied' : 'failed';
      const headline =
        resumed.outcome === 'completed'
          ? `:arrow_forward: The fix interrupted part-way (${code(change.changeId, 120)}) was resumed and completed: the group still matched the plan and what had been done.`
          : `:rewind: The fix interrupted part-way (${code(change.changeId, 120)}) was undone: the group no longer matched the plan and what had been done (${resumed.record.status}).`;
      await say(where, headline);
      await post(where.channel, appliedMessage(resumed.record), where.threadTs);
      await log(job.user, 'resume', planId, `ok: ${resumed.outcome}`, changeId);
      return true;
    } finally {
      if (ended) await store.approvals.transition({ id: planId, from: 'applying', to: ended, ...(ended === 'applied' && changeId ? { changeId } : {}), now: now() });
    }
  }

  /** The apply itself, once this job holds the approval in `applying`; undefined when refused. */
  async function applyClaimed(job: WardenJob, fingerprint: string, planId: string): Promise<ChangeRecord | undefined> {
    const state = await store.findings.get(fingerprint);
    const where = placeFor(job, state?.message);
    const providers = state ? [state.finding.provider] : configuredProviders();
    const filter: ScopeFilter = state ? { regions: [state.finding.region], accounts: [state.finding.account] } : {};
    const result = await scan(providers, filter, undefined, state ? configFor(state.finding, 'apply') : config);

    const refuse = async (reason: string, outcome: string): Promise<undefined> => {
      await log(job.user, 'apply', planId, `refused: ${outcome}`, reason);
      const text = `:no_entry: Fix not applied: ${reason}`;
      await client.chat.postMessage({ channel: where.channel, text, ...(where.threadTs ? { thread_ts: where.threadTs } : {}) });
      if (job.responseUrl) await postToResponseUrl(job.responseUrl, { response_type: 'ephemeral', replace_original: false, text });
      return undefined;
    };

    // A button posted by an earlier version carries the finding's legacy fingerprint and plan id.
    const finding = result.report.findings.find((f) => matchesFingerprint(f, fingerprint));
    if (!finding) return refuse('the finding is no longer reported (fixed, suppressed or its scope could not be read); nothing was changed.', 'finding gone');
    const proposal = proposeFix(finding, groupOf(result.estate, finding), config);
    if ('refused' in proposal) return refuse(`no fix can be proven any more: ${userText(proposal.refused, 500)}`, 'no plan');
    if (!isPlanId(proposal.plan, finding, planId)) {
      return refuse(
        `the group changed since plan ${code(planId, 80)} was approved (it would now be ${code(proposal.plan.id, 80)}); nothing was changed. Run \`/warden audit\` for a new plan.`,
        'plan changed',
      );
    }
    // Under the id it was approved by, so the change record and the approval name the same plan.
    const plan = { ...proposal.plan, id: planId };
    const adapter = result.adapters.find((a) => a.provider === plan.target.provider);
    if (!adapter) throw new JobError(`no adapter for ${plan.target.provider}`);
    const scope = { provider: plan.target.provider, account: plan.target.account, region: plan.target.region };
    const record = await applyPlan({ adapter, scope, plan, store: store.changes, actor: actorOf(job), verify: auditVerifier(config, result.estate), now });
    await post(where.channel, appliedMessage(record), where.threadTs);
    const ok = record.status === 'applied' || record.status === 'already-applied';
    // The finding's own message shows the outcome too: fixed (its buttons go; Revert is in the thread).
    if (ok) {
      // Resolved now, not at the next audit: the group's other findings stand as they were read.
      const sameGroup = (f: Finding) => f.provider === finding.provider && f.account === finding.account && f.region === finding.region && f.groupId === finding.groupId;
      const rest = result.report.findings.filter((f) => sameGroup(f) && f.fingerprint !== finding.fingerprint);
      await store.findings.recordSeen(rest, now(), [{ provider: finding.provider, account: finding.account, region: finding.region, groupId: finding.groupId }], result.suppressed.filter((s) => sameGroup(s.finding)));
    }
    if (ok && state?.message) {
      const fixed = resolvedUpdate(finding, { note: `Fixed by Warden after approval: change ${record.changeId}, verified. The thread has the details and the Revert button.` });
      await client.chat.update({ channel: state.message.channel, ts: state.message.ts, text: fixed.text, blocks: fixed.blocks });
    }
    await log(job.user, 'apply', planId, ok ? `ok: ${record.status}` : `failed: ${record.status}`, record.changeId);
    return record;
  }

  async function revert(job: WardenJob): Promise<void> {
    const changeId = str(job.args['changeId']);
    if (!changeId) throw new JobError('the revert job names no change');
    const change: ChangeRecord | undefined = await store.changes.get(changeId);
    if (!change || change.kind !== 'apply') {
      await log(job.user, 'revert', changeId, 'refused: unknown change');
      await respond(job, `Not reverted: Warden has no applied change ${code(changeId, 80)}.`);
      return;
    }
    // A revert whose process died is recovered by the next delivery once it is stale.
    if (await recoverStuckRevert(change, job)) return;
    // Only an applied fix is reverted, once: a second revert (a duplicate click, a retry) finds it `reverted`.
    const approval = await store.approvals.get(change.plan.id);
    if (approval?.status === 'reverting' && approval.changeId === changeId) {
      await log(job.user, 'revert', changeId, 'ignored: already being reverted');
      await offerResume(job, (await store.approvals.get(revertRequestId(changeId)))?.updatedAt, 'reverted', approval.fingerprint, approval.planId);
      return;
    }
    const from = revertableFrom(approval, change);
    if (!approval || !from) {
      await log(job.user, 'revert', changeId, `refused: not applied (${approval?.status ?? 'no approval'})`);
      await respond(job, `Not reverted: change ${code(changeId, 80)} is not an applied fix${approval?.status === 'reverted' ? ' (it was reverted already)' : ''}.`);
      return;
    }
    // A revert widens access again: it goes ahead only with its own completed approval, claimed once.
    const revertId = revertRequestId(changeId);
    if (from === 'busy') {
      // The apply may still be running: a revert now would race it. This revert's approvals are used up.
      if (await store.approvals.transition({ id: revertId, from: 'approved', to: 'applying', now: now() })) await store.approvals.transition({ id: revertId, from: 'applying', to: 'failed', now: now() });
      const since = approval.updatedAt ?? change.at;
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
      await log(job.user, 'revert', changeId, 'refused: its apply may still be running', `applying since ${since}`);
      await respond(job, `Not reverted: change ${code(changeId, 80)} is being applied since ${at(Date.parse(since))} UTC. If that apply died, it can be reverted after ${at(Date.parse(since) + STUCK_AFTER_MS)} UTC (with the revert's approvals), or Warden resumes it on its own then.`);
      return;
    }
    if (!(await store.approvals.transition({ id: revertId, from: 'approved', to: 'applying', now: now() }))) {
      const request = await store.approvals.get(revertId);
      if (request?.status === 'applying' || request?.status === 'applied') {
        await log(job.user, 'revert', changeId, 'ignored: already being reverted / reverted');
        if (request.status === 'applying') await offerResume(job, request.updatedAt, 'reverted', approval.fingerprint, approval.planId);
        return;
      }
      await log(job.user, 'revert', changeId, `refused: revert not approved (${request?.status ?? 'no request'})`);
      await respond(job, `Not reverted: reverting change ${code(changeId, 80)} has no completed approval.`);
      return;
    }
    // Claim the revert: of two revert jobs at once (or a revert and a resume of an interrupted apply), only one gets past this line.
    if (!(await store.approvals.transition({ id: change.plan.id, from, to: 'reverting', changeId, ...(from === 'applying' ? { version: approval.version } : {}), now: now() }))) {
      await store.approvals.transition({ id: revertId, from: 'applying', to: 'failed', now: now() });
      await log(job.user, 'revert', changeId, 'ignored: already being reverted / reverted');
      return;
    }
    let ok = false;
    let record: ChangeRecord;
    try {
      record = await revertChange({ adapter: await applyAdapter(change.plan.target), scope: scopeOf(change.plan.target), change, store: store.changes, actor: actorOf(job), now });
      ok = record.status === 'reverted';
    } finally {
      await endRevert(change, ok);
    }
    await reportRevert(job, change, record, ok);
  }

  /** The adapter that may change the plan's group (its account's apply role). */
  async function applyAdapter(target: ScopeRef): Promise<LiveAdapter> {
    const adapter = (await options.adapters([target.provider], configFor(target, 'apply'))).find((a) => a.provider === target.provider);
    if (!adapter) throw new JobError(`no adapter for ${target.provider}`);
    return adapter;
  }

  /**
   * Whether the fix behind `change` may be reverted, and from which status: `applied`, or an apply
   * left in progress (interrupted part-way) of this generation of the fix, its approval `failed` or
   * stuck in `applying` (`busy` while that apply may still be running).
   */
  function revertableFrom(approval: ApprovalRequest | undefined, change: ChangeRecord): 'applied' | 'applying' | 'failed' | 'busy' | undefined {
    if (!approval) return undefined;
    if (approval.status === 'applied') return approval.changeId === undefined || approval.changeId === change.changeId ? 'applied' : undefined;
    if (!change.inProgress || change.at < (approval.approvedAt ?? '')) return undefined;
    if (approval.status === 'failed') return 'failed';
    if (approval.status !== 'applying') return undefined;
    return stale(approval.updatedAt) ? 'applying' : 'busy';
  }

  /** Set longer ago than any apply or revert runs: the process that set it died. */
  function stale(since: string | undefined): since is string {
    return since !== undefined && now().getTime() - Date.parse(since) >= STUCK_AFTER_MS;
  }

  /**
   * A revert's end: the fix is `reverted`, or back to `applied` (an interrupted apply's: `failed`,
   * as nothing resumes it after a revert was asked for); the revert's own request `applied` or `failed`.
   */
  async function endRevert(change: ChangeRecord, ok: boolean): Promise<void> {
    await store.approvals.transition({ id: change.plan.id, from: 'reverting', to: ok ? 'reverted' : change.inProgress ? 'failed' : 'applied', now: now() });
    await store.approvals.transition({ id: revertRequestId(change.changeId), from: 'applying', to: ok ? 'applied' : 'failed', now: now() });
  }

  /** Posts a revert's outcome in the finding's thread; a reverted fix's finding is open again, on its old message. */
  async function reportRevert(job: WardenJob, change: ChangeRecord, record: ChangeRecord, ok: boolean, headline?: string): Promise<void> {
    const state: FindingState | undefined = await store.findings.get(change.plan.finding.fingerprint);
    const where = placeFor(job, state?.message);
    if (headline) await say(where, headline);
    await post(where.channel, appliedMessage(record), where.threadTs);
    // Open again, on its old message (the next audit does not post it anew).
    if (ok && state) await store.findings.recordSeen([state.finding], now(), []);
    if (ok && state?.message) {
      const reopened = findingMessage(state.finding, undefined, { noPlanReason: `Warden's fix was reverted (${record.changeId}): the group is as it was before. /warden fix ${state.finding.fingerprint} proposes a new plan.` });
      await client.chat.update({ channel: state.message.channel, ts: state.message.ts, text: reopened.text, blocks: reopened.blocks });
    }
    await log(job.user, 'revert', change.changeId, ok ? 'ok: reverted' : `failed: ${record.status}`, record.changeId);
  }

  /**
   * Recovers a revert whose process died (its request stuck in `applying` for longer than any revert
   * runs): reclaims it (one caller wins), then resumes the revert record it left in progress
   * (completes or undoes it, and posts which), or, when it died before writing one, reverts afresh.
   * No new approvals are needed. false when the revert is not stuck (or another caller reclaimed it).
   */
  async function recoverStuckRevert(change: ChangeRecord, job: WardenJob): Promise<boolean> {
    const revertId = revertRequestId(change.changeId);
    const request = await store.approvals.get(revertId);
    const since = request?.updatedAt;
    if (!request || request.status !== 'applying' || !stale(since)) return false;
    if ((await store.approvals.get(change.plan.id))?.status !== 'reverting') {
      // Died between claiming its request and claiming the fix: nothing was changed. The request ends, so a new Revert may be approved.
      if (!(await store.approvals.transition({ id: revertId, from: 'applying', to: 'failed', version: request.version, now: now() }))) return false;
      await log(job.user, 'resume-revert', change.changeId, 'ok: ended; it had not started', `stuck in applying since ${since}`);
      await respond(job, `Not reverted: the revert of ${code(change.changeId, 80)} approved earlier never started (its process died); press Revert again to approve a new one.`);
      return true;
    }
    if (!(await store.approvals.transition({ id: revertId, from: 'applying', to: 'applying', version: request.version, now: now() }))) return false;
    const reverts = (await store.changes.list()).filter((r) => r.kind === 'revert' && r.reverts === change.changeId && r.at >= (request.approvedAt ?? ''));
    const inProgress = reverts.filter((r) => r.inProgress).at(-1);
    const finished = reverts.filter((r) => !r.inProgress).at(-1);
    let ended: boolean | undefined = false;
    try {
      if (finished) {
        // The revert finished (its record saved) and died before the approvals said so.
        ended = finished.status === 'reverted';
        await log(job.user, 'resume-revert', change.changeId, `ok: had ended ${finished.status}`, finished.changeId);
        return true;
      }
      const adapter = await applyAdapter(change.plan.target);
      const scope = scopeOf(change.plan.target);
      if (!inProgress) {
        await log(job.user, 'resume-revert', change.changeId, 'ok: no revert record; reverting afresh', `stuck in applying since ${since}`);
        const record = await revertChange({ adapter, scope, change, store: store.changes, actor: actorOf(job), now });
        ended = record.status === 'reverted';
        await reportRevert(job, change, record, ended, `:leftwards_arrow_with_hook: The revert of ${code(change.changeId, 120)} that was interrupted before its first change was made afresh (${record.status}).`);
        return true;
      }
      const resumed = await resumeRevert({ adapter, scope, change: inProgress, reverted: change, store: store.changes, actor: actorOf(job), now });
      if (resumed.outcome === 'left') {
        // Nothing was done: stays `reverting`, reclaimed, for the next attempt once it is stale again.
        ended = undefined;
        await log(job.user, 'resume-revert', change.changeId, 'failed: left in progress', resumed.reason);
        const state = await store.findings.get(change.plan.finding.fingerprint);
        const where = placeFor(job, state?.message);
        const text = `:warning: Warden could not resume the interrupted revert ${code(inProgress.changeId, 120)}: ${userText(resumed.reason ?? '', 400)}. It tries again on the next schedule tick, or an approver can press Resume.`;
        await post(where.channel, resumeMessage(text, change.plan.finding.fingerprint, change.plan.id), where.threadTs);
        return true;
      }
      ended = resumed.outcome === 'completed';
      const headline = ended
        ? `:arrow_forward: The revert interrupted part-way (${code(inProgress.changeId, 120)}) was resumed and completed: the group still matched what it found and what had been done.`
        : `:rewind: The revert interrupted part-way (${code(inProgress.changeId, 120)}) was undone: the group no longer matched what it found and what had been done (${resumed.record.status}).`;
      await reportRevert(job, change, resumed.record, ended, headline);
      return true;
    } finally {
      if (ended !== undefined) await endRevert(change, ended);
    }
  }

  async function findings(job: WardenJob): Promise<void> {
    const severity = str(job.args['severity']);
    const provider = str(job.args['provider']);
    const check = str(job.args['check']);
    if (provider !== undefined && !isProvider(provider)) throw new JobError(`unknown provider ${code(provider, 40)}`);
    const result = await scan(provider ? [provider] : configuredProviders(), {});
    const wanted = (f: Finding) => (severity === undefined || f.severity === (severity as Severity)) && (check === undefined || f.check === check);
    const matching = result.report.findings.filter(wanted);
    // Suppressed findings are still open: counted here, listed by `/warden suppressions`.
    const hidden = result.suppressed.filter((s) => wanted(s.finding)).length;
    const suppressedNote = hidden > 0 ? `\n_${hidden} suppressed, still open (\`/warden suppressions\` lists the suppressions)._` : '';
    const lines = matching.slice(0, 30).map((f) => `• *${f.severity}* ${userText(f.title, 160)} · ${userText(f.groupName || f.groupId, 80)} · ${f.provider}/${userText(f.account, 40)}/${userText(f.region, 40)} · ${code(f.fingerprint.slice(0, 12), 20)}`);
    if (matching.length > lines.length) lines.push(`• and ${matching.length - lines.length} more (\`warden audit\` lists all)`);
    const partial = result.report.summary.partial ? '\n:warning: Partial: some scopes could not be read.' : '';
    await respond(job, (matching.length === 0 ? `No open findings match.${partial}` : `*${matching.length} open finding${matching.length === 1 ? '' : 's'}*${partial}\n${lines.join('\n')}`) + suppressedNote);
  }

  async function show(job: WardenJob): Promise<void> {
    const groupId = str(job.args['groupId']);
    if (!groupId) throw new JobError('`show` needs a group id');
    const result = await scan(configuredProviders(), {}, groupId);
    const group = result.estate.groups[0];
    if (!group) {
      await respond(job, `No group ${code(groupId, 130)} was found${result.report.summary.partial ? ' (some scopes could not be read)' : ''}.`);
      return;
    }
    const rules = group.rules.slice(0, 25).map((r) => `• ${userText(describeRule(r), 200)}`);
    if (group.rules.length > rules.length) rules.push(`• and ${group.rules.length - rules.length} more`);
    const found = result.report.findings.slice(0, 10).map((f) => `• *${f.severity}* ${userText(f.title, 200)} (${code(f.fingerprint.slice(0, 12), 20)})`);
    const text = [
      `*${userText(group.name || group.id, 120)}* (${code(group.id, 130)}) · ${group.provider}/${userText(group.account, 40)}/${userText(group.region, 40)}`,
      `*Rules*`,
      ...(rules.length ? rules : ['• none']),
      `*Findings*`,
      ...(found.length ? found : ['• none']),
    ].join('\n');
    await respond(job, text);
  }

  /** `/warden fix <fingerprint>`: the finding's message with its proven plan (and an approval request), in the channel. */
  async function fix(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    if (!fingerprint) throw new JobError('`fix` needs a finding fingerprint');
    const channel = channelOf(job);
    const known = await store.findings.get(fingerprint);
    const result = known
      ? await scan([known.finding.provider], { regions: [known.finding.region], accounts: [known.finding.account] })
      : await scan(configuredProviders(), {});
    const finding = findFinding(result.report, fingerprint);
    await store.findings.recordSeen([finding], now(), []);
    const message = await findingMessageFor(finding, result, job.user);
    const ts = await post(channel, message);
    if (ts) await store.findings.markPosted(finding.fingerprint, channel, ts, now());
    await log(job.user, 'fix', finding.fingerprint, 'ok: posted');
  }

  /**
   * What `/warden suppress` names, exactly one finding or check, or why not. A suppression matches whole
   * fingerprints: a prefix is resolved among the findings the audit sees (suppressed ones too), and refused when it
   * names none or several, or when some scope could not be read (a finding there might share the prefix).
   */
  async function suppressTarget(fingerprint: string | undefined, check: string | undefined): Promise<{ target: SuppressionTarget } | { refused: string }> {
    if (!fingerprint) return CHECK_IDS.has(check ?? '') ? { target: { check: check as string } } : { refused: `Warden has no check ${code(check ?? '', 80)}` };
    const known = await store.findings.get(fingerprint);
    if (known) return { target: { fingerprint: known.fingerprint } };
    const result = await scan(configuredProviders(), {});
    const report = { ...result.report, findings: [...result.report.findings, ...result.suppressed.map((s) => s.finding)] };
    const exact = report.findings.find((f) => matchesFingerprint(f, fingerprint));
    if (exact) return { target: { fingerprint: exact.fingerprint } };
    if (report.summary.partial) return { refused: `some scopes could not be read, so ${code(fingerprint, 80)} may name no finding or more than one; give the whole fingerprint` };
    try {
      return { target: { fingerprint: findFinding(report, fingerprint).fingerprint } };
    } catch (error) {
      if (error instanceof FixError) return { refused: error.message };
      throw error;
    }
  }

  async function suppress(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    const check = str(job.args['check']);
    const seconds = Number(job.args['durationSeconds']);
    const reason = str(job.args['reason']) ?? '';
    if ((!fingerprint && !check) || !Number.isFinite(seconds) || seconds <= 0) throw new JobError('`suppress` needs a finding or check and a duration');
    const resolved = await suppressTarget(fingerprint, check);
    if ('refused' in resolved) {
      await log(job.user, 'suppress', fingerprint ?? check ?? '-', `refused: ${resolved.refused}`);
      await respond(job, `Not suppressed: ${resolved.refused}.`);
      return;
    }
    const { target } = resolved;
    const until = new Date(now().getTime() + seconds * 1000);
    // Not suppressed yet: a request, posted in the finding's thread (the channel, for a check), waits for its approvals.
    const posted = 'fingerprint' in target ? (await store.findings.get(target.fingerprint))?.message : undefined;
    const payload = { kind: 'suppress' as const, target, reason, until: until.toISOString() };
    const { reply } = await suppressionRequests.request({ payload, requester: job.user, origin: job.requestId, where: placeFor(job, posted) });
    await respond(job, reply);
  }

  async function run(job: WardenJob): Promise<void> {
    switch (job.kind) {
      case 'audit':
        return audit(job);
      case 'apply':
        return apply(job);
      case 'revert':
        return revert(job);
      case 'findings':
        return findings(job);
      case 'show':
        return show(job);
      case 'fix':
        return fix(job);
      case 'suppress':
        return suppress(job);
      default: {
        const kind: string = job.kind;
        if (kind === 'help') return respond(job, usage());
        return respond(job, `Warden's worker does not handle \`${userText(kind, 40)}\` jobs yet; nothing was done.`);
      }
    }
  }

  async function recoverStuckApplies(): Promise<string[]> {
    const cutoff = now().getTime() - STUCK_AFTER_MS;
    const records = await store.changes.list();
    const byId = new Map(records.map((r) => [r.changeId, r]));
    const recovered: string[] = [];
    const tick = (kind: WardenJob['kind'], args: WardenJob['args'], target: string): WardenJob => ({ kind, args, user: 'schedule', channel: slack.channel ?? '', requestId: `schedule:resume:${target}` });
    // Applies left in progress (a revert of one that died is routed by recoverStuck to the revert).
    // One recovery that throws (Slack or the store down) is logged; the others still run.
    const attempt = async (planId: string, recover: () => Promise<boolean>): Promise<void> => {
      try {
        if (await recover()) recovered.push(planId);
      } catch (error) {
        console.error(`warden: recovering the interrupted change of ${planId} failed: ${safeErrorText(error)}`);
      }
    };
    for (const planId of new Set(records.filter((r) => r.kind === 'apply' && r.inProgress && Date.parse(r.at) <= cutoff).map((r) => r.plan.id))) {
      await attempt(planId, () => recoverStuck(planId, tick('apply', { planId }, planId)));
    }
    // Reverts left in progress, and reverts of applied fixes that died before writing their record.
    const reverts = records.filter((r) => r.kind === 'revert' && r.inProgress && Date.parse(r.at) <= cutoff).map((r) => byId.get(r.reverts ?? ''));
    const applied = records.filter((r) => r.kind === 'apply' && r.status === 'applied');
    for (const change of new Set([...reverts, ...applied])) {
      if (!change || change.kind !== 'apply' || recovered.includes(change.plan.id)) continue;
      if ((await store.approvals.get(change.plan.id))?.status !== 'reverting') continue;
      await attempt(change.plan.id, () => recoverStuckRevert(change, tick('revert', { changeId: change.changeId }, change.changeId)));
    }
    return recovered;
  }

  return {
    scanScope,
    finishRun,
    auditGroup,
    recoverStuckApplies,
    async handle(job) {
      try {
        await run(job);
      } catch (error) {
        const reason = safeErrorText(error);
        console.error(`warden: job ${job.kind} (${job.requestId}) failed: ${reason}`);
        try {
          await log(job.user, job.kind, job.requestId, 'failed', reason);
        } catch {
          // The audit trail being down must not hide the failure from the person.
        }
        try {
          await respond(job, `:x: Warden could not complete \`${job.kind}\`: ${userText(reason, 400)}`);
        } catch (replyError) {
          console.error(`warden: could not report the failure of job ${job.requestId}: ${safeErrorText(replyError)}`);
        }
      }
    },
  };
}

/**
 * The config narrowed to one AWS account and region, reached through `role` (a member account's
 * WardenAudit or WardenApply role) or the default credentials, with no Organizations discovery.
 */
export function configForScope(config: WardenConfig, scope: ScopeRef, role: { roleArn?: string; externalId?: string } | undefined): WardenConfig {
  if (scope.provider !== 'aws' || !config.providers.aws) return config;
  const account = role?.roleArn ? { id: scope.account, roleArn: role.roleArn, ...(role.externalId ? { externalId: role.externalId } : {}) } : { id: scope.account };
  const { organization: _discovery, ...aws } = config.providers.aws;
  return { ...config, providers: { ...config.providers, aws: { ...aws, accounts: [account], regions: [scope.region] } } };
}

/** A run's digest input: the scope results summed into one summary, and their new and resolved findings. */
export function runDigestInput(results: readonly ScopeResult[]): { summary: AuditSummary; delta: AuditDelta & { totals: NonNullable<AuditDelta['totals']> } } {
  const summary: AuditSummary = { groups: 0, rules: 0, findings: 0, bySeverity: zeroSeverities(), byProvider: {}, byCheck: {}, scanErrors: [], partial: false };
  const delta = { new: [] as Finding[], resolved: [] as Finding[], totals: { new: 0, resolved: 0, newBySeverity: zeroSeverities() } };
  for (const r of results) {
    summary.groups += r.groups;
    summary.rules += r.rules;
    summary.findings += r.findings;
    for (const [severity, n] of Object.entries(r.bySeverity)) summary.bySeverity[severity as Severity] = (summary.bySeverity[severity as Severity] ?? 0) + n;
    summary.byProvider[r.scope.provider] = (summary.byProvider[r.scope.provider] ?? 0) + r.findings;
    if (r.scanError !== undefined) summary.scanErrors.push({ ...r.scope, origin: 'live', message: r.scanError });
    delta.new.push(...r.new);
    delta.resolved.push(...r.resolved);
    delta.totals.new += r.newCount;
    delta.totals.resolved += r.resolvedCount;
    for (const [severity, n] of Object.entries(r.newBySeverity)) delta.totals.newBySeverity[severity as Severity] = (delta.totals.newBySeverity[severity as Severity] ?? 0) + n;
  }
  summary.partial = summary.scanErrors.length > 0;
  return { summary, delta };
}

function zeroSeverities(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function scopeLabel(args: WardenJob['args']): string {
  const parts = ['provider', 'account', 'region', 'group'].map((k) => str(args[k])).filter((v): v is string => v !== undefined);
  return parts.length ? parts.join('/') : '*';
}
