import { expect } from 'vitest';
import type { PageKind, PageResult } from '../../src/model/page.ts';
import { ALL_PORTS } from '../../src/model/protocol.ts';
import type { PortRange, Rule } from '../../src/model/types.ts';

// What the normalize tests read out of one page: the page kind by name, the single rule or the
// single reason, and port ranges as short text.

export function pageKind(kinds: readonly PageKind[], name: string): PageKind {
  const found = kinds.find((k) => k.name === name);
  if (!found) throw new Error(`no page kind ${name}`);
  return found;
}

/** The one rule the page was read as (fails the test if anything was unparseable or the count is not one). */
export function theRule(result: PageResult): Rule {
  expect(result.unparseable).toEqual([]);
  expect(result.rules).toHaveLength(1);
  const fragment = result.rules[0];
  if (!fragment) throw new Error('no rule');
  return fragment.rule;
}

/** The reason the one unparseable entry gives (fails the test if any rule was read). */
export function theReason(result: PageResult): string {
  expect(result.rules).toEqual([]);
  expect(result.unparseable).toHaveLength(1);
  return result.unparseable[0]?.reason ?? '';
}

/** Port ranges as `all`, `22` or `8000-8100`, comma-separated. */
export function portsText(ports: readonly PortRange[]): string {
  return ports
    .map((r) =>
      r.from === ALL_PORTS.from && r.to === ALL_PORTS.to ? 'all' : r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`,
    )
    .join(',');
}
