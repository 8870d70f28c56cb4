import type { CheckMeta } from '../../analysis/check.ts';
import { CATALOG } from '../../analysis/checks/index.ts';
import type { Finding } from '../../model/types.ts';
import { isProven, unprovenReason } from '../../remediation/prove.ts';
import { blastRadiusText, blastSampleText } from '../../remediation/blast-radius.ts';
import { interfaceProofText } from '../../remediation/render.ts';
import type { Plan, PlanProof } from '../../model/change.ts';
import type { FindingSuppression, SuppressionKind } from '../../model/suppression.ts';
import { isSlackUserId } from '../authorize.ts';
import { ACCEPT_RISK_INPUTS, ACTION_IDS, SNOOZE_DAYS, VIEW_IDS, encodeButtonValue } from '../actions.ts';
import { LIMITS, fitsMrkdwn, splitMrkdwn, truncate } from '../limits.ts';
import {
  EMPTY,
  SEVERITY_EMOJI,
  actions,
  button,
  clean,
  code,
  codeBlocks,
  confirmDialog,
  context,
  count,
  divider,
  fallbackText,
  fields,
  groupRef,
  header,
  link,
  place,
  plain,
  plural,
  section,
  severityLabel,
  userText,
} from './elements.ts';
import type { Button, Datepicker, KnownBlock, ModalView, SlackMessage } from './elements.ts';
import { reachText } from './reach.ts';

export interface PlanWithProof {
  plan: Plan;
  proof: PlanProof;
}

export interface FindingMessageOptions {
  /** Why there is no plan (from planFindings' `withoutPlan`); shown instead of the Approve button. */
  noPlanReason?: string;
  /** A page with the full audit (linked in the footer). */
  detailsUrl?: string;
}

const CATALOG_BY_ID = new Map(CATALOG.map((meta) => [meta.id, meta]));

export function checkMeta(checkId: string): CheckMeta | undefined {
  return CATALOG_BY_ID.get(checkId);
}

function findingFields(finding: Finding, max: number): [string, string][] {
  return [
    ['Severity', `${SEVERITY_EMOJI[finding.severity]} ${severityLabel(finding.severity)}`],
    ['Check', code(finding.check, max)],
    ['Where', place(finding, max)],
    ['Group', groupRef(finding, max)],
    ['Rules', finding.ruleIds.length === 0 ? EMPTY : ruleList(finding.ruleIds, max)],
    ...(finding.reach ? [['Interfaces', reachText(finding.reach, max)] as [string, string]] : []),
  ];
}

/** `a`, `b` and 12 more: within `max`. */
function ruleList(ids: readonly string[], max: number): string {
  const parts: string[] = [];
  let used = 0;
  for (const [i, id] of ids.entries()) {
    const part = code(id, 80);
    // Keep room for ", and 1,234,567 more".
    if (used + part.length + 2 > max - 24) {
      parts.push(`and ${count(ids.length - i)} more`);
      break;
    }
    parts.push(part);
    used += part.length + 2;
  }
  return parts.join(', ');
}

