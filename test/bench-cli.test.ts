import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runWarden } from './support/cli.ts';

// Every bench script reads its command line through bench/cli.ts: `--help` prints the usage on
// stdout (exit 0); a bad flag or value prints `<script>: <problem>` and the usage on stderr (exit 2).

const USAGES: Record<string, string> = {
  'audit-bench':
    'Usage: node bench/audit-bench.ts [--format table|json] [--runs 3] [--groups 10000] [--interfaces 50000] [--no-interfaces] [--keep] [--skip-phases]',
  'bundle-size': 'usage: node bench/bundle-size.ts [--no-package [--dir .serverless]] [--runs N] [--format table|json]',
  'generate-estate':
    'Usage: node bench/generate-estate.ts <dir> [--groups 10000] [--rules-per-group 10] [--interfaces 0] [--seed 1] [--compact]',
  phases: 'Usage: node bench/phases.ts <source>',
  'profile-summary': 'Usage: node bench/profile-summary.ts <file.cpuprofile> [--top 25]',
  'scan-bench':
    'usage: node bench/scan-bench.ts [--groups N] [--rules-per-group R] [--latency L] [--concurrency C] [--interfaces I] [--providers aws,alibaba,huawei,otc] [--runs K] [--baseline] [--warmup] [--in-process] [--format table|json]',
  'slack-ack-bench':
    'usage: node bench/slack-ack-bench.ts [--commands N] [--buttons N] [--concurrency C] [--work-ms MS] [--format table|json]',
};

const bench = (name: string, args: string[]) => runWarden(args, { script: `bench/${name}.ts` });

describe('bench scripts share one command-line helper', () => {
  it('no bench script parses its own arguments', () => {
    const scripts = readdirSync(join(ROOT, 'bench')).filter((f) => /\.(ts|mjs)$/.test(f) && f !== 'cli.ts');
    const parsing = scripts.filter((f) =>
      /\bparseArgs\b|process\.argv\.slice\(2\)|process\.argv\[2\]/.test(readFileSync(join(ROOT, 'bench', f), 'utf8')),
    );
    expect(parsing).toEqual([]);
    const withUsage = scripts
      .filter((f) => readFileSync(join(ROOT, 'bench', f), 'utf8').includes("from './cli.ts'"))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(withUsage.sort()).toEqual(Object.keys(USAGES).sort());
  });

  it.each(Object.entries(USAGES))('%s --help prints its usage on stdout', async (name, usage) => {
    const run = await bench(name, ['--help']);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, `${usage}\n`, '']);
  });

  it.each([
    ['audit-bench', ['--runs', '0'], '--runs must be an integer ≥ 1 (got "0")'],
    ['audit-bench', ['--format', 'xml'], '--format must be table or json (got "xml")'],
    ['audit-bench', ['--interfaces', 'lots'], '--interfaces must be an integer ≥ 0 (got "lots")'],
    ['audit-bench', ['--groups', '3'], '--groups must be an integer ≥ 4 (got "3")'],
    ['bundle-size', ['--runs', '101'], '--runs must be an integer from 1 to 100 (got "101")'],
    ['bundle-size', ['--dir', 'out'], '--dir goes with --no-package (packaging writes to a temp folder)'],
    ['generate-estate', [], 'give exactly one output folder'],
    ['generate-estate', ['out', '--groups', 'many'], '--groups must be a number (got "many")'],
    ['generate-estate', ['out', '--interfaces', '2.5'], 'interfaces must be an integer >= 0 (got 2.5)'],
    ['phases', [], 'give exactly one source (a snapshot file or folder)'],
    ['profile-summary', ['a.cpuprofile', '--top', '0'], '--top must be an integer ≥ 1 (got "0")'],
    ['scan-bench', ['--latency', '1.5'], '--latency must be an integer from 0 to 60000 (got "1.5")'],
    [
      'scan-bench',
      ['--providers', 'gcp'],
      '--providers takes a comma-separated list of aws, alibaba, huawei, otc (got "gcp")',
    ],
    ['slack-ack-bench', ['--buttons', '1'], '--buttons must be an integer ≥ 2 (got "1")'],
    ['slack-ack-bench', ['--colour'], "Unknown option '--colour'"],
  ])('%s %j: exit 2 with the problem and the usage on stderr', async (name, args, problem) => {
    const run = await bench(name, args);
    expect([run.code, run.stdout, run.stderr]).toEqual([2, '', `${name}: ${problem}\n${USAGES[name]}\n`]);
  });
});
