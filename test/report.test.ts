import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshots } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CATALOG } from '../src/analysis/checks/index.ts';
import type { SuppressedFinding } from '../src/analysis/suppressions.ts';
import { formatTable } from '../src/cli/format-report.ts';
import { wrapLine } from '../src/cli/style.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Finding } from '../src/model/types.ts';
import { SEVERITIES } from '../src/model/types.ts';
import { runCli } from './support/run-cli.ts';
import type { CliRun } from './support/run-cli.ts';

// Issue 11, section 6: a report people act on, through the CLI.

const ACCOUNT = '111122223333';
const REMEDIATION = new Map(CATALOG.map((meta) => [meta.id, meta.remediation]));
const FINDING_LINE = /^ {2}(critical|high|medium|low|info) +(\S+) {2}(.*) {2}\[([0-9a-f]{12})\]$/;

let tmp: string;
const file = (name: string) => join(tmp, name);

function tcpFrom(port: number, source: { cidr: string } | { group: string }) {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: 'cidr' in source ? [{ CidrIp: source.cidr, Description: 'why' }] : [],
    Ipv6Ranges: [],
    PrefixListIds: [],
    UserIdGroupPairs: 'group' in source ? [{ GroupId: source.group, UserId: ACCOUNT, Description: 'why' }] : [],
  };
}

/** An AWS group as DescribeSecurityGroups lists it; outbound only to the VPC, so no egress-all finding. */
function awsGroup(id: string, name: string, ingress: ReturnType<typeof tcpFrom>[]) {
  return {
    GroupId: id,
    GroupName: name,
    Description: name,
    OwnerId: ACCOUNT,
    VpcId: 'vpc-0c287ac673ff4c79f',
    IpPermissions: ingress,
    IpPermissionsEgress: [
      {
        IpProtocol: '-1',
        IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'inside' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ],
  };
}

const SSH = awsGroup('sg-0aaaaaaaaaaaaaaa1', 'ssh-open', [tcpFrom(22, { cidr: '0.0.0.0/0' })]);
const DB = awsGroup('sg-0aaaaaaaaaaaaaaa2', 'db-open', [tcpFrom(3306, { cidr: '0.0.0.0/0' })]);
const RDP = awsGroup('sg-0aaaaaaaaaaaaaaa3', 'rdp-open', [tcpFrom(3389, { cidr: '0.0.0.0/0' })]);
const PARTNER = awsGroup('sg-0aaaaaaaaaaaaaaa4', 'partner', [tcpFrom(443, { cidr: '62.144.0.0/12' })]);
const APP = awsGroup('sg-0aaaaaaaaaaaaaaa5', 'app', [tcpFrom(5432, { group: 'sg-0aaaaaaaaaaaaaaa6' })]);
const WEB = awsGroup('sg-0aaaaaaaaaaaaaaa6', 'web', []);

function snapshot(groups: object[], extraPages: object[] = [], wrapper: object = { account: ACCOUNT }) {
  return JSON.stringify({
    provider: 'aws',
    region: 'eu-west-1',
    ...wrapper,
    pages: [{ SecurityGroups: groups }, ...extraPages],
  });
}

function json(result: CliRun): AuditReport {
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as AuditReport;
}

/** Bad input: exit 2, nothing on stdout, the first line of stderr (the problem) returned. */
function usageError(result: CliRun): string {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  return result.stderr.split('\n')[0] ?? '';
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-report-'));
  await writeFile(file('partner.json'), snapshot([PARTNER]));
  await writeFile(file('two.json'), snapshot([SSH, DB]));
  await writeFile(file('three.json'), snapshot([SSH, DB, RDP]));
  await writeFile(
    file('partial.yaml'),
    'providers:\n  otc:\n    endpoint: http://127.0.0.1:9\n    regions:\n      - { region: eu-de, projectId: ffffffffffffffffffffffffffffffff }\nscan:\n  retries: 0\n  timeoutMs: 2000\n',
  );
  await writeFile(file('not-json.json'), 'hello, this is not a report');
  await writeFile(file('not-report.json'), JSON.stringify({ findings: [{ check: 'x' }] }));
  // unused-group: a snapshot without `account` and a region without interfaces.
  await writeFile(file('no-account.json'), snapshot([SSH], [{ NetworkInterfaces: [] }], {}));
  // A referenced group is in use; the one that refers to it, attached to nothing, is not.
  await writeFile(file('referenced.json'), snapshot([APP, WEB], [{ NetworkInterfaces: [] }]));
  // An interface that also carries a group the snapshot does not list.
  await writeFile(
    file('other-group.json'),
    snapshot(
      [SSH, DB],
      [
        {
          NetworkInterfaces: [
            {
              NetworkInterfaceId: 'eni-0123456789abcdef0',
              OwnerId: ACCOUNT,
              Groups: [{ GroupId: SSH.GroupId }, { GroupId: 'sg-0ffffffffffffffff' }],
            },
          ],
        },
      ],
    ),
  );
  // A listing on its own (perhaps filtered to one group) next to the groups in another file.
  await mkdir(file('filtered'));
  await writeFile(file('filtered/groups.json'), JSON.stringify({ SecurityGroups: [SSH, DB] }));
  await writeFile(
    file('filtered/eni.json'),
    JSON.stringify({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-0123456789abcdef0',
          OwnerId: ACCOUNT,
          Groups: [{ GroupId: SSH.GroupId, GroupName: SSH.GroupName }],
        },
      ],
    }),
  );
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The table's findings: scope header, then each finding's header line and the lines under it. */
function tableFindings(
  stdout: string,
): { scope: string; severity: string; check: string; fingerprint: string; below: string[] }[] {
  const lines = stdout.split('\n');
  const found = [];
  let scope = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\S.* {2}\(\d+ findings?\)$/.test(line)) scope = line;
    const match = FINDING_LINE.exec(line);
    if (!match) continue;
    const below = [];
    for (let j = i + 1; j < lines.length && (lines[j] as string).startsWith(' '.repeat(11)); j++)
      below.push(lines[j] as string);
    found.push({
      scope,
      severity: match[1] as string,
      check: match[2] as string,
      fingerprint: match[4] as string,
      below,
    });
  }
  return found;
}

