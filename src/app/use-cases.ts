import { auditGroup } from './audit-group.ts';
import type { GroupChange } from './audit-group.ts';
import { scanScope } from './audit-scope.ts';
import type { ScopeMessage, ScopeOutcome } from './audit-scope.ts';
import { finishRun } from './finish-run.ts';
import type { AppPorts } from './ports.ts';
import { recoverStuckApplies } from './recover-stuck.ts';

/** The use cases the Lambda functions run (not Slack jobs), bound to their ports once per container. */
export interface UseCases {
  /** One scope of a fanned-out run: audits, records, posts. Throws only when it could not record (the queue retries). */
  scanScope(message: ScopeMessage): Promise<ScopeOutcome>;
  /** Posts a run's digest from its recorded scopes, once; false when it was posted already. */
  finishRun(runId: string): Promise<boolean>;
  /** Real time: audits just the changed group (or its whole scope), resolves what the change fixed, posts what it opened. */
  auditGroup(change: GroupChange): Promise<ScopeOutcome>;
  /** The apply function's schedule tick: recovers applies and reverts whose process died; answers the fixes' plan ids. */
  recoverStuckApplies(): Promise<string[]>;
}

export function bindUseCases(ports: AppPorts): UseCases {
  return {
    scanScope: (message) => scanScope(ports, message),
    finishRun: (runId) => finishRun(ports, runId),
    auditGroup: (change) => auditGroup(ports, change),
    recoverStuckApplies: () => recoverStuckApplies(ports),
  };
}
