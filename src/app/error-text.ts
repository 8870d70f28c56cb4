import { maskCredentials } from '../lib/mask.ts';

/** One line of an error, at most 300 characters, with anything credential-like masked (maskCredentials). */
export function safeErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = maskCredentials((text.split('\n')[0] ?? text).trim());
  return line.length > 300 ? `${line.slice(0, 299)}…` : line || 'unknown error';
}
