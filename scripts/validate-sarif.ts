import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

// Validates SARIF logs against the published SARIF 2.1.0 JSON schema (draft-04), as shipped in
// @microsoft/jest-sarif; `node scripts/validate-sarif.ts FILE…` is the CI's check of `warden audit --format sarif`.

const require = createRequire(import.meta.url);
export const SARIF_SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

// The schema's `language` pattern (`…{2}]?$`) is not a valid Unicode-mode regular expression: compile its patterns without the `u` flag.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** The schema's complaints about `log`, one line each (`/runs/0/results/3/level: must be equal to one of …`); none when valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('validate-sarif: name one or more SARIF files\n');
    process.exit(2);
  }
  let failed = 0;
  for (const file of files) {
    let errors: string[];
    try {
      errors = sarifSchemaErrors(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      errors = [`cannot read: ${(error as Error).message}`];
    }
    if (errors.length) failed++;
    const results = errors.length ? '' : ` (${countResults(file)} results)`;
    process.stdout.write(
      `${file}: ${errors.length ? `INVALID against SARIF 2.1.0: ${errors.slice(0, 5).join('; ')}` : `valid SARIF 2.1.0${results}`}\n`,
    );
  }
  process.exit(failed ? 1 : 0);
}

function countResults(file: string): number {
  const log = JSON.parse(readFileSync(file, 'utf8')) as { runs: { results?: unknown[] }[] };
  return log.runs.reduce((sum, run) => sum + (run.results?.length ?? 0), 0);
}
