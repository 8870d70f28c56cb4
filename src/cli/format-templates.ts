import { BUILT_IN_TEMPLATES } from '../analysis/templates/catalog.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Provider } from '../model/types.ts';
import { paint } from './style.ts';

// `warden templates`: the templates groups are compared with, the config's own first (they win
// over a shipped template of the same id, as in the template match).

export interface TemplateListing {
  id: string;
  title: string;
  providers: Provider[];
  /** Group names (or descriptions) that follow the template unless templates.assign says otherwise. */
  names: string[];
  /** The document the rows come from. */
  source: string;
  /** `config`: templates.custom of the config in use; `shipped`: Warden's own. */
  origin: 'config' | 'shipped';
  rules: number;
}

export function listTemplates(config: WardenConfig): TemplateListing[] {
  const listing =
    (origin: TemplateListing['origin']) =>
    (t: (typeof BUILT_IN_TEMPLATES)[number]): TemplateListing => ({
      id: t.id,
      title: t.title,
      providers: [...t.providers],
      names: [...t.names],
      source: t.source,
      origin,
      rules: t.rules.length,
    });
  return [...config.templates.custom.map(listing('config')), ...BUILT_IN_TEMPLATES.map(listing('shipped'))];
}

export function formatTemplates(templates: readonly TemplateListing[], format: 'table' | 'json'): string {
  if (format === 'json') return JSON.stringify(templates, null, 2);
  const width = Math.max(...templates.map((t) => t.id.length), 2);
  const providersWidth = Math.max(...templates.map((t) => t.providers.join(',').length), 9);
  const lines: string[] = [];
  for (const t of templates) {
    const names = t.names.length ? t.names.map((n) => JSON.stringify(n)).join(', ') : '(assigned only)';
    lines.push(
      `${paint('bold', t.id.padEnd(width))}  ${t.providers.join(',').padEnd(providersWidth)}  ${t.origin.padEnd(7)}  names: ${names}`,
    );
    lines.push(paint('gray', `${' '.repeat(width + 2)}${t.source}`));
  }
  return lines.join('\n');
}
