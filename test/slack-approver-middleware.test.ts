import type { AllMiddlewareArgs } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { ACTION_IDS, encodeButtonValue } from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import { acceptRiskFinding, acceptRiskSubmissionApproval } from '../src/slack/listeners/accept-risk-submission.ts';
import { acceptRiskApproval } from '../src/slack/listeners/accept-risk.ts';
import { approveApproval } from '../src/slack/listeners/approve.ts';
import { commandApproval } from '../src/slack/listeners/command.ts';
import { createListenerContext } from '../src/slack/listeners/context.ts';
import type { ListenerContext } from '../src/slack/listeners/context.ts';
import { rejectApproval } from '../src/slack/listeners/reject.ts';
import { resumeApproval } from '../src/slack/listeners/resume.ts';
import { revertApproval } from '../src/slack/listeners/revert.ts';
import { snoozeApproval } from '../src/slack/listeners/snooze.ts';
import { suppressionDecisionApproval } from '../src/slack/listeners/suppression-decision.ts';
import { approverForButton, approversOnly } from '../src/slack/middleware/approvers.ts';
import type { ButtonApproval } from '../src/slack/middleware/approvers.ts';
import { buttonClick } from '../src/slack/middleware/button.ts';
import { parsedCommand } from '../src/slack/middleware/command.ts';
import type { TrailEntry, StateStore } from '../src/store/state.ts';

// The approver check is Bolt listener middleware: a request from someone who is not an approver is
// refused (logged, answered with who may, noted in the finding's thread) and never reaches the
// listener; an approver's does. Run here as Bolt runs a listener's chain, with no server: a fake
// store and a fake Web API client in memory.

const APPROVER = 'UAPPROVER1';
const MEMBER = 'UMEMBER001';
const OUTSIDER = 'UOUTSIDER1';
const GROUP = 'S0GROUP1';
const CHANNEL = 'C0123456';
const FINGERPRINT = 'a1b2c3d4e5f60718';
const PLAN = 'plan-0123456789abcdef';
const NOW = new Date('2030-01-15T12:00:00.000Z');

type Call = [string, ...unknown[]];

/** A context over an in-memory store and Web API client; `calls` records, in order, what reached Slack, the audit trail and the listener. */
function harness(slack: Record<string, unknown>) {
  const calls: Call[] = [];
  const audit: TrailEntry[] = [];
  const store = {
    trail: {
      log: async (entry: TrailEntry) => {
        audit.push(entry);
        calls.push(['audit', entry.outcome]);
      },
    },
    findings: { get: async () => ({ message: { channel: CHANNEL, ts: '1700000000.000001' } }) },
    idempotency: { claim: async () => true },
  } as unknown as StateStore;
  const client = {
    chat: {
      postMessage: async (message: { text: string; thread_ts?: string }) =>
        void calls.push(['note', message.text, message.thread_ts]),
    },
    usergroups: {
      users: { list: async ({ usergroup }: { usergroup: string }) => ({ users: usergroup === GROUP ? [MEMBER] : [] }) },
    },
  } as unknown as AllMiddlewareArgs['client'];
  const config: WardenConfig = configSchema.parse({ slack: { channel: CHANNEL, ...slack } });
  const ctx = createListenerContext({
    config,
    store,
    queue: { enqueue: async () => undefined } as unknown as ListenerContext['queue'],
    now: () => NOW,
    client,
  });
  return { ctx, calls, audit, client };
}

type Step = (args: never) => Promise<void>;

/** Runs `steps` as Bolt runs a listener's middleware: each goes on only by calling next(). */
async function run(steps: Step[], args: Record<string, unknown>): Promise<void> {
  const at = async (i: number): Promise<void> => {
    const step = steps[i];
    if (step) await step({ ...args, next: () => at(i + 1) } as never);
  };
  await at(0);
}

