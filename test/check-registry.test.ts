import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, GROUP_CHECKS } from '../src/analysis/checks/index.ts';
import { CHECK_IDS, isCheckId } from '../src/model/check-ids.ts';
import type { CheckId } from '../src/model/check-ids.ts';
import { BUILT_IN_TEMPLATES } from '../src/analysis/templates/catalog.ts';
import { defaultConfig } from '../src/config/schema.ts';
import { BUILT_IN_TEMPLATE_IDS } from '../src/model/template-ids.ts';
import type { Finding } from '../src/model/types.ts';
import { FIXERS, fixerOf } from '../src/remediation/planners/fixers.ts';
import type { Fixer } from '../src/remediation/planners/fixers.ts';
import { whyNoPlan } from '../src/remediation/planners/index.ts';
import { group } from './support/build.ts';

// Each check's fix decision lives in one registry keyed by the catalog's ids: a check cannot be
// added (or a decision dropped) without the compiler saying so.

// These lines are compiled by `npm run typecheck`: each directive fails the build if its line stops being an error.
// @ts-expect-error an id no check has is not a CheckId
const _unknownId: CheckId = 'no-such-check';
const { 'egress-all': _dropped, ...withoutEgressAll } = FIXERS;
// @ts-expect-error a registry without one check's decision is not a Record<CheckId, Fixer>
const _missingOne: Record<CheckId, Fixer> = withoutEgressAll;
// @ts-expect-error a check added to the catalog (here: its id added to CheckId) needs an entry
const _newCheck: Record<CheckId | 'open-database', Fixer> = FIXERS;
// @ts-expect-error an entry for an id no check has is refused too
const _retired = { ...FIXERS, 'retired-check': { none: 'retired' } } satisfies Record<CheckId, Fixer>;
// @ts-expect-error an entry must plan (with a scope) or say why it does not: an empty decision is none
const _emptyDecision = { ...FIXERS, 'egress-all': {} } satisfies Record<CheckId, Fixer>;
// @ts-expect-error a planner declares the scope its plans are proved against
const _noScope = { ...FIXERS, 'port-range': { plan: FIXERS['port-range'].plan } } satisfies Record<CheckId, Fixer>;

describe('the check registry', () => {
  it('CheckId is the catalog: every check once, in catalog order', () => {
    expect(CHECK_IDS).toEqual(CATALOG.map((meta) => meta.id));
    expect(new Set(CHECK_IDS).size).toBe(CHECK_IDS.length);
    for (const check of GROUP_CHECKS) expect(isCheckId(check.meta.id)).toBe(true);
    expect(isCheckId('no-such-check')).toBe(false);
    expect(isCheckId('constructor')).toBe(false);
  });

  it("the model's built-in template ids (what the config names templates by) are the shipped templates, in order", () => {
    expect(BUILT_IN_TEMPLATES.map((template) => template.id)).toEqual([...BUILT_IN_TEMPLATE_IDS]);
  });

  it('has exactly one fix decision per catalog check: a planner with its scope, or why there is none', () => {
    expect(Object.keys(FIXERS).sort()).toEqual([...CHECK_IDS].sort());
    for (const id of CHECK_IDS) {
      const fixer: Fixer = FIXERS[id];
      if ('none' in fixer) {
        expect(Object.keys(fixer), id).toEqual(['none']);
        expect(fixer.none.length, id).toBeGreaterThan(20);
      } else {
        expect(Object.keys(fixer).sort(), id).toEqual(['plan', 'scope']);
        expect(typeof fixer.plan, id).toBe('function');
        expect(typeof fixer.scope, id).toBe('function');
      }
    }
  });

  it("gives a check without a fixer its declared reason, and an id no check has the 'audit again' reason", () => {
    const g = group({ rules: [] });
    const finding = (check: string): Finding => ({
      check,
      severity: 'low',
      provider: g.provider,
      account: g.account,
      region: g.region,
      groupId: g.id,
      groupName: g.name,
      subject: 'x',
      ruleIds: [],
      title: 't',
      detail: 'd',
      fingerprint: '000000000000',
    });
    for (const id of CHECK_IDS) {
      const fixer = FIXERS[id];
      if ('none' in fixer) expect(whyNoPlan(finding(id), g, defaultConfig())).toBe(fixer.none);
    }
    // A retired check in stored state, or an id that is a property of every object.
    for (const id of ['retired-check', 'constructor', 'toString']) {
      expect(fixerOf(id)).toBeUndefined();
      expect(whyNoPlan(finding(id), g, defaultConfig())).toBe(
        `${g.id} no longer shows this finding (the rules changed since the audit): audit again`,
      );
    }
  });

  it("README's Checks section names every check id and where a new check's fix decision goes", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Checks'), readme.indexOf('\n## ', readme.indexOf('## Checks') + 1));
    for (const id of CHECK_IDS) expect(section, id).toContain(`\`${id}\``);
    expect(section).toContain('src/remediation/planners/fixers.ts');
  });
});
