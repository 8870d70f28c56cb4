import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Third-party test data is never in the repository: it lives beside it, in ../shared/corpus/
// (CI has it). Tests that need it skip, with one line saying why, where it is absent.

const ROOT = new URL('../../', import.meta.url);

export interface Corpus {
  /** The folder, ending in a separator. */
  dir: string;
  present: boolean;
}

/** `../shared/corpus/<name>/` (or the corpus itself) relative to the repository root; when it is absent, says so once on stderr. */
export function corpus(name?: string): Corpus {
  const where = `../shared/corpus/${name === undefined ? '' : `${name}/`}`;
  const dir = fileURLToPath(new URL(where, ROOT));
  const present = existsSync(dir);
  if (!present)
    process.stderr.write(
      `skipped: the tests that need ${where} (third-party data, not shipped) do not run: ${dir} is absent\n`,
    );
  return { dir, present };
}