describe.concurrent('the table', () => {
  it('opens with the summary, then per provider/account/region the findings most severe first, each at low or above with its how-to-fix', async () => {
    const [table, report] = await Promise.all([
      runCli(['audit', '--source', 'examples']),
      runCli(['audit', '--source', 'examples', '--format', 'json']).then(json),
    ]);
    expect(table.code, table.stderr).toBe(0);
    const s = report.summary;
    const counts = SEVERITIES.filter((x) => s.bySeverity[x] > 0)
      .map((x) => `${s.bySeverity[x]} ${x}`)
      .join(', ');
    expect(table.stdout.split('\n').slice(0, 2)).toEqual([
      `${s.groups} groups, ${s.rules} rules audited; ${s.findings} findings: ${counts}`,
      '',
    ]);
    const findings = tableFindings(table.stdout);
    expect(findings.map((f) => f.fingerprint).sort()).toEqual(report.findings.map((f) => f.fingerprint).sort());
    const byFingerprint = new Map(report.findings.map((f) => [f.fingerprint, f]));
    for (const [i, f] of findings.entries()) {
      const previous = findings[i - 1];
      if (previous?.scope === f.scope)
        expect(SEVERITIES.indexOf(f.severity as never), `${f.scope} ${f.fingerprint}`).toBeGreaterThanOrEqual(
          SEVERITIES.indexOf(previous.severity as never),
        );
      const finding = byFingerprint.get(f.fingerprint) as Finding;
      expect(f.below.slice(0, 2)).toEqual([`           ${finding.title}`, `           ${finding.detail}`]);
      expect(f.below.slice(2)).toEqual(f.severity === 'info' ? [] : [`           fix: ${REMEDIATION.get(f.check)}`]);
    }
  });

  it('says "1 group", "1 rule", "1 finding" in the singular', async () => {
    const result = await runCli(['audit', '--source', file('partner.json')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual([
      '1 group, 2 rules audited; 1 finding: 1 medium',
      '',
      `aws ${ACCOUNT} eu-west-1  (1 finding)`,
    ]);
  });

  it('puts the PARTIAL warning and the scopes not read right under the summary', async () => {
    const result = await runCli(['audit', '--provider', 'otc', '--config', file('partial.yaml')], {
      OTC_ACCESS_KEY: 'OTCFAKEAK',
      OTC_SECRET_KEY: 'fake-secret',
    });
    expect(result.code, result.stderr).toBe(3);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      '0 groups, 0 rules audited; no findings',
      'PARTIAL: 1 scope not read; nothing in it is reported clean',
    ]);
    expect(lines[2]).toMatch(/^ {2}scan error: otc \S+ eu-de: ./);
  });

  it('names Alibaba\'s implicit rules "the implicit default rule", never by their internal priority', async () => {
    const [audit, explain] = await Promise.all([
      runCli(['audit', '--source', 'examples/alibaba-cn-hangzhou.json']),
      runCli([
        'explain',
        '--source',
        'examples/alibaba-cn-hangzhou.json',
        '--direction',
        'egress',
        'sg-bp110r32te9r7coecoacp',
      ]),
    ]);
    for (const result of [audit, explain]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toMatch(/1000000000|implicit:/);
    }
    expect(audit.stdout).toContain(
      'is allowed by the implicit default rule (allow all traffic to 0.0.0.0/0), the implicit default rule (allow all traffic to ::/0).',
    );
    expect(explain.stdout).toContain('        decided by the implicit default rule (allow all traffic to 0.0.0.0/0)');
  });

  it('is not wrapped when stdout is not a terminal', async () => {
    const result = await runCli(['audit', '--source', 'examples']);
    expect(Math.max(...result.stdout.split('\n').map((l) => l.length))).toBeGreaterThan(200);
  });

  it('wraps to a terminal width under the finding, never splitting a fingerprint', async () => {
    const report = auditEstate(await loadSnapshots('examples'), defaultConfig());
    for (const width of [60, 80]) {
      const lines = formatTable(report, { width }).split('\n');
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
      for (const finding of report.findings)
        expect(
          lines.some((l) => l.endsWith(`[${finding.fingerprint}]`)),
          finding.fingerprint,
        ).toBe(true);
      // Continuation lines keep the finding's indent.
      expect(lines.filter((l) => l !== '' && !/^(?:\S| {2}\S| {4}\S| {11}\S| {16}\S)/.test(l))).toEqual([]);
    }
    expect(
      wrapLine('  critical internet-admin-port  sg-0aaaaaaaaaaaaaaa1 ssh-open  [0123456789ab]', 40, ' '.repeat(11)),
    ).toEqual([
      '  critical internet-admin-port',
      '           sg-0aaaaaaaaaaaaaaa1 ssh-open',
      '           [0123456789ab]',
    ]);
    // A word longer than a line starts a line and is cut there; a line always has room for a fingerprint.
    expect(wrapLine(`  detail ${'x'.repeat(50)}`, 30, '  ')).toEqual([
      '  detail',
      `  ${'x'.repeat(28)}`,
      `  ${'x'.repeat(22)}`,
    ]);
    expect(wrapLine('  critical a [0123456789ab]', 8, '    ')).toEqual(['  critical a', '    [0123456789ab]']);
  });
});

