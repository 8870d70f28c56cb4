// Audit benchmark: `npm run bench` (or `node bench/audit-bench.ts [--format json] [--runs 3] [--keep]
// [--groups 10000] [--interfaces 50000] [--no-interfaces]`).
//
// Generates a 10,000-group / 100,000-rule estate (bench/generate-estate.ts) into a temp folder, and
// a second copy whose documents also list 50,000 network interfaces carrying 1-5 groups each (the
// same group files otherwise). Then runs the real CLI on each as a child process, interleaved,
// pinned to one core with `taskset -c 0` where available:
//
//   node --import ./bench/report-peak.mjs bin/warden.js audit --source <dir> --format json
//
// Wall time is spawn to exit; peak RSS is the child's own getrusage maxRSS, written by the
// preload bench/report-peak.mjs to a file. One warm-up run of each, then `--runs` measured runs.
// Targets: the group-only run's median wall under 2 s and peak RSS under 512 MiB; the run with
// interfaces at most 1.5x the group-only run in both. Also compares the two runs' findings: the
// severity distributions, and the critical group findings the interface run lowers (groups no
// public interface carries). Exit 1 when a target is missed or a run is wrong (exit code,
// groups/rules count); 2 on bad usage.

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

/** The group-only run's targets, and how much more the run with interfaces may cost (wall and peak RSS). */
const TARGETS = { wallMs: 2000, rssMiB: 512, interfaceRatio: 1.5 } as const;
const DEFAULT_INTERFACES = 50_000;
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

