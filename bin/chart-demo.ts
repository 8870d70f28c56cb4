// `npm run chart:demo [-- <out.png>]`: renders the posture chart of a made-up history of 30 daily scheduled runs
// to docs/posture-chart.png (or the file named), the picture the README shows.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { postureText } from '../src/analysis/posture-history.ts';
import { renderPosturePng } from '../src/chart/render.ts';
import type { RunHistoryEntry } from '../src/model/run-history.ts';

/** 30 daily runs: a backlog worked down, a bad deploy on day 12, some findings accepted as risk on the way. */
export function demoHistory(): RunHistoryEntry[] {
  const history: RunHistoryEntry[] = [];
  let open = { critical: 4, high: 14, medium: 22, low: 9, info: 5 };
  let suppressed = { critical: 0, high: 1, medium: 2, low: 0, info: 0 };
  for (let day = 0; day < 30; day++) {
    const before = { ...open };
    if (day === 12) open = { ...open, critical: open.critical + 3, high: open.high + 5 };
    else if (day % 3 === 0) open = { ...open, high: Math.max(2, open.high - 2), medium: Math.max(6, open.medium - 2) };
    else if (day % 4 === 1) open = { ...open, critical: Math.max(0, open.critical - 1), low: open.low + 1 };
    if (day === 8 || day === 20) {
      open = { ...open, medium: open.medium - 2, high: open.high - 1 };
      suppressed = { ...suppressed, medium: suppressed.medium + 2, high: suppressed.high + 1 };
    }
    const sum = (c: typeof open) => Object.values(c).reduce((a, b) => a + b, 0);
    const delta = sum(open) - sum(before);
    const fresh = Math.max(0, delta) + (day % 5 === 2 ? 2 : 0);
    history.push({
      runId: `demo-${String(day + 1).padStart(2, '0')}`,
      startedAt: new Date(Date.UTC(2026, 10, 6 + day, 6, 0)).toISOString(),
      open,
      suppressed,
      new: fresh,
      resolved: fresh - delta,
      partial: day === 17,
    });
  }
  return history;
}

const out = resolve(process.argv[2] ?? 'docs/posture-chart.png');
await mkdir(dirname(out), { recursive: true });
const history = demoHistory();
const png = await renderPosturePng(history);
await writeFile(out, png);
process.stderr.write(`chart-demo: wrote ${out} (${png.length} bytes); its alt text: ${postureText(history)}\n`);