describe.concurrent('--min-severity', () => {
  it('lists only findings at or above the level in every format; the summary still counts everything', async () => {
    const [all, table, high, markdown] = await Promise.all([
      runCli(['audit', '--source', 'examples', '--format', 'json']).then(json),
      runCli(['audit', '--source', 'examples', '--min-severity', 'high']),
      runCli(['audit', '--source', 'examples', '--format', 'json', '--min-severity', 'high']).then(json),
      runCli(['audit', '--source', 'examples', '--format', 'markdown', '--min-severity', 'high']),
    ]);
    const atOrAboveHigh = all.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
    const below = all.findings.length - atOrAboveHigh.length;
    expect(below).toBeGreaterThan(0);
    expect(high.findings).toEqual(atOrAboveHigh);
    expect(high.summary).toEqual(all.summary);
    expect(table.stdout.split('\n')[1]).toBe(`${below} findings below high not listed (--min-severity high)`);
    expect(tableFindings(table.stdout).map((f) => f.fingerprint)).toEqual(
      expect.arrayContaining(atOrAboveHigh.map((f) => f.fingerprint)),
    );
    expect(tableFindings(table.stdout)).toHaveLength(atOrAboveHigh.length);
    const rows = markdown.stdout.split('\n').filter((l) => /^\| (critical|high|medium|low|info) \|/.test(l));
    expect(rows).toHaveLength(atOrAboveHigh.length);
    // Each row carries its check's how-to-fix.
    for (const [i, row] of rows.entries())
      expect(row).toContain(` _Fix: ${REMEDIATION.get(atOrAboveHigh[i]?.check as string)}_ |`);
  });

  it('does not hide anything from --fail-on', async () => {
    const result = await runCli([
      'audit',
      '--source',
      file('partner.json'),
      '--min-severity',
      'critical',
      '--fail-on',
      'medium',
    ]);
    expect(result.code).toBe(1);
    expect(tableFindings(result.stdout)).toEqual([]);
    expect(result.stdout.split('\n')[1]).toBe('1 finding below critical not listed (--min-severity critical)');
  });

  it('with an unknown level is a usage error', async () => {
    expect(usageError(await runCli(['audit', '--min-severity', 'severe']))).toBe(
      'warden: --min-severity must be one of critical, high, medium, low, info (got "severe") (see `warden audit --help`)',
    );
  });
});

