import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_FORMATS, OutputError, replaceFile } from '../src/cli/outputs.ts';
import { expectOneLineError, runWarden } from './support/cli.ts';

// Issue 15 §1: `warden audit --format a,b --output-dir DIR` writes DIR/warden.<ext> per format,
// replacing earlier files through a temporary file; what cannot work is one line and exit 2.

let dir: string;
const HELP = '(see `warden audit --help`)';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-output-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('usage errors name the option and exit 2', () => {
  it('several formats without --output-dir', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--format', 'sarif,csv']))).toBe(
      `warden: --format sarif,csv names several formats: add --output-dir DIR to write each to DIR/warden.<ext> ${HELP}`,
    );
  });

  it('table, which is for the terminal, with --output-dir', async () => {
    expect(
      expectOneLineError(await runWarden(['audit', '--format', 'table,json', '--output-dir', join(dir, 'x')])),
    ).toBe(`warden: --format table is for the terminal only: it cannot be written to --output-dir ${HELP}`);
  });

  it('--output-dir without --format', async () => {
    expect(expectOneLineError(await runWarden(['audit', '--output-dir', join(dir, 'x')]))).toBe(
      `warden: --output-dir needs --format (the default, table, is for the terminal only) ${HELP}`,
    );
  });

  it('an unknown format among several (the list names every format)', async () => {
    expect(AUDIT_FORMATS).toEqual(expect.arrayContaining(['table', 'json', 'markdown', 'sarif', 'csv']));
    expect(
      expectOneLineError(await runWarden(['audit', '--format', 'sarif,xlsx', '--output-dir', join(dir, 'x')])),
    ).toBe(`warden: --format must be one of ${AUDIT_FORMATS.join(', ')} (got "xlsx") ${HELP}`);
  });

  it('an output folder whose parent does not exist', async () => {
    const missing = join(dir, 'no-such-parent', 'out');
    expect(expectOneLineError(await runWarden(['audit', '--format', 'sarif', '--output-dir', missing]))).toBe(
      `warden: --output-dir ${missing}: its parent folder ${join(dir, 'no-such-parent')} does not exist`,
    );
  });

  it('an output "folder" that is a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    expect(expectOneLineError(await runWarden(['audit', '--format', 'csv', '--output-dir', file]))).toBe(
      `warden: --output-dir ${file}: is a file, not a folder`,
    );
  });
});

describe('writing several formats to a folder', () => {
  it('creates the folder, writes warden.<ext> per format, replaces earlier files, leaves no temporary file, and keeps the exit code', async () => {
    const out = join(dir, 'reports');
    const args = ['audit', '--format', 'sarif,csv,json,markdown', '--output-dir', out, '--fail-on', 'high'];
    const first = await runWarden(args);
    expect(first.stdout).toBe('');
    const names = ['warden.sarif', 'warden.csv', 'warden.json', 'warden.md'];
    expect(first.stderr).toBe(`warden: wrote ${names.map((name) => join(out, name)).join(', ')}\n`);
    // The examples have critical findings: --fail-on high exits 1, as with one format on stdout.
    const single = await runWarden(['audit', '--format', 'json', '--fail-on', 'high']);
    expect(single.code).toBe(1);
    expect(first.code).toBe(single.code);
    expect((await readdir(out)).sort()).toEqual([...names].sort());
    // The files hold what the same formats print on stdout.
    expect(await readFile(join(out, 'warden.json'), 'utf8')).toBe(single.stdout);
    const markdown = await runWarden(['audit', '--format', 'markdown']);
    expect(await readFile(join(out, 'warden.md'), 'utf8')).toBe(markdown.stdout);
    const sarif = JSON.parse(await readFile(join(out, 'warden.sarif'), 'utf8')) as { version: string };
    expect(sarif.version).toBe('2.1.0');

    await writeFile(join(out, 'warden.csv'), 'stale');
    const second = await runWarden(['audit', '--format', 'csv', '--output-dir', out]);
    expect(second.stderr).toBe(`warden: wrote ${join(out, 'warden.csv')}\n`);
    expect(await readFile(join(out, 'warden.csv'), 'utf8')).toMatch(/^status,severity,check,/);
    expect((await readdir(out)).sort()).toEqual([...names].sort());
  });

  it('an existing empty folder is used as it is; a repeated format is written once', async () => {
    const out = join(dir, 'existing');
    await mkdir(out);
    const run = await runWarden(['audit', '--format', 'csv,csv', '--output-dir', out]);
    expect(run.code).toBe(0);
    expect(await readdir(out)).toEqual(['warden.csv']);
  });
});

describe('an interrupted write leaves the earlier file whole and no half file', () => {
  it('replaceFile: a failure while writing keeps the old content and removes the temporary file', async () => {
    const folder = await mkdtemp(join(dir, 'interrupted-'));
    const path = join(folder, 'warden.csv');
    await writeFile(path, 'earlier report\r\n');
    function* failing(): Generator<string> {
      yield 'status,severity\r\n';
      throw new Error('disk full');
    }
    await expect(replaceFile(path, failing())).rejects.toThrow(OutputError);
    await expect(replaceFile(path, failing())).rejects.toThrow(`${path}: cannot write: disk full`);
    expect(await readFile(path, 'utf8')).toBe('earlier report\r\n');
    expect(await readdir(folder)).toEqual(['warden.csv']);
  });
});
