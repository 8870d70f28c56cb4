import type { LiveAdapter } from '../../src/ports/live.ts';

// The cloud permissions each provider's API operations need, declared beside the adapter that makes
// the calls (as Cloud Custodian's actions declare their `permissions`). serverless.yml's function
// roles, docs/member-account-role.yml and docs/policies/* are checked against these declarations
// (test/permissions-declared.test.ts), and so is the list of calls the adapters make.

/**
 * read: lists and describes; write: changes a security group's rules; report: puts Warden's findings
 * into the account's own findings service (Security Hub), never a change to a group.
 */
export type Access = 'read' | 'write' | 'report';

export interface OperationPermissions {
  access: Access;
  /** The policy actions that authorize the call; empty only where the provider documents that none is needed (`none` says so). */
  permissions: readonly string[];
  none?: string;
  /**
   * Held by the Warden deployment's own function roles only: the call is made with the function's
   * credentials even when a scope is read through a member account's role (AWS STS, Organizations).
   */
  deploymentOnly?: true;
}

/** The adapter methods that reach a cloud. */
export type AdapterMethod = keyof Pick<LiveAdapter, 'scopes' | 'read' | 'addRule' | 'removeRule'>;

export interface ProviderPermissions<Operation extends string = string> {
  /** Every API operation the provider's adapter calls, by the name the adapter calls it by. */
  operations: Readonly<Record<Operation, OperationPermissions>>;
  /** The operations each use may call: the adapter methods, and any other entry point of the provider's module. */
  uses: Readonly<Record<AdapterMethod, readonly Operation[]>> & Readonly<Record<string, readonly Operation[]>>;
}

/** A provider's declarations, with the operation names checked against the table. */
export function declarePermissions<const Operation extends string>(
  declared: ProviderPermissions<Operation>,
): ProviderPermissions<Operation> {
  return declared;
}

/**
 * The policy actions that `uses` need, sorted and without repeats; with `memberRole`, only those a
 * role the deployment assumes in another account needs (no deployment-only ones).
 */
export function permissionsFor(
  declared: ProviderPermissions,
  uses: readonly string[],
  options: { access?: Access; memberRole?: boolean } = {},
): string[] {
  const actions = new Set<string>();
  for (const use of uses) {
    const operations = declared.uses[use];
    if (!operations) throw new Error(`no use "${use}" is declared`);
    for (const name of operations) {
      const operation = declared.operations[name];
      if (!operation) throw new Error(`use "${use}" names the undeclared operation "${name}"`);
      if (options.access && operation.access !== options.access) continue;
      if (options.memberRole && operation.deploymentOnly) continue;
      for (const action of operation.permissions) actions.add(action);
    }
  }
  return [...actions].sort();
}
