// Warden's Slack messages and modals as Block Kit: pure functions from findings, plans and change records to the
// JSON chat.postMessage, chat.update and views.open take. Every output stays within Slack's documented limits
// (src/slack/limits.ts) however large the audit; text from the clouds is escaped, never parsed as links or mentions.

export { appliedMessage } from './blocks/applied.ts';
export { resumeMessage } from './blocks/resume.ts';
export { digestMessage } from './blocks/digest.ts';
export { atOrAbove } from '../model/severity.ts';
export type { AuditDelta, DigestOptions } from './blocks/digest.ts';
export type { KnownBlock, ModalView, SlackMessage } from './blocks/elements.ts';
export {
  acceptRiskModal,
  detailsModal,
  diffSummary,
  findingMessage,
  resolvedUpdate,
  suppressedUpdate,
  suppressionEndedNotice,
} from './blocks/finding.ts';
export type { FindingMessageOptions, PlanWithProof } from './blocks/finding.ts';
