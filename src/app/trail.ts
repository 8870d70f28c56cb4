import type { AppPorts } from './ports.ts';

/** Writes one entry of the audit trail (who did what to what, and how it ended). */
export async function recordTrail(
  ports: Pick<AppPorts, 'store' | 'now'>,
  actor: string,
  action: string,
  target: string,
  outcome: string,
  detail?: string,
): Promise<void> {
  await ports.store.trail.log({
    at: ports.now(),
    actor,
    action,
    target,
    outcome,
    ...(detail !== undefined ? { detail } : {}),
  });
}
