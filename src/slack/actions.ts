import { FINGERPRINT_PREFIX } from '../model/fingerprint-prefix.ts';
import { CHANGE_ID } from '../model/change-id.ts';
import { LIMITS } from './limits.ts';

// The ids of Warden's interactive elements and the value its buttons carry.
//
// A button value carries ids only: the finding's fingerprint, the plan id, the change id, the suppression request
// id. The plan itself never travels through Slack; the server re-derives it (or reads the stored one) and checks that
// its id is the one the button names, so a person approves exactly the plan they saw, and a stale button refuses
// rather than applying something else. Slack signs every interaction request (Bolt verifies the signature); on top of that the parser
// below accepts only the exact canonical form Warden writes, so a value that was edited, padded or moved to another
// button is refused with a clear error.

/** `action_id` of each button (each ≤ LIMITS.actionId). */
export const ACTION_IDS = {
  approve: 'warden_approve',
  reject: 'warden_reject',
  snooze: 'warden_snooze',
  acceptRisk: 'warden_accept_risk',
  details: 'warden_details',
  revert: 'warden_revert',
  resume: 'warden_resume',
  approveSuppression: 'warden_approve_suppression',
  rejectSuppression: 'warden_reject_suppression',
} as const;

export type ActionName = keyof typeof ACTION_IDS;
export type ActionId = (typeof ACTION_IDS)[ActionName];

/** `callback_id` of Warden's modals, and the block/action ids of the accept-risk inputs. */
export const VIEW_IDS = {
  acceptRisk: 'warden_accept_risk_view',
  details: 'warden_details_view',
} as const;

export const ACCEPT_RISK_INPUTS = {
  reasonBlock: 'warden_risk_reason',
  reasonAction: 'warden_risk_reason_input',
  expiryBlock: 'warden_risk_expiry',
  expiryAction: 'warden_risk_expiry_input',
} as const;

/** How long "Snooze" snoozes. */
export const SNOOZE_DAYS = 7;

/** What a button (or the accept-risk modal's private_metadata) carries. */
export interface ButtonPayload {
  action: ActionId;
  /** The finding's fingerprint. */
  fingerprint?: string;
  /** The plan the person saw (Approve: required; the server refuses when its current plan has another id). */
  planId?: string;
  /** The change record (Revert). */
  changeId?: string;
  /** The suppression request (its Approve and Reject). */
  suppressionRequestId?: string;
}

/** A button value that is not one Warden wrote. */
export class ButtonValueError extends Error {
  override name = 'ButtonValueError';
}

// Wire format: {"v":1,"a":"<code>","f":"<fingerprint>","p":"<plan id>","c":"<change id>","s":"<suppression request id>"} in exactly this key
// order, absent keys left out, no whitespace: what JSON.stringify writes for the object built by encode().
const VERSION = 1;
const CODES: Record<ActionId, string> = {
  warden_approve: 'ap',
  warden_reject: 'rj',
  warden_snooze: 'sn',
  warden_accept_risk: 'ar',
  warden_details: 'dt',
  warden_revert: 'rv',
  warden_resume: 'rs',
  warden_approve_suppression: 'as',
  warden_reject_suppression: 'js',
};
const BY_CODE = new Map(Object.entries(CODES).map(([action, code]) => [code, action as ActionId]));

/** Ids as Warden makes them (src/model/ids.ts hashId, planners' planId, apply's newChangeId), with room to grow. */
const PLAN_ID = /^plan-[0-9a-f]{8,64}$/;
/** src/slack/suppression-requests.ts suppressionRequestId. */
export const SUPPRESSION_REQUEST_ID = /^suppress-[0-9a-f]{12,64}$/;

type Need = 'required' | 'optional' | 'forbidden';
type Key = 'f' | 'p' | 'c' | 's';
const FIX: Record<'c' | 's', Need> = { c: 'forbidden', s: 'forbidden' };
const FIELDS: Record<ActionId, Record<Key, Need>> = {
  warden_approve: { f: 'required', p: 'required', ...FIX },
  warden_reject: { f: 'required', p: 'optional', ...FIX },
  warden_snooze: { f: 'required', p: 'optional', ...FIX },
  warden_accept_risk: { f: 'required', p: 'optional', ...FIX },
  warden_details: { f: 'required', p: 'optional', ...FIX },
  warden_revert: { f: 'optional', p: 'optional', c: 'required', s: 'forbidden' },
  warden_resume: { f: 'required', p: 'required', ...FIX },
  warden_approve_suppression: { f: 'forbidden', p: 'forbidden', c: 'forbidden', s: 'required' },
  warden_reject_suppression: { f: 'forbidden', p: 'forbidden', c: 'forbidden', s: 'required' },
};

