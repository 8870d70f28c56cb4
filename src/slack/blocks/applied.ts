import type { ChangeRecord, ChangeStatus } from '../../model/change.ts';
import { ACTION_IDS, encodeButtonValue } from '../actions.ts';
import {
  actions,
  button,
  code,
  codeBlocks,
  confirmDialog,
  context,
  fallbackText,
  fields,
  groupRef,
  header,
  link,
  place,
  plural,
  section,
  userText,
} from './elements.ts';
import type { KnownBlock, SlackMessage } from './elements.ts';

const HEADLINE: Record<ChangeStatus, string> = {
  applied: ':white_check_mark: Fix applied',
  'already-applied': ':information_source: Fix was already applied',
  refused: ':no_entry: Fix refused: nothing was changed',
  'rolled-back': ':rewind: Fix failed part-way and was undone',
  reverted: ':leftwards_arrow_with_hook: Change reverted',
  failed: ':x: Failed',
};

function verificationLine(record: ChangeRecord): string {
  const v = record.verification;
  if (!v) return record.status === 'refused' ? 'Not verified: nothing was changed.' : 'Not verified.';
  const mark = (ok: boolean) => (ok ? ':white_check_mark:' : ':x:');
  return `${mark(v.findingGone)} ${record.kind === 'revert' ? 'group restored' : 'finding gone'} (re-read) · ${mark(v.otherRulesUntouched)} other rules untouched`;
}

/**
 * After Approve (or Revert): the result, the verification, and for an applied fix a Revert button whose confirm
 * dialog says what reverting restores. Within every limit whatever the record's size.
 */
export function appliedMessage(record: ChangeRecord, options: { detailsUrl?: string } = {}): SlackMessage {
  const { plan } = record;
  const target = plan.target;
  const title =
    record.kind === 'revert'
      ? `${HEADLINE[record.status === 'applied' ? 'reverted' : record.status]}`
      : HEADLINE[record.status];
  const blocks: KnownBlock[] = [
    header(`${title}: ${plan.finding.title}`),
    fields([
      ['Group', groupRef(target, 300)],
      ['Where', place(target, 300)],
      ['Change', code(record.changeId, 120)],
      ['By', `${userText(record.actor, 200)} at ${userText(record.at, 60)}`],
    ]),
  ];

  const diff = codeBlocks(plan.diff, 2000, 1);
  blocks.push(
    section(
      `*${record.kind === 'revert' ? 'Reverted plan' : 'Plan'}*: ${userText(plan.summary, 400)}\n${diff.blocks[0]}${diff.complete ? '' : `\n_${plural(plan.diff.length, 'diff line')} in all: \`warden fix --dry-run\` shows them._`}`,
    ),
  );

  const messages = record.messages.slice(0, 8).map((m) => `• ${userText(m, 300)}`);
  if (record.messages.length > messages.length)
    messages.push(`• and ${plural(record.messages.length - messages.length, 'more message')}`);
  blocks.push(
    section(`*Verification*: ${verificationLine(record)}${messages.length > 0 ? `\n${messages.join('\n')}` : ''}`),
  );

  if (record.kind === 'apply' && record.status === 'applied') {
    const rules = record.preImage.length;
    blocks.push(
      actions(`warden_change_${record.changeId}`.slice(0, 255), [
        button({
          text: 'Revert',
          actionId: ACTION_IDS.revert,
          value: encodeButtonValue({
            action: ACTION_IDS.revert,
            changeId: record.changeId,
            fingerprint: plan.finding.fingerprint,
            planId: plan.id,
          }),
          style: 'danger',
          confirm: confirmDialog({
            title: 'Revert this change?',
            text: `Restores ${target.groupName || target.groupId} to the ${plural(rules, 'rule')} it had before ${record.changeId}. Refused if the group changed since. The finding comes back.`,
            confirm: 'Revert',
            deny: 'Cancel',
            style: 'danger',
          }),
        }),
      ]),
    );
  }
  const footer = [`Warden · change ${code(record.changeId, 120)}`];
  if (record.reverts) footer.push(`reverts ${code(record.reverts, 120)}`);
  if (options.detailsUrl) footer.push(link(options.detailsUrl, 'full audit'));
  blocks.push(context([footer.join(' · ')]));

  return {
    text: fallbackText(
      `${title.replace(/^:[a-z_]+: /, '')}: ${plan.finding.title} (${target.groupName || target.groupId})`,
    ),
    blocks,
  };
}
