import type { AuditReport } from '../../analysis/audit.ts';
import { compareFindings } from '../../analysis/audit.ts';
import type { Finding, Severity } from '../../model/types.ts';
import { SEVERITIES } from '../../model/types.ts';
import { atOrAbove } from '../../model/severity.ts';
import { BUDGETS, LIMITS } from '../limits.ts';
import {
  SEVERITY_EMOJI,
  code,
  context,
  count,
  divider,
  fallbackText,
  fields,
  groupRef,
  header,
  link,
  place,
  plural,
  section,
  severityLabel,
  textSize,
  userText,
} from './elements.ts';
import type { KnownBlock, SlackMessage } from './elements.ts';

export interface AuditDelta {
  /** Findings this run reports that the last run did not. */
  new: Finding[];
  /** Findings the last run reported that this run does not. */
  resolved: Finding[];
  /**
   * The whole counts when `new` and `resolved` list only some of them (a fanned-out run keeps a
   * few findings per scope): the digest counts from these and says how many it does not list.
   */
  totals?: { new: number; resolved: number; newBySeverity: Record<Severity, number> };
}

function totalsOf(delta: AuditDelta): NonNullable<AuditDelta['totals']> {
  return (
    delta.totals ?? { new: delta.new.length, resolved: delta.resolved.length, newBySeverity: severityCounts(delta.new) }
  );
}

/** The report's summary is all the digest reads (a fanned-out run has no single findings list). */
export type DigestReport = Pick<AuditReport, 'summary'>;

export interface DigestOptions {
  /** New findings at or above this severity also get a message each (findingMessage). */
  minSeverity: Severity;
  /** A page with the full report, linked where the digest has to summarize. */
  detailsUrl?: string;
  /** New findings due a message that this run did not post (over its message limit): later runs will. */
  heldBack?: number;
  /** At most this many messages (the first, then continuations for its thread). Default 4. */
  maxMessages?: number;
}

/** Room kept in every message for the closing "and N more" line. */
const TRAILER_TEXT = 800;
const TRAILER_BLOCKS = 1;
const LINE_MAX = 600;

function findingLine(finding: Finding): string {
  return `${SEVERITY_EMOJI[finding.severity]} *${finding.severity}* ${userText(finding.title, 160)} · ${groupRef(finding, 140)} · ${place(finding, 150)} · ${code(finding.check, 60)}`;
}

function resolvedLine(finding: Finding): string {
  return `:white_check_mark: ${severityLabel(finding.severity)}: ${userText(finding.title, 160)} · ${groupRef(finding, 140)} · ${place(finding, 150)} · ${code(finding.check, 60)}`;
}

function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

function summaryBlocks(report: DigestReport, delta: AuditDelta, options: DigestOptions): KnownBlock[] {
  const { summary } = report;
  const totals = totalsOf(delta);
  const newBySeverity = totals.newBySeverity;
  const due = SEVERITIES.filter((s) => atOrAbove(s, options.minSeverity)).reduce(
    (sum, s) => sum + (newBySeverity[s] ?? 0),
    0,
  );
  const posted = Math.max(0, due - (options.heldBack ?? 0));
  const blocks: KnownBlock[] = [
    header(`Warden audit: ${plural(summary.findings, 'finding')}${summary.partial ? ' (partial)' : ''}`),
  ];

  const lines = [
    `*${count(totals.new)} new* and *${count(totals.resolved)} resolved* since the last run · ${plural(summary.groups, 'group')} and ${plural(summary.rules, 'rule')} audited.`,
    posted > 0
      ? `${plural(posted, 'new finding')} at or above *${options.minSeverity}* ${posted === 1 ? 'follows' : 'follow'} as ${posted === 1 ? 'a message' : 'one message each'}.`
      : `No new finding at or above *${options.minSeverity}*.`,
  ];
  if ((options.heldBack ?? 0) > 0) {
    lines.push(
      `${plural(options.heldBack ?? 0, 'finding')} over this run's message limit ${options.heldBack === 1 ? 'gets its message' : 'get their messages'} in the next runs (at most so many messages a run, for Slack's channel rate limit).`,
    );
  }
  blocks.push(section(lines.join('\n')));

  if (summary.partial) {
    const errors = summary.scanErrors.slice(0, 5).map((e) => `• ${place(e, 150)}: ${userText(e.message, 300)}`);
    if (summary.scanErrors.length > errors.length)
      errors.push(`• and ${count(summary.scanErrors.length - errors.length)} more`);
    blocks.push(
      section(
        `:warning: *Partial audit*: ${plural(summary.scanErrors.length, 'scope')} could not be read; nothing in ${summary.scanErrors.length === 1 ? 'it' : 'them'} is reported clean.\n${errors.join('\n')}`,
      ),
    );
  }

  const skipped = summary.interfacesNotEvaluated;
  if (skipped && skipped.count > 0) {
    const reasons = skipped.reasons
      .slice(0, 3)
      .map((r) => `• ${userText(r.reason, 200)}: ${plural(r.interfaces, 'interface')}`);
    blocks.push(
      section(
        `:warning: ${plural(skipped.count, 'interface')} not evaluated: a group bound to ${skipped.count === 1 ? 'it' : 'them'} was not read, and Warden does not judge an interface on fewer groups than it carries.\n${reasons.join('\n')}`,
      ),
    );
  }

  blocks.push(
    fields(
      SEVERITIES.map((s) => [
        `${SEVERITY_EMOJI[s]} ${severityLabel(s)}`,
        `${count(summary.bySeverity[s] ?? 0)}${newBySeverity[s] > 0 ? ` (${count(newBySeverity[s])} new)` : ''}`,
      ]),
      '*By severity*',
    ),
  );

  const providers = Object.entries(summary.byProvider)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  if (providers.length > 0) {
    const shown = providers.length > LIMITS.sectionFields ? providers.slice(0, LIMITS.sectionFields - 1) : providers;
    const pairs: [string, string][] = shown.map(([p, n]) => [userText(p, 100), count(n)]);
    if (shown.length < providers.length)
      pairs.push([
        `${providers.length - shown.length} more`,
        count(providers.slice(shown.length).reduce((sum, [, n]) => sum + n, 0)),
      ]);
    blocks.push(fields(pairs, '*By provider*'));
  }
  return blocks;
}

