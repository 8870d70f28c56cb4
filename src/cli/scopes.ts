import { listScopes } from '../../adapters/live-estate.ts';
import type { ListedScopes } from '../../adapters/live-estate.ts';
import { createAdapters } from '../../adapters/live-registry.ts';
import { PROVIDER_MODULES } from '../../adapters/providers.ts';
import type { LiveAdapter, Scope, ScopeFilter } from '../ports/live.ts';
import { issueMessage } from '../config/load.ts';
import { configSchema } from '../config/schema.ts';
import type { WardenConfig } from '../config/schema.ts';
import { descriptorNamed, descriptorOf } from '../model/providers/index.ts';
import type { Provider } from '../model/types.ts';
import { errorText } from '../lib/errors.ts';

// What a live audit reads: the scopes the config lists (or, without a config section for a
// provider, the ones the options and credentials give), narrowed by --regions / --accounts.
// Asking for something that selects nothing is an error, never an empty, clean report.

/** A request for scopes that selects nothing, or cannot be met without a config: a usage error. */
export class ScopeError extends Error {}

/** Where a project id comes from when the config names none (per region, so only with one region). */
function projectEnv(provider: string): string | undefined {
  return descriptorNamed(provider)?.implicitSection?.projectEnv;
}

/**
 * The config with a section for each requested provider it has none for, made from --regions and
 * the environment: AWS reads the default credentials' own account, Alibaba the credentials'
 * account, Huawei and OTC the project of the environment in the one region given.
 */
export function withImplicitProviders(
  config: WardenConfig,
  providers: readonly Provider[],
  regions: readonly string[] | undefined,
  env: NodeJS.ProcessEnv,
  configPath: string | undefined,
): WardenConfig {
  const missing = providers.filter((p) => config.providers[p] === undefined);
  if (missing.length === 0) return config;
  const sections: Record<string, unknown> = {};
  for (const provider of missing) {
    const without = `${configPath ? `${configPath} has no providers.${provider}` : `no config file lists providers.${provider}`}`;
    if (!regions?.length) {
      const notFrom = descriptorOf(provider).implicitSection?.regionsNotFrom;
      const regionEnv = notFrom ? `; ${notFrom} do not count` : '';
      throw new ScopeError(`--provider ${provider} needs --regions (${without}${regionEnv})`);
    }
    const projectVariable = projectEnv(provider);
    if (projectVariable === undefined) {
      sections[provider] = { regions: [...regions] };
      continue;
    }
    if (regions.length !== 1)
      throw new ScopeError(
        `--provider ${provider} reads one region when ${without} (project ids are per region); got --regions ${regions.join(',')}`,
      );
    const projectId = env[projectVariable]?.trim();
    if (!projectId)
      throw new ScopeError(
        `--provider ${provider} needs ${projectVariable} (the project id in ${regions[0]}) when ${without}`,
      );
    sections[provider] = { regions: [{ region: regions[0], projectId }] };
  }
  const parsed = configSchema.safeParse({ providers: sections });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const value = issue?.path.includes('projectId')
      ? projectEnv(String(issue.path[1]))
      : `--regions ${regions?.join(',')}`;
    throw new ScopeError(
      `${value}: ${issue ? `${issue.path.slice(1).join('.')}: ${issueMessage(issue, { providers: sections })}` : 'invalid'}`,
    );
  }
  return {
    ...config,
    providers: { ...config.providers, ...Object.fromEntries(missing.map((p) => [p, parsed.data.providers[p]])) },
  };
}

function narrow(scopes: readonly Scope[], filter: ScopeFilter): Scope[] {
  return scopes.filter(
    (s) =>
      (!filter.regions || filter.regions.includes(s.region)) &&
      (!filter.accounts || filter.accounts.includes(s.account)),
  );
}

function known(listed: readonly { adapter: LiveAdapter; scopes: Scope[] }[], field: 'region' | 'account'): string {
  return listed
    .map(
      ({ adapter, scopes }) =>
        `${adapter.provider} ${field}s ${[...new Set(scopes.map((s) => s[field] || '(none)'))].join(', ') || '(none)'}`,
    )
    .join('; ');
}

/**
 * The listed scopes narrowed by the filter. Every --regions and --accounts value must select a
 * scope, and every provider at least one; a provider whose listing failed stays as it is (a scan
 * error), and values that might be its scopes cannot be judged.
 */
