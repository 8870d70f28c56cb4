import { readFile } from 'node:fs/promises';
import { reportFingerprints } from '../analysis/baseline.ts';

/** A `--baseline` file that cannot be used: one line naming the file and the problem. */
export class BaselineError extends Error {}

const WHAT = 'an earlier `warden audit --format json` report';

/** The fingerprints of the findings of the report in `file`. */
export async function readBaseline(file: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BaselineError(
      `--baseline ${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // The parser's message quotes the file's content; the file may hold anything.
    throw new BaselineError(`--baseline ${file}: not JSON; expected ${WHAT}`);
  }
  const fingerprints = reportFingerprints(document);
  if (!fingerprints)
    throw new BaselineError(
      `--baseline ${file}: not ${WHAT} (needs a "findings" list whose entries each have a "fingerprint")`,
    );
  return fingerprints;
}
