import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import type { AuditReport } from '../src/analysis/audit.ts';
import { CATALOG } from '../src/analysis/checks/index.ts';
import { defaultConfig } from '../src/config/schema.ts';
import type { Finding, Provider, Severity } from '../src/model/types.ts';
import { PROVIDERS, SEVERITIES } from '../src/model/types.ts';
import { planFindings } from '../src/remediation/plan.ts';
import type { ChangeRecord, ChangeStatus, Plan, PlanProof } from '../src/model/change.ts';
import {
  ACCEPT_RISK_INPUTS,
  ACTION_IDS,
  ButtonValueError,
  MAX_ENCODED_LENGTH,
  VIEW_IDS,
  encodeButtonValue,
  parseButtonValue,
} from '../src/slack/actions.ts';
import type { ActionId, ButtonPayload } from '../src/slack/actions.ts';
import {
  acceptRiskModal,
  appliedMessage,
  atOrAbove,
  detailsModal,
  digestMessage,
  findingMessage,
  resolvedUpdate,
} from '../src/slack/blocks.ts';
import type { ModalView, SlackMessage } from '../src/slack/blocks.ts';
import { groupInterfacesText } from '../src/slack/blocks/reach.ts';
import { LIMITS, TRUNCATION_MARK, escapeMrkdwn, fitMrkdwn, splitMrkdwn, truncate } from '../src/slack/limits.ts';
import { group, rule } from './support/build.ts';

// ---------------------------------------------------------------------------------------------------------------
// An independent Block Kit validator: walks every block and element Warden can produce and checks each documented
// limit (numbers restated here from Slack's pages, not imported, so a wrong constant in limits.ts cannot hide
// itself), plus what Slack rejects or misrenders: empty text, malformed UTF-16, unescaped control characters,
// unbalanced code fences, duplicate ids. Returns every violation, so a failure says what and where.
// ---------------------------------------------------------------------------------------------------------------

const SLACK = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  blockId: 255,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  textObject: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMax: 3000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 40_000,
  // Undocumented cumulative limit (slackapi/bolt-js#2509): Warden's budget.
  cumulativeText: 12_000,
} as const;

type Json = Record<string, unknown>;

class Checker {
  problems: string[] = [];
  private where: string[] = [];

  at<T>(place: string, fn: () => T): T {
    this.where.push(place);
    try {
      return fn();
    } finally {
      this.where.pop();
    }
  }

  fail(message: string): void {
    this.problems.push(`${this.where.join(' > ')}: ${message}`);
  }

  max(value: string | undefined, limit: number, what: string): void {
    if (typeof value !== 'string') return this.fail(`${what} is not a string`);
    if (value.length > limit) this.fail(`${what} is ${value.length} characters (limit ${limit})`);
  }

  id(value: unknown, limit: number, what: string): void {
    if (typeof value !== 'string' || value.length === 0) return this.fail(`${what} missing`);
    this.max(value, limit, what);
  }

  text(obj: unknown, limit: number, what: string, kinds: readonly string[] = ['plain_text', 'mrkdwn']): void {
    if (obj === null || typeof obj !== 'object') return this.fail(`${what}: not a text object`);
    const t = obj as Json;
    if (!kinds.includes(t.type as string))
      return this.fail(`${what}: type ${String(t.type)} (expected ${kinds.join('/')})`);
    if (typeof t.text !== 'string' || t.text.length === 0) return this.fail(`${what}: empty text`);
    this.max(t.text, Math.min(limit, SLACK.textObject), what);
    if (t.type === 'mrkdwn') this.mrkdwn(t.text, what);
  }

