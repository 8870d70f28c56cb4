import { styleText } from 'node:util';
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
