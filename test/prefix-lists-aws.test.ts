import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateManagedPrefixListCommand,
  DescribeManagedPrefixListsCommand,
  EC2Client,
  ModifyManagedPrefixListCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsAdapter } from '../adapters/aws/live.ts';
import { readLiveEstate, normalizeScope as normalize } from '../adapters/live-estate.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { FixOutcome } from '../src/cli/fix.ts';
import { configSchema } from '../src/config/schema.ts';
import { applyPlan } from '../src/remediation/apply.ts';
import { planFindings } from '../src/remediation/plan.ts';
import { createFileChangeStore } from '../src/store/changes.ts';
import {
  awsOfficeSshConfig,
  createVpc,
  motoClientConfig,
  motoEnv,
  runWardenOnMoto,
  seedSecurityGroup,
  setProcessEnv,
  startMoto,
} from './support/moto.ts';
import type { Moto } from './support/moto.ts';

// Rules whose source is a managed prefix list, on moto_server, through the CLI: the list's entries
// are evaluated as addresses (SSH open to a list holding 0.0.0.0/0 is open to the Internet), an
// IPv6 list is IPv6, a list nobody describes is unresolved (moto answers any id with no entries),
// and the snapshot audit equals the live audit.

const REGION = 'eu-west-1';

let moto: Moto;
let dir: string;
let ec2: EC2Client;
const ids: Record<string, string> = {};

const run = (args: string[]) => runWardenOnMoto(moto.endpoint, REGION, join(dir, 'state'), args);

async function prefixList(name: string, family: 'IPv4' | 'IPv6', cidrs: string[]): Promise<string> {
  const answer = await ec2.send(
    new CreateManagedPrefixListCommand({
      PrefixListName: name,
      AddressFamily: family,
      MaxEntries: 10,
      Entries: cidrs.map((Cidr) => ({ Cidr })),
    }),
  );
  return answer.PrefixList?.PrefixListId as string;
}

const findingsOf = (report: AuditReport, group: string) =>
  report.findings
    .filter((f) => f.groupName === group)
    .map((f) => f.check)
    .sort();

