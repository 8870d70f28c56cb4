// Snapshot bytes to a JSON value: the encodings `aws … > file` writes (UTF-8, with or without a
// byte order mark; UTF-16 from Windows PowerShell), and parse errors that say where, never what.

import { isAscii } from 'node:buffer';

/** Bytes as text: UTF-8 (a BOM is dropped), or UTF-16 LE/BE by BOM, or by the NUL bytes of ASCII JSON. */
export function decodeSnapshotBytes(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return swapBytes(bytes.subarray(2)).toString('utf16le');
  // JSON starts with ASCII ('{', '[', whitespace): in UTF-16 without a BOM one byte of its first two is NUL.
  if (bytes.length >= 2 && bytes.length % 2 === 0) {
    if (bytes[0] !== 0 && bytes[1] === 0) return bytes.toString('utf16le');
    if (bytes[0] === 0 && bytes[1] !== 0) return swapBytes(bytes).toString('utf16le');
  }
  // ASCII (what the providers' APIs return, as `aws … > file` writes it) reads the same as latin1,
  // which copies the bytes instead of decoding them.
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function swapBytes(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16();
}

/** A JSON parse failure: where (1-based line and column) and what kind, without any of the text. */
export interface JsonProblem {
  line: number;
  column: number;
  reason: string;
}

export function parseJsonText(text: string): { value: unknown } | { problem: JsonProblem } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const stated = /at position (\d+)/.exec(message);
    const offset = stated ? Number(stated[1]) : (firstErrorOffset(text) ?? text.length);
    return { problem: { ...lineAndColumn(text, offset), reason: reasonOf(message) } };
  }
}

/** V8's message without the excerpt of the text it quotes. */
function reasonOf(message: string): string {
  if (/^Unexpected end of JSON input/.test(message)) return 'unexpected end of input';
  if (/^Unexpected token/.test(message)) return 'unexpected character';
  const reason = message
    .replace(/ at position.*$/s, '')
    .replace(/ in JSON$/, '')
    .replace(/,?\s*".*$/s, '');
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The offset of the first character that makes `text` invalid JSON, for the errors whose message
 * gives no position ("Unexpected token"); undefined when the scanner finds none.
 */
export function firstErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) {
      if (text[i] === '-') i++;
      fail();
    }
    i += (match as RegExpExecArray)[0].length;
  };
  /** The items of an object or array up to `close`, comma-separated. */
  const sequence = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      space();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  const member = () => {
    space();
    if (text[i] !== '"') fail();
    string();
    space();
    if (text[i] !== ':') fail();
    i++;
    value();
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') return sequence('}', member);
    if (ch === '[') return sequence(']', value);
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (offset) {
    // A RangeError (nesting deeper than the stack) leaves the position unknown.
    return typeof offset === 'number' ? offset : undefined;
  }
}