export function selectScopes(
  listed: readonly ListedScopes[],
  filter: ScopeFilter,
  configPath: string | undefined,
): ListedScopes[] {
  const source = configPath ? `${configPath} lists` : 'the options and credentials give';
  const ok = listed.filter((l): l is { adapter: LiveAdapter; scopes: Scope[] } => 'scopes' in l);
  const all = ok.flatMap((l) => l.scopes);
  if (ok.length === listed.length) {
    for (const field of ['region', 'account'] as const) {
      const values = field === 'region' ? filter.regions : filter.accounts;
      const unmatched = (values ?? []).filter((v) => !all.some((s) => s[field] === v));
      if (unmatched.length)
        throw new ScopeError(`--${field}s ${unmatched.join(',')} selects nothing: ${source} ${known(ok, field)}`);
    }
  }
  return listed.map((entry) => {
    if (!('scopes' in entry)) return entry;
    const selected = narrow(entry.scopes, filter);
    if (selected.length === 0) {
      const asked = [
        filter.regions ? `--regions ${filter.regions.join(',')}` : '',
        filter.accounts ? `--accounts ${filter.accounts.join(',')}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      throw new ScopeError(
        `--provider ${entry.adapter.provider} selects nothing${asked ? ` with ${asked}` : ''}: ${source} ${known([entry], 'region')}; ${known([entry], 'account')}`,
      );
    }
    return { adapter: entry.adapter, scopes: selected };
  });
}

/** The regions the (resolved) config names for a provider: they do not depend on credentials. */
function configuredRegions(config: WardenConfig, provider: Provider): string[] {
  const section = config.providers[provider];
  if (!section) return [];
  return section.regions.map((r) => (typeof r === 'string' ? r : r.region));
}

/**
 * Every --regions value must be a region the config names for one of the providers asked for.
 * Checked before any cloud is called, so a failing credential lookup cannot hide it.
 */
export function checkRegionsConfigured(
  config: WardenConfig,
  providers: readonly Provider[],
  regions: readonly string[] | undefined,
  configPath: string | undefined,
): void {
  if (!regions) return;
  const named = new Set(providers.flatMap((p) => configuredRegions(config, p)));
  const unmatched = regions.filter((r) => !named.has(r));
  if (!unmatched.length) return;
  const source = configPath ? `${configPath} lists` : 'the options give';
  const listing = providers
    .map((p) => `${p} regions ${configuredRegions(config, p).join(', ') || '(none)'}`)
    .join('; ');
  throw new ScopeError(`--regions ${unmatched.join(',')} selects nothing: ${source} ${listing}`);
}

export interface LiveSelection {
  config: WardenConfig;
  adapters: LiveAdapter[];
  listed: ListedScopes[];
}

/**
 * The adapters and the scopes a live command reads: the config's (with the Organization's AWS
 * accounts when providers.aws.organization asks for them), else the options' and environment's,
 * narrowed by the filter; a request that selects nothing throws ScopeError.
 */
export async function selectLive(
  providers: readonly Provider[],
  config: WardenConfig,
  filter: ScopeFilter,
  options: { configPath: string | undefined; env?: NodeJS.ProcessEnv },
): Promise<LiveSelection> {
  const env = options.env ?? process.env;
  let resolved = withImplicitProviders(config, providers, filter.regions, env, options.configPath);
  checkRegionsConfigured(resolved, providers, filter.regions, options.configPath);
  let adapters = await createAdapters(providers, resolved, env);
  let listed = await listScopes(adapters);
  for (const entry of listed) {
    const discovery = PROVIDER_MODULES[entry.adapter.provider].discovery;
    const pending =
      'scopes' in entry ? discovery?.configWith(resolved, new Set(entry.scopes.map((s) => s.account))) : undefined;
    if (!discovery || !pending) continue;
    try {
      resolved = await pending;
      const [members] = await createAdapters([entry.adapter.provider], resolved, env);
      (entry.adapter as { close?: () => void }).close?.();
      adapters = adapters.map((a) => (a === entry.adapter ? (members as LiveAdapter) : a));
      const [relisted] = await listScopes([members as LiveAdapter]);
      listed = listed.map((l) => (l === entry ? (relisted as ListedScopes) : l));
    } catch (error) {
      listed = listed.map((l) =>
        l === entry ? { adapter: l.adapter, error: `${discovery.call}: ${errorText(error)}` } : l,
      );
    }
  }
  return { config: resolved, adapters, listed: selectScopes(listed, filter, options.configPath) };
}