/** The longest value encode() can produce: every id at its longest. Far below LIMITS.buttonValue. */
export const MAX_ENCODED_LENGTH = JSON.stringify({
  v: VERSION,
  a: 'xx',
  f: 'f'.repeat(64),
  p: `plan-${'0'.repeat(64)}`,
  c: `chg-${'0'.repeat(100)}`,
  s: `suppress-${'0'.repeat(64)}`,
}).length;

function fail(message: string): never {
  throw new ButtonValueError(`button value rejected: ${message}`);
}

function checkPayload(payload: ButtonPayload): void {
  const needs = FIELDS[payload.action];
  if (!needs) fail(`unknown action ${JSON.stringify(String(payload.action).slice(0, 40))}`);
  const check = (key: Key, name: string, value: string | undefined, pattern: RegExp): void => {
    const need = needs[key];
    if (value === undefined) {
      if (need === 'required') fail(`${payload.action} needs a ${name}`);
      return;
    }
    if (need === 'forbidden') fail(`${payload.action} takes no ${name}`);
    if (typeof value !== 'string' || !pattern.test(value) || value.includes('..'))
      fail(`${name} ${JSON.stringify(String(value).slice(0, 40))} is not one Warden makes`);
  };
  check('f', 'fingerprint', payload.fingerprint, FINGERPRINT_PREFIX);
  check('p', 'plan id', payload.planId, PLAN_ID);
  check('c', 'change id', payload.changeId, CHANGE_ID);
  check('s', 'suppression request id', payload.suppressionRequestId, SUPPRESSION_REQUEST_ID);
}

/** The button value for `payload`: compact JSON with short keys, at most MAX_ENCODED_LENGTH (< 2,000) characters. */
export function encodeButtonValue(payload: ButtonPayload): string {
  checkPayload(payload);
  const wire: Record<string, string | number> = { v: VERSION, a: CODES[payload.action] };
  if (payload.fingerprint !== undefined) wire.f = payload.fingerprint;
  if (payload.planId !== undefined) wire.p = payload.planId;
  if (payload.changeId !== undefined) wire.c = payload.changeId;
  if (payload.suppressionRequestId !== undefined) wire.s = payload.suppressionRequestId;
  const value = JSON.stringify(wire);
  if (value.length > LIMITS.buttonValue) fail(`${value.length} characters, more than Slack's ${LIMITS.buttonValue}`);
  return value;
}

/**
 * Reads a button value (or private_metadata) back. Refuses, with a ButtonValueError naming the reason: anything not
 * a string, longer than Warden ever writes (checked before parsing), not JSON, not Warden's exact canonical form
 * (edited, reordered, padded, duplicate or unknown keys), of another version, with an id that is not of Warden's
 * shape, missing an id the action needs, or, when `expected` is given, written for another button than the one
 * clicked (Slack's `action_id`).
 */
export function parseButtonValue(value: unknown, expected?: ActionId): ButtonPayload {
  if (typeof value !== 'string') fail(`expected a string, got ${value === null ? 'null' : typeof value}`);
  if (value.length > MAX_ENCODED_LENGTH)
    fail(`${value.length} characters, longer than any value Warden writes (${MAX_ENCODED_LENGTH})`);
  let wire: unknown;
  try {
    wire = JSON.parse(value);
  } catch {
    fail('not JSON');
  }
  if (wire === null || typeof wire !== 'object' || Array.isArray(wire)) fail('not a JSON object');
  const record = wire as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((k) => !['v', 'a', 'f', 'p', 'c', 's'].includes(k));
  if (unknownKeys.length > 0) fail(`unknown key ${JSON.stringify(unknownKeys[0]?.slice(0, 20))}`);
  if (record.v !== VERSION) fail(`version ${JSON.stringify(record.v)}, expected ${VERSION}`);
  const action = typeof record.a === 'string' ? BY_CODE.get(record.a) : undefined;
  if (!action) fail(`unknown action code ${JSON.stringify(record.a)}`);
  for (const key of ['f', 'p', 'c', 's'] as const)
    if (key in record && typeof record[key] !== 'string') fail(`${key} is not a string`);
  const payload: ButtonPayload = { action };
  if (record.f !== undefined) payload.fingerprint = record.f as string;
  if (record.p !== undefined) payload.planId = record.p as string;
  if (record.c !== undefined) payload.changeId = record.c as string;
  if (record.s !== undefined) payload.suppressionRequestId = record.s as string;
  checkPayload(payload);
  if (encodeButtonValue(payload) !== value) fail('not in the canonical form Warden writes (edited?)');
  if (expected !== undefined && action !== expected)
    fail(`written for ${action}, but the button clicked is ${expected}`);
  return payload;
}
