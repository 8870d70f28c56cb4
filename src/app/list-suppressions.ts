import type { Finding } from '../model/types.ts';
import type { Suppression } from '../model/suppression.ts';
import type { AppPorts } from './ports.ts';

// The active suppressions a person asks for (`/warden suppressions`): what, who, why, until when. Store only.

export interface ListedSuppression {
  suppression: Suppression;
  /** The finding it suppresses, when Warden has seen it. */
  finding?: Finding;
}

/** The active suppressions, soonest to end first: the first `max` with their findings, and how many there are. */
export async function listSuppressions(
  ports: Pick<AppPorts, 'store' | 'now'>,
  max: number,
): Promise<{ total: number; shown: ListedSuppression[] }> {
  const { store, now } = ports;
  const active = (await store.suppressions.activeSuppressions(now())).sort((a, b) =>
    a.until < b.until ? -1 : a.until > b.until ? 1 : 0,
  );
  const shown = await Promise.all(
    active.slice(0, max).map(async (suppression) => {
      const state =
        'fingerprint' in suppression.target ? await store.findings.get(suppression.target.fingerprint) : undefined;
      return { suppression, ...(state ? { finding: state.finding } : {}) };
    }),
  );
  return { total: active.length, shown };
}
