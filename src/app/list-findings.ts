import type { Finding, Provider } from '../model/types.ts';
import type { AppPorts } from './ports.ts';
import { readScope } from './read-scope.ts';

// The open findings a person asks for (`/warden findings`), read from the clouds now.

export interface FindingsQuery {
  providers: Provider[];
  severity?: string;
  check?: string;
}

export interface FindingsList {
  /** The open findings that match, in the audit's order. */
  matching: Finding[];
  /** Matching findings a suppression hides: still open, listed by `/warden suppressions`. */
  suppressed: number;
  /** Some scopes could not be read. */
  partial: boolean;
}

export async function listFindings(ports: AppPorts, query: FindingsQuery): Promise<FindingsList> {
  const result = await readScope(ports, { providers: query.providers, filter: {} });
  const wanted = (f: Finding) =>
    (query.severity === undefined || f.severity === query.severity) &&
    (query.check === undefined || f.check === query.check);
  return {
    matching: result.report.findings.filter(wanted),
    suppressed: result.suppressed.filter((s) => wanted(s.finding)).length,
    partial: result.report.summary.partial,
  };
}
