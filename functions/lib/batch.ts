import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { queueMessageSchema } from '../../src/slack/queue.ts';
import type { QueueMessage } from '../../src/slack/queue.ts';
import { logger } from './observability.ts';

// The SQS functions' partial-batch handling (Powertools Batch): each record's body is parsed by
// Powertools Parser with the queue message schema, handled, and only the records that failed go
// back to the queue. A batch whose every record failed is reported the same way (not thrown), so
// SQS retries exactly those records and the dead-letter queue counts their receives.

/** What a record handler gets: the record, its body parsed into a queue message. */
export interface QueueRecord {
  record: SQSRecord;
  message: QueueMessage;
}

const parsing = { parser, innerSchema: queueMessageSchema, transformer: 'json', logger } as const;

async function parsed(record: SQSRecord): Promise<QueueRecord> {
  const { body } = (await parser(record, EventType.SQS, logger, parsing)) as unknown as { body: QueueMessage };
  return { record, message: body };
}

function handled(handle: (input: QueueRecord) => Promise<void>): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    try {
      await handle(await parsed(record));
    } catch (error) {
      logger.error('message failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: (error as Error).message,
      });
      throw error;
    }
  };
}

/** The scan queue (standard): records handled in parallel (bound the handler to limit that), each failure reported alone. */
export function processScanBatch(
  event: SQSEvent,
  handle: (input: QueueRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handled(handle), new BatchProcessor(EventType.SQS), {
    throwOnFullBatchFailure: false,
  });
}

/** The apply queue (FIFO): in order; after a failure the rest of the batch goes back untouched, to keep each group's order. */
export function processApplyBatch(
  event: SQSEvent,
  handle: (input: QueueRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  return processPartialResponse(event, handled(handle), new SqsFifoPartialProcessorAsync(), {
    throwOnFullBatchFailure: false,
  });
}
