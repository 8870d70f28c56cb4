import { ambiguousPrefix, matchFingerprint } from '../model/fingerprint-prefix.ts';
import { findingSuppressionOf } from '../store/state.ts';
import type { StateStore } from '../store/state.ts';
import type { Suppression, SuppressionTarget } from '../model/suppression.ts';
import { personRef, suppressedLine } from './blocks/finding.ts';
import { code, userText } from './blocks/elements.ts';

// The lifecycle of suppressions people can see: `/warden suppressions` lists the active ones (what,
// who, why, until when) and `/warden unsuppress` ends one early. Both read and write the store only
// (no cloud), so the Slack function answers them itself; the caller checks who may revoke.

/** The most entries the list shows; the rest are counted. */
const LISTED = 30;

const KIND_EMOJI: Record<NonNullable<Suppression['kind']>, string> = {
  snooze: ':zzz:',
  'accept-risk': ':memo:',
  suppress: ':mute:',
};

/** The fingerprint or check id a suppression is of (the audit trail's target). */
export function targetKey(target: SuppressionTarget): string {
  return 'fingerprint' in target ? target.fingerprint : target.check;
}

function targetLabel(target: SuppressionTarget): string {
  return 'fingerprint' in target
    ? `finding ${code(target.fingerprint.slice(0, 12), 20)}`
    : `check ${code(target.check, 80)}`;
}

/** The `/warden suppressions` answer: one line per active suppression, soonest to end first. */
export async function suppressionsText(store: StateStore, now: Date): Promise<string> {
  const active = (await store.suppressions.activeSuppressions(now)).sort((a, b) =>
    a.until < b.until ? -1 : a.until > b.until ? 1 : 0,
  );
  if (active.length === 0) return 'No active suppressions: every finding Warden sees is reported.';
  const shown = active.slice(0, LISTED);
  const lines = await Promise.all(
    shown.map(async (s) => {
      const state = 'fingerprint' in s.target ? await store.findings.get(s.target.fingerprint) : undefined;
      const what = state
        ? ` (${userText(state.finding.title, 120)} · ${userText(state.finding.groupName || state.finding.groupId, 60)})`
        : '';
      const kind = s.kind ?? 'suppress';
      return `• ${KIND_EMOJI[kind]} ${targetLabel(s.target)}${what}: ${suppressedLine(findingSuppressionOf(s))}. _${userText(s.reason, 200)}_`;
    }),
  );
  if (active.length > shown.length) lines.push(`• and ${active.length - shown.length} more`);
  return [
    `*${active.length} active suppression${active.length === 1 ? '' : 's'}*`,
    ...lines,
    'An approver can end one now: `/warden unsuppress <finding|check>`.',
  ].join('\n');
}

/** The active suppression `target` names (a fingerprint, a prefix of exactly one, or a check), or why there is none. */
export function activeSuppressionOf(
  target: SuppressionTarget,
  active: readonly Suppression[],
): { suppression: Suppression } | { refused: string } {
  if ('check' in target) {
    const suppression = active.find((s) => 'check' in s.target && s.target.check === target.check);
    return suppression
      ? { suppression }
      : { refused: `the check ${code(target.check, 80)} is not suppressed (\`/warden suppressions\` lists what is)` };
  }
  const findings = active.filter(
    (s): s is Suppression & { target: { fingerprint: string } } => 'fingerprint' in s.target,
  );
  const match = matchFingerprint(findings, target.fingerprint, (s) => s.target.fingerprint);
  if ('found' in match) return { suppression: match.found };
  if (match.count > 1) return { refused: ambiguousPrefix(target.fingerprint, match.count) };
  return {
    refused: `no active suppression of finding ${code(target.fingerprint, 80)} (\`/warden suppressions\` lists them)`,
  };
}

/**
 * Ends the active suppression `target` names, now, as `by` (an approver). Answers the text for the person and, when
 * it ended one, the notice for the finding's thread.
 */
export async function revokeSuppression(
  store: StateStore,
  target: SuppressionTarget,
  by: string,
  now: Date,
): Promise<{ revoked?: Suppression; refused?: string; reply: string; notice?: string }> {
  const found = activeSuppressionOf(target, await store.suppressions.activeSuppressions(now));
  if ('refused' in found) return { refused: found.refused, reply: `Not ended: ${found.refused}.` };
  const revoked = await store.suppressions.revoke({ target: found.suppression.target, by, now });
  if (!revoked)
    return {
      refused: 'it ended meanwhile',
      reply: 'Not ended: it ended meanwhile (expired, or another approver ended it).',
    };
  const ended = findingSuppressionOf(revoked);
  const what = `${suppressedLine(ended).replace(/, still open$/, '')}`;
  const reply = `Ended: ${targetLabel(revoked.target)} is no longer suppressed (${what}). Warden reports it again as open at the next audit.`;
  const notice = `:leftwards_arrow_with_hook: ${personRef(by)} ended this early (${what}): still open, Warden reports it again at the next audit.`;
  return { revoked, reply, notice };
}
