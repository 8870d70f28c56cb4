import { afterEach, describe, expect, it, vi } from 'vitest';

// The functions' logs and metrics as CloudWatch receives them: JSON log lines carrying the
// correlation id, and Embedded Metric Format documents for groups scanned, findings by severity,
// API throttles. (The test config silences both; here they are turned on for a fresh module.)

async function freshObservability() {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  return import('../functions/lib/observability.ts');
}

function captureOutput(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const chunks: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Warnings and errors go to stderr, the rest to stdout; both reach CloudWatch.
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('observability', () => {
  it('writes JSON log lines with the correlation id of the scope, replacing the previous one', async () => {
    const { correlate, logger } = await freshObservability();
    const out = captureOutput();
    correlate('run-1/aws/123456789012/eu-west-1', { runId: 'run-1' });
    logger.info('scope audited', { groups: 3 });
    correlate('slack-request-7');
    logger.warn('refused');
    out.restore();
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      level: 'INFO',
      message: 'scope audited',
      service: 'warden',
      correlationId: 'run-1/aws/123456789012/eu-west-1',
      runId: 'run-1',
      groups: 3,
    });
    expect(second).toMatchObject({ level: 'WARN', message: 'refused', correlationId: 'slack-request-7' });
    expect(second).not.toHaveProperty('runId');
  });

  it('emits groups scanned, throttles, scope errors and findings by provider and severity as EMF metrics', async () => {
    const { metrics, recordScopeMetrics } = await freshObservability();
    const out = captureOutput();
    recordScopeMetrics({ groups: 12, findings: 3, bySeverity: { critical: 1, high: 2 }, throttles: 4 }, 'aws');
    metrics.publishStoredMetrics();
    out.restore();
    const documents = out.lines().filter((l) => '_aws' in l);
    const namespaces = documents.flatMap((d) =>
      (d['_aws'] as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics.map((m) => m.Namespace),
    );
    expect(new Set(namespaces)).toEqual(new Set(['Warden']));
    expect(documents.find((d) => 'GroupsScanned' in d)).toMatchObject({
      GroupsScanned: 12,
      ApiThrottles: 4,
      ScopeErrors: 0,
    });
    const findings = documents.filter((d) => 'Findings' in d).map((d) => [d['provider'], d['severity'], d['Findings']]);
    expect(findings).toEqual(
      expect.arrayContaining([
        ['aws', 'critical', 1],
        ['aws', 'high', 2],
      ]),
    );
  });
});
