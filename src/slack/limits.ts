// Block Kit limits, as Slack documents them, and the text helpers that keep Warden's messages inside them.
//
// Sources (the same numbers are in the JSDoc of @slack/types 3.2, installed with @slack/bolt 5):
//   [blocks]   https://docs.slack.dev/reference/block-kit/blocks
//              "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs."
//   [section]  https://docs.slack.dev/reference/block-kit/blocks/section-block
//              text: max 3000 characters; fields: max 10 items, each max 2000 characters.
//   [header]   https://docs.slack.dev/reference/block-kit/blocks/header-block    text: max 150 characters.
//   [context]  https://docs.slack.dev/reference/block-kit/blocks/context-block   elements: max 10 items.
//   [actions]  https://docs.slack.dev/reference/block-kit/blocks/actions-block   elements: max 25.
//   [input]    https://docs.slack.dev/reference/block-kit/blocks/input-block     label, hint: max 2000 characters.
//   [block_id] every block: block_id max 255 characters (each block page above).
//   [button]   https://docs.slack.dev/reference/block-kit/block-elements/button-element
//              text max 75, action_id max 255, value max 2000, url max 3000, accessibility_label max 75.
//   [confirm]  https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
//              title max 100, text max 300, confirm and deny max 30 characters each.
//   [text]     https://docs.slack.dev/reference/block-kit/composition-objects/text-object   text: 1 to 3000 characters.
//   [input-el] https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element and
//              .../date-picker-element: placeholder max 150; initial_date YYYY-MM-DD; max_length at most 3000.
//   [modal]    https://docs.slack.dev/reference/views/modal-views
//              title, submit, close max 24 characters; blocks max 100; private_metadata max 3000; callback_id max 255.
//   [msgtext]  https://docs.slack.dev/reference/methods/chat.postMessage (and the 2018-04 changelog "Truncating really
//              long messages"): the top-level `text` is truncated past 40,000 characters.
//   [cumul]    Not documented: chat.postMessage answers `msg_blocks_too_long` once the blocks' text adds up to about
//              12,000-13,300 characters even when every block is within its own limit (slackapi/bolt-js#2509: failures
//              from about 13,200; bolt-js#2867 quotes the maintainers' answer, "12,000 text characters with a buffer
//              for block containers"). Warden keeps the sum of every text in a message's blocks within
//              BUDGETS.messageTextBudget, below the lowest value reported.
//   [escape]   https://api.slack.com/reference/surfaces/formatting#escaping
//              "&", "<" and ">" are control characters in text objects: send them as &amp; &lt; &gt;, and do not
//              entity-encode anything else. Warden also sends its mrkdwn with `verbatim: true`, so nothing in it is
//              auto-linked or parsed as a mention; only the links Warden writes itself are links.
//
// "Characters": Slack does not say how it counts. Everything here counts UTF-16 code units (JavaScript's `length`),
// which is never less than the number of code points, so a text that fits here fits however Slack counts characters.

export const LIMITS = {
  /** [blocks] */
  messageBlocks: 50,
  /** [blocks], [modal] */
  modalBlocks: 100,
  /** [section] */
  sectionText: 3000,
  /** [section] */
  sectionFields: 10,
  /** [section] */
  sectionFieldText: 2000,
  /** [header] */
  headerText: 150,
  /** [context] */
  contextElements: 10,
  /** [actions] */
  actionsElements: 25,
  /** [block_id] */
  blockId: 255,
  /** [button] */
  buttonText: 75,
  /** [button] */
  buttonValue: 2000,
  /** [button] */
  buttonUrl: 3000,
  /** [button] (also every other interactive element) */
  actionId: 255,
  /** [confirm] */
  confirmTitle: 100,
  /** [confirm] */
  confirmText: 300,
  /** [confirm] both the confirm and the deny button */
  confirmButton: 30,
  /** [text] any text object not limited further by where it is */
  textObject: 3000,
  /** [input] */
  inputLabel: 2000,
  /** [input] */
  inputHint: 2000,
  /** [input-el] */
  placeholder: 150,
  /** [input-el] plain_text_input max_length */
  plainTextInputMaxLength: 3000,
  /** [modal] */
  modalTitle: 24,
  /** [modal] */
  modalSubmit: 24,
  /** [modal] */
  modalClose: 24,
  /** [modal] */
  privateMetadata: 3000,
  /** [modal] */
  callbackId: 255,
  /** [msgtext] Slack truncates the top-level text beyond this. */
  messageTextTruncatedAt: 40_000,
} as const;

