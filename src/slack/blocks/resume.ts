import { ACTION_IDS, encodeButtonValue } from '../actions.ts';
import { actions, button, fallbackText, section } from './elements.ts';
import type { SlackMessage } from './elements.ts';

/**
 * About a fix whose apply may have died part-way: `text`, and a Resume button for approvers (it
 * needs no new approvals; the worker resumes only an apply stuck longer than any apply runs).
 */
export function resumeMessage(text: string, fingerprint: string, planId: string): SlackMessage {
  return {
    text: fallbackText(text),
    blocks: [
      section(text),
      actions('warden_resume_actions', [
        button({ text: 'Resume', actionId: ACTION_IDS.resume, value: encodeButtonValue({ action: ACTION_IDS.resume, fingerprint, planId }), style: 'primary' }),
      ]),
    ],
  };
}