/** What one run's report says, kept from the last measured run of each variant. */
interface ReportFacts {
  bySeverity: Record<string, number>;
  byCheck: Record<string, number>;
  /** `summary.interfaces` where the build reports it (the interface checks), else absent. */
  interfaces?: unknown;
  /** Fingerprint → severity of every finding. */
  severities: Map<string, string>;
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

/** The estate both variants audit: the same groups and rules. */
interface Expected {
  groups: number;
  rules: number;
  /** Interfaces in the interface variant's estate. */
  interfaces: number;
}

type Variant = 'groups' | 'interfaces';

async function auditOnce(
  pinning: Pinning,
  dir: string,
  expected: Expected,
  peakFile: string,
): Promise<{ run: RunResult; facts: ReportFacts }> {
  const child = await runChild(
    pinning,
    ['--import', './bench/report-peak.mjs', 'bin/warden.js', 'audit', '--source', dir, '--format', 'json'],
    {
      ...process.env,
      [PEAK_FILE_ENV]: peakFile,
    },
  );
  if (child.code !== 0) throw failedChild('warden audit', child);
  let report: { findings?: { fingerprint: string; severity: string }[]; summary?: Record<string, unknown> };
  try {
    report = JSON.parse(child.stdout.toString('utf8')) as typeof report;
  } catch (error) {
    throw new BenchFailure(`warden audit printed no JSON report: ${(error as Error).message}`);
  }
  const summary = report.summary;
  if (summary?.['groups'] !== expected.groups || summary['rules'] !== expected.rules) {
    throw new BenchFailure(
      `warden audit reported ${String(summary?.['groups'])} groups and ${String(summary?.['rules'])} rules; expected ${expected.groups} and ${expected.rules}`,
    );
  }
  const maxRssKiB = Number(readFileSync(peakFile, 'utf8').trim());
  if (!Number.isFinite(maxRssKiB) || maxRssKiB <= 0)
    throw new BenchFailure(`report-peak wrote no peak RSS to ${peakFile}`);
  return {
    run: {
      wallMs: tenth(child.wallMs),
      maxRssKiB,
      findings: Number(summary['findings']),
      outputBytes: child.stdout.length,
    },
    facts: {
      bySeverity: summary['bySeverity'] as Record<string, number>,
      byCheck: summary['byCheck'] as Record<string, number>,
      ...(summary['interfaces'] === undefined ? {} : { interfaces: summary['interfaces'] }),
      severities: new Map((report.findings ?? []).map((f) => [f.fingerprint, f.severity])),
    },
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

/** One variant's runs: the group-only audit, or the same estate with its interface listings. */
interface VariantSummary {
  command: string;
  warmup: RunResult;
  runs: RunResult[];
  wallMs: { min: number; median: number; max: number };
  peakRssMiB: number;
  /** From the last measured run's report. */
  bySeverity: Record<string, number>;
  byCheck: Record<string, number>;
  /** `summary.interfaces` of the report, where the build reports it. */
  interfacesInSummary?: unknown;
  phases: PhaseTimes | { unavailable: string } | { skipped: true };
}

/** The interface run against the group-only run of the same estate. */
interface Comparison {
  /** The interface run's median wall over the group-only run's: the target's measure. */
  wallRatio: number;
  /**
   * Each interface run over the group-only run just before it (the two share the machine's state
   * at that moment), summarized: a check on the ratio of medians when the machine drifts.
   */
  pairedWallRatio: { min: number; median: number; max: number };
  rssRatio: number;
  target: number;
  pass: boolean;
  /** Critical findings of the group-only run that the interface run reports at a lower severity (groups no public interface carries). */
  criticalLowered: number;
  /** The same, by the severity they were lowered to. */
  criticalLoweredTo: Record<string, number>;
  /** Critical group-only findings the interface run does not report at all. */
  criticalGone: number;
}

interface Summary {
  estate: EstateCounts & { seed: number; generateMs: number };
  pinning: { pinned: boolean; note: string };
  groupOnly: VariantSummary;
  withInterfaces?: VariantSummary;
  comparison?: Comparison;
  rulesPerSecond: number;
  targets: { wallMs: number; rssMiB: number; interfaceRatio: number };
  pass: { wall: boolean; rss: boolean; interfaces?: boolean };
  ok: boolean;
}

const RANK = ['critical', 'high', 'medium', 'low', 'info'];

function compare(
  groupOnly: ReportFacts,
  withInterfaces: ReportFacts,
): Omit<Comparison, 'wallRatio' | 'pairedWallRatio' | 'rssRatio' | 'target' | 'pass'> {
  let criticalLowered = 0;
  let criticalGone = 0;
  const criticalLoweredTo: Record<string, number> = {};
  for (const [fingerprint, severity] of groupOnly.severities) {
    if (severity !== 'critical') continue;
    const now = withInterfaces.severities.get(fingerprint);
    if (now === undefined) criticalGone++;
    else if (RANK.indexOf(now) > RANK.indexOf(severity)) {
      criticalLowered++;
      criticalLoweredTo[now] = (criticalLoweredTo[now] ?? 0) + 1;
    }
  }
  return { criticalLowered, criticalLoweredTo, criticalGone };
}

function severityLine(counts: Record<string, number>): string {
  return RANK.map((s) => `${s} ${int(counts[s] ?? 0)}`).join(', ');
}

function phaseLines(p: VariantSummary['phases'], pinned: boolean): string[] {
  if ('skipped' in p) return ['phases   skipped (--skip-phases)'];
  if ('unavailable' in p) return [`phases   unavailable: ${p.unavailable}`];
  return [
    `phases   one extra in-process run (bench/phases.ts, same functions as the CLI, ${pinned ? 'pinned' : 'not pinned'}), total ${seconds(p.totalMs)}:`,
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
  ];
}

function variantLines(title: string, v: VariantSummary, pinned: boolean): string[] {
  return [
    title,
    `command  ${v.command}`,
    'run      wall       peak RSS     findings   output',
    ...[['warm-up', v.warmup] as const, ...v.runs.map((r, i) => [`${i + 1}`, r] as const)].map(
      ([label, r]) =>
        `${label.padEnd(8)} ${seconds(r.wallMs).padStart(8)}   ${`${round(mib(r.maxRssKiB))} MiB`.padStart(10)}   ${int(r.findings).padStart(8)}   ${round(r.outputBytes / 1048576)} MiB`,
    ),
    `wall     min ${seconds(v.wallMs.min)}, median ${seconds(v.wallMs.median)}, max ${seconds(v.wallMs.max)}; peak RSS ${round(v.peakRssMiB)} MiB (max of ${v.runs.length} runs)`,
    `severity ${severityLine(v.bySeverity)}`,
    ...phaseLines(v.phases, pinned),
  ];
}

const INTERFACE_CHECKS = [
  'interface-exposed-to-internet',
  'cross-group-override',
  'interface-rule-limit',
  'unused-group',
];

function formatTable(s: Summary): string {
  const e = s.estate;
  const i = e.interfaces;
  const status = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const lines = [
    'Warden audit benchmark',
    `estate   ${int(e.groups)} groups, ${int(e.rules)} rules (${e.minRulesPerGroup}-${e.maxRulesPerGroup} per group, ${int(e.adminExposedGroups)} with SSH/RDP from 0.0.0.0/0 or ::/0)`,
    `         ${e.files} files, ${int(e.pages)} pages, ${round(e.bytes / 1048576)} MiB; ` +
      Object.entries(e.byProvider)
        .map(([p, c]) => `${p} ${int(c.groups)}/${int(c.rules)}`)
        .join(', ') +
      ` (groups/rules); seed ${e.seed}, generated in ${seconds(e.generateMs)}`,
  ];
  if (i.interfaces > 0) {
    lines.push(
      `         + ${int(i.interfaces)} interfaces (${Object.entries(i.byProvider)
        .map(([p, n]) => `${p} ${int(n)}`)
        .join(
          ', ',
        )}), ${int(i.publicInterfaces)} public, ${int(i.distinctGroupSets)} distinct group sets, ${int(i.pages)} listing pages; ${round(i.bytes / 1048576)} MiB with the groups`,
    );
  }
  lines.push(
    `cpu      ${s.pinning.note}`,
    '',
    ...variantLines('group-only run (no interface listings)', s.groupOnly, s.pinning.pinned),
  );
  lines.push(
    '',
    `wall     median ${seconds(s.groupOnly.wallMs.median)}   target < ${seconds(s.targets.wallMs)} (median)   ${status(s.pass.wall)}`,
    `rate     ${int(s.rulesPerSecond)} rules/s (${int(e.rules)} / median wall)`,
    `peak RSS ${round(s.groupOnly.peakRssMiB)} MiB   target < ${s.targets.rssMiB} MiB   ${status(s.pass.rss)}`,
  );
  const w = s.withInterfaces;
  const c = s.comparison;
  if (w && c) {
    lines.push('', ...variantLines('interface run (same estate with its interface listings)', w, s.pinning.pinned));
    lines.push(
      `interface findings ${INTERFACE_CHECKS.map((check) => `${check} ${int(w.byCheck[check] ?? 0)}`).join(', ')}`,
      w.interfacesInSummary === undefined
        ? '         (the report has no summary.interfaces: this build evaluates no interface, only the reachability of groups)'
        : `         summary.interfaces ${JSON.stringify(w.interfacesInSummary)}`,
      '',
      `ratio    interfaces / group-only: wall ${c.wallRatio.toFixed(2)}x (median), peak RSS ${c.rssRatio.toFixed(2)}x   target <= ${c.target}x   ${status(c.pass)}`,
      `         run by run (each interface run over the group-only run before it): median ${c.pairedWallRatio.median.toFixed(2)}x, ${c.pairedWallRatio.min.toFixed(2)}-${c.pairedWallRatio.max.toFixed(2)}x`,
      `critical ${int(c.criticalLowered)} of ${int(s.groupOnly.bySeverity['critical'] ?? 0)} critical group findings were on groups no public interface carries (lowered: ${
        Object.entries(c.criticalLoweredTo)
          .map(([to, n]) => `${int(n)} to ${to}`)
          .join(', ') || 'none'
      }); ${int(c.criticalGone)} not reported with interfaces`,
    );
  } else lines.push('', 'interface run skipped (--no-interfaces or --interfaces 0)');
  lines.push('', `result   ${s.ok ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}

interface BenchOptions {
  runs: number;
  keep: boolean;
  phases: boolean;
  groups: number;
  interfaces: number;
  log: (line: string) => void;
}

function commandLine(pinning: Pinning, source: string): string {
  return `${[...pinning.prefix, 'node'].join(' ')} --import ./bench/report-peak.mjs bin/warden.js audit --source ${source} --format json`;
}

async function bench(options: BenchOptions): Promise<Summary> {
  const { log } = options;
  const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const dirs: Record<Variant, string> = {
    groups: join(scratch, 'estate'),
    interfaces: join(scratch, 'estate-interfaces'),
  };
  const variants: Variant[] = options.interfaces > 0 ? ['groups', 'interfaces'] : ['groups'];
  try {
    log(`generating estate into ${scratch} ...`);
    const t = performance.now();
    const generateOptions = {
      ...DEFAULT_OPTIONS,
      groups: options.groups,
      interfaces: options.interfaces,
      interfacesDir: dirs.interfaces,
    };
    const counts = generateEstate(dirs.groups, generateOptions);
    const generateMs = performance.now() - t;
    const expected: Expected = {
      groups: options.groups,
      rules: Math.round(options.groups * DEFAULT_OPTIONS.rulesPerGroup),
      interfaces: options.interfaces,
    };
    if (
      counts.groups !== expected.groups ||
      counts.rules !== expected.rules ||
      counts.interfaces.interfaces !== expected.interfaces
    ) {
      throw new BenchFailure(
        `generated ${counts.groups} groups, ${counts.rules} rules and ${counts.interfaces.interfaces} interfaces; expected exactly ${expected.groups}, ${expected.rules} and ${expected.interfaces}`,
      );
    }
    const pinning = detectPinning();
    log(pinning.note);
    const results: Record<Variant, { run: RunResult; facts: ReportFacts }[]> = { groups: [], interfaces: [] };
    // Interleaved, so drift of the shared machine falls on both variants alike.
    for (let i = 0; i <= options.runs; i++) {
      for (const variant of variants) {
        log(
          `${variant === 'groups' ? 'group-only' : 'interface'} ${i === 0 ? 'warm-up run' : `run ${i}/${options.runs}`} ...`,
        );
        results[variant].push(
          await auditOnce(pinning, dirs[variant], expected, join(scratch, `peak-${variant}-${i}.txt`)),
        );
      }
    }
    const summarize = async (variant: Variant): Promise<VariantSummary> => {
      const [warmup, ...measured] = results[variant] as [
        { run: RunResult },
        ...{ run: RunResult; facts: ReportFacts }[],
      ];
      const runs = measured.map((m) => m.run);
      const facts = (measured[measured.length - 1] as { facts: ReportFacts }).facts;
      let phases: VariantSummary['phases'] = { skipped: true };
      if (options.phases) {
        log(`phase breakdown run (${variant === 'groups' ? 'group-only' : 'interfaces'}) ...`);
        const result = await phasesOnce(pinning, dirs[variant]);
        phases = typeof result === 'string' ? { unavailable: result } : result;
      }
      const walls = runs.map((r) => r.wallMs);
      return {
        command: commandLine(
          pinning,
          options.keep ? dirs[variant] : `<tmp>/${variant === 'groups' ? 'estate' : 'estate-interfaces'}`,
        ),
        warmup: warmup.run,
        runs,
        wallMs: { min: Math.min(...walls), median: tenth(median(walls)), max: Math.max(...walls) },
        peakRssMiB: tenth(mib(Math.max(...runs.map((r) => r.maxRssKiB)))),
        bySeverity: facts.bySeverity,
        byCheck: facts.byCheck,
        ...(facts.interfaces === undefined ? {} : { interfacesInSummary: facts.interfaces }),
        phases,
      };
    };
    const groupOnly = await summarize('groups');
    const pass: Summary['pass'] = {
      wall: groupOnly.wallMs.median < TARGETS.wallMs,
      rss: groupOnly.peakRssMiB < TARGETS.rssMiB,
    };
    let withInterfaces: VariantSummary | undefined;
    let comparison: Comparison | undefined;
    if (variants.includes('interfaces')) {
      withInterfaces = await summarize('interfaces');
      const wallRatio = withInterfaces.wallMs.median / groupOnly.wallMs.median;
      const rssRatio = withInterfaces.peakRssMiB / groupOnly.peakRssMiB;
      const last = (variant: Variant) =>
        (results[variant][results[variant].length - 1] as { facts: ReportFacts }).facts;
      const paired = withInterfaces.runs.map((run, i) => run.wallMs / (groupOnly.runs[i] as RunResult).wallMs);
      const hundredth = (value: number): number => Math.round(value * 100) / 100;
      comparison = {
        wallRatio: hundredth(wallRatio),
        pairedWallRatio: {
          min: hundredth(Math.min(...paired)),
          median: hundredth(median(paired)),
          max: hundredth(Math.max(...paired)),
        },
        rssRatio: hundredth(rssRatio),
        target: TARGETS.interfaceRatio,
        pass: wallRatio <= TARGETS.interfaceRatio && rssRatio <= TARGETS.interfaceRatio,
        ...compare(last('groups'), last('interfaces')),
      };
      pass.interfaces = comparison.pass;
    }
    return {
      estate: { ...counts, seed: DEFAULT_OPTIONS.seed, generateMs: tenth(generateMs) },
      pinning: { pinned: pinning.pinned, note: pinning.note },
      groupOnly,
      ...(withInterfaces ? { withInterfaces } : {}),
      ...(comparison ? { comparison } : {}),
      rulesPerSecond: Math.round(expected.rules / (groupOnly.wallMs.median / 1000)),
      targets: { ...TARGETS },
      pass,
      ok: pass.wall && pass.rss && pass.interfaces !== false,
    };
  } finally {
    if (options.keep) log(`kept ${variants.map((v) => dirs[v]).join(' and ')}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

const COMMAND = {
  name: 'audit-bench',
  usage:
    'Usage: node bench/audit-bench.ts [--format table|json] [--runs 3] [--groups 10000] [--interfaces 50000] [--no-interfaces] [--keep] [--skip-phases]',
  options: {
    format: { type: 'string', default: 'table' },
    runs: { type: 'string', default: '3' },
    groups: { type: 'string', default: String(DEFAULT_OPTIONS.groups) },
    interfaces: { type: 'string', default: String(DEFAULT_INTERFACES) },
    'no-interfaces': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'skip-phases': { type: 'boolean', default: false },
  },
} as const;

async function main({ values }: BenchArgs<typeof COMMAND>): Promise<number> {
  const runs = integer('runs', values.runs, 1);
  const groups = integer('groups', values.groups, 4);
  const interfaces = values['no-interfaces'] ? 0 : integer('interfaces', values.interfaces, 0);
  const format = oneOf('format', values.format, ['table', 'json']);
  const json = format === 'json';
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  try {
    const summary = await bench({ runs, keep: values.keep, phases: !values['skip-phases'], groups, interfaces, log });
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
