import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { configSchema } from '../src/config/schema.ts';
import type { Plan } from '../src/model/change.ts';
import type { NetworkInterface } from '../src/model/network-interface.ts';
import { ruleSignature } from '../src/model/rule-signature.ts';
import type { Estate, Finding, SecurityGroup } from '../src/model/types.ts';
import { planFindings } from '../src/remediation/plan.ts';
import { planFor } from '../src/remediation/planners/index.ts';
import { provePlanOnEstate } from '../src/remediation/prove-interfaces.ts';
import { isProven, provePlan } from '../src/remediation/prove.ts';
import { renderPlan } from '../src/remediation/render.ts';
import { findingMessage } from '../src/slack/blocks/finding.ts';
import { group, networkInterface, rule } from './support/build.ts';
import { runCli } from './support/run-cli.ts';

// A fix on a group changes every interface that carries it: the plan lists them, and the proof holds
// on each interface with all of its groups combined by the provider's rule.

const config = configSchema.parse({});

function estateOf(groups: SecurityGroup[], interfaces?: NetworkInterface[]): Estate {
  return { groups, unparseable: [], scanErrors: [], ...(interfaces ? { interfaces } : {}) };
}

function sshFinding(estate: Estate, groupId: string): Finding {
  const found = auditEstate(estate, config).findings.filter(
    (f) => f.groupId === groupId && f.check === 'internet-admin-port' && f.title.startsWith('Port 22 '),
  );
  expect(found).toHaveLength(1);
  return found[0] as Finding;
}

// Huawei's VPC access-control overview: the group bound first takes effect first.
describe('Huawei: a group bound first keeps the exposure', () => {
  const a = group({ provider: 'huawei', id: 'sg-a', name: 'a', rules: [rule({ ports: 22, id: 'a-ssh' })] });
  const b = group({ provider: 'huawei', id: 'sg-b', name: 'b', rules: [rule({ ports: 22, id: 'b-ssh' })] });
  const port = networkInterface('huawei', 'port-1', ['sg-a', 'sg-b'], {
    attachedTo: { kind: 'instance', id: 'ecs-1' },
  });

  it('fixing B alone is not proven for the interface, and the proof names the group that keeps it open', () => {
    const estate = estateOf([a, b], [port]);
    const result = planFindings(estate, [sshFinding(estate, 'sg-b')], config);
    expect(result.offered).toHaveLength(0);
    const [unproven] = result.unproven;
    expect(unproven?.proof.interfaces).toEqual({
      checked: 1,
      concerned: 1,
      neverWidens: true,
      findingGone: false,
      notes: [],
    });
    expect(unproven?.proof.otherChanges).toEqual([
      'interface port-1 (ecs-1): tcp/22 stays open to the Internet through group a (sg-a) rule a-ssh, so the finding is not gone there',
    ]);
    expect(unproven?.reason).toBe(
      'the finding would remain (interface port-1 (ecs-1): tcp/22 stays open to the Internet through group a (sg-a) rule a-ssh, so the finding is not gone there)',
    );
    // On the group alone (interfaces not read) the same plan is proven, as before.
    expect(planFindings(estateOf([a, b]), [sshFinding(estateOf([a, b]), 'sg-b')], config).offered).toHaveLength(1);
  });

  it('fixing B is proven where B is bound first and A does not open the port', () => {
    const web = group({ provider: 'huawei', id: 'sg-a', name: 'a', rules: [rule({ ports: 80, id: 'a-web' })] });
    const estate = estateOf([web, b], [{ ...port, groupIds: ['sg-b', 'sg-a'] }]);
    const result = planFindings(estate, [sshFinding(estate, 'sg-b')], config);
    expect(result.unproven.map((u) => u.reason)).toEqual([]);
    expect(result.offered[0]?.proof.interfaces).toEqual({
      checked: 1,
      concerned: 1,
      neverWidens: true,
      findingGone: true,
      notes: [],
    });
  });

  it('with the bind order unknown, a fix is proved on every order and the proof says so', () => {
    const web = group({ provider: 'huawei', id: 'sg-a', name: 'a', rules: [rule({ ports: 80, id: 'a-web' })] });
    const unordered = { ...port, groupIds: ['sg-b', 'sg-a'], groupOrder: 'unknown' as const };
    const estate = estateOf([web, b], [unordered]);
    const result = planFindings(estate, [sshFinding(estate, 'sg-b')], config);
    const [offered] = result.offered;
    expect(offered?.proof.interfaces?.notes).toEqual([
      'the bind order of the groups on 1 interface is not known: proved on the most open result over every order, so the proof holds under every order',
    ]);
    expect(renderPlan(offered!.plan, offered!.proof).slice(-3)).toEqual([
      "  proof: finding gone yes · never widens yes · only the finding's part changes yes",
      '  proof on interfaces: 1 carrying the group · none more open yes · finding gone on the 1 it concerned yes',
      '    note: the bind order of the groups on 1 interface is not known: proved on the most open result over every order, so the proof holds under every order',
    ]);
    // In some order A comes first and keeps port 22 open: not proven.
    const both = estateOf([a, b], [{ ...unordered, groupIds: ['sg-b', 'sg-a'] }]);
    expect(planFindings(both, [sshFinding(both, 'sg-b')], config).offered).toHaveLength(0);
  });

  it('refuses a plan that leaves the group no more open but opens the interface: a removed deny lets a later group decide', () => {
    const first = group({
      provider: 'huawei',
      id: 'sg-b',
      name: 'b',
      rules: [rule({ ports: 22, id: 'b-ssh' }), rule({ ports: 3389, action: 'deny', id: 'b-no-rdp' })],
    });
    const second = group({
      provider: 'huawei',
      id: 'sg-a',
      name: 'a',
      rules: [rule({ ports: 3389, id: 'a-rdp' })],
    });
    const estate = estateOf([first, second], [{ ...port, groupIds: ['sg-b', 'sg-a'] }]);
    const finding = sshFinding(estate, 'sg-b');
    const planned = planFor(finding, first, config) as Plan;
    const deny = first.rules[1]!;
    const plan: Plan = {
      ...planned,
      operations: [
        ...planned.operations,
        { op: 'remove', ruleId: 'b-no-rdp', signature: ruleSignature(deny, true), rule: deny },
      ],
      preconditions: [...planned.preconditions, { ruleId: 'b-no-rdp', signature: ruleSignature(deny, true) }],
    };
    // On the group alone the deny changes nothing: a group with no matching rule denies too.
    expect(isProven(provePlan(first, plan, config))).toBe(true);
    const proof = provePlanOnEstate(first, plan, config, estate);
    expect(proof.neverWidens).toBe(false);
    expect(isProven(proof)).toBe(false);
    expect(proof.otherChanges).toEqual([
      'interface port-1 (ecs-1) more open: ingress tcp/3389 from 0.0.0.0/0: newly allowed',
    ]);
  });
});

