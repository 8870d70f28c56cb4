import { stripVTControlCharacters, styleText } from 'node:util';
import type { Severity } from '../model/types.ts';

type Style = Parameters<typeof styleText>[0];

/** Colour only where the stream is a terminal and NO_COLOR is unset (styleText checks both). */
export function paint(style: Style, text: string, stream: NodeJS.WritableStream = process.stdout): string {
  return styleText(style, text, { stream });
}

export const SEVERITY_STYLE: Record<Severity, Style> = {
  critical: ['bold', 'red'],
  high: 'red',
  medium: 'yellow',
  low: 'cyan',
  info: 'gray',
};

/** The terminal's width for wrapping; undefined (no wrapping) when stdout is not a terminal. */
export function terminalWidth(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stdout,
): number | undefined {
  return stream.isTTY && stream.columns > 0 ? stream.columns : undefined;
}

const FINGERPRINT = /\[[0-9a-f]{12}\]/;
/** Narrower than this a wrapped line would hold a word or two: keep that much room after the indent. */
const MIN_ROOM = 20;

/**
 * Word-wraps one line to `width` columns (colour codes take no room); continuation lines start
 * with `indent`. A word longer than a line is cut, except a fingerprint `[…]`, which is never split.
 * Without a width the line is left as it is.
 */
export function wrapLine(line: string, width: number | undefined, indent: string): string[] {
  const visible = (text: string) => stripVTControlCharacters(text).length;
  if (width === undefined || visible(line) <= width) return [line];
  const room = Math.max(width, indent.length + MIN_ROOM);
  const [lead = ''] = /^ */.exec(line) ?? [];
  // Words with the spaces before each (kept where the line does not break there: padded columns stay aligned).
  const words = [...line.slice(lead.length).matchAll(/( *)(\S+)/g)].map(([, space = '', word = '']) => ({
    space,
    word,
  }));
  const lines: string[] = [];
  let current = lead;
  let fresh = true; // nothing but the indent on the current line yet
  const flush = () => {
    lines.push(current);
    current = indent;
    fresh = true;
  };
  for (const { space, word: whole } of words) {
    let word = whole;
    if (!fresh && visible(current) + space.length + visible(word) > room) flush();
    while (
      !FINGERPRINT.test(word) &&
      word === stripVTControlCharacters(word) &&
      visible(current) + (fresh ? 0 : space.length) + word.length > room
    ) {
      const take = room - visible(current) - (fresh ? 0 : space.length);
      current += `${fresh ? '' : space}${word.slice(0, take)}`;
      word = word.slice(take);
      flush();
    }
    if (word === '') continue;
    current += `${fresh ? '' : space}${word}`;
    fresh = false;
  }
  if (!fresh) lines.push(current);
  return lines;
}
