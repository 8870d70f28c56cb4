import { parseArgs } from 'node:util';
import { loadSnapshots, SnapshotError } from '../../adapters/snapshot/load.ts';
import { auditEstate } from '../analysis/audit.ts';
import { CATALOG } from '../analysis/checks/index.ts';
import { evaluateWorstCase, standInsByGroup } from '../analysis/unreadable.ts';
import { explainPolicy } from '../analysis/explain.ts';
import { ConfigError, discoverConfig, loadConfig } from '../config/load.ts';
import { writeFile } from 'node:fs/promises';
import type { ReadProgress } from '../ports/live.ts';
import { readListedScopes } from '../../adapters/live-estate.ts';
import type { LiveAdapter } from '../ports/live.ts';
import { createFileChangeStore, defaultStateDir } from '../store/changes.ts';
import { findFinding, FixError, groupOf, proposeFix } from '../app/propose-fix.ts';
import { appliedChangeFor, applyFix, confirm, describePlanned, outcomeOf, revertFix } from './fix.ts';
import type { FixOutcome } from './fix.ts';
import type { LiveRead } from '../ports/live.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Estate, Provider, Severity } from '../model/types.ts';
import { PROVIDERS, SEVERITIES } from '../model/types.ts';
import { acceptFindings } from './accept.ts';
import { BaselineError, readBaseline } from './baseline.ts';
import { plural } from '../analysis/describe.ts';
import { OutputError, outputDirProblem, outputPlan, writeOutputs } from './outputs.ts';
import { renderContextOf } from './render-context.ts';
import { snapshotPlaces } from './snapshot-places.ts';
import { formatExplain } from './format-explain.ts';
import { explainInterfaces, formatExplainInterfaces, selectInterfaces } from './explain-interface.ts';
import type { InterfaceTarget } from './explain-interface.ts';
import { formatTemplates, listTemplates } from './format-templates.ts';
import { paint, SEVERITY_STYLE, terminalWidth } from './style.ts';
import { ScopeError, selectLive } from './scopes.ts';
import type { LiveSelection } from './scopes.ts';
import { withContext, writeContextHeader } from './report-context.ts';
import type { AuditSource } from './report-context.ts';
import { terminalText } from './terminal-text.ts';
import { fingerprintPrefixProblem } from '../model/fingerprint-prefix.ts';
import { isChangeId } from '../model/change-id.ts';
import { unwritableReason } from './writable.ts';
import { commandUsage, DEFAULT_SOURCE, helpHint, isCommand, overallUsage, packageVersion } from './usage.ts';
import { errorText } from '../lib/errors.ts';
import { complianceRequest, controlsOfMeta, controlsText, listFrameworks, writeCompliance } from './compliance.ts';
import { applyBaseline } from '../analysis/baseline.ts';
import { asffSkippedNotes } from '../report/asff.ts';
import { DeliveryStateError } from './delivery-error.ts';

export const EXIT = { ok: 0, findings: 1, usage: 2, partial: 3, internal: 4, delivery: 5 } as const;

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
        'min-severity': { type: 'string' },
        baseline: { type: 'string' },
        compliance: { type: 'string' },
        config: { type: 'string' },
        direction: { type: 'string' },
        interface: { type: 'string' },
        instance: { type: 'string' },
        provider: { type: 'string', multiple: true },
        regions: { type: 'string' },
        accounts: { type: 'string' },
        out: { type: 'string' },
        'output-dir': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'security-hub': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(errorText(error));
  }
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

/** Progress on stderr, only for a person at a terminal. */
function progress(done: number, total: number, file: string): void {
  if (!process.stderr.isTTY || total < 2) return;
  process.stderr.write(`\rreading ${done}/${total} ${file.slice(-50).padEnd(50)}`);
  if (done === total) process.stderr.write('\r\x1b[K');
}

type Values = ReturnType<typeof parse>['values'];

function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
}

function providersOf(values: Values): Provider[] {
  for (const provider of values.provider ?? []) {
    if (!(PROVIDERS as readonly string[]).includes(provider))
      throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')} (got "${provider}")`);
  }
  return [...new Set(values.provider ?? [])] as Provider[];
}

