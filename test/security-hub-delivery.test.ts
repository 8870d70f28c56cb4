import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runWarden } from './support/cli.ts';
import { MAX_FINDING_BYTES, startFakeSecurityHub } from './support/fake-security-hub.ts';
import type { FakeSecurityHub } from './support/fake-security-hub.ts';

// `warden audit --security-hub` against a loopback Security Hub that enforces what the service
// documents and moto does not: the caller's account, 100 findings a call, 240 KB a finding, the
// customer's fields. Attacks first: a member account's findings sent with the management account's
// credentials must fail, loudly, and nothing is recorded as delivered.

const MEMBER = '123456789012';
const MANAGEMENT = '999999999999';
const MEMBER_KEY = 'AKIAMEMBERFAKE000001';
const MANAGEMENT_KEY = 'AKIAMANAGEMENTFAKE01';
const EXAMPLE = join(ROOT, 'examples/aws-eu-west-1.json');
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/WardenAudit`;

let hub: FakeSecurityHub;
let stateDir: string;

beforeAll(async () => {
  hub = await startFakeSecurityHub(
    { [MEMBER_KEY]: MEMBER, [MANAGEMENT_KEY]: MANAGEMENT },
    { [MEMBER_ROLE]: { externalId: 'warden-x1' } },
  );
});
afterAll(async () => {
  await hub.stop();
});
beforeEach(async () => {
  hub.findings.clear();
  hub.calls.length = 0;
  stateDir = await mkdtemp(join(tmpdir(), 'warden-shub-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function env(key: string): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: key,
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key-for-tests',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SECURITYHUB: hub.endpoint,
    AWS_ENDPOINT_URL_STS: hub.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    WARDEN_STATE_DIR: stateDir,
  };
}

const deliver = (source: string, key: string) =>
  runWarden(['audit', '--source', source, '--format', 'json', '--security-hub'], { env: env(key) });

function findingCount(stdout: string): number {
  return (JSON.parse(stdout) as { findings: unknown[]; suppressed: unknown[] }).findings.length;
}

describe('warden audit --security-hub: the caller must be the account the findings belong to', () => {
  it("a member account's findings sent with the management account's credentials are refused: exit 5, each refusal said, nothing recorded as delivered", async () => {
    const result = await deliver(EXAMPLE, MANAGEMENT_KEY);
    const count = findingCount(result.stdout);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'warden: Security Hub: imported 0 findings into 0 accounts; archived 0 resolved findings',
      `warden: Security Hub: ${count} findings not imported: account ${MEMBER} eu-west-1: AccessDeniedException: Account ${MANAGEMENT} cannot import findings for account ${MEMBER}`,
    ]);
    expect(hub.findings.size).toBe(0);
    const state = JSON.parse(await readFile(join(stateDir, 'security-hub.json'), 'utf8')) as {
      delivered: Record<string, unknown>;
    };
    expect(state.delivered).toEqual({});
  });

  it("with the member account's own credentials every finding is imported, once, under its fingerprint's Id", async () => {
    const result = await deliver(EXAMPLE, MEMBER_KEY);
    const report = JSON.parse(result.stdout) as { findings: { fingerprint: string }[] };
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      `warden: Security Hub: imported ${report.findings.length} findings into 1 account; archived 0 resolved findings\n`,
    );
    expect([...hub.findings.values()].map((s) => s.finding['Id']).sort()).toEqual(
      report.findings.map((f) => `warden/${f.fingerprint}`).sort(),
    );
    for (const { finding } of hub.findings.values()) {
      expect(finding['ProductArn']).toBe(`arn:aws:securityhub:eu-west-1:${MEMBER}:product/${MEMBER}/default`);
      expect(finding['AwsAccountId']).toBe(MEMBER);
      expect(finding['RecordState']).toBe('ACTIVE');
    }
  });
});

describe('warden audit --security-hub: through the member role', () => {
  it("with the management account's credentials, a member account's findings go in through the role config names for it (WardenAudit)", async () => {
    const config = join(stateDir, 'warden.yaml');
    await writeFile(
      config,
      `providers:\n  aws:\n    regions: [eu-west-1]\n    accounts:\n      - { roleArn: "${MEMBER_ROLE}", externalId: "warden-x1" }\n`,
    );
    const result = await runWarden(
      ['audit', '--source', EXAMPLE, '--config', config, '--format', 'json', '--security-hub'],
      { env: env(MANAGEMENT_KEY) },
    );
    const count = findingCount(result.stdout);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      `warden: Security Hub: imported ${count} findings into 1 account; archived 0 resolved findings\n`,
    );
    expect(hub.calls).toEqual([{ account: MEMBER, region: 'eu-west-1', findings: count, failed: 0 }]);
  });
});

describe('warden audit --security-hub: re-imports update, resolved findings are archived', () => {
  it('a second run updates the same findings (no duplicates) and leaves what the customer set (Workflow) alone', async () => {
    const first = await deliver(EXAMPLE, MEMBER_KEY);
    expect(first.code, first.stderr).toBe(0);
    const ids = [...hub.findings.keys()];
    const someId = String(hub.findings.get(ids[0] as string)?.finding['Id']);
    hub.customerUpdate(someId, { Workflow: { Status: 'SUPPRESSED' } });
    const second = await deliver(EXAMPLE, MEMBER_KEY);
    expect(second.code, second.stderr).toBe(0);
    expect([...hub.findings.keys()]).toEqual(ids);
    for (const stored of hub.findings.values()) expect(stored.imports).toBe(2);
    expect(hub.findings.get(ids[0] as string)?.finding['Workflow']).toEqual({ Status: 'SUPPRESSED' });
  });

  it('a finding no longer found in a scope read again is re-imported with RecordState ARCHIVED, and only that one', async () => {
    const first = await deliver(EXAMPLE, MEMBER_KEY);
    expect(first.code, first.stderr).toBe(0);
    // The same account and region without the launch-wizard group: its findings are resolved.
    const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8')) as {
      pages: { SecurityGroups?: { GroupName: string }[] }[];
    };
    for (const page of snapshot.pages)
      if (page.SecurityGroups)
        page.SecurityGroups = page.SecurityGroups.filter((g) => g.GroupName !== 'launch-wizard-1');
    const fixed = join(stateDir, 'fixed.json');
    await writeFile(fixed, JSON.stringify(snapshot));
    const before = findingCount(first.stdout);
    const second = await deliver(fixed, MEMBER_KEY);
    const after = findingCount(second.stdout);
    expect(second.code, second.stderr).toBe(0);
    expect(after).toBeLessThan(before);
    expect(second.stderr).toBe(
      `warden: Security Hub: imported ${after} findings into 1 account; archived ${before - after} resolved finding${before - after === 1 ? '' : 's'}\n`,
    );
    const states = [...hub.findings.values()].map((s) => s.finding['RecordState']);
    expect(states.filter((s) => s === 'ARCHIVED')).toHaveLength(before - after);
    expect(states.filter((s) => s === 'ACTIVE')).toHaveLength(after);
    expect(hub.findings.size).toBe(before);
  });

  it('more than 100 findings go in calls of at most 100', async () => {
    const groups = Array.from({ length: 60 }, (_, i) => ({
      GroupId: `sg-${String(i).padStart(17, '0')}`,
      GroupName: `open-${i}`,
      Description: 'admin ports open',
      VpcId: 'vpc-0c287ac673ff4c79f',
      OwnerId: MEMBER,
      IpPermissions: [22, 3389].map((port) => ({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'admin' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      })),
      IpPermissionsEgress: [],
    }));
    const many = join(stateDir, 'many.json');
    await writeFile(
      many,
      JSON.stringify({ provider: 'aws', account: MEMBER, region: 'eu-west-1', pages: [{ SecurityGroups: groups }] }),
    );
    const result = await deliver(many, MEMBER_KEY);
    const count = findingCount(result.stdout);
    expect(result.code, result.stderr).toBe(0);
    expect(count).toBeGreaterThan(100);
    expect(hub.calls.map((c) => c.findings)).toEqual([100, count - 100]);
    expect(hub.findings.size).toBe(count);
  });
});

describe('warden audit --security-hub: its state file', () => {
  it("a delivery state that is not Warden's is bad input: one line naming the file, exit 2, nothing imported", async () => {
    await writeFile(join(stateDir, 'security-hub.json'), '[1, 2]');
    const result = await runWarden(['audit', '--source', EXAMPLE, '--format', 'table', '--security-hub'], {
      env: env(MEMBER_KEY),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `warden: ${join(stateDir, 'security-hub.json')}: not Warden's Security Hub delivery state: no "delivered" object\n`,
    );
    expect(hub.findings.size).toBe(0);
  });
});

