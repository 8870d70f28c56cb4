import type { WardenConfig } from '../src/config/schema.ts';
import type { PageKind } from '../src/model/page.ts';
import type { Provider, ProviderDescriptor } from '../src/model/providers/index.ts';
import type { RealtimeSource, SecurityGroupChange } from '../src/ports/realtime.ts';
import type { listOrganizationAccounts } from './aws/accounts.ts';
import type { RoleCredentials } from './aws/client.ts';
import type { LiveAdapter, Scope } from '../src/ports/live.ts';

/** What the adapters of one process share (a Lambda container's, across its invocations). */
export interface AdapterShared {
  /** AWS assumed-role credentials by role: each member role is assumed once per container. */
  awsRoleCredentials?: Map<string, RoleCredentials>;
}

/** The AWS Organizations client a run lists member accounts with (tests pass a fake). */
export type OrganizationsSender = Parameters<typeof listOrganizationAccounts>[0];

/** A scope a run adds beyond the adapter's own, with the role that reaches it. */
export type ExtraScope = Scope & { roleArn?: string; externalId?: string };

/** Everything Warden knows about one cloud, in one module (`adapters/<provider>/index.ts`). */
export interface ProviderModule<P extends Provider = Provider> {
  /** The capability table, implicit rules, config section and secret names the pure core reads. */
  descriptor: ProviderDescriptor<P>;
  /** The raw page shapes its adapter and its snapshots carry. */
  pageKinds: readonly PageKind[];
  /** Its live adapter; the cloud SDK is loaded only here, when asked for. */
  createAdapter(config: WardenConfig, env: NodeJS.ProcessEnv, shared: AdapterShared): Promise<LiveAdapter>;
  realtime: RealtimeSource & {
    /** The change's account as the config names the scope, or undefined when the change is outside the configured estate. */
    scopeAccount(config: WardenConfig, change: SecurityGroupChange): string | undefined;
  };
  /** The role a scan of this account assumes, where it is not the function's own credentials. */
  scanRole?(config: WardenConfig, account: string): { roleArn: string; externalId?: string } | undefined;
  /** Scopes a run adds to the adapter's `scopes` (AWS: the Organization's other member accounts). */
  extraScopes?(
    config: WardenConfig,
    listed: readonly Scope[],
    organizations?: OrganizationsSender,
  ): Promise<ExtraScope[]>;
  /** The scopes a live command adds from the cloud's own directory (AWS: the Organization's member accounts). */
  discovery?: {
    /** The call a failed discovery is reported as. */
    call: string;
    /** The config with the discovered scopes, or undefined when the config asks for none. */
    configWith(config: WardenConfig, listedAccounts: ReadonlySet<string>): Promise<WardenConfig> | undefined;
  };
}
