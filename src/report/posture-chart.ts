import type { TopLevelSpec } from 'vega-lite';
import { suppressedTotal } from '../analysis/posture-history.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import { SEVERITIES } from '../model/types.ts';

// The posture chart as a Vega-Lite spec (src/chart renders it): open findings by severity over the scheduled runs,
// stacked, with the suppressed ones as a line of their own; below, new and resolved per run.

/** The font the spec names; src/chart gives the renderer this family's files. */
export const CHART_FONT = 'Source Sans 3';
export const CHART_WIDTH = 760;

const SEVERITY_COLORS = ['#7f1d1d', '#dc2626', '#f59e0b', '#3b82f6', '#9ca3af'];
const SUPPRESSED_COLOR = '#111827';

/** "12-05 08:00" (UTC): short enough for 30 labels; a second run in the same minute gets its number, a partial run says so. */
function runLabels(history: readonly RunHistoryEntry[]): string[] {
  const seen = new Map<string, number>();
  return history.map((entry) => {
    const at = new Date(entry.startedAt);
    const base = Number.isNaN(at.getTime())
      ? entry.runId.slice(0, 16)
      : at.toISOString().slice(5, 16).replace('T', ' ');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const label = n === 1 ? base : `${base} (${n})`;
    return entry.partial ? `${label} partial` : label;
  });
}

export function postureChartSpec(history: readonly RunHistoryEntry[]): TopLevelSpec {
  const labels = runLabels(history);
  const open = history.flatMap((entry, i) =>
    SEVERITIES.map((severity, rank) => ({ run: labels[i], severity, rank, count: entry.open[severity] ?? 0 })),
  );
  const suppressed = history.map((entry, i) => ({
    run: labels[i],
    series: 'suppressed',
    count: suppressedTotal(entry),
  }));
  const flow = history.flatMap((entry, i) => [
    { run: labels[i], kind: 'new', count: entry.new },
    { run: labels[i], kind: 'resolved', count: entry.resolved },
  ]);
  const x = {
    field: 'run',
    type: 'ordinal',
    sort: labels,
    title: null,
    axis: { labelAngle: -45, labelFontSize: 10 },
  } as const;
  const runs = history.length === 1 ? 'the last scheduled run' : `the last ${history.length} scheduled runs`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 16,
    config: { font: CHART_FONT, view: { stroke: null }, axis: { labelFont: CHART_FONT, titleFont: CHART_FONT } },
    title: { text: `Warden posture: ${runs} (UTC)`, anchor: 'start', fontSize: 18 },
    vconcat: [
      {
        width: CHART_WIDTH,
        height: 260,
        title: { text: 'Open findings by severity (suppressed apart)', anchor: 'start', fontSize: 14 },
        layer: [
          {
            data: { values: open },
            mark: { type: 'bar' },
            encoding: {
              x,
              y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'open findings' },
              color: {
                field: 'severity',
                type: 'nominal',
                scale: { domain: [...SEVERITIES], range: SEVERITY_COLORS },
                legend: { title: 'severity', orient: 'right' },
              },
              order: { field: 'rank', type: 'quantitative', sort: 'descending' },
            },
          },
          {
            data: { values: suppressed },
            mark: { type: 'line', point: { color: SUPPRESSED_COLOR }, strokeDash: [6, 3], color: SUPPRESSED_COLOR },
            encoding: {
              x,
              y: { field: 'count', type: 'quantitative' },
              shape: {
                field: 'series',
                type: 'nominal',
                legend: { title: null, orient: 'right', symbolFillColor: SUPPRESSED_COLOR },
              },
            },
          },
        ],
      },
      {
        width: CHART_WIDTH,
        height: 140,
        title: { text: 'New and resolved per run', anchor: 'start', fontSize: 14 },
        data: { values: flow },
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset: { field: 'kind', type: 'nominal', sort: ['new', 'resolved'] },
          y: { field: 'count', type: 'quantitative', title: 'findings' },
          color: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['new', 'resolved'], range: ['#dc2626', '#16a34a'] },
            legend: { title: null, orient: 'right' },
          },
        },
      },
    ],
    resolve: { scale: { color: 'independent', x: 'shared' } },
  };
}
