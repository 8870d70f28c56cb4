import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { groupKeyOf } from '../model/change.ts';
import type { ChangeRecord } from '../model/change.ts';
import { isChangeId } from '../model/change-id.ts';
import type { ChangeStore } from '../ports/changes.ts';

// Change records locally (the ChangeStore port, src/ports/changes.ts): one JSON file per change
// under `<state dir>/changes/`. src/store/dynamo.ts implements the same port on DynamoDB.

/** `$WARDEN_STATE_DIR`, else `.warden/` in the working directory. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const configured = env['WARDEN_STATE_DIR'];
  return configured && configured.trim() !== '' ? resolve(cwd, configured) : join(cwd, '.warden');
}

function checkId(changeId: string): void {
  // The id becomes a file name: nothing that could leave the directory.
  if (!isChangeId(changeId)) throw new Error(`not a change id: ${JSON.stringify(changeId)}`);
}

/** Oldest first: by `at`, then by `changeId`. */
export function compareRecords(a: ChangeRecord, b: ChangeRecord): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.changeId < b.changeId ? -1 : a.changeId > b.changeId ? 1 : 0;
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * A change store on the local file system: `<dir>/changes/<changeId>.json`, each written to a
 * temporary file in the same directory, flushed, then renamed over the final name, so a reader
 * (or a crash) sees the old record or the new one, never half of one.
 */
export function createFileChangeStore(dir: string = defaultStateDir()): ChangeStore & { dir: string } {
  const changesDir = join(dir, 'changes');
  const fileOf = (changeId: string) => join(changesDir, `${changeId}.json`);

  async function readRecord(path: string): Promise<ChangeRecord> {
    const text = await readFile(path, 'utf8');
    try {
      return JSON.parse(text) as ChangeRecord;
    } catch (error) {
      throw new Error(`change record ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  const store = {
    dir,

    async save(record: ChangeRecord): Promise<void> {
      checkId(record.changeId);
      const text = `${JSON.stringify(record, null, 2)}\n`;
      await mkdir(changesDir, { recursive: true });
      const final = fileOf(record.changeId);
      const temp = join(changesDir, `.${record.changeId}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        const handle = await open(temp, 'wx', 0o600);
        try {
          await handle.writeFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, final);
      } catch (error) {
        await rm(temp, { force: true });
        throw new Error(`cannot write change record ${final}: ${(error as Error).message}`, { cause: error });
      }
    },

    async get(changeId: string): Promise<ChangeRecord | undefined> {
      checkId(changeId);
      try {
        return await readRecord(fileOf(changeId));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async list(): Promise<ChangeRecord[]> {
      let names: string[];
      try {
        names = await readdir(changesDir);
      } catch (error) {
        if (isNotFound(error)) return [];
        throw error;
      }
      // Temporary files start with a dot and end in .tmp: only finished records are listed.
      const files = names.filter((name) => name.endsWith('.json') && isChangeId(name.slice(0, -'.json'.length)));
      const records = await Promise.all(files.map((name) => readRecord(join(changesDir, name))));
      return records.sort(compareRecords);
    },

    async latestFor(groupKey: string): Promise<ChangeRecord | undefined> {
      const records = await store.list();
      return records.filter((record) => groupKeyOf(record.plan.target) === groupKey).at(-1);
    },
  };
  return store;
}
