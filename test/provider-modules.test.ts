import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_KINDS, pageKindsOf } from '../adapters/page-kinds.ts';
import { PROVIDER_MODULES, providerModuleNamed } from '../adapters/providers.ts';
import { SECRET_GROUPS, SECRET_NAMES } from '../functions/lib/secrets.ts';
import { appliedRules, isAllowOnly } from '../src/analysis/semantics.ts';
import { configSchema, providersSchema } from '../src/config/schema.ts';
import { configForScope } from '../src/config/scoped.ts';
import { capabilitiesOf, descriptorOf, isSystemPriority, PROVIDER_DESCRIPTORS } from '../src/model/providers/index.ts';
import { PROVIDERS } from '../src/model/types.ts';
import { queueMessageSchema } from '../src/slack/queue.ts';
import { group } from './support/build.ts';

describe('one list of clouds', () => {
  it('PROVIDERS, the adapter registry and the descriptors name the same clouds in the same order', () => {
    expect(PROVIDERS).toEqual(PROVIDER_DESCRIPTORS.map((d) => d.name));
    expect(Object.keys(PROVIDER_MODULES)).toEqual([...PROVIDERS]);
    for (const provider of PROVIDERS) {
      expect(PROVIDER_MODULES[provider].descriptor).toBe(descriptorOf(provider));
      expect(PROVIDER_MODULES[provider].descriptor.name).toBe(provider);
    }
  });

  it('the page-kind list is every module’s kinds, each once, and a module’s kinds are those that name it', () => {
    expect(new Set(PAGE_KINDS).size).toBe(PAGE_KINDS.length);
    expect(new Set(PAGE_KINDS)).toEqual(new Set(PROVIDERS.flatMap((p) => PROVIDER_MODULES[p].pageKinds)));
    for (const provider of PROVIDERS) {
      expect(pageKindsOf(provider).length).toBeGreaterThan(0);
      expect(pageKindsOf(provider)).toEqual(PAGE_KINDS.filter((kind) => kind.providers.includes(provider)));
    }
  });

  it('the config and queue enums accept every listed cloud and nothing else', () => {
    const template = (providers: string[]) => ({ templates: { custom: [{ id: 't', providers, rules: [] }] } });
    expect(configSchema.safeParse(template([...PROVIDERS])).success).toBe(true);
    expect(configSchema.safeParse(template(['azure'])).success).toBe(false);
    const scope = (provider: string) => ({ type: 'scope', runId: 'r', provider, account: 'a', region: 'eu-west-1' });
    for (const provider of PROVIDERS) expect(queueMessageSchema.safeParse(scope(provider)).success).toBe(true);
    expect(queueMessageSchema.safeParse(scope('azure')).success).toBe(false);
  });

  it('a name that is no cloud (or an Object property) finds no module', () => {
    for (const name of ['azure', 'constructor', '__proto__', '']) expect(providerModuleNamed(name)).toBeUndefined();
    expect(providerModuleNamed('otc')).toBe(PROVIDER_MODULES.otc);
  });
});

