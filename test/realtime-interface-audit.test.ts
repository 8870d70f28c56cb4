import { describe, expect, it } from 'vitest';
import { auditGroup } from '../src/app/audit-group.ts';
import type { GroupChange } from '../src/app/audit-group.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { Estate, Finding } from '../src/model/types.ts';
import type { CompleteScope } from '../src/store/state.ts';
import { group, rule } from './support/build.ts';
import { appRig } from './support/app-rig.ts';

// A real-time change on an interface or instance audits the groups that interface carries (read from
// the scope's interface listing), and nothing it did not read is resolved: the store is told only
// those groups (and the changed interfaces' group sets) were read completely.

const SCOPE = { provider: 'aws' as const, account: '111122223333', region: 'eu-central-1' };
const NOW = new Date('2026-03-01T08:00:00Z');

const groups = ['sg-a', 'sg-b', 'sg-c'].map((id, i) =>
  group({ ...SCOPE, id, name: id, rules: [rule({ ports: [22, 3389, 5432][i] as number })] }),
);

function nic(id: string, groupIds: string[], instance?: string): NetworkInterface {
  return {
    ...SCOPE,
    vpcId: 'vpc-1',
    id,
    groupIds,
    groupOrder: 'unknown',
    publicAddresses: [{ address: '198.51.100.7', family: 'ipv4', kind: 'public-ip' }],
    ...(instance !== undefined ? { attachedTo: { kind: 'instance' as const, id: instance } } : {}),
  };
}

const HUAWEI = { ...SCOPE, provider: 'huawei' as const };

const INTERFACES = [nic('eni-1', ['sg-b', 'sg-a'], 'i-1'), nic('eni-2', ['sg-c'], 'i-2')];

/** `null`: the scope's interfaces were not read. `scope`: where the groups and the read scope are. */
function rig(interfaces: NetworkInterface[] | null = INTERFACES, scope: typeof SCOPE | typeof HUAWEI = SCOPE) {
  const estate: Estate = {
    groups: groups.map((g) => ({ ...g, ...scope })),
    unparseable: [],
    scanErrors: [],
    ...(interfaces !== null ? { interfaces } : {}),
  };
  return appRig(estate, scope, NOW);
}

const change = (fields: Partial<GroupChange>): GroupChange => ({
  ...SCOPE,
  eventName: 'AssociateAddress',
  actor: 'arn:aws:iam::111122223333:user/alice',
  ...fields,
});

const findingGroups = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.groupId))].sort();
const completeGroups = (complete: readonly CompleteScope[]) => complete.map((c) => c.groupId ?? '*').sort();

describe('real-time: a change on an interface or instance audits that interface', () => {
  it('an interface change audits only the groups it carries, and marks only those (and its group set) read', async () => {
    const { ports, recorded, trail } = rig();
    await auditGroup(ports, change({ interfaceId: 'eni-1' }));
    expect(recorded).toHaveLength(1);
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-b+sg-a']);
    expect(recorded[0]!.complete.every((c) => c.account === SCOPE.account && c.region === SCOPE.region)).toBe(true);
    expect(trail[0]).toMatchObject({ target: 'aws/111122223333/eu-central-1/interface eni-1' });
  });

  it('an instance change audits the groups of every interface attached to it', async () => {
    const { ports, recorded } = rig([...INTERFACES, nic('eni-3', ['sg-c'], 'i-1')]);
    await auditGroup(ports, change({ instanceId: 'i-1', eventName: 'ModifyInstanceAttribute' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-c']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-b+sg-a', 'sg-c']);
  });

  it('also audits the group the record names (the group an interface left), which it no longer carries', async () => {
    const { ports, recorded } = rig();
    await auditGroup(ports, change({ interfaceId: 'eni-1', groupId: 'sg-c', eventName: 'LeaveSecurityGroup' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-c']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-b+sg-a', 'sg-c']);
  });

  it('prefers the interface the record names over its instance', async () => {
    const { ports, recorded } = rig([...INTERFACES, nic('eni-3', ['sg-c'], 'i-1')]);
    await auditGroup(ports, change({ interfaceId: 'eni-1', instanceId: 'i-1', eventName: 'RunInstances' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b']);
  });

  it('audits the whole scope when the interface is not in the listing', async () => {
    const { ports, recorded, trail } = rig();
    await auditGroup(ports, change({ interfaceId: 'eni-gone', groupId: 'sg-a' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b', 'sg-c']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['*']);
    expect(trail[0]).toMatchObject({ target: 'aws/111122223333/eu-central-1/interface eni-gone' });
  });

  it('audits the whole scope when interfaces were not read', async () => {
    const { ports, recorded } = rig(null);
    await auditGroup(ports, change({ instanceId: 'i-1' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a', 'sg-b', 'sg-c']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['*']);
  });

  it('a Huawei port change marks the ports with port security disabled read too: their finding resolves when the last is re-enabled', async () => {
    const port = (id: string, fields: Partial<NetworkInterface> = {}) => ({
      ...nic(id, ['sg-a']),
      ...HUAWEI,
      ...fields,
    });
    const disabled = rig([port('port-1', { filtering: 'disabled', groupIds: [] }), port('port-2')], HUAWEI);
    await auditGroup(disabled.ports, change({ ...HUAWEI, interfaceId: 'port-1', eventName: 'updatePort' }));
    expect(findingGroups(disabled.recorded[0]!.findings)).toEqual(['port-security-disabled']);
    expect(completeGroups(disabled.recorded[0]!.complete)).toEqual(['port-security-disabled']);

    const reenabled = rig([port('port-1', { groupIds: [] }), port('port-2')], HUAWEI);
    await auditGroup(reenabled.ports, change({ ...HUAWEI, interfaceId: 'port-1', eventName: 'updatePort' }));
    expect(findingGroups(reenabled.recorded[0]!.findings)).toEqual([]);
    expect(completeGroups(reenabled.recorded[0]!.complete)).toEqual(['port-security-disabled']);
  });

  it('a group change still audits only that group', async () => {
    const { ports, recorded } = rig();
    await auditGroup(ports, change({ groupId: 'sg-c', eventName: 'AuthorizeSecurityGroupIngress' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-c']);
    expect(completeGroups(recorded[0]!.complete)).toEqual(['sg-c']);
  });
});