  /** Escaping: every `&` starts one of the three entities, every `<` starts a link Warden wrote. Fences balanced. */
  mrkdwn(text: string, what: string): void {
    const withoutLinks = text.replace(/<https?:\/\/[^\s|<>]+\|[^<>|]+>/g, '');
    if (/[<>]/.test(withoutLinks))
      this.fail(`${what}: unescaped < or > in ${JSON.stringify(withoutLinks.slice(0, 80))}`);
    if (/&(?!amp;|lt;|gt;)/.test(withoutLinks))
      this.fail(`${what}: unescaped & in ${JSON.stringify(withoutLinks.slice(0, 80))}`);
    if ((text.match(/```/g) ?? []).length % 2 !== 0) this.fail(`${what}: unbalanced code fence`);
  }

  confirm(obj: unknown): void {
    const c = obj as Json;
    this.text(c.title, SLACK.confirmTitle, 'confirm.title', ['plain_text']);
    this.text(c.text, SLACK.confirmText, 'confirm.text');
    this.text(c.confirm, SLACK.confirmButton, 'confirm.confirm', ['plain_text']);
    this.text(c.deny, SLACK.confirmButton, 'confirm.deny', ['plain_text']);
    if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger')
      this.fail(`confirm.style ${String(c.style)}`);
  }

  element(obj: unknown, actionIds: Set<string>): void {
    const e = obj as Json;
    if (e.action_id !== undefined) {
      this.id(e.action_id, SLACK.actionId, 'action_id');
      if (actionIds.has(e.action_id as string)) this.fail(`duplicate action_id ${String(e.action_id)}`);
      actionIds.add(e.action_id as string);
    }
    switch (e.type) {
      case 'button':
        this.text(e.text, SLACK.buttonText, 'button.text', ['plain_text']);
        if (e.value !== undefined) this.max(e.value as string, SLACK.buttonValue, 'button.value');
        if (e.url !== undefined) this.max(e.url as string, SLACK.buttonUrl, 'button.url');
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
          this.fail(`button.style ${String(e.style)}`);
        if (e.confirm !== undefined) this.at('confirm', () => this.confirm(e.confirm));
        break;
      case 'plain_text_input':
        if (e.max_length !== undefined && (typeof e.max_length !== 'number' || e.max_length > SLACK.plainTextInputMax))
          this.fail(`max_length ${String(e.max_length)}`);
        if (typeof e.min_length === 'number' && typeof e.max_length === 'number' && e.min_length > e.max_length)
          this.fail('min_length > max_length');
        if (e.placeholder !== undefined) this.text(e.placeholder, SLACK.placeholder, 'placeholder', ['plain_text']);
        break;
      case 'datepicker':
        if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(e.initial_date as string))
          this.fail(`initial_date ${String(e.initial_date)}`);
        if (e.placeholder !== undefined) this.text(e.placeholder, SLACK.placeholder, 'placeholder', ['plain_text']);
        break;
      default:
        this.fail(`unexpected element type ${String(e.type)}`);
    }
  }

  block(obj: unknown, surface: 'message' | 'modal'): void {
    const b = obj as Json;
    if (b.block_id !== undefined) this.id(b.block_id, SLACK.blockId, 'block_id');
    switch (b.type) {
      case 'header':
        this.text(b.text, SLACK.headerText, 'header.text', ['plain_text']);
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) this.fail('section without text or fields');
        if (b.text !== undefined) this.text(b.text, SLACK.sectionText, 'section.text');
        if (b.fields !== undefined) {
          const fields = b.fields as unknown[];
          if (fields.length === 0 || fields.length > SLACK.sectionFields) this.fail(`${fields.length} fields`);
          fields.forEach((f, i) => this.text(f, SLACK.fieldText, `field ${i}`));
        }
        if (b.accessory !== undefined) this.element(b.accessory, new Set());
        break;
      }
      case 'context': {
        const elements = b.elements as unknown[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK.contextElements)
          this.fail(`${elements?.length} context elements`);
        else elements.forEach((e, i) => this.text(e, SLACK.textObject, `context ${i}`));
        break;
      }
      case 'actions': {
        const elements = b.elements as unknown[];
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > SLACK.actionsElements)
          this.fail(`${elements?.length} action elements`);
        const ids = new Set<string>();
        elements.forEach((e, i) => this.at(`element ${i}`, () => this.element(e, ids)));
        break;
      }
      case 'input':
        if (surface !== 'modal') this.fail('input block outside a modal');
        this.text(b.label, SLACK.inputLabel, 'input.label', ['plain_text']);
        if (b.hint !== undefined) this.text(b.hint, SLACK.inputHint, 'input.hint', ['plain_text']);
        this.element(b.element, new Set());
        break;
      case 'divider':
        break;
      default:
        this.fail(`unexpected block type ${String(b.type)}`);
    }
  }

  blocks(blocks: unknown[], surface: 'message' | 'modal'): void {
    const limit = surface === 'message' ? SLACK.messageBlocks : SLACK.modalBlocks;
    if (!Array.isArray(blocks) || blocks.length === 0) return this.fail('no blocks');
    if (blocks.length > limit) this.fail(`${blocks.length} blocks (limit ${limit})`);
    const blockIds = new Set<string>();
    blocks.forEach((block, i) =>
      this.at(`block ${i} (${String((block as Json).type)})`, () => {
        const id = (block as Json).block_id as string | undefined;
        if (id !== undefined && blockIds.has(id)) this.fail(`duplicate block_id ${id}`);
        if (id !== undefined) blockIds.add(id);
        this.block(block, surface);
      }),
    );
  }

  wellFormed(value: unknown, path = ''): void {
    if (typeof value === 'string') {
      if (!value.isWellFormed()) this.fail(`${path}: lone surrogate`);
    } else if (Array.isArray(value)) value.forEach((v, i) => this.wellFormed(v, `${path}[${i}]`));
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) this.wellFormed(v, `${path}.${k}`);
  }
}

function cumulativeText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + cumulativeText(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.entries(value).reduce(
    (sum, [k, v]) => sum + (k === 'text' && typeof v === 'string' ? v.length : cumulativeText(v)),
    0,
  );
}

function messageProblems(message: SlackMessage): string[] {
  const c = new Checker();
  c.at('message', () => {
    if (typeof message.text !== 'string' || message.text.length === 0) c.fail('no fallback text');
    else c.max(message.text, SLACK.messageText, 'text');
    c.mrkdwn(message.text, 'fallback text');
    c.blocks(message.blocks, 'message');
    const total = cumulativeText(message.blocks);
    if (total > SLACK.cumulativeText) c.fail(`${total} characters of text in all (budget ${SLACK.cumulativeText})`);
    c.wellFormed(message);
  });
  return c.problems;
}

function modalProblems(view: ModalView): string[] {
  const c = new Checker();
  c.at('modal', () => {
    if (view.type !== 'modal') c.fail(`type ${view.type}`);
    c.text(view.title, SLACK.modalTitle, 'title', ['plain_text']);
    if (view.submit) c.text(view.submit, SLACK.modalButton, 'submit', ['plain_text']);
    if (view.close) c.text(view.close, SLACK.modalButton, 'close', ['plain_text']);
    if (view.private_metadata !== undefined) c.max(view.private_metadata, SLACK.privateMetadata, 'private_metadata');
    if (view.callback_id !== undefined) c.id(view.callback_id, SLACK.callbackId, 'callback_id');
    if (view.blocks.some((b) => b.type === 'input') && !view.submit) c.fail('input blocks without a submit button');
    c.blocks(view.blocks, 'modal');
    c.wellFormed(view);
  });
  return c.problems;
}

function expectValidMessage(message: SlackMessage): void {
  expect(messageProblems(message)).toEqual([]);
}

function expectValidModal(view: ModalView): void {
  expect(modalProblems(view)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------------------

function hex(n: number, width = 12): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

const NASTY = '<!channel> & <https://evil.example|click> `x` ```fence``` *bold* 👨‍👩‍👧‍👦 🇩🇪 é 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \uD83D';

function finding(i: number, spec: Partial<Finding> = {}): Finding {
  const severity = SEVERITIES[i % SEVERITIES.length] as Severity;
  const provider = PROVIDERS[i % PROVIDERS.length] as Provider;
  const check = CATALOG[i % CATALOG.length]?.id as string;
  return {
    check,
    severity,
    provider,
    account: `acct-${i % 7}`,
    region: `region-${i % 5}`,
    groupId: `sg-${hex(i, 8)}`,
    groupName: `group ${i}`,
    ruleIds: [`r-${i}`],
    title: `Finding ${i}`,
    detail: `tcp/22 from 0.0.0.0/0, decided by r-${i}`,
    fingerprint: hex(i),
    ...spec,
    subject: spec.subject ?? 'port/22',
  };
}

/** A finding with everything as large and as hostile as it gets. */
function hugeFinding(i: number): Finding {
  return finding(i, {
    title: `${NASTY} ${'🔥'.repeat(200)} title ${i}`,
    groupName: `${NASTY} ${'g'.repeat(500)}`,
    groupId: `sg-${'😀'.repeat(300)}`,
    account: '&'.repeat(600),
    region: '<'.repeat(600),
    ruleIds: Array.from({ length: 500 }, (_, k) => `sgr-${k}-${'x'.repeat(50)}`),
    detail: `${NASTY}\n`.repeat(3000) + '𝔘'.repeat(50_000) + '&<>'.repeat(20_000),
  });
}

function planFor(f: Finding, diffLines: number, spec: Partial<Plan> = {}): Plan {
  return {
    id: `plan-${f.fingerprint}`,
    finding: { fingerprint: f.fingerprint, check: f.check, title: f.title, severity: f.severity },
    target: { provider: f.provider, account: f.account, region: f.region, groupId: f.groupId, groupName: f.groupName },
    operations: [],
    preconditions: Array.from({ length: Math.min(diffLines, 400) }, (_, k) => ({
      ruleId: `sgr-${k}${NASTY}`,
      signature: 's',
    })),
    resolves: [f.fingerprint, ...Array.from({ length: 30 }, (_, k) => hex(k + 1_000_000))],
    summary: `${NASTY} close tcp/22 `.repeat(40),
    notes: Array.from({ length: 20 }, (_, k) => `note ${k}: ${NASTY} ${'n'.repeat(400)}`),
    diff: Array.from(
      { length: diffLines },
      (_, k) => `${k % 2 ? '+' : '-'} tcp/${k} from 0.0.0.0/0 ${NASTY} \`\`\` ${'🇩🇪'.repeat(k % 50)}`,
    ),
    ...spec,
  };
}

const PROVEN: PlanProof = { findingGone: true, neverWidens: true, onlyFindingPartChanged: true, otherChanges: [] };

function report(findings: Finding[], spec: Partial<AuditReport['summary']> = {}): AuditReport {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byProvider: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byProvider[f.provider] = (byProvider[f.provider] ?? 0) + 1;
  }
  return {
    findings,
    summary: {
      groups: findings.length,
      rules: findings.length * 10,
      findings: findings.length,
      bySeverity,
      byProvider,
      byCheck: {},
      scanErrors: [],
      partial: false,
      ...spec,
    },
  };
}

function change(plan: Plan, spec: Partial<ChangeRecord> = {}): ChangeRecord {
  return {
    changeId: 'chg-20261130T120000.000Z-a1b2c3',
    kind: 'apply',
    actor: 'U012ABCDEF',
    at: '2026-11-30T12:00:00.000Z',
    plan,
    preImage: [rule({ id: 'sgr-1', ports: 22 })],
    addedRuleIds: [],
    status: 'applied',
    messages: [],
    verification: { findingGone: true, otherRulesUntouched: true },
    ...spec,
  };
}

function allText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(allText).join('\n');
  if (value !== null && typeof value === 'object') return Object.values(value).map(allText).join('\n');
  return '';
}

