import type { SecurityGroupChange } from '../ports/realtime.ts';
import { auditScope } from './audit-scope.ts';
import type { ScopeOutcome } from './audit-scope.ts';
import type { AppPorts } from './ports.ts';
import { recordTrail } from './trail.ts';

/** A security group that changed (a CloudTrail, ActionTrail or CTS event), as the realtime parsers read it. */
export type GroupChange = Omit<SecurityGroupChange, 'eventId' | 'at'>;

/** Real time: audits just the changed group (or its whole scope when the event names none), resolves what the change fixed, posts what it opened. */
export async function auditGroup(ports: AppPorts, change: GroupChange): Promise<ScopeOutcome> {
  const { outcome } = await auditScope(ports, {
    providers: [change.provider],
    filter: { regions: [change.region], accounts: [change.account] },
    ...(change.groupId !== undefined ? { groupId: change.groupId } : {}),
    ...(change.setId !== undefined ? { setId: change.setId } : {}),
    config: ports.configFor(change, 'read'),
    requester: change.actor ? `realtime:${change.actor}` : 'realtime',
    channel: ports.settings.channel,
  });
  await recordTrail(
    ports,
    'realtime',
    'audit-group',
    `${change.provider}/${change.account}/${change.region}/${change.groupId ?? (change.setId ? `groups naming ${change.setId}` : '*')}`,
    outcome.scanError
      ? `partial: ${outcome.scanError}`
      : `ok: ${outcome.findings} findings, ${outcome.new} new, ${outcome.resolved} resolved`,
    `${change.eventName}${change.actor ? ` by ${change.actor}` : ''}`,
  );
  return outcome;
}
