import type { LiveAdapter, ScopeFilter } from '../ports/live.ts';
import { auditEstate } from '../analysis/audit.ts';
import type { AuditReport, ReadBeside } from '../analysis/audit.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Estate, Provider } from '../model/types.ts';
import { interfacesOfChange } from '../realtime/interface-change.ts';
import { groupsNamingSet } from '../realtime/set-change.ts';
import { splitSuppressed } from '../store/state.ts';
import type { CompleteScope, SuppressedFinding } from '../store/state.ts';
import type { Suppression } from '../model/suppression.ts';
import { safeErrorText } from './error-text.ts';
import { focusOnGroups } from './focus-groups.ts';
import type { AppPorts } from './ports.ts';
import { UseCaseError } from './ports.ts';

// Running an audit: read the clouds' scopes and evaluate them, the suppressed findings set apart.

export interface ScopeRead {
  /** What was audited: all that was read, or (for some groups' audit) those groups and the interfaces carrying them. */
  estate: Estate;
  /** For some groups' audit: the other groups read, which decide those interfaces with them (`withBeside`). */
  beside?: ReadBeside;
  report: AuditReport;
  adapters: LiveAdapter[];
  /** Scopes (or, for one group's audit, that group of them) read completely: where "not seen" means resolved. */
  complete: CompleteScope[];
  /** The findings a suppression hides (not in `report.findings`): still there, recorded as suppressed. */
  suppressed: SuppressedFinding[];
  /** The suppressions active when the scan was made. */
  suppressions: Suppression[];
}

export interface ReadRequest {
  providers: readonly Provider[];
  filter: ScopeFilter;
  /** Only this group is audited. */
  groupId?: string;
  /** Only the groups that name this prefix list or address group are audited. */
  setId?: string;
  /**
   * Only the groups this interface carries (with `groupId` besides), read from the scope's interface
   * listing; the whole scope when the listing does not hold it.
   */
  interfaceId?: string;
  /** Only the groups of this instance's interfaces, likewise (when no `interfaceId` is found). */
  instanceId?: string;
  /** Replaces the config for reading (one scope of a run, with its member-account role). */
  config?: WardenConfig;
}

/** Reads the providers' scopes (narrowed by the request) and audits them; suppressed findings are set apart. */
export async function readScope(
  ports: Pick<AppPorts, 'config' | 'store' | 'clouds' | 'now'>,
  request: ReadRequest,
): Promise<ScopeRead> {
  const { config, store, now } = ports;
  const { providers, filter, groupId, setId } = request;
  if (providers.length === 0)
    throw new UseCaseError('no provider is configured (providers.aws, …) and none was asked for');
  const adapters = await ports.clouds.adapters(providers, request.config ?? config);
  const read = await ports.clouds.read(adapters, filter);
  // A scope's error text comes from an SDK or an HTTP body: cut and masked before it reaches anyone.
  let estate: Estate = {
    ...read.estate,
    scanErrors: read.estate.scanErrors.map((e) => ({ ...e, message: safeErrorText(e.message) })),
  };
  let complete: CompleteScope[] = read.snapshots.map((s) => ({
    provider: s.provider,
    account: s.account,
    region: s.region,
  }));
  let beside: ReadBeside | undefined;
  const onInterface = request.interfaceId !== undefined || request.instanceId !== undefined;
  const changed = onInterface ? interfacesOfChange(estate.interfaces, request) : [];
  // An interface or instance not in the listing (not read, or gone): its whole scope is audited.
  if (!onInterface || changed.length > 0) {
    const groupIds = onInterface
      ? [...new Set([...changed.flatMap((item) => item.groupIds), ...(groupId !== undefined ? [groupId] : [])])]
      : groupId !== undefined
        ? [groupId]
        : setId !== undefined
          ? groupsNamingSet(estate.groups, setId)
          : undefined;
    if (groupIds !== undefined) {
      const focus = focusOnGroups(estate, groupIds);
      estate = focus.estate;
      beside = focus.beside;
      // Only these groups are looked at: only their findings, and those of the group sets of the
      // interfaces carrying them (each judged with all of its groups), may be taken as resolved.
      const resolvable = [...new Set([...groupIds, ...focus.setIds])];
      complete = complete.flatMap((scope) => resolvable.map((id) => ({ ...scope, groupId: id })));
    }
  }
  const full = auditEstate(estate, config, beside);
  const suppressions = await store.suppressions.activeSuppressions(now());
  const { reported, suppressed } = splitSuppressed(full.findings, suppressions, now());
  return {
    estate,
    ...(beside ? { beside } : {}),
    adapters,
    complete,
    suppressed,
    suppressions,
    report: { findings: reported, summary: full.summary },
  };
}
