import { POSTURE_RUNS, postureText } from '../analysis/posture-history.ts';
import type { RunHistoryEntry } from '../model/run-history.ts';
import type { StateStore } from '../store/state.ts';
import { safeErrorText } from './error-text.ts';
import { quoted, text } from './notice.ts';
import type { AppPorts, ChartPlace } from './ports.ts';

// The posture chart in a digest's thread: the last scheduled runs drawn as a PNG and uploaded with its numbers as
// alt text; when it cannot be drawn, the same numbers as text, so the thread never goes without them.

/** A PNG and what it shows, for the people who cannot see it. */
export interface ChartImage {
  png: Uint8Array;
  filename: string;
  title: string;
  altText: string;
}

export interface ChartPorts {
  store: Pick<StateStore, 'runs'>;
  notifier: Pick<AppPorts['notifier'], 'post'>;
  render(history: readonly RunHistoryEntry[]): Promise<Uint8Array>;
  upload(where: ChartPlace, image: ChartImage): Promise<void>;
}

export type ChartOutcome = 'posted' | 'posted as text' | 'no history';

/**
 * Draws and uploads the chart. A rendering failure posts the numbers as text instead (and says why); an upload
 * failure throws, so the queue retries it.
 */
export async function postPostureChart(ports: ChartPorts, where: ChartPlace): Promise<ChartOutcome> {
  const history = await ports.store.runs.history(POSTURE_RUNS);
  if (history.length === 0) return 'no history';
  const numbers = postureText(history);
  let png: Uint8Array;
  try {
    png = await ports.render(history);
  } catch (error) {
    await ports.notifier.post(where, {
      kind: 'text',
      text: text`The posture chart could not be drawn (${quoted(safeErrorText(error), 300)}). ${numbers}`,
    });
    return 'posted as text';
  }
  const day = (history.at(-1) as RunHistoryEntry).startedAt.slice(0, 10);
  await ports.upload(where, {
    png,
    filename: `warden-posture-${day}.png`,
    title: `Warden posture, last ${history.length} scheduled ${history.length === 1 ? 'run' : 'runs'}`,
    altText: numbers,
  });
  return 'posted';
}
