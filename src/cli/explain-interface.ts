import { explainInterface } from '../analysis/explain-interface.ts';
import type { ExplainedInterface } from '../analysis/explain-interface.ts';
import { percent } from '../analysis/describe.ts';
import { standInsByGroup } from '../analysis/unreadable.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { Direction, Estate, SecurityGroup } from '../model/types.ts';
import { paint } from './style.ts';
import { terminalText } from './terminal-text.ts';

export interface InterfaceTarget {
  kind: 'interface' | 'instance';
  id: string;
}

/** The interfaces a target names, or the one-line reason there are none (bad input: exit 2). */
export function selectInterfaces(
  estate: Estate,
  target: InterfaceTarget,
  source: string,
): NetworkInterface[] | { error: string } {
  if (estate.interfaces === undefined)
    return {
      error: `${target.kind} ${target.id}: ${source} lists no network interfaces (take a snapshot that reads them)`,
    };
  const found =
    target.kind === 'interface'
      ? estate.interfaces.filter((i) => i.id === target.id)
      : estate.interfaces.filter((i) => i.attachedTo?.kind === 'instance' && i.attachedTo.id === target.id);
  if (found.length > 0) return found;
  return {
    error:
      target.kind === 'interface'
        ? `interface ${target.id} is not in ${source}`
        : `instance ${target.id} is not in ${source} (no interface listed there is attached to it)`,
  };
}

/** Each interface's combined policy, its unreadable rules at their worst as the audit takes them. */
export function explainInterfaces(
  estate: Estate,
  interfaces: readonly NetworkInterface[],
  direction: Direction,
): ExplainedInterface[] {
  const standIns = standInsByGroup(estate.unparseable);
  const rulesOf = (group: SecurityGroup) => {
    const extra = standIns(group);
    return extra.length === 0 ? group.rules : [...group.rules, ...extra];
  };
  return interfaces.map((item) => explainInterface(item, estate.groups, direction, rulesOf));
}

export function formatExplainInterfaces(
  explained: readonly ExplainedInterface[],
  format: 'table' | 'json',
  direction: Direction,
): string {
  if (format === 'json')
    return JSON.stringify(
      explained.map(({ networkInterface: i, policy, parts }) => ({
        provider: i.provider,
        account: i.account,
        region: i.region,
        interfaceId: i.id,
        ...(i.attachedTo ? { attachedTo: i.attachedTo } : {}),
        groupIds: i.groupIds,
        groupOrder: i.groupOrder,
        semantics: policy.semantics,
        orders: policy.orders,
        publicAddresses: i.publicAddresses,
        ...(i.publicAddressesUnknown !== undefined ? { publicAddressesUnknown: i.publicAddressesUnknown } : {}),
        missingGroupIds: policy.missingGroupIds,
        notes: policy.notes,
        direction,
        parts,
      })),
      null,
      2,
    );
  const lines: string[] = [];
  for (const { networkInterface: i, policy, parts } of explained) {
    const attached = i.attachedTo ? ` (${i.attachedTo.kind} ${i.attachedTo.id})` : '';
    lines.push(
      paint(
        'bold',
        terminalText(
          `${i.provider} ${i.account || '-'} ${i.region || '-'} interface ${i.id}${attached} — effective ${direction}`,
        ),
      ),
    );
    const groups = policy.groups.map((g) => (g.name && g.name !== g.id ? `${g.id} (${g.name})` : g.id));
    lines.push(
      `  groups: ${terminalText(groups.join(', ') || 'none')}${policy.groups.length > 1 ? ` — combined by ${policy.semantics}${policy.orders === 'bind' ? ', in bind order' : ''}` : ''}`,
    );
    const addresses = i.publicAddresses.map((a) => `${a.address} (${a.kind})`);
    if (i.publicAddressesUnknown !== undefined)
      addresses.push(`not read (${i.publicAddressesUnknown}): counted as public`);
    lines.push(`  public: ${terminalText(addresses.join(', ') || 'none (not reachable from the Internet)')}`);
    for (const note of policy.notes) lines.push(paint('yellow', `  note: ${terminalText(note)}`));
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
  }
  return lines.join('\n');
}
