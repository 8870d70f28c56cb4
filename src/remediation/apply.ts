import { randomBytes } from 'node:crypto';
import { errorText } from '../lib/errors.ts';
import type { LiveAdapter, NormalizeScope, Scope } from '../ports/live.ts';
import { auditEstate } from '../analysis/audit.ts';
import { toFinding } from '../analysis/check.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { EstateIndex } from '../analysis/check.ts';
import { GROUP_CHECKS } from '../analysis/checks/index.ts';
import { plural } from '../analysis/describe.ts';
import { evaluateGroup } from '../analysis/evaluate.ts';
import { configSchema } from '../config/schema.ts';
import type { WardenConfig } from '../config/schema.ts';
import { mergePages } from '../model/merge.ts';
import { contentKey, ruleSignature } from '../model/rule-signature.ts';
import type { Estate, Rule, SecurityGroup, UnparseableRecord } from '../model/types.ts';
import type { ChangeStore } from '../ports/changes.ts';
import { setDrift } from './planners/sets.ts';
import { interfacesWidened } from './prove-interfaces.ts';
import type { ChangeRecord, ChangeStatus, NewRule, Plan } from '../model/change.ts';

// The live half of remediation (DESIGN.md, "Remediation"): re-read the group, check the plan's
// preconditions (refuse on drift), add before remove, re-read and verify, undo on a failure
// part-way, and record every apply and revert with the group's pre-image so a revert restores it.
// Where the re-read estate has interfaces, verifying includes them: no interface carrying the group
// allows more than it did before the change.
//
// Rule identity here is the provider id plus the content key (`contentKey` in
// src/model/rule-signature.ts). Descriptions are not part of it.

/**
 * Answers whether the plan's finding is gone from the group as re-read after the change
 * (`groupBefore`: the group as read before it, when there was a change).
 */
export type Verifier = (
  groupAfter: SecurityGroup,
  plan: Plan,
  groupBefore?: SecurityGroup,
) => boolean | Promise<boolean>;

export interface ApplyOptions {
  adapter: LiveAdapter;
  /** Reads the adapter's pages as the model (the snapshot page kinds): supplied by the caller. */
  normalize: NormalizeScope;
  scope: Scope;
  plan: Plan;
  store: ChangeStore;
  /** Who approved and applied: a Slack user, `cli:<user>`, … */
  actor: string;
  now?: () => Date;
  /** Defaults to `auditVerifier` with the default config: pass the run's config (and estate). */
  verify?: Verifier;
}

