import { isCheckId } from '../model/check-ids.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { SuppressionRequestPayload } from '../model/approval.ts';
import type { SuppressionTarget } from '../model/suppression.ts';
import { asCode, text } from './notice.ts';
import type { Text } from './notice.ts';
import type { AppPorts, Asker, Place } from './ports.ts';
import { configuredProviders, placeFor } from './ports.ts';
import { FixError, findFinding } from './propose-fix.ts';
import { readScope } from './read-scope.ts';
import { recordTrail } from './trail.ts';

// A suppression a person asks for (`/warden suppress`): nothing is suppressed yet; a request, posted in the finding's
// thread (the channel, for a check), waits for its approvals.

/** Records a pending suppression request and posts it for approval (Slack: src/slack/suppression-requests.ts). */
export interface SuppressionRequester {
  request(input: {
    payload: SuppressionRequestPayload;
    requester: string;
    origin: string;
    where: Place;
  }): Promise<{ reply: string }>;
}

export interface SuppressRequest {
  fingerprint?: string;
  check?: string;
  seconds: number;
  reason: string;
}

/**
 * What `/warden suppress` names, exactly one finding or check, or why not. A suppression matches whole
 * fingerprints: a prefix is resolved among the findings the audit sees (suppressed ones too), and refused when it
 * names none or several, or when some scope could not be read (a finding there might share the prefix).
 */
async function suppressTarget(
  ports: AppPorts,
  fingerprint: string | undefined,
  check: string | undefined,
): Promise<{ target: SuppressionTarget } | { refused: Text }> {
  if (!fingerprint)
    return isCheckId(check ?? '')
      ? { target: { check: check as string } }
      : { refused: text`Warden has no check ${asCode(check ?? '', 80)}` };
  const known = await ports.store.findings.get(fingerprint);
  if (known) return { target: { fingerprint: known.fingerprint } };
  const result = await readScope(ports, { providers: configuredProviders(ports.config), filter: {} });
  const report = {
    ...result.report,
    findings: [...result.report.findings, ...result.suppressed.map((s) => s.finding)],
  };
  const exact = report.findings.find((f) => matchesFingerprint(f, fingerprint));
  if (exact) return { target: { fingerprint: exact.fingerprint } };
  if (report.summary.partial)
    return {
      refused: text`some scopes could not be read, so ${asCode(fingerprint, 80)} may name no finding or more than one; give the whole fingerprint`,
    };
  try {
    return { target: { fingerprint: findFinding(report, fingerprint).fingerprint } };
  } catch (error) {
    if (error instanceof FixError) return { refused: [error.message] };
    throw error;
  }
}

/** Requests the suppression (or records why not); what the person is told. */
export async function suppressFinding(
  ports: AppPorts,
  requests: SuppressionRequester,
  asker: Asker,
  request: SuppressRequest,
): Promise<Text> {
  const { store, notifier, now } = ports;
  const { fingerprint, check } = request;
  const resolved = await suppressTarget(ports, fingerprint, check);
  if ('refused' in resolved) {
    const refused = notifier.textOf(resolved.refused);
    await recordTrail(ports, asker.user, 'suppress', fingerprint ?? check ?? '-', `refused: ${refused}`);
    return text`Not suppressed: ${resolved.refused}.`;
  }
  const { target } = resolved;
  const until = new Date(now().getTime() + request.seconds * 1000);
  const posted = 'fingerprint' in target ? (await store.findings.get(target.fingerprint))?.message : undefined;
  const payload = { kind: 'suppress' as const, target, reason: request.reason, until: until.toISOString() };
  const { reply } = await requests.request({
    payload,
    requester: asker.user,
    origin: asker.requestId,
    where: placeFor(asker, posted),
  });
  return [reply];
}
