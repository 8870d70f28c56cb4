import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import type { CheckMeta } from '../src/analysis/check.ts';
import { corpus } from './support/corpus.ts';

// The repository as a newcomer meets it: what it ships cites nothing outside itself, ships no
// third-party data, and installs with `npm ci` from the committed lockfile.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOT_SHIPPED = new Set(['.git', 'node_modules', 'coverage', '.warden', '.serverless', '.esbuild', 'tmp']);

function files(dir: string, skip: ReadonlySet<string>): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skip.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, skip);
    return entry.isFile() ? [path] : [];
  });
}

function warden(args: string[]): string {
  const result = spawnSync(process.execPath, ['bin/warden.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** Names of a place only the project's authors have: the seed documents and the shared folder beside the repository. */
const OUTSIDE = [
  /\.\.\/shared\b/u,
  /\bshared\/(?:seeds|corpus)\b/u,
  /\bseeds? 0\d\d\b/iu,
  /\b0\d\d_[0-9a-f]{16}\.txt\b/u,
];

function pointsOutside(text: string): string | undefined {
  return OUTSIDE.map((pattern) => pattern.exec(text)?.[0]).find((match) => match !== undefined);
}

describe('nothing a user reads points outside the repository', () => {
  it('no shipped text file (outside test/) names ../shared, shared/seeds or a seed file', () => {
    const found: string[] = [];
    for (const path of files(ROOT, new Set([...NOT_SHIPPED, 'test']))) {
      const text = readFileSync(path, 'utf8');
      if (text.includes('\u0000')) continue;
      const match = pointsOutside(text);
      if (match !== undefined) found.push(`${relative(ROOT, path)}: ${match}`);
    }
    expect(found).toEqual([]);
  });

  it('the README, examples/README.md and docs/ do not send the reader to DESIGN.md, which is not in the repository', () => {
    const texts = [
      'README.md',
      'examples/README.md',
      ...readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
        .filter((name) => /\.(md|yml|json)$/.test(name))
        .map((name) => `docs/${name}`),
    ];
    expect(texts.filter((path) => readFileSync(join(ROOT, path), 'utf8').includes('DESIGN.md'))).toEqual([]);
  });

  it('`warden checks` cites each document by provider and title', () => {
    const checks = JSON.parse(warden(['checks', '--format', 'json'])) as CheckMeta[];
    expect(
      checks
        .filter((c) => pointsOutside(c.source) !== undefined || c.source.includes('DESIGN.md'))
        .map((c) => `${c.id}: ${c.source}`),
    ).toEqual([]);
    const drift = checks.find((c) => c.id === 'template-drift');
    expect(drift?.source).toContain(
      'Huawei Cloud ECS User Guide, "Default Security Groups and Rules" <https://support.huaweicloud.com/',
    );
    expect(drift?.source).toContain('Open Telekom Cloud VPC User Guide, "Default Security Group"');
    expect(drift?.source).toContain('Alibaba Cloud ECS, "Security group overview"');
  });

  describe('template-drift details, through the CLI', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'warden-repo-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('name the template document by provider, title and public page (web-prod assigned to Sys-WebServer)', () => {
      const config = join(tmp, 'assign.yaml');
      writeFileSync(config, 'templates:\n  assign:\n    "huawei:web-prod": huawei-sys-webserver\n');
      const report = JSON.parse(
        warden(['audit', '--source', 'examples', '--config', config, '--format', 'json']),
      ) as AuditReport;
      const details = report.findings.filter((f) => f.check === 'template-drift').map((f) => f.detail);
      const webProd = report.findings.find((f) => f.check === 'template-drift' && f.groupName === 'web-prod');
      expect(webProd?.detail).toContain(
        'Huawei Cloud ECS User Guide, "Default Security Groups and Rules", tables 1-3 <https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0603.html>',
      );
      expect(details.filter((d) => pointsOutside(d) !== undefined)).toEqual([]);
    });
  });
});

describe('third-party data is not shipped', () => {
  it('test/fixtures/aws-recorded/ (Cloud Custodian recordings) is not in the repository', () => {
    expect(existsSync(join(ROOT, 'test/fixtures/aws-recorded'))).toBe(false);
  });

  const shared = corpus();
  it.skipIf(!shared.present)('no file in the repository is a copy of a file of ../shared/corpus/', () => {
    const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    const third = new Map(files(shared.dir, new Set()).map((path) => [digest(path), relative(shared.dir, path)]));
    const copies = files(ROOT, NOT_SHIPPED)
      .map((path) => ({ path: relative(ROOT, path), of: third.get(digest(path)) }))
      .filter((c) => c.of !== undefined);
    expect(copies).toEqual([]);
  });
});

interface LockEntry {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

describe('npm ci works on a fresh clone', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockEntry;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };

  it("the lockfile's root entry has package.json's dependencies", () => {
    const root = lock.packages[''];
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const)
      expect(root?.[field], field).toEqual(pkg[field]);
  });

  it('every dependency of every locked package is locked, optional and platform-specific ones too (npm ci refuses a lockfile without them)', () => {
    const parent = (key: string) => key.slice(0, Math.max(0, key.lastIndexOf('/node_modules/')));
    const locked = (from: string, name: string): boolean => {
      for (let base = from; ; base = parent(base)) {
        if (`${base ? `${base}/` : ''}node_modules/${name}` in lock.packages) return true;
        if (!base) return false;
      }
    };
    const missing = Object.entries(lock.packages).flatMap(([key, entry]) => {
      const requiredPeers = Object.keys(entry.peerDependencies ?? {}).filter(
        (name) => !entry.peerDependenciesMeta?.[name]?.optional,
      );
      const names = [
        ...Object.keys(entry.dependencies ?? {}),
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...requiredPeers,
      ];
      return names.filter((name) => !locked(key, name)).map((name) => `${key || '(root)'} needs ${name}`);
    });
    expect(missing).toEqual([]);
  });

  it('.ci/run installs with npm ci, not npm install', () => {
    const script = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const commands = script.split('\n').filter((line) => !line.trimStart().startsWith('#'));
    expect(commands.some((line) => /\bnpm ci\b/u.test(line))).toBe(true);
    expect(commands.filter((line) => /\bnpm install\b/u.test(line))).toEqual([]);
  });
});
