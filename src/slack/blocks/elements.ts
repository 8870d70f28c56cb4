import type { types } from '@slack/bolt';
import type { Severity } from '../../model/types.ts';
import { BUDGETS, LIMITS, fitMrkdwn, splitMrkdwn, truncate } from '../limits.ts';

// Small constructors for the blocks Warden uses. Each one takes text that is already fitted (or fits it itself) and
// asserts the limit, so a builder bug fails loudly in tests instead of as `invalid_blocks` in production.

export type KnownBlock = types.KnownBlock;
export type SectionBlock = types.SectionBlock;
export type Button = types.Button;
export type Datepicker = types.Datepicker;
export type ConfirmationDialog = types.ConfirmationDialog;
export type ModalView = types.ModalView;
export type MrkdwnElement = types.MrkdwnElement;
export type PlainTextElement = types.PlainTextElement;

/** A message as chat.postMessage / chat.update take it. */
export interface SlackMessage {
  /** Fallback for notifications and screen readers (mrkdwn, escaped, short). */
  text: string;
  blocks: KnownBlock[];
}

/** Slack rejects an empty text object; Warden shows this instead. */
export const EMPTY = '—';

function within(text: string, max: number, what: string): string {
  if (text.length === 0) throw new Error(`slack blocks: empty ${what}`);
  if (text.length > max) throw new Error(`slack blocks: ${what} is ${text.length} characters, over Slack's ${max}`);
  return text;
}

/** A mrkdwn text object. `verbatim`: Slack auto-links and parses nothing; only Warden's own `<url|label>` are links. */
export function mrkdwn(text: string, max: number = LIMITS.textObject): MrkdwnElement {
  return { type: 'mrkdwn', text: within(text, max, 'mrkdwn text'), verbatim: true };
}

/** A plain_text object, cut to `max`. Plain text is shown as it is: nothing to escape. */
export function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(text.trim() === '' ? EMPTY : text, max), emoji: true };
}

/** Text from the clouds or the user, ready for mrkdwn: no code fence can open or close inside it. */
export function clean(text: string): string {
  return text.replace(/`{3,}/g, (run) => 'ˋ'.repeat(run.length));
}

/** User text as escaped mrkdwn within `max`. */
export function userText(text: string, max: number): string {
  return text.trim() === '' ? EMPTY : fitMrkdwn(clean(text), max);
}

/** A message's top-level `text` (notifications, screen readers): escaped like the blocks, and short. */
export function fallbackText(text: string): string {
  return userText(text, BUDGETS.fallbackText);
}

/** Inline code (`id`), escaped, within `max` including the backticks; backticks inside become ˋ. */
export function code(text: string, max: number = 200): string {
  if (text === '') return EMPTY;
  return `\`${fitMrkdwn(text.replace(/`/g, 'ˋ').replace(/[\r\n]+/g, ' '), max - 2)}\``;
}

/** Code blocks of `lines`, each block within `max` characters including its fences, at most `maxBlocks` of them. */
export function codeBlocks(
  lines: readonly string[],
  max: number,
  maxBlocks: number,
): { blocks: string[]; complete: boolean } {
  const body = lines.map((l) => l.replace(/`/g, 'ˋ')).join('\n');
  const { pieces, complete } = splitMrkdwn(body === '' ? EMPTY : body, max - 6, maxBlocks);
  return { blocks: pieces.map((p) => `\`\`\`${p === '' ? EMPTY : p}\`\`\``), complete };
}

