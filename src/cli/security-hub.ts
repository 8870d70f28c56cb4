import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAwsClient } from '../../adapters/aws/client.ts';
import { batchImportFindings } from '../../adapters/aws/security-hub.ts';
import type { ImportFailure } from '../../adapters/aws/security-hub.ts';
import type { AuditReport } from '../analysis/audit.ts';
import { plural } from '../analysis/describe.ts';
import type { WardenConfig } from '../config/schema.ts';
import { errorText } from '../lib/errors.ts';
import type { Estate } from '../model/types.ts';
import { asffDocument, skippedLines } from '../report/asff.ts';
import type { AsffFinding } from '../report/asff.ts';
import { batchesOf, fitFinding } from '../report/asff-batches.ts';
import { DeliveryStateError } from './delivery-error.ts';

// `warden audit --security-hub`: the audit's AWS findings into each account's own Security Hub
// (BatchImportFindings, ≤ 100 findings a call, ≤ 240 KB each), by the stable fingerprint's Id, so a
// re-import updates. What was delivered is remembered in the state folder (security-hub.json): a
// finding delivered before and no longer found, in a scope this audit read completely, is
// re-imported with RecordState ARCHIVED. A finding Security Hub refuses is reported and the command
// fails; it is never counted as delivered.

const STATE_FILE = 'security-hub.json';

/** What was delivered, by `ProductArn|Id`: the finding as last imported. */
interface DeliveryState {
  delivered: Record<string, AsffFinding>;
}

export interface DeliveryInput {
  /** The audit's findings, open and suppressed (not narrowed by --baseline or --min-severity). */
  report: AuditReport;
  estate: Estate;
  config: WardenConfig;
  stateDir: string;
  toolVersion: string;
  now: Date;
  env?: NodeJS.ProcessEnv;
}

export interface DeliveryOutcome {
  /** For stderr, one line each. */
  lines: string[];
  /** Every finding (and every archive) was accepted. */
  delivered: boolean;
}

const keyOf = (f: Pick<AsffFinding, 'ProductArn' | 'Id'>) => `${f.ProductArn}|${f.Id}`;
const scopeOf = (f: Pick<AsffFinding, 'AwsAccountId' | 'Region'>) => `${f.AwsAccountId}|${f.Region}`;

async function readState(file: string): Promise<DeliveryState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { delivered: {} };
    throw new DeliveryStateError(`${file}: cannot be read: ${errorText(error)}`);
  }
  try {
    const state = JSON.parse(text) as Partial<DeliveryState>;
    if (typeof state.delivered !== 'object' || state.delivered === null || Array.isArray(state.delivered))
      throw new Error('no "delivered" object');
    return { delivered: state.delivered };
  } catch (error) {
    throw new DeliveryStateError(`${file}: not Warden's Security Hub delivery state: ${errorText(error)}`);
  }
}

