// Audit benchmark: `npm run bench` (or `node bench/audit-bench.ts [--format json] [--runs 3] [--keep]`).
//
// Generates a 10,000-group / 100,000-rule estate (bench/generate-estate.ts) into a temp folder,
// then runs the real CLI as a child process, pinned to one core with `taskset -c 0` where
// available:
//
//   node --import ./bench/report-peak.mjs bin/warden.js audit --source <dir> --format json
//
// Wall time is spawn to exit; peak RSS is the child's own getrusage maxRSS, written by the
// preload bench/report-peak.mjs to a file. One warm-up run, then `--runs` measured runs.
// Targets: median wall under 2 s and peak RSS under 512 MiB. Exit 1 when a target is missed or
// a run is wrong (exit code, groups/rules count); 2 on bad usage.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { integer, oneOf, runBench } from './cli.ts';
import type { BenchArgs } from './cli.ts';
import { DEFAULT_OPTIONS, generateEstate } from './generate-estate.ts';
import type { EstateCounts } from './generate-estate.ts';
import type { PhaseTimes } from './phases.ts';

const EXPECTED = { groups: 10_000, rules: 100_000 } as const;
const TARGETS = { wallMs: 2000, rssMiB: 512 } as const;
/** Read by bench/report-peak.mjs. */
const PEAK_FILE_ENV = 'WARDEN_BENCH_PEAK_FILE';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

class BenchFailure extends Error {}

const mib = (kib: number): number => kib / 1024;
const tenth = (value: number): number => Math.round(value * 10) / 10;
const round = (value: number, digits = 1): string => value.toFixed(digits);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
const int = (value: number): string => Math.round(value).toLocaleString('en-US');

interface RunResult {
  wallMs: number;
  maxRssKiB: number;
  findings: number;
  outputBytes: number;
}

interface Pinning {
  pinned: boolean;
  /** The prefix put before `node`, e.g. ['taskset', '-c', '0']. */
  prefix: string[];
  note: string;
}

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stdout: Buffer;
  stderr: string;
}

function detectPinning(): Pinning {
  const probe = spawnSync('taskset', ['-c', '0', process.execPath, '-e', ''], { stdio: 'ignore' });
  if (probe.error === undefined && probe.status === 0)
    return { pinned: true, prefix: ['taskset', '-c', '0'], note: 'pinned to CPU 0 with taskset -c 0' };
  const why = probe.error
    ? `taskset not available (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`
    : `taskset -c 0 failed (exit ${probe.status})`;
  return { pinned: false, prefix: [], note: `NOT pinned: ${why}` };
}

