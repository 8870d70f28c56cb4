import { isFingerprintPrefix, MIN_FINGERPRINT_PREFIX } from '../model/fingerprint-prefix.ts';
import { PROVIDERS, SEVERITIES } from '../model/types.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import type { Provider, Severity } from '../model/types.ts';

// The `/warden` slash command: its text parsed into a typed command, or the usage reply. Pure.

export type AuditScope = { provider: Provider } | { account: string } | { region: string } | { group: string };
export type FindingsFilter = { severity: Severity } | { provider: Provider } | { check: string };
export type SuppressTarget = { fingerprint: string } | { check: string };

export type WardenCommand =
  | { kind: 'help' }
  | { kind: 'audit'; scope?: AuditScope }
  | { kind: 'findings'; filter?: FindingsFilter }
  | { kind: 'show'; groupId: string }
  | { kind: 'fix'; fingerprint: string }
  | { kind: 'suppress'; target: SuppressTarget; durationSeconds: number; duration: string; reason: string }
  | { kind: 'suppressions' }
  | { kind: 'unsuppress'; target: SuppressTarget };

export type ParseResult = { ok: true; command: WardenCommand } | { ok: false; usage: string };

/** The longest suppression a command may set. */
export const MAX_SUPPRESS_DAYS = 365;

const ACCOUNT = /^\d{12}$/;
/** eu-west-1, cn-hangzhou, eu-de, ap-southeast-1: letters, then letter words, then an optional number. */
const REGION = /^[a-z]{2,}(?:-[a-z]+)+(?:-\d{1,2})?$/;
/** Provider group ids: sg-…, UUIDs. */
const GROUP = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The catalog's check ids: what a check argument may name. */
export const CHECK_IDS: ReadonlySet<string> = new Set(CATALOG.map((meta) => meta.id));
const DURATION = /^(\d{1,4})([hdw])$/;
const UNIT_SECONDS = { h: 3600, d: 86_400, w: 604_800 } as const;

const LINES = {
  audit: '`/warden audit [provider|account|region|group]` audit everything, or one provider, account, region or group',
  findings:
    '`/warden findings [severity|check|provider]` list open findings, optionally only one severity, check or provider',
  show: '`/warden show <groupId>` explain what a group lets in',
  fix: '`/warden fix <finding>` propose a fix for a finding (its fingerprint)',
  suppress:
    '`/warden suppress <finding|check> <duration> <reason>` ask the approvers to suppress a finding or a check for e.g. `24h`, `7d`, `2w`',
  suppressions: '`/warden suppressions` list the active suppressions: what, who, why, until when',
  unsuppress:
    '`/warden unsuppress <finding|check>` end a suppression (or snooze, or accepted risk) now; approvers only',
  help: '`/warden help` this text',
} as const;

/** The usage text, with `problem` first when there is one. */
export function usage(problem?: string): string {
  const lines = Object.values(LINES);
  return [...(problem ? [`${problem}`, ''] : []), 'Usage:', ...lines].join('\n');
}

function bad(problem: string, only?: keyof typeof LINES): ParseResult {
  return { ok: false, usage: only ? `${problem}\nUsage: ${LINES[only]}` : usage(problem) };
}

/** Seconds in `7d`, `24h`, `2w`; undefined for anything else, zero, or more than MAX_SUPPRESS_DAYS. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds <= 0 || seconds > MAX_SUPPRESS_DAYS * 86_400) return undefined;
  return seconds;
}

function isProvider(word: string): word is Provider {
  return (PROVIDERS as readonly string[]).includes(word);
}

function isSeverity(word: string): word is Severity {
  return (SEVERITIES as readonly string[]).includes(word);
}

function quote(text: string): string {
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/** A finding fingerprint (or prefix) or a catalog check id; undefined for anything else. */
function suppressTargetOf(word: string): SuppressTarget | undefined {
  const lower = word.toLowerCase();
  if (isFingerprintPrefix(lower) && /\d/.test(lower)) return { fingerprint: lower };
  if (CHECK_IDS.has(lower)) return { check: lower };
  return undefined;
}

function notATarget(word: string): string {
  return `${quote(word)} is neither a finding fingerprint (at least ${MIN_FINGERPRINT_PREFIX} hex characters) nor a check id (\`warden checks\` lists them).`;
}

