import { normalizeScope, readLiveEstate } from '../../adapters/live-estate.ts';
import type { LiveAdapter, ScopeFilter } from '../ports/live.ts';
import { applyApprovedFix } from '../app/apply-fix.ts';
import { auditOnDemand } from '../app/audit-on-demand.ts';
import type { FanOut } from '../app/audit-on-demand.ts';
import { safeErrorText } from '../app/error-text.ts';
import { listFindings } from '../app/list-findings.ts';
import type { AppPorts, Asker, ChartRequests, ConfigForScope } from '../app/ports.ts';
import { configuredProviders, UseCaseError } from '../app/ports.ts';
import { requestFix } from '../app/request-fix.ts';
import { revertApprovedFix } from '../app/revert-fix.ts';
import { showGroup } from '../app/show-group.ts';
import { suppressFinding } from '../app/suppress-finding.ts';
import { recordTrail } from '../app/trail.ts';
import { bindUseCases } from '../app/use-cases.ts';
import type { UseCases } from '../app/use-cases.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Provider } from '../model/types.ts';
import { PROVIDERS } from '../model/types.ts';
import type { StateStore } from '../store/state.ts';
import { slackConfigOf } from './authorize.ts';
import { findingsListText, groupText } from './blocks/answers.ts';
import { code, userText } from './blocks/elements.ts';
import { usage } from './commands.ts';
import { createSlackNotifier, postToResponseUrlWithFetch } from './notifier.ts';
import type { ResponseUrlPoster, SlackChatClient } from './notifier.ts';
import type { WardenJob } from './queue.ts';
import { publishHome } from './home.ts';
import type { HomeClient } from './home.ts';
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
  fanOut?: FanOut;
  /** POSTs a JSON body to a response_url; default fetch. */
  postToResponseUrl?: ResponseUrlPoster;
  /** The Web API calls the App Home tab makes; without it, Home jobs are refused. */
  homeClient?: HomeClient;
  now?: () => Date;
  /** Production: where a scheduled digest asks for its posture chart (the chart queue). Absent: no chart. */
  charts?: ChartRequests;
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

/** The provider a job's arguments name, if any; an unknown one is refused. */
function providerOf(args: WardenJob['args']): Provider | undefined {
  const provider = str(args['provider']);
  if (provider !== undefined && !isProvider(provider)) throw new UseCaseError(`unknown provider ${code(provider, 40)}`);
  return provider;
}

/** The use cases' ports for Slack: the Slack notifier, the live adapters. */
export function slackPorts(options: WorkerOptions): AppPorts {
  const { config, store, client } = options;
  const settings = slackConfigOf(config);
  return {
    config,
    settings,
    store,
    clouds: {
      adapters: options.adapters,
      read: (adapters, filter) => readLiveEstate(adapters, { filter }),
      normalize: normalizeScope,
    },
    configFor: options.configFor ?? (() => config),
    notifier: createSlackNotifier({
      client,
      postToResponseUrl: options.postToResponseUrl ?? postToResponseUrlWithFetch,
      minSeverity: settings.minSeverity,
    }),
    now: options.now ?? (() => new Date()),
    ...(options.charts ? { charts: options.charts } : {}),
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

  /** The providers, scope and group a job's arguments name. */
  function scopeOfArgs(args: WardenJob['args']): { providers: Provider[]; filter: ScopeFilter; groupId?: string } {
    const provider = providerOf(args);
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
    const request = { ...scopeOfArgs(job.args), label: scopeLabel(job.args) };
    const outcome = await auditOnDemand(ports, askerOf(job), request, options.fanOut);
    if ('queued' in outcome) {
      const scopes = outcome.queued;
      await respond(
        job,
        scopes === 0
          ? 'Nothing to audit: no configured scope matches.'
          : `Auditing ${scopes} scope${scopes === 1 ? '' : 's'}; the digest follows in this channel when the last one is done.`,
      );
    }
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
    const provider = providerOf(job.args);
    const check = str(job.args['check']);
    const list = await listFindings(ports, {
      providers: provider ? [provider] : configuredProviders(config),
      ...(severity !== undefined ? { severity } : {}),
      ...(check !== undefined ? { check } : {}),
    });
    await respond(job, findingsListText(list.matching, list.suppressed, list.partial));
  }

  async function show(job: WardenJob): Promise<void> {
    const groupId = str(job.args['groupId']);
    if (!groupId) throw new UseCaseError('`show` needs a group id');
    const view = await showGroup(ports, groupId);
    await respond(job, groupText(groupId, view));
  }

  async function fix(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    if (!fingerprint) throw new UseCaseError('`fix` needs a finding fingerprint');
    await requestFix(ports, askerOf(job), fingerprint);
  }

  async function suppress(job: WardenJob): Promise<void> {
    const fingerprint = str(job.args['fingerprint']);
    const check = str(job.args['check']);
    const seconds = Number(job.args['durationSeconds']);
    const reason = str(job.args['reason']) ?? '';
    if ((!fingerprint && !check) || !Number.isFinite(seconds) || seconds <= 0)
      throw new UseCaseError('`suppress` needs a finding or check and a duration');
    const answer = await suppressFinding(ports, suppressionRequests, askerOf(job), {
      ...(fingerprint !== undefined ? { fingerprint } : {}),
      ...(check !== undefined ? { check } : {}),
      seconds,
      reason,
    });
    await notifier.answer(askerOf(job), { kind: 'text', text: answer });
  }

  /** The person's Home tab; nothing is posted anywhere else (a failure is logged, not told to the channel). */
  async function home(job: WardenJob): Promise<void> {
    try {
      if (!options.homeClient) throw new Error('no Web API client for the Home tab is configured');
      await publishHome(job.user, { config, store, client: options.homeClient });
    } catch (error) {
      console.error(`warden: the Home tab of ${job.user} was not published: ${safeErrorText(error)}`);
    }
  }

  async function run(job: WardenJob): Promise<void> {
    switch (job.kind) {
      case 'home':
        return home(job);
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
        const reason = safeErrorText(error instanceof UseCaseError && error.text ? notifier.textOf(error.text) : error);
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