interface Draft {
  blocks: KnownBlock[];
  /** Text in `blocks` plus the open section. */
  used: number;
  text: string;
}

/**
 * The audit digest: counts by severity and provider, then the findings new since the last run and those resolved
 * since, most severe first. One or more messages (post the first, the rest in its thread), each within 50 blocks,
 * 3,000 characters a section and BUDGETS.messageTextBudget in all; when even `maxMessages` cannot hold every line,
 * the last one ends with "and N more — `warden audit --format markdown`" (and the detailsUrl link).
 */
export function digestMessage(report: DigestReport, delta: AuditDelta, options: DigestOptions): SlackMessage[] {
  const totals = totalsOf(delta);
  const requested = options.maxMessages ?? 4;
  const maxMessages = Number.isNaN(requested) ? 4 : Math.max(1, Math.floor(requested));
  const summary = report.summary;
  const first = summaryBlocks(report, delta, options);
  const firstText = fallbackText(
    `Warden audit: ${plural(summary.findings, 'finding')}, ${count(totals.new)} new, ${count(totals.resolved)} resolved${summary.partial ? ' (partial: some scopes could not be read)' : ''}`,
  );
  const messages: Draft[] = [];
  let draft: Draft = { blocks: first, used: textSize(first), text: firstText };
  let open: string | undefined;

  const close = (): void => {
    if (open !== undefined) draft.blocks.push(section(open));
    open = undefined;
  };
  /** Appends a line to the open section, or opens one (starting with `heading`) if there is room in this message. */
  const append = (line: string, heading: string | undefined): boolean => {
    if (
      open !== undefined &&
      heading === undefined &&
      open.length + 1 + line.length <= LIMITS.sectionText &&
      draft.used + 1 + line.length + TRAILER_TEXT <= BUDGETS.messageTextBudget
    ) {
      open += `\n${line}`;
      draft.used += 1 + line.length;
      return true;
    }
    close();
    const start = heading === undefined ? line : `${heading}\n${line}`;
    if (
      draft.blocks.length + 1 + TRAILER_BLOCKS <= LIMITS.messageBlocks &&
      draft.used + start.length + TRAILER_TEXT <= BUDGETS.messageTextBudget
    ) {
      open = start;
      draft.used += start.length;
      return true;
    }
    return false;
  };

  const groups = [
    { title: 'New since the last run', findings: [...delta.new].sort(compareFindings), line: findingLine, left: 0 },
    {
      title: 'Resolved since the last run',
      findings: [...delta.resolved].sort(compareFindings),
      line: resolvedLine,
      left: 0,
    },
  ];
  if (totals.new === 0 && totals.resolved === 0)
    draft.blocks.push(section('Nothing new and nothing resolved since the last run.'));
  else draft.blocks.push(divider());

  let full = false;
  for (const group of groups) {
    if (full) {
      group.left = group.findings.length;
      continue;
    }
    let heading: string | undefined = `*${group.title}* (${count(group.findings.length)})`;
    for (let i = 0; i < group.findings.length; i++) {
      const line = group.line(group.findings[i] as Finding);
      if (line.length > LINE_MAX) throw new Error(`slack digest: a line of ${line.length} characters`);
      if (append(line, heading)) {
        heading = undefined;
        continue;
      }
      // This message is full: continue in the next, if there may be one.
      close();
      messages.push(draft);
      if (messages.length >= maxMessages) {
        full = true;
        group.left = group.findings.length - i;
        draft = messages.pop() as Draft;
        break;
      }
      const part = messages.length + 1;
      const intro = [context([`Warden audit digest, continued (part ${part})`])];
      draft = {
        blocks: intro,
        used: textSize(intro),
        text: fallbackText(`Warden audit digest, continued (part ${part})`),
      };
      if (i > 0) heading = `*${group.title}* (continued)`;
      if (!append(line, heading)) throw new Error('slack digest: a line does not fit an empty message');
      heading = undefined;
    }
    close();
  }

  // Not listed: cut by maxMessages, or never kept (totals beyond the lists).
  const leftNew = (groups[0]?.left ?? 0) + Math.max(0, totals.new - delta.new.length);
  const leftResolved = (groups[1]?.left ?? 0) + Math.max(0, totals.resolved - delta.resolved.length);
  if (leftNew + leftResolved > 0 || options.detailsUrl) {
    const more = [
      leftNew > 0 ? `${count(leftNew)} more new` : '',
      leftResolved > 0 ? `${count(leftResolved)} more resolved` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const parts = more ? [`…and ${more} — \`warden audit --format markdown\` lists every finding`] : [];
    if (options.detailsUrl) parts.push(link(options.detailsUrl, 'full report'));
    draft.blocks.push(context([parts.join(' · ')]));
  }
  messages.push(draft);
  return messages.map((m) => ({ text: m.text, blocks: m.blocks }));
}
