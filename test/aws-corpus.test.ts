import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshots } from '../adapters/snapshot/load.ts';
import { auditEstate } from '../src/analysis/audit.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Estate } from '../src/model/types.ts';
import { corpus } from './support/corpus.ts';

// Real EC2 DescribeSecurityGroups bodies recorded by Cloud Custodian (Apache-2.0), read from the
// shared corpus beside the repository (../shared/corpus/aws-recorded/, see its README there).

const { dir: CORPUS, present } = corpus('aws-recorded');

type Raw = Record<string, unknown>;

interface RawGroup {
  names: Set<string>;
  vpcIds: Set<string>;
  /** Identities of the rules the recordings list: one per peer of a permission, as EC2 stores them. */
  rules: Set<string>;
  ingress: Set<string>;
  egress: Set<string>;
}

interface RawCorpus {
  files: string[];
  bodies: Map<string, Raw>;
  groupEntries: number;
  permissionEntries: number;
  /** Keyed by `${OwnerId}|${GroupId}`: the same group appears in several recordings. */
  groups: Map<string, RawGroup>;
}

function list(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
}

/** Counts what the raw files contain, independently of the normalizer. */
async function readRaw(dir: string): Promise<RawCorpus> {
  const files = await jsonFiles(dir);
  const corpus: RawCorpus = { files, bodies: new Map(), groupEntries: 0, permissionEntries: 0, groups: new Map() };
  for (const file of files) {
    const body = JSON.parse(await readFile(join(dir, file), 'utf8')) as Raw;
    corpus.bodies.set(file, body);
    for (const group of list(body['SecurityGroups'])) {
      corpus.groupEntries++;
      const key = `${String(group['OwnerId'])}|${String(group['GroupId'])}`;
      const entry = corpus.groups.get(key) ?? {
        names: new Set(),
        vpcIds: new Set(),
        rules: new Set(),
        ingress: new Set(),
        egress: new Set(),
      };
      corpus.groups.set(key, entry);
      entry.names.add(String(group['GroupName'] ?? ''));
      entry.vpcIds.add(String(group['VpcId'] ?? ''));
      for (const [listKey, direction] of [
        ['IpPermissions', 'ingress'],
        ['IpPermissionsEgress', 'egress'],
      ] as const) {
        for (const permission of list(group[listKey])) {
          corpus.permissionEntries++;
          const base = [
            direction,
            permission['IpProtocol'],
            permission['FromPort'] ?? null,
            permission['ToPort'] ?? null,
          ];
          const peers = [
            ...list(permission['IpRanges']).map((r) => ['cidr', r['CidrIp']]),
            ...list(permission['Ipv6Ranges']).map((r) => ['cidr6', r['CidrIpv6']]),
            ...list(permission['UserIdGroupPairs']).map((p) => ['group', p['GroupId'], p['UserId'] ?? null]),
            ...list(permission['PrefixListIds']).map((p) => ['prefix-list', p['PrefixListId']]),
          ];
          for (const peer of peers) {
            const identity = JSON.stringify([...base, ...peer]);
            entry.rules.add(identity);
            entry[direction].add(identity);
          }
        }
      }
    }
  }
  return corpus;
}

function keyOf(group: { account: string; id: string }): string {
  return `${group.account}|${group.id}`;
}

