import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 13 §1: the use cases live in src/app, apart from Slack, the CLI and the adapters; the Lambda functions
// reach them without going through src/slack; the fan-out and the runtime do not import each other.

const ROOT = join(import.meta.dirname, '..');

function importsOf(file: string): { from: string; typeOnly: boolean }[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return [...source.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+'([^']+)';/gms)].map((m) => ({
    from: m[3] as string,
    typeOnly: m[2] !== undefined,
  }));
}

const appFiles = readdirSync(join(ROOT, 'src/app'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `src/app/${f}`);

/** The one runtime import of adapters/ left in src/app: credential masking, until a shared utilities module takes it. */
const LEFT = new Set(['src/app/error-text.ts ../../adapters/common/mask.ts']);

describe('the application layer (src/app)', () => {
  it('imports nothing from src/slack or src/cli', () => {
    const bad = appFiles.flatMap((file) =>
      importsOf(file)
        .filter((i) => /\/(slack|cli)\//.test(i.from))
        .map((i) => `${file} ${i.from}`),
    );
    expect(bad).toEqual([]);
  });

  it('imports adapters/ only as types (the adapter contract)', () => {
    const bad = appFiles.flatMap((file) =>
      importsOf(file)
        .filter((i) => i.from.includes('/adapters/') && !i.typeOnly)
        .map((i) => `${file} ${i.from}`),
    );
    expect(bad.filter((b) => !LEFT.has(b))).toEqual([]);
  });
});

describe('callers of the use cases', () => {
  it('the scan, schedule, apply and realtime functions import nothing from src/slack', () => {
    const bad = [
      'functions/scan.ts',
      'functions/schedule.ts',
      'functions/apply.ts',
      'functions/realtime.ts',
      'functions/lib/fanout.ts',
    ].flatMap((file) =>
      importsOf(file)
        .filter((i) => i.from.includes('/slack/'))
        .map((i) => `${file} ${i.from}`),
    );
    expect(bad).toEqual([]);
  });

  it('functions/lib/fanout.ts does not import functions/lib/runtime.ts', () => {
    expect(importsOf('functions/lib/fanout.ts').map((i) => i.from)).not.toContain('./runtime.ts');
  });

  it('Slack code imports neither the CLI nor the AWS member-account roles (dev.ts, the `npm run dev` entry point, may)', () => {
    const slackFiles = readdirSync(join(ROOT, 'src/slack'))
      .filter((f) => f.endsWith('.ts') && f !== 'dev.ts')
      .map((f) => `src/slack/${f}`);
    const bad = slackFiles.flatMap((file) =>
      importsOf(file)
        .filter((i) => i.from.includes('/cli/') || i.from.endsWith('adapters/aws/roles.ts'))
        .map((i) => `${file} ${i.from}`),
    );
    expect(bad).toEqual([]);
  });

  it('src/cli takes proposeFix, findFinding and groupOf from src/app', () => {
    expect(readFileSync(join(ROOT, 'src/cli/fix.ts'), 'utf8')).not.toMatch(
      /export function (proposeFix|findFinding|groupOf)\b/,
    );
    expect(importsOf('src/cli/main.ts').map((i) => i.from)).toContain('../app/propose-fix.ts');
  });
});
