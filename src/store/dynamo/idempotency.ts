import type { IdempotencyStore } from '../state.ts';
import { writeIf } from './conditional.ts';
import { epochSeconds, required } from './table.ts';
import type { Table } from './table.ts';

// Request ids claimed once: `REQUEST#<id>` / `REQUEST`, expiring (TTL) with the claim.

export function createIdempotencyStore(table: Table): IdempotencyStore {
  return {
    async claim(requestId, ttlSeconds, now = table.clock()) {
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
        throw new Error(`ttlSeconds must be positive, not ${ttlSeconds}`);
      const nowSeconds = epochSeconds(now);
      const written = await writeIf(table, {
        Item: {
          pk: `REQUEST#${required(requestId, 'request id')}`,
          sk: 'REQUEST',
          type: 'request',
          claimedAt: now.toISOString(),
          expiresAt: nowSeconds + Math.ceil(ttlSeconds),
        },
        // An expired claim may linger until TTL deletes it: it no longer counts.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': nowSeconds },
      });
      return written.written;
    },

    async release(requestId, now = table.clock()) {
      // Expired as of now (not deleted: only Put/Update are granted on REQUEST# items); TTL removes it. Not written: no claim.
      await writeIf(table, {
        Key: { pk: `REQUEST#${required(requestId, 'request id')}`, sk: 'REQUEST' },
        UpdateExpression: 'SET expiresAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      });
    },
  };
}
