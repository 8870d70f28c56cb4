import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ExposureMeasure } from '../../model/types.ts';
import type { FindingStore, SuppressionStore } from '../state.ts';
import type { Suppression, SuppressionKind, SuppressionTarget } from '../../model/suppression.ts';
import { writeIf } from './conditional.ts';
import { epochSeconds, required } from './table.ts';
import type { Item, Table } from './table.ts';

// Suppressions: `SUPPRESSION` / `FINDING#<fp>` | `CHECK#<id>`, expiring (TTL) when they end.

function suppressionKey(target: SuppressionTarget): string {
  if ('fingerprint' in target) return `FINDING#${required(target.fingerprint, 'suppression target fingerprint')}`;
  return `CHECK#${required(target.check, 'suppression target check')}`;
}

function toSuppression(item: Item): Suppression {
  return {
    target: item['target'] as SuppressionTarget,
    by: item['by'] as string,
    reason: item['reason'] as string,
    at: item['at'] as string,
    until: item['until'] as string,
    ...(item['accepted'] ? { accepted: item['accepted'] as ExposureMeasure } : {}),
    ...(typeof item['kind'] === 'string' ? { kind: item['kind'] as SuppressionKind } : {}),
    ...(typeof item['revokedBy'] === 'string'
      ? { revokedBy: item['revokedBy'], revokedAt: item['revokedAt'] as string }
      : {}),
  };
}

/** `findings`: to suppress a finding under its current fingerprint, with what it exposes. */
export function createSuppressionStore(table: Table, findings: Pick<FindingStore, 'get'>): SuppressionStore {
  const { client, getItem, queryAll } = table;
  return {
    async suppress({ target, kind, by, reason, until, now = table.clock() }) {
      if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime())
        throw new Error(`a suppression must end in the future (until ${until.toISOString()})`);
      // A finding is suppressed under its current fingerprint (an old button may name a legacy one), with what it exposes.
      const known =
        'fingerprint' in target
          ? await findings.get(required(target.fingerprint, 'suppression target fingerprint'))
          : undefined;
      const suppression: Suppression = {
        target:
          'fingerprint' in target ? { fingerprint: known?.fingerprint ?? target.fingerprint } : { check: target.check },
        ...(kind ? { kind } : {}),
        by: required(by, 'by'),
        reason: required(reason, 'reason'),
        at: now.toISOString(),
        until: until.toISOString(),
        ...(known?.finding.exposure ? { accepted: known.finding.exposure } : {}),
      };
      await client.send(
        new PutCommand({
          TableName: table.name,
          Item: {
            pk: 'SUPPRESSION',
            sk: suppressionKey(suppression.target),
            type: 'suppression',
            ...suppression,
            expiresAt: Math.ceil(until.getTime() / 1000),
          },
        }),
      );
      return suppression;
    },

    async activeSuppressions(now) {
      // TTL deletion is lazy: expired items may still be there, so expiry is checked here too.
      const items = await queryAll({
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'expiresAt > :nowSeconds',
        ExpressionAttributeValues: { ':pk': 'SUPPRESSION', ':nowSeconds': epochSeconds(now) },
        ConsistentRead: true,
      });
      return items.map(toSuppression).filter((s) => Date.parse(s.until) > now.getTime() && s.revokedBy === undefined);
    },

    async revoke({ target, by, now }) {
      const written = await writeIf(table, {
        Key: { pk: 'SUPPRESSION', sk: suppressionKey(target) },
        UpdateExpression: 'SET revokedBy = :by, revokedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedBy) AND #until > :now',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':by': required(by, 'by'), ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      });
      return written.written && written.item ? toSuppression(written.item) : undefined;
    },

    async isSuppressed(finding, now) {
      const targets: SuppressionTarget[] = [{ fingerprint: finding.fingerprint }, { check: finding.check }];
      if (finding.legacyFingerprint) targets.push({ fingerprint: finding.legacyFingerprint });
      const items = await Promise.all(targets.map((target) => getItem('SUPPRESSION', suppressionKey(target))));
      return items.some(
        (item) =>
          item !== undefined && Date.parse(item['until'] as string) > now.getTime() && item['revokedBy'] === undefined,
      );
    },
  };
}
