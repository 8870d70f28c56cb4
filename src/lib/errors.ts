// Error text as Warden shows it: one line, the message without the stack or a quoted body.

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** An error's message (or the thrown value as text), first line only. */
export function errorText(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}
