import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChangeParse } from '../../src/ports/realtime.ts';
import { smnStringToSign } from '../../adapters/huawei/events.ts';
import type { SmnMessage } from '../../src/ports/realtime.ts';

// Reading a parser's result in the realtime tests: the group ids it found, or why it ignored the event.

/**
 * Group ids; `set:<id>` for a changed prefix list or address group, `interface:<id>` / `instance:<id>`
 * for an interface or instance change that names no group, `*` for a whole scope.
 */
export function groupIds(result: ChangeParse): string[] {
  if (!('changes' in result)) throw new Error(`expected changes, got ignored: ${result.ignored}`);
  return result.changes.map(
    (change) =>
      change.groupId ??
      (change.setId
        ? `set:${change.setId}`
        : change.interfaceId
          ? `interface:${change.interfaceId}`
          : change.instanceId
            ? `instance:${change.instanceId}`
            : '*'),
  );
}

/** `<interface or instance>/<group>` of each change: where each change applies, for interface and instance calls. */
export function targets(result: ChangeParse): string[] {
  if (!('changes' in result)) throw new Error(`expected changes, got ignored: ${result.ignored}`);
  return result.changes.map(
    (change) =>
      `${change.interfaceId ?? change.instanceId ?? '-'}${change.interfaceId && change.instanceId ? `@${change.instanceId}` : ''}/${change.groupId ?? '-'}`,
  );
}

export function reasonOf(result: ChangeParse): string {
  if (!('ignored' in result)) throw new Error(`expected ignored, got ${JSON.stringify(result.changes)}`);
  return result.ignored;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/realtime/${name}`, import.meta.url), 'utf8');
/** A key pair made for these tests only (test/fixtures/realtime/README.md). */
export const TEST_ONLY_KEY = fixture('test-only-signing-key.pem');
export const TEST_ONLY_CERT = fixture('test-only-signing-cert.pem');

/** An SMN message signed with the test-only key, as SMN would send it. */
export function signedSmnMessage(
  fields: Partial<SmnMessage> & Pick<SmnMessage, 'type' | 'topic_urn' | 'signing_cert_url'>,
): SmnMessage {
  const message: SmnMessage = {
    message: 'hello',
    message_id: 'd86c201092574e71a3ca85826652c58b',
    timestamp: '2024-06-19T06:18:52Z',
    signature: '',
    signature_version: 'v1',
    ...fields,
  };
  return {
    ...message,
    signature: sign('sha256', Buffer.from(smnStringToSign(message)), TEST_ONLY_KEY).toString('base64'),
  };
}
