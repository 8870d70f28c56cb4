import { randomBytes } from 'node:crypto';
import { mapLimit } from '../../lib/pool.ts';
import type { TrailEntry, AuditTrail } from '../state.ts';
import { writeIf } from './conditional.ts';
import { optionalStringsOf, required, stringsOf, TABLE_KEYS } from './table.ts';
import type { Item, Table } from './table.ts';

// The audit trail: `AUDIT#<yyyy-mm-dd>` / `<at>#<seq>`, and by target in gsi1 (`TARGET#<target>`).

const MAX_AUDIT_DAYS = 400;

/** Per-process order for entries written in the same millisecond. */
let trailSequence = 0;

function toAuditEntry(item: Item): TrailEntry {
  return {
    id: item['sk'] as string,
    ...stringsOf(item, ['at', 'actor', 'action', 'target', 'outcome']),
    ...optionalStringsOf(item, ['detail']),
  };
}

export function createAuditTrail(table: Table): AuditTrail {
  const { queryAll } = table;
  return {
    async log(input) {
      const at = input.at.toISOString();
      const id = `${at}#${(trailSequence++ % 1e9).toString().padStart(9, '0')}#${randomBytes(3).toString('hex')}`;
      const entry: TrailEntry = {
        id,
        at,
        actor: required(input.actor, 'actor'),
        action: required(input.action, 'action'),
        target: required(input.target, 'target'),
        outcome: required(input.outcome, 'outcome'),
      };
      if (input.detail !== undefined) entry.detail = input.detail;
      const written = await writeIf(table, {
        Item: {
          pk: `AUDIT#${at.slice(0, 10)}`,
          sk: id,
          type: 'audit',
          ...entry,
          gsi1pk: `TARGET#${entry.target}`,
          gsi1sk: id,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      // An entry is never overwritten: the same id twice is a broken sequence, not a lost race.
      if (!written.written) throw new Error(`audit entry ${id} exists already`);
      return entry;
    },

    async entries({ from, to }) {
      if (!(from.getTime() < to.getTime())) return [];
      const days: string[] = [];
      for (
        let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
        day < to.getTime();
        day += 86_400_000
      ) {
        days.push(new Date(day).toISOString().slice(0, 10));
      }
      if (days.length > MAX_AUDIT_DAYS)
        throw new Error(`audit range spans ${days.length} days; at most ${MAX_AUDIT_DAYS} per call`);
      const pages = await mapLimit(days, table.concurrency, (day) =>
        queryAll({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // `to` is exclusive: every id at `to` starts with `<to>#`, which sorts after `<to>` itself.
          ExpressionAttributeValues: { ':pk': `AUDIT#${day}`, ':from': from.toISOString(), ':to': to.toISOString() },
          ConsistentRead: true,
        }),
      );
      return pages.flat().map(toAuditEntry);
    },

    async forTarget(target) {
      const items = await queryAll({
        IndexName: TABLE_KEYS.gsi1,
        KeyConditionExpression: 'gsi1pk = :g',
        ExpressionAttributeValues: { ':g': `TARGET#${required(target, 'target')}` },
      });
      return items.map(toAuditEntry);
    },
  };
}
