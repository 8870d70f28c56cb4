#!/usr/bin/env node
// The `warden` command. The CLI is TypeScript run by Node 24's type stripping; under an older
// Node (the system Node 20 of a fresh machine) it re-runs itself with the project's pinned Node.
import { spawnSync } from 'node:child_process';
import * as nodeModule from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(
      `warden: needs Node.js 24 (found ${process.version}); run \`npm install\` in the project to bring it\n`,
    );
    process.exit(2);
  }
  const run = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 2);
} else {
  // Type stripping of every module costs time at each start; the cache keeps its output between runs.
  nodeModule.enableCompileCache?.();
  // A CLI run lasts seconds: TurboFan's compile work does not pay back in that time, and on a
  // single core (CI runners, small Lambdas) it competes with the audit itself (`npm run bench`
  // measures a run pinned to one core; the README gives the figures).
  setFlagsFromString('--no-turbofan');
  const { main, exitQuietlyOnClosedPipe } = await import('../src/cli/main.ts');
  exitQuietlyOnClosedPipe();
  process.exitCode = await main(process.argv.slice(2));
}
