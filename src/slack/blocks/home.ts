import type { types } from '@slack/bolt';
import type { HomePosture } from '../../model/run-history.ts';
import type { Finding, Severity } from '../../model/types.ts';
import { SEVERITIES } from '../../model/types.ts';
import { ACTION_IDS, encodeButtonValue } from '../actions.ts';
import {
  SEVERITY_EMOJI,
  actions,
  button,
  code,
  context,
  count,
  divider,
  groupRef,
  header,
  place,
  plural,
  section,
  severityLabel,
  userText,
} from './elements.ts';
import type { Button, KnownBlock } from './elements.ts';

// The App Home tab: the posture in text and the top open findings, for a person who may read them;
// each finding carries only the buttons that person may use (the listeners check again on click).

export type HomeView = types.HomeView;

/** Who is looking, and what they may press. */
export interface HomeViewer {
  /** A reader, or a member of the channel the findings are posted in. */
  mayRead: boolean;
  /** The channel findings are posted in (named in the refusal). */
  channel?: string;
  /** An approver: may press Accept risk (the modal's submission is checked again). */
  mayAcceptRisk: boolean;
}

/** The action ids a Home tab may carry: those whose listener needs no channel or response_url to answer. */
export const HOME_ACTIONS: ReadonlySet<string> = new Set([ACTION_IDS.details, ACTION_IDS.acceptRisk]);

const TITLE = 'Warden: security group posture';

function countsLine(open: Record<Severity, number>): string {
  const parts = SEVERITIES.filter((s) => open[s] > 0).map(
    (s) => `${SEVERITY_EMOJI[s]} ${severityLabel(s)} ${count(open[s])}`,
  );
  return parts.length ? parts.join('   ') : 'No open findings.';
}

function lastRunLine(lastRun: NonNullable<HomePosture['lastRun']>): string {
  const unread =
    lastRun.unread > 0
      ? ` · :warning: ${plural(lastRun.unread, 'scope')} could not be read: their findings are not current`
      : lastRun.partial
        ? ' · :warning: some scopes did not report: their findings are not current'
        : '';
  return `Last run ${code(lastRun.startedAt, 40)} over ${plural(lastRun.scopes, 'scope')}: ${count(lastRun.newCount)} new, ${count(lastRun.resolvedCount)} resolved${unread}.`;
}

function findingButtons(finding: Finding, viewer: HomeViewer): Button[] {
  const ids = { fingerprint: finding.fingerprint };
  const buttons: Button[] = [
    button({
      text: 'Details',
      actionId: ACTION_IDS.details,
      value: encodeButtonValue({ action: ACTION_IDS.details, ...ids }),
    }),
  ];
  if (viewer.mayAcceptRisk)
    buttons.push(
      button({
        text: 'Accept risk',
        actionId: ACTION_IDS.acceptRisk,
        value: encodeButtonValue({ action: ACTION_IDS.acceptRisk, ...ids }),
      }),
    );
  return buttons;
}

function findingBlocks(finding: Finding, viewer: HomeViewer): KnownBlock[] {
  return [
    section(
      `${SEVERITY_EMOJI[finding.severity]} *${severityLabel(finding.severity)}*: ${userText(finding.title, 300)}\n${place(finding, 200)} · ${groupRef(finding, 300)} · ${code(finding.check, 60)}`,
    ),
    actions(`warden_home_${finding.fingerprint}`, findingButtons(finding, viewer)),
  ];
}

/** The Home tab for `viewer`: nothing about the estate unless they may read it. */
export function homeView(posture: HomePosture | undefined, viewer: HomeViewer): HomeView {
  const blocks: KnownBlock[] = [header(TITLE)];
  if (!viewer.mayRead || !posture) {
    const where = viewer.channel ? `<#${viewer.channel}>` : "Warden's channel";
    blocks.push(
      section(
        `Warden shows its findings to the members of ${where} and to its readers (\`slack.readers\`). Join ${where}, or ask to be added to the readers.`,
      ),
    );
    return { type: 'home', blocks };
  }
  blocks.push(section(`*Open findings*\n${countsLine(posture.open)}`));
  if (posture.suppressed > 0)
    blocks.push(
      context([`${plural(posture.suppressed, 'finding')} suppressed (accepted risk or snoozed), not counted above.`]),
    );
  blocks.push(
    context([posture.lastRun ? lastRunLine(posture.lastRun) : 'No scheduled run has posted its digest yet.']),
  );
  if (posture.top.length > 0) {
    blocks.push(divider(), section(`*Top ${plural(posture.top.length, 'open finding')}*`));
    for (const finding of posture.top) blocks.push(...findingBlocks(finding, viewer));
  }
  blocks.push(context(['Fixes, Snooze and Reject are on the finding messages in the channel.']));
  return { type: 'home', blocks };
}