/** Per-scope progress (pages and groups read) for a person at a terminal; nothing for machines. */
export function scopeProgress(
  quiet: boolean,
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr,
): ReadProgress | undefined {
  if (quiet || !stream.isTTY) return undefined;
  return ({ scope, pages, groups }) => {
    stream.write(
      `\r\x1b[Kreading ${scope.provider} ${scope.account || '-'} ${scope.region}: ${plural(pages, 'page')}, ${plural(groups, 'group')}`,
    );
  };
}

/** The config file the command uses (--config, $WARDEN_CONFIG, ./warden.yaml …), and its contents. */
async function configOf(values: Values): Promise<{ path: string | undefined; config: WardenConfig }> {
  const path = discoverConfig(values.config);
  return { path, config: await loadConfig(path) };
}

function liveSelection(
  values: Values,
  providers: Provider[],
  config: WardenConfig,
  configPath: string | undefined,
  env?: NodeJS.ProcessEnv,
): Promise<LiveSelection> {
  const filter = { regions: list(values.regions), accounts: list(values.accounts) };
  for (const [option, given] of Object.entries(filter))
    if (given?.length === 0) throw new UsageError(`--${option} names no ${option.slice(0, -1)}`);
  return selectLive(providers, config, filter, { configPath, ...(env ? { env } : {}) });
}

async function readLive(selection: LiveSelection, quiet: boolean): Promise<LiveRead> {
  const read = await readListedScopes(selection.listed, { progress: scopeProgress(quiet) });
  if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  return read;
}

function liveSource(selection: LiveSelection): AuditSource {
  return { kind: 'live', scopes: selection.listed.flatMap((l) => ('scopes' in l ? l.scopes : [])) };
}

async function audit(values: Values): Promise<number> {
  const compliance =
    values.compliance === undefined ? undefined : complianceRequest({ ...values, compliance: values.compliance });
  if (typeof compliance === 'string') throw new UsageError(compliance);
  const plan = outputPlan(compliance ? undefined : values.format, values['output-dir']);
  if ('problem' in plan) throw new UsageError(plan.problem);
  const format = plan.formats[0] ?? 'table';
  const failOn =
    values['fail-on'] === undefined ? undefined : oneOf<Severity>('fail-on', values['fail-on'], SEVERITIES, 'critical');
  const minSeverity =
    values['min-severity'] === undefined
      ? undefined
      : oneOf<Severity>('min-severity', values['min-severity'], SEVERITIES, 'info');
  const { path: configPath, config } = await configOf(values);
  const baseline = values.baseline === undefined ? undefined : await readBaseline(values.baseline);
  const providers = providersOf(values);
  if (providers.length && values.source) throw new UsageError('audit reads either --source or --provider, not both');
  const dirProblem = plan.dir === undefined ? undefined : await outputDirProblem(plan.dir);
  if (dirProblem) throw new OutputError(dirProblem);
  const places = plan.formats.includes('sarif') ? snapshotPlaces() : undefined;
  let estate;
  let source: AuditSource;
  if (providers.length) {
    const selection = await liveSelection(values, providers, config, configPath);
    estate = (await readLive(selection, format === 'json')).estate;
    source = liveSource(selection);
  } else {
    estate = await loadSnapshots(values.source ?? DEFAULT_SOURCE, progress, undefined, places?.hook);
    source =
      values.source === undefined
        ? { kind: 'examples', path: `${DEFAULT_SOURCE}/` }
        : { kind: 'snapshot', path: values.source };
  }
  const context = { config: configPath ?? null, source };
  const unnarrowed = acceptFindings(auditEstate(estate, config), config);
  const accepted = baseline ? applyBaseline(unnarrowed, baseline, values.baseline as string) : unnarrowed;
  const report = withContext(accepted, context);
  writeContextHeader(context);
  const now = new Date();
  const renderContext = renderContextOf(source, context.config, places?.places, now);
  if (compliance) {
    writeCompliance(compliance, report, estate, config, context);
    process.stdout.write('\n');
  } else
    await writeOutputs(
      report,
      plan,
      { minSeverity, width: format === 'table' ? terminalWidth() : undefined },
      renderContext,
    );
  if (!compliance && plan.formats.includes('asff'))
    for (const note of asffSkippedNotes(report, renderContext)) process.stderr.write(`warden: ${note}\n`);
  if (values['security-hub']) {
    // Loaded only when asked for: the Security Hub SDK is not part of every audit's start-up.
    const { deliverToSecurityHub } = await import('./security-hub.ts');
    const delivery = await deliverToSecurityHub({
      report: unnarrowed,
      estate,
      config,
      stateDir: defaultStateDir(),
      toolVersion: packageVersion(),
      now,
    });
    for (const line of delivery.lines) process.stderr.write(`warden: ${terminalText(line)}\n`);
    if (!delivery.delivered) return EXIT.delivery;
  }
  if (report.summary.partial) return EXIT.partial;
  if (failOn) {
    const threshold = SEVERITIES.indexOf(failOn);
    if (report.findings.some((f) => SEVERITIES.indexOf(f.severity) <= threshold)) return EXIT.findings;
  }
  return EXIT.ok;
}