/** A link Slack will render, or just the escaped label when the URL is not a plain http(s) URL of sensible length. */
export function link(url: string | undefined, label: string): string {
  const text = fitMrkdwn(label, 100);
  if (!url) return text;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return text;
  // `|` and `>` would end Slack's link syntax: percent-encode them (and `<`), which keeps the URL the same; `&` is a
  // control character, escaped as everywhere else.
  const href = parsed.href
    .replace(/[|<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/&/g, '&amp;');
  if (href.length > 500) return text;
  return `<${href}|${text.replace(/\|/g, '¦')}>`;
}

export function header(text: string): KnownBlock {
  return { type: 'header', text: plain(text, LIMITS.headerText) };
}

export function section(text: string, blockId?: string): SectionBlock {
  const block: SectionBlock = { type: 'section', text: mrkdwn(text, LIMITS.sectionText) };
  if (blockId) block.block_id = within(blockId, LIMITS.blockId, 'block_id');
  return block;
}

/** A section of label/value fields (values already escaped mrkdwn); at most 10, each within 2,000. */
export function fields(pairs: readonly (readonly [label: string, value: string])[], text?: string): SectionBlock {
  if (pairs.length > LIMITS.sectionFields)
    throw new Error(`slack blocks: ${pairs.length} fields, over Slack's ${LIMITS.sectionFields}`);
  const block: SectionBlock = {
    type: 'section',
    fields: pairs.map(([label, value]) =>
      mrkdwn(`*${label}*\n${value === '' ? EMPTY : value}`, LIMITS.sectionFieldText),
    ),
  };
  if (text !== undefined) block.text = mrkdwn(text, LIMITS.sectionText);
  return block;
}

export function context(texts: readonly string[]): KnownBlock {
  if (texts.length === 0 || texts.length > LIMITS.contextElements)
    throw new Error(`slack blocks: ${texts.length} context elements`);
  return { type: 'context', elements: texts.map((t) => mrkdwn(t)) };
}

export function divider(): KnownBlock {
  return { type: 'divider' };
}

export function confirmDialog(spec: {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style?: 'primary' | 'danger';
}): ConfirmationDialog {
  const dialog: ConfirmationDialog = {
    title: plain(spec.title, LIMITS.confirmTitle),
    text: plain(spec.text, LIMITS.confirmText),
    confirm: plain(spec.confirm, LIMITS.confirmButton),
    deny: plain(spec.deny, LIMITS.confirmButton),
  };
  if (spec.style) dialog.style = spec.style;
  return dialog;
}

export function button(spec: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmationDialog;
}): Button {
  const element: Button = {
    type: 'button',
    text: plain(spec.text, LIMITS.buttonText),
    action_id: within(spec.actionId, LIMITS.actionId, 'action_id'),
    value: within(spec.value, LIMITS.buttonValue, 'button value'),
  };
  if (spec.style) element.style = spec.style;
  if (spec.confirm) element.confirm = spec.confirm;
  return element;
}

export function actions(blockId: string, elements: readonly Button[]): KnownBlock {
  if (elements.length === 0 || elements.length > LIMITS.actionsElements)
    throw new Error(`slack blocks: ${elements.length} action elements`);
  return { type: 'actions', block_id: within(blockId, LIMITS.blockId, 'block_id'), elements: [...elements] };
}

/** Every `text` string in a block tree, summed: what Slack's cumulative limit counts (see BUDGETS). */
export function textSize(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textSize(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  let sum = 0;
  for (const [key, v] of Object.entries(value)) sum += key === 'text' && typeof v === 'string' ? v.length : textSize(v);
  return sum;
}

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

export function severityLabel(severity: Severity): string {
  return severity.charAt(0).toUpperCase() + severity.slice(1);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export { plural } from '../../analysis/describe.ts';

/** `provider · account · region`, escaped. */
export function place(scope: { provider: string; account: string; region: string }, max: number = 200): string {
  const part = Math.floor((max - 6) / 3);
  return `${userText(scope.provider, part)} · ${userText(scope.account, part)} · ${userText(scope.region, part)}`;
}

/** `name (`id`)`, escaped. */
export function groupRef(scope: { groupName: string; groupId: string }, max: number = 200): string {
  const half = Math.floor((max - 3) / 2);
  if (scope.groupName === '' || scope.groupName === scope.groupId) return code(scope.groupId, max);
  return `${userText(scope.groupName, half)} (${code(scope.groupId, half)})`;
}