/** Spawns `prefix node args…` in the repository root; wall time from spawn to exit. */
function runChild(pinning: Pinning, nodeArgs: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const [command, ...args] = [...pinning.prefix, process.execPath, ...nodeArgs] as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exited: { code: number | null; signal: NodeJS.Signals | null; wallMs: number } | undefined;
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('exit', (code, signal) => {
      exited = { code, signal, wallMs: performance.now() - start };
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const end = exited ?? { code, signal, wallMs: performance.now() - start };
      resolve({ ...end, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

function failedChild(what: string, child: Child): BenchFailure {
  const how = child.signal ? `signal ${child.signal}` : `exit code ${child.code}`;
  const stderr = child.stderr.trim().split('\n').slice(-5).join('\n');
  return new BenchFailure(`${what} ended with ${how}${stderr ? `:\n${stderr}` : ''}`);
}

async function auditOnce(pinning: Pinning, dir: string, scratch: string, index: number): Promise<RunResult> {
  const peakFile = join(scratch, `peak-${index}.txt`);
  const child = await runChild(
    pinning,
    ['--import', './bench/report-peak.mjs', 'bin/warden.js', 'audit', '--source', dir, '--format', 'json'],
    {
      ...process.env,
      [PEAK_FILE_ENV]: peakFile,
    },
  );
  if (child.code !== 0) throw failedChild('warden audit', child);
  let report: unknown;
  try {
    report = JSON.parse(child.stdout.toString('utf8'));
  } catch (error) {
    throw new BenchFailure(`warden audit printed no JSON report: ${(error as Error).message}`);
  }
  const summary = (report as { summary?: { groups?: unknown; rules?: unknown; findings?: unknown } }).summary;
  if (summary?.groups !== EXPECTED.groups || summary.rules !== EXPECTED.rules) {
    throw new BenchFailure(
      `warden audit reported ${String(summary?.groups)} groups and ${String(summary?.rules)} rules; expected ${EXPECTED.groups} and ${EXPECTED.rules}`,
    );
  }
  const maxRssKiB = Number(readFileSync(peakFile, 'utf8').trim());
  if (!Number.isFinite(maxRssKiB) || maxRssKiB <= 0)
    throw new BenchFailure(`report-peak wrote no peak RSS to ${peakFile}`);
  return {
    wallMs: tenth(child.wallMs),
    maxRssKiB,
    findings: Number(summary.findings),
    outputBytes: child.stdout.length,
  };
}

async function phasesOnce(pinning: Pinning, dir: string): Promise<PhaseTimes | string> {
  const child = await runChild(pinning, ['bench/phases.ts', dir], process.env);
  if (child.code !== 0) return failedChild('bench/phases.ts', child).message;
  try {
    return JSON.parse(child.stdout.toString('utf8')) as PhaseTimes;
  } catch (error) {
    return `bench/phases.ts printed no JSON: ${(error as Error).message}`;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Summary {
  estate: EstateCounts & { seed: number; generateMs: number };
  command: string;
  pinning: { pinned: boolean; note: string };
  warmup: RunResult;
  runs: RunResult[];
  wallMs: { min: number; median: number; max: number };
  rulesPerSecond: number;
  peakRssMiB: number;
  targets: { wallMs: number; rssMiB: number };
  pass: { wall: boolean; rss: boolean };
  ok: boolean;
  phases: PhaseTimes | { unavailable: string } | { skipped: true };
}

function formatTable(s: Summary): string {
  const e = s.estate;
  const status = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const lines = [
    'Warden audit benchmark',
    `estate   ${int(e.groups)} groups, ${int(e.rules)} rules (${e.minRulesPerGroup}-${e.maxRulesPerGroup} per group, ${int(e.adminExposedGroups)} with SSH/RDP from 0.0.0.0/0 or ::/0)`,
    `         ${e.files} files, ${int(e.pages)} pages, ${round(e.bytes / 1048576)} MiB; ` +
      Object.entries(e.byProvider)
        .map(([p, c]) => `${p} ${int(c.groups)}/${int(c.rules)}`)
        .join(', ') +
      ` (groups/rules); seed ${e.seed}, generated in ${seconds(e.generateMs)}`,
    `command  ${s.command}`,
    `cpu      ${s.pinning.note}`,
    '',
    'run      wall       peak RSS     findings   output',
    ...[['warm-up', s.warmup] as const, ...s.runs.map((r, i) => [`${i + 1}`, r] as const)].map(
      ([label, r]) =>
        `${label.padEnd(8)} ${seconds(r.wallMs).padStart(8)}   ${`${round(mib(r.maxRssKiB))} MiB`.padStart(10)}   ${int(r.findings).padStart(8)}   ${round(r.outputBytes / 1048576)} MiB`,
    ),
    '',
    `wall     min ${seconds(s.wallMs.min)}, median ${seconds(s.wallMs.median)}, max ${seconds(s.wallMs.max)}   target < ${seconds(s.targets.wallMs)} (median)   ${status(s.pass.wall)}`,
    `rate     ${int(s.rulesPerSecond)} rules/s (${int(EXPECTED.rules)} / median wall)`,
    `peak RSS ${round(s.peakRssMiB)} MiB (max of ${s.runs.length} runs)   target < ${s.targets.rssMiB} MiB   ${status(s.pass.rss)}`,
  ];
  const p = s.phases;
  if ('skipped' in p) lines.push('', 'phases   skipped (--skip-phases)');
  else if ('unavailable' in p) lines.push('', `phases   unavailable: ${p.unavailable}`);
  else {
    lines.push(
      '',
      `phases   one extra in-process run (bench/phases.ts, same functions as the CLI, ${s.pinning.pinned ? 'pinned' : 'not pinned'}), total ${seconds(p.totalMs)}:`,
      ...(
        [
          ['start-up + module load', p.startupMs],
          ['read files', p.readMs],
          ['JSON.parse', p.parseMs],
          ['normalize pages', p.normalizeMs],
          ['merge pages', p.mergeMs],
          ['auditEstate', p.auditMs],
          ['format JSON', p.formatMs],
        ] as const
      ).map(
        ([name, ms]) =>
          `         ${name.padEnd(24)} ${seconds(ms).padStart(9)}  ${`${round((100 * ms) / p.totalMs)}%`.padStart(6)}`,
      ),
      `         memory after ${p.memory.map((m) => `${m.after}: RSS ${round(m.rssMiB, 0)} / heap ${round(m.heapUsedMiB, 0)} MiB`).join(', ')}; peak RSS ${round(mib(p.maxRssKiB), 0)} MiB`,
    );
  }
  lines.push('', `result   ${s.ok ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}

async function bench(options: {
  runs: number;
  keep: boolean;
  phases: boolean;
  log: (line: string) => void;
}): Promise<Summary> {
  const { log } = options;
  const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const dir = join(scratch, 'estate');
  try {
    log(`generating estate into ${dir} ...`);
    const t = performance.now();
    const counts = generateEstate(dir, DEFAULT_OPTIONS);
    const generateMs = performance.now() - t;
    if (counts.groups !== EXPECTED.groups || counts.rules !== EXPECTED.rules) {
      throw new BenchFailure(
        `generated ${counts.groups} groups and ${counts.rules} rules; expected exactly ${EXPECTED.groups} and ${EXPECTED.rules}`,
      );
    }
    const pinning = detectPinning();
    log(pinning.note);
    log('warm-up run ...');
    const warmup = await auditOnce(pinning, dir, scratch, 0);
    const runs: RunResult[] = [];
    for (let i = 1; i <= options.runs; i++) {
      log(`run ${i}/${options.runs} ...`);
      runs.push(await auditOnce(pinning, dir, scratch, i));
    }
    let phases: Summary['phases'] = { skipped: true };
    if (options.phases) {
      log('phase breakdown run ...');
      const result = await phasesOnce(pinning, dir);
      phases = typeof result === 'string' ? { unavailable: result } : result;
    }
    const walls = runs.map((r) => r.wallMs);
    const wallMs = { min: Math.min(...walls), median: tenth(median(walls)), max: Math.max(...walls) };
    const peakRssMiB = tenth(mib(Math.max(...runs.map((r) => r.maxRssKiB))));
    const pass = { wall: wallMs.median < TARGETS.wallMs, rss: peakRssMiB < TARGETS.rssMiB };
    return {
      estate: { ...counts, seed: DEFAULT_OPTIONS.seed, generateMs: tenth(generateMs) },
      command: `${[...pinning.prefix, 'node'].join(' ')} --import ./bench/report-peak.mjs bin/warden.js audit --source ${options.keep ? dir : '<tmp>/estate'} --format json`,
      pinning: { pinned: pinning.pinned, note: pinning.note },
      warmup,
      runs,
      wallMs,
      rulesPerSecond: Math.round(EXPECTED.rules / (wallMs.median / 1000)),
      peakRssMiB,
      targets: { ...TARGETS },
      pass,
      ok: pass.wall && pass.rss,
      phases,
    };
  } finally {
    if (options.keep) log(`kept ${dir}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

const COMMAND = {
  name: 'audit-bench',
  usage: 'Usage: node bench/audit-bench.ts [--format table|json] [--runs 3] [--keep] [--skip-phases]',
  options: {
    format: { type: 'string', default: 'table' },
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    'skip-phases': { type: 'boolean', default: false },
  },
} as const;

async function main({ values }: BenchArgs<typeof COMMAND>): Promise<number> {
  const runs = integer('runs', values.runs, 1);
  const format = oneOf('format', values.format, ['table', 'json']);
  const json = format === 'json';
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  try {
    const summary = await bench({ runs, keep: values.keep, phases: !values['skip-phases'], log });
    process.stdout.write(`${json ? JSON.stringify(summary, null, 2) : formatTable(summary)}\n`);
    return summary.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof BenchFailure)) throw error;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: error.message }, null, 2)}\n`);
    else process.stdout.write(`FAIL: ${error.message}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runBench(COMMAND, main);
}
