import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEstate } from '../src/analysis/audit.ts';
import { coverageOf, evaluateCompliance } from '../src/analysis/compliance/evaluate.ts';
import type { ControlResult } from '../src/analysis/compliance/evaluate.ts';
import { controlsOf, frameworkById, FRAMEWORKS } from '../src/analysis/compliance/index.ts';
import type { Framework } from '../src/analysis/compliance/index.ts';
import { applySuppressions } from '../src/analysis/suppressions.ts';
import { configSchema, defaultConfig } from '../src/config/schema.ts';
import type { WardenConfig } from '../src/config/schema.ts';
import { CHECK_IDS } from '../src/model/check-ids.ts';
import type { Estate, ScanError, SecurityGroup } from '../src/model/types.ts';
import { PROVIDERS } from '../src/model/types.ts';
import { group, rule } from './support/build.ts';

// Per-control evaluation (src/analysis/compliance/evaluate.ts) on audits of small estates: each
// state's rule, and that a control is never a pass on evidence that is missing or accepted.

const CIS_AWS = frameworkById('cis-aws') as Framework;
const HUB = frameworkById('aws-security-hub') as Framework;

const ssh = (cidr: string) => rule({ protocol: 'tcp', ports: 22, peer: cidr });
const awsGroup = (id: string, rules = [rule({ protocol: 'tcp', ports: 443, peer: '10.0.0.0/8' })]) =>
  group({ provider: 'aws', id, name: id, rules, attachments: [{ kind: 'network-interface', id: `eni-${id}` }] });

function judge(groups: SecurityGroup[], options: { config?: WardenConfig; scanErrors?: ScanError[] } = {}) {
  const config = options.config ?? defaultConfig();
  const estate: Estate = { groups, unparseable: [], scanErrors: options.scanErrors ?? [] };
  const { report } = applySuppressions(auditEstate(estate, config), config.suppressions, new Date('2026-01-01'));
  return (framework: Framework) => evaluateCompliance(framework, report, coverageOf(estate), config);
}

function result(results: { results: ControlResult[] }, control: string): ControlResult {
  return results.results.find((r) => r.control === control) as ControlResult;
}

const config = (extra: object): WardenConfig => configSchema.parse(extra);

