import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UNIT_TEST_FILES } from './lanes.ts';

// The fast lane stays fast only if its files start nothing: this reads each unit-lane file and the
// test/ helpers it imports (transitively) and names anything that starts a server or a process.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Modules that start a server or a process when a test uses them. */
const STARTERS: { pattern: RegExp; what: string }[] = [
  { pattern: /(^|\/)support\/moto\.ts$/, what: 'moto_server' },
  { pattern: /(^|\/)support\/dynalite\.ts$/, what: 'dynalite' },
  { pattern: /(^|\/)support\/fake-[\w-]+\.ts$/, what: 'a loopback fake' },
  { pattern: /(^|\/)support\/cli\.ts$/, what: 'the CLI as a child process' },
  { pattern: /(^|\/)src\/store\/embedded\.ts$/, what: 'the embedded DynamoDB' },
  { pattern: /^dynalite$/, what: 'dynalite' },
  { pattern: /^(node:)?child_process$/, what: 'a child process' },
];

/** Calls in a file's own text that open a listening socket. */
const LISTENERS = [/\bcreateServer\s*\(/, /\.listen\s*\(/];

function importsOf(source: string): string[] {
  const specifiers = [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
  ];
  return specifiers.flatMap((re) => [...source.matchAll(re)].map((m) => m[1] as string));
}

/** What `file` (relative to the repository) starts, directly or through a test/ helper it imports. */
function startsSomething(file: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = readFileSync(join(ROOT, path), 'utf8');
    for (const listener of LISTENERS)
      if (listener.test(source)) found.push(`${path} opens a listening socket (${listener.source})`);
    for (const specifier of importsOf(source)) {
      const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(path), specifier)) : specifier;
      const starter = STARTERS.find((s) => s.pattern.test(target));
      if (starter) found.push(`${path} imports ${specifier} (${starter.what})`);
      else if (target.startsWith('test/') && target.endsWith('.ts')) visit(target);
    }
  };
  visit(file);
  return found;
}

describe('the unit lane', () => {
  it('lists test files that exist, each once', () => {
    expect(UNIT_TEST_FILES.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
    expect(new Set(UNIT_TEST_FILES).size).toBe(UNIT_TEST_FILES.length);
    expect(UNIT_TEST_FILES.every((f) => /^test\/[\w-]+\.test\.ts$/.test(f))).toBe(true);
  });

  it.each(UNIT_TEST_FILES)('%s starts no server and no process, nor does any test/ helper it imports', (file) => {
    expect(startsSomething(file)).toEqual([]);
  });

  it('holds at least a third of the test files, so it is worth running while editing', () => {
    const all = readdirSync(join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts'));
    expect(UNIT_TEST_FILES.length * 3).toBeGreaterThanOrEqual(all.length);
  });
});

describe('the guard itself', () => {
  it.each([
    ['test/live-aws.test.ts', 'test/live-aws.test.ts imports ./support/moto.ts (moto_server)'],
    ['test/slack-worker.test.ts', 'test/slack-worker.test.ts imports ./support/dynalite.ts (dynalite)'],
    ['test/live-alibaba.test.ts', 'test/live-alibaba.test.ts imports ./support/fake-alibaba.ts (a loopback fake)'],
    [
      'test/cli-usage-errors.test.ts',
      'test/cli-usage-errors.test.ts imports ./support/cli.ts (the CLI as a child process)',
    ],
    ['test/report.test.ts', 'test/support/run-cli.ts imports ./cli.ts (the CLI as a child process)'],
    ['test/slack-client.test.ts', 'test/slack-client.test.ts opens a listening socket (\\bcreateServer\\s*\\()'],
  ])('flags %s', (file, problem) => {
    expect(startsSomething(file)).toContain(problem);
  });
});

describe('the lanes in package.json', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;

  it('npm run test:unit runs the unit project and test:integration the other', () => {
    expect(scripts['test:unit']).toBe('vitest run --project unit');
    expect(scripts['test:integration']).toBe('vitest run --project integration');
  });

  it('npm test still runs the type check, lint, the format check and every project', () => {
    expect(scripts.test).toBe('npm run typecheck && npm run lint && npm run format:check && vitest run');
  });
});
