import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { postPostureChart } from '../src/app/post-chart.ts';
import { lazily } from '../src/lib/lazily.ts';
import type { ChartPorts } from '../src/app/post-chart.ts';
import { renderPosturePng } from '../src/chart/render.ts';
import { uploadChart } from '../src/slack/chart-upload.ts';
import { createSlackNotifier, postToResponseUrlWithFetch } from '../src/slack/notifier.ts';
import { createDynamoStateStore } from '../src/store/dynamo.ts';
import { chartMessageSchema } from './lib/chart-queue.ts';
import { requiredEnv } from './lib/env.ts';
import { correlate, logger } from './lib/observability.ts';
import { environmentWithSecrets } from './lib/secrets.ts';
import { slackClientFor } from './lib/slack-client.ts';

// The chart function (SQS, its own queue): draws a scheduled digest's posture chart and uploads it into the digest's
// thread. The renderer (vega, resvg's wasm, the font) lives only in this bundle. A chart that cannot be drawn is posted
// as text; an upload that fails goes back to the queue (three receives, then the dead-letter queue and its alarm).

export interface ChartDeps {
  ports: () => Promise<ChartPorts>;
}

/** The ports from the environment: the table, and the Slack bot token from SSM (WARDEN_SECRET_PATHS). */
export async function chartPortsFromEnv(base: NodeJS.ProcessEnv = process.env): Promise<ChartPorts> {
  const env = await environmentWithSecrets(base);
  const store = createDynamoStateStore({ tableName: requiredEnv(env, 'WARDEN_TABLE') });
  const client = slackClientFor(env);
  return {
    store,
    notifier: createSlackNotifier({ client, postToResponseUrl: postToResponseUrlWithFetch, minSeverity: 'info' }),
    render: renderPosturePng,
    upload: (where, image) => uploadChart(client, where, image),
  };
}

export function createChartHandler(deps: ChartDeps) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const ports = await deps.ports();
    const handle = async (record: SQSRecord): Promise<void> => {
      const message = chartMessageSchema.parse(JSON.parse(record.body));
      correlate(message.runId, { runId: message.runId });
      try {
        const outcome = await postPostureChart(ports, { channel: message.channel, threadTs: message.threadTs });
        logger.info('posture chart', { outcome });
      } catch (error) {
        logger.error('posture chart failed', { error: (error as Error).message });
        throw error;
      }
    };
    return processPartialResponse(event, handle, new BatchProcessor(EventType.SQS), { throwOnFullBatchFailure: false });
  };
}

export const handler = createChartHandler({ ports: lazily(() => chartPortsFromEnv()) });
