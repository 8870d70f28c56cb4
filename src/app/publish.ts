import { withBeside } from '../analysis/audit.ts';
import { atOrAbove } from '../model/severity.ts';
import type { Finding } from '../model/types.ts';
import { suppressionFor } from '../store/state.ts';
import type { FindingState, MessageRef, SeenResult } from '../store/state.ts';
import { safeErrorText } from './error-text.ts';
import type { Notice } from './notice.ts';
import type { AppPorts } from './ports.ts';
import { groupOf, proposeFix } from './propose-fix.ts';
import type { ScopeRead } from './read-scope.ts';

// Recording an audit's findings and telling people: new ones posted with their proven plan (and an approval
// request), resolved and suppressed ones marked on their messages, ended suppressions put back.

type PublishPorts = Pick<AppPorts, 'config' | 'settings' | 'store' | 'notifier' | 'now'>;

/** Records a read's findings, the suppressed ones as suppressed. */
export function recordRead(ports: Pick<AppPorts, 'store' | 'now'>, result: ScopeRead): Promise<SeenResult> {
  return ports.store.findings.recordSeen(result.report.findings, ports.now(), result.complete, result.suppressed);
}

/** What a run reports as new: new, reopened, and back from suppression (suppressed ones are neither new nor resolved). */
export function newlyReported(seen: SeenResult): FindingState[] {
  return [...seen.new, ...seen.reopened, ...seen.unsuppressed.map((u) => u.state)];
}

/** A finding's message with its proven plan, after recording the plan's approval request; or why there is no plan. */
export async function findingNotice(
  ports: PublishPorts,
  finding: Finding,
  result: ScopeRead,
  requester: string,
): Promise<Notice> {
  const { config, settings, store, now } = ports;
  let proposal: ReturnType<typeof proposeFix>;
  try {
    proposal = proposeFix(finding, groupOf(result.estate, finding), config, withBeside(result.estate, result.beside));
  } catch (error) {
    proposal = { refused: safeErrorText(error) };
  }
  if ('refused' in proposal) return { kind: 'finding', finding, noPlanReason: proposal.refused };
  const { plan } = proposal;
  await store.approvals.requestApproval({
    id: plan.id,
    planId: plan.id,
    fingerprint: finding.fingerprint,
    requester,
    // Proposed by the schedule or a real-time audit, nobody asked: the two-person rule means two distinct approvers.
    required:
      settings.twoPersonRule && !ports.notifier.isPerson(requester)
        ? Math.max(2, settings.requiredApprovals)
        : settings.requiredApprovals,
    requesterMayApprove: !settings.twoPersonRule,
    now: now(),
  });
  return { kind: 'finding', finding, planned: proposal };
}

/**
 * Posts each new (or reopened) finding at or above the configured severity, marks resolved ones on their messages,
 * shows suppressed ones as such on theirs, and puts the ones whose suppression ended back as open (their message
 * updated in place with its plan, and a notice in its thread; posted anew when they have none).
 */
export async function publish(
  ports: PublishPorts,
  seen: SeenResult,
  result: ScopeRead,
  channel: string | undefined,
  requester: string,
  claimSlot: () => Promise<boolean> = async () => true,
): Promise<{ posted: number; updated: number; heldBack: number }> {
  const { settings, store, notifier, now } = ports;
  let posted = 0;
  let heldBack = 0;
  let updated = 0;
  // Back from suppression first: recorded open now, these are never due again, whatever fails after.
  for (const { state, ended } of backFromSuppression(ports, seen, result).inPlace) {
    const where = state.message as MessageRef;
    const notice = await findingNotice(ports, state.finding, result, requester);
    try {
      await notifier.update(where, notice);
    } catch (error) {
      // Its old message cannot be updated (deleted, or the channel archived): it is recorded open now, so it is
      // posted anew here, or no later audit would (they post only open findings without a message).
      console.error(
        `warden: finding ${state.fingerprint} back from suppression: message not updated (${safeErrorText(error)}); posting it anew`,
      );
      const ts = await notifier.post({ channel: channel ?? where.channel }, notice);
      if (ts) await store.findings.markPosted(state.fingerprint, channel ?? where.channel, ts, now());
      posted++;
      continue;
    }
    await notifier.post(
      { channel: where.channel, threadTs: where.ts },
      { kind: 'suppression-ended', suppression: ended, at: now() },
    );
    updated++;
  }
  if (channel) {
    // Open ones with no message yet too: a run that recorded them and then failed to post (Slack
    // down, a rate limit) or held them back posts them when it is retried, or the next run does.
    const due = [
      ...seen.new,
      ...seen.reopened,
      ...backFromSuppression(ports, seen, result).repost,
      ...seen.open.filter((s) => !s.message),
    ].filter((s) => atOrAbove(s.finding.severity, settings.minSeverity));
    for (const [i, state] of due.entries()) {
      const finding = state.finding;
      if (!(await claimSlot())) {
        heldBack = due.length - i;
        break;
      }
      const notice = await findingNotice(ports, finding, result, requester);
      const ts = await notifier.post({ channel }, notice);
      if (ts) await store.findings.markPosted(finding.fingerprint, channel, ts, now());
      posted++;
    }
  }
  for (const state of seen.resolved) {
    if (!state.message) continue;
    await notifier.update(state.message, {
      kind: 'resolved',
      finding: state.finding,
      note: `No longer reported by the audit of ${now().toISOString()}.`,
    });
    updated++;
  }
  for (const { state, changed } of seen.suppressed) {
    if (!changed || !state.message || !state.suppression) continue;
    try {
      await notifier.update(state.message, {
        kind: 'suppressed',
        finding: state.finding,
        suppression: state.suppression,
      });
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
function backFromSuppression(
  ports: Pick<AppPorts, 'now'>,
  seen: SeenResult,
  result: ScopeRead,
): { inPlace: SeenResult['unsuppressed']; repost: FindingState[] } {
  const inPlace: SeenResult['unsuppressed'] = [];
  const repost: FindingState[] = [];
  for (const back of seen.unsuppressed) {
    const widened = suppressionFor(back.state.finding, result.suppressions, ports.now()) !== undefined;
    if (back.state.message && !widened) inPlace.push(back);
    else repost.push(back.state);
  }
  return { inPlace, repost };
}