/**
 * Warden's own budgets, below Slack's limits:
 * - `messageTextBudget`: the sum of every text in a message's blocks [cumul].
 * - `fallbackText`: the top-level `text` (notification and screen-reader fallback): short by design.
 */
export const BUDGETS = {
  messageTextBudget: 12_000,
  fallbackText: 1_000,
} as const;

/** The mark appended where text was cut. One UTF-16 code unit. */
export const TRUNCATION_MARK = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

let segmenter: Intl.Segmenter | undefined;

/** How far around a cut safeCutIndex looks for grapheme boundaries. */
const CONTEXT = 32;

/**
 * The largest index `<= index` where `text` may be cut: never between the two halves of a surrogate pair, and where
 * Intl can tell, not inside a grapheme cluster (an emoji with a skin tone or a ZWJ sequence, a flag, a letter with
 * combining marks). Looks at a small window around the cut only, so it costs the same however long the text is.
 */
export function safeCutIndex(text: string, index: number): number {
  if (index >= text.length) return text.length;
  if (index <= 0) return 0;
  let cut = index;
  if (isLowSurrogate(text.charCodeAt(cut)) && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
  const start = Math.max(0, cut - CONTEXT);
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let boundary = -1;
  for (const { index: at } of segmenter.segment(text.slice(start, Math.min(text.length, cut + CONTEXT)))) {
    const absolute = start + at;
    if (absolute > cut) break;
    boundary = absolute;
  }
  // A cluster longer than the window (or one the window starts inside of): keep the surrogate-safe cut.
  if (boundary > start || start === 0) cut = Math.max(boundary, 0);
  return cut;
}

/**
 * `text` within `max` code units: unchanged when it fits; otherwise cut at a safe place (never inside a surrogate
 * pair, nor a grapheme cluster where one can be told) and marked with `mark`. Lone surrogates in the input become
 * U+FFFD, so the result is always well-formed UTF-16 (Slack rejects what is not).
 */
export function truncate(text: string, max: number, mark: string = TRUNCATION_MARK): string {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`truncate: max must be a whole number >= 0, not ${max}`);
  // Slicing first keeps the cost proportional to `max`, not to the text (details can be megabytes).
  const head = text.length > max + CONTEXT ? text.slice(0, max + CONTEXT) : text;
  const wellFormed = head.toWellFormed();
  if (text.length <= max) return wellFormed;
  if (mark.length >= max) return mark.slice(0, safeCutIndex(mark, max));
  return wellFormed.slice(0, safeCutIndex(wellFormed, max - mark.length)) + mark;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Escapes the three control characters of Slack text ([escape]): `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`.
 * Nothing else is encoded. Text from the clouds (group names, descriptions, details) always goes through this, so it
 * can never form a link, a mention (`<!channel>`) or a user/channel reference.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c] as string);
}

function escapedCost(code: number): number {
  return code === 0x26 ? 5 : code === 0x3c || code === 0x3e ? 4 : 1;
}

/**
 * Escapes `text` for mrkdwn and fits the *escaped* text within `max` (Slack measures what it receives): cuts the raw
 * text (never inside an entity, a surrogate pair or a grapheme cluster) and marks the cut. Cost is proportional to
 * `max`, not to the text.
 */
export function fitMrkdwn(text: string, max: number, mark: string = TRUNCATION_MARK): string {
  if (mrkdwnCut(text, max) === text.length) return escapeMrkdwn(text.toWellFormed());
  const room = max - mark.length;
  if (room <= 0) return truncate(mark, max);
  // Enough of the text past the cut for safeCutIndex to see the cluster the cut falls in.
  const head = text.slice(0, mrkdwnCut(text, room) + CONTEXT).toWellFormed();
  return escapeMrkdwn(head.slice(0, safeCutIndex(head, mrkdwnCut(head, room)))) + mark;
}

