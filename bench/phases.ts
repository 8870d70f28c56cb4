// Phase breakdown of one `warden audit --format json` run, in-process, with the same functions
// the CLI calls (src/cli/main.ts audit(); adapters/snapshot/load.ts loadSnapshots() unrolled so
// reading, JSON parsing, normalizing and merging are timed apart). src/cli has no timing switch,
// so the benchmark runs this script as a separate child next to the real CLI runs.
//
//   node bench/phases.ts <source>   →   one JSON object on stdout (milliseconds, KiB)
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { readSnapshotDocument, snapshotFiles } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { formatReport } from '../src/cli/format-report.ts';
import { loadConfig } from '../src/config/load.ts';
import { mergePages } from '../src/model/merge.ts';
import type { PageResult } from '../src/model/page.ts';
import { runBench, UsageError } from './cli.ts';

export interface PhaseTimes {
  /** Node start-up and loading (type-stripping) every module, up to the first line of this script. */
  startupMs: number;
  readMs: number;
  parseMs: number;
  normalizeMs: number;
  mergeMs: number;
  /** auditEstate: evaluate every group, run every check, sort findings, summarize. */
  auditMs: number;
  /** formatReport(report, 'json'); the CLI then writes it to stdout (not timed here). */
  formatMs: number;
  outputBytes: number;
  totalMs: number;
  groups: number;
  rules: number;
  findings: number;
  maxRssKiB: number;
  /** process.memoryUsage() after each phase, MiB. */
  memory: { after: string; rssMiB: number; heapUsedMiB: number; externalMiB: number }[];
}

const MiB = 1024 * 1024;

async function measure(source: string): Promise<PhaseTimes> {
  const startupMs = performance.now();
  const memory: PhaseTimes['memory'] = [];
  const checkpoint = (after: string): void => {
    const usage = process.memoryUsage();
    memory.push({
      after,
      rssMiB: usage.rss / MiB,
      heapUsedMiB: usage.heapUsed / MiB,
      externalMiB: usage.external / MiB,
    });
  };
  const times = { readMs: 0, parseMs: 0, normalizeMs: 0 };
  const config = await loadConfig(undefined);
  const results: PageResult[] = [];
  for (const file of await snapshotFiles(source)) {
    let t = performance.now();
    const text = await readFile(file, 'utf8');
    times.readMs += performance.now() - t;
    t = performance.now();
    const document: unknown = JSON.parse(text);
    times.parseMs += performance.now() - t;
    t = performance.now();
    results.push(...readSnapshotDocument(document, file));
    times.normalizeMs += performance.now() - t;
  }
  checkpoint('normalize');
  let t = performance.now();
  const estate = mergePages(results);
  const mergeMs = performance.now() - t;
  checkpoint('merge');
  t = performance.now();
  const report = auditEstate(estate, config);
  const auditMs = performance.now() - t;
  checkpoint('audit');
  t = performance.now();
  const output = `${formatReport(report, 'json')}\n`;
  const formatMs = performance.now() - t;
  checkpoint('format');
  return {
    startupMs,
    ...times,
    mergeMs,
    auditMs,
    formatMs,
    outputBytes: Buffer.byteLength(output),
    totalMs: performance.now(),
    groups: report.summary.groups,
    rules: report.summary.rules,
    findings: report.summary.findings,
    maxRssKiB: process.resourceUsage().maxRSS,
    memory,
  };
}

const COMMAND = {
  name: 'phases',
  usage: 'Usage: node bench/phases.ts <source>',
  options: {},
  positionals: true,
} as const;

if (import.meta.main) {
  process.exitCode = await runBench(COMMAND, async ({ positionals }) => {
    const source = positionals[0];
    if (source === undefined || positionals.length > 1)
      throw new UsageError('give exactly one source (a snapshot file or folder)');
    process.stdout.write(`${JSON.stringify(await measure(source))}\n`);
    return 0;
  });
}