describe('AWS: a group shared by three interfaces', () => {
  const web = group({ provider: 'aws', id: 'sg-web', name: 'web', rules: [rule({ ports: 22, id: 'ssh' })] });
  const other = group({ provider: 'aws', id: 'sg-other', name: 'other', rules: [rule({ ports: 443, id: 'https' })] });
  const interfaces = [
    networkInterface('aws', 'eni-3', ['sg-web'], {
      groupOrder: 'unknown',
      attachedTo: { kind: 'instance', id: 'i-3' },
    }),
    networkInterface('aws', 'eni-1', ['sg-web', 'sg-other'], {
      groupOrder: 'unknown',
      attachedTo: { kind: 'instance', id: 'i-1' },
      publicAddresses: [{ address: '54.1.2.3', family: 'ipv4', kind: 'public-ip' }],
    }),
    networkInterface('aws', 'eni-2', ['sg-other', 'sg-web'], {
      groupOrder: 'unknown',
      attachedTo: { kind: 'instance', id: 'i-2' },
    }),
    networkInterface('aws', 'eni-9', ['sg-other'], { groupOrder: 'unknown' }),
  ];
  const estate = estateOf([web, other], interfaces);

  it('the plan lists the interfaces carrying the group and how many; the proof holds on each', () => {
    const [offered] = planFindings(estate, [sshFinding(estate, 'sg-web')], config).offered;
    expect(offered?.plan.blastRadius).toEqual({
      interfaces: 3,
      instances: 3,
      publicInterfaces: 1,
      sample: [
        { interface: 'eni-1', instance: 'i-1', public: true },
        { interface: 'eni-2', instance: 'i-2', public: false },
        { interface: 'eni-3', instance: 'i-3', public: false },
      ],
    });
    expect(offered?.proof.interfaces).toEqual({
      checked: 3,
      concerned: 3,
      neverWidens: true,
      findingGone: true,
      notes: [],
    });
    const lines = renderPlan(offered!.plan, offered!.proof);
    expect(lines.slice(-4)).toEqual([
      '  blast radius: this group is on 3 interfaces (3 instances, 1 public); the change touches all of them',
      '    eni-1 (i-1, public), eni-2 (i-2), eni-3 (i-3)',
      "  proof: finding gone yes · never widens yes · only the finding's part changes yes",
      '  proof on interfaces: 3 carrying the group · none more open yes · finding gone on the 3 it concerned yes',
    ]);
  });

  it('another group on one interface keeping the port open makes the fix unproven there', () => {
    const alsoSsh = group({
      provider: 'aws',
      id: 'sg-other',
      name: 'other',
      rules: [rule({ ports: 22, id: 'ssh-2' })],
    });
    const shared = estateOf([web, alsoSsh], interfaces);
    const [unproven] = planFindings(shared, [sshFinding(shared, 'sg-web')], config).unproven;
    expect(unproven?.proof.otherChanges).toEqual([
      'interface eni-1 (i-1) and 1 more interface with the same groups: tcp/22 stays open to the Internet through group other (sg-other) rule ssh-2, so the finding is not gone there',
    ]);
  });

  it('Slack shows the blast radius with the plan', () => {
    const finding = sshFinding(estate, 'sg-web');
    const [offered] = planFindings(estate, [finding], config).offered;
    const text = JSON.stringify(findingMessage(finding, offered).blocks);
    expect(text).toContain(
      '*Blast radius*: this group is on 3 interfaces (3 instances, 1 public); the change touches all of them: `eni-1` (`i-1`, public), `eni-2` (`i-2`), `eni-3` (`i-3`)',
    );
    expect(text).toContain(
      'On interfaces: 3 carrying the group · none more open :white_check_mark: · finding gone on the 3 it concerned :white_check_mark:',
    );
  });

  it('Slack cuts a long sample and says how many more', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      networkInterface('aws', `eni-${String(i).padStart(2, '0')}`, ['sg-web'], { groupOrder: 'unknown' }),
    );
    const big = estateOf([web, other], many);
    const finding = sshFinding(big, 'sg-web');
    const [offered] = planFindings(big, [finding], config).offered;
    expect(offered?.plan.blastRadius?.sample).toHaveLength(10);
    const text = JSON.stringify(findingMessage(finding, offered).blocks);
    expect(text).toContain(
      '*Blast radius*: this group is on 40 interfaces (0 instances, 0 public); the change touches all of them: `eni-00`, `eni-01`',
    );
    expect(text).toContain('`eni-09` and 30 more');
  });
});

