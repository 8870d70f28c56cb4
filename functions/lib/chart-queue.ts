import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { ChartRequests } from '../../src/app/ports.ts';
import type { SqsSender } from './queues.ts';

// The chart queue: a scheduled digest asks for its posture chart with one small message; the chart function (its own
// bundle, with the renderer) draws and uploads it, so the functions that post digests never load the renderer.

export const chartMessageSchema = z.object({
  type: z.literal('chart'),
  runId: z.string().min(1),
  channel: z.string().min(1),
  threadTs: z.string().min(1),
});
export type ChartMessage = z.infer<typeof chartMessageSchema>;

export function sqsChartRequests(sqs: SqsSender, queueUrl: string): ChartRequests {
  return {
    async request(where, runId) {
      const message: ChartMessage = { type: 'chart', runId, channel: where.channel, threadTs: where.threadTs };
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
    },
  };
}