beforeAll(async () => {
  moto = await startMoto();
  dir = await mkdtemp(join(tmpdir(), 'warden-prefix-lists-'));
  ec2 = new EC2Client(motoClientConfig(moto.endpoint, REGION));
  const vpc = await createVpc(ec2);
  ids['anywhere'] = await prefixList('anywhere', 'IPv4', ['0.0.0.0/0']);
  ids['office'] = await prefixList('office', 'IPv4', ['203.0.113.0/28', '198.51.100.7/32']);
  ids['anywhere6'] = await prefixList('anywhere-v6', 'IPv6', ['::/0']);
  const ssh = (list: string) => [
    { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: list }] },
  ];
  await seedSecurityGroup(ec2, vpc, 'ssh-via-list', ssh(ids['anywhere']));
  await seedSecurityGroup(ec2, vpc, 'ssh-via-office-list', ssh(ids['office']));
  await seedSecurityGroup(ec2, vpc, 'ssh-via-v6-list', ssh(ids['anywhere6']));
  await seedSecurityGroup(ec2, vpc, 'ssh-via-unknown-list', ssh('pl-0123456789abcdef0'));
  await writeFile(join(dir, 'warden.yaml'), awsOfficeSshConfig(REGION));
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('AWS managed prefix lists on moto, through the CLI', () => {
  let live: AuditReport;

  it('SSH open to a prefix list holding 0.0.0.0/0 (or ::/0 in an IPv6 list) is open to the Internet; an office list is not', async () => {
    const result = await run(['audit', '--provider', 'aws', '--config', join(dir, 'warden.yaml'), '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    live = JSON.parse(result.stdout) as AuditReport;
    expect(findingsOf(live, 'ssh-via-list')).toContain('internet-admin-port');
    const v6 = live.findings.find((f) => f.groupName === 'ssh-via-v6-list' && f.check === 'internet-admin-port');
    expect(v6?.detail).toContain('TCP IPv6 100%');
    expect(findingsOf(live, 'ssh-via-office-list')).not.toContain('internet-admin-port');
  });

  it('a list no description names (moto answers its id with no entries) is unresolved: its own finding, and counted as the whole Internet in the allow', () => {
    const unresolved = live.findings.find(
      (f) => f.groupName === 'ssh-via-unknown-list' && f.check === 'unresolved-peer',
    );
    expect(unresolved).toMatchObject({ severity: 'medium' });
    expect(unresolved?.detail).toContain(
      'prefix list pl-0123456789abcdef0: NotDescribed: DescribeManagedPrefixLists does not list it',
    );
    const internet = live.findings.find(
      (f) => f.groupName === 'ssh-via-unknown-list' && f.check === 'internet-admin-port',
    );
    expect(internet?.detail).toContain('Depends on prefix list pl-0123456789abcdef0');
  });

  it('warden snapshot writes the prefix-list pages, and the snapshot audit equals the live audit', async () => {
    const out = join(dir, 'estate.json');
    const snap = await run(['snapshot', '--provider', 'aws', '--config', join(dir, 'warden.yaml'), '--out', out]);
    expect(snap.code, snap.stderr).toBe(0);
    const written = JSON.parse(await readFile(out, 'utf8')) as { pages: Record<string, unknown>[] }[];
    const pages = written.flatMap((s) => s.pages);
    expect(pages.some((p) => Array.isArray(p['PrefixLists']))).toBe(true);
    expect(pages.find((p) => p['PrefixListId'] === ids['office'])).toEqual({
      PrefixListId: ids['office'],
      Entries: expect.arrayContaining([expect.objectContaining({ Cidr: '203.0.113.0/28' })]),
    });
    const fromFile = await run(['audit', '--source', out, '--format', 'json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((JSON.parse(fromFile.stdout) as AuditReport).findings).toEqual(live.findings);
  });

  it("a plan for a finding through a list says so, changes the group's rule (never the list), and names the list's version", async () => {
    const finding = live.findings.find((f) => f.groupName === 'ssh-via-list' && f.check === 'internet-admin-port');
    const dry = await run([
      'fix',
      finding!.fingerprint,
      '--provider',
      'aws',
      '--config',
      join(dir, 'warden.yaml'),
      '--dry-run',
      '--format',
      'json',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as FixOutcome;
    expect(planned.plan?.diff).toEqual([
      `- tcp/22 from prefix list ${ids['anywhere']} (anywhere: 0.0.0.0/0)`,
      '+ tcp/22 from 203.0.113.0/24 (office)',
    ]);
    expect(planned.plan?.notes).toContain(
      `the exposure comes through prefix list ${ids['anywhere']} (anywhere), which other groups may use: the plan changes only the rules of ssh-via-list, never the list; it holds while the list is unchanged (version 1)`,
    );
    expect(planned.plan?.setPreconditions).toEqual([
      { kind: 'prefix-list', id: ids['anywhere'], name: 'anywhere', version: '1' },
    ]);
  });

  it('apply refuses a plan whose list changed since it was made (ModifyManagedPrefixList), and changes nothing', async () => {
    const restore = setProcessEnv(motoEnv(moto.endpoint, REGION));
    const config = configSchema.parse({
      providers: { aws: { regions: [REGION] } },
      remediation: { trustedSources: { '22': [{ source: '203.0.113.0/24', label: 'office' }] } },
    });
    const adapter = createAwsAdapter({ config });
    try {
      const { estate } = await readLiveEstate([adapter]);
      const group = estate.groups.find((g) => g.name === 'ssh-via-list')!;
      const finding = live.findings.find((f) => f.groupName === 'ssh-via-list' && f.check === 'internet-admin-port')!;
      const plan = planFindings(estate, [finding], config).offered[0]!.plan;
      const listed = await ec2.send(
        new DescribeManagedPrefixListsCommand({ PrefixListIds: [ids['anywhere'] as string] }),
      );
      await ec2.send(
        new ModifyManagedPrefixListCommand({
          PrefixListId: ids['anywhere'],
          CurrentVersion: listed.PrefixLists?.[0]?.Version,
          AddEntries: [{ Cidr: '192.0.2.0/24' }],
        }),
      );
      const store = createFileChangeStore(join(dir, 'changes'));
      const record = await applyPlan({
        adapter,
        normalize,
        scope: { provider: 'aws', account: group.account, region: REGION },
        plan,
        store,
        actor: 'tester',
      });
      expect(record.status).toBe('refused');
      expect(record.messages).toEqual([
        `refused: group ${group.id} changed since the plan was made; nothing was changed`,
        `prefix list ${ids['anywhere']} (anywhere) changed since the plan was made (version 1, now 2)`,
      ]);
    } finally {
      adapter.close();
      restore();
    }
  });
});
