import { errorText } from '../lib/errors.ts';
import { maskCredentials } from '../lib/mask.ts';

/** One line of an error, at most 300 characters, with anything credential-like masked (maskCredentials). */
export function safeErrorText(error: unknown): string {
  const line = maskCredentials(errorText(error).trim());
  return line.length > 300 ? `${line.slice(0, 299)}…` : line || 'unknown error';
}
