import type { InterfacesNotEvaluated } from '../analysis/interface-audit.ts';
import type { Estate, Finding, SecurityGroup } from '../model/types.ts';
import type { AppPorts } from './ports.ts';
import { configuredProviders } from './ports.ts';
import { readScope } from './read-scope.ts';

// One security group as a person asks for it (`/warden show <group>`): its rules and its open findings, read now.

export interface GroupView {
  /** Absent when no configured scope has the group. */
  group?: SecurityGroup;
  findings: Finding[];
  /** Some scopes could not be read. */
  partial: boolean;
  /** The interfaces read with it (absent: not read), to name what carries the group. */
  interfaces?: Estate['interfaces'];
  /** Interfaces carrying the group that were not judged (a group they carry is not in the read), with why. */
  notEvaluated?: InterfacesNotEvaluated;
}

export async function showGroup(ports: AppPorts, groupId: string): Promise<GroupView> {
  const result = await readScope(ports, { providers: configuredProviders(ports.config), filter: {}, groupId });
  const group = result.estate.groups[0];
  return {
    ...(group ? { group } : {}),
    findings: result.report.findings,
    partial: result.report.summary.partial,
    ...(result.estate.interfaces ? { interfaces: result.estate.interfaces } : {}),
    ...(result.report.summary.interfacesNotEvaluated?.count
      ? { notEvaluated: result.report.summary.interfacesNotEvaluated }
      : {}),
  };
}
