import { describe, expect, it } from 'vitest';
import { decodeSnapshotBytes, firstErrorOffset, parseJsonText } from '../adapters/snapshot/json-text.ts';

// The bytes a snapshot arrives in, and JSON errors that say where without quoting the text.

const TEXT = '{"SecurityGroups": [{"GroupName": "café"}]}';

describe('decodeSnapshotBytes', () => {
  it('reads UTF-8 with and without a byte order mark, and UTF-16 LE/BE with a BOM or without one', () => {
    const le = Buffer.from(TEXT, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const bytes of [
      Buffer.from(TEXT),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
      le,
      be,
    ]) {
      expect(decodeSnapshotBytes(bytes)).toBe(TEXT);
    }
  });
});

describe('parseJsonText', () => {
  it('names line, column and the kind of problem, never the text', () => {
    expect(parseJsonText('{\n  "a": 1,\n  "token": secret\n}')).toEqual({
      problem: { line: 3, column: 12, reason: 'unexpected character' },
    });
    expect(parseJsonText('{"a": 1} trailing')).toEqual({
      problem: { line: 1, column: 10, reason: 'unexpected non-whitespace character after JSON' },
    });
    expect(parseJsonText('')).toEqual({ problem: { line: 1, column: 1, reason: 'unexpected end of input' } });
    expect(parseJsonText('[1, 2]')).toEqual({ value: [1, 2] });
  });

  it('the scanner finds the offset V8 states, where V8 states one', () => {
    for (const text of ['{"a":1,}', '[1,2', '{a:1}', '"ab\ncd"', '{"x":"\\q"}', '[1 2]', '{"a" 1}', '-']) {
      let stated: number | undefined;
      try {
        JSON.parse(text);
      } catch (error) {
        const match = /at position (\d+)/.exec((error as Error).message);
        stated = match ? Number(match[1]) : undefined;
      }
      if (stated !== undefined) expect(firstErrorOffset(text), text).toBe(stated);
    }
    expect(firstErrorOffset('{"a": [true, false, null, -1.5e3, "x"]}')).toBeUndefined();
  });
});
