import { describeRule } from '../../analysis/describe.ts';
import { groupInterfacesText, reachText } from './reach.ts';
import type { InterfacesNotEvaluated } from '../../analysis/interface-audit.ts';
import type { Estate, Finding, SecurityGroup } from '../../model/types.ts';
import { code, plural, userText } from './elements.ts';

// The answers to `/warden findings` and `/warden show`, in mrkdwn.

/** The open findings that match (the first 30, the rest counted), the suppressed ones counted. */
export function findingsListText(matching: readonly Finding[], suppressed: number, partial: boolean): string {
  const suppressedNote =
    suppressed > 0 ? `\n_${suppressed} suppressed, still open (\`/warden suppressions\` lists the suppressions)._` : '';
  const lines = matching
    .slice(0, 30)
    .map(
      (f) =>
        `• *${f.severity}* ${userText(f.title, 160)} · ${userText(f.groupName || f.groupId, 80)} · ${f.provider}/${userText(f.account, 40)}/${userText(f.region, 40)} · ${code(f.fingerprint.slice(0, 12), 20)}`,
    );
  if (matching.length > lines.length)
    lines.push(`• and ${matching.length - lines.length} more (\`warden audit\` lists all)`);
  const partialNote = partial ? '\n:warning: Partial: some scopes could not be read.' : '';
  return (
    (matching.length === 0
      ? `No open findings match.${partialNote}`
      : `*${matching.length} open finding${matching.length === 1 ? '' : 's'}*${partialNote}\n${lines.join('\n')}`) +
    suppressedNote
  );
}

/** A group's rules (the first 25) and findings (the first 10); or that `groupId` was not found. */
/** A group as `/warden show` read it: absent when not found; `interfaces` absent when not read. */
export interface GroupAnswer {
  group?: SecurityGroup;
  findings: readonly Finding[];
  partial: boolean;
  interfaces?: Estate['interfaces'];
  notEvaluated?: InterfacesNotEvaluated;
}

export function groupText(groupId: string, view: GroupAnswer): string {
  const { group, findings, partial } = view;
  if (!group) return `No group ${code(groupId, 130)} was found${partial ? ' (some scopes could not be read)' : ''}.`;
  const rules = group.rules.slice(0, 25).map((r) => `• ${userText(describeRule(r), 200)}`);
  if (group.rules.length > rules.length) rules.push(`• and ${group.rules.length - rules.length} more`);
  const found = findings
    .slice(0, 10)
    .map(
      (f) =>
        `• *${f.severity}* ${userText(f.title, 200)} (${code(f.fingerprint.slice(0, 12), 20)})${f.reach ? ` · on ${reachText(f.reach, 400)}` : ''}`,
    );
  return [
    `*${userText(group.name || group.id, 120)}* (${code(group.id, 130)}) · ${group.provider}/${userText(group.account, 40)}/${userText(group.region, 40)}`,
    `*Interfaces*`,
    `• ${groupInterfacesText({ interfaces: view.interfaces }, group)}`,
    ...notEvaluatedLines(view.notEvaluated),
    `*Rules*`,
    ...(rules.length ? rules : ['• none']),
    `*Findings*`,
    ...(found.length ? found : ['• none']),
  ].join('\n');
}

/** Interfaces carrying the group that were not judged: never judged on fewer groups than they carry. */
function notEvaluatedLines(skipped: InterfacesNotEvaluated | undefined): string[] {
  if (!skipped || skipped.count === 0) return [];
  return [
    `• ${plural(skipped.count, 'interface')} not evaluated (never judged on fewer groups than ${skipped.count === 1 ? 'it carries' : 'they carry'}):`,
    ...skipped.reasons.slice(0, 3).map((r) => `    ◦ ${userText(r.reason, 200)}: ${plural(r.interfaces, 'interface')}`),
  ];
}
