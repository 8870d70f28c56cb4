import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer table (README, "Layout"; issue 13 §2) as eslint.config.js enforces it, and production
// code free of devDependencies.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function importErrors(filePath: string, specifier: string): Promise<string[]> {
  const code = `import { value } from '${specifier}';\nexport const used = value;\n`;
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers, enforced by lint', () => {
  it.each([
    [
      'src/model/x.ts',
      '../analysis/audit.ts',
      '\'../analysis/audit.ts\' import is restricted from being used by a pattern. src/model may import only lib (layer table, README "Layout"): not src/analysis.',
    ],
    [
      'src/remediation/x.ts',
      '../../adapters/live-registry.ts',
      '\'../../adapters/live-registry.ts\' import is restricted from being used by a pattern. src/remediation may import only lib, analysis, model, config, ports (layer table, README "Layout"): not adapters.',
    ],
    [
      'src/store/x.ts',
      '../remediation/apply.ts',
      '\'../remediation/apply.ts\' import is restricted from being used by a pattern. src/store may import only lib, model, ports (layer table, README "Layout"): not src/remediation.',
    ],
    [
      'src/config/x.ts',
      '../analysis/checks/index.ts',
      '\'../analysis/checks/index.ts\' import is restricted from being used by a pattern. src/config may import only lib, model (layer table, README "Layout"): not src/analysis.',
    ],
    // The files that once had exceptions (the check and template ids and the suppression and approval shapes are model now).
    [
      'src/config/names.ts',
      '../analysis/checks/index.ts',
      '\'../analysis/checks/index.ts\' import is restricted from being used by a pattern. src/config may import only lib, model (layer table, README "Layout"): not src/analysis.',
    ],
    [
      'src/config/suppressions.ts',
      '../analysis/templates/catalog.ts',
      '\'../analysis/templates/catalog.ts\' import is restricted from being used by a pattern. src/config may import only lib, model (layer table, README "Layout"): not src/analysis.',
    ],
    [
      'src/slack/blocks/finding.ts',
      '../../store/state.ts',
      "'../../store/state.ts' import is restricted from being used by a pattern. src/slack/blocks may import only lib, model, analysis, remediation and the Slack ids and limits (rendering only).",
    ],
    [
      'src/slack/blocks/suppression-request.ts',
      '../../store/state.ts',
      "'../../store/state.ts' import is restricted from being used by a pattern. src/slack/blocks may import only lib, model, analysis, remediation and the Slack ids and limits (rendering only).",
    ],
    [
      'src/analysis/x.ts',
      '../remediation/plan.ts',
      '\'../remediation/plan.ts\' import is restricted from being used by a pattern. src/analysis may import only lib, model, config (layer table, README "Layout"): not src/remediation.',
    ],
    [
      'adapters/aws/x.ts',
      '../../src/store/state.ts',
      '\'../../src/store/state.ts\' import is restricted from being used by a pattern. adapters may import only lib, model, config, ports (layer table, README "Layout"): not src/store.',
    ],
    [
      'adapters/snapshot/x.ts',
      '../../src/analysis/audit.ts',
      '\'../../src/analysis/audit.ts\' import is restricted from being used by a pattern. adapters may import only lib, model, config, ports (layer table, README "Layout"): not src/analysis.',
    ],
    [
      'src/lib/x.ts',
      '../model/types.ts',
      "'../model/types.ts' import is restricted from being used by a pattern. src/lib imports nothing outside src/lib.",
    ],
    [
      'src/slack/blocks/x.ts',
      '../../../adapters/live-registry.ts',
      "'../../../adapters/live-registry.ts' import is restricted from being used by a pattern. src/slack/blocks may import only lib, model, analysis, remediation and the Slack ids and limits (rendering only).",
    ],
    [
      'src/remediation/apply.ts',
      '../../adapters/live-estate.ts',
      '\'../../adapters/live-estate.ts\' import is restricted from being used by a pattern. src/remediation may import only lib, analysis, model, config, ports (layer table, README "Layout"): not adapters.',
    ],
    [
      'adapters/aws/index.ts',
      '../../src/realtime/cloudtrail.ts',
      '\'../../src/realtime/cloudtrail.ts\' import is restricted from being used by a pattern. adapters may import only lib, model, config, ports (layer table, README "Layout"): not src/realtime.',
    ],
    [
      'src/report/x.ts',
      '../cli/format-report.ts',
      '\'../cli/format-report.ts\' import is restricted from being used by a pattern. src/report may import only lib, model, analysis, config (layer table, README "Layout"): not src/cli.',
    ],
    [
      'src/analysis/x.ts',
      '../report/sarif.ts',
      '\'../report/sarif.ts\' import is restricted from being used by a pattern. src/analysis may import only lib, model, config (layer table, README "Layout"): not src/report.',
    ],
  ])('%s importing %s is an error', async (file, specifier, message) => {
    expect(await importErrors(file, specifier)).toEqual([message]);
  });

  it.each([
    ['src/model/x.ts', '../lib/record.ts'],
    ['src/ports/x.ts', '../model/types.ts'],
    ['src/config/x.ts', '../model/types.ts'],
    ['src/config/names.ts', '../model/check-ids.ts'],
    ['src/slack/blocks/finding.ts', '../../model/suppression.ts'],
    ['src/analysis/x.ts', '../config/schema.ts'],
    ['src/remediation/x.ts', '../ports/live.ts'],
    ['src/remediation/planners/x.ts', '../../analysis/audit.ts'],
    ['src/store/x.ts', '../ports/changes.ts'],
    ['src/store/x.ts', '../model/change.ts'],
    ['adapters/aws/x.ts', '../../src/ports/live.ts'],
    ['adapters/otc/x.ts', '../huawei/normalize.ts'],
    ['src/slack/blocks/x.ts', '../../remediation/render.ts'],
    ['src/cli/x.ts', '../../adapters/live-registry.ts'],
    ['functions/x.ts', '../adapters/live-registry.ts'],
    ['adapters/aws/index.ts', '../../src/ports/realtime.ts'],
    ['functions/x.ts', '../adapters/providers.ts'],
    ['src/report/x.ts', '../analysis/audit.ts'],
    ['src/cli/x.ts', '../report/formats.ts'],
  ])('%s importing %s is allowed', async (file, specifier) => {
    expect(await importErrors(file, specifier)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// devDependencies stay out of production code

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const DEV_ONLY = new Set(Object.keys(PACKAGE.devDependencies).filter((name) => !(name in PACKAGE.dependencies)));
/** `npm run dev` and the in-process DynamoDB only it opens (tests use it too). */
const DEV_FILES = new Set(['src/slack/dev.ts', 'src/store/embedded.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module a file names: import/export from, import(), require(), createRequire(…)(…). */
function specifiers(text: string): string[] {
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\)\s*\(\s*)(['"])([^'"\n]+)\1/g;
  return [...text.matchAll(pattern)].map((match) => match[2] as string);
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const PRODUCTION = ['src', 'adapters', 'functions'].flatMap(sourceFiles);

describe('production code never imports a devDependency', () => {
  it('no file under src/, adapters/ or functions/ (but npm run dev) names a package listed only in devDependencies', () => {
    const offences = PRODUCTION.filter((file) => !DEV_FILES.has(file)).flatMap((file) =>
      specifiers(readFileSync(join(ROOT, file), 'utf8'))
        .map(packageOf)
        .filter((name): name is string => name !== undefined && DEV_ONLY.has(name))
        .map((name) => `${file} imports ${name}`),
    );
    expect(offences).toEqual([]);
    expect(specifiers(readFileSync(join(ROOT, 'src/store/embedded.ts'), 'utf8')).map(packageOf)).toContain('dynalite');
  });

  it('the in-process DynamoDB (src/store/embedded.ts) is reached only from src/slack/dev.ts', () => {
    const importers = PRODUCTION.filter((file) =>
      specifiers(readFileSync(join(ROOT, file), 'utf8')).some(
        (spec) => spec.startsWith('.') && relative(ROOT, join(ROOT, file, '..', spec)) === 'src/store/embedded.ts',
      ),
    );
    expect(importers).toEqual(['src/slack/dev.ts']);
  });
});