/** Whether `text`, escaped, fits in `max` (cost proportional to `max`). */
export function fitsMrkdwn(text: string, max: number): boolean {
  return mrkdwnCut(text, max) === text.length;
}

/** The largest raw prefix length whose escaped form fits in `max` (not yet adjusted to a safe boundary). */
function mrkdwnCut(text: string, max: number): number {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    used += escapedCost(text.charCodeAt(i));
    if (used > max) return i;
  }
  return text.length;
}

/**
 * Splits `text` into escaped mrkdwn pieces of at most `max` code units each, at line ends where possible, otherwise at
 * safe places inside a long line. At most `maxPieces` pieces; when the text needs more, the last piece ends with `mark`.
 */
export function splitMrkdwn(
  text: string,
  max: number,
  maxPieces: number = Number.POSITIVE_INFINITY,
  mark: string = TRUNCATION_MARK,
): { pieces: string[]; complete: boolean } {
  if (max <= mark.length + 4) throw new RangeError(`splitMrkdwn: max ${max} is too small`);
  // No more raw text than the pieces could ever hold (each raw code unit costs at least one).
  let bound = Number.isFinite(maxPieces) ? Math.min(text.length, max * maxPieces + CONTEXT) : text.length;
  if (bound < text.length && isHighSurrogate(text.charCodeAt(bound - 1))) bound--;
  const lines = (bound < text.length ? text.slice(0, bound) : text).toWellFormed().split('\n');
  const pieces: string[] = [];
  // Pieces never start or end with blank lines, and none is blank (Slack rejects empty text).
  const push = (piece: string): void => {
    const trimmed = piece.replace(/^\n+|\n+$/g, '');
    if (trimmed.trim() !== '') pieces.push(trimmed);
  };
  let current: string | undefined;
  let stopped = bound < text.length;
  for (const line of lines) {
    if (pieces.length >= maxPieces) {
      stopped = true;
      break;
    }
    if (current !== undefined && current.length < max && fitsMrkdwn(line, max - current.length - 1)) {
      current += `\n${escapeMrkdwn(line)}`;
      continue;
    }
    if (current !== undefined) push(current);
    // A line longer than a piece: hard cuts at safe places.
    let remaining = line;
    while (!fitsMrkdwn(remaining, max) && pieces.length < maxPieces) {
      const fits = mrkdwnCut(remaining, max);
      let cut = safeCutIndex(remaining, fits);
      // One grapheme cluster longer than a piece (e.g. hundreds of combining marks): cut it, between code points.
      if (cut === 0)
        cut =
          isLowSurrogate(remaining.charCodeAt(fits)) && isHighSurrogate(remaining.charCodeAt(fits - 1))
            ? fits - 1
            : fits;
      push(escapeMrkdwn(remaining.slice(0, cut)));
      remaining = remaining.slice(cut);
    }
    current = fitMrkdwn(remaining, max);
  }
  if (current !== undefined) push(current);
  if (pieces.length === 0) pieces.push('');
  if (!stopped && pieces.length <= maxPieces) return { pieces, complete: true };
  const kept = pieces.slice(0, maxPieces);
  const last = kept.pop() ?? '';
  // Re-cut the last piece so the mark fits; it is already escaped, so cut outside entities.
  kept.push(cutEscaped(last, max - mark.length) + mark);
  return { pieces: kept, complete: false };
}

/** Cuts already-escaped text to at most `max`, never inside an `&amp;`/`&lt;`/`&gt;` entity or a grapheme cluster. */
export function cutEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = safeCutIndex(escaped, max);
  const amp = escaped.lastIndexOf('&', cut - 1);
  if (amp !== -1 && amp >= cut - 4) {
    const semi = escaped.indexOf(';', amp);
    if (semi === -1 || semi >= cut) cut = amp;
  }
  return escaped.slice(0, cut);
}
