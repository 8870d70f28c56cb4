import type { WardenConfig } from '../../config/schema.ts';
import type { Direction, PortRange, Protocol, SecurityGroup } from '../../model/types.ts';
import type { LocatedFinding } from './common.ts';
import { FIXERS } from './fixers.ts';

/**
 * The part of a group's policy a finding is about: a plan for it may change traffic there and
 * nowhere else. A part leaves a dimension open when the field is undefined; an empty list of parts
 * means nothing may change at all (shadowed-rule).
 */
export interface ScopePart {
  direction?: Direction;
  /** Space keys (`ipv4`, `ipv6`, `ipv4|group:sg-1` …). */
  spaces?: string[];
  /** Named protocols; a part with protocols never covers `other` (protocols no rule names). */
  protocols?: Protocol[];
  ports?: PortRange[];
}

/** The part of the group's policy a plan for the finding may change, as the check's fixer declares it (nothing, for a check with none). */
export function findingScope(located: LocatedFinding, group: SecurityGroup, config: WardenConfig): ScopePart[] {
  const fixer = FIXERS[located.check.meta.id];
  return 'scope' in fixer ? fixer.scope(located, group, config) : [];
}

export function describeScope(parts: readonly ScopePart[]): string {
  if (parts.length === 0) return 'nothing';
  return parts
    .map((p) => {
      if (!p.direction && !p.spaces && !p.protocols && !p.ports) return 'the whole group';
      const bits = [p.direction ?? 'both directions'];
      if (p.protocols) bits.push(p.protocols.map(String).join('/'));
      if (p.ports)
        bits.push(`ports ${p.ports.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',')}`);
      if (p.spaces) bits.push(`sources in ${p.spaces.join(', ')}`);
      return bits.join(' ');
    })
    .join('; ');
}
