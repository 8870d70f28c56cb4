import { isRecord } from '../../src/lib/record.ts';
import type { InterfaceTarget, SecurityGroupChange } from '../../src/ports/realtime.ts';

// What the clouds' real-time event parsers (adapters/<provider>/events.ts) share: bounded one-line
// reasons, safe reads of untrusted JSON, and the changes they build. The parsers never throw on bad
// input, they say why they ignored it.

const MAX_REASON = 300;

/** An ignored result whose reason is one line of bounded length, whatever the input put into it. */
export function ignored(reason: string): { ignored: string } {
  return { ignored: oneLine(reason) };
}

export function oneLine(text: string): string {
  const flat = text.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat;
}

/** `value` as a quoted, bounded, one-line string for reasons (input values may be anything). */
export function quote(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : typeof value;
  return JSON.stringify(oneLine(text).slice(0, 80));
}

export type JsonRecord = Record<string, unknown>;

/** `value` when it is a non-empty string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The record at `path` below `value`, or undefined. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** `body` as a JSON value: objects pass through, strings are parsed; undefined when a string is not JSON. */
export function jsonOf(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** One change per group id, in first-seen order. */
export function changesFor(
  groupIds: Iterable<string>,
  base: Omit<SecurityGroupChange, 'groupId'>,
): { changes: SecurityGroupChange[] } {
  const unique = [...new Set(groupIds)];
  return { changes: unique.map((groupId) => withoutUndefined({ ...base, groupId })) };
}

function withoutUndefined(change: SecurityGroupChange): SecurityGroupChange {
  const out: SecurityGroupChange = {
    provider: change.provider,
    account: change.account,
    region: change.region,
    ...(change.groupId !== undefined ? { groupId: change.groupId } : {}),
    ...(change.setId !== undefined ? { setId: change.setId } : {}),
    ...(change.interfaceId !== undefined ? { interfaceId: change.interfaceId } : {}),
    ...(change.instanceId !== undefined ? { instanceId: change.instanceId } : {}),
    eventName: change.eventName,
    eventId: change.eventId,
  };
  if (change.actor !== undefined) out.actor = change.actor;
  if (change.at !== undefined) out.at = change.at;
  return out;
}

/** A change of a prefix list or address group: the groups of the scope that name it are to be audited. */
export function setChange(
  setId: string,
  base: Omit<SecurityGroupChange, 'groupId' | 'setId'>,
): { changes: SecurityGroupChange[] } {
  return { changes: [withoutUndefined({ ...base, setId })] };
}

/** One change of a group the record does not name: its whole scope is to be audited. */
export function scopeChange(base: Omit<SecurityGroupChange, 'groupId'>): { changes: SecurityGroupChange[] } {
  return { changes: [withoutUndefined(base)] };
}

/**
 * The changes of calls on interfaces or instances: one per named group of each target (each naming
 * its interface or instance), or one per target when the record names no group for it.
 */
export function interfaceChanges(
  targets: readonly (InterfaceTarget & { groupIds: readonly string[] })[],
  base: Omit<SecurityGroupChange, 'groupId' | 'setId' | 'interfaceId' | 'instanceId'>,
): { changes: SecurityGroupChange[] } {
  const changes = targets.flatMap(({ groupIds, ...target }) =>
    groupIds.length === 0
      ? [withoutUndefined({ ...base, ...target })]
      : [...new Set(groupIds)].map((groupId) => withoutUndefined({ ...base, ...target, groupId })),
  );
  return { changes };
}

/** An ISO 8601 string for an ISO string or epoch-milliseconds value, or undefined when it is neither. */
export function isoTime(value: unknown): string | undefined {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** `run()`, or `fallback` if it throws: the parsers' promise never to throw, even on hostile objects (throwing getters, proxies). */
export function safely<T>(fallback: () => T, run: () => T): T {
  try {
    return run();
  } catch {
    return fallback();
  }
}