async function snapshot(values: Values): Promise<number> {
  const providers = providersOf(values);
  if (!providers.length) throw new UsageError('snapshot needs --provider');
  if (!values.out) throw new UsageError('snapshot needs --out <file>');
  const unwritable = await unwritableReason(values.out);
  if (unwritable) throw new SnapshotError(`--out ${values.out}: ${unwritable}`);
  const { path: configPath, config } = await configOf(values);
  const read = await readLive(await liveSelection(values, providers, config, configPath), false);
  await writeFile(values.out, `${JSON.stringify(read.snapshots, null, 1)}\n`);
  process.stderr.write(
    `warden: wrote ${plural(read.snapshots.length, 'scope')}, ${plural(read.estate.groups.length, 'group')} to ${values.out}\n`,
  );
  for (const error of read.estate.scanErrors)
    process.stderr.write(
      `warden: scan error: ${error.provider} ${error.account || '-'} ${error.region || '-'}: ${error.message}\n`,
    );
  return read.estate.scanErrors.length ? EXIT.partial : EXIT.ok;
}

function printOutcome(outcome: FixOutcome, format: 'table' | 'json', lines: string[]): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    return;
  }
  for (const line of lines) process.stdout.write(`${terminalText(line)}\n`);
  process.stdout.write(`${paint('bold', outcome.status)}${outcome.changeId ? ` ${outcome.changeId}` : ''}\n`);
  for (const message of outcome.messages) process.stdout.write(`  ${terminalText(message)}\n`);
}

const OK_STATUSES = new Set(['planned', 'applied', 'already-applied', 'reverted']);

async function fix(values: Values, positionals: string[]): Promise<number> {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  const fingerprint = positionals[0];
  if (!fingerprint || positionals.length > 1) throw new UsageError('fix takes exactly one finding fingerprint');
  const notAPrefix = fingerprintPrefixProblem(fingerprint);
  if (notAPrefix) throw new UsageError(notAPrefix);
  const { path: configPath, config: fileConfig } = await configOf(values);
  const providers = providersOf(values);
  if (providers.length && values.source) throw new UsageError('fix reads either --source or --provider, not both');
  const selection = providers.length ? await liveSelection(values, providers, fileConfig, configPath) : undefined;
  const config = selection?.config ?? fileConfig;
  const adapters = selection?.adapters ?? [];
  const estate = selection
    ? (await readLive(selection, format === 'json')).estate
    : await loadSnapshots(values.source ?? DEFAULT_SOURCE, progress);
  const report = auditEstate(estate, config);
  let finding;
  try {
    finding = findFinding(report, fingerprint);
  } catch (error) {
    if (!(error instanceof FixError)) throw error;
    // A finding that is gone because Warden fixed it: applying again is a no-op.
    const done = await appliedChangeFor(createFileChangeStore(), fingerprint, config);
    if (done) {
      printOutcome(
        {
          ...outcomeOf(done, null),
          status: 'already-applied',
          messages: [`already applied by ${done.changeId} (${done.actor}, ${done.at})`],
        },
        format,
        [],
      );
      return EXIT.ok;
    }
    process.stderr.write(`warden: ${error.message}\n`);
    return EXIT.usage;
  }
  const proposal = proposeFix(finding, groupOf(estate, finding), config, estate);
  if ('refused' in proposal) {
    printOutcome(
      { changeId: null, status: 'refused', plan: null, proof: null, verification: null, messages: [proposal.refused] },
      format,
      [`${finding.check} ${finding.groupId}: ${finding.title}`],
    );
    return EXIT.findings;
  }
  const lines = describePlanned(proposal);
  const planned: FixOutcome = {
    changeId: null,
    status: 'planned',
    plan: proposal.plan,
    proof: proposal.proof,
    verification: null,
    messages: [],
  };
  if (values['dry-run'] || !providers.length) {
    if (!values['dry-run'])
      planned.messages.push('a snapshot cannot be changed: read the group live with --provider to apply');
    printOutcome(planned, format, lines);
    return EXIT.ok;
  }
  if (!values.yes) {
    if (format !== 'json') for (const line of lines) process.stderr.write(`${line}\n`);
    if (!(await confirm(`Apply this plan to ${proposal.plan.target.groupId}?`))) {
      printOutcome(
        { ...planned, status: 'refused', messages: ['not confirmed (answer y, or pass --yes)'] },
        format,
        [],
      );
      return EXIT.findings;
    }
  }
  const adapter = adapters.find((a) => a.provider === proposal.plan.target.provider) as LiveAdapter;
  const record = await applyFix({ adapter, planned: proposal, config, estate, store: createFileChangeStore() });
  printOutcome(outcomeOf(record, proposal.proof), format, values.yes ? lines : []);
  return OK_STATUSES.has(record.status) ? EXIT.ok : EXIT.findings;
}