export interface RevertOptions {
  adapter: LiveAdapter;
  /** Reads the adapter's pages as the model (the snapshot page kinds): supplied by the caller. */
  normalize: NormalizeScope;
  scope: Scope;
  /** The `applied` apply record to revert. */
  change: ChangeRecord;
  store: ChangeStore;
  actor: string;
  now?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Identity and text

function asRule(rule: Omit<Rule, 'native'> | Rule): Rule {
  return 'native' in rule ? rule : { ...rule, native: { ruleId: '', derivedId: false, raw: null } };
}

/** A precondition's signature may be with or without priority (the planner's choice): compare like with like. */
function signatureLike(rule: Rule, expected: string): string {
  const without = ruleSignature(rule, false);
  return expected.split(' ').length === without.split(' ').length ? without : ruleSignature(rule, true);
}

function show(rule: Rule): string {
  return `${rule.native.ruleId} (${contentKey(rule)})`;
}

function countKeys(rules: readonly Omit<Rule, 'native'>[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const rule of rules) counts.set(contentKey(rule), (counts.get(contentKey(rule)) ?? 0) + 1);
  return counts;
}

/** The rules of `rules` beyond those of `other`, by content (as multisets), in their order. */
function beyond(rules: readonly Rule[], other: readonly Rule[]): Rule[] {
  const left = countKeys(other);
  const extra: Rule[] = [];
  for (const rule of rules) {
    const n = left.get(contentKey(rule)) ?? 0;
    if (n > 0) left.set(contentKey(rule), n - 1);
    else extra.push(rule);
  }
  return extra;
}

/** Multiset difference by content: rules of `now` beyond `expected`, and rules of `expected` missing from `now`. */
function contentDiff(expected: readonly Rule[], now: readonly Rule[]): { extra: Rule[]; missing: Rule[] } {
  return { extra: beyond(now, expected), missing: beyond(expected, now) };
}

/** By id: rules added, removed and changed in `now` relative to `expected`, as sentences. */
function idDiff(expected: readonly Rule[], now: readonly Rule[]): string[] {
  const before = new Map(expected.map((r) => [r.native.ruleId, r]));
  const after = new Map(now.map((r) => [r.native.ruleId, r]));
  const lines: string[] = [];
  for (const [id, rule] of before) {
    const current = after.get(id);
    if (!current) lines.push(`rule ${show(rule)} was removed`);
    else if (contentKey(current) !== contentKey(rule))
      lines.push(`rule ${id} changed from ${contentKey(rule)} to ${contentKey(current)}`);
  }
  for (const [id, rule] of after) if (!before.has(id)) lines.push(`rule ${show(rule)} was added`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface GroupState {
  group: SecurityGroup | undefined;
  unparseable: UnparseableRecord[];
  /** Everything the read returned: the other groups and the interfaces, for verifying on interfaces. */
  estate: Estate;
}

async function readState({ adapter, normalize, scope, groupId }: Context): Promise<GroupState> {
  const pages = await adapter.read(scope);
  const estate = mergePages(normalize(scope, pages));
  return {
    group: estate.groups.find((g) => g.id === groupId),
    unparseable: estate.unparseable.filter((u) => u.groupId === groupId),
    estate,
  };
}

/** The group as the provider has it now: the adapter's pages through the snapshot normalizers. */
export async function readGroup(
  adapter: LiveAdapter,
  scope: Scope,
  groupId: string,
  normalize: NormalizeScope,
): Promise<SecurityGroup | undefined> {
  return (await readState({ adapter, normalize, scope, groupId })).group;
}

// ---------------------------------------------------------------------------------------------
// Verification by audit

/**
 * A verifier that re-runs the plan's check with the run's config on the group as re-read: the
 * finding counts as gone only when the check reports nothing for the same subject (e.g. `port/22`)
 * on the group. The subject is found by running the
 * check on the group before the change; failing that, by the check and title of the finding.
 * With the estate the plan was made from, references to other groups resolve as in the audit.
 */
export function auditVerifier(config: WardenConfig, estate?: Estate): Verifier {
  return (after, plan, before) => {
    const keyOf = (g: Pick<SecurityGroup, 'provider' | 'account' | 'region' | 'id'>) =>
      `${g.provider}\u0000${g.account}\u0000${g.region}\u0000${g.id}`;
    const known = new Set([...(estate?.groups ?? []).map(keyOf), keyOf(after)]);
    const index: EstateIndex = {
      hasGroup: (provider, account, region, groupId) => known.has(keyOf({ provider, account, region, id: groupId })),
    };
    const check = GROUP_CHECKS.find((c) => c.meta.id === plan.finding.check);
    if (check && before) {
      const drafts = (group: SecurityGroup) =>
        check.run({ group, policy: evaluateGroup(group), config, estate: index });
      const scopeOf = (g: SecurityGroup) => ({
        provider: g.provider,
        account: g.account,
        region: g.region,
        groupId: g.id,
        groupName: g.name,
      });
      const subject = drafts(before).find((d) =>
        matchesFingerprint(toFinding(check.meta, scopeOf(before), d, plan.finding.severity), plan.finding.fingerprint),
      )?.subject;
      if (subject !== undefined) return !drafts(after).some((d) => d.subject === subject);
    }
    const groups = [...(estate?.groups.filter((g) => keyOf(g) !== keyOf(after)) ?? []), after];
    const findings = auditEstate({ groups, unparseable: [], scanErrors: [] }, config).findings;
    return !findings.some(
      (f) =>
        keyOf({ ...f, id: f.groupId }) === keyOf(after) &&
        (matchesFingerprint(f, plan.finding.fingerprint) ||
          (f.check === plan.finding.check && f.title === plan.finding.title)),
    );
  };
}

let defaultVerifier: Verifier | undefined;
function defaultVerify(): Verifier {
  defaultVerifier ??= auditVerifier(configSchema.parse({}));
  return defaultVerifier;
}

// ---------------------------------------------------------------------------------------------
// Records

/** `chg-20250102T030405.678Z-a1b2c3`: sorts by time, unique by the random suffix. */
export function newChangeId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return `chg-${stamp}-${randomBytes(3).toString('hex')}`;
}

async function saveFinal(store: ChangeStore, record: ChangeRecord): Promise<ChangeRecord> {
  const { inProgress: _inProgress, ...final } = record;
  const messages = final.messages.filter((m) => !m.startsWith(IN_PROGRESS));
  try {
    await store.save({ ...final, messages });
  } catch (error) {
    throw new Error(
      `change ${record.changeId} ended ${record.status} but its record could not be saved: ${errorText(error)}`,
      { cause: error },
    );
  }
  return { ...final, messages };
}

const IN_PROGRESS = 'in progress since ';

/** The record as saved while the change runs: what was done so far, and that it did not finish. */
function inProgressRecord(record: ChangeRecord, done: readonly Done[] = []): ChangeRecord {
  return {
    ...record,
    status: 'failed',
    inProgress: true,
    ...idsOf(done),
    messages: [
      `${IN_PROGRESS}${record.at}: if this record still says so, the ${record.kind} was interrupted; compare the group with the pre-image`,
      ...record.messages.filter((m) => !m.startsWith(IN_PROGRESS)),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Executing a change: adds, then removes; undo in reverse on failure

/** The group a change reads and changes, and how its pages are read. */
interface Context {
  adapter: LiveAdapter;
  normalize: NormalizeScope;
  scope: Scope;
  groupId: string;
}

export type Done = { kind: 'add'; rule: Rule; id: string } | { kind: 'remove'; rule: Rule };

interface Executed {
  done: Done[];
  /** Set when a call failed; the steps in `done` succeeded. */
  failure?: string;
  /** The rule whose add failed: the provider may have created it all the same (a lost answer). */
  failedAdd?: Rule;
}

/**
 * Adds first (never less access than the fix intends), then removes; stops at the first failure.
 * `progress` runs after each call that succeeded (the record is updated there): when it fails,
 * nothing more is changed, as for a failed call.
 */
async function execute(
  ctx: Context,
  adds: readonly Rule[],
  removes: readonly Rule[],
  progress?: (done: readonly Done[]) => Promise<void>,
): Promise<Executed> {
  const done: Done[] = [];
  const recorded = async (): Promise<string | undefined> => {
    try {
      await progress?.(done);
      return undefined;
    } catch (error) {
      return `the change record could not be updated after the last call, so nothing more was changed: ${errorText(error)}`;
    }
  };
  for (const rule of adds) {
    try {
      const id = await ctx.adapter.addRule(ctx.scope, ctx.groupId, rule);
      done.push({ kind: 'add', rule, id });
    } catch (error) {
      return { done, failure: `adding ${contentKey(rule)} failed: ${errorText(error)}`, failedAdd: rule };
    }
    const failure = await recorded();
    if (failure) return { done, failure };
  }
  for (const rule of removes) {
    try {
      await ctx.adapter.removeRule(ctx.scope, ctx.groupId, rule);
      done.push({ kind: 'remove', rule });
    } catch (error) {
      return { done, failure: `removing ${show(rule)} failed: ${errorText(error)}` };
    }
    const failure = await recorded();
    if (failure) return { done, failure };
  }
  return { done };
}

function idsOf(done: readonly Done[]): { addedRuleIds: string[]; removedRuleIds: string[] } {
  return {
    addedRuleIds: done.flatMap((d) => (d.kind === 'add' ? [d.id] : [])),
    removedRuleIds: done.flatMap((d) => (d.kind === 'remove' ? [d.rule.native.ruleId] : [])),
  };
}

interface Undone {
  status: Extract<ChangeStatus, 'rolled-back' | 'failed'>;
  messages: string[];
  after: Rule[] | undefined;
}

/**
 * Undoes the steps in reverse (re-adds what was removed, from its content, then removes what was
 * added, by its new id), re-reads the group and compares it with `before` by content.
 * `rolled-back` when nothing of this change is left; `failed` when something is (an added rule
 * still there, a removed rule still missing, or a rule the failed call may have created), each
 * named. Differences in rules this change never touched are someone else's and are reported too.
 */
async function undo(ctx: Context, done: readonly Done[], before: readonly Rule[], failedAdd?: Rule): Promise<Undone> {
  const messages: string[] = [];
  if (done.length === 0) messages.push('undo: nothing had been changed');
  let current: SecurityGroup | undefined;
  try {
    current = (await readState(ctx)).group;
  } catch {
    // The ids are known; the rules are removed by id without the re-read.
  }
  for (const step of [...done].reverse()) {
    if (step.kind === 'remove') {
      try {
        const id = await ctx.adapter.addRule(ctx.scope, ctx.groupId, step.rule);
        messages.push(`undo: re-added ${show(step.rule)} as ${id}`);
      } catch (error) {
        messages.push(`undo: re-adding ${show(step.rule)} failed: ${errorText(error)}`);
      }
    } else {
      const live = current?.rules.find((r) => r.native.ruleId === step.id);
      if (current && !live) {
        messages.push(`undo: added rule ${step.id} is already gone`);
        continue;
      }
      const rule = live ?? { ...step.rule, native: { ruleId: step.id, derivedId: false, raw: null } };
      try {
        await ctx.adapter.removeRule(ctx.scope, ctx.groupId, rule);
        messages.push(`undo: removed added rule ${show(rule)}`);
      } catch (error) {
        messages.push(`undo: removing added rule ${show(rule)} failed: ${errorText(error)}`);
      }
    }
  }
  let after: Rule[];
  try {
    const group = (await readState(ctx)).group;
    if (!group) throw new Error(`group ${ctx.groupId} is not found`);
    after = group.rules;
  } catch (error) {
    messages.push(
      `undo: cannot re-read the group to confirm the undo (${errorText(error)}); what may be left: ${describeSteps(done, failedAdd)}`,
    );
    return { status: 'failed', messages, after: undefined };
  }
  const { extra, missing } = contentDiff(before, after);
  if (extra.length === 0 && missing.length === 0) {
    messages.push('undo: the group has the same rules as before (by content; re-added rules have new ids)');
    return { status: 'rolled-back', messages, after };
  }
  const addedIds = new Set(done.flatMap((d) => (d.kind === 'add' ? [d.id] : [])));
  const beforeIds = new Set(before.map((r) => r.native.ruleId));
  const removedKeys = countKeys(done.flatMap((d) => (d.kind === 'remove' ? [d.rule] : [])));
  const left: string[] = [];
  const foreign: string[] = [];
  for (const rule of extra) {
    if (addedIds.has(rule.native.ruleId)) left.push(`left: rule ${show(rule)} added by this change is still there`);
    else if (failedAdd && !beforeIds.has(rule.native.ruleId) && contentKey(rule) === contentKey(failedAdd)) {
      left.push(`left: rule ${show(rule)} is there and was not before; the failed call may have created it`);
    } else foreign.push(`rule ${show(rule)} is there and was not before`);
  }
  for (const rule of missing) {
    const n = removedKeys.get(contentKey(rule)) ?? 0;
    if (n > 0) {
      removedKeys.set(contentKey(rule), n - 1);
      left.push(`left: rule ${show(rule)} removed by this change is still missing`);
    } else foreign.push(`rule ${show(rule)} was there before and is missing`);
  }
  if (foreign.length > 0) {
    messages.push(
      `the group also differs from before in rules this change did not touch (changed by someone else meanwhile): ${foreign.join('; ')}`,
    );
  }
  if (left.length === 0) {
    messages.push('undo: nothing of this change is left');
    return { status: 'rolled-back', messages, after };
  }
  messages.push('undo incomplete: the group needs a person', ...left);
  return { status: 'failed', messages, after };
}

function describeSteps(done: readonly Done[], failedAdd?: Rule): string {
  const parts = done.map((d) =>
    d.kind === 'add' ? `added ${d.id} (${contentKey(d.rule)})` : `removed ${show(d.rule)}`,
  );
  if (failedAdd) parts.push(`possibly added ${contentKey(failedAdd)} by the failed call`);
  return parts.length > 0 ? parts.join('; ') : 'nothing';
}

// ---------------------------------------------------------------------------------------------
// The skeleton of every change (apply, revert, and resuming either): save the record, make each
// call (saving after each), verify, and on a failure undo what was done, saving the outcome

interface Change {
  ctx: Context;
  store: ChangeStore;
  /** The record as the change runs: saved in progress before and after each call, and as it ends. */
  record: ChangeRecord;
  /** The group's rules before the change: what an undo restores. */
  before: readonly Rule[];
  /** Steps an interrupted process made already (when resuming it). */
  prior?: readonly Done[];
  adds: readonly Rule[];
  removes: readonly Rule[];
  /**
   * Saves the in-progress record before the first call; when that fails, throws `<notYet>: the
   * change record cannot be written, so nothing was changed` (a resumed change has its record already).
   */
  notYet?: string;
  /** Re-reads and checks the group once every call succeeded; any problem undoes the change. */
  verify(
    done: readonly Done[],
  ): Promise<{ after: Rule[] | undefined; problems: string[]; verification?: ChangeRecord['verification'] }>;
  /** What the record says first when the change is undone: a call failed part-way, or verification failed. */
  failedPartWay(failure: string): string;
  unverified: string;
  /** Said after that, before what the undo did. */
  notes?: readonly string[];
}

type UndoneChange = { outcome: 'undone'; record: ChangeRecord };
type Carried = { outcome: 'verified'; done: Done[]; after: Rule[] } | UndoneChange;

async function carryOut(change: Change): Promise<Carried> {
  const { ctx, store, record, prior = [] } = change;
  if (change.notYet !== undefined) {
    // No change without a record: if the process dies part-way, the store still holds the pre-image and says the change did not finish.
    try {
      await store.save(inProgressRecord(record));
    } catch (error) {
      throw new Error(
        `${change.notYet}: the change record cannot be written, so nothing was changed: ${errorText(error)}`,
        { cause: error },
      );
    }
  }
  const executed = await execute(ctx, change.adds, change.removes, (d) =>
    store.save(inProgressRecord(record, [...prior, ...d])),
  );
  const done = [...prior, ...executed.done];
  if (executed.failure) return undoChange(change, done, [change.failedPartWay(executed.failure)], executed.failedAdd);
  const verified = await change.verify(done);
  if (verified.problems.length > 0) {
    return undoChange(
      change,
      done,
      [change.unverified, ...verified.problems.map((p) => `verification: ${p}`)],
      undefined,
      verified.verification,
    );
  }
  return { outcome: 'verified', done, after: verified.after as Rule[] };
}

/** Undoes `done` and saves the record as the undo left the group: `why` and the notes first, then what the undo did. */
async function undoChange(
  change: Pick<Change, 'ctx' | 'store' | 'record' | 'before' | 'notes'>,
  done: readonly Done[],
  why: readonly string[],
  failedAdd?: Rule,
  verification?: ChangeRecord['verification'],
): Promise<UndoneChange> {
  const { record, notes = [] } = change;
  const undone = await undo(change.ctx, done, change.before, failedAdd);
  const final = await saveFinal(change.store, {
    ...record,
    ...idsOf(done),
    postImage: undone.after,
    status: undone.status,
    ...(verification ? { verification } : {}),
    messages: [...record.messages, ...why, ...notes, ...undone.messages],
  });
  return { outcome: 'undone', record: final };
}

// ---------------------------------------------------------------------------------------------
// Apply

function targetMismatch(adapter: LiveAdapter, scope: Scope, plan: Plan): string | undefined {
  const t = plan.target;
  if (adapter.provider !== t.provider || scope.provider !== t.provider) {
    return `the plan is for ${t.provider}, the adapter for ${adapter.provider} (scope ${scope.provider})`;
  }
  if (scope.region !== t.region) return `the plan is for region ${t.region}, the scope is ${scope.region}`;
  if (scope.account !== '' && t.account !== '' && scope.account !== t.account)
    return `the plan is for account ${t.account}, the scope is ${scope.account}`;
  return undefined;
}

function addRulesOf(plan: Plan): NewRule[] {
  return plan.operations.flatMap((op) => (op.op === 'add' ? [op.rule] : []));
}

function removeOpsOf(plan: Plan) {
  return plan.operations.flatMap((op) => (op.op === 'remove' ? [op] : []));
}

/** Every removed rule is gone (by id) and every added rule is there (by content). */
function isApplied(plan: Plan, group: SecurityGroup): boolean {
  const ids = new Set(group.rules.map((r) => r.native.ruleId));
  if (removeOpsOf(plan).some((op) => ids.has(op.ruleId))) return false;
  const present = countKeys(group.rules);
  for (const [key, n] of countKeys(addRulesOf(plan))) if ((present.get(key) ?? 0) < n) return false;
  return true;
}

/** What changed since the plan: each precondition (and each removed rule) by id and signature. */
function drift(plan: Plan, group: SecurityGroup): string[] {
  const byId = new Map(group.rules.map((r) => [r.native.ruleId, r]));
  const expected = [
    ...plan.preconditions,
    ...removeOpsOf(plan).map((op) => ({ ruleId: op.ruleId, signature: op.signature })),
  ];
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const { ruleId, signature } of expected) {
    const key = `${ruleId}\u0000${signature}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const live = byId.get(ruleId);
    if (!live) lines.push(`missing rule id ${ruleId}: the plan expected ${signature}`);
    else if (signatureLike(live, signature) !== signature)
      lines.push(`rule ${ruleId} changed from ${signature} to ${signatureLike(live, signature)}`);
  }
  return lines;
}

interface AppliedCheck {
  otherRulesUntouched: boolean;
  problems: string[];
  notes: string[];
}

function checkApplied(
  before: readonly Rule[],
  removed: readonly Rule[],
  added: readonly Done[],
  present: readonly Rule[],
  after: readonly Rule[],
): AppliedCheck {
  const problems: string[] = [];
  const notes: string[] = [];
  const byId = new Map(after.map((r) => [r.native.ruleId, r]));
  const removedIds = new Set(removed.map((r) => r.native.ruleId));
  for (const rule of before) {
    const now = byId.get(rule.native.ruleId);
    if (removedIds.has(rule.native.ruleId)) {
      if (now) problems.push(`rule ${show(rule)} should be removed and is still there`);
    } else if (!now) problems.push(`rule ${show(rule)} was not to be touched and is gone`);
    else if (contentKey(now) !== contentKey(rule))
      problems.push(
        `rule ${rule.native.ruleId} was not to be touched and changed from ${contentKey(rule)} to ${contentKey(now)}`,
      );
  }
  const addedIds = new Set<string>();
  for (const step of added) {
    if (step.kind !== 'add') continue;
    addedIds.add(step.id);
    const now = byId.get(step.id);
    if (!now) problems.push(`added rule ${step.id} (${contentKey(step.rule)}) is not there`);
    else if (contentKey(now) !== contentKey(step.rule))
      problems.push(`added rule ${step.id} reads back as ${contentKey(now)}, not ${contentKey(step.rule)}`);
  }
  const keep = countKeys(after);
  for (const rule of present) {
    const n = keep.get(contentKey(rule)) ?? 0;
    if (n === 0) problems.push(`rule ${contentKey(rule)} was already there and is gone`);
    else keep.set(contentKey(rule), n - 1);
  }
  const known = new Set(before.map((r) => r.native.ruleId));
  for (const rule of after) {
    if (!known.has(rule.native.ruleId) && !addedIds.has(rule.native.ruleId))
      notes.push(`rule ${show(rule)} appeared meanwhile, not by this change; kept`);
  }
  return { otherRulesUntouched: problems.length === 0, problems, notes };
}

async function findingGone(
  verify: Verifier,
  group: SecurityGroup,
  plan: Plan,
  before?: SecurityGroup,
): Promise<{ gone: boolean; message?: string }> {
  try {
    return (await verify(group, plan, before))
      ? { gone: true }
      : { gone: false, message: `finding ${plan.finding.fingerprint} (${plan.finding.title}) is still reported` };
  } catch (error) {
    return { gone: false, message: `verifying the finding failed: ${errorText(error)}` };
  }
}

/**
 * Applies an approved plan to the live group and records the outcome; see the module comment.
 * Never throws for a refusal or a failed call (those are records). Throws only when a record
 * cannot be written: before the first change (then nothing was changed), or at the end (then the
 * in-progress record, with the pre-image, is what the store holds).
 */
export async function applyPlan(options: ApplyOptions): Promise<ChangeRecord> {
  const { adapter, scope, plan, store, actor } = options;
  const verify = options.verify ?? defaultVerify();
  const at = (options.now ?? (() => new Date()))();
  const base: ChangeRecord = {
    changeId: newChangeId(at),
    kind: 'apply',
    actor,
    at: at.toISOString(),
    plan,
    preImage: [],
    addedRuleIds: [],
    status: 'refused',
    messages: [],
  };
  const groupId = plan.target.groupId;
  const ctx: Context = { adapter, normalize: options.normalize, scope, groupId };
  const refuse = (messages: string[], extra: Partial<ChangeRecord> = {}) =>
    saveFinal(store, { ...base, ...extra, status: 'refused', messages });

  const mismatch = targetMismatch(adapter, scope, plan);
  if (mismatch) return refuse([`refused: ${mismatch}`]);

  let state: GroupState;
  try {
    state = await readState(ctx);
  } catch (error) {
    return refuse([`refused: cannot read group ${groupId}: ${errorText(error)}`]);
  }
  const group = state.group;
  if (!group)
    return refuse([`refused: group ${groupId} is not found in ${scope.provider} ${scope.account} ${scope.region}`]);
  const preImage = group.rules;
  const unreadable =
    state.unparseable.length > 0
      ? [
          `note: ${plural(state.unparseable.length, 'rule')} of the group could not be read; ${state.unparseable.length === 1 ? 'it is' : 'they are'} not in the pre-image and ${state.unparseable.length === 1 ? 'is' : 'are'} left untouched`,
        ]
      : [];

  if (isApplied(plan, group)) {
    const check = await findingGone(verify, group, plan);
    return saveFinal(store, {
      ...base,
      preImage,
      postImage: preImage,
      status: 'already-applied',
      messages: [
        `already applied: group ${groupId} already has the plan's rules and none of the rules it removes; nothing was changed`,
        ...(check.message ? [check.message] : []),
        ...unreadable,
      ],
      verification: { findingGone: check.gone, otherRulesUntouched: true },
    });
  }

  const drifted = [...drift(plan, group), ...setDrift(plan, group)];
  if (drifted.length > 0) {
    return refuse([`refused: group ${groupId} changed since the plan was made; nothing was changed`, ...drifted], {
      preImage,
      postImage: preImage,
    });
  }

  // Adds the group already has (an earlier apply that stopped part-way) are not added twice;
  // they are not this change's to remove on revert either.
  const byId = new Map(group.rules.map((r) => [r.native.ruleId, r]));
  const removes = removeOpsOf(plan).map((op) => byId.get(op.ruleId) as Rule);
  const removedIds = new Set(removes.map((r) => r.native.ruleId));
  const available = countKeys(group.rules.filter((r) => !removedIds.has(r.native.ruleId)));
  const adds: Rule[] = [];
  const present: Rule[] = [];
  const messages: string[] = [...unreadable];
  for (const rule of addRulesOf(plan).map(asRule)) {
    const n = available.get(contentKey(rule)) ?? 0;
    if (n > 0) {
      available.set(contentKey(rule), n - 1);
      present.push(rule);
      messages.push(`rule ${contentKey(rule)} is already there; not added again`);
    } else adds.push(rule);
  }

  const record: ChangeRecord = { ...base, preImage, status: 'failed', messages };
  let verification: ChangeRecord['verification'];
  const carried = await carryOut({
    ctx,
    store,
    record,
    before: preImage,
    adds,
    removes,
    notYet: 'not applied',
    async verify(done) {
      let reread: GroupState | undefined;
      let readError = '';
      try {
        reread = await readState(ctx);
        if (!reread.group) readError = `group ${groupId} is not found`;
      } catch (error) {
        readError = errorText(error);
      }
      const after = reread?.group;
      if (!reread || !after) {
        verification = { findingGone: false, otherRulesUntouched: false };
        return { after: undefined, problems: [`cannot re-read the group: ${readError}`], verification };
      }
      const check = checkApplied(preImage, removes, done, present, after.rules);
      const gone = await findingGone(verify, after, plan, group);
      const widened = interfacesWidened(reread.estate, group, after);
      verification = {
        findingGone: gone.gone,
        otherRulesUntouched: check.otherRulesUntouched,
        ...(widened ? { interfacesNoMoreOpen: widened.length === 0 } : {}),
      };
      // The notes belong to the record however the change ends.
      messages.push(...check.notes);
      return {
        after: after.rules,
        problems: [...check.problems, ...(gone.message ? [gone.message] : []), ...(widened ?? [])],
        verification,
      };
    },
    failedPartWay: (failure) => `failed part-way: ${failure}`,
    unverified: 'verification failed after the change; undoing it',
  });
  if (carried.outcome === 'undone') return carried.record;
  const { addedRuleIds, removedRuleIds } = idsOf(carried.done);
  return saveFinal(store, {
    ...record,
    addedRuleIds,
    removedRuleIds,
    postImage: carried.after,
    status: 'applied',
    verification,
    messages: [
      ...messages,
      `applied: added ${addedRuleIds.length === 0 ? 'nothing' : addedRuleIds.join(', ')}; removed ${removes.length === 0 ? 'nothing' : removes.map((r) => r.native.ruleId).join(', ')}`,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Revert

/**
 * What an apply left in progress (its process died) did, from its record and the group as it is
 * now: the rules its record names as added or removed, and those a call made without the record
 * being updated after it (an add of the plan's content that was not there before, a removal of
 * the plan's that is gone). The post-image is the pre-image with those changes.
 */
export function interruptedResult(
  change: ChangeRecord,
  current: readonly Rule[],
): { postImage: Rule[]; addedRuleIds: string[]; notes: string[] } {
  const notes = [
    `${change.changeId} was interrupted part-way (its record was left in progress): this undoes what it did`,
  ];
  const beforeIds = new Set(change.preImage.map((r) => r.native.ruleId));
  const currentIds = new Set(current.map((r) => r.native.ruleId));
  const added = new Set(change.addedRuleIds);
  const unrecorded = countKeys(addRulesOf(change.plan));
  for (const rule of current)
    if (added.has(rule.native.ruleId)) unrecorded.set(contentKey(rule), (unrecorded.get(contentKey(rule)) ?? 0) - 1);
  for (const rule of current) {
    const n = unrecorded.get(contentKey(rule)) ?? 0;
    if (n > 0 && !beforeIds.has(rule.native.ruleId) && !added.has(rule.native.ruleId)) {
      unrecorded.set(contentKey(rule), n - 1);
      added.add(rule.native.ruleId);
      notes.push(
        `rule ${show(rule)} was not there before and is what the plan adds: taken as added by the interrupted call`,
      );
    }
  }
  const removed = new Set(change.removedRuleIds ?? []);
  for (const op of removeOpsOf(change.plan)) {
    if (!removed.has(op.ruleId) && !currentIds.has(op.ruleId)) {
      removed.add(op.ruleId);
      notes.push(
        `rule ${op.ruleId} (${op.signature}) is gone and is what the plan removes: taken as removed by the interrupted call`,
      );
    }
  }
  const postImage = [
    ...change.preImage.filter((r) => !removed.has(r.native.ruleId)),
    ...current.filter((r) => added.has(r.native.ruleId)),
  ];
  return { postImage, addedRuleIds: [...added], notes };
}

/** How the group differs from the pre-image a revert restores, by content. */
function preImageProblems(preImage: readonly Rule[], after: readonly Rule[]): string[] {
  const { extra, missing } = contentDiff(preImage, after);
  return [
    ...extra.map((r) => `rule ${show(r)} is there and was not in the pre-image`),
    ...missing.map((r) => `rule ${show(r)} of the pre-image is missing`),
  ];
}

/** Re-reads the group after a revert: how it differs from the pre-image the revert restores. */
async function verifyRestored(
  ctx: Context,
  preImage: readonly Rule[],
): Promise<{ after: Rule[] | undefined; problems: string[] }> {
  let after: Rule[] | undefined;
  try {
    after = (await readState(ctx)).group?.rules;
  } catch (error) {
    return { after: undefined, problems: [`cannot re-read the group: ${errorText(error)}`] };
  }
  return { after, problems: after ? preImageProblems(preImage, after) : [`group ${ctx.groupId} is not found`] };
}

/** An interrupted apply whose effect a revert undid is over: no longer in progress, so nothing resumes it. */
async function closeInterrupted(
  store: ChangeStore,
  change: ChangeRecord,
  revertId: string,
  actor: string,
): Promise<void> {
  await saveFinal(store, {
    ...change,
    messages: [...change.messages, `interrupted part-way; what it did was undone by ${revertId} (${actor})`],
  });
}

/**
 * What a revert does to the group it found (`found`, its record's pre-image): re-adds the rules of
 * the apply's pre-image missing from it, and removes the rules the apply added.
 */
function revertSteps(change: ChangeRecord, found: readonly Rule[]): { readd: Rule[]; remove: Rule[] } {
  const foundIds = new Set(found.map((r) => r.native.ruleId));
  const added = new Set(change.inProgress ? interruptedResult(change, found).addedRuleIds : change.addedRuleIds);
  return {
    readd: change.preImage.filter((r) => !foundIds.has(r.native.ruleId)),
    remove: found.filter((r) => added.has(r.native.ruleId)),
  };
}

/**
 * Restores the rule list an `applied` change found (its pre-image), when the group is still exactly
 * as that change left it (its post-image); otherwise refuses and says what changed since.
 */
export async function revertChange(options: RevertOptions): Promise<ChangeRecord> {
  const { adapter, scope, change, store, actor } = options;
  const at = (options.now ?? (() => new Date()))();
  const base: ChangeRecord = {
    changeId: newChangeId(at),
    kind: 'revert',
    reverts: change.changeId,
    actor,
    at: at.toISOString(),
    plan: change.plan,
    preImage: [],
    addedRuleIds: [],
    status: 'refused',
    messages: [],
  };
  const groupId = change.plan.target.groupId;
  const ctx: Context = { adapter, normalize: options.normalize, scope, groupId };
  const refuse = (messages: string[], extra: Partial<ChangeRecord> = {}) =>
    saveFinal(store, { ...base, ...extra, status: 'refused', messages });

  if (change.kind !== 'apply')
    return refuse([`refused: ${change.changeId} is itself a revert; apply the plan again instead`]);
  const interrupted = change.inProgress === true;
  if (change.status !== 'applied' && !interrupted) {
    const hint =
      change.status === 'already-applied'
        ? (await store.list())
            .filter((r) => r.kind === 'apply' && r.status === 'applied' && r.plan.id === change.plan.id)
            .at(-1)
        : undefined;
    return refuse([
      `refused: ${change.changeId} is ${change.status}, not applied: it changed nothing to revert` +
        (hint ? `; the change that applied plan ${change.plan.id} is ${hint.changeId}` : ''),
    ]);
  }
  const earlier = (await store.list()).find(
    (r) => r.kind === 'revert' && r.reverts === change.changeId && r.status === 'reverted',
  );
  if (earlier)
    return refuse([
      `refused: ${change.changeId} was already reverted by ${earlier.changeId} (${earlier.at}, ${earlier.actor})`,
    ]);
  if (!interrupted && !change.postImage)
    return refuse([`refused: ${change.changeId} has no post-image to compare the group with`]);

  const mismatch = targetMismatch(adapter, scope, change.plan);
  if (mismatch) return refuse([`refused: ${mismatch}`]);

  let group: SecurityGroup | undefined;
  try {
    group = (await readState(ctx)).group;
  } catch (error) {
    return refuse([`refused: cannot read group ${groupId}: ${errorText(error)}`]);
  }
  if (!group)
    return refuse([`refused: group ${groupId} is not found in ${scope.provider} ${scope.account} ${scope.region}`]);
  const current = group.rules;
  const left = interrupted
    ? interruptedResult(change, current)
    : { postImage: change.postImage ?? [], addedRuleIds: change.addedRuleIds, notes: [] };
  const since = idDiff(left.postImage, current);
  if (since.length > 0) {
    return refuse(
      [
        interrupted
          ? `refused: group ${groupId} differs from what the interrupted ${change.changeId} left; reverting would undo those changes too. Nothing was changed. The differences:`
          : `refused: group ${groupId} changed since ${change.changeId} was applied; reverting would undo those changes too. Nothing was changed. Since then:`,
        ...since,
      ],
      { preImage: current, postImage: current },
    );
  }

  // The group is exactly as the change left it: the steps follow from it.
  const { readd, remove } = revertSteps(change, current);

  const record: ChangeRecord = { ...base, preImage: current, status: 'failed', messages: [] };
  const carried = await carryOut({
    ctx,
    store,
    record,
    before: current,
    adds: readd,
    removes: remove,
    notYet: 'not reverted',
    verify: () => verifyRestored(ctx, change.preImage),
    failedPartWay: (failure) => `failed part-way: ${failure}`,
    unverified: 'verification failed after the revert; undoing it',
  });
  if (carried.outcome === 'undone') return carried.record;
  const { addedRuleIds: newIds, removedRuleIds } = idsOf(carried.done);
  const after = carried.after;
  const renamed = carried.done.flatMap((d) => (d.kind === 'add' ? [`${d.rule.native.ruleId} → ${d.id}`] : []));
  if (interrupted) await closeInterrupted(store, change, base.changeId, actor);
  return saveFinal(store, {
    ...record,
    addedRuleIds: newIds,
    removedRuleIds,
    postImage: after,
    status: 'reverted',
    messages: [
      `reverted ${change.changeId}: the group has exactly the rules of its pre-image again (by content)`,
      ...left.notes,
      ...(remove.length > 0 ? [`removed the rules it added: ${remove.map((r) => r.native.ruleId).join(', ')}`] : []),
      ...(renamed.length > 0
        ? [`re-added the rules it removed; the provider gave them new ids: ${renamed.join(', ')}`]
        : []),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Resume: an apply whose process died, from the record it left in progress

export type ResumeDecision =
  /** The group is as the plan expects plus what was done: `adds` and `removes` are what is left to do. */
  | { action: 'complete'; done: Done[]; adds: Rule[]; removes: Rule[] }
  /** The group no longer matches: what was done (`done`) is undone, for the `reasons`. */
  | { action: 'undo'; done: Done[]; reasons: string[] };

/**
 * What to do with an apply left in progress, given the group as it is now: complete it when the
 * group still matches the plan's preconditions plus what the record (and the group) says was
 * done, else undo what was done.
 */
export function decideResume(change: ChangeRecord, group: SecurityGroup): ResumeDecision {
  const current = group.rules;
  const byId = new Map(current.map((r) => [r.native.ruleId, r]));
  const left = interruptedResult(change, current);
  const reasons: string[] = [];
  const done: Done[] = [];
  for (const id of left.addedRuleIds) {
    const rule = byId.get(id);
    if (rule) done.push({ kind: 'add', rule, id });
    else reasons.push(`rule ${id}, added by the change, is gone`);
  }
  const postIds = new Set(left.postImage.map((r) => r.native.ruleId));
  const removed = change.preImage.filter((r) => !postIds.has(r.native.ruleId));
  for (const rule of removed) done.push({ kind: 'remove', rule });
  const removedIds = new Set(removed.map((r) => r.native.ruleId));
  const rest: Plan = {
    ...change.plan,
    preconditions: change.plan.preconditions.filter((p) => !removedIds.has(p.ruleId)),
    operations: change.plan.operations.filter((op) => op.op === 'add' || !removedIds.has(op.ruleId)),
  };
  reasons.push(...drift(rest, group), ...setDrift(rest, group));
  if (reasons.length > 0) return { action: 'undo', done, reasons };
  const adds = beyond(
    addRulesOf(change.plan).map(asRule),
    done.flatMap((d) => (d.kind === 'add' ? [d.rule] : [])),
  );
  const removes = removeOpsOf(rest).map((op) => byId.get(op.ruleId) as Rule);
  return { action: 'complete', done, adds, removes };
}

export interface ResumeOptions extends Omit<RevertOptions, 'change'> {
  /** The apply record left in progress (`inProgress`). */
  change: ChangeRecord;
  verify?: Verifier;
}

export interface Resumed {
  /** `left`: nothing was done (`reason` says why); the record is as it was. */
  outcome: 'completed' | 'undone' | 'left';
  record: ChangeRecord;
  reason?: string;
}

/** The plan's group as it is now, for resuming a change; or why it cannot be read (nothing is done then). */
async function groupToResume(
  { adapter, normalize, scope }: Pick<Context, 'adapter' | 'normalize' | 'scope'>,
  plan: Plan,
): Promise<SecurityGroup | string> {
  const mismatch = targetMismatch(adapter, scope, plan);
  if (mismatch) return mismatch;
  const groupId = plan.target.groupId;
  try {
    return (
      (await readState({ adapter, normalize, scope, groupId })).group ??
      `group ${groupId} is not found in ${scope.provider} ${scope.account} ${scope.region}`
    );
  } catch (error) {
    return `cannot read group ${groupId}: ${errorText(error)}`;
  }
}

/**
 * Resumes an apply left in progress: re-reads the group, completes the change or undoes what was
 * done (see `decideResume`), verifies, and saves the outcome under the same change id.
 */
export async function resumeChange(options: ResumeOptions): Promise<Resumed> {
  const { adapter, scope, change, store, actor } = options;
  const verify = options.verify ?? defaultVerify();
  const at = (options.now ?? (() => new Date()))().toISOString();
  const leave = (reason: string): Resumed => ({ outcome: 'left', record: change, reason });
  if (change.kind !== 'apply' || !change.inProgress)
    return leave(`${change.changeId} is not an apply left in progress`);
  const earlier = (await store.list()).find(
    (r) => r.kind === 'revert' && r.reverts === change.changeId && r.status === 'reverted',
  );
  if (earlier) return leave(`${change.changeId} was already reverted by ${earlier.changeId}`);
  const group = await groupToResume(options, change.plan);
  if (typeof group === 'string') return leave(group);
  const groupId = group.id;

  const ctx: Context = { adapter, normalize: options.normalize, scope, groupId };
  const record: ChangeRecord = { ...change, messages: change.messages.filter((m) => !m.startsWith(IN_PROGRESS)) };
  const decision = decideResume(change, group);
  const prefix = `resumed by ${actor} at ${at}`;
  const steps = { ctx, store, record, before: change.preImage };
  if (decision.action === 'undo') {
    return undoChange(steps, decision.done, [
      `${prefix}: the group no longer matches the plan plus what was done, so what was done is undone`,
      ...decision.reasons,
    ]);
  }

  let check: AppliedCheck | undefined;
  let gone = { gone: false };
  const carried = await carryOut({
    ...steps,
    prior: decision.done,
    adds: decision.adds,
    removes: decision.removes,
    async verify(all) {
      let reread: GroupState | undefined;
      try {
        reread = await readState(ctx);
      } catch {
        // Reported as a verification problem below.
      }
      const after = reread?.group;
      const removedRules = all.flatMap((d) => (d.kind === 'remove' ? [d.rule] : []));
      check = after ? checkApplied(change.preImage, removedRules, all, [], after.rules) : undefined;
      const before = { ...group, rules: change.preImage };
      const found = after
        ? await findingGone(verify, after, change.plan, before)
        : { gone: false, message: `cannot re-read group ${groupId}` };
      gone = found;
      const widened = reread && after ? (interfacesWidened(reread.estate, before, after) ?? []) : [];
      return {
        after: after?.rules,
        problems: [...(check?.problems ?? []), ...(found.message ? [found.message] : []), ...widened],
      };
    },
    failedPartWay: (failure) => `${prefix}: completing failed part-way: ${failure}`,
    unverified: `${prefix}: verification failed after completing the change; undoing it`,
  });
  if (carried.outcome === 'undone') return carried;
  const verification = { findingGone: gone.gone, otherRulesUntouched: check?.otherRulesUntouched ?? false };
  const ids = idsOf(carried.done);
  const final = await saveFinal(store, {
    ...record,
    ...ids,
    postImage: carried.after,
    status: 'applied',
    verification,
    messages: [
      ...record.messages,
      ...(check?.notes ?? []),
      `${prefix}: completed the change the interrupted apply began`,
      `applied: added ${ids.addedRuleIds.length === 0 ? 'nothing' : ids.addedRuleIds.join(', ')}; removed ${ids.removedRuleIds.length === 0 ? 'nothing' : ids.removedRuleIds.join(', ')}`,
    ],
  });
  return { outcome: 'completed', record: final };
}

// ---------------------------------------------------------------------------------------------
// Resume: a revert whose process died, from the record it left in progress

export interface ResumeRevertOptions extends Omit<RevertOptions, 'change'> {
  /** The revert record left in progress (`inProgress`). */
  change: ChangeRecord;
  /** The apply record it reverts. */
  reverted: ChangeRecord;
}

/**
 * Resumes a revert left in progress: re-reads the group and completes the revert (the group gets
 * the apply's pre-image again, by content) when the group is still what the revert found plus what
 * its record (and the group) says it did; else undoes what it did. Saved under the revert's change id.
 */
export async function resumeRevert(options: ResumeRevertOptions): Promise<Resumed> {
  const { adapter, scope, change, reverted, store, actor } = options;
  const at = (options.now ?? (() => new Date()))().toISOString();
  const leave = (reason: string): Resumed => ({ outcome: 'left', record: change, reason });
  if (change.kind !== 'revert' || !change.inProgress || change.reverts !== reverted.changeId)
    return leave(`${change.changeId} is not a revert of ${reverted.changeId} left in progress`);
  const group = await groupToResume(options, reverted.plan);
  if (typeof group === 'string') return leave(group);
  const groupId = group.id;

  // What the revert was to do, from the group it found; what its record (or the group) says it did.
  const found = change.preImage;
  const foundIds = new Set(found.map((r) => r.native.ruleId));
  const { readd, remove } = revertSteps(reverted, found);
  const current = group.rules;
  const byId = new Map(current.map((r) => [r.native.ruleId, r]));
  const notes: string[] = [];
  const reasons: string[] = [];
  const done: Done[] = [];
  const pending = countKeys(readd);
  const readded = new Set(change.addedRuleIds);
  for (const id of change.addedRuleIds) {
    const rule = byId.get(id);
    if (!rule) {
      reasons.push(`rule ${id}, re-added by the revert, is gone`);
      continue;
    }
    pending.set(contentKey(rule), (pending.get(contentKey(rule)) ?? 0) - 1);
    done.push({ kind: 'add', rule, id });
  }
  for (const rule of current) {
    const n = pending.get(contentKey(rule)) ?? 0;
    if (n > 0 && !foundIds.has(rule.native.ruleId) && !readded.has(rule.native.ruleId)) {
      pending.set(contentKey(rule), n - 1);
      readded.add(rule.native.ruleId);
      done.push({ kind: 'add', rule, id: rule.native.ruleId });
      notes.push(
        `rule ${show(rule)} was not there before and is what the revert re-adds: taken as re-added by the interrupted call`,
      );
    }
  }
  const removed = new Set(change.removedRuleIds ?? []);
  for (const rule of remove) {
    if (!removed.has(rule.native.ruleId) && !byId.has(rule.native.ruleId)) {
      removed.add(rule.native.ruleId);
      notes.push(`rule ${show(rule)} is gone and is what the revert removes: taken as removed by the interrupted call`);
    }
  }
  for (const rule of found) if (removed.has(rule.native.ruleId)) done.push({ kind: 'remove', rule });
  reasons.push(
    ...idDiff(
      [...found.filter((r) => !removed.has(r.native.ruleId)), ...current.filter((r) => readded.has(r.native.ruleId))],
      current,
    ),
  );

  const ctx: Context = { adapter, normalize: options.normalize, scope, groupId };
  const record: ChangeRecord = { ...change, messages: change.messages.filter((m) => !m.startsWith(IN_PROGRESS)) };
  const prefix = `resumed by ${actor} at ${at}`;
  const steps = { ctx, store, record, before: found, notes };
  if (reasons.length > 0) {
    return undoChange(steps, done, [
      `${prefix}: the group is no longer what the revert found plus what it did, so what it did is undone`,
      ...reasons,
    ]);
  }

  const adds: Rule[] = [];
  for (const rule of readd) {
    const n = pending.get(contentKey(rule)) ?? 0;
    if (n > 0) {
      pending.set(contentKey(rule), n - 1);
      adds.push(rule);
    }
  }
  const removes = remove.filter((r) => !removed.has(r.native.ruleId)).map((r) => byId.get(r.native.ruleId) as Rule);
  const carried = await carryOut({
    ...steps,
    prior: done,
    adds,
    removes,
    verify: () => verifyRestored(ctx, reverted.preImage),
    failedPartWay: (failure) => `${prefix}: completing the revert failed part-way: ${failure}`,
    unverified: `${prefix}: verification failed after completing the revert; undoing it`,
  });
  if (carried.outcome === 'undone') return carried;
  if (reverted.inProgress) await closeInterrupted(store, reverted, change.changeId, actor);
  const final = await saveFinal(store, {
    ...record,
    ...idsOf(carried.done),
    postImage: carried.after,
    status: 'reverted',
    messages: [
      ...record.messages,
      `${prefix}: completed the revert the interrupted process began`,
      `reverted ${reverted.changeId}: the group has exactly the rules of its pre-image again (by content)`,
      ...notes,
    ],
  });
  return { outcome: 'completed', record: final };
}
