// Summarizes a V8 .cpuprofile (from `node --cpu-prof ...`): self and inclusive time by function,
// with file:line, and self time by file.
//
//   node bench/profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integer, runBench, UsageError } from './cli.ts';

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: FunctionTime[];
  files: { file: string; selfMs: number }[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function fileOf(url: string): string {
  if (url === '') return '(native)';
  if (url.startsWith('file://')) {
    const path = relative(ROOT, fileURLToPath(url));
    return path.startsWith('..') ? fileURLToPath(url) : path;
  }
  return url;
}

function keyOf(frame: CallFrame): { key: string; name: string; location: string } {
  const file = fileOf(frame.url);
  const location = frame.url === '' ? '(native)' : `${file}:${frame.lineNumber + 1}`;
  const name = frame.functionName || '(anonymous)';
  return { key: `${name}@${location}`, name, location };
}

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample i lasts until sample i+1 (as DevTools counts it); the last one until endTime.
  const stamps: number[] = [];
  let clock = profile.startTime;
  for (const delta of profile.timeDeltas) stamps.push((clock += delta));
  const functions = new Map<string, FunctionTime>();
  const files = new Map<string, number>();
  const entry = (frame: CallFrame): FunctionTime => {
    const { key, name, location } = keyOf(frame);
    let fn = functions.get(key);
    if (!fn) {
      fn = { name, location, selfMs: 0, totalMs: 0 };
      functions.set(key, fn);
    }
    return fn;
  };
  profile.samples.forEach((id, i) => {
    const ms = ((stamps[i + 1] ?? profile.endTime) - (stamps[i] as number)) / 1000;
    const leaf = byId.get(id);
    if (!leaf) return;
    entry(leaf.callFrame).selfMs += ms;
    const file = fileOf(leaf.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + ms);
    // Inclusive: once per function per stack, so recursion is not counted twice.
    const seen = new Set<FunctionTime>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      const fn = entry(node.callFrame);
      if (!seen.has(fn)) {
        seen.add(fn);
        fn.totalMs += ms;
      }
    }
  });
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    functions: [...functions.values()],
    files: [...files].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

function table(summary: ProfileSummary, top: number): string {
  const pct = (ms: number): string => `${((100 * ms) / summary.totalMs).toFixed(1)}%`.padStart(6);
  const row = (fn: FunctionTime, ms: number): string =>
    `${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${fn.name.slice(0, 40).padEnd(40)} ${fn.location}`;
  const hidden = new Set(['(root)', '(program)', '(idle)']);
  const visible = summary.functions.filter((fn) => !hidden.has(fn.name));
  return [
    `profile: ${summary.totalMs.toFixed(0)} ms`,
    '',
    `top ${top} by self time`,
    ...[...summary.functions]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((fn) => row(fn, fn.selfMs)),
    '',
    `top ${top} by inclusive time`,
    ...visible
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)
      .map((fn) => row(fn, fn.totalMs)),
    '',
    'self time by file',
    ...summary.files.slice(0, top).map((f) => `${f.selfMs.toFixed(0).padStart(7)} ms ${pct(f.selfMs)}  ${f.file}`),
  ].join('\n');
}

const COMMAND = {
  name: 'profile-summary',
  usage: 'Usage: node bench/profile-summary.ts <file.cpuprofile> [--top 25]',
  options: { top: { type: 'string', default: '25' } },
  positionals: true,
} as const;

if (import.meta.main) {
  process.exitCode = await runBench(COMMAND, ({ values, positionals }) => {
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new UsageError('give exactly one .cpuprofile file');
    const top = integer('top', values.top, 1);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    process.stdout.write(`${table(summarize(profile), top)}\n`);
    return 0;
  });
}