describe('each cloud module has every part', () => {
  for (const provider of PROVIDERS) {
    it(`${provider}: config schema, page kinds, adapter factory, secrets, realtime source, capability table`, () => {
      const module = PROVIDER_MODULES[provider];
      expect(providersSchema.unwrap().shape[provider]).toBe(module.descriptor.configSchema);
      expect(configSchema.shape.providers).toBe(providersSchema);
      expect(module.descriptor.configSchema.safeParse(undefined).success).toBe(true);
      expect(typeof module.createAdapter).toBe('function');
      for (const name of module.descriptor.secretNames) expect(SECRET_NAMES).toContain(name);
      expect(typeof module.realtime.parse).toBe('function');
      expect(typeof module.realtime.scopeAccount).toBe('function');
      const { defaultApi, apis } = module.descriptor;
      expect(Object.keys(apis)).toContain(defaultApi);
      for (const can of Object.values(apis)) {
        expect(can.priorities.min).toBeLessThanOrEqual(can.priorities.max);
        if (can.allowOnly) expect(can.priorities.max).toBe(can.priorities.min);
        if (can.systemPriority !== undefined) expect(isSystemPriority(can, can.systemPriority)).toBe(true);
        expect(can.peerKinds).toContain('cidr');
      }
    });
  }

  it('the config’s providers section is each descriptor’s schema under its name, in the list’s order', () => {
    expect(Object.keys(providersSchema.unwrap().shape)).toEqual([...PROVIDERS]);
    for (const descriptor of PROVIDER_DESCRIPTORS)
      expect(providersSchema.unwrap().shape[descriptor.name]).toBe(descriptor.configSchema);
  });

  it('the functions’ provider secrets are the descriptors’ secret names, in the list’s order', () => {
    const named = PROVIDER_DESCRIPTORS.flatMap((d) => d.secretNames);
    expect(SECRET_GROUPS['providers/read']).toEqual(named);
    expect(SECRET_GROUPS['providers/write']).toEqual(named);
  });

  it('a scope narrows the config only where the descriptor says how (AWS: one account and region, no discovery)', () => {
    const config = configSchema.parse({
      providers: {
        aws: { regions: ['eu-west-1', 'us-east-1'], organization: { externalId: 'warden-ext' } },
        alibaba: { regions: ['cn-hangzhou'] },
      },
    });
    const role = { roleArn: 'arn:aws:iam::210987654321:role/WardenAudit', externalId: 'warden-ext' };
    const scoped = configForScope(config, { provider: 'aws', account: '210987654321', region: 'us-east-1' }, role);
    expect(scoped.providers.aws).toEqual({
      accounts: [{ id: '210987654321', ...role }],
      regions: ['us-east-1'],
      concurrency: 4,
    });
    expect(scoped.providers.alibaba).toBe(config.providers.alibaba);
    expect(configForScope(config, { provider: 'alibaba', account: '', region: 'cn-hangzhou' }, undefined)).toBe(config);
    expect(configForScope(config, { provider: 'azure', account: 'a', region: 'r' }, undefined)).toBe(config);
  });

  it('the functions’ provider secrets are exactly the modules’ secret names', () => {
    const declared = PROVIDERS.flatMap((p) => PROVIDER_MODULES[p].descriptor.secretNames);
    expect(new Set(SECRET_GROUPS['providers/read'])).toEqual(new Set(declared));
    expect(new Set(SECRET_GROUPS['providers/write'])).toEqual(new Set(declared));
  });
});

describe('the capability table says what DESIGN.md says', () => {
  it('allow-only and how several groups combine, per cloud and API', () => {
    const table = (provider: (typeof PROVIDERS)[number], api?: 'vpc-v3' | 'neutron-v2') => {
      const can = capabilitiesOf(api ? { provider, api } : { provider });
      return [can.allowOnly, can.multiGroup, can.priorities.max, can.systemPriority, [...can.addressSetPeers]];
    };
    expect(table('aws')).toEqual([true, 'union', 1, undefined, ['prefix-list']]);
    expect(table('alibaba')).toEqual([false, 'priority', 100, 110, ['prefix-list']]);
    expect(table('huawei')).toEqual([false, 'bind-order', 100, undefined, ['address-group']]);
    expect(table('otc')).toEqual([false, 'bind-order', 100, undefined, ['address-group']]);
    expect(table('otc', 'vpc-v3')).toEqual(table('otc'));
    expect(table('otc', 'neutron-v2')).toEqual([true, 'union', 1, undefined, []]);
    expect(isAllowOnly(group({ provider: 'otc', api: 'neutron-v2', rules: [] }))).toBe(true);
  });

  it('implicit rules come from the descriptor: Alibaba’s default egress and inner access, none elsewhere', () => {
    for (const provider of PROVIDERS) {
      const implicit = appliedRules(group({ provider, rules: [] }));
      expect(implicit.length > 0, provider).toBe(provider === 'alibaba');
    }
    expect(
      appliedRules(group({ provider: 'alibaba', rules: [], groupType: 'enterprise' })).map((r) => r.native.ruleId),
    ).toEqual(['implicit:ipv4-egress', 'implicit:ipv6-egress']);
  });
});

describe('the core names no cloud', () => {
  // The provider decisions of these files read the capability table or the provider modules.
  const files = [
    'src/analysis/semantics.ts',
    'src/remediation/planners/common.ts',
    'src/remediation/planners/all-ports.ts',
    'src/remediation/planners/template.ts',
    'functions/lib/fanout.ts',
    'functions/realtime.ts',
    'src/config/scoped.ts',
    'src/cli/scopes.ts',
  ];
  const decision = /provider (===|!==) '|[=!]== '(aws|alibaba|huawei|otc)'|case '(aws|alibaba|huawei|otc)'/;
  for (const file of files) {
    it(`${file} has no provider conditional`, () => {
      const lines = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').split('\n');
      expect(lines.filter((line) => decision.test(line))).toEqual([]);
    });
  }
});
