// C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides that can
// move the cursor, recolour or reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Provider-controlled text (group names, descriptions, messages) made safe to print: controls become `\xNN`/`\uNNNN`. */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
