import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEstate } from '../bench/generate-estate.ts';
import { loadSnapshots } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { startInterfaceAudit } from '../src/analysis/interface-audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Estate, UnparseableRecord } from '../src/model/types.ts';

// The audit judges each set of groups on an interface as soon as the group audit has evaluated the
// set's last group, taking the groups' own evaluations and letting each go with the last set that
// needs it. Whatever order the groups come in (a scoped audit, an estate not sorted by the merge),
// and whether a group's rules include unreadable ones (evaluated with stand-ins, so not taken from
// the group audit), the report must be the same as the one a sorted estate gives.

const scratch = mkdtempSync(join(tmpdir(), 'warden-interface-order-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const config = defaultConfig();

let generated: Promise<void> | undefined;

/** Generated once; each test loads its own objects. */
function benchEstate(): Promise<Estate> {
  const interfaces = join(scratch, 'interfaces');
  generated ??= Promise.resolve().then(() => {
    generateEstate(join(scratch, 'groups'), {
      groups: 60,
      rulesPerGroup: 6,
      seed: 7,
      interfaces: 400,
      interfacesDir: interfaces,
    });
  });
  return generated.then(() => loadSnapshots(interfaces));
}

/** One unreadable rule in a group some interface carries: the audit evaluates it with a stand-in. */
function withUnreadable(estate: Estate): Estate {
  const carried = estate.groups.find((g) => estate.interfaces?.some((i) => i.groupIds.includes(g.id)));
  if (!carried) throw new Error('the generated estate has no group an interface carries');
  const record: UnparseableRecord = {
    provider: carried.provider,
    account: carried.account,
    region: carried.region,
    groupId: carried.id,
    groupName: carried.name,
    ruleId: 'unreadable-1',
    reason: 'a field this version does not read',
    raw: { Unknown: true },
    origin: 'test',
  };
  return { ...estate, unparseable: [...estate.unparseable, record] };
}

describe('the interface audit does not depend on the order the groups are audited in', () => {
  it('gives the sorted estate’s report for any order of its groups, with and without unreadable rules', async () => {
    const sorted = await benchEstate();
    expect(sorted.interfaces?.length).toBe(400);
    for (const estate of [sorted, withUnreadable(sorted)]) {
      const expected = auditEstate(estate, config);
      expect(expected.findings.some((f) => f.check === 'interface-exposed-to-internet')).toBe(true);
      expect(expected.findings.some((f) => f.check === 'cross-group-override')).toBe(true);
      fc.assert(
        fc.property(fc.shuffledSubarray(estate.groups, { minLength: estate.groups.length }), (groups) => {
          expect(auditEstate({ ...estate, groups }, config)).toEqual(expected);
        }),
        { numRuns: 8 },
      );
    }
  });
});

describe('the order the audit evaluates groups in', () => {
  it('holds every audited group exactly once, whatever order the estate lists them in', async () => {
    const sorted = await benchEstate();
    fc.assert(
      fc.property(fc.shuffledSubarray(sorted.groups, { minLength: sorted.groups.length }), (groups) => {
        const estate = { ...sorted, groups };
        const { order } = startInterfaceAudit(estate, config, (g) => g.rules, groups);
        expect(order).toHaveLength(groups.length);
        expect(new Set(order)).toEqual(new Set(groups));
      }),
      { numRuns: 8 },
    );
  });

  it('holds only the audited groups when groups are read beside them', async () => {
    const sorted = await benchEstate();
    const audited = sorted.groups.filter((_, i) => i % 3 === 0);
    const { order } = startInterfaceAudit(sorted, config, (g) => g.rules, audited);
    expect(order).toHaveLength(audited.length);
    expect(new Set(order)).toEqual(new Set(audited));
  });
});
