import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changesFromCloudTrail, CLOUDTRAIL_SECURITY_GROUP_EVENTS } from '../adapters/aws/events.ts';
import { groupIds, reasonOf } from './support/realtime.ts';

interface Fixture {
  expectedGroupIds: Record<string, string[]>;
  events: Record<string, Record<string, unknown>>;
  other: Record<string, Record<string, unknown>>;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/realtime/aws-cloudtrail-events.json', import.meta.url), 'utf8'),
) as Fixture;

const copy = <T>(value: T): T => structuredClone(value);
const detailOf = (event: Record<string, unknown>) => event.detail as Record<string, unknown>;

describe('AWS CloudTrail events (EventBridge)', () => {
  it('lists every security-group call once, and the fixtures cover each of them', () => {
    expect(new Set(CLOUDTRAIL_SECURITY_GROUP_EVENTS).size).toBe(CLOUDTRAIL_SECURITY_GROUP_EVENTS.length);
    expect(Object.keys(fixture.events).sort()).toEqual([...CLOUDTRAIL_SECURITY_GROUP_EVENTS].sort());
  });

  it('matches the EventBridge rule pattern documented in docs/realtime.md', () => {
    const docs = readFileSync(new URL('../docs/realtime.md', import.meta.url), 'utf8');
    const patterns = [...docs.matchAll(/```json\n([\s\S]*?)```/gu)].map(
      (match) => JSON.parse(match[1] ?? '') as { source: string[]; detail: { eventName: string[] } },
    );
    const aws = patterns.find((pattern) => pattern.source.includes('aws.ec2'));
    expect(aws?.detail.eventName).toEqual([...CLOUDTRAIL_SECURITY_GROUP_EVENTS]);
  });

  it.each(Object.keys(fixture.events))('maps %s to the group ids it changed', (name) => {
    const event = fixture.events[name];
    if (event === undefined) throw new Error(name);
    expect(groupIds(changesFromCloudTrail(event))).toEqual(fixture.expectedGroupIds[name]);
  });

  it('reads account, region, event id, actor and time from the CloudTrail record', () => {
    expect(changesFromCloudTrail(fixture.events.AuthorizeSecurityGroupIngress)).toEqual({
      changes: [
        {
          provider: 'aws',
          account: '111122223333',
          region: 'eu-central-1',
          groupId: 'sg-003dc7f1f1c686164',
          eventName: 'AuthorizeSecurityGroupIngress',
          eventId: '9fd68588-ecbf-4528-a345-199fa6bb0821',
          actor: 'arn:aws:sts::111122223333:assumed-role/network-admin/alice',
          at: '2024-08-01T12:23:55.000Z',
        },
      ],
    });
  });

  it('names the account that owns the group (recipientAccountId) for events forwarded from a member account', () => {
    const event = copy(fixture.events.AuthorizeSecurityGroupIngress!);
    event.account = '999988887777';
    expect(changesFromCloudTrail(event)).toMatchObject({ changes: [{ account: '111122223333' }] });
    delete detailOf(event).recipientAccountId;
    expect(changesFromCloudTrail(event)).toMatchObject({ changes: [{ account: '999988887777' }] });
  });

  it('reports a group named in both the request and the response once', () => {
    expect(groupIds(changesFromCloudTrail(fixture.events.AuthorizeSecurityGroupIngress))).toHaveLength(1);
  });

  it('ignores failed calls (errorCode): nothing changed', () => {
    expect(reasonOf(changesFromCloudTrail(fixture.other.failedAuthorize))).toBe(
      'AuthorizeSecurityGroupIngress failed ("Client.UnauthorizedOperation"): nothing changed',
    );
  });

  it('ignores EC2 calls that do not change a security group', () => {
    expect(reasonOf(changesFromCloudTrail(fixture.other.stopInstances))).toBe(
      'EC2 "StopInstances" does not change a security group',
    );
  });

  it('ignores an interface change that does not touch its security groups', () => {
    expect(reasonOf(changesFromCloudTrail(fixture.other.nicDescriptionOnly))).toBe(
      'ModifyNetworkInterfaceAttribute did not change security groups',
    );
  });

  it('ignores a group deleted by name only: there is no id to audit', () => {
    expect(reasonOf(changesFromCloudTrail(fixture.other.deleteByNameOnly))).toMatch(
      /^DeleteSecurityGroup names no security group id/u,
    );
  });

  it('ignores other event types and sources', () => {
    const stateChange = {
      ...copy(fixture.events.AuthorizeSecurityGroupIngress!),
      'detail-type': 'EC2 Instance State-change Notification',
    };
    expect(reasonOf(changesFromCloudTrail(stateChange))).toBe(
      'not a CloudTrail API call: detail-type is "EC2 Instance State-change Notification"',
    );
    const iam = copy(fixture.events.AuthorizeSecurityGroupIngress!);
    iam.source = 'aws.iam';
    detailOf(iam).eventSource = 'iam.amazonaws.com';
    expect(reasonOf(changesFromCloudTrail(iam))).toBe(
      'not an EC2 call: source "aws.iam", eventSource "iam.amazonaws.com"',
    );
  });

  it('refuses group ids that are not sg- ids, and accounts that are not 12 digits', () => {
    const event = copy(fixture.events.DeleteSecurityGroup!);
    (detailOf(event).requestParameters as Record<string, unknown>).groupId = 'web; DROP';
    expect(reasonOf(changesFromCloudTrail(event))).toBe(
      'DeleteSecurityGroup names no valid security group id ("web; DROP")',
    );
    const other = copy(fixture.events.DeleteSecurityGroup!);
    detailOf(other).recipientAccountId = 'not-an-account';
    expect(reasonOf(changesFromCloudTrail(other))).toMatch(/^DeleteSecurityGroup without a 12-digit account id/u);
  });

  it('gives malformed bodies a one-line reason, never a throw', () => {
    const hostile = {
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      get detail(): unknown {
        throw new Error('boom');
      },
    };
    const malformed: unknown[] = [
      undefined,
      null,
      42,
      'AuthorizeSecurityGroupIngress',
      [],
      {},
      { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', detail: 'x' },
      {
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.ec2',
        detail: { eventSource: 'ec2.amazonaws.com', eventName: 42 },
      },
      {
        ...copy(fixture.events.AuthorizeSecurityGroupIngress!),
        detail: {
          ...detailOf(fixture.events.AuthorizeSecurityGroupIngress!),
          requestParameters: null,
          responseElements: [1],
        },
      },
      {
        ...copy(fixture.events.AuthorizeSecurityGroupIngress!),
        detail: {
          ...detailOf(fixture.events.AuthorizeSecurityGroupIngress!),
          eventName: 'Authorize\nSecurityGroupIngress'.repeat(50),
        },
      },
      hostile,
    ];
    for (const body of malformed) {
      const reason = reasonOf(changesFromCloudTrail(body));
      expect(reason).not.toMatch(/[\n\r]/u);
      expect(reason.length).toBeGreaterThan(0);
      expect(reason.length).toBeLessThanOrEqual(300);
    }
    expect(reasonOf(changesFromCloudTrail(hostile))).toBe('unreadable CloudTrail event');
  });

  it('never throws on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = changesFromCloudTrail(value);
        return 'changes' in result || !/\n/u.test(result.ignored);
      }),
      { numRuns: 300 },
    );
  });
});
