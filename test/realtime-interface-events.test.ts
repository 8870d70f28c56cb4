import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { changesFromActionTrail } from '../adapters/alibaba/events.ts';
import { changesFromCloudTrail } from '../adapters/aws/events.ts';
import { changesFromCtsNotification } from '../adapters/huawei/events.ts';
import type { SmnMessage } from '../src/ports/realtime.ts';
import { reasonOf, targets } from './support/realtime.ts';

// The calls that change what an interface exposes (an address associated, an instance launched, an
// interface attached, its groups set) name the interface or instance they changed, per cloud.

type Events = Record<string, Record<string, unknown>>;
const json = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/realtime/${name}`, import.meta.url), 'utf8')) as T;
const AWS = json<{ events: Events }>('aws-cloudtrail-events.json').events;
const ALIBABA = json<{ events: Events; other: Events }>('alibaba-actiontrail-events.json');
const CTS = json<{ traces: Events; other: Events }>('huawei-cts-traces.json');

const copy = <T>(value: T): T => structuredClone(value);
const aws = (name: string) => copy(AWS[name] as Record<string, unknown>);
const awsRequest = (event: Record<string, unknown>) =>
  (event.detail as Record<string, unknown>).requestParameters as Record<string, unknown>;
const alibaba = (name: string) => copy((ALIBABA.events[name] ?? ALIBABA.other[name]) as Record<string, unknown>);
const alibabaData = (event: Record<string, unknown>) => event.data as Record<string, unknown>;
const alibabaRequest = (event: Record<string, unknown>) =>
  alibabaData(event).requestParameters as Record<string, unknown>;
const cts = (name: string) => copy((CTS.traces[name] ?? CTS.other[name]) as Record<string, unknown>);
const notification = (trace: unknown): SmnMessage => ({
  type: 'Notification',
  message: JSON.stringify(trace),
  message_id: 'd86c201092574e71a3ca85826652c58b',
  topic_urn: 'urn:smn:eu-de:07066c6fc90025a02f6dc01e105b286e:warden-cts',
  timestamp: '2024-06-19T06:18:52Z',
  signature: '',
  signing_cert_url: '',
});

describe('AWS CloudTrail: calls on interfaces and instances', () => {
  it.each([
    ['AssociateAddress', ['eni-0223456789abcdef0/-']],
    ['AttachNetworkInterface', ['eni-0323456789abcdef0@i-0123456789abcdef0/-']],
    [
      'ModifyNetworkInterfaceAttribute',
      ['eni-0123456789abcdef0/sg-0323456789abcdef0', 'eni-0123456789abcdef0/sg-0423456789abcdef0'],
    ],
    ['ModifyInstanceAttribute', ['i-0123456789abcdef0/sg-0523456789abcdef0']],
    [
      'RunInstances',
      [
        'eni-0423456789abcdef0@i-0223456789abcdef0/sg-0623456789abcdef0',
        'eni-0523456789abcdef0@i-0323456789abcdef0/sg-0623456789abcdef0',
      ],
    ],
  ])('%s names the interface or instance (and the groups it sets)', (name, expected) => {
    expect(targets(changesFromCloudTrail(aws(name)))).toEqual(expected);
  });

  it('AssociateAddress on an instance names the instance', () => {
    const event = aws('AssociateAddress');
    delete awsRequest(event).networkInterfaceId;
    awsRequest(event).instanceId = 'i-0723456789abcdef0';
    expect(targets(changesFromCloudTrail(event))).toEqual(['i-0723456789abcdef0/-']);
  });

  it('DisassociateAddress names only the association: the whole scope is audited', () => {
    expect(changesFromCloudTrail(aws('DisassociateAddress'))).toMatchObject({
      changes: [{ eventName: 'DisassociateAddress', account: '111122223333', region: 'eu-central-1' }],
    });
    expect(targets(changesFromCloudTrail(aws('DisassociateAddress')))).toEqual(['-/-']);
  });

  it('RunInstances without launched instances in its response is ignored, saying so', () => {
    const event = aws('RunInstances');
    (event.detail as Record<string, unknown>).responseElements = null;
    expect(reasonOf(changesFromCloudTrail(event))).toBe('RunInstances lists no launched instance id');
  });

  it('AttachNetworkInterface naming no valid interface or instance is ignored, saying so', () => {
    const event = aws('AttachNetworkInterface');
    awsRequest(event).networkInterfaceId = '../eni';
    awsRequest(event).instanceId = 'web; DROP';
    expect(reasonOf(changesFromCloudTrail(event))).toBe(
      'AttachNetworkInterface names no valid network interface or instance id',
    );
  });

  it('a failed association changes nothing', () => {
    const event = aws('AssociateAddress');
    (event.detail as Record<string, unknown>).errorCode = 'InvalidAllocationID.NotFound';
    expect(reasonOf(changesFromCloudTrail(event))).toBe(
      'AssociateAddress failed ("InvalidAllocationID.NotFound"): nothing changed',
    );
  });
});

describe('Alibaba ActionTrail: calls on instances and ENIs', () => {
  it.each([
    ['JoinSecurityGroup', ['i-bp67acfmxazb4p0001/sg-bp1fg655nh68xyz9ia']],
    ['RunInstances', ['i-bp67acfmxazb4p0002/sg-bp1fg655nh68xyz9ib', 'i-bp67acfmxazb4p0003/sg-bp1fg655nh68xyz9ib']],
    ['CreateInstance', ['i-bp67acfmxazb4p0004/sg-bp1fg655nh68xyz9ic']],
    ['AttachNetworkInterface', ['eni-bp17pdijfczax1huji01/-']],
    ['AssociateEipAddress', ['eni-bp17pdijfczax1huji02/-']],
    ['UnassociateEipAddress', ['i-bp67acfmxazb4p0005/-']],
  ])('%s names the instance or ENI (and the groups it sets)', (name, expected) => {
    expect(targets(changesFromActionTrail(alibaba(name)))).toEqual(expected);
  });

  it('JoinSecurityGroup on an ENI names the ENI', () => {
    const event = alibaba('JoinSecurityGroup');
    delete alibabaRequest(event).InstanceId;
    alibabaRequest(event).NetworkInterfaceId = 'eni-bp17pdijfczax1huji09';
    expect(targets(changesFromActionTrail(event))).toEqual(['eni-bp17pdijfczax1huji09/sg-bp1fg655nh68xyz9ia']);
  });

  it("reads ECS's deprecated AssociateEipAddress like VPC's", () => {
    const event = alibaba('UnassociateEipAddress');
    alibabaData(event).serviceName = 'Ecs';
    alibabaData(event).eventSource = 'ecs.aliyuncs.com';
    expect(targets(changesFromActionTrail(event))).toEqual(['i-bp67acfmxazb4p0005/-']);
  });

  it('an EIP bound to a load balancer is ignored, saying so', () => {
    expect(reasonOf(changesFromActionTrail(alibaba('eipOnLoadBalancer')))).toBe(
      'AssociateEipAddress on a "SlbInstance", not an ECS instance or ENI',
    );
  });

  it('an ENI association naming an id that is not an ENI audits the scope', () => {
    const event = alibaba('AssociateEipAddress');
    alibabaRequest(event).InstanceId = '../eni';
    expect(targets(changesFromActionTrail(event))).toEqual(['-/-']);
  });

  it('ignores calls of services other than ECS and VPC', () => {
    const event = alibaba('AssociateEipAddress');
    alibabaData(event).serviceName = 'Slb';
    alibabaData(event).eventSource = 'slb.aliyuncs.com';
    expect(reasonOf(changesFromActionTrail(event))).toBe(
      'not an ECS call: serviceName "Slb", eventSource "slb.aliyuncs.com"',
    );
  });
});

describe('Huawei/OTC CTS: ports, EIPs, floating IPs and server groups', () => {
  const PORT = 'd502809d-0d1d-41ce-9690-784282142ccc';
  const SERVER = 'f1c2d3e4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
  it.each([
    ['updatePort', [`${PORT}/b00215be-d7a1-4de3-8193-a1b2c3facef6`, `${PORT}/c10215be-d7a1-4de3-8193-a1b2c3facef7`]],
    ['bindEip', [`${PORT}/-`]],
    ['associateInstance', [`${PORT}/-`]],
    ['createFloatingIp', [`${PORT}/-`]],
    ['unbindEip', ['-/-']],
    ['disassociateInstance', ['-/-']],
    ['deleteFloatingIp', ['-/-']],
    ['addSecurityGroup', [`${SERVER}/5a0215be-d7a1-4de3-8193-a1b2c3facefa`]],
    ['removeSecurityGroup', [`${SERVER}/-`]],
  ])('%s names the port or server (the scope when it names none)', (name, expected) => {
    expect(targets(changesFromCtsNotification('otc', notification(cts(name))))).toEqual(expected);
  });

  it('a v3 EIP association with an instance other than a port names no port: the scope', () => {
    const trace = cts('associateInstance');
    const body = JSON.stringify({ publicip: { associate_instance_type: 'NATGW', associate_instance_id: PORT } });
    trace.request = body;
    trace.response = body;
    expect(targets(changesFromCtsNotification('huawei', notification(trace)))).toEqual(['-/-']);
  });

  it('server group traces come from ECS only', () => {
    const trace = cts('addSecurityGroup');
    trace.service_type = 'VPC';
    expect(reasonOf(changesFromCtsNotification('otc', notification(trace)))).toBe(
      'addSecurityGroup from "VPC", not ECS',
    );
  });

  it('a failed EIP binding changes nothing', () => {
    const trace = cts('bindEip');
    trace.code = '409';
    expect(reasonOf(changesFromCtsNotification('huawei', notification(trace)))).toBe(
      'bindEip failed (code 409): nothing changed',
    );
  });
});