function clickArgs(h: ReturnType<typeof harness>, user: string, payload: ButtonPayload) {
  return {
    ack: async () => void h.calls.push(['ack']),
    respond: async (reply: { text: string }) => void h.calls.push(['reply', reply.text]),
    body: {
      user: { id: user },
      channel: { id: CHANNEL },
      trigger_id: `trigger-${user}`,
      message: { ts: '1700000000.000009' },
      response_url: 'http://127.0.0.1/response',
    },
    action: { value: encodeButtonValue(payload) },
    context: {},
    client: h.client,
  };
}

/** Clicks `payload`'s button through buttonClick and the approver middleware; whether the listener was reached. */
async function click(
  h: ReturnType<typeof harness>,
  user: string,
  approval: ButtonApproval,
  payload: ButtonPayload,
): Promise<boolean> {
  let reached = false;
  const listener = async () => {
    reached = true;
  };
  await run(
    [buttonClick(h.ctx, payload.action as ActionId), approverForButton(h.ctx, approval), listener],
    clickArgs(h, user, payload),
  );
  return reached;
}

const approve: ButtonPayload = { action: ACTION_IDS.approve, fingerprint: FINGERPRINT, planId: PLAN };

describe('the approver middleware on a button', () => {
  it('refuses a non-approver before the listener: logged, answered with who may, noted in the thread', async () => {
    const h = harness({ approvers: { users: [APPROVER] } });
    expect(await click(h, OUTSIDER, approveApproval, approve)).toBe(false);
    expect(h.audit).toMatchObject([
      { actor: OUTSIDER, action: 'approve', target: PLAN, outcome: 'refused: not an approver' },
    ]);
    expect(h.calls).toEqual([
      ['ack'],
      ['audit', 'refused: not an approver'],
      ['reply', "You may not approve this fix: only Warden's approvers can (<@UAPPROVER1>). This attempt was logged."],
      ['note', `:no_entry: <@${OUTSIDER}> tried to approve this fix: refused, not an approver.`, '1700000000.000001'],
    ]);
  });

  it('lets an approver (listed, or a member of a listed user group) reach the listener, and logs nothing itself', async () => {
    const listed = harness({ approvers: { users: [APPROVER], userGroups: [GROUP] } });
    expect(await click(listed, APPROVER, approveApproval, approve)).toBe(true);
    expect(await click(listed, MEMBER, approveApproval, approve)).toBe(true);
    expect(listed.audit).toEqual([]);
    expect(listed.calls).toEqual([['ack'], ['ack']]);
  });

  it('says nobody may when no approvers are configured', async () => {
    const h = harness({});
    expect(await click(h, APPROVER, approveApproval, approve)).toBe(false);
    expect(h.calls).toContainEqual([
      'reply',
      'You may not approve this fix: no approvers are configured for Warden (slack.approvers in its config), so nobody can. This attempt was logged.',
    ]);
  });

  it('refuses each approver-only button with its own wording and target', async () => {
    const request = 'suppress-0123456789ab';
    const cases: [ButtonApproval, ButtonPayload, string, string, string][] = [
      [approveApproval, approve, 'approve', PLAN, 'approve this fix'],
      [
        rejectApproval,
        { action: ACTION_IDS.reject, fingerprint: FINGERPRINT, planId: PLAN },
        'reject',
        PLAN,
        'reject this fix',
      ],
      [
        rejectApproval,
        { action: ACTION_IDS.reject, fingerprint: FINGERPRINT },
        'reject',
        FINGERPRINT,
        'reject this fix',
      ],
      [
        revertApproval,
        { action: ACTION_IDS.revert, fingerprint: FINGERPRINT, changeId: 'chg-0123456789abcdef' },
        'revert',
        'chg-0123456789abcdef',
        'revert this change',
      ],
      [
        resumeApproval,
        { action: ACTION_IDS.resume, fingerprint: FINGERPRINT, planId: PLAN },
        'resume',
        PLAN,
        'resume this fix',
      ],
      [
        acceptRiskApproval,
        { action: ACTION_IDS.acceptRisk, fingerprint: FINGERPRINT },
        'accept-risk',
        FINGERPRINT,
        'accept this risk',
      ],
      [
        snoozeApproval,
        { action: ACTION_IDS.snooze, fingerprint: FINGERPRINT },
        'snooze',
        FINGERPRINT,
        'snooze this finding',
      ],
      [
        suppressionDecisionApproval('approve'),
        { action: ACTION_IDS.approveSuppression, suppressionRequestId: request },
        'approve-suppression',
        request,
        'approve this suppression',
      ],
      [
        suppressionDecisionApproval('reject'),
        { action: ACTION_IDS.rejectSuppression, suppressionRequestId: request },
        'reject-suppression',
        request,
        'reject this suppression',
      ],
    ];
    for (const [approval, payload, action, target, what] of cases) {
      const h = harness({ approvers: { users: [APPROVER] } });
      expect(await click(h, OUTSIDER, approval, payload)).toBe(false);
      expect(h.audit.map((e) => [e.action, e.target, e.outcome])).toEqual([
        [action, target, 'refused: not an approver'],
      ]);
      expect(h.calls).toContainEqual([
        'reply',
        `You may not ${what}: only Warden's approvers can (<@UAPPROVER1>). This attempt was logged.`,
      ]);
    }
  });
});

