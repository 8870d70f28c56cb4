import { ACTION_IDS, encodeButtonValue } from '../actions.ts';
import { actions, button, confirmDialog, fallbackText, section } from './elements.ts';
import type { SlackMessage } from './elements.ts';

/**
 * About a fix whose apply may have died part-way: `text`, and a Resume button for approvers (it
 * needs no new approvals; the worker resumes only an apply stuck longer than any apply runs). With
 * the change the apply left in progress, a Revert button too: it undoes what that change did, with
 * the revert's approvals.
 */
export function resumeMessage(
  text: string,
  fingerprint: string,
  planId: string,
  interruptedChangeId?: string,
): SlackMessage {
  const revert = interruptedChangeId
    ? [
        button({
          text: 'Revert',
          actionId: ACTION_IDS.revert,
          value: encodeButtonValue({ action: ACTION_IDS.revert, changeId: interruptedChangeId, fingerprint, planId }),
          style: 'danger',
          confirm: confirmDialog({
            title: 'Undo the interrupted fix?',
            text: `Undoes what ${interruptedChangeId} did before it was interrupted, once it has been stuck for 15 minutes. Needs the approvals of a revert.`,
            confirm: 'Revert',
            deny: 'Cancel',
            style: 'danger',
          }),
        }),
      ]
    : [];
  return {
    text: fallbackText(text),
    blocks: [
      section(text),
      actions('warden_resume_actions', [
        button({
          text: 'Resume',
          actionId: ACTION_IDS.resume,
          value: encodeButtonValue({ action: ACTION_IDS.resume, fingerprint, planId }),
          style: 'primary',
        }),
        ...revert,
      ]),
    ],
  };
}
