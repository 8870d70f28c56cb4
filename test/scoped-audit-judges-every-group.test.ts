import { describe, expect, it } from 'vitest';
import { auditGroup } from '../src/app/audit-group.ts';
import type { GroupChange } from '../src/app/audit-group.ts';
import { findingNotice } from '../src/app/publish.ts';
import { readScope } from '../src/app/read-scope.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import type { Estate, Finding, SecurityGroup } from '../src/model/types.ts';
import { group, networkInterface, rule } from './support/build.ts';
import { appRig } from './support/app-rig.ts';

// An audit scoped to some groups (a real-time event, `/warden show`) reads the whole scope: every
// interface carrying an audited group is judged with all the groups it carries, the other groups get
// no findings of their own, and a group a rule names is not "gone" because it was not audited.

const SCOPE = { provider: 'aws' as const, account: '111122223333', region: 'eu-central-1' };
const NOW = new Date('2026-03-01T08:00:00Z');
const PUBLIC = { publicAddresses: [{ address: '198.51.100.7', family: 'ipv4' as const, kind: 'public-ip' as const }] };

const rig = (estate: Estate) => appRig(estate, estate.groups[0] as SecurityGroup, NOW);

function awsGroup(id: string, port: number, extra: Partial<SecurityGroup> = {}): SecurityGroup {
  return group({ ...SCOPE, id, name: id, rules: [rule({ ports: port })], ...extra });
}

const awsNic = (id: string, groupIds: string[], extra: Partial<NetworkInterface> = {}) =>
  networkInterface('aws', id, groupIds, { ...SCOPE, groupOrder: 'unknown', ...extra });

const change = (fields: Partial<GroupChange>): GroupChange => ({
  ...SCOPE,
  eventName: 'AuthorizeSecurityGroupIngress',
  ...fields,
});

const findingGroups = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.groupId))].sort();

describe('an audit of one group judges its interfaces with every group they carry', () => {
  const estate: Estate = {
    groups: [
      awsGroup('sg-a', 22, {
        rules: [rule({ ports: 22 }), rule({ ports: 5432, peer: { kind: 'group', groupId: 'sg-c', self: false } })],
      }),
      awsGroup('sg-b', 3389),
      awsGroup('sg-c', 5432),
    ],
    unparseable: [],
    scanErrors: [],
    interfaces: [
      awsNic('eni-1', ['sg-b', 'sg-a'], { ...PUBLIC, attachedTo: { kind: 'instance', id: 'i-1' } }),
      awsNic('eni-2', ['sg-c']),
    ],
  };

  it('a real-time group change reports the exposure of the group sets carrying it, and only that', async () => {
    const { ports, recorded } = rig(estate);
    await auditGroup(ports, change({ groupId: 'sg-a' }));
    const { findings, complete } = recorded[0]!;
    expect(findingGroups(findings)).toEqual(['sg-a', 'sg-a+sg-b']);
    expect(
      findings.filter((f) => f.check === 'interface-exposed-to-internet').map((f) => [f.subject, f.severity]),
    ).toEqual([
      ['port/22', 'critical'],
      ['port/3389', 'critical'],
    ]);
    // The set's findings are complete (so a fix of sg-a can resolve them); sg-b's own findings were not looked at.
    expect(complete.map((c) => c.groupId).sort()).toEqual(['sg-a', 'sg-a+sg-b', 'sg-b+sg-a']);
  });

  it('says nothing is left unevaluated, and counts only the interfaces that carry the group', async () => {
    const { ports } = rig(estate);
    const { report } = await readScope(ports, { providers: ['aws'], filter: {}, groupId: 'sg-a' });
    expect(report.summary.interfaces).toEqual({ read: 1, evaluated: 1 });
    expect(report.summary.interfacesNotEvaluated).toEqual({ count: 0, reasons: [] });
    expect(report.summary.groups).toBe(1);
  });

  it('a rule naming another group of the scope is not a stale reference because that group was not audited', async () => {
    const { ports } = rig(estate);
    const { report } = await readScope(ports, { providers: ['aws'], filter: {}, groupId: 'sg-a' });
    expect(report.findings.filter((f) => f.check === 'stale-reference')).toEqual([]);
  });

  it('a group bound to an interface that is not in the scope is named as such, never judged on the rest', async () => {
    const gone: Estate = { ...estate, interfaces: [awsNic('eni-3', ['sg-a', 'sg-gone'], PUBLIC)] };
    const { ports, recorded } = rig(gone);
    await auditGroup(ports, change({ groupId: 'sg-a' }));
    expect(findingGroups(recorded[0]!.findings)).toEqual(['sg-a']);
    expect(recorded[0]!.complete.map((c) => c.groupId)).toEqual(['sg-a']);
    const { report } = await readScope(ports, { providers: ['aws'], filter: {}, groupId: 'sg-a' });
    const skipped = report.summary.interfacesNotEvaluated;
    expect([skipped?.count, ...(skipped?.reasons ?? []).map((r) => `${r.reason}: ${r.sample.join(', ')}`)]).toEqual([
      1,
      'group sg-gone is bound to it but is not among the groups read in its scope (it does not exist there, or could not be read): eni-3',
    ]);
  });
});

describe('a fix proposed by a one-group audit is proved with the groups bound beside it', () => {
  it('Huawei: the plan for a group bound second is proved on the interface with the group bound first', async () => {
    const place = { provider: 'huawei' as const, account: 'acct', region: 'region-1' };
    const estate: Estate = {
      groups: [
        group({ ...place, id: 'sg-first', name: 'first', rules: [rule({ ports: 443 })] }),
        group({ ...place, id: 'sg-ssh', name: 'ssh', rules: [rule({ ports: 22 })] }),
      ],
      unparseable: [],
      scanErrors: [],
      interfaces: [networkInterface('huawei', 'port-1', ['sg-first', 'sg-ssh'], PUBLIC)],
    };
    const { ports } = rig(estate);
    const result = await readScope(ports, { providers: ['huawei'], filter: {}, groupId: 'sg-ssh' });
    const ssh = result.report.findings.find((f) => f.check === 'internet-admin-port' && f.groupId === 'sg-ssh');
    expect(ssh).toBeDefined();
    const notice = await findingNotice(ports, ssh!, result, 'realtime');
    expect(notice).not.toHaveProperty('noPlanReason');
    expect(notice).toMatchObject({
      planned: { proof: { interfaces: { checked: 1, neverWidens: true, findingGone: true } } },
    });
  });
});