async function writeState(file: string, state: DeliveryState): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 1)}\n`);
  await rename(temporary, file);
}

/** The AWS account × region scopes the audit read completely: only there may a missing finding be resolved. */
function completeScopes(estate: Estate): Set<string> {
  const read = new Set(estate.groups.filter((g) => g.provider === 'aws').map((g) => `${g.account}|${g.region}`));
  for (const error of estate.scanErrors) {
    if (error.provider !== 'aws' && error.provider !== 'unknown') continue;
    for (const scope of [...read]) {
      const [account, region] = scope.split('|');
      if ((!error.account || error.account === account) && (!error.region || error.region === region))
        read.delete(scope);
    }
  }
  return read;
}

/** A re-import leaves the top-level Types to the customer (BatchUpdateFindings): FindingProviderFields carries ours. */
function asUpdate(finding: AsffFinding): Omit<AsffFinding, 'Types'> {
  const { Types: _types, ...update } = finding;
  return update;
}

export async function deliverToSecurityHub(input: DeliveryInput): Promise<DeliveryOutcome> {
  const file = join(input.stateDir, STATE_FILE);
  const state = await readState(file);
  const createdAt = new Map(Object.values(state.delivered).map((f) => [f.Id, f.CreatedAt]));
  const generatedAt = input.now.toISOString();
  const document = asffDocument(input.report, { toolVersion: input.toolVersion, generatedAt, createdAt });
  const lines = skippedLines(document.skipped).map((line) => `Security Hub: ${line}`);

  const current = new Map(document.findings.map((f) => [keyOf(f), f]));
  const complete = completeScopes(input.estate);
  const resolved = Object.entries(state.delivered)
    .filter(([key, f]) => !current.has(key) && complete.has(scopeOf(f)))
    .map(([, f]): AsffFinding => ({ ...f, RecordState: 'ARCHIVED', UpdatedAt: generatedAt }));

  const failures: (ImportFailure & { scope: string })[] = [];
  const outgoing: { finding: AsffFinding; body: object }[] = [];
  for (const finding of [...current.values(), ...resolved]) {
    const fitted = fitFinding(finding);
    if (!fitted) {
      failures.push({
        id: finding.Id,
        code: 'TooLarge',
        message: 'over 240 KB after trimming',
        scope: scopeOf(finding),
      });
      continue;
    }
    if (fitted.trimmed.length)
      lines.push(`Security Hub: ${finding.Id} is over 240 KB: sent without its ${fitted.trimmed.join(', ')}`);
    const known = keyOf(finding) in state.delivered;
    outgoing.push({ finding: fitted.finding, body: known ? asUpdate(fitted.finding) : fitted.finding });
  }

  const byScope = new Map<string, typeof outgoing>();
  for (const item of outgoing) {
    const scope = scopeOf(item.finding);
    byScope.set(scope, [...(byScope.get(scope) ?? []), item]);
  }
  const aws = createAwsClient({ config: input.config, ...(input.env ? { env: input.env } : {}) });
  const accepted: AsffFinding[] = [];
  try {
    for (const [scope, items] of byScope) {
      const [account, region] = scope.split('|') as [string, string];
      for (const batch of batchesOf(items)) {
        let refused: ImportFailure[];
        try {
          refused = (
            await batchImportFindings(
              aws,
              account,
              region,
              batch.map((item) => item.body),
            )
          ).failed;
        } catch (error) {
          const message = errorText(error);
          refused = batch.map((item) => ({ id: item.finding.Id, code: 'CallFailed', message }));
        }
        const refusedIds = new Set(refused.map((f) => f.id));
        failures.push(...refused.map((f) => ({ ...f, scope })));
        accepted.push(...batch.map((item) => item.finding).filter((f) => !refusedIds.has(f.Id)));
      }
    }
  } finally {
    aws.close();
  }

  const delivered = { ...state.delivered };
  for (const finding of accepted) {
    if (finding.RecordState === 'ARCHIVED') delete delivered[keyOf(finding)];
    else delivered[keyOf(finding)] = finding;
  }
  await mkdir(input.stateDir, { recursive: true });
  await writeState(file, { delivered });

  const archived = accepted.filter((f) => f.RecordState === 'ARCHIVED').length;
  const imported = accepted.length - archived;
  const accounts = new Set(accepted.map((f) => f.AwsAccountId)).size;
  lines.push(
    `Security Hub: imported ${plural(imported, 'finding')} into ${plural(accounts, 'account')}; archived ${plural(archived, 'resolved finding')}`,
  );
  for (const [what, count] of countFailures(failures))
    lines.push(`Security Hub: ${plural(count, 'finding')} not imported: ${what}`);
  return { lines, delivered: failures.length === 0 };
}

/** Refusals grouped by account, region, code and message, most first. */
function countFailures(failures: readonly (ImportFailure & { scope: string })[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const [account, region] = f.scope.split('|');
    const what = `account ${account} ${region}: ${f.code}: ${f.message}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