/** "+2 rules, −1 rule: + tcp/22 from 203.0.113.0/24; − tcp/22 from 0.0.0.0/0" (plain text, for the confirm dialog). */
export function diffSummary(plan: Plan): string {
  const adds = plan.operations.filter((o) => o.op === 'add').length;
  const removes = plan.operations.length - adds;
  const counts = [
    adds > 0 ? `add ${adds} rule${adds === 1 ? '' : 's'}` : '',
    removes > 0 ? `remove ${removes} rule${removes === 1 ? '' : 's'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${counts || 'no rule changes'}: ${plan.diff.join('; ')}`;
}

const mark = (ok: boolean) => (ok ? ':white_check_mark:' : ':x:');

function proofLine(proof: PlanProof): string {
  const onInterfaces = proof.interfaces ? `\nOn interfaces: ${interfaceProofText(proof.interfaces, mark)}` : '';
  return `${mark(proof.findingGone)} finding gone · ${mark(proof.neverWidens)} never widens · ${mark(proof.onlyFindingPartChanged)} only the finding's part changes${onInterfaces}`;
}

/** `*Blast radius*: this group is on 3 interfaces (…); the change touches all of them: eni-1 (i-1), …`, within `max`. */
function blastRadiusLine(plan: Plan, max: number): string {
  const radius = plan.blastRadius;
  const line = `*Blast radius*: ${userText(blastRadiusText(radius), 200)}`;
  if (!radius || radius.interfaces === 0) return line;
  return `${line}: ${blastSampleText(radius, (id) => code(id, 60), max - line.length - 2)}`;
}

function footer(finding: Finding, plan: Plan | undefined, detailsUrl: string | undefined): KnownBlock {
  const parts = [`Warden · fingerprint ${code(finding.fingerprint, 80)}`];
  if (plan) parts.push(`plan ${code(plan.id, 80)}`);
  if (detailsUrl) parts.push(link(detailsUrl, 'full audit'));
  return context([parts.join(' · ')]);
}

function approveButton(finding: Finding, plan: Plan): Button {
  return button({
    text: 'Approve fix',
    actionId: ACTION_IDS.approve,
    value: encodeButtonValue({ action: ACTION_IDS.approve, fingerprint: finding.fingerprint, planId: plan.id }),
    style: 'primary',
    confirm: confirmDialog({
      title: 'Apply this fix?',
      // Short summary and group first, so the diff summary keeps most of the dialog's 300 characters.
      text: `${truncate(plan.summary, 100)}\n${truncate(plan.target.groupName || plan.target.groupId, 60)}: ${diffSummary(plan)}`,
      confirm: 'Apply fix',
      deny: 'Cancel',
    }),
  });
}

/**
 * One message for one finding: what is open, from where and the deciding rule; why it matters and the document it
 * comes from; the proposed plan as a diff; and the buttons. Approve is offered only for a plan the evaluator proved
 * (all three of PlanProof hold); otherwise the message says why there is none. Stays within every Block Kit limit
 * and within BUDGETS.messageTextBudget whatever the finding's size: long texts are cut at safe places, and the
 * Details button opens the full text (detailsModal).
 */
export function findingMessage(
  finding: Finding,
  planned?: PlanWithProof,
  options: FindingMessageOptions = {},
): SlackMessage {
  const meta = checkMeta(finding.check);
  const plan = planned?.plan;
  if (plan && plan.finding.fingerprint !== finding.fingerprint)
    throw new Error(
      `findingMessage: plan ${plan.id} is for finding ${plan.finding.fingerprint}, not ${finding.fingerprint}`,
    );
  const blocks: KnownBlock[] = [
    header(`${SEVERITY_EMOJI[finding.severity]} ${severityLabel(finding.severity)}: ${finding.title}`),
    fields(findingFields(finding, 300)),
  ];

  const detailCut = !fitsMrkdwn(finding.detail, 1800);
  blocks.push(
    section(
      `*What is open, from where, and the deciding rule*\n${userText(finding.detail, 1800)}${detailCut ? '\n_Cut here: Details shows all of it._' : ''}`,
    ),
  );

  if (meta)
    blocks.push(
      section(`*Why it matters*\n${userText(meta.rationale, 1200)}\n_Source: ${userText(meta.source, 600)}_`),
    );
  else blocks.push(section(`*Why it matters*\nThe check ${code(finding.check, 120)} is not in Warden's catalog.`));

  const buttons: Button[] = [];
  if (planned && plan) {
    const { blocks: diff, complete } = codeBlocks(plan.diff, 1800, 1);
    const more = complete ? '' : `\n_The diff has ${plural(plan.diff.length, 'line')}; Details shows all of them._`;
    blocks.push(section(`*Proposed fix*: ${userText(plan.summary, 300)}\n${diff[0]}${more}`));
    const notes: string[] = [];
    let room = 800;
    for (const note of plan.notes) {
      const line = `:warning: ${userText(note, Math.min(300, room))}`;
      if (room - line.length < 0) break;
      notes.push(line);
      room -= line.length + 1;
    }
    if (notes.length < plan.notes.length)
      notes.push(`and ${plural(plan.notes.length - notes.length, 'more note')} (Details)`);
    const others = plan.resolves.filter((f) => f !== finding.fingerprint).length;
    if (others > 0) notes.push(`Also resolves ${plural(others, 'other finding')}.`);
    notes.push(blastRadiusLine(plan, 700));
    notes.push(`Proof: ${proofLine(planned.proof)}`);
    if (!isProven(planned.proof)) notes.push(`*Not offered*: ${userText(unprovenReason(planned.proof), 500)}`);
    blocks.push(section(notes.join('\n')));
    if (isProven(planned.proof)) buttons.push(approveButton(finding, plan));
  } else {
    const reason = options.noPlanReason ?? 'Warden has no automatic fix for this finding.';
    const byHand = meta ? `\n*Fix by hand*: ${userText(meta.remediation, 600)}` : '';
    blocks.push(section(`*No automatic fix*: ${userText(reason, 1000)}${byHand}`));
  }

  const ids = { fingerprint: finding.fingerprint, ...(plan ? { planId: plan.id } : {}) };
  buttons.push(
    button({
      text: 'Reject',
      actionId: ACTION_IDS.reject,
      value: encodeButtonValue({ action: ACTION_IDS.reject, ...ids }),
    }),
    button({
      text: `Snooze ${SNOOZE_DAYS} days`,
      actionId: ACTION_IDS.snooze,
      value: encodeButtonValue({ action: ACTION_IDS.snooze, ...ids }),
    }),
    button({
      text: 'Accept risk',
      actionId: ACTION_IDS.acceptRisk,
      value: encodeButtonValue({ action: ACTION_IDS.acceptRisk, ...ids }),
    }),
    button({
      text: 'Details',
      actionId: ACTION_IDS.details,
      value: encodeButtonValue({ action: ACTION_IDS.details, ...ids }),
    }),
  );
  blocks.push(actions(`warden_finding_${finding.fingerprint}`, buttons), footer(finding, plan, options.detailsUrl));

  const text = fallbackText(
    `${severityLabel(finding.severity)}: ${finding.title} (${finding.groupName || finding.groupId}, ${finding.provider}/${finding.account}/${finding.region})`,
  );
  return { text, blocks };
}

/** For chat.update: the finding's message once the finding is gone (fixed, or no longer reported): no buttons. */
export function resolvedUpdate(finding: Finding, options: { note?: string } = {}): SlackMessage {
  const note = options.note ? `\n${userText(options.note, 1000)}` : '';
  const blocks: KnownBlock[] = [
    header(`:white_check_mark: Resolved: ${finding.title}`),
    section(
      `~${userText(finding.title, 500).replace(/~/g, '∼')}~ is no longer reported.\n${groupRef(finding, 400)} · ${place(finding, 400)}${note}`,
    ),
    context([
      `Warden · ${severityLabel(finding.severity)} · ${code(finding.check, 120)} · fingerprint ${code(finding.fingerprint, 80)}`,
    ]),
  ];
  return { text: fallbackText(`Resolved: ${finding.title}`), blocks };
}

const SUPPRESSED_HEADING: Record<SuppressionKind, { emoji: string; state: string; noun: string }> = {
  snooze: { emoji: ':zzz:', state: 'Snoozed', noun: 'snooze' },
  'accept-risk': { emoji: ':memo:', state: 'Risk accepted', noun: 'risk acceptance' },
  suppress: { emoji: ':mute:', state: 'Suppressed', noun: 'suppression' },
};

/** `<@U…>` for a Slack user id, else the name as plain text. */
export function personRef(by: string): string {
  return isSlackUserId(by) ? `<@${by}>` : userText(by, 80);
}

/** "Snoozed by <@U…> until 2026-12-13, still open" (the check's suppression says so). */
export function suppressedLine(suppression: FindingSuppression): string {
  const { state } = SUPPRESSED_HEADING[suppression.kind];
  const whole = suppression.check ? ` (the whole check ${code(suppression.check, 80)})` : '';
  return `${state} by ${personRef(suppression.by)} until ${suppression.until.slice(0, 10)}${whole}, still open`;
}

/** The thread notice when a suppression ended and the finding is reported again: "the snooze by <@U…> expired; still open". */
export function suppressionEndedNotice(suppression: FindingSuppression, now: Date): string {
  const { noun } = SUPPRESSED_HEADING[suppression.kind];
  const how =
    Date.parse(suppression.until) <= now.getTime() ? `expired on ${suppression.until.slice(0, 10)}` : 'was revoked';
  return `:bell: The ${noun} by ${personRef(suppression.by)} ${how}; still open: Warden reports this finding again.`;
}

/**
 * For chat.update: the finding's message while a suppression hides it. It is still open, and says so: who, why,
 * until when. No Approve, Reject, Snooze or Accept-risk buttons (they would act on a finding nobody is asked to look
 * at now); Details stays. When the suppression ends the next audit puts the open message back, with its plan.
 */
export function suppressedUpdate(finding: Finding, suppression: FindingSuppression): SlackMessage {
  const { emoji, state } = SUPPRESSED_HEADING[suppression.kind];
  const blocks: KnownBlock[] = [
    header(`${emoji} ${state}: ${finding.title}`),
    section(`*${suppressedLine(suppression)}.*
*Why*: ${userText(suppression.reason || EMPTY, 1000)}`),
    fields(findingFields(finding, 300)),
    section(`*What is open, from where, and the deciding rule*
${userText(finding.detail, 1800)}`),
    actions(`warden_finding_${finding.fingerprint}`, [
      button({
        text: 'Details',
        actionId: ACTION_IDS.details,
        value: encodeButtonValue({ action: ACTION_IDS.details, fingerprint: finding.fingerprint }),
      }),
    ]),
    context([
      `Warden reports it again as open when this ends; an approver can end it now: ${code(`/warden unsuppress ${finding.fingerprint.slice(0, 12)}`, 80)} · fingerprint ${code(finding.fingerprint, 80)}`,
    ]),
  ];
  return {
    text: fallbackText(`${state} until ${suppression.until.slice(0, 10)}, still open: ${finding.title}`),
    blocks,
  };
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The modal "Accept risk" opens: the finding, a required reason and an expiry date. `now` (pure: the caller passes
 * the clock) sets the date picker to now + `defaultExpiryDays` (30). The finding's fingerprint travels in
 * private_metadata, encoded like a button value.
 */
export function acceptRiskModal(finding: Finding, options: { now?: Date; defaultExpiryDays?: number } = {}): ModalView {
  const datepicker: Datepicker = {
    type: 'datepicker',
    action_id: ACCEPT_RISK_INPUTS.expiryAction,
    placeholder: plain('Until when', LIMITS.placeholder),
  };
  if (options.now)
    datepicker.initial_date = isoDate(new Date(options.now.getTime() + (options.defaultExpiryDays ?? 30) * 86_400_000));
  return {
    type: 'modal',
    callback_id: VIEW_IDS.acceptRisk,
    private_metadata: encodeButtonValue({ action: ACTION_IDS.acceptRisk, fingerprint: finding.fingerprint }),
    title: plain('Accept risk', LIMITS.modalTitle),
    submit: plain('Accept risk', LIMITS.modalSubmit),
    close: plain('Cancel', LIMITS.modalClose),
    blocks: [
      section(
        `${SEVERITY_EMOJI[finding.severity]} *${userText(finding.title, 500)}*\n${groupRef(finding, 400)} · ${place(finding, 400)}\n${userText(finding.detail, 1500)}`,
      ),
      {
        type: 'input',
        block_id: ACCEPT_RISK_INPUTS.reasonBlock,
        label: plain('Why is this risk acceptable?', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: ACCEPT_RISK_INPUTS.reasonAction,
          multiline: true,
          min_length: 10,
          max_length: 1000,
          placeholder: plain(
            'e.g. a public SFTP endpoint by design; compensating control: fail2ban and key-only auth',
            LIMITS.placeholder,
          ),
        },
      },
      {
        type: 'input',
        block_id: ACCEPT_RISK_INPUTS.expiryBlock,
        label: plain('Accept until', LIMITS.inputLabel),
        hint: plain('Warden reports the finding again after this date.', LIMITS.inputHint),
        element: datepicker,
      },
    ],
  };
}

// Slack documents no cap on a modal's text beyond 100 blocks of 3,000 characters; Warden keeps a details modal to about
// 30 blocks and at most about 55,000 characters (8 sections of detail, 6 of diff, one per list), and points to the CLI
// for the rest.
const DETAIL_PIECES = 8;
const DIFF_PIECES = 6;

/**
 * The modal Details opens: the finding's full detail, rationale, source and remediation, and the plan (summary, the
 * whole diff, notes, preconditions, proof), split into sections within 100 blocks. Beyond about 24,000 characters
 * of detail or 18,000 of diff it points to the CLI.
 */
export function detailsModal(finding: Finding, planned?: PlanWithProof): ModalView {
  const meta = checkMeta(finding.check);
  const plan = planned?.plan;
  const cli = code(`warden fix ${finding.fingerprint} --dry-run`, 120);
  const blocks: KnownBlock[] = [header(finding.title), fields(findingFields(finding, 1800))];

  blocks.push(section('*What is open, from where, and the deciding rule*'));
  const detail = splitMrkdwn(
    finding.detail.trim() === '' ? EMPTY : clean(finding.detail),
    LIMITS.sectionText,
    DETAIL_PIECES,
  );
  for (const piece of detail.pieces) blocks.push(section(piece));
  if (!detail.complete)
    blocks.push(context([`The detail goes on: ${cli} or \`warden audit --format json\` shows all of it.`]));

  if (meta) {
    blocks.push(section(`*Why it matters*\n${userText(meta.rationale, 2500)}`));
    blocks.push(section(`*Source*\n${userText(meta.source, 1500)}\n*How to fix*\n${userText(meta.remediation, 1400)}`));
  }

  if (planned && plan) {
    blocks.push(divider(), section(`*Proposed fix* ${code(plan.id, 80)}\n${userText(plan.summary, 2500)}`));
    const diff = codeBlocks(plan.diff, LIMITS.sectionText, DIFF_PIECES);
    for (const piece of diff.blocks) blocks.push(section(piece));
    if (!diff.complete)
      blocks.push(context([`The diff goes on (${plural(plan.diff.length, 'line')}): ${cli} shows all of it.`]));
    blocks.push(section(blastRadiusLine(plan, 2500)));
    const lists: [string, readonly string[]][] = [
      ['Notes', plan.notes],
      ['How the proof on interfaces was reached', planned.proof.interfaces?.notes ?? []],
      ['Expects these live rules unchanged', plan.preconditions.map((p) => `${p.ruleId}`)],
      ['Other changes the proof found', planned.proof.otherChanges],
    ];
    for (const [title, items] of lists) {
      if (items.length === 0) continue;
      const { pieces } = splitMrkdwn(
        clean(items.map((i) => `• ${i}`).join('\n')),
        LIMITS.sectionText - title.length - 4,
        1,
      );
      blocks.push(section(`*${title}*\n${pieces[0]}`));
    }
    const others = plan.resolves.filter((f) => f !== finding.fingerprint).length;
    blocks.push(
      section(
        `*Proof*: ${proofLine(planned.proof)}${others > 0 ? `\nAlso resolves ${plural(others, 'other finding')}.` : ''}${isProven(planned.proof) ? '' : `\n*Not offered*: ${userText(unprovenReason(planned.proof), 2000)}`}`,
      ),
    );
  }
  blocks.push(context([`fingerprint ${code(finding.fingerprint, 80)}${plan ? ` · plan ${code(plan.id, 80)}` : ''}`]));

  return {
    type: 'modal',
    callback_id: VIEW_IDS.details,
    private_metadata: encodeButtonValue({
      action: ACTION_IDS.details,
      fingerprint: finding.fingerprint,
      ...(plan ? { planId: plan.id } : {}),
    }),
    title: plain('Finding details', LIMITS.modalTitle),
    close: plain('Close', LIMITS.modalClose),
    blocks,
  };
}
