import { App } from '@slack/bolt';
import type { BlockButtonAction, Receiver, RespondFn, SlackActionMiddlewareArgs, AllMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WardenConfig } from '../config/schema.ts';
import { ENDED_APPROVAL_STATUSES, revertRequestId } from '../store/state.ts';
import type { MessageRef, StateStore } from '../store/state.ts';
import { ACCEPT_RISK_INPUTS, ACTION_IDS, ButtonValueError, parseButtonValue, SNOOZE_DAYS, VIEW_IDS } from './actions.ts';
import type { ActionId, ButtonPayload } from './actions.ts';
import { mayApprove, needsGroupLookup, refusalText, slackConfigOf } from './authorize.ts';
import { acceptRiskModal, detailsModal } from './blocks.ts';
import { MAX_SUPPRESS_DAYS, parseCommand, usage } from './commands.ts';
import { activeSuppressionOf, revokeSuppression, suppressionsText, targetKey } from './suppressions.ts';
import type { WardenCommand } from './commands.ts';
import type { JobKind, WardenJob, WorkQueue } from './queue.ts';
import { readerGate } from './middleware/readers.ts';
import { createSuppressionRequests } from './suppression-requests.ts';
import { membersOfUserGroups } from './usergroups.ts';

// Warden's Slack app: the `/warden` command and the buttons on its messages. Every handler here is
// quick — verify (Bolt, before any handler runs), record, enqueue, acknowledge — and the slow work
// (audits, plans, applies) runs in the worker that reads the queue.

export interface WardenAppEnv {
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
  /** The Web API base URL (Bolt's `clientOptions.slackApiUrl`); default Slack's own. */
  SLACK_API_URL?: string;
  [name: string]: string | undefined;
}

export interface WardenAppOptions {
  config: WardenConfig;
  store: StateStore;
  queue: WorkQueue;
  /** E.g. an AwsLambdaReceiver; default Bolt's HTTPReceiver. */
  receiver?: Receiver;
  env: WardenAppEnv;
  /** The clock (tests pin it). */
  now?: () => Date;
}

/** How long a Slack delivery id stays claimed: Slack retries within minutes. */
const CLAIM_TTL_SECONDS = 24 * 3600;

/** `slackApiUrl` with its trailing slash (the Web API client appends method names to it). */
export function slackApiUrlOf(env: WardenAppEnv): string | undefined {
  const url = env.SLACK_API_URL?.trim();
  if (!url) return undefined;
  return url.endsWith('/') ? url : `${url}/`;
}

function required(env: WardenAppEnv, name: 'SLACK_SIGNING_SECRET' | 'SLACK_BOT_TOKEN'): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The commands the app answers itself (the store alone, no cloud): no job is queued. */
type AnsweredHere = 'help' | 'suppressions' | 'unsuppress';

const INTERIM: Record<Exclude<WardenCommand['kind'], AnsweredHere>, string> = {
  audit: 'Auditing… the findings will follow here.',
  findings: 'Looking up the findings…',
  show: 'Reading the group…',
  fix: 'Planning a fix…',
  suppress: 'Requesting the suppression…',
};

function commandArgs(command: Exclude<WardenCommand, { kind: AnsweredHere }>): WardenJob['args'] {
  switch (command.kind) {
    case 'audit':
      return { ...(command.scope ?? {}) };
    case 'findings':
      return { ...(command.filter ?? {}) };
    case 'show':
      return { groupId: command.groupId };
    case 'fix':
      return { fingerprint: command.fingerprint };
    case 'suppress':
      return { ...command.target, durationSeconds: command.durationSeconds, reason: command.reason };
  }
}

function describeTarget(command: Exclude<WardenCommand, { kind: AnsweredHere }>): string {
  const args = commandArgs(command);
  const values = Object.values(args).filter((v) => v !== undefined && typeof v === 'string');
  return values[0] === undefined ? '*' : String(values[0]);
}

