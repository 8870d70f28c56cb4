import type { ScopeFilter } from '../ports/live.ts';
import type { Provider } from '../model/types.ts';
import { asCode, text } from './notice.ts';
import type { AppPorts, Asker } from './ports.ts';
import { channelOf, UseCaseError } from './ports.ts';
import { newlyReported, publish, recordRead } from './publish.ts';
import { readScope } from './read-scope.ts';
import { recordTrail } from './trail.ts';

// An audit a person asks for: fanned out as a run (one queue message per scope) when the caller can, else read
// here, with its digest and findings posted in the person's channel.

export interface OnDemandAudit {
  providers: Provider[];
  filter: ScopeFilter;
  groupId?: string;
  /** What was asked for, as the audit trail names it (provider/account/region/group, or `*`). */
  label: string;
}

/** Starts a run over the scopes a request names (one queue message per scope); its id and how many scopes it has. */
export type FanOut = (request: {
  providers: Provider[];
  filter: ScopeFilter;
  channel: string;
  user: string;
}) => Promise<{ runId: string; scopes: number }>;

/** Queued as a run of `scopes` scopes (its digest follows when the last is done), or audited and posted here. */
export type OnDemandOutcome = { queued: number } | { audited: { findings: number; new: number; resolved: number } };

export async function auditOnDemand(
  ports: AppPorts,
  asker: Asker,
  request: OnDemandAudit,
  fanOut?: FanOut,
): Promise<OnDemandOutcome> {
  const { notifier } = ports;
  const channel = channelOf(asker);
  if (fanOut && request.groupId === undefined) {
    if (request.providers.length === 0)
      throw new UseCaseError('no provider is configured (providers.aws, …) and none was asked for');
    const { runId, scopes } = await fanOut({
      providers: request.providers,
      filter: request.filter,
      channel,
      user: asker.user,
    });
    await recordTrail(ports, asker.user, 'audit', request.label, `queued: ${scopes} scopes`, runId);
    return { queued: scopes };
  }
  const result = await readScope(ports, {
    providers: request.providers,
    filter: request.filter,
    ...(request.groupId !== undefined ? { groupId: request.groupId } : {}),
  });
  // Asked for something that is not there: say so, never a clean digest.
  if (result.estate.scanErrors.length === 0) {
    if (result.complete.length === 0)
      throw new UseCaseError(text`no configured scope matches ${asCode(request.label, 120)}: nothing was audited`);
    if (request.groupId !== undefined && result.estate.groups.length === 0)
      throw new UseCaseError(text`group ${asCode(request.groupId, 80)} is not in the scopes read: nothing was audited`);
  }
  const seen = await recordRead(ports, result);
  const toPost = newlyReported(seen);
  const delta = { new: toPost.map((s) => s.finding), resolved: seen.resolved.map((s) => s.finding) };

  await notifier.post({ channel }, { kind: 'digest', summary: result.report.summary, delta });
  const { posted, updated } = await publish(ports, seen, result, channel, asker.user);

  await recordTrail(
    ports,
    asker.user,
    'audit',
    request.label,
    `ok: ${result.report.findings.length} findings, ${toPost.length} new, ${seen.resolved.length} resolved, ${seen.suppressed.length} suppressed`,
    `${posted} posted, ${updated} marked resolved${result.report.summary.partial ? ', partial' : ''}`,
  );
  return {
    audited: { findings: result.report.findings.length, new: toPost.length, resolved: seen.resolved.length },
  };
}