describe('suppressions in the config', () => {
  it('set accepted findings apart (listed with reason and expiry, counted), --fail-on ignores them, an expired entry warns and no longer applies', async () => {
    const before = json(await runCli(['audit', '--source', file('two.json'), '--format', 'json']));
    const ssh = before.findings.find((f) => f.groupId === SSH.GroupId && f.check === 'internet-admin-port') as Finding;
    const db = before.findings.find(
      (f) => f.groupId === DB.GroupId && f.check === 'internet-high-risk-port',
    ) as Finding;
    expect(before.findings.map((f) => f.fingerprint).sort()).toEqual([ssh.fingerprint, db.fingerprint].sort());
    await writeFile(
      file('suppress.yaml'),
      [
        'suppressions:',
        `  - { fingerprint: "${ssh.fingerprint}", reason: "bastion until the VPN is up", expires: "2099-12-31" }`,
        '  - { check: internet-high-risk-port, group: "aws:db-open", reason: migration window, expires: "2099-12-31" }',
        `  - { check: internet-admin-port, group: ${SSH.GroupId}, reason: old exception, expires: "2020-01-01" }`,
      ].join('\n'),
    );
    const expiredWarning = `warden: warning: suppressions[2] (internet-admin-port on ${SSH.GroupId}) expired on 2020-01-01; its findings are reported again\n`;
    const [report, table, failOn] = await Promise.all([
      runCli(['audit', '--source', file('two.json'), '--config', file('suppress.yaml'), '--format', 'json']),
      runCli(['audit', '--source', file('two.json'), '--config', file('suppress.yaml')]),
      runCli([
        'audit',
        '--source',
        file('two.json'),
        '--config',
        file('suppress.yaml'),
        '--fail-on',
        'info',
        '--format',
        'json',
      ]),
    ]);
    expect(report.stderr).toBe(expiredWarning);
    const parsed = JSON.parse(report.stdout) as AuditReport & { suppressed: SuppressedFinding[] };
    expect(parsed.findings).toEqual([]);
    expect(parsed.suppressed).toEqual([
      {
        ...ssh,
        suppression: {
          entry: `suppressions[0] (fingerprint ${ssh.fingerprint})`,
          reason: 'bastion until the VPN is up',
          expires: '2099-12-31',
        },
      },
      {
        ...db,
        suppression: {
          entry: 'suppressions[1] (internet-high-risk-port on aws:db-open)',
          reason: 'migration window',
          expires: '2099-12-31',
        },
      },
    ]);
    expect(parsed.summary).toMatchObject({ findings: 0, suppressed: 2, bySeverity: { critical: 0, high: 0 } });
    expect(table.stdout.split('\n').slice(0, 2)).toEqual([
      '2 groups, 4 rules audited; no findings',
      "2 findings suppressed by the config's suppressions (listed with --format json)",
    ]);
    expect(failOn.code, failOn.stderr).toBe(0);
    expect(failOn.stderr).toBe(expiredWarning);
  });

  it.each([
    [
      'no target',
      '{ reason: r, expires: "2099-01-01" }',
      'suppressions.0: needs a fingerprint, or both check and group',
    ],
    [
      'a check without a group',
      '{ check: egress-all, reason: r, expires: "2099-01-01" }',
      'suppressions.0: needs a fingerprint, or both check and group',
    ],
    [
      'an unknown check',
      '{ check: no-such-check, group: sg-1, reason: r, expires: "2099-01-01" }',
      'suppressions.0.check: is not a check id (`warden checks` lists them)',
    ],
    [
      'no reason',
      '{ fingerprint: "0123456789ab", expires: "2099-01-01" }',
      'suppressions.0.reason: is required: say why the finding is accepted',
    ],
    [
      'no expiry',
      '{ fingerprint: "0123456789ab", reason: r }',
      'suppressions.0.expires: is required: a date YYYY-MM-DD (quoted in YAML is safest)',
    ],
    [
      'a date that does not exist',
      '{ fingerprint: "0123456789ab", reason: r, expires: "2099-02-30" }',
      'suppressions.0.expires: is not a date YYYY-MM-DD',
    ],
    [
      'a short fingerprint',
      '{ fingerprint: "0123", reason: r, expires: "2099-01-01" }',
      'suppressions.0.fingerprint: is not a finding fingerprint (12 hex characters, as the report prints it)',
    ],
  ])('with %s is a config error naming the field', async (name, entry, message) => {
    const config = file(`bad-suppression-${name.replace(/\W+/g, '-')}.yaml`);
    await writeFile(config, `suppressions:\n  - ${entry}\n`);
    const result = await runCli(['audit', '--source', file('two.json'), '--config', config]);
    expect(usageError(result)).toBe(`warden: ${config}: ${message}`);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });
});

