import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { GroupUse, GroupUseKind, NetworkInterface } from '../src/model/network-interface.ts';
import type { Estate, SecurityGroup } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';

const place = { provider: 'aws' as const, account: '111', region: 'eu-west-1' };

function sshOpen(id: string, attachments?: string[]): SecurityGroup {
  return group({
    ...place,
    id,
    name: id,
    rules: [rule({ ports: 22, peer: '0.0.0.0/0' })],
    ...(attachments ? { attachments: attachments.map((a) => ({ kind: 'network-interface' as const, id: a })) } : {}),
  });
}

function eni(id: string, groupIds: string[], publicIp?: string): NetworkInterface {
  return {
    ...place,
    vpcId: 'vpc-1',
    id,
    groupIds,
    groupOrder: 'unknown',
    publicAddresses: publicIp ? [{ address: publicIp, family: 'ipv4', kind: 'public-ip' }] : [],
  };
}

function sshFinding(estate: Estate, config = defaultConfig()) {
  return auditEstate(estate, config).findings.find((f) => f.check === 'internet-admin-port');
}

describe('Internet findings rank by what can be reached', () => {
  it("keeps today's severity where no interfaces were read (a snapshot without a listing)", () => {
    const finding = sshFinding({ groups: [sshOpen('sg-1')], unparseable: [], scanErrors: [] });
    expect(finding?.severity).toBe('critical');
  });

  it('keeps critical for a group on a public interface', () => {
    const estate: Estate = {
      groups: [sshOpen('sg-1', ['eni-1'])],
      interfaces: [eni('eni-1', ['sg-1'], '54.1.2.3')],
      unparseable: [],
      scanErrors: [],
    };
    expect(sshFinding(estate)?.severity).toBe('critical');
  });

  it('lowers a group attached only to private interfaces by one level and says why', () => {
    const estate: Estate = {
      groups: [sshOpen('sg-1', ['eni-1', 'eni-2'])],
      interfaces: [eni('eni-1', ['sg-1']), eni('eni-2', ['sg-1'])],
      unparseable: [],
      scanErrors: [],
    };
    const finding = sshFinding(estate);
    expect(finding?.severity).toBe('high');
    expect(finding?.detail).toContain('attached to 2 interfaces, none public, so critical lowered to high');
  });

  it('lowers a group attached to nothing, by the configured number of levels (0 disables)', () => {
    const estate: Estate = { groups: [sshOpen('sg-1', [])], interfaces: [], unparseable: [], scanErrors: [] };
    const two = configSchema.parse({ exposure: { privateSeverityDrop: 2 } });
    const off = configSchema.parse({ exposure: { privateSeverityDrop: 0 } });
    expect(sshFinding(estate, two)?.severity).toBe('medium');
    expect(sshFinding(estate, off)?.severity).toBe('critical');
    expect(sshFinding(estate)?.detail).toContain('attached to no interface');
  });

  it('never lowers a group on an interface whose public addresses could not be read', () => {
    const unknown = { ...eni('p-1', ['sg-1']), publicAddressesUnknown: 'EIPs not read' };
    const estate: Estate = {
      groups: [sshOpen('sg-1', ['p-1'])],
      interfaces: [unknown],
      unparseable: [],
      scanErrors: [],
    };
    expect(sshFinding(estate)?.severity).toBe('critical');
  });

  it('never lowers a group a launch template names with a public address', () => {
    const use: GroupUse = {
      ...place,
      groupId: 'sg-1',
      by: { kind: 'launch-template', id: 'lt-1' },
      assignsPublicAddress: true,
    };
    const estate: Estate = {
      groups: [sshOpen('sg-1', [])],
      interfaces: [],
      groupUses: [use],
      unparseable: [],
      scanErrors: [],
    };
    expect(sshFinding(estate)?.severity).toBe('critical');
  });

  it('rejects a drop outside 0..2 in the config', () => {
    expect(configSchema.safeParse({ exposure: { privateSeverityDrop: 3 } }).success).toBe(false);
  });
});

describe('unused-group knows every kind of use', () => {
  const unused = (estate: Estate) =>
    auditEstate(estate, defaultConfig()).findings.find((f) => f.check === 'unused-group');

  it('is silent for a group only a launch template names', () => {
    const use: GroupUse = {
      ...place,
      groupId: 'sg-1',
      by: { kind: 'launch-configuration', id: 'lc-1' },
      assignsPublicAddress: false,
    };
    expect(
      unused({ groups: [sshOpen('sg-1', [])], interfaces: [], groupUses: [use], unparseable: [], scanErrors: [] }),
    ).toBeUndefined();
  });

  it('says which uses it checked, and warns when launch templates were not read', () => {
    const read = unused({
      groups: [sshOpen('sg-1', [])],
      interfaces: [],
      groupUses: [],
      groupUseListings: [
        { provider: 'aws', kind: 'launch-template' },
        { provider: 'aws', kind: 'launch-configuration' },
      ],
      unparseable: [],
      scanErrors: [],
    });
    expect(read?.detail).toContain(
      "Checked: no network interface carries it; no other group's rule names it; no launch template version names it; no launch configuration names it.",
    );
    const unread = unused({ groups: [sshOpen('sg-1', [])], interfaces: [], unparseable: [], scanErrors: [] });
    expect(unread?.detail).toContain(
      'launch templates and configurations were not read, so check them before deleting it',
    );
  });

  it('says on Alibaba which of launch templates, scaling configurations and ECI scaling configurations were listed, and that the others were not read', () => {
    const alibaba = { ...sshOpen('sg-1', []), provider: 'alibaba' as const };
    const estate = (kinds: GroupUseKind[]) => ({
      groups: [alibaba],
      interfaces: [],
      groupUses: [],
      groupUseListings: kinds.map((kind) => ({ provider: 'alibaba' as const, kind })),
      unparseable: [],
      scanErrors: [],
    });
    expect(unused(estate(['launch-template']))?.detail).toContain(
      'no launch template version names it; scaling configurations and ECI scaling configurations were not read, so check them before deleting it.',
    );
    expect(unused(estate(['launch-template', 'scaling-configuration']))?.detail).toContain(
      'no launch template version names it; no Auto Scaling scaling configuration names it; ECI scaling configurations were not read, so check them before deleting it.',
    );
    expect(unused(estate(['launch-template', 'scaling-configuration', 'eci-scaling-configuration']))?.detail).toContain(
      'no launch template version names it; no Auto Scaling scaling configuration names it; no Auto Scaling ECI scaling configuration names it.',
    );
    // Another cloud's listings say nothing of Alibaba's.
    const awsOnly = {
      ...estate([]),
      groupUseListings: [{ provider: 'aws' as const, kind: 'launch-template' as const }],
    };
    expect(unused(awsOnly)?.detail).toContain(
      'launch templates and configurations were not read, so check them before deleting it',
    );
  });
});