/** Parses the text after `/warden`. */
export function parseCommand(text: string): ParseResult {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const [verb, ...rest] = words;
  if (verb === undefined) return { ok: true, command: { kind: 'help' } };
  switch (verb.toLowerCase()) {
    case 'help':
      return rest.length === 0 ? { ok: true, command: { kind: 'help' } } : bad('`help` takes no arguments.', 'help');
    case 'audit': {
      if (rest.length === 0) return { ok: true, command: { kind: 'audit' } };
      if (rest.length > 1) return bad('`audit` takes at most one scope.', 'audit');
      const word = rest[0] as string;
      const lower = word.toLowerCase();
      if (isProvider(lower)) return { ok: true, command: { kind: 'audit', scope: { provider: lower } } };
      if (ACCOUNT.test(word)) return { ok: true, command: { kind: 'audit', scope: { account: word } } };
      if (REGION.test(word)) return { ok: true, command: { kind: 'audit', scope: { region: word } } };
      if (GROUP.test(word)) return { ok: true, command: { kind: 'audit', scope: { group: word } } };
      return bad(`${quote(word)} is not a provider (${PROVIDERS.join(', ')}), account, region or group id.`, 'audit');
    }
    case 'findings': {
      if (rest.length === 0) return { ok: true, command: { kind: 'findings' } };
      if (rest.length > 1) return bad('`findings` takes at most one filter.', 'findings');
      const word = (rest[0] as string).toLowerCase();
      if (isSeverity(word)) return { ok: true, command: { kind: 'findings', filter: { severity: word } } };
      if (isProvider(word)) return { ok: true, command: { kind: 'findings', filter: { provider: word } } };
      if (CHECK_IDS.has(word)) return { ok: true, command: { kind: 'findings', filter: { check: word } } };
      return bad(
        `${quote(rest[0] as string)} is not a severity (${SEVERITIES.join(', ')}), check id or provider.`,
        'findings',
      );
    }
    case 'show': {
      if (rest.length !== 1) return bad('`show` needs exactly one group id.', 'show');
      const word = rest[0] as string;
      if (!GROUP.test(word)) return bad(`${quote(word)} is not a group id.`, 'show');
      return { ok: true, command: { kind: 'show', groupId: word } };
    }
    case 'fix': {
      if (rest.length !== 1) return bad('`fix` needs exactly one finding fingerprint.', 'fix');
      const word = (rest[0] as string).toLowerCase();
      if (!isFingerprintPrefix(word))
        return bad(
          `${quote(rest[0] as string)} is not a finding fingerprint (at least ${MIN_FINGERPRINT_PREFIX} hex characters).`,
          'fix',
        );
      return { ok: true, command: { kind: 'fix', fingerprint: word } };
    }
    case 'suppressions':
      return rest.length === 0
        ? { ok: true, command: { kind: 'suppressions' } }
        : bad('`suppressions` takes no arguments.', 'suppressions');
    case 'unsuppress': {
      if (rest.length !== 1) return bad('`unsuppress` needs exactly one finding or check.', 'unsuppress');
      const target = suppressTargetOf(rest[0] as string);
      return target
        ? { ok: true, command: { kind: 'unsuppress', target } }
        : bad(notATarget(rest[0] as string), 'unsuppress');
    }
    case 'suppress': {
      if (rest.length < 3) return bad('`suppress` needs a finding or check, a duration and a reason.', 'suppress');
      const [targetWord, durationWord, ...reasonWords] = rest as [string, string, ...string[]];
      const target = suppressTargetOf(targetWord);
      if (!target) return bad(notATarget(targetWord), 'suppress');
      const durationSeconds = parseDuration(durationWord);
      if (durationSeconds === undefined)
        return bad(
          `${quote(durationWord)} is not a duration: a number and h, d or w (\`24h\`, \`7d\`, \`2w\`), at most ${MAX_SUPPRESS_DAYS} days.`,
          'suppress',
        );
      const reason = reasonWords.join(' ');
      return {
        ok: true,
        command: { kind: 'suppress', target, durationSeconds, duration: durationWord.toLowerCase(), reason },
      };
    }
    default:
      return bad(`Unknown command ${quote(verb)}.`);
  }
}
