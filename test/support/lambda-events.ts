import { createHash } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, EventBridgeEvent, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';

// Lambda events shaped as AWS delivers them (the @types/aws-lambda shapes, filled the way the
// services fill them), for driving the handlers in functions/ locally.

export function scheduledEvent(time: Date, region = 'eu-west-1', account = '123456789012'): ScheduledEvent {
  return {
    version: '0',
    id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/warden-schedule`],
    detail: {},
  };
}

/** An SQS event record for a message body (id: the SQS message id; groupId: a FIFO queue's message group). */
export function sqsRecord(
  message: { body: string; id: string; groupId?: string; receiptHandle?: string },
  queueArn: string,
): SQSRecord {
  const { body, id, groupId } = message;
  return {
    messageId: id,
    receiptHandle: message.receiptHandle ?? `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(groupId
        ? { MessageGroupId: groupId, MessageDeduplicationId: id, SequenceNumber: '18849496460467696128' }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'eu-west-1',
  };
}

/** The record Lambda's event source mapping makes of a message ReceiveMessage returned. */
export function sqsRecordOf(message: Message, queueArn: string): SQSRecord {
  const groupId = message.Attributes?.MessageGroupId;
  return sqsRecord(
    {
      body: message.Body ?? '',
      id: message.MessageId ?? '',
      ...(groupId ? { groupId } : {}),
      ...(message.ReceiptHandle ? { receiptHandle: message.ReceiptHandle } : {}),
    },
    queueArn,
  );
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** EventBridge's "AWS API Call via CloudTrail" event for an EC2 call. */
export function cloudTrailEvent(input: {
  eventName: string;
  account: string;
  region: string;
  requestParameters: Record<string, unknown>;
  responseElements?: Record<string, unknown>;
  errorCode?: string;
}): EventBridgeEvent<'AWS API Call via CloudTrail', Record<string, unknown>> {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: '6f87d04b-9f74-4f04-a780-7acf4b0a9b38',
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: input.account,
    time,
    region: input.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:alice',
        arn: `arn:aws:sts::${input.account}:assumed-role/Admin/alice`,
        accountId: input.account,
      },
      eventTime: time,
      eventSource: 'ec2.amazonaws.com',
      eventName: input.eventName,
      awsRegion: input.region,
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/2.15.0',
      requestParameters: input.requestParameters,
      responseElements: input.responseElements ?? null,
      ...(input.errorCode ? { errorCode: input.errorCode, errorMessage: 'denied' } : {}),
      requestID: 'a7f1e2b4-0000-4000-8000-000000000001',
      eventID: 'e1d2c3b4-0000-4000-8000-000000000002',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: input.account,
      eventCategory: 'Management',
    },
  };
}

/** An API Gateway HTTP API (payload 2.0) request to `POST /events/{source}` of the realtime function. */
export function httpApiEvent(
  source: string,
  body: string,
  headers: Record<string, string>,
  now: Date,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /events/{source}',
    rawPath: `/events/${source}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: { source },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: `/events/${source}`,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.9',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: 'POST /events/{source}',
      stage: '$default',
      time: '03/Jun/2024:08:16:00 +0000',
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}
