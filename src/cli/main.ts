import { parseArgs } from 'node:util';
import { loadSnapshots, SnapshotError } from '../../adapters/snapshot/load.ts';
import { auditEstate } from '../analysis/audit.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import { evaluateGroup } from '../analysis/evaluate.ts';
import { explainPolicy } from '../analysis/explain.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Severity } from '../model/types.ts';
import { SEVERITIES } from '../model/types.ts';
import { formatReportPieces } from './format-report.ts';
import type { ReportFormat } from './format-report.ts';
import { formatExplain } from './format-explain.ts';
import { paint, SEVERITY_STYLE } from './style.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2, partial: 3 } as const;

const DEFAULT_SOURCE = 'examples';

const USAGE = `Usage: warden <command> [options]

Commands:
  audit    [--source <file|dir>] [--format table|json|markdown] [--fail-on <severity>] [--config <file>]
  explain  [--source <file|dir>] [--format table|json] [--direction ingress|egress] <groupId>
  checks   [--format table|json]

--source defaults to ${DEFAULT_SOURCE}/. Exit codes: 0 ok, 1 findings at or above --fail-on,
2 bad input or usage, 3 partial audit (a scope could not be read).`;

class UsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        format: { type: 'string' },
        'fail-on': { type: 'string' },
        config: { type: 'string' },
        direction: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]);
  }
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

/** Progress on stderr, only for a person at a terminal. */
function progress(done: number, total: number, file: string): void {
  if (!process.stderr.isTTY || total < 2) return;
  process.stderr.write(`\rreading ${done}/${total} ${file.slice(-50).padEnd(50)}`);
  if (done === total) process.stderr.write('\r\x1b[K');
}

async function audit(values: ReturnType<typeof parse>['values']): Promise<number> {
  const format = oneOf<ReportFormat>('format', values.format, ['table', 'json', 'markdown'], 'table');
  const failOn = values['fail-on'] === undefined ? undefined : oneOf<Severity>('fail-on', values['fail-on'], SEVERITIES, 'critical');
  const config = await loadConfig(values.config);
  const estate = await loadSnapshots(values.source ?? DEFAULT_SOURCE, progress);
  const report = auditEstate(estate, config);
  for (const piece of formatReportPieces(report, format)) process.stdout.write(piece);
  process.stdout.write('\n');
  if (report.summary.partial) return EXIT.partial;
  if (failOn) {
    const threshold = SEVERITIES.indexOf(failOn);
    if (report.findings.some((f) => SEVERITIES.indexOf(f.severity) <= threshold)) return EXIT.findings;
  }
  return EXIT.ok;
}

async function explain(values: ReturnType<typeof parse>['values'], positionals: string[]): Promise<number> {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  const direction = oneOf<'ingress' | 'egress'>('direction', values.direction, ['ingress', 'egress'], 'ingress');
  const groupId = positionals[0];
  if (!groupId || positionals.length > 1) throw new UsageError('explain takes exactly one group id');
  const estate = await loadSnapshots(values.source ?? DEFAULT_SOURCE, progress);
  const matches = estate.groups.filter((g) => g.id === groupId);
  if (matches.length === 0) {
    process.stderr.write(`warden: group ${groupId} is not in ${values.source ?? DEFAULT_SOURCE}\n`);
    return EXIT.usage;
  }
  const explained = matches.map((group) => ({ group, parts: explainPolicy(evaluateGroup(group), direction) }));
  process.stdout.write(`${formatExplain(explained, format, direction)}\n`);
  return EXIT.ok;
}

function checks(values: ReturnType<typeof parse>['values']): number {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(CATALOG, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const meta of CATALOG) {
    process.stdout.write(`${paint('bold', meta.id.padEnd(24))} ${paint(SEVERITY_STYLE[meta.severity], meta.severity.padEnd(8))} ${meta.title}\n`);
    process.stdout.write(paint('gray', `${' '.repeat(34)}${meta.source}\n`));
  }
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parse(rest);
    if (values.help || command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === 'audit') {
      if (positionals.length) throw new UsageError(`audit takes no positional arguments (got "${positionals[0]}")`);
      return await audit(values);
    }
    if (command === 'explain') return await explain(values, positionals);
    if (command === 'checks') return checks(values);
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`warden: ${error.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof SnapshotError || error instanceof ConfigError) {
      process.stderr.write(`warden: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

/** A reader that stops early (`warden audit | head`) is not an error. */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

if (import.meta.main) {
  exitQuietlyOnClosedPipe();
  process.exitCode = await main(process.argv.slice(2));
}
