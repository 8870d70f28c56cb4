import { auditEstate } from '../../src/analysis/audit.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import type { WardenConfig } from '../../src/config/schema.ts';
import type { Finding, SecurityGroup, UnparseableRecord } from '../../src/model/types.ts';

/** The findings of an estate of these groups (and unparseable records), nothing failed to read; the default config unless told. */
export function auditGroups(
  groups: SecurityGroup[],
  config: WardenConfig = defaultConfig(),
  unparseable: UnparseableRecord[] = [],
): Finding[] {
  return auditEstate({ groups, unparseable, scanErrors: [] }, config).findings;
}
