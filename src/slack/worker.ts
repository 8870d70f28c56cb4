import { readLiveEstate } from '../../adapters/live-estate.ts';
import type { LiveAdapter, ScopeFilter } from '../ports/live.ts';
import { describeRule } from '../analysis/describe.ts';
import { applyApprovedFix } from '../app/apply-fix.ts';
import { safeErrorText } from '../app/error-text.ts';
import type { AppPorts, Asker, ConfigForScope } from '../app/ports.ts';
import { channelOf, configuredProviders, placeFor, UseCaseError } from '../app/ports.ts';
import { findFinding, FixError } from '../app/propose-fix.ts';
import { findingNotice, newlyReported, publish, recordRead } from '../app/publish.ts';
import { readScope } from '../app/read-scope.ts';
import type { ReadRequest, ScopeRead } from '../app/read-scope.ts';
import { revertApprovedFix } from '../app/revert-fix.ts';
import { recordTrail } from '../app/trail.ts';
import { bindUseCases } from '../app/use-cases.ts';
import type { UseCases } from '../app/use-cases.ts';
import type { WardenConfig } from '../config/schema.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { Finding, Provider, Severity } from '../model/types.ts';
import { PROVIDERS } from '../model/types.ts';
import type { StateStore } from '../store/state.ts';
import type { SuppressionTarget } from '../model/suppression.ts';
import { slackConfigOf } from './authorize.ts';
import { code, userText } from './blocks/elements.ts';
import { groupInterfacesText, reachText } from './blocks/reach.ts';
import { CHECK_IDS, usage } from './commands.ts';
import { createSlackNotifier, postToResponseUrlWithFetch } from './notifier.ts';
import type { ResponseUrlPoster, SlackChatClient } from './notifier.ts';
import type { WardenJob } from './queue.ts';
import { createSuppressionRequests } from './suppression-requests.ts';

// The worker behind the Slack app: takes the jobs the app enqueued (src/slack/app.ts), maps each onto the use
// cases (src/app) and answers in the channel (Web API) or to the person (response_url) through the Slack
// notifier. `handle` never throws: every failure is reported back, with its text cut to one line and anything
// that looks like a credential masked.

export interface WorkerOptions {
  config: WardenConfig;
  store: StateStore;
  client: SlackChatClient;
  /** The live adapters for these providers, built from `config` (createAdapters in production). */
  adapters: (providers: readonly Provider[], config: WardenConfig) => Promise<LiveAdapter[]>;
  /** The config that reaches one scope (an AWS member account's role); default: `config` as it is. */
  configFor?: ConfigForScope;
  /**
   * Production: an on-demand audit of more than one group is fanned out as a run (one queue
   * message per scope, src: functions/lib/fanout.ts) instead of read in this process; returns
   * the run id and how many scopes it has. Absent (locally): audits run in the worker.
   */
  fanOut?: (request: {
    providers: Provider[];
    filter: ScopeFilter;
    channel: string;
    user: string;
  }) => Promise<{ runId: string; scopes: number }>;
  /** POSTs a JSON body to a response_url; default fetch. */
  postToResponseUrl?: ResponseUrlPoster;
  now?: () => Date;
}

/** The Slack jobs, and the use cases it was built with (the Lambda functions call those through their runtime). */
export interface Worker extends UseCases {
  /** A Slack job; never throws (failures are reported to the person). */
  handle(job: WardenJob): Promise<void>;
}

