import type { AppPorts, Asker } from './ports.ts';
import { channelOf, configuredProviders } from './ports.ts';
import { findFinding } from './propose-fix.ts';
import { findingNotice } from './publish.ts';
import { readScope } from './read-scope.ts';
import { recordTrail } from './trail.ts';

// A fix a person asks for (`/warden fix <fingerprint>`): the finding's message with its proven plan (and an
// approval request), posted in their channel.

/** Posts the finding `fingerprint` names with its plan; the whole fingerprint. */
export async function requestFix(ports: AppPorts, asker: Asker, fingerprint: string): Promise<string> {
  const { config, store, notifier, now } = ports;
  const channel = channelOf(asker);
  const known = await store.findings.get(fingerprint);
  const result = known
    ? await readScope(ports, {
        providers: [known.finding.provider],
        filter: { regions: [known.finding.region], accounts: [known.finding.account] },
      })
    : await readScope(ports, { providers: configuredProviders(config), filter: {} });
  const finding = findFinding(result.report, fingerprint);
  await store.findings.recordSeen([finding], now(), []);
  const notice = await findingNotice(ports, finding, result, asker.user);
  const ts = await notifier.post({ channel }, notice);
  if (ts) await store.findings.markPosted(finding.fingerprint, channel, ts, now());
  await recordTrail(ports, asker.user, 'fix', finding.fingerprint, 'ok: posted');
  return finding.fingerprint;
}
