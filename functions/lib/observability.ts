import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

// Structured JSON logs (Powertools Logger) with a correlation id per scope and per Slack
// interaction, and CloudWatch metrics in Embedded Metric Format (Powertools Metrics): groups
// scanned, findings by severity, API throttles, apply outcomes.

export const logger = new Logger({ serviceName: 'warden' });
export const metrics = new Metrics({ namespace: 'Warden', serviceName: 'warden' });
export { MetricUnit };

/** Sets the correlation id every log line of this invocation carries (removing the previous one). */
export function correlate(correlationId: string, keys: Record<string, string> = {}): void {
  logger.resetKeys();
  logger.appendKeys({ correlationId, ...keys });
}

/** What a scope's (or group's) audit measured, as metrics. */
export function recordScopeMetrics(
  outcome: {
    groups: number;
    findings: number;
    bySeverity: Record<string, number>;
    throttles: number;
    scanError?: string;
  },
  provider: string,
): void {
  metrics.addMetric('GroupsScanned', MetricUnit.Count, outcome.groups);
  metrics.addMetric('ApiThrottles', MetricUnit.Count, outcome.throttles);
  metrics.addMetric('ScopeErrors', MetricUnit.Count, outcome.scanError === undefined ? 0 : 1);
  for (const [severity, n] of Object.entries(outcome.bySeverity)) {
    const single = metrics.singleMetric();
    single.addDimensions({ provider, severity });
    single.addMetric('Findings', MetricUnit.Count, n);
  }
}