describe('--baseline', () => {
  it('reports and fails only on findings that are new since the earlier report', async () => {
    const earlier = await runCli(['audit', '--source', file('two.json'), '--format', 'json']);
    await writeFile(file('baseline.json'), earlier.stdout);
    const [now, table, same] = await Promise.all([
      runCli([
        'audit',
        '--source',
        file('three.json'),
        '--baseline',
        file('baseline.json'),
        '--format',
        'json',
        '--fail-on',
        'critical',
      ]),
      runCli(['audit', '--source', file('three.json'), '--baseline', file('baseline.json')]),
      runCli(['audit', '--source', file('two.json'), '--baseline', file('baseline.json'), '--fail-on', 'info']),
    ]);
    expect(now.code).toBe(1);
    const report = json(now);
    expect(report.findings.map((f) => [f.groupName, f.check])).toEqual([['rdp-open', 'internet-admin-port']]);
    expect(report.summary).toMatchObject({
      findings: 1,
      bySeverity: { critical: 1, high: 0 },
      baseline: { file: file('baseline.json'), known: 2 },
    });
    expect(table.stdout.split('\n').slice(0, 2)).toEqual([
      '3 groups, 6 rules audited; 1 finding: 1 critical',
      `2 findings already in the baseline ${file('baseline.json')}; 1 new finding since`,
    ]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout.split('\n').slice(0, 2)).toEqual([
      '2 groups, 4 rules audited; no findings',
      `2 findings already in the baseline ${file('baseline.json')}; 0 new findings since`,
    ]);
  });

  it.each([
    ['a missing file', 'missing.json', 'cannot read: ENOENT'],
    [
      'a file that is not JSON (its content is not echoed)',
      'not-json.json',
      'not JSON; expected an earlier `warden audit --format json` report',
    ],
    [
      'JSON that is not a report',
      'not-report.json',
      'not an earlier `warden audit --format json` report (needs a "findings" list whose entries each have a "fingerprint")',
    ],
  ])('with %s is one line, exit 2', async (_name, name, problem) => {
    const result = await runCli(['audit', '--source', file('two.json'), '--baseline', file(name)]);
    expect(usageError(result)).toBe(`warden: --baseline ${file(name)}: ${problem}`);
    expect(result.stderr).toBe(`warden: --baseline ${file(name)}: ${problem}\n`);
  });
});

describe.concurrent('unused-group', () => {
  const unused = (report: AuditReport) =>
    report.findings.filter((f) => f.check === 'unused-group').map((f) => `${f.account} ${f.groupName}`);

  it('flags a group of a snapshot without `account` in a region with no network interfaces', async () => {
    expect(unused(json(await runCli(['audit', '--source', file('no-account.json'), '--format', 'json'])))).toEqual([
      `${ACCOUNT} ssh-open`,
    ]);
  });

  it("does not flag a group another group's rule refers to", async () => {
    expect(unused(json(await runCli(['audit', '--source', file('referenced.json'), '--format', 'json'])))).toEqual([
      `${ACCOUNT} app`,
    ]);
  });

  it("uses the listing of the groups' own document, and makes up no group for one an interface names but no page lists", async () => {
    const report = json(await runCli(['audit', '--source', file('other-group.json'), '--format', 'json']));
    expect(unused(report)).toEqual([`${ACCOUNT} db-open`]);
    expect(report.summary.groups).toBe(2);
  });

  it("takes an interface listing outside the groups' snapshot document as attachments only, never as proof that the other groups are unused", async () => {
    expect(unused(json(await runCli(['audit', '--source', file('filtered'), '--format', 'json'])))).toEqual([]);
  });
});
