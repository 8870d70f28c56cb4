import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Why `path` cannot be written as an output file, or undefined when it can (checked before any slow work). */
export async function unwritableReason(path: string): Promise<string | undefined> {
  const errno = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write: ${errno(error)}`;
  }
  if (info?.isDirectory()) return 'is a folder, not a file';
  try {
    await access(info ? path : dirname(path), constants.W_OK);
    return undefined;
  } catch (error) {
    return `cannot write: ${errno(error)}`;
  }
}
