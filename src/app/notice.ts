import type { Finding } from '../model/types.ts';
import type { AuditSummary } from '../analysis/audit.ts';
import type { ChangeRecord } from '../model/change.ts';
import type { FindingSuppression } from '../model/suppression.ts';
import type { Planned } from './propose-fix.ts';

// What the use cases tell people, as values: the notifier (Slack: src/slack/notifier.ts) renders them.

/** A piece of a sentence: words as written, a value shown as code, or text from outside (escaped when rendered). */
export type TextPart = string | { code: string; max: number } | { quoted: string; max: number };
export type Text = readonly TextPart[];

/** A value shown as code (an id, a fingerprint), cut to `max` characters. */
export const asCode = (value: string, max: number): TextPart => ({ code: value, max });
/** Text that came from a cloud, a person or an error, cut to `max` characters. */
export const quoted = (value: string, max: number): TextPart => ({ quoted: value, max });

/** A sentence: the literal parts as written, each interpolated part as given (plain strings are literal too; a Text is spliced in). */
export function text(strings: TemplateStringsArray, ...parts: (TextPart | Text)[]): Text {
  const out: TextPart[] = [];
  strings.forEach((literal, i) => {
    if (literal !== '') out.push(literal);
    const part = parts[i];
    if (Array.isArray(part)) out.push(...(part as Text));
    else if (part !== undefined && part !== '') out.push(part as TextPart);
  });
  return out;
}

/** New and resolved findings of an audit or a run; `totals` when the lists hold only some of them. */
export interface FindingDelta {
  new: Finding[];
  resolved: Finding[];
  totals?: { new: number; resolved: number; newBySeverity: Record<string, number> };
}

export type Notice =
  | { kind: 'text'; text: Text }
  | { kind: 'finding'; finding: Finding; planned?: Planned; noPlanReason?: string }
  | { kind: 'resolved'; finding: Finding; note: string }
  | { kind: 'suppressed'; finding: Finding; suppression: FindingSuppression }
  | { kind: 'suppression-ended'; suppression: FindingSuppression; at: Date }
  | { kind: 'change'; record: ChangeRecord }
  | { kind: 'resume'; text: Text; fingerprint: string; planId: string; interruptedChangeId?: string }
  /** An audit's digest: one message, continued in its thread when long. */
  | { kind: 'digest'; summary: AuditSummary; delta: FindingDelta; heldBack?: number };
