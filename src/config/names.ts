import { CHECK_IDS, isCheckId } from '../model/check-ids.ts';
import { BUILT_IN_TEMPLATE_IDS } from '../model/template-ids.ts';
import { PROVIDERS } from '../model/types.ts';
import { unknownName } from './closest.ts';
import type { WardenConfig } from './schema.ts';

// Names in the config that refer to something Warden has (checks, templates, providers) are
// checked against what exists: a misspelt check id would otherwise disable nothing, and a misspelt
// template id would switch off the template a group is meant to follow.

export interface NameIssue {
  path: (string | number)[];
  message: string;
}

/** The first name in the config that refers to no check, template or provider; undefined when all exist. */
export function catalogNameIssue(config: WardenConfig): NameIssue | undefined {
  for (const [i, id] of config.checks.disabled.entries()) {
    if (!isCheckId(id)) return { path: ['checks', 'disabled', i], message: unknownName('check', id, CHECK_IDS) };
  }
  for (const id of Object.keys(config.checks.severity)) {
    if (!isCheckId(id)) return { path: ['checks', 'severity', id], message: unknownName('check', id, CHECK_IDS) };
  }
  const customIds = config.templates.custom.map((t) => t.id);
  const repeated = customIds.findIndex((id, i) => customIds.indexOf(id) !== i);
  if (repeated !== -1)
    return {
      path: ['templates', 'custom', repeated, 'id'],
      message: `template id ${JSON.stringify(customIds[repeated])} is used twice (only the first would count)`,
    };
  const templateIds = [...customIds, ...BUILT_IN_TEMPLATE_IDS];
  const templates = new Set(templateIds);
  for (const [group, id] of Object.entries(config.templates.assign)) {
    const issue = providerPrefixIssue(['templates', 'assign', group], group);
    if (issue) return issue;
    if (!templates.has(id))
      return { path: ['templates', 'assign', group], message: unknownName('template', id, templateIds) };
  }
  for (const group of Object.keys(config.remediation.groupPorts)) {
    const issue = providerPrefixIssue(['remediation', 'groupPorts', group], group);
    if (issue) return issue;
  }
  return undefined;
}

/** A group key is a group id or `provider:name`; group ids have no colon, so what precedes one is a provider. */
function providerPrefixIssue(path: NameIssue['path'], key: string): NameIssue | undefined {
  const colon = key.indexOf(':');
  if (colon === -1 || (PROVIDERS as readonly string[]).includes(key.slice(0, colon))) return undefined;
  return {
    path,
    message: `${unknownName('provider', key.slice(0, colon), PROVIDERS)} (a key is a group id or provider:name)`,
  };
}