describe('the approver middleware on /warden', () => {
  async function command(h: ReturnType<typeof harness>, user: string, text: string): Promise<boolean> {
    let reached = false;
    const args = {
      command: {
        text,
        user_id: user,
        channel_id: CHANNEL,
        trigger_id: `trigger-${text}`,
        response_url: 'http://127.0.0.1/response',
      },
      ack: async (reply?: { text: string }) => void h.calls.push(reply ? ['ack', reply.text] : ['ack']),
      respond: async (reply: { text: string }) => void h.calls.push(['reply', reply.text]),
      context: {},
      client: h.client,
    };
    const listener = async () => {
      reached = true;
    };
    await run([parsedCommand(h.ctx), approversOnly(h.ctx, commandApproval(h.ctx)), listener], args);
    return reached;
  }

  it('refuses `/warden suppress` from a non-approver, with the command in the audit entry; other commands need no approver', async () => {
    const h = harness({ approvers: { users: [APPROVER] } });
    expect(await command(h, OUTSIDER, `suppress ${FINGERPRINT} 7d known scanner range`)).toBe(false);
    expect(h.audit).toMatchObject([
      {
        actor: OUTSIDER,
        action: 'suppress',
        outcome: 'refused: not an approver',
        detail: `suppress ${FINGERPRINT} 7d known scanner range`,
      },
    ]);
    expect(h.calls.slice(1)).toEqual([
      ['ack'],
      ['reply', "You may not suppress findings: only Warden's approvers can (<@UAPPROVER1>). This attempt was logged."],
    ]);
    expect(await command(h, OUTSIDER, 'audit')).toBe(true);
    expect(await command(h, APPROVER, `suppress ${FINGERPRINT} 7d known scanner range`)).toBe(true);
  });
});

describe('the approver middleware on the accept-risk submission', () => {
  it("closes a non-approver's modal, then logs the attempt; an approver's reaches the listener", async () => {
    const h = harness({ approvers: { users: [APPROVER] } });
    const submit = async (user: string): Promise<boolean> => {
      let reached = false;
      const args = {
        ack: async () => void h.calls.push(['ack']),
        body: { user: { id: user } },
        view: { private_metadata: encodeButtonValue({ action: ACTION_IDS.acceptRisk, fingerprint: FINGERPRINT }) },
        context: {},
        client: h.client,
      };
      const listener = async () => {
        reached = true;
      };
      await run([acceptRiskFinding(h.ctx), approversOnly(h.ctx, acceptRiskSubmissionApproval), listener], args);
      return reached;
    };
    expect(await submit(OUTSIDER)).toBe(false);
    expect(h.calls).toEqual([['ack'], ['audit', 'refused: not an approver']]);
    expect(h.audit).toMatchObject([{ actor: OUTSIDER, action: 'accept-risk', target: FINGERPRINT }]);
    expect(await submit(APPROVER)).toBe(true);
  });
});
