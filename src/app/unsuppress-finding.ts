import { ambiguousPrefix, matchFingerprint } from '../model/fingerprint-prefix.ts';
import type { Suppression, SuppressionTarget } from '../model/suppression.ts';
import { asCode, text } from './notice.ts';
import type { Text } from './notice.ts';
import type { AppPorts } from './ports.ts';

// Ending a suppression early (`/warden unsuppress <finding|check>`; the caller checks the person is an approver).

/** The fingerprint or check id a suppression is of (the audit trail's target). */
export function targetKey(target: SuppressionTarget): string {
  return 'fingerprint' in target ? target.fingerprint : target.check;
}

/** The active suppression `target` names (a fingerprint, a prefix of exactly one, or a check), or why there is none. */
export function activeSuppressionOf(
  target: SuppressionTarget,
  active: readonly Suppression[],
): { suppression: Suppression } | { refused: Text } {
  if ('check' in target) {
    const suppression = active.find((s) => 'check' in s.target && s.target.check === target.check);
    return suppression
      ? { suppression }
      : {
          refused: text`the check ${asCode(target.check, 80)} is not suppressed (\`/warden suppressions\` lists what is)`,
        };
  }
  const findings = active.filter(
    (s): s is Suppression & { target: { fingerprint: string } } => 'fingerprint' in s.target,
  );
  const match = matchFingerprint(findings, target.fingerprint, (s) => s.target.fingerprint);
  if ('found' in match) return { suppression: match.found };
  if (match.count > 1) return { refused: [ambiguousPrefix(target.fingerprint, match.count)] };
  return {
    refused: text`no active suppression of finding ${asCode(target.fingerprint, 80)} (\`/warden suppressions\` lists them)`,
  };
}

/** The target the audit trail names: the whole fingerprint when a prefix names an active suppression. */
export async function unsuppressTarget(
  ports: Pick<AppPorts, 'store' | 'now'>,
  target: SuppressionTarget,
): Promise<string> {
  const found = activeSuppressionOf(target, await ports.store.suppressions.activeSuppressions(ports.now()));
  return targetKey('suppression' in found ? found.suppression.target : target);
}

/** Ended, or why not: it names no active suppression, or it ended meanwhile (expired, or another approver ended it). */
export type UnsuppressOutcome = { revoked: Suppression } | { refused: Text } | { endedMeanwhile: true };

/** Ends the active suppression `target` names, now, as `by`. */
export async function unsuppressFinding(
  ports: Pick<AppPorts, 'store' | 'now'>,
  target: SuppressionTarget,
  by: string,
): Promise<UnsuppressOutcome> {
  const { store } = ports;
  const now = ports.now();
  const found = activeSuppressionOf(target, await store.suppressions.activeSuppressions(now));
  if ('refused' in found) return found;
  const revoked = await store.suppressions.revoke({ target: found.suppression.target, by, now });
  return revoked ? { revoked } : { endedMeanwhile: true };
}