async function revert(values: Values, positionals: string[]): Promise<number> {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  const changeId = positionals[0];
  if (!changeId || positionals.length > 1) throw new UsageError('revert takes exactly one change id');
  if (!isChangeId(changeId))
    throw new UsageError(`"${changeId.slice(0, 40)}" is not a change id (chg-…, as \`warden fix\` printed it)`);
  const { path: configPath, config } = await configOf(values);
  const store = createFileChangeStore();
  const change = await store.get(changeId);
  if (!change) {
    process.stderr.write(`warden: change ${changeId}: no such change in ${defaultStateDir()}\n`);
    return EXIT.usage;
  }
  if (
    !values.yes &&
    !(await confirm(
      `Revert ${change.changeId} on ${change.plan.target.groupId} (restore its ${plural(change.preImage.length, 'rule')} as before)?`,
    ))
  ) {
    printOutcome(
      { ...outcomeOf(change, null), status: 'refused', messages: ['not confirmed (answer y, or pass --yes)'] },
      format,
      [],
    );
    return EXIT.findings;
  }
  // Without a config section for its provider, the change's own scope is read (its project for Huawei/OTC).
  const target = change.plan.target;
  const env = { ...process.env, HUAWEICLOUD_SDK_PROJECT_ID: target.account, OS_PROJECT_ID: target.account };
  const selection = await liveSelection(
    { ...values, regions: target.region, accounts: target.account || undefined },
    [target.provider],
    config,
    configPath,
    env,
  );
  const [adapter] = selection.adapters;
  const record = await revertFix({ adapter: adapter as LiveAdapter, change, store });
  printOutcome(outcomeOf(record, null), format, []);
  return OK_STATUSES.has(record.status) ? EXIT.ok : EXIT.findings;
}

async function explain(values: Values, positionals: string[]): Promise<number> {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  const direction = oneOf<'ingress' | 'egress'>('direction', values.direction, ['ingress', 'egress'], 'ingress');
  const target = interfaceTarget(values, positionals);
  if (target) {
    const source = values.source ?? DEFAULT_SOURCE;
    return explainTarget(await loadSnapshots(source, progress), target, source, format, direction);
  }
  const groupId = positionals[0];
  if (!groupId || positionals.length > 1) throw new UsageError('explain takes exactly one group id');
  const estate = await loadSnapshots(values.source ?? DEFAULT_SOURCE, progress);
  const matches = estate.groups.filter((g) => g.id === groupId);
  if (matches.length === 0) {
    process.stderr.write(`warden: group ${groupId} is not in ${values.source ?? DEFAULT_SOURCE}\n`);
    return EXIT.usage;
  }
  const standIns = standInsByGroup(estate.unparseable);
  const explained = matches.map((group) => ({
    group,
    parts: explainPolicy(evaluateWorstCase(group, standIns(group)), direction),
  }));
  process.stdout.write(`${formatExplain(explained, format, direction)}\n`);
  return EXIT.ok;
}

/** `--interface <id>` or `--instance <id>`, or undefined for a group id. */
function interfaceTarget(values: Values, positionals: string[]): InterfaceTarget | undefined {
  const given = (['interface', 'instance'] as const).filter((kind) => values[kind] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1 || positionals.length > 0)
    throw new UsageError('explain takes one of: a group id, --interface <id>, --instance <id>');
  const kind = given[0] as InterfaceTarget['kind'];
  const id = (values[kind] as string).trim();
  if (!id) throw new UsageError(`--${kind} needs an ${kind} id`);
  return { kind, id };
}