type Block = SlackMessage['blocks'][number];

/** Every mrkdwn text in a block tree (plain_text is shown as it is, never parsed). */
function mrkdwnOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnOf);
  if (value === null || typeof value !== 'object') return [];
  const o = value as Json;
  if (o.type === 'mrkdwn' && typeof o.text === 'string') return [o.text];
  return Object.values(o).flatMap(mrkdwnOf);
}

function buttonsOf(
  blocks: Block[],
): { action_id: string; value: string; text: { text: string }; style?: string; confirm?: Json }[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements as never[]) : []));
}

function sectionTexts(blocks: readonly { type: string }[]): string[] {
  return blocks.flatMap((b) => {
    const text = (b as { text?: { text?: unknown } }).text?.text;
    return b.type === 'section' && typeof text === 'string' ? [text] : [];
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('the validator', () => {
  it('catches what Slack rejects', () => {
    const bad: SlackMessage = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: '<!channel> & a ```' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'b' }, action_id: 'a', value: 'v'.repeat(2001) },
            { type: 'button', text: { type: 'plain_text', text: 'b' }, action_id: 'a' },
          ],
        },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' as const })),
      ],
    };
    const problems = messageProblems(bad).join('\n');
    for (const expected of [
      '53 blocks',
      'header.text is 151',
      'unescaped < or >',
      'unescaped &',
      'unbalanced code fence',
      'button.value is 2001',
      'duplicate action_id',
    ])
      expect(problems).toContain(expected);
    expect(
      messageProblems({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a\uD800' } }] }).join(),
    ).toContain('lone surrogate');
    expect(
      messageProblems({
        text: 'x',
        blocks: Array.from({ length: 5 }, () => ({
          type: 'section' as const,
          text: { type: 'mrkdwn' as const, text: 'x'.repeat(2900) },
        })),
      }).join(),
    ).toContain('budget 12000');
    const modal = modalProblems({
      type: 'modal',
      title: { type: 'plain_text', text: 'A title longer than 24 chars' },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'l' },
          element: { type: 'datepicker', action_id: 'd', initial_date: '1/2/2026' },
        },
      ],
    }).join('\n');
    for (const expected of [
      'title is 28',
      'private_metadata is 3001',
      'input blocks without a submit',
      'initial_date 1/2/2026',
    ])
      expect(modal).toContain(expected);
  });
});