function str(value: string | number | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function isProvider(value: string | undefined): value is Provider {
  return value !== undefined && (PROVIDERS as readonly string[]).includes(value);
}

/** The use cases' ports for Slack: the Slack notifier, the live adapters. */
export function slackPorts(options: WorkerOptions): AppPorts {
  const { config, store, client } = options;
  const settings = slackConfigOf(config);
  return {
    config,
    settings,
    store,
    clouds: { adapters: options.adapters, read: (adapters, filter) => readLiveEstate(adapters, { filter }) },
    configFor: options.configFor ?? (() => config),
    notifier: createSlackNotifier({
      client,
      postToResponseUrl: options.postToResponseUrl ?? postToResponseUrlWithFetch,
      minSeverity: settings.minSeverity,
    }),
    now: options.now ?? (() => new Date()),
  };
}

export function createWorker(options: WorkerOptions, ports: AppPorts = slackPorts(options)): Worker {
  const { config, store, settings: slack, notifier, now } = ports;
  const { client } = options;
  const suppressionRequests = createSuppressionRequests({ config, store, client, now });

  function askerOf(job: WardenJob): Asker {
    return {
      user: job.user,
      actor: `slack:${job.user}`,
      requestId: job.requestId,
      ...(job.channel || slack.channel ? { channel: job.channel || slack.channel } : {}),
      ...(job.responseUrl ? { replyTo: job.responseUrl } : {}),
    };
  }

  async function respond(job: WardenJob, text: string): Promise<void> {
    await notifier.answer(askerOf(job), { kind: 'text', text: [text] });
  }

  function scan(providers: readonly Provider[], filter: ScopeFilter, groupId?: string): Promise<ScopeRead> {
    const request: ReadRequest = { providers, filter, ...(groupId !== undefined ? { groupId } : {}) };
    return readScope(ports, request);
  }

  function scopeOfArgs(args: WardenJob['args']): { providers: Provider[]; filter: ScopeFilter; groupId?: string } {
    const provider = str(args['provider']);
    if (provider !== undefined && !isProvider(provider))
      throw new UseCaseError(`unknown provider ${code(provider, 40)}`);
    const region = str(args['region']);
    const account = str(args['account']);
    const group = str(args['group']);
    return {
      providers: provider ? [provider] : configuredProviders(config),
      filter: { ...(region ? { regions: [region] } : {}), ...(account ? { accounts: [account] } : {}) },
      ...(group ? { groupId: group } : {}),
    };
  }

  async function audit(job: WardenJob): Promise<void> {
    const scope = scopeOfArgs(job.args);
    const channel = channelOf(askerOf(job));
    if (options.fanOut && scope.groupId === undefined) {
      if (scope.providers.length === 0)
        throw new UseCaseError('no provider is configured (providers.aws, …) and none was asked for');
      const { runId, scopes } = await options.fanOut({
        providers: scope.providers,
        filter: scope.filter,
        channel,
        user: job.user,
      });
      await recordTrail(ports, job.user, 'audit', scopeLabel(job.args), `queued: ${scopes} scopes`, runId);
      await respond(
        job,
        scopes === 0
          ? 'Nothing to audit: no configured scope matches.'
          : `Auditing ${scopes} scope${scopes === 1 ? '' : 's'}; the digest follows in this channel when the last one is done.`,
      );
      return;
    }
    const result = await scan(scope.providers, scope.filter, scope.groupId);
    // Asked for something that is not there: say so, never a clean digest.
    if (result.estate.scanErrors.length === 0) {
      if (result.complete.length === 0)
        throw new UseCaseError(`no configured scope matches ${code(scopeLabel(job.args), 120)}: nothing was audited`);
      if (scope.groupId !== undefined && result.estate.groups.length === 0)
        throw new UseCaseError(`group ${code(scope.groupId, 80)} is not in the scopes read: nothing was audited`);
    }
    const seen = await recordRead(ports, result);
    const toPost = newlyReported(seen);
    const delta = { new: toPost.map((s) => s.finding), resolved: seen.resolved.map((s) => s.finding) };

    await notifier.post({ channel }, { kind: 'digest', summary: result.report.summary, delta });
    const { posted, updated } = await publish(ports, seen, result, channel, job.user);

    await recordTrail(
      ports,
      job.user,
      'audit',
      scopeLabel(job.args),
      `ok: ${result.report.findings.length} findings, ${toPost.length} new, ${seen.resolved.length} resolved, ${seen.suppressed.length} suppressed`,
      `${posted} posted, ${updated} marked resolved${result.report.summary.partial ? ', partial' : ''}`,
    );
  }

  async function apply(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    const planId = str(job.args['planId']);
    if (!fingerprint || !planId) throw new UseCaseError('the apply job names no finding or plan');
    await applyApprovedFix(ports, askerOf(job), fingerprint, planId);
  }

  async function revert(job: WardenJob): Promise<void> {
    const changeId = str(job.args['changeId']);
    if (!changeId) throw new UseCaseError('the revert job names no change');
    await revertApprovedFix(ports, askerOf(job), changeId);
  }

  async function findings(job: WardenJob): Promise<void> {
    const severity = str(job.args['severity']);
    const provider = str(job.args['provider']);
    const check = str(job.args['check']);
    if (provider !== undefined && !isProvider(provider))
      throw new UseCaseError(`unknown provider ${code(provider, 40)}`);
    const result = await scan(provider ? [provider] : configuredProviders(config), {});
    const wanted = (f: Finding) =>
      (severity === undefined || f.severity === (severity as Severity)) && (check === undefined || f.check === check);
    const matching = result.report.findings.filter(wanted);
    // Suppressed findings are still open: counted here, listed by `/warden suppressions`.
    const hidden = result.suppressed.filter((s) => wanted(s.finding)).length;
    const suppressedNote =
      hidden > 0 ? `\n_${hidden} suppressed, still open (\`/warden suppressions\` lists the suppressions)._` : '';
    const lines = matching
      .slice(0, 30)
      .map(
        (f) =>
          `• *${f.severity}* ${userText(f.title, 160)} · ${userText(f.groupName || f.groupId, 80)} · ${f.provider}/${userText(f.account, 40)}/${userText(f.region, 40)} · ${code(f.fingerprint.slice(0, 12), 20)}`,
      );
    if (matching.length > lines.length)
      lines.push(`• and ${matching.length - lines.length} more (\`warden audit\` lists all)`);
    const partial = result.report.summary.partial ? '\n:warning: Partial: some scopes could not be read.' : '';
    await respond(
      job,
      (matching.length === 0
        ? `No open findings match.${partial}`
        : `*${matching.length} open finding${matching.length === 1 ? '' : 's'}*${partial}\n${lines.join('\n')}`) +
        suppressedNote,
    );
  }

  async function show(job: WardenJob): Promise<void> {
    const groupId = str(job.args['groupId']);
    if (!groupId) throw new UseCaseError('`show` needs a group id');
    const result = await scan(configuredProviders(config), {}, groupId);
    const group = result.estate.groups[0];
    if (!group) {
      await respond(
        job,
        `No group ${code(groupId, 130)} was found${result.report.summary.partial ? ' (some scopes could not be read)' : ''}.`,
      );
      return;
    }
    const rules = group.rules.slice(0, 25).map((r) => `• ${userText(describeRule(r), 200)}`);
    if (group.rules.length > rules.length) rules.push(`• and ${group.rules.length - rules.length} more`);
    const found = result.report.findings
      .slice(0, 10)
      .map(
        (f) =>
          `• *${f.severity}* ${userText(f.title, 200)} (${code(f.fingerprint.slice(0, 12), 20)})${f.reach ? ` · on ${reachText(f.reach, 400)}` : ''}`,
      );
    const text = [
      `*${userText(group.name || group.id, 120)}* (${code(group.id, 130)}) · ${group.provider}/${userText(group.account, 40)}/${userText(group.region, 40)}`,
      `*Interfaces*`,
      `• ${groupInterfacesText(result.estate, group)}`,
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
    if (!fingerprint) throw new UseCaseError('`fix` needs a finding fingerprint');
    const channel = channelOf(askerOf(job));
    const known = await store.findings.get(fingerprint);
    const result = known
      ? await scan([known.finding.provider], { regions: [known.finding.region], accounts: [known.finding.account] })
      : await scan(configuredProviders(config), {});
    const finding = findFinding(result.report, fingerprint);
    await store.findings.recordSeen([finding], now(), []);
    const notice = await findingNotice(ports, finding, result, job.user);
    const ts = await notifier.post({ channel }, notice);
    if (ts) await store.findings.markPosted(finding.fingerprint, channel, ts, now());
    await recordTrail(ports, job.user, 'fix', finding.fingerprint, 'ok: posted');
  }

  /**
   * What `/warden suppress` names, exactly one finding or check, or why not. A suppression matches whole
   * fingerprints: a prefix is resolved among the findings the audit sees (suppressed ones too), and refused when it
   * names none or several, or when some scope could not be read (a finding there might share the prefix).
   */
  async function suppressTarget(
    fingerprint: string | undefined,
    check: string | undefined,
  ): Promise<{ target: SuppressionTarget } | { refused: string }> {
    if (!fingerprint)
      return CHECK_IDS.has(check ?? '')
        ? { target: { check: check as string } }
        : { refused: `Warden has no check ${code(check ?? '', 80)}` };
    const known = await store.findings.get(fingerprint);
    if (known) return { target: { fingerprint: known.fingerprint } };
    const result = await scan(configuredProviders(config), {});
    const report = {
      ...result.report,
      findings: [...result.report.findings, ...result.suppressed.map((s) => s.finding)],
    };
    const exact = report.findings.find((f) => matchesFingerprint(f, fingerprint));
    if (exact) return { target: { fingerprint: exact.fingerprint } };
    if (report.summary.partial)
      return {
        refused: `some scopes could not be read, so ${code(fingerprint, 80)} may name no finding or more than one; give the whole fingerprint`,
      };
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
    if ((!fingerprint && !check) || !Number.isFinite(seconds) || seconds <= 0)
      throw new UseCaseError('`suppress` needs a finding or check and a duration');
    const resolved = await suppressTarget(fingerprint, check);
    if ('refused' in resolved) {
      await recordTrail(ports, job.user, 'suppress', fingerprint ?? check ?? '-', `refused: ${resolved.refused}`);
      await respond(job, `Not suppressed: ${resolved.refused}.`);
      return;
    }
    const { target } = resolved;
    const until = new Date(now().getTime() + seconds * 1000);
    // Not suppressed yet: a request, posted in the finding's thread (the channel, for a check), waits for its approvals.
    const posted = 'fingerprint' in target ? (await store.findings.get(target.fingerprint))?.message : undefined;
    const payload = { kind: 'suppress' as const, target, reason, until: until.toISOString() };
    const { reply } = await suppressionRequests.request({
      payload,
      requester: job.user,
      origin: job.requestId,
      where: placeFor(askerOf(job), posted),
    });
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

  return {
    ...bindUseCases(ports),
    async handle(job) {
      try {
        await run(job);
      } catch (error) {
        const reason = safeErrorText(error);
        console.error(`warden: job ${job.kind} (${job.requestId}) failed: ${reason}`);
        try {
          await recordTrail(ports, job.user, job.kind, job.requestId, 'failed', reason);
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

function scopeLabel(args: WardenJob['args']): string {
  const parts = ['provider', 'account', 'region', 'group']
    .map((k) => str(args[k]))
    .filter((v): v is string => v !== undefined);
  return parts.length ? parts.join('/') : '*';
}
