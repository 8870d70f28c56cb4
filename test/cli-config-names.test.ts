import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES } from '../src/analysis/templates/catalog.ts';
import type { TemplateListing } from '../src/cli/format-templates.ts';
import { closestName } from '../src/config/closest.ts';
import { expectUsageLine, ROOT, runWarden } from './support/cli.ts';

// Issue 11 §2 through the CLI: every name in the config that refers to a check, a template or a
// provider is checked against what exists (one line naming the file, the field and the closest
// valid name, exit 2); template rows and CIDRs that do not parse are config errors, never a
// silent "all ports" or a crash; `warden templates` lists what groups are compared with.

let dir: string;

const run = (args: string[]) => runWarden(args, { cwd: dir });

/** Audits examples/ with `yaml` as the config; expects exit 2 with exactly `warden: c.yaml: <line>`. */
async function expectConfigError(name: string, yaml: string, line: string): Promise<void> {
  await writeFile(join(dir, name), yaml);
  expectUsageLine(
    await run(['audit', '--source', join(ROOT, 'examples'), '--config', name]),
    `warden: ${name}: ${line}`,
  );
}

const customTemplate = (rule: string) =>
  `templates:\n  custom:\n    - id: web\n      names: [web]\n      rules:\n        - ${rule}\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-names-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.concurrent('names in the config are checked against the catalog', () => {
  it('an unknown check id in checks.disabled', () =>
    expectConfigError(
      'disabled.yaml',
      'checks:\n  disabled: [egress-all, internet-admin-prot]\n',
      'checks.disabled.1: unknown check "internet-admin-prot" (closest valid name: "internet-admin-port")',
    ));

  it('an unknown check id in checks.severity', () =>
    expectConfigError(
      'severity.yaml',
      'checks:\n  severity:\n    unused-groups: low\n',
      'checks.severity.unused-groups: unknown check "unused-groups" (closest valid name: "unused-group")',
    ));

  it('an unknown template id in templates.assign (it would switch off the name match of the group)', () =>
    expectConfigError(
      'assign.yaml',
      'templates:\n  assign:\n    sg-0123456789abcdef0: aws-default\n',
      'templates.assign.sg-0123456789abcdef0: unknown template "aws-default" (closest valid name: "aws-default-cis")',
    ));

  it('a user template id in templates.assign is valid', async () => {
    await writeFile(
      join(dir, 'assign-custom.yaml'),
      `${customTemplate("{ direction: ingress, family: ipv4, protocol: tcp, ports: '443', peer: 0.0.0.0/0 }")}  assign:\n    aws:web-public: web\n`,
    );
    const result = await run([
      'audit',
      '--source',
      join(ROOT, 'examples'),
      '--config',
      'assign-custom.yaml',
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a user template id used twice', () =>
    expectConfigError(
      'twice.yaml',
      'templates:\n  custom:\n    - { id: web, rules: [] }\n    - { id: web, rules: [] }\n',
      'templates.custom.1.id: template id "web" is used twice (only the first would count)',
    ));

  it('an unknown provider in a templates.assign key', () =>
    expectConfigError(
      'assign-provider.yaml',
      'templates:\n  assign:\n    "awz:web": aws-default-cis\n',
      'templates.assign.awz:web: unknown provider "awz" (closest valid name: "aws") (a key is a group id or provider:name)',
    ));

  it('an unknown provider under providers', () =>
    expectConfigError(
      'provider.yaml',
      'providers:\n  hauwei:\n    regions: []\n',
      'providers: unknown key "hauwei" (closest valid name: "huawei")',
    ));

  it('an unknown provider in a template’s providers', () =>
    expectConfigError(
      'template-provider.yaml',
      'templates:\n  custom:\n    - { id: x, providers: [alibab], rules: [] }\n',
      'templates.custom.0.providers.0: unknown value "alibab" (closest valid name: "alibaba")',
    ));
});

describe.concurrent('values that do not parse are config errors', () => {
  it('a template row whose ports do not parse (was: all ports)', () =>
    expectConfigError(
      'ports.yaml',
      customTemplate("{ direction: ingress, family: ipv4, protocol: tcp, ports: 'ssh', peer: 10.0.0.0/8 }"),
      'templates.custom.0.rules.0.ports: is not a port list ("all", "22", "80-90", "22,80-90"; ports 0-65535)',
    ));

  it('a template row with a port beyond 65535', () =>
    expectConfigError(
      'ports-range.yaml',
      customTemplate("{ direction: ingress, family: ipv4, protocol: tcp, ports: '22-70000', peer: 10.0.0.0/8 }"),
      'templates.custom.0.rules.0.ports: is not a port list ("all", "22", "80-90", "22,80-90"; ports 0-65535)',
    ));

  it('a template row whose peer is not a CIDR, self or group:<id>', () =>
    expectConfigError(
      'peer.yaml',
      customTemplate("{ direction: ingress, family: ipv6, protocol: tcp, ports: '22', peer: 'fe80::%eth0/64' }"),
      'templates.custom.0.rules.0.peer: is not a CIDR block, "self" or "group:<id>"',
    ));

  it('a template row whose protocol is not one', () =>
    expectConfigError(
      'protocol.yaml',
      customTemplate('{ direction: ingress, family: ipv4, protocol: sctp, peer: 10.0.0.0/8 }'),
      'templates.custom.0.rules.0.protocol: is not a protocol (tcp, udp, icmp, icmpv6, gre, all, or a number 0-255)',
    ));

  it('an IPv6 zone id in wide.trustedPublicRanges (was a crash)', () =>
    expectConfigError(
      'zone.yaml',
      "wide:\n  trustedPublicRanges: ['fe80::%eth0/64']\n",
      'wide.trustedPublicRanges.0: is not a CIDR block',
    ));

  it('an IPv6 zone id in remediation.trustedSources (was a crash)', () =>
    expectConfigError(
      'zone-trusted.yaml',
      "remediation:\n  trustedSources:\n    ssh: ['fe80::1%eth0']\n",
      'remediation.trustedSources.ssh.0: is not a CIDR block, sg:<groupId>, prefix-list:<id> or address-group:<id>',
    ));
});

describe.concurrent('warden templates', () => {
  it('--format json lists the config’s templates, then the shipped ones, with providers, names and source', async () => {
    await writeFile(
      join(dir, 'templates.yaml'),
      customTemplate("{ direction: ingress, family: ipv4, protocol: tcp, ports: '443', peer: 0.0.0.0/0 }"),
    );
    const result = await run(['templates', '--format', 'json', '--config', 'templates.yaml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const listed = JSON.parse(result.stdout) as TemplateListing[];
    expect(listed[0]).toEqual({
      id: 'web',
      title: '',
      providers: ['aws', 'alibaba', 'huawei', 'otc'],
      names: ['web'],
      source: 'user template',
      origin: 'config',
      rules: 1,
    });
    expect(listed.slice(1).map((t) => t.id)).toEqual(BUILT_IN_TEMPLATES.map((t) => t.id));
    expect(listed.slice(1).every((t) => t.origin === 'shipped' && t.source.length > 0)).toBe(true);
  });

  it('the table has one line per template with its providers and names, and its source below', async () => {
    const result = await run(['templates']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(BUILT_IN_TEMPLATES.length * 2);
    expect(lines.find((l) => l.startsWith('alibaba-default'))).toMatch(
      /^alibaba-default\s+alibaba\s+shipped\s+names: "default", "System created security group\."$/,
    );
  });
});

describe('closestName', () => {
  it('is the candidate at the smallest edit distance, case-insensitively, preferring one that contains the name', () => {
    expect(closestName('Huawei', ['aws', 'alibaba', 'huawei', 'otc'])).toBe('huawei');
    expect(closestName('egres-all', ['egress-all', 'port-range'])).toBe('egress-all');
    expect(closestName('aws-default', ['otc-default', 'aws-default-cis'])).toBe('aws-default-cis');
    expect(closestName('x', [])).toBeUndefined();
  });
});
