import type { ExposurePart } from '../analysis/explain.ts';
import { percent } from '../analysis/describe.ts';
import type { Direction, SecurityGroup } from '../model/types.ts';
import { paint } from './style.ts';
import { terminalText } from './terminal-text.ts';

export interface ExplainedGroup {
  group: SecurityGroup;
  parts: ExposurePart[];
}

export function formatExplain(
  explained: readonly ExplainedGroup[],
  format: 'table' | 'json',
  direction: Direction,
): string {
  if (format === 'json') {
    return JSON.stringify(
      explained.map(({ group, parts }) => ({
        provider: group.provider,
        account: group.account,
        region: group.region,
        groupId: group.id,
        groupName: group.name,
        direction,
        parts,
      })),
      null,
      2,
    );
  }
  const lines: string[] = [];
  for (const { group, parts } of explained) {
    lines.push(
      paint(
        'bold',
        terminalText(
          `${group.provider} ${group.account || '-'} ${group.region || '-'} ${group.id} ${group.name} — effective ${direction}`,
        ),
      ),
    );
    lines.push(...partLines(parts, direction));
  }
  return lines.join('\n');
}

/** Each part on two lines (what, then the deciding rule and, for a combined policy, its group); "nothing is allowed" where nothing is. */
export function partLines(parts: readonly ExposurePart[], direction: Direction): string[] {
  const lines: string[] = [];
  if (!parts.some((p) => p.decision === 'allow')) lines.push('  nothing is allowed');
  for (const part of parts) {
    const verb = part.decision === 'allow' ? paint('green', 'allow') : paint('red', 'deny ');
    const internet =
      part.publicShare > 0 ? paint('yellow', ` [${percent(part.publicShare)} of public ${part.family}]`) : '';
    lines.push(
      `  ${verb} ${part.family} ${part.protocol}/${part.ports} ${direction === 'ingress' ? 'from' : 'to'} ${terminalText(part.peers.join(', '))}${internet}`,
    );
    const group = part.group
      ? `group ${part.group.id}${part.group.name && part.group.name !== part.group.id ? ` (${part.group.name})` : ''}: `
      : '';
    lines.push(paint('gray', `        decided by ${terminalText(`${group}${part.decidedBy}`)}`));
  }
  return lines;
}
