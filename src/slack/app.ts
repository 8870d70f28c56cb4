import { App } from '@slack/bolt';
import type { BlockButtonAction, Receiver, ViewSubmitAction } from '@slack/bolt';
import type { WardenConfig } from '../config/schema.ts';
import type { StateStore } from '../store/state.ts';
import { ACTION_IDS, VIEW_IDS } from './actions.ts';
import { slackApiUrlOf } from './api-url.ts';
import type { ActionId } from './actions.ts';
import {
  acceptRiskSubmissionApproval,
  acceptRiskSubmissionListener,
  acceptRiskFinding,
} from './listeners/accept-risk-submission.ts';
import { acceptRiskApproval, acceptRiskListener } from './listeners/accept-risk.ts';
import { approveApproval, approveListener } from './listeners/approve.ts';
import { commandApproval, commandListener } from './listeners/command.ts';
import { createListenerContext } from './listeners/context.ts';
import { detailsListener } from './listeners/details.ts';
import { homeOpenedListener } from './listeners/home-opened.ts';
import { rejectApproval, rejectListener } from './listeners/reject.ts';
import { resumeApproval, resumeListener } from './listeners/resume.ts';
import { revertApproval, revertListener } from './listeners/revert.ts';
import { snoozeApproval, snoozeListener } from './listeners/snooze.ts';
import {
  SUPPRESSION_DECISION_ACTIONS,
  suppressionDecisionApproval,
  suppressionDecisionListener,
} from './listeners/suppression-decision.ts';
import { approverForButton, approversOnly } from './middleware/approvers.ts';
import type { AttemptOf, ButtonApproval } from './middleware/approvers.ts';
import { buttonClick } from './middleware/button.ts';
import type { ButtonArgs } from './middleware/button.ts';
import { parsedCommand } from './middleware/command.ts';
import { readerGate } from './middleware/readers.ts';
import type { WorkQueue } from './queue.ts';
import { membersOfUserGroups } from './usergroups.ts';
import { mayReadFindings } from './home.ts';

// Warden's Slack app: the `/warden` command, the buttons on its messages and the accept-risk modal, each
// a listener in src/slack/listeners behind its middleware (src/slack/middleware: who may read, the
// click or command parsed and claimed, who may act). Every listener is quick — verify (Bolt, before
// any listener runs), record, enqueue, acknowledge — and the slow work (audits, plans, applies) runs
// in the worker that reads the queue.

export { slackApiUrlOf };

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

function required(env: WardenAppEnv, name: 'SLACK_SIGNING_SECRET' | 'SLACK_BOT_TOKEN'): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export function createWardenApp(options: WardenAppOptions): App {
  const { config, store, queue, env } = options;
  const now = options.now ?? (() => new Date());
  const slackApiUrl = slackApiUrlOf(env);
  const app = new App({
    token: required(env, 'SLACK_BOT_TOKEN'),
    ...(options.receiver ? { receiver: options.receiver } : { signingSecret: required(env, 'SLACK_SIGNING_SECRET') }),
    processBeforeResponse: true,
    // One retry at most, and a rate limit fails at once: an acknowledgement never waits on Slack's limits.
    clientOptions: {
      ...(slackApiUrl ? { slackApiUrl } : {}),
      retryConfig: { retries: 1 },
      rejectRateLimitedCalls: true,
    },
  });

  const ctx = createListenerContext({ config, store, queue, now, client: app.client });
  const approvers = <Args>(attemptOf: AttemptOf<Args>) => approversOnly(ctx, attemptOf);

  // Who may read: commands and clicks outside Warden's channels are refused before any listener runs.
  const readers = readerGate({
    config,
    membersOf: membersOfUserGroups,
    mayReadHome: (user, client) => mayReadFindings(user, config, client),
    refused: (user, what, channel, reason) =>
      ctx.recordTrail(user, what, channel, 'refused: outside the answering channels', reason),
  });

  app.command('/warden', readers, parsedCommand(ctx), approvers(commandApproval(ctx)), commandListener(ctx));

  /** A button: readers, then the click (acknowledged, parsed, claimed), then approvers when it needs one, then its listener. */
  function button(
    actionId: ActionId,
    approval: ButtonApproval | undefined,
    listener: (args: ButtonArgs) => Promise<void>,
  ): void {
    const needsApprover = approval ? [approverForButton(ctx, approval)] : [];
    app.action<BlockButtonAction>(
      { type: 'block_actions', action_id: actionId },
      readers,
      buttonClick(ctx, actionId),
      ...needsApprover,
      listener,
    );
  }

  button(ACTION_IDS.approve, approveApproval, approveListener(ctx));
  button(ACTION_IDS.reject, rejectApproval, rejectListener(ctx));
  button(ACTION_IDS.revert, revertApproval, revertListener(ctx));
  button(ACTION_IDS.resume, resumeApproval, resumeListener(ctx));
  button(ACTION_IDS.acceptRisk, acceptRiskApproval, acceptRiskListener(ctx));
  button(ACTION_IDS.snooze, ctx.slack.snooze === 'approvers' ? snoozeApproval : undefined, snoozeListener(ctx));
  for (const verb of ['approve', 'reject'] as const)
    button(
      SUPPRESSION_DECISION_ACTIONS[verb],
      suppressionDecisionApproval(verb),
      suppressionDecisionListener(ctx, verb),
    );
  button(ACTION_IDS.details, undefined, detailsListener(ctx));

  app.event('app_home_opened', homeOpenedListener(ctx));

  app.view<ViewSubmitAction>(
    VIEW_IDS.acceptRisk,
    acceptRiskFinding(ctx),
    approvers(acceptRiskSubmissionApproval),
    acceptRiskSubmissionListener(ctx),
  );

  return app;
}