export function createWardenApp(options: WardenAppOptions): App {
  const { config, store, queue, env } = options;
  const now = options.now ?? (() => new Date());
  const slack = slackConfigOf(config);
  const slackApiUrl = slackApiUrlOf(env);
  const app = new App({
    token: required(env, 'SLACK_BOT_TOKEN'),
    ...(options.receiver ? { receiver: options.receiver } : { signingSecret: required(env, 'SLACK_SIGNING_SECRET') }),
    processBeforeResponse: true,
    // One retry at most, and a rate limit fails at once: an acknowledgement never waits on Slack's limits.
    clientOptions: { ...(slackApiUrl ? { slackApiUrl } : {}), retryConfig: { retries: 1 }, rejectRateLimitedCalls: true },
  });

  const suppressionRequests = createSuppressionRequests({ config, store, client: app.client, now });

  async function audit(actor: string, action: string, target: string, outcome: string, detail?: string): Promise<void> {
    await store.audit.log({ at: now(), actor, action, target, outcome, ...(detail !== undefined ? { detail } : {}) });
  }

  /**
   * Posts one line of the audit trail in the finding's thread (its own message, else the message
   * the button was on). Best effort: the store's audit log is the record, and a Slack hiccup must
   * not fail the interaction.
   */
  async function threadNote(client: App['client'], fingerprint: string | undefined, fallback: MessageRef | undefined, text: string): Promise<void> {
    try {
      const ref = (fingerprint ? (await store.findings.get(fingerprint))?.message : undefined) ?? fallback;
      if (!ref?.channel || !ref.ts) return;
      await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text });
    } catch (error) {
      console.error(`warden: audit note not posted in the thread: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  async function isApprover(userId: string, client: App['client']): Promise<boolean> {
    if (!needsGroupLookup(userId, config)) return mayApprove(userId, config);
    return mayApprove(userId, config, await membersOfUserGroups(slack.approvers.userGroups, client));
  }

  // Who may read: commands and clicks outside Warden's channels are refused before any handler runs.
  const readers = readerGate({
    config,
    membersOf: membersOfUserGroups,
    refused: (user, what, channel, reason) => audit(user, what, channel, 'refused: outside the answering channels', reason),
  });

  // ------------------------------------------------------------------------------------------
  // /warden

  app.command('/warden', readers, async ({ command, ack, respond }) => {
    const parsed = parseCommand(command.text ?? '');
    if (!parsed.ok || parsed.command.kind === 'help') {
      await ack();
      await respond({ response_type: 'ephemeral', text: parsed.ok ? usage() : parsed.usage });
      return;
    }
    const cmd = parsed.command;
    if (cmd.kind === 'suppressions' || cmd.kind === 'unsuppress') {
      await ack({ response_type: 'ephemeral', text: await suppressionCommand(cmd, command.user_id, command.channel_id, command.trigger_id) });
      return;
    }
    const requestId = `command:${command.trigger_id}`;
    if (!(await store.idempotency.claim(requestId, CLAIM_TTL_SECONDS, now()))) {
      // A retried delivery of a command already acted on.
      await ack({ response_type: 'ephemeral', text: INTERIM[cmd.kind] });
      return;
    }
    if (cmd.kind === 'suppress' && !(await isApprover(command.user_id, app.client))) {
      await audit(command.user_id, 'suppress', describeTarget(cmd), 'refused: not an approver', command.text);
      await ack();
      await respond({ response_type: 'ephemeral', text: refusalText('suppress findings', config) });
      return;
    }
    await audit(command.user_id, `command:${cmd.kind}`, describeTarget(cmd), 'queued', command.text);
    await queue.enqueue({
      kind: cmd.kind,
      args: commandArgs(cmd),
      user: command.user_id,
      channel: command.channel_id,
      responseUrl: command.response_url,
      requestId,
    });
    await ack({ response_type: 'ephemeral', text: INTERIM[cmd.kind] });
  });

  /** `/warden suppressions` (anyone who may read) and `/warden unsuppress` (approvers): the answer for the person. */
  async function suppressionCommand(cmd: Extract<WardenCommand, { kind: 'suppressions' | 'unsuppress' }>, user: string, channel: string, triggerId: string): Promise<string> {
    if (cmd.kind === 'suppressions') {
      await audit(user, 'command:suppressions', '*', 'ok');
      return suppressionsText(store, now());
    }
    if (!(await store.idempotency.claim(`command:${triggerId}`, CLAIM_TTL_SECONDS, now()))) return 'Ending the suppression…';
    // Logged under the whole fingerprint when the prefix names an active suppression.
    const found = activeSuppressionOf(cmd.target, await store.suppressions.activeSuppressions(now()));
    const named = targetKey('suppression' in found ? found.suppression.target : cmd.target);
    if (!(await isApprover(user, app.client))) {
      await audit(user, 'unsuppress', named, 'refused: not an approver');
      return refusalText('end suppressions', config);
    }
    const result = await revokeSuppression(store, cmd.target, user, now());
    await audit(user, 'unsuppress', result.revoked ? targetKey(result.revoked.target) : named, result.refused ? `refused: ${result.refused}` : 'ok', result.revoked ? `was ${result.revoked.kind ?? 'suppress'} by ${result.revoked.by} until ${result.revoked.until}: ${result.revoked.reason}` : undefined);
    if (result.revoked && result.notice) {
      const fingerprint = 'fingerprint' in result.revoked.target ? result.revoked.target.fingerprint : undefined;
      // A finding's notice goes in its thread; a check's, in the channel the command came from.
      await threadNote(app.client, fingerprint, undefined, result.notice);
      if (!fingerprint && channel) await app.client.chat.postMessage({ channel, text: result.notice }).catch((error: unknown) => console.error(`warden: unsuppress notice not posted: ${(error as Error).message.split('\n')[0]}`));
    }
    return result.reply;
  }

  // ------------------------------------------------------------------------------------------
  // Buttons

  type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

  /** The message the clicked button is on, as `{ message }` (empty when Slack sent none). */
  function requestMessage(args: ButtonArgs, channel: string): { message?: MessageRef } {
    const ts = (args.body.message as { ts?: string } | undefined)?.ts;
    return channel && ts ? { message: { channel, ts } } : {};
  }
  type Handler = (context: { args: ButtonArgs; payload: ButtonPayload; user: string; channel: string; requestId: string; note: (text: string) => Promise<void> }) => Promise<void>;

  const ephemeral = (respond: RespondFn, text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });

  function onButton(actionId: ActionId, handler: Handler): void {
    app.action<BlockButtonAction>({ type: 'block_actions', action_id: actionId }, readers, async (args) => {
      await args.ack();
      const user = args.body.user.id;
      const channel = args.body.channel?.id ?? '';
      let payload: ButtonPayload;
      try {
        payload = parseButtonValue(args.action.value, actionId);
      } catch (error) {
        if (!(error instanceof ButtonValueError)) throw error;
        await audit(user, actionId, '-', `refused: ${error.message}`);
        await ephemeral(args.respond, 'This button is not one Warden made (or it was changed); nothing was done.');
        return;
      }
      const requestId = `action:${args.body.trigger_id}:${actionId}`;
      if (!(await store.idempotency.claim(requestId, CLAIM_TTL_SECONDS, now()))) return;
      // The button's message, or the thread it is in (the Revert button is in the finding's thread).
      const on = args.body.message as { ts?: string; thread_ts?: string } | undefined;
      const fallback = channel && on?.ts ? { channel, ts: on.thread_ts ?? on.ts } : undefined;
      const note = (text: string) => threadNote(args.client, payload.fingerprint, fallback, text);
      await handler({ args, payload, user, channel, requestId, note });
    });
  }

  /** Refuses (ephemeral reply and an audit entry) unless `user` is an approver. */
  async function gate(args: ButtonArgs, user: string, action: string, target: string, what: string, note: (text: string) => Promise<void>): Promise<boolean> {
    if (await isApprover(user, args.client)) return true;
    await audit(user, action, target, 'refused: not an approver');
    await ephemeral(args.respond, refusalText(what, config));
    await note(`:no_entry: <@${user}> tried to ${what}: refused, not an approver.`);
    return false;
  }

  onButton(ACTION_IDS.approve, async ({ args, payload, user, channel, requestId, note }) => {
    const planId = payload.planId as string;
    const fingerprint = payload.fingerprint as string;
    if (!(await gate(args, user, 'approve', planId, 'approve this fix', note))) return;
    // The approval request is made (by the worker) under the plan's id when the plan is posted.
    const result = await store.approvals.approve({ id: planId, approver: user, now: now() });
    if (result.outcome === 'refused') {
      const why: Record<string, string> = {
        requester: 'you asked for this fix, and the two-person rule needs someone else to approve it',
        duplicate: 'you already approved it; approvals are counted per person',
        'not-pending':
          result.status === 'rejected'
            ? 'it was rejected; run `/warden fix` to propose it again'
            : result.status === 'superseded'
              ? 'superseded: a newer plan for this finding was proposed, approve that one'
              : `it is no longer pending (it is ${result.status ?? 'gone'})`,
        'not-found': 'there is no open request for this plan (run `/warden fix` again)',
      };
      await audit(user, 'approve', planId, `refused: ${result.reason ?? 'unknown'}`);
      await ephemeral(args.respond, `Not approved: ${why[result.reason ?? ''] ?? 'refused'}.`);
      if (result.reason === 'requester') await note(`:no_entry: <@${user}> tried to approve their own request: refused (two-person rule).`);
      return;
    }
    if (result.outcome === 'recorded') {
      await audit(user, 'approve', planId, `ok: recorded ${result.approvals.length}/${result.required}`);
      await ephemeral(args.respond, `Approval recorded: ${result.approvals.length} of ${result.required} needed.`);
      await note(`:ballot_box_with_check: <@${user}> approved the fix (${result.approvals.length} of ${result.required} approvals).`);
      return;
    }
    await audit(user, 'approve', planId, 'ok: approved');
    await queue.enqueue({ kind: 'apply', args: { fingerprint, planId }, user, channel, responseUrl: args.body.response_url, requestId });
    await ephemeral(args.respond, 'Approved: applying…');
    await note(`:white_check_mark: <@${user}> approved the fix${result.required > 1 ? ` (${result.required} of ${result.required} approvals)` : ''}: applying.`);
  });

  onButton(ACTION_IDS.revert, async ({ args, payload, user, channel, requestId, note }) => {
    const changeId = payload.changeId as string;
    if (!(await gate(args, user, 'revert', changeId, 'revert this change', note))) return;
    const change = await store.changes.get(changeId);
    if (!change || change.kind !== 'apply') {
      await audit(user, 'revert', changeId, 'refused: unknown change');
      await ephemeral(args.respond, 'Not reverted: Warden has no applied change of this id.');
      return;
    }
    // A revert is approved as the fix was: each approver's click on Revert is one approval, and under the two-person
    // rule the person who asked for the fix cannot approve undoing it alone either.
    const fix = await store.approvals.get(change.plan.id);
    if (!fix) {
      await audit(user, 'revert', changeId, 'refused: no approval for the fix');
      await ephemeral(args.respond, 'Not reverted: Warden has no approval record for this fix.');
      return;
    }
    const id = revertRequestId(changeId);
    const existing = await store.approvals.get(id);
    if (!existing || ENDED_APPROVAL_STATUSES.includes(existing.status)) {
      await store.approvals.requestApproval({ id, planId: fix.planId, fingerprint: fix.fingerprint, requester: fix.requester, required: Math.max(fix.required, slack.requiredApprovals), requesterMayApprove: !slack.twoPersonRule, now: now() });
    }
    const result = await store.approvals.approve({ id, approver: user, now: now() });
    if (result.outcome === 'refused') {
      await audit(user, 'revert', changeId, `refused: ${result.reason ?? 'unknown'}`);
      const why = result.reason === 'duplicate' ? 'you approved this revert already; approvals are counted per person' : result.reason === 'requester' ? 'you asked for this fix, and the two-person rule needs someone else to approve undoing it' : `its revert is ${result.status ?? 'gone'} already`;
      await ephemeral(args.respond, `Not reverted: ${why}.`);
      return;
    }
    if (result.outcome === 'recorded') {
      await audit(user, 'revert', changeId, `ok: recorded ${result.approvals.length}/${result.required}`);
      await ephemeral(args.respond, `Revert approval recorded: ${result.approvals.length} of ${result.required} needed.`);
      await note(`:ballot_box_with_check: <@${user}> approved reverting change \`${changeId}\` (${result.approvals.length} of ${result.required} approvals).`);
      return;
    }
    await audit(user, 'revert', changeId, 'queued');
    await queue.enqueue({ kind: 'revert' satisfies JobKind, args: { changeId, fingerprint: payload.fingerprint }, user, channel, responseUrl: args.body.response_url, requestId });
    await ephemeral(args.respond, 'Reverting…');
    await note(`:leftwards_arrow_with_hook: <@${user}> asked to revert change \`${changeId}\`: reverting.`);
  });

  // Resume needs no new approvals: the fix was approved; the worker resumes it only when its apply is stuck.
  onButton(ACTION_IDS.resume, async ({ args, payload, user, channel, requestId, note }) => {
    const planId = payload.planId as string;
    if (!(await gate(args, user, 'resume', planId, 'resume this fix', note))) return;
    await audit(user, 'resume', planId, 'queued');
    await queue.enqueue({ kind: 'apply', args: { fingerprint: payload.fingerprint, planId }, user, channel, responseUrl: args.body.response_url, requestId });
    await ephemeral(args.respond, 'Resuming…');
    await note(`:arrow_forward: <@${user}> asked to resume the interrupted fix: resuming.`);
  });

  onButton(ACTION_IDS.acceptRisk, async ({ args, payload, user, note }) => {
    const fingerprint = payload.fingerprint as string;
    if (!(await gate(args, user, 'accept-risk', fingerprint, 'accept this risk', note))) return;
    const state = await store.findings.get(fingerprint);
    if (!state) {
      await audit(user, 'accept-risk', fingerprint, 'refused: unknown finding');
      await ephemeral(args.respond, 'Warden does not know this finding any more; nothing was done.');
      return;
    }
    await audit(user, 'accept-risk', fingerprint, 'opened');
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: acceptRiskModal(state.finding, { now: now() }) });
  });

  onButton(ACTION_IDS.snooze, async ({ args, payload, user, note }) => {
    const fingerprint = payload.fingerprint as string;
    // Snoozing hides exposure: approvers only, unless the config opens it to everyone in the channels.
    if (slack.snooze === 'approvers' && !(await gate(args, user, 'snooze', fingerprint, 'snooze this finding', note))) return;
    const until = new Date(now().getTime() + SNOOZE_DAYS * 86_400_000);
    await store.suppressions.suppress({ target: { fingerprint }, kind: 'snooze', by: user, reason: `snoozed for ${SNOOZE_DAYS} days`, until, now: now() });
    await audit(user, 'snooze', fingerprint, 'ok', `until ${until.toISOString()}`);
    await ephemeral(args.respond, `Snoozed until ${until.toISOString().slice(0, 10)}.`);
    await note(`:zzz: <@${user}> snoozed this finding until ${until.toISOString().slice(0, 10)}.`);
  });

  onButton(ACTION_IDS.reject, async ({ args, payload, user, note }) => {
    const target = payload.planId ?? (payload.fingerprint as string);
    if (!(await gate(args, user, 'reject', target, 'reject this fix', note))) return;
    if (payload.planId) {
      const result = await store.approvals.reject({ id: payload.planId, by: user, now: now() });
      if (result.outcome === 'refused') {
        await audit(user, 'reject', target, `refused: ${result.status ?? 'not-found'}`);
        await ephemeral(args.respond, `Not rejected: ${result.status ? `the fix is ${result.status} already` : 'there is no open request for this plan'}.`);
        return;
      }
    }
    await audit(user, 'reject', target, 'ok');
    await ephemeral(args.respond, 'Rejected: this plan will not be applied unless it is proposed again.');
    await note(`:x: <@${user}> rejected the proposed fix; nothing will be applied unless it is proposed again.`);
  });

  // A suppression request's buttons (src/slack/suppression-requests.ts): approver-only; the message they are on is the request's.
  const suppressionButtons = [
    { actionId: ACTION_IDS.approveSuppression, verb: 'approve', decide: suppressionRequests.approve },
    { actionId: ACTION_IDS.rejectSuppression, verb: 'reject', decide: suppressionRequests.reject },
  ] as const;
  for (const { actionId, verb, decide } of suppressionButtons) {
    onButton(actionId, async ({ args, payload, user, channel, note }) => {
      const id = payload.suppressionRequestId as string;
      if (!(await gate(args, user, `${verb}-suppression`, id, `${verb} this suppression`, note))) return;
      const answer = await decide({ id, user, ...requestMessage(args, channel) });
      await ephemeral(args.respond, answer.reply);
      if (answer.note) await note(answer.note);
    });
  }

  onButton(ACTION_IDS.details, async ({ args, payload }) => {
    const state = await store.findings.get(payload.fingerprint as string);
    if (!state) {
      await ephemeral(args.respond, 'Warden does not know this finding any more.');
      return;
    }
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: detailsModal(state.finding) });
  });

  // ------------------------------------------------------------------------------------------
  // The accept-risk modal

  app.view<ViewSubmitAction>(VIEW_IDS.acceptRisk, async ({ ack, body, view }) => {
    const user = body.user.id;
    let payload: ButtonPayload;
    try {
      payload = parseButtonValue(view.private_metadata, ACTION_IDS.acceptRisk);
    } catch {
      await ack();
      await audit(user, 'accept-risk', '-', 'refused: bad private_metadata');
      return;
    }
    const fingerprint = payload.fingerprint as string;
    if (!(await isApprover(user, app.client))) {
      await ack();
      await audit(user, 'accept-risk', fingerprint, 'refused: not an approver');
      return;
    }
    const values = view.state.values;
    const reason = values[ACCEPT_RISK_INPUTS.reasonBlock]?.[ACCEPT_RISK_INPUTS.reasonAction]?.value?.trim() ?? '';
    const date = values[ACCEPT_RISK_INPUTS.expiryBlock]?.[ACCEPT_RISK_INPUTS.expiryAction]?.selected_date ?? '';
    const until = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T23:59:59Z`) : undefined;
    const errors: Record<string, string> = {};
    if (reason.length < 10) errors[ACCEPT_RISK_INPUTS.reasonBlock] = 'Give a reason (at least 10 characters).';
    if (!until || until.getTime() <= now().getTime()) errors[ACCEPT_RISK_INPUTS.expiryBlock] = 'Pick a date in the future.';
    // The same ceiling as `/warden suppress`: an accepted risk is looked at again at least once a year.
    else if (until.getTime() > now().getTime() + (MAX_SUPPRESS_DAYS + 1) * 86_400_000) errors[ACCEPT_RISK_INPUTS.expiryBlock] = `Pick a date at most ${MAX_SUPPRESS_DAYS} days ahead.`;
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    // Nothing is suppressed yet: the request waits in the finding's thread for the approvals it needs.
    const posted = (await store.findings.get(fingerprint))?.message;
    const where = posted ? { channel: posted.channel, threadTs: posted.ts } : slack.channel ? { channel: slack.channel } : undefined;
    if (!where) {
      await ack({ response_action: 'errors', errors: { [ACCEPT_RISK_INPUTS.reasonBlock]: 'Warden has no channel to post the request in (slack.channel is not set).' } });
      return;
    }
    const asked = { kind: 'accept-risk' as const, target: { fingerprint }, reason, until: (until as Date).toISOString() };
    try {
      await suppressionRequests.request({ payload: asked, requester: user, origin: `view:${view.id}`, where });
    } catch (error) {
      await audit(user, 'accept-risk', fingerprint, 'failed: request not posted', (error as Error).message.split('\n')[0]);
      await ack({ response_action: 'errors', errors: { [ACCEPT_RISK_INPUTS.reasonBlock]: 'Warden could not post the request for approval; nothing was suppressed. Try again.' } });
      return;
    }
    await ack();
  });

  return app;
}
