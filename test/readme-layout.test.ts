import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's layout section is how a newcomer finds their way: it names every source folder,
// and every path it names exists.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = README.indexOf('\n- Layout:');
const LAYOUT = start < 0 ? '' : README.slice(start, README.indexOf('\n- ', start + 1));
const NAMED = new Set([...LAYOUT.matchAll(/`([^`\s]+)`/g)].map((m) => (m[1] as string).replace(/\/$/, '')));

const subfolders = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${dir}/${entry.name}`);

/** Folders the layout has to name: each one under src/ and adapters/, and the other top-level ones with code, tests or docs. */
const FOLDERS = [
  ...subfolders('src'),
  ...subfolders('adapters'),
  ...[
    'functions',
    'functions/lib',
    'deploy',
    'docs',
    'docs/policies',
    'slack',
    'examples',
    'test',
    'test/support',
    'test/fixtures',
    'bench',
  ],
];

const TOP = /^(src|adapters|functions|deploy|docs|slack|examples|test|bench|bin)(\/|$)/;

describe("the README's layout section", () => {
  it('names every source folder', () => {
    expect(LAYOUT).not.toBe('');
    expect(FOLDERS.filter((folder) => !NAMED.has(folder))).toEqual([]);
  });

  it('names only paths that exist', () => {
    const paths = [...NAMED].filter((name) => TOP.test(name) && !name.includes('<'));
    expect(paths.length).toBeGreaterThan(FOLDERS.length);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it('says src/store holds more than change records', () => {
    expect(LAYOUT).not.toMatch(/`src\/store` \(change records\)/);
    expect(LAYOUT).toMatch(/`src\/store`: Warden's state/);
  });
});
