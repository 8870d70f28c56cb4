import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError } from './support/cli.ts';
import { runCli } from './support/run-cli.ts';
import type { CliRun } from './support/run-cli.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CATALOG } from '../src/analysis/checks/index.ts';
import type { CheckMeta } from '../src/analysis/check.ts';
import type { ExposurePart } from '../src/analysis/explain.ts';

// The real CLI as a child process: node src/cli/main.ts <args>, from the repository root.
// Under `npm test` process.execPath is the project's Node 24 (it runs .ts directly).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = 'src/cli/main.ts';
const WEB_PUBLIC = 'sg-0802e1363b77fe886'; // examples/aws-eu-west-1.json, 80/443 from anywhere

type Run = CliRun;

function run(args: string[], script = MAIN): Promise<Run> {
  return runCli(args, {}, script);
}

const memo = new Map<string, Promise<Run>>();
/** The same run shared by several tests (the CLI is deterministic): fewer spawns, a faster suite. */
function runOnce(args: string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let result = memo.get(key);
  if (!result) {
    result = run(args);
    memo.set(key, result);
  }
  return result;
}

const SUMMARY_LINE = /^(\d+) groups?, (\d+) rules? audited; (?:no findings|(\d+) findings?: .+)$/;

let tmp: string;
const file = (name: string) => join(tmp, name);

/** One AWS group with HTTPS from the VPC only and all traffic out: one `info` finding, nothing critical. */
const CLEAN_SNAPSHOT = {
  provider: 'aws',
  account: '123456789012',
  region: 'eu-west-1',
  pages: [
    {
      SecurityGroups: [
        {
          Description: 'HTTPS from the VPC',
          GroupName: 'internal-https',
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 443,
              ToPort: 443,
              IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'VPC' }],
              Ipv6Ranges: [],
              PrefixListIds: [],
              UserIdGroupPairs: [],
            },
          ],
          OwnerId: '123456789012',
          GroupId: 'sg-0123456789abcdef0',
          IpPermissionsEgress: [
            {
              IpProtocol: '-1',
              IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'all out' }],
              Ipv6Ranges: [],
              PrefixListIds: [],
              UserIdGroupPairs: [],
            },
          ],
          VpcId: 'vpc-0c287ac673ff4c79f',
        },
      ],
    },
  ],
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'warden-cli-'));
  await writeFile(file('clean.json'), JSON.stringify(CLEAN_SNAPSHOT));
  await mkdir(file('no-json'));
  await writeFile(file('no-json/notes.txt'), 'not a snapshot');
  await writeFile(file('invalid.json'), '{"provider": "aws", "pages": [');
  await writeFile(file('unknown-page.json'), JSON.stringify({ provider: 'aws', pages: [{ Foo: 1 }] }));
  await writeFile(file('unknown-provider.json'), JSON.stringify({ provider: 'gcp', pages: [] }));
  await writeFile(
    file('bare-huawei.json'),
    JSON.stringify({
      request_id: 'a1f3c2d6e1b94b2a8f3e6d7c5b4a3921',
      security_groups: [
        {
          id: 'e72e6fba-8ed3-5cde-9ff6-36f062e1e51b',
          name: 'default',
          description: 'Default security group',
          project_id: '060576782980d5762f9ec014dd2f1148',
          tags: [],
        },
      ],
      page_info: { current_count: 1 },
    }),
  );
  await writeFile(file('bad-config.json'), JSON.stringify({ internet: { minShare: 5 } }));
  await writeFile(file('bad-config.yaml'), 'wide:\n  ipv4Prefix: 40\n');
  await writeFile(file('quiet.yaml'), '# egress-all is accepted here\nchecks:\n  disabled:\n    - egress-all\n');
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the test runs the CLI on the project Node', () => {
  it('process.execPath is Node 24 or later (package.json engines), which runs .ts directly', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });
});

