import { randomUUID } from 'node:crypto';
import { createAdapters } from '../../adapters/live-registry.ts';
import type { Scope, ScopeFilter } from '../../src/ports/live.ts';
import type { OrganizationsSender, ProviderModule } from '../../adapters/provider-module.ts';
import { PROVIDER_MODULES } from '../../adapters/providers.ts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { PROVIDERS } from '../../src/model/types.ts';
import type { Provider } from '../../src/model/types.ts';
import type { ScopeMessage } from '../../src/app/audit-scope.ts';
import type { UseCases } from '../../src/app/use-cases.ts';
import type { StateStore } from '../../src/store/state.ts';
import { requiredEnv } from './env.ts';
import { logger, metrics, MetricUnit } from './observability.ts';
import { sendAll } from './queues.ts';
import type { SqsSender } from './queues.ts';

// A fanned-out run: the estate (or the part a Slack `/warden audit` asks for) split into scopes,
// one SQS message each for the scan function, and the run recorded so that its last scope posts
// the digest. Started by the schedule, and by on-demand audits in production.

export type { OrganizationsSender } from '../../adapters/provider-module.ts';

export function newRunId(now: Date): string {
  return `run-${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
}

/** Every scope of the configured estate, each with the role that reaches it. */
export async function planScopes(
  config: WardenConfig,
  env: NodeJS.ProcessEnv,
  organizations?: OrganizationsSender,
): Promise<Omit<ScopeMessage, 'runId'>[]> {
  const out: Omit<ScopeMessage, 'runId'>[] = [];
  const extra: Omit<ScopeMessage, 'runId'>[] = [];
  for (const provider of PROVIDERS) {
    if (!config.providers[provider]) continue;
    const [adapter] = await createAdapters([provider], config, env);
    const scopes: Scope[] = await (adapter as NonNullable<typeof adapter>).scopes();
    const module: ProviderModule = PROVIDER_MODULES[provider];
    for (const scope of scopes) out.push({ type: 'scope', ...scope, ...module.scanRole?.(config, scope.account) });
    for (const scope of (await module.extraScopes?.(config, scopes, organizations)) ?? [])
      extra.push({ type: 'scope', ...scope });
  }
  return [...out, ...extra];
}

/** The planned scopes that `filter` (and `providers`, when given) keep. */
export function narrowScopes<T extends Scope>(
  scopes: readonly T[],
  providers: readonly Provider[] | undefined,
  filter: ScopeFilter,
): T[] {
  return scopes.filter(
    (s) =>
      (!providers || providers.includes(s.provider)) &&
      (!filter.accounts || filter.accounts.includes(s.account)) &&
      (!filter.regions || filter.regions.includes(s.region)),
  );
}

export interface StartRunOptions {
  runId: string;
  trigger: string;
  now: Date;
  /** Where the digest and the findings go; default slack.channel. */
  channel?: string;
  providers?: readonly Provider[];
  filter?: ScopeFilter;
  organizations?: OrganizationsSender;
  sqs?: SqsSender;
}

/** What starting a run needs (a function's runtime has it). */
export interface RunDeps {
  config: WardenConfig;
  env: NodeJS.ProcessEnv;
  store: Pick<StateStore, 'runs'>;
  sqs: SqsSender;
  useCases: Pick<UseCases, 'finishRun'>;
}

/** Plans the scopes, records the run, and queues one message per scope; returns how many. */
export async function startRun(runtime: RunDeps, options: StartRunOptions): Promise<{ scopes: number; sent: number }> {
  const { config, env, store } = runtime;
  const planned = narrowScopes(
    await planScopes(config, env, options.organizations),
    options.providers,
    options.filter ?? {},
  );
  // An on-demand run that selects nothing is answered as such by its caller: no run, no clean digest.
  if (planned.length === 0 && (options.filter?.regions || options.filter?.accounts || options.providers))
    return { scopes: 0, sent: 0 };
  const channel = options.channel ?? config.slack?.channel;
  const messages: ScopeMessage[] = planned.map((s) => ({
    ...s,
    runId: options.runId,
    ...(options.channel ? { channel: options.channel } : {}),
  }));
  await store.runs.start({
    runId: options.runId,
    expected: messages.length,
    trigger: options.trigger,
    now: options.now,
    ...(channel ? { channel } : {}),
  });
  if (messages.length === 0) {
    // Nothing to wait for: the digest (an empty one) is due now.
    await runtime.useCases.finishRun(options.runId);
    return { scopes: 0, sent: 0 };
  }
  const sent = await sendAll(options.sqs ?? runtime.sqs, requiredEnv(env, 'WARDEN_SCAN_QUEUE_URL'), messages);
  logger.info('run started', { runId: options.runId, trigger: options.trigger, scopes: messages.length, sent });
  metrics.addMetric('ScopesQueued', MetricUnit.Count, sent);
  return { scopes: messages.length, sent };
}
