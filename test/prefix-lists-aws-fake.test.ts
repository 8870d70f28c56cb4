import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { runWarden } from './support/cli.ts';
import { startFakeEc2 } from './support/fake-ec2.ts';
import type { FakeEc2 } from './support/fake-ec2.ts';

// Prefix lists through the CLI against the paginating EC2 fake (moto does not paginate them, nor
// refuse them): a list of 250 entries read in pages of 100, an AWS-managed list (Internet share
// yes, wide-public-cidr no unless configured), and the lists that cannot be read (access denied,
// not found, another account's list no description names), each an unresolved-peer finding.

const REGION = 'eu-west-1';

let fake: FakeEc2;
let dir: string;

function run(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: 'AKIAFAKEWARDEN00TEST',
    AWS_SECRET_ACCESS_KEY: 'fake/secret/for/the/loopback/fake/only',
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_EC2: fake.endpoint,
    AWS_ENDPOINT_URL_STS: fake.endpoint,
    AWS_ENDPOINT_URL_AUTO_SCALING: fake.endpoint,
  };
  return runWarden(args, { env });
}

// 250 /24s of 10.0.0.0/8 and, last, the two halves of the Internet: only a read of every page finds them.
const BIG = [...Array.from({ length: 248 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`), '0.0.0.0/1', '128.0.0.0/1'];
const CLOUDFRONT = ['13.32.0.0/15', '52.84.0.0/15', '205.251.192.0/19'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-prefix-fake-'));
  const hex = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
  const g = (i: number) => hex(0x1000 + i);
  fake = await startFakeEc2({
    groups: 6,
    interfaces: 0,
    prefixLists: [
      {
        id: 'pl-0b16b16b16b16b16b',
        name: 'partners',
        family: 'IPv4',
        owner: '123456789012',
        version: 7,
        entries: BIG,
        usedBy: [g(0)],
      },
      {
        id: 'pl-3b927c52',
        name: 'com.amazonaws.global.cloudfront.origin-facing',
        family: 'IPv4',
        owner: 'AWS',
        version: 41,
        entries: CLOUDFRONT,
        usedBy: [g(1)],
      },
      {
        id: 'pl-0deniedde11ed0000',
        name: 'restricted',
        family: 'IPv4',
        owner: '123456789012',
        version: 1,
        entries: ['0.0.0.0/0'],
        usedBy: [g(2)],
      },
      {
        id: 'pl-0gone0000000000000',
        name: 'deleted-meanwhile',
        family: 'IPv4',
        owner: '123456789012',
        version: 1,
        entries: ['0.0.0.0/0'],
        usedBy: [g(3)],
      },
    ],
    undescribedPrefixLists: [{ id: 'pl-0f0re1gn00000000', usedBy: [g(4)] }],
  });
  await writeFile(
    join(dir, 'warden.yaml'),
    `providers:\n  aws:\n    regions: [${REGION}]\nscan:\n  retries: 2\n  timeoutMs: 30000\n`,
  );
  await writeFile(
    join(dir, 'count-managed.yaml'),
    `providers:\n  aws:\n    regions: [${REGION}]\nscan:\n  retries: 2\n  timeoutMs: 30000\nwide:\n  countProviderManagedLists: true\n`,
  );
});

afterAll(async () => {
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function audit(config: string): Promise<AuditReport> {
  fake.reset();
  fake.inject('GetManagedPrefixListEntries', 'access-denied', { prefixListId: 'pl-0deniedde11ed0000' });
  fake.inject('GetManagedPrefixListEntries', 'not-found', { prefixListId: 'pl-0gone0000000000000' });
  const result = await run(['audit', '--provider', 'aws', '--config', join(dir, config), '--format', 'json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AuditReport;
}

const of = (report: AuditReport, group: string, check: string) =>
  report.findings.filter((f) => f.groupName === group && f.check === check);

describe('AWS prefix lists against the paginating EC2 fake, through the CLI', () => {
  it('reads every page of a long list (100 entries a page) and finds the Internet in its last page', async () => {
    const report = await audit('warden.yaml');
    const entryPages = fake.requests.filter(
      (r) => r.action === 'GetManagedPrefixListEntries' && r.status === 200 && r.page > 0,
    );
    expect(entryPages.every((r) => r.maxResults === 100)).toBe(true);
    expect(entryPages.map((r) => r.page).filter((p) => p > 1)).toEqual([2, 3]);
    expect(of(report, 'group-0', 'internet-admin-port')).toHaveLength(1);
    expect(of(report, 'group-0', 'unresolved-peer')).toEqual([]);
  });

  it('an AWS-managed list counts for the Internet share but is not a wide public range, unless configured', async () => {
    const report = await audit('warden.yaml');
    expect(of(report, 'group-1', 'wide-public-cidr')).toEqual([]);
    expect(of(report, 'group-1', 'internet-admin-port')).toEqual([]);
    const counted = await audit('count-managed.yaml');
    expect(of(counted, 'group-1', 'wide-public-cidr').map((f) => f.detail)).toEqual([
      expect.stringContaining('from prefix list pl-3b927c52'),
    ]);
  });

  it("access denied, not found and another account's list: each an unresolved-peer finding naming the list and why; the rule counts as the whole Internet", async () => {
    const report = await audit('warden.yaml');
    const detail = (group: string) => of(report, group, 'unresolved-peer').map((f) => f.detail.split('. sgr-')[0]);
    expect(detail('group-2')).toEqual([
      'prefix list pl-0deniedde11ed0000 (restricted): UnauthorizedOperation: You are not authorized to perform this operation',
    ]);
    expect(detail('group-3')[0]).toMatch(
      /^prefix list pl-0gone0000000000000 \(deleted-meanwhile\): InvalidPrefixListID\.NotFound: /,
    );
    expect(detail('group-4')).toEqual([
      "prefix list pl-0f0re1gn00000000: NotDescribed: DescribeManagedPrefixLists does not list it (deleted, or another account's list not shared with this one)",
    ]);
    for (const group of ['group-2', 'group-3', 'group-4']) {
      expect(of(report, group, 'unresolved-peer')[0]?.severity).toBe('medium');
      expect(of(report, group, 'internet-admin-port')[0]?.detail).toContain('Depends on prefix list');
    }
    expect(report.summary.partial).toBe(false);
  });
});