describe.concurrent('warden audit', () => {
  it('on examples/ exits 0 with a table whose first line sums up groups, rules and findings', async () => {
    const result = await run(['audit', '--source', 'examples']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const first = result.stdout.split('\n')[0] ?? '';
    const match = SUMMARY_LINE.exec(first);
    expect(match, first).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(0);
    expect(Number(match?.[2])).toBeGreaterThan(0);
    expect(Number(match?.[3])).toBeGreaterThan(0);
    // One section per provider/account/region with its findings.
    expect(result.stdout).toMatch(/^aws 123456789012 eu-west-1 {2}\(\d+ findings?\)$/m);
    expect(result.stdout).toContain('internet-admin-port');
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('--source defaults to examples/, and the table agrees with the JSON report', async () => {
    const [table, json] = await Promise.all([
      run(['audit']),
      runOnce(['audit', '--source', 'examples', '--format', 'json']),
    ]);
    expect(table.code).toBe(0);
    const report = JSON.parse(json.stdout) as AuditReport;
    const first = table.stdout.split('\n')[0] ?? '';
    expect(SUMMARY_LINE.exec(first)?.slice(1, 4).map(Number)).toEqual([
      report.summary.groups,
      report.summary.rules,
      report.summary.findings,
    ]);
    for (const finding of report.findings) expect(table.stdout).toContain(`[${finding.fingerprint}]`);
  });

  it('--format json prints only JSON, with findings and summary', async () => {
    const result = await runOnce(['audit', '--source', 'examples', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as AuditReport; // throws if anything but JSON is on stdout
    expect(Object.keys(report).sort()).toEqual(['findings', 'summary', 'suppressed']);
    expect(report.summary.groups).toBeGreaterThan(0);
    expect(report.summary.rules).toBeGreaterThan(0);
    expect(Array.isArray(report.findings)).toBe(true);
    expect(report.findings).toHaveLength(report.summary.findings);
    expect(report.summary.partial).toBe(false);
    for (const finding of report.findings) {
      expect(finding.fingerprint).toMatch(/^[0-9a-f]{12}$/);
      expect(CATALOG.map((c) => c.id)).toContain(finding.check);
    }
  });

  it('--format markdown prints a markdown table with one row per finding', async () => {
    const [markdown, json] = await Promise.all([
      run(['audit', '--source', 'examples', '--format', 'markdown']),
      runOnce(['audit', '--source', 'examples', '--format', 'json']),
    ]);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stderr).toBe('');
    const report = JSON.parse(json.stdout) as AuditReport;
    const lines = markdown.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('# Warden audit');
    const header = lines.findIndex((l) => l.startsWith('| severity | check |'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^\|(---\|)+$/);
    const columns = (lines[header] ?? '').split('|').length;
    const rows = lines.slice(header + 2).filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(report.summary.findings);
    // Pipes inside cells are escaped, so every row has the header's columns.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length, row).toBe(columns);
    expect(markdown.stdout).toContain(
      `${report.summary.groups} groups, ${report.summary.rules} rules; ${report.summary.findings} findings`,
    );
  });

  it('--fail-on critical exits 1 on examples/, which has critical findings, and still prints the report', async () => {
    const result = await run(['audit', '--source', 'examples', '--fail-on', 'critical']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\d+ critical/);
    expect(result.stderr).toBe('');
  });

  it('--fail-on critical exits 0 on a snapshot with nothing at or above critical; --fail-on info exits 1 on it', async () => {
    const critical = await run(['audit', '--source', file('clean.json'), '--fail-on', 'critical', '--format', 'json']);
    expect(critical.code, critical.stderr).toBe(0);
    const report = JSON.parse(critical.stdout) as AuditReport;
    expect(report.summary.groups).toBe(1);
    expect(report.summary.bySeverity.critical).toBe(0);
    // The threshold is what makes the difference: the same snapshot has an info finding.
    expect(report.findings.map((f) => f.severity)).toContain('info');
    const info = await run(['audit', '--source', file('clean.json'), '--fail-on', 'info']);
    expect(info.code).toBe(1);
  });

  it('--fail-on with an unknown severity is a usage error', async () => {
    const result = await run(['audit', '--fail-on', 'severe']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--fail-on must be one of critical, high, medium, low, info \(got "severe"\)/);
  });

  it('a valid YAML config is read: a disabled check is not reported', async () => {
    const result = await run([
      'audit',
      '--source',
      file('clean.json'),
      '--config',
      file('quiet.yaml'),
      '--fail-on',
      'info',
      '--format',
      'json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(report.summary.groups).toBe(1);
    expect(report.findings.filter((f) => f.check === 'egress-all')).toEqual([]);
  });
});

describe.concurrent('bad input exits 2 with one line on stderr naming the file and the problem', () => {
  it('a missing path', async () => {
    const missing = file('does-not-exist');
    const message = expectOneLineError(await run(['audit', '--source', missing]));
    expect(message).toContain(missing);
    expect(message).toMatch(/cannot read: ENOENT/);
  });

  it('a folder with no json files', async () => {
    const message = expectOneLineError(await run(['audit', '--source', file('no-json')]));
    expect(message).toContain('no-json');
    expect(message).toMatch(/no \*\.json snapshot files/);
  });

  it('invalid JSON', async () => {
    const message = expectOneLineError(await run(['audit', '--source', file('invalid.json')]));
    expect(message).toContain('invalid.json');
    expect(message).toMatch(/invalid JSON/);
  });

  it('an unknown page shape', async () => {
    const message = expectOneLineError(await run(['audit', '--source', file('unknown-page.json')]));
    expect(message).toContain('unknown-page.json');
    expect(message).toContain('pages[0]');
    expect(message).toMatch(/DescribeSecurityGroups/);
  });

  it('an unknown provider', async () => {
    const message = expectOneLineError(await run(['audit', '--source', file('unknown-provider.json')]));
    expect(message).toContain('unknown-provider.json');
    expect(message).toMatch(/"provider" must be one of aws, alibaba, huawei, otc \(got "gcp"\)/);
  });

  it('a bare Huawei/OTC VPC v3 body (the provider is ambiguous)', async () => {
    const message = expectOneLineError(await run(['audit', '--source', file('bare-huawei.json')]));
    expect(message).toContain('bare-huawei.json');
    expect(message).toMatch(/Huawei/);
    expect(message).toMatch(/OTC/);
    expect(message).toMatch(/"provider"/);
  });

  it('a malformed JSON config names the field', async () => {
    const message = expectOneLineError(await run(['audit', '--config', file('bad-config.json')]));
    expect(message).toContain('bad-config.json');
    expect(message).toContain('internet.minShare');
  });

  it('a malformed YAML config names the field', async () => {
    const message = expectOneLineError(await run(['audit', '--config', file('bad-config.yaml')]));
    expect(message).toContain('bad-config.yaml');
    expect(message).toContain('wide.ipv4Prefix');
  });

  it('a missing config file', async () => {
    const message = expectOneLineError(await run(['audit', '--config', file('nope.yaml')]));
    expect(message).toContain('nope.yaml');
    expect(message).toMatch(/ENOENT/);
  });
});

describe.concurrent("usage errors exit 2 with one line that points to the command's help", () => {
  it('an unknown option', async () => {
    const message = expectOneLineError(await run(['audit', '--bogus']));
    expect(message).toMatch(/^warden: .*--bogus.* \(see `warden audit --help`\)$/);
  });

  it('an unknown format', async () => {
    const message = expectOneLineError(await run(['audit', '--format', 'xml']));
    expect(message).toBe(
      'warden: --format must be one of table, json, markdown, sarif, ocsf, asff (got "xml") (see `warden audit --help`)',
    );
  });

  it('an unknown command', async () => {
    const message = expectOneLineError(await run(['audits']));
    expect(message).toBe('warden: unknown command "audits" (see `warden --help`)');
  });
});

describe.concurrent('warden explain', () => {
  it('prints the parts of a group of examples/ with the rule that decides each', async () => {
    const result = await run(['explain', WEB_PUBLIC]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')[0]).toContain(`${WEB_PUBLIC} web-public`);
    expect(result.stdout).toMatch(/allow ipv4 tcp\/80 from 0\.0\.0\.0\/0/);
    expect(result.stdout).toMatch(/allow ipv6 tcp\/443 from ::\/0/);
    const decided = result.stdout.split('\n').filter((l) => l.includes('decided by'));
    expect(decided.length).toBeGreaterThanOrEqual(4);
  });

  it('--format json parses, with the group and its parts', async () => {
    const result = await run(['explain', WEB_PUBLIC, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const explained = JSON.parse(result.stdout) as {
      groupId: string;
      groupName: string;
      provider: string;
      direction: string;
      parts: ExposurePart[];
    }[];
    expect(explained).toHaveLength(1);
    const [group] = explained;
    expect(group).toMatchObject({
      provider: 'aws',
      groupId: WEB_PUBLIC,
      groupName: 'web-public',
      direction: 'ingress',
    });
    expect(group?.parts.length).toBeGreaterThan(0);
    for (const part of group?.parts ?? []) {
      expect(part.decidedBy).not.toBe('');
      expect(['allow', 'deny']).toContain(part.decision);
    }
    expect(group?.parts.map((p) => `${p.family} ${p.protocol}/${p.ports}`).sort()).toEqual([
      'ipv4 tcp/443',
      'ipv4 tcp/80',
      'ipv6 tcp/443',
      'ipv6 tcp/80',
    ]);
  });

  it('an unknown group exits 2 and names it', async () => {
    const result = await run(['explain', 'sg-00000000000000000']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual(['warden: group sg-00000000000000000 is not in examples']);
  });

  it('without a group id is a usage error', async () => {
    const result = await run(['explain']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('warden: explain takes exactly one group id (see `warden explain --help`)\n');
  });
});

describe.concurrent('warden checks', () => {
  it('lists every check of the catalog', async () => {
    const result = await run(['checks']);
    expect(result.code, result.stderr).toBe(0);
    expect(CATALOG.length).toBeGreaterThan(0);
    for (const meta of CATALOG) {
      expect(result.stdout).toMatch(
        new RegExp(`^${meta.id} +${meta.severity} +${meta.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      );
    }
  });

  it('--format json parses to the catalog', async () => {
    const result = await run(['checks', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const catalog = JSON.parse(result.stdout) as CheckMeta[];
    expect(catalog.map((c) => c.id)).toEqual(CATALOG.map((c) => c.id));
    expect(catalog.map((c) => c.severity)).toEqual(CATALOG.map((c) => c.severity));
  });
});

describe('the installed command', () => {
  it('package.json bin `warden` exists and runs `checks`', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    const bin = pkg.bin?.['warden'];
    expect(bin).toBe('bin/warden.js');
    expect(existsSync(join(ROOT, bin as string)), `${bin} is missing`).toBe(true);
    const result = await run(['checks'], bin);
    expect(result.code, result.stderr).toBe(0);
    for (const meta of CATALOG) expect(result.stdout).toContain(meta.id);
  });
});

/** A Node older than 24 on the PATH outside the project (the machine's system Node), if there is one. */
function systemNode(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    if (Number(version.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

describe('the installed command under an older system Node', () => {
  const older = systemNode();
  it.skipIf(!older)('re-runs itself with the pinned Node 24 and works', () => {
    const result = spawnSync(older as string, ['bin/warden.js', 'audit', '--format', 'json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).summary.groups).toBeGreaterThan(0);
  });
});
