import type { SecurityGroupChange } from '../ports/realtime.ts';
import { auditScope } from './audit-scope.ts';
import type { ScopeOutcome } from './audit-scope.ts';
import type { AppPorts } from './ports.ts';
import { recordTrail } from './trail.ts';

/** A security group that changed (a CloudTrail, ActionTrail or CTS event), as the realtime parsers read it. */
export type GroupChange = Omit<SecurityGroupChange, 'eventId' | 'at'>;

/**
 * Real time: audits just the changed group — or the groups a changed interface or instance carries, or
 * its whole scope when the event names none (or the interface is not in the scope's listing) —,
 * resolves what the change fixed, posts what it opened.
 */
export async function auditGroup(ports: AppPorts, change: GroupChange): Promise<ScopeOutcome> {
  const { outcome } = await auditScope(ports, {
    providers: [change.provider],
    filter: { regions: [change.region], accounts: [change.account] },
    ...(change.groupId !== undefined ? { groupId: change.groupId } : {}),
    ...(change.setId !== undefined ? { setId: change.setId } : {}),
    ...(change.interfaceId !== undefined ? { interfaceId: change.interfaceId } : {}),
    ...(change.instanceId !== undefined ? { instanceId: change.instanceId } : {}),
    config: ports.configFor(change, 'read'),
    requester: change.actor ? `realtime:${change.actor}` : 'realtime',
    channel: ports.settings.channel,
  });
  await recordTrail(
    ports,
    'realtime',
    'audit-group',
    `${change.provider}/${change.account}/${change.region}/${changeSubject(change)}`,
    outcome.scanError
      ? `partial: ${outcome.scanError}`
      : `ok: ${outcome.findings} findings, ${outcome.new} new, ${outcome.resolved} resolved`,
    `${change.eventName}${change.actor ? ` by ${change.actor}` : ''}`,
  );
  return outcome;
}

/** What a change is about, for the trail: the interface or instance, the group, the groups naming a set, or the scope. */
function changeSubject(change: GroupChange): string {
  if (change.interfaceId !== undefined) return `interface ${change.interfaceId}`;
  if (change.instanceId !== undefined) return `instance ${change.instanceId}`;
  return change.groupId ?? (change.setId ? `groups naming ${change.setId}` : '*');
}
