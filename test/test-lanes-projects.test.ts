import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIT_TEST_FILES } from './lanes.ts';
import { ROOT, runWarden } from './support/cli.ts';

// What vitest itself resolves for each project (`vitest list`), as `npm run test:unit` and
// `npm run test:integration` run them: the unit lane is exactly test/lanes.ts's list, and every
// test file runs in exactly one lane.

async function filesOf(project?: string): Promise<{ file: string; projectName: string }[]> {
  const args = ['list', '--filesOnly', '--json', ...(project ? ['--project', project] : [])];
  const run = await runWarden(args, { script: 'node_modules/vitest/vitest.mjs' });
  expect(run.code, run.stderr).toBe(0);
  const listed = JSON.parse(run.stdout) as { file: string; projectName: string }[];
  return listed.map((entry) => ({ file: relative(ROOT, entry.file), projectName: entry.projectName }));
}

describe('vitest projects', () => {
  it('--project unit runs exactly the files test/lanes.ts lists', async () => {
    const unit = await filesOf('unit');
    expect(unit.map((e) => e.file).sort()).toEqual([...UNIT_TEST_FILES].sort());
    expect(new Set(unit.map((e) => e.projectName))).toEqual(new Set(['unit']));
  });

  it('a plain run (npm test) runs every test file once, each in one lane', async () => {
    const all = await filesOf();
    const onDisk = readdirSync(join(ROOT, 'test'))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `test/${f}`);
    expect(all.map((e) => e.file).sort()).toEqual(onDisk.sort());
    const unit = new Set<string>(UNIT_TEST_FILES);
    for (const entry of all)
      expect([entry.file, entry.projectName]).toEqual([entry.file, unit.has(entry.file) ? 'unit' : 'integration']);
  });
});