describe('warden fix shows the blast radius (snapshot with network interfaces)', () => {
  let dir: string;
  const account = '123456789012';
  const sg = (id: string, name: string, port: number) => ({
    GroupId: id,
    GroupName: name,
    Description: name,
    VpcId: 'vpc-1',
    OwnerId: account,
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] },
    ],
    IpPermissionsEgress: [],
  });
  const eni = (id: string, groups: string[], instance: string, publicIp?: string) => ({
    NetworkInterfaceId: id,
    VpcId: 'vpc-1',
    InterfaceType: 'interface',
    Groups: groups.map((GroupId) => ({ GroupId })),
    Attachment: { InstanceId: instance },
    ...(publicIp ? { Association: { PublicIp: publicIp, IpOwnerId: 'amazon' } } : {}),
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warden-blast-'));
    await writeFile(
      join(dir, 'aws.json'),
      JSON.stringify({
        provider: 'aws',
        account,
        region: 'eu-west-1',
        pages: [
          {
            SecurityGroups: [
              sg('sg-0000000000000web1', 'web', 22),
              sg('sg-00000000000other1', 'other', 443),
              sg('sg-00000000000db0001', 'db', 22),
              sg('sg-00000000000ssh001', 'ssh', 22),
            ],
          },
          {
            NetworkInterfaces: [
              eni('eni-0000000000000001', ['sg-0000000000000web1'], 'i-0000000000000001', '54.1.2.3'),
              eni('eni-0000000000000002', ['sg-0000000000000web1', 'sg-00000000000other1'], 'i-0000000000000002'),
              eni('eni-0000000000000003', ['sg-0000000000000web1'], 'i-0000000000000002'),
              eni('eni-0000000000000004', ['sg-00000000000db0001', 'sg-00000000000ssh001'], 'i-0000000000000004'),
            ],
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the interfaces the change touches and the proof on them', async () => {
    const source = join(dir, 'aws.json');
    const audit = await runCli(['audit', '--source', source, '--format', 'json']);
    const report = JSON.parse(audit.stdout) as { findings: Finding[] };
    const finding = report.findings.find(
      (f) => f.groupId === 'sg-0000000000000web1' && f.check === 'internet-admin-port',
    );
    expect(finding).toBeDefined();
    const fixed = await runCli(['fix', finding!.fingerprint, '--source', source, '--dry-run']);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    const lines = fixed.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  blast radius:'));
    expect(lines.slice(at, at + 4)).toEqual([
      '  blast radius: this group is on 3 interfaces (2 instances, 1 public); the change touches all of them',
      '    eni-0000000000000001 (i-0000000000000001, public), eni-0000000000000002 (i-0000000000000002), eni-0000000000000003 (i-0000000000000002)',
      "  proof: finding gone yes · never widens yes · only the finding's part changes yes",
      '  proof on interfaces: 3 carrying the group · none more open yes · finding gone on the 3 it concerned yes',
    ]);
  });

  it('refuses a fix whose exposure another group on the interface keeps, naming the interface and the group', async () => {
    const source = join(dir, 'aws.json');
    const audit = await runCli(['audit', '--source', source, '--format', 'json']);
    const report = JSON.parse(audit.stdout) as { findings: Finding[] };
    const finding = report.findings.find(
      (f) => f.groupId === 'sg-00000000000db0001' && f.check === 'internet-admin-port',
    );
    const fixed = await runCli(['fix', finding!.fingerprint, '--source', source, '--dry-run']);
    expect(fixed.code).toBe(1);
    expect(fixed.stdout.split('\n').slice(-3)).toEqual([
      'refused',
      '  the plan would not remove the finding; no fix is offered: interface eni-0000000000000004 (i-0000000000000004): tcp/22 stays open to the Internet through group ssh (sg-00000000000ssh001) rule aws~25966136e993, so the finding is not gone there',
      '',
    ]);
  });
});