function explainTarget(
  estate: Estate,
  target: InterfaceTarget,
  source: string,
  format: 'table' | 'json',
  direction: 'ingress' | 'egress',
): number {
  const selected = selectInterfaces(estate, target, source);
  if ('error' in selected) {
    process.stderr.write(`warden: ${oneLine(selected.error)}\n`);
    return EXIT.usage;
  }
  const explained = explainInterfaces(estate, selected, direction);
  process.stdout.write(`${formatExplainInterfaces(explained, format, direction)}\n`);
  return EXIT.ok;
}

function checks(values: Values): number {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  if (format === 'json') {
    const catalog = CATALOG.map((meta) => ({ ...meta, controls: controlsOfMeta(meta) }));
    process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
    return EXIT.ok;
  }
  for (const meta of CATALOG) {
    process.stdout.write(
      `${paint('bold', meta.id.padEnd(24))} ${paint(SEVERITY_STYLE[meta.severity], meta.severity.padEnd(8))} ${meta.title}\n`,
    );
    process.stdout.write(paint('gray', `${' '.repeat(34)}${meta.source}\n`));
    const controls = controlsOfMeta(meta);
    if (controls.length) process.stdout.write(paint('gray', `${' '.repeat(34)}controls: ${controlsText(controls)}\n`));
  }
  return EXIT.ok;
}

async function templates(values: Values): Promise<number> {
  const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
  const { config } = await configOf(values);
  process.stdout.write(`${formatTemplates(listTemplates(config), format)}\n`);
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parse(rest);
    if (command === '--version' || values.version) {
      process.stdout.write(`warden ${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      const topic = positionals[0];
      process.stdout.write(`${isCommand(topic) ? commandUsage(topic) : overallUsage()}\n`);
      return EXIT.ok;
    }
    if (command === undefined) throw new UsageError('no command given');
    if (!isCommand(command)) throw new UsageError(`unknown command "${command}"`);
    if (values.help) {
      process.stdout.write(`${commandUsage(command)}\n`);
      return EXIT.ok;
    }
    if (command === 'audit') {
      if (positionals.length) throw new UsageError(`audit takes no positional arguments (got "${positionals[0]}")`);
      return await audit(values);
    }
    if (command === 'snapshot') return await snapshot(values);
    if (command === 'fix') return await fix(values, positionals);
    if (command === 'revert') return await revert(values, positionals);
    if (command === 'explain') return await explain(values, positionals);
    if (command === 'templates') return await templates(values);
    if (command === 'compliance') {
      const format = oneOf<'table' | 'json'>('format', values.format, ['table', 'json'], 'table');
      if (positionals.length > 1) throw new UsageError('compliance takes at most one framework id');
      const listed = listFrameworks(positionals[0], format);
      if (typeof listed !== 'string') throw new UsageError(listed.problem);
      process.stdout.write(`${listed}\n`);
      return EXIT.ok;
    }
    return checks(values);
  } catch (error) {
    return reportError(error, command);
  }
}

/** Every error is one line on stderr; the stack only with WARDEN_DEBUG=1. */
function reportError(error: unknown, command: string | undefined): number {
  if (error instanceof UsageError) {
    process.stderr.write(`warden: ${oneLine(error.message)} (${helpHint(command)})\n`);
    return EXIT.usage;
  }
  if (
    error instanceof SnapshotError ||
    error instanceof ConfigError ||
    error instanceof FixError ||
    error instanceof ScopeError ||
    error instanceof BaselineError ||
    error instanceof OutputError ||
    error instanceof DeliveryStateError
  ) {
    process.stderr.write(`warden: ${oneLine(error.message)}\n`);
    return EXIT.usage;
  }
  const debug = process.env['WARDEN_DEBUG'] === '1';
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`warden: internal error: ${oneLine(message)}${debug ? '' : ' (WARDEN_DEBUG=1 shows where)'}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return EXIT.internal;
}

/** A message as one line: its line breaks become spaces, other control characters are escaped. */
function oneLine(text: string): string {
  return terminalText(text.replace(/\s*[\r\n]+\s*/g, ' '));
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