describe('compliance frameworks as data', () => {
  it('every control maps only checks Warden has, has a unique id, and every framework cites a version and a public URL', () => {
    for (const framework of FRAMEWORKS) {
      expect(framework.version, framework.id).not.toBe('');
      expect(framework.source.url, framework.id).toMatch(/^https:\/\//);
      const ids = framework.controls.map((c) => c.id);
      expect(new Set(ids).size, framework.id).toBe(ids.length);
      for (const control of framework.controls) {
        for (const check of control.checks) expect(CHECK_IDS).toContain(check);
        expect(control.checks.length > 0 || control.partial !== undefined, `${framework.id} ${control.id}`).toBe(true);
      }
    }
  });

  it('controlsOf names the controls a check evidences, with framework and version', () => {
    expect(controlsOf('internet-admin-port')).toContainEqual({
      framework: 'cis-aws',
      version: 'v5.0.0',
      control: '5.3',
      title: 'Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports',
    });
    expect(controlsOf('unused-group').map((r) => `${r.framework} ${r.control}`)).toEqual(['aws-security-hub EC2.22']);
    expect(controlsOf('missing-description')).toEqual([]);
  });
});

describe('per-control evaluation', () => {
  it('fails on the findings behind a control, only for its port and address family', () => {
    const judged = judge([awsGroup('sg-v4', [ssh('0.0.0.0/0')])]);
    const cis = judged(CIS_AWS);
    expect(result(cis, '5.3').state).toBe('fail');
    expect(result(cis, '5.3').findings.map((f) => f.groupId)).toEqual(['sg-v4']);
    expect(result(cis, '5.4').state).toBe('pass');
    const hub = judged(HUB);
    expect(result(hub, 'EC2.13').state).toBe('fail');
    expect(result(hub, 'EC2.14').state).toBe('pass');
    expect(result(judge([awsGroup('sg-v6', [ssh('::/0')])])(CIS_AWS), '5.4').state).toBe('fail');
    expect(result(judge([awsGroup('sg-v6', [ssh('::/0')])])(CIS_AWS), '5.3').state).toBe('pass');
  });

  it('is not applicable where the estate holds no group of the control cloud, and not evaluated where such a scope was not read', () => {
    const alibaba = frameworkById('cis-alibaba') as Framework;
    expect(judge([awsGroup('sg-1')])(alibaba).results.map((r) => r.state)).toEqual([
      'not-applicable',
      'not-applicable',
      'not-applicable',
      'not-applicable',
    ]);
    const unread = {
      provider: 'alibaba' as const,
      account: '1',
      region: 'cn-hangzhou',
      origin: 'live',
      message: 'timeout',
    };
    const judged = judge([awsGroup('sg-1')], { scanErrors: [unread] })(alibaba);
    expect(result(judged, '4.3').state).toBe('not-evaluated');
    expect(result(judged, '4.3').gaps).toEqual(['alibaba 1 cn-hangzhou was not read: timeout']);
  });

  it('a disabled mapped check makes the control not evaluated, naming the check, never a pass', () => {
    const judged = judge([awsGroup('sg-1')], { config: config({ checks: { disabled: ['internet-all-ports'] } }) });
    const cis = result(judged(CIS_AWS), '5.3');
    expect(cis.state).toBe('not-evaluated');
    expect(cis.gaps).toEqual(['check internet-all-ports is disabled in the config']);
  });

  it('a port the config has no check examine makes the control not evaluated, naming the port', () => {
    const judged = judge([awsGroup('sg-1')], { config: config({ adminPorts: [3389], highRiskPorts: [3306] }) });
    expect(result(judged(HUB), 'EC2.13').gaps).toEqual([
      "port 22 is examined by no enabled check (internet-admin-port examines the config's adminPorts, internet-high-risk-port its other highRiskPorts)",
    ]);
    expect(result(judged(HUB), 'EC2.13').state).toBe('not-evaluated');
    expect(result(judged(HUB), 'EC2.14').state).toBe('pass');
  });

  it('an admin port is left to the admin check: with it disabled, the high-risk list does not cover the port', () => {
    const judged = judge([awsGroup('sg-1')], {
      config: config({ checks: { disabled: ['internet-admin-port'] }, adminPorts: [22], highRiskPorts: [22, 3389] }),
    });
    expect(result(judged(HUB), 'EC2.13').gaps).toEqual([
      'check internet-admin-port is disabled in the config',
      "port 22 is examined by no enabled check (internet-admin-port examines the config's adminPorts, internet-high-risk-port its other highRiskPorts)",
    ]);
  });

  it('unused-group without attachments read is not evaluated; with them, an unattached group fails', () => {
    const unread = group({ provider: 'aws', id: 'sg-x', name: 'x', rules: [] });
    expect(result(judge([unread])(HUB), 'EC2.22').state).toBe('not-evaluated');
    expect(result(judge([unread])(HUB), 'EC2.22').gaps).toEqual([
      'attachments of 1 aws group were not read, so unused-group could not judge them',
    ]);
    const unattached = { ...unread, attachments: [] };
    expect(result(judge([unattached])(HUB), 'EC2.22').state).toBe('fail');
  });

  it('a suppressed finding makes the control accepted, listed with its exception, never a pass', () => {
    const open = awsGroup('sg-open', [ssh('0.0.0.0/0')]);
    const accepted = config({
      suppressions: [
        { check: 'internet-admin-port', group: 'sg-open', reason: 'bastion (OPS-1)', expires: '2027-01-01' },
      ],
    });
    const cis = result(judge([open], { config: accepted })(CIS_AWS), '5.3');
    expect(cis.state).toBe('accepted');
    expect(cis.findings).toEqual([]);
    expect(cis.accepted.map((f) => [f.groupId, f.suppression.reason, f.suppression.expires])).toEqual([
      ['sg-open', 'bastion (OPS-1)', '2027-01-01'],
    ]);
  });

  it('a control Warden evidences only in part is never a pass', () => {
    const judged = judge([awsGroup('sg-1')]);
    expect(result(judged(HUB), 'EC2.2').state).toBe('not-evaluated');
    expect(result(judged(HUB), 'EC2.18').state).toBe('not-evaluated');
  });

  it('a partial scope never passes: with any scope of the control cloud unread, no control is a pass', () => {
    const scopes = fc.record({
      account: fc.constantFrom('1', '2'),
      region: fc.constantFrom('eu-west-1', 'us-east-1'),
      provider: fc.constantFrom(...PROVIDERS, 'unknown' as const),
    });
    fc.assert(
      fc.property(fc.array(scopes, { minLength: 1, maxLength: 3 }), fc.boolean(), (errors, open) => {
        const scanErrors = errors.map((e) => ({ ...e, origin: 'live', message: 'denied' }));
        const groups = [awsGroup('sg-1', open ? [ssh('0.0.0.0/0')] : undefined)];
        const judged = judge(groups, { scanErrors });
        for (const framework of FRAMEWORKS) {
          for (const r of judged(framework).results) {
            const control = framework.controls.find((c) => c.id === r.control)!;
            const unread = scanErrors.some((e) => e.provider === 'unknown' || control.providers.includes(e.provider));
            if (unread) expect(r.state, `${framework.id} ${r.control}`).not.toBe('pass');
            if (unread) expect(r.state, `${framework.id} ${r.control}`).not.toBe('not-applicable');
          }
        }
      }),
    );
  });

  it('a failure still lists what was not evaluated', () => {
    const unread = { provider: 'aws' as const, account: '2', region: 'us-east-1', origin: 'live', message: 'denied' };
    const cis = result(judge([awsGroup('sg-v4', [ssh('0.0.0.0/0')])], { scanErrors: [unread] })(CIS_AWS), '5.3');
    expect(cis.state).toBe('fail');
    expect(cis.gaps).toEqual(['aws 2 us-east-1 was not read: denied']);
  });

  it('the summary counts every control once', () => {
    const report = judge([awsGroup('sg-v4', [ssh('0.0.0.0/0')])])(HUB);
    expect(Object.values(report.summary).reduce((a, b) => a + b, 0)).toBe(HUB.controls.length);
    expect(report.framework).toEqual({ id: HUB.id, title: HUB.title, version: HUB.version, source: HUB.source });
    expect(report.partial).toBe(false);
  });
});