describe.skipIf(!present)(`AWS recorded corpus (${CORPUS})`, () => {
  let raw: RawCorpus;
  let estate: Estate;

  beforeAll(async () => {
    raw = await readRaw(CORPUS);
    estate = await loadSnapshots(CORPUS);
  });

  it('is the recorded corpus: 135 files, 388 group entries, 747 permission entries', () => {
    expect(raw.files).toHaveLength(135);
    expect(raw.groupEntries).toBe(388);
    expect(raw.permissionEntries).toBe(747);
  });

  it('holds DescribeSecurityGroups bodies, and nothing else', () => {
    expect(raw.files.length).toBeGreaterThan(0);
    for (const [file, body] of raw.bodies) {
      expect(Array.isArray(body['SecurityGroups']), file).toBe(true);
    }
    expect(raw.groupEntries).toBeGreaterThanOrEqual(raw.groups.size);
    expect(raw.groups.size).toBeGreaterThan(0);
    expect(raw.permissionEntries).toBeGreaterThan(0);
  });

  it('every file loads on its own, with no error and nothing unparseable', async () => {
    const problems: string[] = [];
    for (const file of raw.files) {
      try {
        const one = await loadSnapshots(join(CORPUS, file));
        if (one.unparseable.length) problems.push(`${file}: ${one.unparseable.map((u) => u.reason).join('; ')}`);
        const expected = new Set(
          list(raw.bodies.get(file)?.['SecurityGroups']).map((g) => `${String(g['OwnerId'])}|${String(g['GroupId'])}`),
        );
        if (one.groups.length !== expected.size)
          problems.push(`${file}: ${one.groups.length} groups, expected ${expected.size}`);
      } catch (error) {
        problems.push(`${file}: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the whole folder loads with nothing unparseable and no scan error', () => {
    expect(estate.unparseable).toEqual([]);
    expect(estate.scanErrors).toEqual([]);
  });

  it('has one group per distinct (OwnerId, GroupId), with its metadata', () => {
    expect(estate.groups.map(keyOf).sort()).toEqual([...raw.groups.keys()].sort());
    for (const group of estate.groups) {
      const source = raw.groups.get(keyOf(group));
      expect(group.provider).toBe('aws');
      expect(source?.names.has(group.name), `${group.id} name ${group.name}`).toBe(true);
      expect(source?.vpcIds.has(group.vpcId), `${group.id} vpc ${group.vpcId}`).toBe(true);
    }
  });

  it('has one rule per distinct peer of each permission of each group (a group in several files is not counted twice)', () => {
    const wrong: string[] = [];
    for (const group of estate.groups) {
      const source = raw.groups.get(keyOf(group));
      const ingress = group.rules.filter((r) => r.direction === 'ingress').length;
      const egress = group.rules.filter((r) => r.direction === 'egress').length;
      if (ingress !== source?.ingress.size || egress !== source.egress.size) {
        wrong.push(
          `${keyOf(group)}: ${ingress} in / ${egress} out, the recordings list ${source?.ingress.size} / ${source?.egress.size}`,
        );
      }
      const ids = group.rules.map((r) => r.native.ruleId);
      if (new Set(ids).size !== ids.length) wrong.push(`${keyOf(group)}: duplicate rule ids`);
    }
    expect(wrong).toEqual([]);
    const expectedTotal = [...raw.groups.values()].reduce((n, g) => n + g.rules.size, 0);
    expect(estate.groups.reduce((n, g) => n + g.rules.length, 0)).toBe(expectedTotal);
  });

  it('the audit has no unparseable-rule finding and its summary counts the estate', () => {
    const report = auditEstate(estate, defaultConfig());
    expect(report.findings.filter((f) => f.check === 'unparseable-rule')).toEqual([]);
    expect(report.summary.groups).toBe(raw.groups.size);
    expect(report.summary.rules).toBe([...raw.groups.values()].reduce((n, g) => n + g.rules.size, 0));
    expect(report.summary.findings).toBe(report.findings.length);
    expect(report.summary.partial).toBe(false);
    // Real accounts with default groups and open ports: the audit has something to say.
    expect(report.findings.length).toBeGreaterThan(0);
  });

  it('the audit of the whole folder is deterministic across fresh loads', async () => {
    const first = JSON.stringify(auditEstate(await loadSnapshots(CORPUS), defaultConfig()));
    const second = JSON.stringify(auditEstate(await loadSnapshots(CORPUS), defaultConfig()));
    expect(second).toBe(first);
    expect(JSON.stringify(auditEstate(estate, defaultConfig()))).toBe(first);
  });

  it('every finding has its own fingerprint', () => {
    const report = auditEstate(estate, defaultConfig());
    const counts = new Map<string, number>();
    for (const f of report.findings) counts.set(f.fingerprint, (counts.get(f.fingerprint) ?? 0) + 1);
    const repeated = report.findings
      .filter((f) => (counts.get(f.fingerprint) ?? 0) > 1)
      .map((f) => `${f.fingerprint} ${f.check} ${f.groupId}`);
    expect(repeated.slice(0, 10)).toEqual([]);
    expect(counts.size).toBe(report.findings.length);
  });
});
