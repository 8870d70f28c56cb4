import type { ChangeParse } from '../../src/realtime/change.ts';

// Reading a parser's result in the realtime tests: the group ids it found, or why it ignored the event.

export function groupIds(result: ChangeParse): string[] {
  if (!('changes' in result)) throw new Error(`expected changes, got ignored: ${result.ignored}`);
  return result.changes.map((change) => change.groupId);
}

export function reasonOf(result: ChangeParse): string {
  if (!('ignored' in result)) throw new Error(`expected ignored, got ${JSON.stringify(result.changes)}`);
  return result.ignored;
}
