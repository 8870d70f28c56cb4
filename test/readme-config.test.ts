import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../src/analysis/audit.ts';
import { loadConfig } from '../src/config/load.ts';
import { defaultConfig } from '../src/config/schema.ts';

// A reader copies the README's configuration example into warden.yaml. Every list in the config
// replaces its default, so the example must not drop defaults it does not mean to drop.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(README.indexOf('\n## Configuration'));
const EXAMPLE = /```yaml\n([\s\S]*?)```/u.exec(SECTION)?.[1] ?? '';
const tmp = mkdtempSync(join(tmpdir(), 'warden-readme-'));
const CONFIG = join(tmp, 'warden.yaml');
writeFileSync(CONFIG, EXAMPLE);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the README's configuration example", () => {
  it('says that a list replaces its default', () => {
    expect(EXAMPLE).toContain('highRiskPorts');
    expect(SECTION).toMatch(/lists are not merged with the default/u);
  });

  it('keeps every default port of the lists it sets (adminPorts, highRiskPorts)', async () => {
    const example = await loadConfig(CONFIG);
    const defaults = defaultConfig();
    for (const key of ['adminPorts', 'highRiskPorts'] as const) {
      expect(
        defaults[key].filter((port) => !example[key].includes(port)),
        key,
      ).toEqual([]);
    }
  });

  it('through the CLI: examples/ audited with it still reports the default high-risk ports (8080, 8088 on web-prod)', () => {
    const ports = (args: string[]) => {
      const result = spawnSync(
        process.execPath,
        ['bin/warden.js', 'audit', '--source', 'examples', '--format', 'json', ...args],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as AuditReport).findings
        .filter((f) => f.check === 'internet-high-risk-port')
        .map((f) => `${f.groupName} ${f.title}`)
        .sort();
    };
    const withExample = ports(['--config', CONFIG]);
    expect(withExample).toEqual(ports([]));
    expect(withExample.filter((line) => line.startsWith('web-prod ') && /port (8080|8088) /u.test(line))).toHaveLength(
      2,
    );
  });
});