describe('the fake Security Hub enforces the documented rules (so the tests above mean something)', () => {
  const client = () =>
    new SecurityHubClient({
      region: 'eu-west-1',
      endpoint: hub.endpoint,
      credentials: { accessKeyId: MEMBER_KEY, secretAccessKey: 'fake-secret-key-for-tests' },
      maxAttempts: 1,
    });
  const finding = (id: string, extra: Record<string, unknown> = {}): AwsSecurityFinding =>
    ({
      SchemaVersion: '2018-10-08',
      Id: id,
      ProductArn: `arn:aws:securityhub:eu-west-1:${MEMBER}:product/${MEMBER}/default`,
      GeneratorId: 'warden/test',
      AwsAccountId: MEMBER,
      CreatedAt: '2026-12-06T08:00:00.000Z',
      UpdatedAt: '2026-12-06T08:00:00.000Z',
      Title: 't',
      Description: 'd',
      Resources: [{ Type: 'AwsEc2SecurityGroup', Id: 'sg-1' }],
      FindingProviderFields: { Severity: { Label: 'HIGH' }, Types: ['Software and Configuration Checks/x/y'] },
      ...extra,
    }) as AwsSecurityFinding;

  it('refuses a call of more than 100 findings', async () => {
    const findings = Array.from({ length: 101 }, (_, i) => finding(`f${i}`));
    await expect(client().send(new BatchImportFindingsCommand({ Findings: findings }))).rejects.toThrow(
      /1 to 100 findings \(got 101\)/,
    );
    expect(hub.findings.size).toBe(0);
  });

  it('fails a finding over 240 KB, a wrong ProductArn, and a re-import that sets Workflow; imports the rest', async () => {
    const big = finding('big', { ProductFields: { pad: 'x'.repeat(MAX_FINDING_BYTES) } });
    const wrongArn = finding('arn', { ProductArn: `arn:aws:securityhub:eu-west-1:${MEMBER}:product/aws/guardduty` });
    const answer = await client().send(new BatchImportFindingsCommand({ Findings: [finding('ok'), big, wrongArn] }));
    expect(answer.SuccessCount).toBe(1);
    expect(answer.FailedFindings?.map((f) => [f.Id, f.ErrorCode])).toEqual([
      ['big', 'InvalidInput'],
      ['arn', 'InvalidInput'],
    ]);
    const again = await client().send(
      new BatchImportFindingsCommand({ Findings: [finding('ok', { Workflow: { Status: 'RESOLVED' } })] }),
    );
    expect(again.FailedFindings?.[0]?.ErrorMessage).toMatch(/cannot update Workflow/);
    expect([...hub.findings.values()][0]?.finding['Workflow']).toEqual({ Status: 'NEW' });
  });
});
