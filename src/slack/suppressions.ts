import type { ListedSuppression } from '../app/list-suppressions.ts';
import type { UnsuppressOutcome } from '../app/unsuppress-finding.ts';
import { findingSuppressionOf } from '../store/state.ts';
import type { Suppression, SuppressionTarget } from '../model/suppression.ts';
import { personRef, suppressedLine } from './blocks/finding.ts';
import { code, userText } from './blocks/elements.ts';
import { mrkdwnOf } from './notifier.ts';

// The lifecycle of suppressions people can see, in mrkdwn: `/warden suppressions` lists the active ones (what,
// who, why, until when; src/app/list-suppressions.ts) and `/warden unsuppress` ends one early
// (src/app/unsuppress-finding.ts). Both read and write the store only (no cloud), so the Slack function answers
// them itself; the caller checks who may revoke.

/** The most entries the list shows; the rest are counted. */
export const LISTED = 30;

const KIND_EMOJI: Record<NonNullable<Suppression['kind']>, string> = {
  snooze: ':zzz:',
  'accept-risk': ':memo:',
  suppress: ':mute:',
};

function targetLabel(target: SuppressionTarget): string {
  return 'fingerprint' in target
    ? `finding ${code(target.fingerprint.slice(0, 12), 20)}`
    : `check ${code(target.check, 80)}`;
}

/** The `/warden suppressions` answer: one line per active suppression shown (soonest to end first), the rest counted. */
export function suppressionsText(total: number, shown: readonly ListedSuppression[]): string {
  if (total === 0) return 'No active suppressions: every finding Warden sees is reported.';
  const lines = shown.map(({ suppression: s, finding }) => {
    const what = finding
      ? ` (${userText(finding.title, 120)} · ${userText(finding.groupName || finding.groupId, 60)})`
      : '';
    const kind = s.kind ?? 'suppress';
    return `• ${KIND_EMOJI[kind]} ${targetLabel(s.target)}${what}: ${suppressedLine(findingSuppressionOf(s))}. _${userText(s.reason, 200)}_`;
  });
  if (total > shown.length) lines.push(`• and ${total - shown.length} more`);
  return [
    `*${total} active suppression${total === 1 ? '' : 's'}*`,
    ...lines,
    'An approver can end one now: `/warden unsuppress <finding|check>`.',
  ].join('\n');
}

/** The `/warden unsuppress` answer for the person, its refusal as the audit trail keeps it, and the notice for the finding's thread when it ended one. */
export function unsuppressTexts(
  outcome: UnsuppressOutcome,
  by: string,
): { reply: string; refused?: string; notice?: string } {
  if ('refused' in outcome) {
    const refused = mrkdwnOf(outcome.refused);
    return { refused, reply: `Not ended: ${refused}.` };
  }
  if ('endedMeanwhile' in outcome)
    return {
      refused: 'it ended meanwhile',
      reply: 'Not ended: it ended meanwhile (expired, or another approver ended it).',
    };
  const what = `${suppressedLine(findingSuppressionOf(outcome.revoked)).replace(/, still open$/, '')}`;
  return {
    reply: `Ended: ${targetLabel(outcome.revoked.target)} is no longer suppressed (${what}). Warden reports it again as open at the next audit.`,
    notice: `:leftwards_arrow_with_hook: ${personRef(by)} ended this early (${what}): still open, Warden reports it again at the next audit.`,
  };
}
