import type { AppPorts } from '../../src/app/ports.ts';
import { defaultConfig, defaultSlackConfig } from '../../src/config/schema.ts';
import type { Estate, Finding } from '../../src/model/types.ts';
import type { Scope } from '../../src/ports/live.ts';
import type { CompleteScope, SeenResult, StateStore, TrailInput } from '../../src/store/state.ts';

// The use cases' ports around one read estate: the clouds answer it for one scope, the store records
// what each audit saw (findings, and the groups read completely) and the trail; nothing is posted.

export function appRig(estate: Estate, scope: Scope, now: Date) {
  const recorded: { findings: readonly Finding[]; complete: readonly CompleteScope[] }[] = [];
  const trail: TrailInput[] = [];
  const seen: SeenResult = { new: [], open: [], reopened: [], resolved: [], suppressed: [], unsuppressed: [] };
  const store = {
    findings: {
      recordSeen: async (findings: readonly Finding[], _now: Date, complete: readonly CompleteScope[]) => {
        recorded.push({ findings, complete });
        return seen;
      },
    },
    suppressions: { activeSuppressions: async () => [] },
    approvals: { requestApproval: async () => undefined },
    trail: { log: async (entry: TrailInput) => void trail.push(entry) },
  } as unknown as StateStore;
  const ports = {
    config: defaultConfig(),
    settings: { ...defaultSlackConfig(), channel: 'C0DEFAULT' },
    store,
    clouds: {
      adapters: async () => [],
      read: async () => ({ estate, snapshots: [{ ...scope, pages: [] }] }),
    },
    configFor: () => defaultConfig(),
    notifier: { isPerson: () => false },
    now: () => now,
  } as unknown as AppPorts;
  return { ports, recorded, trail };
}