describe('limits', () => {
  it('states the documented numbers', () => {
    expect(LIMITS).toMatchObject({
      messageBlocks: 50,
      modalBlocks: 100,
      sectionText: 3000,
      sectionFieldText: 2000,
      buttonValue: 2000,
      actionId: 255,
      buttonText: 75,
      confirmTitle: 100,
      confirmText: 300,
      confirmButton: 30,
      modalTitle: 24,
      headerText: 150,
      contextElements: 10,
      actionsElements: 25,
    });
  });

  it('truncate leaves short text alone and marks what it cuts', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 8)).toBe(`hello w${TRUNCATION_MARK}`);
    expect(truncate('hello', 0)).toBe('');
    expect(() => truncate('x', -1)).toThrow(RangeError);
  });

  it('truncate never cuts a surrogate pair or a grapheme cluster', () => {
    expect(truncate('ab😀cd', 4)).toBe(`ab${TRUNCATION_MARK}`); // cutting at 3 would split 😀
    expect(truncate('a👨‍👩‍👧‍👦 family', 8)).toBe(`a${TRUNCATION_MARK}`);
    expect(truncate('x🇩🇪🇫🇷', 5)).toBe(`x${TRUNCATION_MARK}`);
    expect(truncate('x🇩🇪🇫🇷', 6)).toBe(`x🇩🇪${TRUNCATION_MARK}`);
    expect(truncate('ab\uD800cd', 10)).toBe('ab\uFFFDcd');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 0, max: 80 }), (text, max) => {
        const out = truncate(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out.isWellFormed()).toBe(true);
        if (text.length <= max) expect(out).toBe(text);
        else if (max > 1) {
          expect(out.endsWith(TRUNCATION_MARK)).toBe(true);
          expect(text.startsWith(out.slice(0, -1))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('escapeMrkdwn escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn('<!channel> <@U123> <https://x|y>')).toBe('&lt;!channel&gt; &lt;@U123&gt; &lt;https://x|y&gt;');
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
    expect(escapeMrkdwn('"quotes" \'and\' *stars* é 😀')).toBe('"quotes" \'and\' *stars* é 😀');
  });

  it('fitMrkdwn measures the escaped text and never cuts an entity or a pair', () => {
    expect(fitMrkdwn('a&b', 7)).toBe('a&amp;b');
    expect(fitMrkdwn('a&b', 6)).toBe(`a${TRUNCATION_MARK}`);
    expect(fitMrkdwn('<<<<', 10)).toBe(`&lt;&lt;${TRUNCATION_MARK}`);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '&', '<', '>', '😀', '\n', 'é', '\uD800'), maxLength: 80 }),
        fc.integer({ min: 1, max: 100 }),
        (text, max) => {
          const out = fitMrkdwn(text, max);
          expect(out.length).toBeLessThanOrEqual(max);
          expect(out.isWellFormed()).toBe(true);
          expect(/&(?!amp;|lt;|gt;)/.test(out)).toBe(false);
          expect(/[<>]/.test(out)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('splitMrkdwn loses nothing but line breaks when complete, and marks the cut when not', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '&', '<', '😀', '\n', ' '), maxLength: 400 }),
        fc.integer({ min: 10, max: 60 }),
        (text, max) => {
          const { pieces, complete } = splitMrkdwn(text, max);
          for (const p of pieces) expect(p.length).toBeLessThanOrEqual(max);
          expect(complete).toBe(true);
          expect(pieces.join('').replace(/\s/g, '')).toBe(escapeMrkdwn(text).replace(/\s/g, ''));
        },
      ),
      { numRuns: 300 },
    );
    const { pieces, complete } = splitMrkdwn('line\n'.repeat(10_000), 100, 3);
    expect(complete).toBe(false);
    expect(pieces).toHaveLength(3);
    expect(pieces[2]?.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  it('costs time proportional to the limit, not to the text', () => {
    const big = '😀&'.repeat(5_000_000);
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      truncate(big, 3000);
      fitMrkdwn(big, 3000);
      splitMrkdwn(big, 3000, 8);
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('button values', () => {
  const payloads: ButtonPayload[] = [
    { action: ACTION_IDS.approve, fingerprint: 'a1b2c3d4e5f6', planId: 'plan-0123456789ab' },
    { action: ACTION_IDS.reject, fingerprint: 'a1b2c3d4e5f6' },
    { action: ACTION_IDS.snooze, fingerprint: 'a1b2c3d4e5f6', planId: 'plan-0123456789ab' },
    { action: ACTION_IDS.acceptRisk, fingerprint: 'a1b2c3d4e5f6' },
    { action: ACTION_IDS.details, fingerprint: 'a1b2c3d4e5f6', planId: 'plan-0123456789ab' },
    {
      action: ACTION_IDS.revert,
      changeId: 'chg-20261130T120000.000Z-a1b2c3',
      fingerprint: 'a1b2c3d4e5f6',
      planId: 'plan-0123456789ab',
    },
  ];

  it('round-trip, compact and far below 2,000 characters', () => {
    expect(MAX_ENCODED_LENGTH).toBeLessThan(LIMITS.buttonValue);
    for (const payload of payloads) {
      const value = encodeButtonValue(payload);
      expect(value.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH);
      expect(parseButtonValue(value, payload.action)).toEqual(payload);
    }
    expect(encodeButtonValue(payloads[0] as ButtonPayload)).toBe(
      '{"v":1,"a":"ap","f":"a1b2c3d4e5f6","p":"plan-0123456789ab"}',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(ACTION_IDS)),
        fc.stringMatching(/^[0-9a-f]{8,64}$/),
        fc.stringMatching(/^plan-[0-9a-f]{8,64}$/),
        fc.stringMatching(/^chg-[0-9A-Za-z-]{1,100}$/),
        fc.stringMatching(/^suppress-[0-9a-f]{12,64}$/),
        (action, fingerprint, planId, changeId, suppressionRequestId) => {
          const suppression = action === ACTION_IDS.approveSuppression || action === ACTION_IDS.rejectSuppression;
          const payload: ButtonPayload =
            action === ACTION_IDS.revert
              ? { action, changeId, fingerprint }
              : suppression
                ? { action, suppressionRequestId }
                : { action, fingerprint, planId };
          const value = encodeButtonValue(payload);
          expect(value.length).toBeLessThanOrEqual(MAX_ENCODED_LENGTH);
          expect(parseButtonValue(value, action)).toEqual(payload);
        },
      ),
    );
  });

  it('refuse tampered, foreign and oversized values with a clear error', () => {
    const good = encodeButtonValue(payloads[0] as ButtonPayload);
    const cases: [unknown, string][] = [
      [undefined, 'expected a string'],
      [42, 'expected a string'],
      ['x'.repeat(2001), 'longer than any value Warden writes'],
      [`${good}${' '.repeat(10_000)}`, 'longer than any value Warden writes'],
      ['not json', 'not JSON'],
      ['[1,2]', 'not a JSON object'],
      ['null', 'not a JSON object'],
      [good.replace('a1b2c3d4e5f6', 'A1B2C3D4E5F6'), 'fingerprint'],
      [good.replace('a1b2c3d4e5f6', '../../etc/pw'), 'fingerprint'],
      [good.replace('"plan-0123456789ab"', '"plan-0123456789ab; rm -rf"'), 'plan id'],
      [good.replace('"v":1', '"v":2'), 'version 2'],
      [good.replace('"a":"ap"', '"a":"zz"'), 'unknown action code'],
      [good.replace('}', ',"x":1}'), 'unknown key'],
      [good.replace('}', ',"__proto__":{"a":"rv"}}'), 'unknown key'],
      ['{"v":1,"a":"ap","f":"a1b2c3d4e5f6"}', 'needs a plan id'],
      ['{"v":1,"a":"ap","f":"a1b2c3d4e5f6","p":"plan-0123456789ab","c":"chg-1"}', 'takes no change id'],
      ['{"v":1,"a":"rv","c":"chg-1..2"}', 'change id'],
      ['{"a":"ap","v":1,"f":"a1b2c3d4e5f6","p":"plan-0123456789ab"}', 'canonical form'],
      [good.replace(',', ', '), 'canonical form'],
      ['{"v":1,"a":"ap","f":"000000000000","f":"a1b2c3d4e5f6","p":"plan-0123456789ab"}', 'canonical form'],
      ['{"v":1,"a":"ap","f":"a1b2c3d4e5f6","p":"plan-0123456789ab","p":"plan-0123456789ab"}', 'canonical form'],
      ['{"v":1,"a":"ap","f":"a1b2c3d4e5f6","p":123}', 'p is not a string'],
    ];
    for (const [value, reason] of cases) {
      expect(() => parseButtonValue(value), String(value).slice(0, 60)).toThrow(ButtonValueError);
      expect(() => parseButtonValue(value), String(value).slice(0, 60)).toThrow(reason);
    }
    // A valid value moved onto another button.
    expect(() => parseButtonValue(good, ACTION_IDS.revert)).toThrow(
      'written for warden_approve, but the button clicked is warden_revert',
    );
    // Encoding refuses what it could not read back.
    expect(() => encodeButtonValue({ action: ACTION_IDS.approve, fingerprint: 'a1b2c3d4e5f6' })).toThrow(
      'needs a plan id',
    );
    expect(() => encodeButtonValue({ action: 'warden_nope' as ActionId, fingerprint: 'a1b2c3d4e5f6' })).toThrow(
      'unknown action',
    );
  });

  it('accept only what encode wrote, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (value) => {
        try {
          const payload = parseButtonValue(value);
          expect(encodeButtonValue(payload)).toBe(value);
        } catch (error) {
          expect(error).toBeInstanceOf(ButtonValueError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('findingMessage', () => {
  const estateGroup = group({
    provider: 'aws',
    id: 'sg-0123456789abcdef0',
    name: 'web <prod> & co',
    rules: [rule({ id: 'sgr-1', ports: 22, peer: '0.0.0.0/0' })],
  });
  const config = defaultConfig();
  const audited = auditEstate({ groups: [estateGroup], unparseable: [], scanErrors: [] }, config);
  const planned = planFindings([estateGroup], audited.findings, config);
  const real = audited.findings[0] as Finding;
  const offered = planned.offered[0] as { plan: Plan; proof: PlanProof };

  it('shows what, where, the deciding rule, why and its source, the diff, and five buttons', () => {
    expect(real.check).toBe('internet-admin-port');
    const message = findingMessage(real, offered);
    expectValidMessage(message);
    const [head, facts] = message.blocks;
    expect(head?.type).toBe('header');
    expect(allText(head)).toContain('Critical: Port 22 (SSH) is open to the Internet');
    expect(allText(facts)).toContain('web &lt;prod&gt; &amp; co (`sg-0123456789abcdef0`)');
    expect(allText(facts)).toContain('aws · acct · region-1');
    expect(allText(facts)).toContain('`sgr-1`');
    const texts = sectionTexts(message.blocks).join('\n');
    expect(texts).toContain(escapeMrkdwn(real.detail));
    const meta = CATALOG.find((m) => m.id === 'internet-admin-port');
    expect(texts).toContain(escapeMrkdwn(meta?.rationale ?? '?'));
    expect(texts).toContain(`_Source: ${escapeMrkdwn(meta?.source ?? '?')}_`);
    expect(texts).toContain('```- tcp/22 from 0.0.0.0/0```');
    expect(texts).toContain('access to tcp/22 from outside will stop');
    const buttons = buttonsOf(message.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual([
      'warden_approve',
      'warden_reject',
      'warden_snooze',
      'warden_accept_risk',
      'warden_details',
    ]);
    expect(buttons.map((b) => b.text.text)).toEqual([
      'Approve fix',
      'Reject',
      'Snooze 7 days',
      'Accept risk',
      'Details',
    ]);
    const approve = buttons[0];
    expect(approve?.style).toBe('primary');
    // The confirm dialog repeats what will change.
    expect(allText(approve?.confirm)).toContain(offered.plan.summary);
    expect(allText(approve?.confirm)).toContain('remove 1 rule: - tcp/22 from 0.0.0.0/0');
    // However long the summary, the dialog keeps the diff summary.
    const long = buttonsOf(
      findingMessage(real, { plan: { ...offered.plan, summary: 'close it '.repeat(200) }, proof: offered.proof })
        .blocks,
    )[0];
    expect(allText(long?.confirm)).toContain('remove 1 rule: - tcp/22 from 0.0.0.0/0');
    for (const b of buttons) {
      const payload = parseButtonValue(b.value, b.action_id as ActionId);
      expect(payload.fingerprint).toBe(real.fingerprint);
      expect(payload.planId).toBe(offered.plan.id);
    }
    expect(message.text).toContain('Critical: Port 22 (SSH) is open to the Internet');
  });

  it('names the interfaces and instances a finding concerns, capped within the field limit', () => {
    const reach = {
      interfaces: 50_000,
      publicInterfaces: 12_345,
      instances: 40_000,
      sample: Array.from({ length: 20 }, (_, k) => ({
        interface: `eni-${hex(k, 17)}${NASTY}`,
        instance: `i-${hex(k, 17)}`,
        publicAddresses: ['54.0.0.1'],
      })),
    };
    const small = findingMessage(
      finding(1, {
        reach: {
          ...reach,
          interfaces: 2,
          sample: reach.sample.slice(0, 2).map((e, k) => ({ ...e, interface: `eni-${k}` })),
        },
      }),
    );
    expectValidMessage(small);
    expect(allText(small.blocks[1])).toContain(
      '*Interfaces*\n2 interfaces (12,345 public) · 40,000 instances: `eni-0` (`i-00000000000000000`), `eni-1` (`i-00000000000000001`)',
    );
    const huge = findingMessage({ ...hugeFinding(2), reach });
    expectValidMessage(huge);
    expect(allText(huge.blocks[1])).toMatch(
      /50,000 interfaces \(12,345 public\) · 40,000 instances: .* and [\d,]+ more/,
    );
    // A finding without interface data has no such field.
    expect(allText(findingMessage(finding(3)).blocks[1])).not.toContain('Interfaces');
  });

  it('`/warden show` names the interfaces and instances that carry the group, or says they were not read', () => {
    const carried = (id: string, groupIds: string[], publicIp?: string) => ({
      provider: estateGroup.provider,
      account: estateGroup.account,
      region: estateGroup.region,
      vpcId: 'vpc-1',
      id,
      groupIds,
      groupOrder: 'unknown' as const,
      publicAddresses: publicIp ? [{ address: publicIp, family: 'ipv4' as const, kind: 'public-ip' as const }] : [],
      attachedTo: { kind: 'instance' as const, id: `i-${id}` },
    });
    const interfaces = [
      carried('eni-2', [estateGroup.id]),
      carried('eni-1', ['sg-other', estateGroup.id], '54.0.0.1'),
      carried('eni-3', ['sg-other']),
    ];
    expect(groupInterfacesText({ interfaces }, estateGroup)).toBe(
      '2 interfaces (1 public) · 2 instances: `eni-1` (`i-eni-1`), `eni-2` (`i-eni-2`)',
    );
    expect(groupInterfacesText({ interfaces: [] }, estateGroup)).toBe('attached to no interface');
    expect(groupInterfacesText({}, estateGroup)).toBe('not known: the interfaces of this scope were not read');
  });

  it('offers no Approve without a plan, and says why and how to fix by hand', () => {
    const message = findingMessage(real, undefined, { noPlanReason: 'no trusted sources are configured for ssh' });
    expectValidMessage(message);
    const buttons = buttonsOf(message.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual([
      'warden_reject',
      'warden_snooze',
      'warden_accept_risk',
      'warden_details',
    ]);
    const texts = sectionTexts(message.blocks).join('\n');
    expect(texts).toContain('*No automatic fix*: no trusted sources are configured for ssh');
    expect(texts).toContain('*Fix by hand*');
    for (const b of buttons) expect(parseButtonValue(b.value).planId).toBeUndefined();
  });

  it('refuses a plan made for another finding', () => {
    expect(() => findingMessage(finding(9), offered)).toThrow(
      `plan ${offered.plan.id} is for finding ${real.fingerprint}`,
    );
  });

  it('offers no Approve for a plan the evaluator did not prove', () => {
    const proof: PlanProof = {
      findingGone: true,
      neverWidens: false,
      onlyFindingPartChanged: true,
      otherChanges: ['tcp/80 from 0.0.0.0/0 newly allowed'],
    };
    const message = findingMessage(real, { plan: offered.plan, proof });
    expectValidMessage(message);
    expect(buttonsOf(message.blocks).map((b) => b.action_id)).not.toContain('warden_approve');
    expect(sectionTexts(message.blocks).join('\n')).toContain(
      '*Not offered*: it would allow traffic that is not allowed today',
    );
  });

  it('escapes everything from the clouds: no mention, link or code fence can be injected', () => {
    const f = finding(1, { title: NASTY, groupName: NASTY, detail: NASTY, account: NASTY, ruleIds: [NASTY] });
    for (const message of [
      findingMessage(f, { plan: planFor(f, 3), proof: PROVEN }),
      resolvedUpdate(f, { note: NASTY }),
      digestMessage(report([f]), { new: [f], resolved: [f] }, { minSeverity: 'info' })[0] as SlackMessage,
    ]) {
      expectValidMessage(message);
      const mrkdwnTexts = mrkdwnOf(message.blocks).join('\n');
      expect(mrkdwnTexts).not.toContain('<!channel>');
      expect(mrkdwnTexts).not.toContain('<https://evil');
      expect(mrkdwnTexts).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    }
    const link = findingMessage(f, undefined, { detailsUrl: 'https://warden.example/audit?run=1&view=all|x' });
    expect(allText(link.blocks)).toContain('<https://warden.example/audit?run=1&amp;view=all%7Cx|full audit>');
    expect(allText(findingMessage(f, undefined, { detailsUrl: 'javascript:alert(1)' }).blocks)).not.toContain(
      'javascript',
    );
  });

  it('stays within every limit for huge findings and plans', () => {
    for (let i = 0; i < 40; i++) {
      const f = hugeFinding(i);
      const plan = planFor(f, 5000);
      const message = findingMessage(f, { plan, proof: { ...PROVEN, otherChanges: [NASTY.repeat(100)] } });
      expectValidMessage(message);
      expect(sectionTexts(message.blocks).join('\n')).toContain('Details shows all of it');
      expectValidMessage(
        findingMessage(f, undefined, {
          noPlanReason: NASTY.repeat(1000),
          detailsUrl: `https://x.example/${'a'.repeat(5000)}`,
        }),
      );
      expectValidMessage(resolvedUpdate(f, { note: NASTY.repeat(1000) }));
      expectValidModal(acceptRiskModal(f, { now: new Date('2026-12-01T00:00:00Z') }));
      expectValidModal(
        detailsModal(f, {
          plan,
          proof: { ...PROVEN, onlyFindingPartChanged: false, otherChanges: Array(500).fill(NASTY) },
        }),
      );
      expectValidMessage(
        appliedMessage(change(plan, { messages: Array(300).fill(NASTY.repeat(10)), actor: NASTY, reverts: 'chg-1' })),
      );
    }
  });
});

describe('resolvedUpdate', () => {
  it('marks the finding resolved and keeps no button', () => {
    const f = finding(3);
    const message = resolvedUpdate(f, { note: 'Fixed by change chg-1 (approved by U012ABCDEF).' });
    expectValidMessage(message);
    expect(allText(message.blocks[0])).toContain('Resolved: Finding 3');
    expect(buttonsOf(message.blocks)).toEqual([]);
    expect(message.text).toBe('Resolved: Finding 3');
  });
});

describe('appliedMessage', () => {
  const f = finding(0);
  const plan = planFor(f, 2, { summary: 'Close tcp/22 to the Internet', notes: [] });

  it('shows the result and the verification, with a Revert button behind a confirm dialog', () => {
    const message = appliedMessage(change(plan));
    expectValidMessage(message);
    expect(allText(message.blocks[0])).toContain('Fix applied');
    expect(sectionTexts(message.blocks).join('\n')).toContain(
      ':white_check_mark: finding gone (re-read) · :white_check_mark: other rules untouched',
    );
    const [revert] = buttonsOf(message.blocks);
    expect(revert?.action_id).toBe('warden_revert');
    expect(revert?.style).toBe('danger');
    expect(allText(revert?.confirm)).toContain(
      'Restores group 0 to the 1 rule it had before chg-20261130T120000.000Z-a1b2c3',
    );
    expect(parseButtonValue(revert?.value, ACTION_IDS.revert)).toEqual({
      action: ACTION_IDS.revert,
      changeId: 'chg-20261130T120000.000Z-a1b2c3',
      fingerprint: f.fingerprint,
      planId: plan.id,
    });
  });

  it('offers Revert only for an applied change', () => {
    const statuses: ChangeStatus[] = ['already-applied', 'refused', 'rolled-back', 'failed'];
    for (const status of statuses) {
      const message = appliedMessage(
        change(plan, {
          status,
          verification: undefined,
          messages: [`${status}: group changed since the plan (sgr-1 missing)`],
        }),
      );
      expectValidMessage(message);
      expect(buttonsOf(message.blocks)).toEqual([]);
      expect(sectionTexts(message.blocks).join('\n')).toContain(`${status}: group changed since the plan`);
    }
    const reverted = appliedMessage(change(plan, { kind: 'revert', reverts: 'chg-20261129T000000.000Z-000000' }));
    expectValidMessage(reverted);
    expect(allText(reverted.blocks[0])).toContain('Change reverted');
    expect(buttonsOf(reverted.blocks)).toEqual([]);
  });
});

describe('modals', () => {
  it('accept risk asks for a reason and an expiry date, and carries the fingerprint', () => {
    const f = finding(5);
    const view = acceptRiskModal(f, { now: new Date('2026-12-01T10:00:00Z') });
    expectValidModal(view);
    expect(view.callback_id).toBe(VIEW_IDS.acceptRisk);
    expect(parseButtonValue(view.private_metadata, ACTION_IDS.acceptRisk)).toEqual({
      action: ACTION_IDS.acceptRisk,
      fingerprint: f.fingerprint,
    });
    const inputs = view.blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => b.block_id)).toEqual([ACCEPT_RISK_INPUTS.reasonBlock, ACCEPT_RISK_INPUTS.expiryBlock]);
    expect(inputs.map((b) => (b as { element: { type: string } }).element.type)).toEqual([
      'plain_text_input',
      'datepicker',
    ]);
    expect(allText(inputs[1])).toContain('2026-12-31');
    expect(allText(acceptRiskModal(f).blocks)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('details shows the whole detail and diff, split into sections within limits', () => {
    const f = finding(7, {
      detail: Array.from({ length: 400 }, (_, k) => `line ${k}: tcp/${k} from 0.0.0.0/0 & more`).join('\n'),
    });
    const plan = planFor(f, 300);
    const view = detailsModal(f, { plan, proof: PROVEN });
    expectValidModal(view);
    const texts = sectionTexts(view.blocks).join('\n');
    expect(texts).toContain('line 0: tcp/0 from 0.0.0.0/0 &amp; more');
    expect(texts).toContain('line 399: tcp/399 from 0.0.0.0/0 &amp; more');
    expect(texts).toContain('tcp/299 from');
    expect(view.blocks.filter((b) => b.type === 'section').length).toBeGreaterThan(6);
    expect(parseButtonValue(view.private_metadata, ACTION_IDS.details)).toEqual({
      action: ACTION_IDS.details,
      fingerprint: f.fingerprint,
      planId: plan.id,
    });
  });
});

describe('digestMessage', () => {
  it('summarizes counts by severity and provider, then what is new and what is resolved', () => {
    const findings = Array.from({ length: 12 }, (_, i) => finding(i));
    const messages = digestMessage(
      report(findings),
      { new: findings.slice(0, 3), resolved: [finding(100)] },
      { minSeverity: 'high' },
    );
    expect(messages).toHaveLength(1);
    const [message] = messages as [SlackMessage];
    expectValidMessage(message);
    expect(allText(message.blocks[0])).toContain('Warden audit: 12 findings');
    const text = allText(message.blocks);
    expect(text).toContain('*3 new* and *1 resolved* since the last run');
    expect(text).toContain('2 new findings at or above *high* follow as one message each.');
    expect(text).toContain('*:red_circle: Critical*\n3 (1 new)');
    expect(text).toContain('*aws*\n3');
    expect(text).toContain('*New since the last run* (3)\n:red_circle: *critical* Finding 0');
    expect(text).toContain('*Resolved since the last run* (1)\n:white_check_mark: Critical: Finding 100');
    expect(text).not.toContain('more new');
    expect(message.text).toBe('Warden audit: 12 findings, 3 new, 1 resolved');
  });

  it('says how many interfaces were not evaluated, and why', () => {
    const [message] = digestMessage(
      report([], {
        interfacesNotEvaluated: {
          count: 3,
          reasons: [
            { reason: `group sg-gone${NASTY} is bound to it but was not read`, interfaces: 3, sample: ['eni-1'] },
          ],
        },
      }),
      { new: [], resolved: [] },
      { minSeverity: 'high' },
    ) as [SlackMessage];
    expectValidMessage(message);
    expect(allText(message.blocks)).toContain(
      ':warning: 3 interfaces not evaluated: a group bound to them was not read, and Warden does not judge an interface on fewer groups than it carries.',
    );
  });

  it('says when nothing changed, and when the audit is partial', () => {
    const [message] = digestMessage(
      report([], {
        partial: true,
        scanErrors: Array.from({ length: 40 }, (_, i) => ({
          provider: 'otc' as const,
          account: 'a',
          region: `r${i}`,
          origin: 'live',
          message: `${NASTY} 403`,
        })),
      }),
      { new: [], resolved: [] },
      { minSeverity: 'high' },
    ) as [SlackMessage];
    expectValidMessage(message);
    const text = allText(message.blocks);
    expect(text).toContain('Nothing new and nothing resolved since the last run.');
    expect(text).toContain(
      ':warning: *Partial audit*: 40 scopes could not be read; nothing in them is reported clean.',
    );
    expect(text).toContain('and 35 more');
  });

  it('splits and summarizes a huge audit: 10,000 findings, long texts, emoji and astral characters', () => {
    const findings = Array.from({ length: 10_000 }, (_, i) =>
      i % 10 === 0
        ? hugeFinding(i)
        : finding(i, { title: `${'🦀'.repeat(i % 40)} Finding ${i} <&>`, groupName: `𝔤𝔯𝔬𝔲𝔭 ${i}` }),
    );
    const resolved = Array.from({ length: 2_000 }, (_, i) => finding(20_000 + i));
    const byProvider = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`provider-${i}-${NASTY}`, i * 100]));
    const messages = digestMessage(
      report(findings, { byProvider }),
      { new: findings, resolved },
      { minSeverity: 'high', detailsUrl: 'https://warden.example/runs/42' },
    );
    expect(messages.length).toBe(4);
    for (const message of messages) expectValidMessage(message);
    const listedNew = messages
      .flatMap((m) => sectionTexts(m.blocks))
      .join('\n')
      .split('\n')
      .filter((l) => /^:(red|large_orange|large_yellow|large_blue|white)_circle: \*/.test(l)).length;
    const trailer = allText(messages.at(-1)?.blocks.at(-1));
    const match = /…and ([\d,]+) more new and ([\d,]+) more resolved — `warden audit --format markdown`/.exec(trailer);
    expect(match, trailer).not.toBeNull();
    expect(listedNew + Number(match?.[1]?.replace(/,/g, ''))).toBe(10_000);
    expect(Number(match?.[2]?.replace(/,/g, ''))).toBe(2_000);
    expect(trailer).toContain('<https://warden.example/runs/42|full report>');
    // Most severe first: the first listed line is critical.
    expect(sectionTexts(messages[0]?.blocks ?? []).find((t) => t.startsWith('*New since'))).toContain(
      ':red_circle: *critical*',
    );
    // Continuations say so.
    expect(allText(messages[1]?.blocks[0])).toContain('continued (part 2)');
    // A single message when asked.
    const one = digestMessage(
      report(findings),
      { new: findings, resolved },
      { minSeverity: 'critical', maxMessages: 1 },
    );
    expect(one).toHaveLength(1);
    expectValidMessage(one[0] as SlackMessage);
  });

  it('atOrAbove orders severities', () => {
    expect(atOrAbove('critical', 'high')).toBe(true);
    expect(atOrAbove('high', 'high')).toBe(true);
    expect(atOrAbove('medium', 'high')).toBe(false);
  });
});

describe('every output of random findings stays within every limit', () => {
  const text = (maxLength: number) =>
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength }),
      fc.string({ unit: 'binary', maxLength }),
      fc.string({
        unit: fc.constantFrom('&', '<', '>', '`', '*', '\n', '😀', '👨‍👩‍👧', '🇩🇪', '\uD800', '\uDC00', 'a', ' '),
        maxLength,
      }),
    );
  const findingArb: fc.Arbitrary<Finding> = fc.record({
    check: fc.oneof(fc.constantFrom(...CATALOG.map((c) => c.id)), text(40)),
    severity: fc.constantFrom(...SEVERITIES),
    provider: fc.constantFrom(...PROVIDERS),
    account: text(300),
    region: text(300),
    groupId: text(300),
    groupName: text(300),
    subject: text(300),
    ruleIds: fc.array(text(100), { maxLength: 60 }),
    title: text(400),
    detail: fc.oneof(
      text(500),
      text(5000).map((t) => t.repeat(20)),
    ),
    fingerprint: fc.stringMatching(/^[0-9a-f]{12}$/),
  });
  const planArb = (f: Finding): fc.Arbitrary<{ plan: Plan; proof: PlanProof }> =>
    fc.record({
      plan: fc.record({
        id: fc.stringMatching(/^plan-[0-9a-f]{12}$/),
        finding: fc.constant({ fingerprint: f.fingerprint, check: f.check, title: f.title, severity: f.severity }),
        target: fc.constant({
          provider: f.provider,
          account: f.account,
          region: f.region,
          groupId: f.groupId,
          groupName: f.groupName,
        }),
        operations: fc.constant([]),
        preconditions: fc.array(fc.record({ ruleId: text(100), signature: fc.constant('s') }), { maxLength: 50 }),
        resolves: fc.array(fc.stringMatching(/^[0-9a-f]{12}$/), { maxLength: 20 }),
        summary: text(600),
        notes: fc.array(text(600), { maxLength: 10 }),
        diff: fc.array(text(300), { maxLength: 400 }),
      }),
      proof: fc.record({
        findingGone: fc.boolean(),
        neverWidens: fc.boolean(),
        onlyFindingPartChanged: fc.boolean(),
        otherChanges: fc.array(text(300), { maxLength: 20 }),
      }),
    });

  it('findingMessage, resolvedUpdate, modals and appliedMessage', () => {
    fc.assert(
      fc.property(
        findingArb.chain((f) =>
          fc.tuple(
            fc.constant(f),
            fc.option(planArb(f), { nil: undefined }),
            fc.option(text(2000), { nil: undefined }),
          ),
        ),
        fc.constantFrom<ChangeStatus>('applied', 'already-applied', 'refused', 'rolled-back', 'reverted', 'failed'),
        fc.array(text(500), { maxLength: 30 }),
        ([f, planned, reason], status, notes) => {
          expect(
            messageProblems(
              findingMessage(
                f,
                planned,
                reason === undefined ? {} : { noPlanReason: reason, detailsUrl: `https://x.example/${reason}` },
              ),
            ),
          ).toEqual([]);
          expect(messageProblems(resolvedUpdate(f, reason === undefined ? {} : { note: reason }))).toEqual([]);
          expect(modalProblems(acceptRiskModal(f, { now: new Date(0) }))).toEqual([]);
          expect(modalProblems(detailsModal(f, planned))).toEqual([]);
          if (planned)
            expect(
              messageProblems(appliedMessage(change(planned.plan, { status, messages: notes, actor: reason ?? 'U1' }))),
            ).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.SLACK_FUZZ_RUNS ?? 150) },
    );
  });

  it('digestMessage', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 300 }),
        fc.array(findingArb, { maxLength: 100 }),
        fc.constantFrom(...SEVERITIES),
        fc.integer({ min: 1, max: 5 }),
        (news, resolved, minSeverity, maxMessages) => {
          const messages = digestMessage(report(news), { new: news, resolved }, { minSeverity, maxMessages });
          expect(messages.length).toBeGreaterThanOrEqual(1);
          expect(messages.length).toBeLessThanOrEqual(maxMessages);
          for (const message of messages) expect(messageProblems(message)).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.SLACK_FUZZ_RUNS ?? 60) },
    );
  });
});
