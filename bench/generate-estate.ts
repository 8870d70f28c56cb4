// Deterministic synthetic estate for benchmarks: snapshot files in each provider's real API
// page shapes, as examples/ uses them (see examples/README.md).
//
//   node bench/generate-estate.ts <dir> [--groups 10000] [--rules-per-group 10] [--interfaces 0] [--seed 1] [--compact]
//
// The same options always give byte-identical files: all randomness comes from one seeded PRNG.
// Every rule is one the normalizers read without an unparseable record, so an audit of the
// folder reports exactly the `groups` and `rules` returned here.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { number, runBench, UsageError } from './cli.ts';
import type { BenchArgs } from './cli.ts';
import { generatesInterfaces, renderInterfaces } from './generate-interfaces.ts';

export type ProviderName = 'aws' | 'alibaba' | 'huawei' | 'otc';

export interface EstateOptions {
  /** Total security groups, spread evenly over the four providers. */
  groups: number;
  /** Average rules per group; the total is exactly round(groups * rulesPerGroup). */
  rulesPerGroup: number;
  seed: number;
  /** Write JSON without indentation (default: 2-space indentation, as examples/). */
  compact?: boolean;
  /** Network interfaces to generate over the scopes whose listings the bench can render (default none). */
  interfaces?: number;
  /** The share of interfaces with a public address (default 0.3). */
  publicShare?: number;
  /**
   * Where the interface listings go (default `dir`): a folder of their own lets a benchmark audit
   * the same groups with and without them.
   */
  interfacesDir?: string;
}

export interface ProviderCounts {
  groups: number;
  rules: number;
  files: number;
  pages: number;
}

export interface EstateCounts {
  groups: number;
  rules: number;
  files: number;
  pages: number;
  bytes: number;
  /** Fewest and most rules in one group. */
  minRulesPerGroup: number;
  maxRulesPerGroup: number;
  /** Groups with an allow from 0.0.0.0/0 or ::/0 on an administration port (SSH, RDP). */
  adminExposedGroups: number;
  byProvider: Record<ProviderName, ProviderCounts>;
  interfaces: InterfaceCounts;
}

export interface InterfaceCounts {
  interfaces: number;
  publicInterfaces: number;
  /** Distinct sets of groups on one interface, summed over scopes. */
  distinctGroupSets: number;
  /** Interface listing pages. */
  pages: number;
  /** The whole estate with its interface listings (groups included). */
  bytes: number;
  byProvider: Partial<Record<ProviderName, number>>;
}

export const DEFAULT_OPTIONS: EstateOptions = { groups: 10_000, rulesPerGroup: 10, seed: 1 };

const DEFAULT_PUBLIC_SHARE = 0.3;
/** Seeds the interface generator apart, so the groups are the same files with or without interfaces. */
const INTERFACE_SEED_SALT = 0x1f4e7;
const MIN_RULES = 2;
const MAX_RULES = 40;
const PROVIDERS: readonly ProviderName[] = ['aws', 'alibaba', 'huawei', 'otc'];

// ---------------------------------------------------------------------------------------------
// Seeded PRNG: sfc32, seeded through splitmix32. No Math.random anywhere.

export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = split();
    this.#b = split();
    this.#c = split();
    this.#d = split();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** One of `choices`, with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  hex(length: number): string {
    return this.chars('0123456789abcdef', length);
  }

  uuid(): string {
    const variant = '89ab'[this.int(0, 3)] as string;
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Provider-neutral rule plan

type Family = 'ipv4' | 'ipv6';
type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'all';

interface PortSpan {
  from: number;
  to: number;
}

type Remote =
  | { kind: 'cidr'; cidr: string }
  /** No remote at all: any address of the rule's family (VPC v3 and Neutron send null). */
  | { kind: 'any' }
  | { kind: 'group'; groupId: string; account?: string };

interface RuleSpec {
  direction: 'ingress' | 'egress';
  action: 'allow' | 'deny';
  /** 1-100, smaller wins; 1 where the API has no priorities. */
  priority: number;
  family: Family;
  protocol: Protocol;
  /** TCP/UDP only: one span, or several for VPC v3 `multiport`. Empty for other protocols. */
  ports: PortSpan[];
  /** ICMP type; undefined is any type. */
  icmpType?: number;
  remote: Remote;
  enabled: boolean;
  description: string;
}

/** What one API can express. */
interface Dialect {
  name: 'aws' | 'alibaba' | 'huawei' | 'otc-v3' | 'otc-neutron';
  deny: boolean;
  priorities: boolean;
  multiport: boolean;
  disabled: boolean;
  icmpTypes: boolean;
}

const DIALECTS: Record<Dialect['name'], Dialect> = {
  aws: { name: 'aws', deny: false, priorities: false, multiport: false, disabled: false, icmpTypes: true },
  alibaba: { name: 'alibaba', deny: true, priorities: true, multiport: false, disabled: false, icmpTypes: false },
  huawei: { name: 'huawei', deny: true, priorities: true, multiport: true, disabled: true, icmpTypes: false },
  'otc-v3': { name: 'otc-v3', deny: true, priorities: true, multiport: true, disabled: false, icmpTypes: false },
  'otc-neutron': {
    name: 'otc-neutron',
    deny: false,
    priorities: false,
    multiport: false,
    disabled: false,
    icmpTypes: true,
  },
};

type Archetype = 'default' | 'web' | 'app' | 'db' | 'bastion' | 'k8s' | 'admin-exposed' | 'allowlist' | 'internal';

const ARCHETYPES: readonly (readonly [Archetype, number])[] = [
  ['web', 18],
  ['app', 22],
  ['db', 14],
  ['bastion', 4],
  ['k8s', 5],
  ['admin-exposed', 5],
  ['allowlist', 12],
  ['internal', 20],
];

const ADMIN_PORTS = [22, 3389] as const;
const SERVICE_PORTS = [
  22, 80, 443, 8080, 8443, 3306, 5432, 6379, 9200, 9300, 5672, 9092, 2181, 2379, 11211, 27017, 1433, 389, 636, 5000,
  9090, 3000, 8000, 8081, 10250, 15672, 25, 587,
] as const;
const UDP_PORTS = [53, 123, 161, 500, 4500, 1194, 514, 51820] as const;
const PUBLIC_FIRST_OCTETS = [31, 37, 46, 52, 62, 77, 80, 85, 91, 141, 145, 185, 193, 212, 217] as const;
const DOC_NETS = ['192.0.2', '198.51.100', '203.0.113'] as const;
const MULTIPORTS = [
  '22,80-90',
  '80,443',
  '3306,5432',
  '8000-8080,9000',
  '22,3389',
  '443,8443,9443',
  '6379,26379',
  '9200-9300',
] as const;

const DESCRIPTIONS: Record<string, readonly string[]> = {
  service: ['app tier', 'internal API', 'monitoring', 'metrics scrape', 'service mesh', 'batch workers', 'CI runners'],
  partner: ['partner NOC', 'payment provider', 'office', 'VPN egress', 'support vendor', 'load test'],
  deny: ['block abusive range', 'contractor subnet: no access', 'legacy deny', 'quarantine'],
  public: ['HTTP', 'HTTPS', 'public API', 'webhooks'],
  admin: ['SSH', 'RDP', 'temporary: debug', 'admin access'],
};

function descriptionOf(rng: Random, kind: keyof typeof DESCRIPTIONS, emptyChance = 0.4): string {
  if (rng.chance(emptyChance)) return '';
  return rng.pick(DESCRIPTIONS[kind] ?? ['']);
}

// IPv4 arithmetic on unsigned 32-bit integers.

function ipToInt(ip: string): number {
  return ip.split('.').reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

function netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function cidrOf(address: number, prefix: number): string {
  return `${intToIp((address & netmask(prefix)) >>> 0)}/${prefix}`;
}

function prefixOf(cidr: string): number {
  return Number(cidr.slice(cidr.indexOf('/') + 1));
}

/** A random block strictly inside an IPv4 CIDR. */
function subnetOf(rng: Random, cidr: string): string {
  const slash = cidr.indexOf('/');
  const base = ipToInt(cidr.slice(0, slash));
  const prefix = prefixOf(cidr);
  if (prefix === 0 && rng.chance(0.5)) return rng.chance(0.5) ? '0.0.0.0/1' : '128.0.0.0/1';
  const inner = rng.int(prefix + 1, Math.max(prefix + 1, Math.min(32, prefix + rng.pick([4, 8, 12]))));
  const hostBits = (rng.uint32() & ~netmask(prefix)) >>> 0;
  return cidrOf((base | hostBits) >>> 0, inner);
}

function privateCidr(rng: Random): string {
  const prefix = rng.pick([16, 20, 22, 24, 24, 24, 26, 28, 32]);
  const space = rng.int(0, 9);
  if (space < 6)
    return cidrOf(ipToInt(`10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`), Math.max(prefix, 8));
  if (space < 8)
    return cidrOf(ipToInt(`172.${rng.int(16, 31)}.${rng.int(0, 255)}.${rng.int(0, 255)}`), Math.max(prefix, 12));
  return cidrOf(ipToInt(`192.168.${rng.int(0, 255)}.${rng.int(0, 255)}`), Math.max(prefix, 16));
}

function docHost(rng: Random): string {
  return `${rng.pick(DOC_NETS)}.${rng.int(1, 254)}/32`;
}

function docBlock(rng: Random): string {
  return cidrOf(ipToInt(`${rng.pick(DOC_NETS)}.${rng.int(0, 255)}`), rng.pick([24, 26, 28]));
}

function widePublicCidr(rng: Random): string {
  const address = ((rng.pick(PUBLIC_FIRST_OCTETS) << 24) | (rng.uint32() & 0x00ffffff)) >>> 0;
  return cidrOf(address, rng.int(8, 12));
}

function ipv6Block(rng: Random): string {
  const a = rng.int(1, 0xffff).toString(16);
  return rng.chance(0.5) ? `2001:db8:${a}::/48` : `2001:db8:${a}:${rng.int(1, 0xffff).toString(16)}::/64`;
}

function anyCidr(family: Family): string {
  return family === 'ipv4' ? '0.0.0.0/0' : '::/0';
}

function port(value: number): PortSpan[] {
  return [{ from: value, to: value }];
}

function parseMultiport(text: string): PortSpan[] {
  return text.split(',').map((part) => {
    const [from = '0', to = from] = part.split('-');
    return { from: Number(from), to: Number(to) };
  });
}

function remoteKey(remote: Remote): string {
  if (remote.kind === 'cidr') return remote.cidr;
  if (remote.kind === 'any') return 'any';
  return `group:${remote.account ?? ''}/${remote.groupId}`;
}

/** What an API rejects as a duplicate: the same match with the same action. */
function signature(rule: RuleSpec): string {
  const ports = rule.ports.map((p) => `${p.from}-${p.to}`).join(',');
  return `${rule.direction}|${rule.action}|${rule.family}|${rule.protocol}|${ports}|${rule.icmpType ?? ''}|${remoteKey(rule.remote)}`;
}

// ---------------------------------------------------------------------------------------------
// One group's rules

interface ScopeRefs {
  /** Ids of the scope's groups, for group references. */
  groupIds: readonly string[];
  account: string;
  /** A made-up id no group of the estate has: a stale reference. */
  staleId(): string;
}

interface GroupPlan {
  id: string;
  name: string;
  description: string;
  archetype: Archetype;
  createdAt: number;
  rules: RuleSpec[];
}

class RuleList {
  readonly rules: RuleSpec[] = [];
  readonly #seen = new Set<string>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get full(): boolean {
    return this.rules.length >= this.#limit;
  }

  add(rule: RuleSpec): boolean {
    if (this.full) return false;
    const key = signature(rule);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    this.rules.push(rule);
    return true;
  }
}

interface Builder {
  rng: Random;
  dialect: Dialect;
  refs: ScopeRefs;
  ownId: string;
}

function allowPriority(b: Builder): number {
  if (!b.dialect.priorities) return 1;
  return b.rng.weighted([
    [1, 55],
    [100, 30],
    [b.rng.int(2, 99), 15],
  ]);
}

function rule(b: Builder, fields: Partial<RuleSpec> & Pick<RuleSpec, 'protocol' | 'remote'>): RuleSpec {
  const family: Family =
    fields.family ?? (fields.remote.kind === 'cidr' && fields.remote.cidr.includes(':') ? 'ipv6' : 'ipv4');
  let protocol = fields.protocol;
  if (protocol === 'icmp' && family === 'ipv6') protocol = 'icmpv6';
  const disabled = b.dialect.disabled && b.rng.chance(0.03);
  return {
    direction: fields.direction ?? 'ingress',
    action: fields.action ?? 'allow',
    priority: b.dialect.priorities ? (fields.priority ?? allowPriority(b)) : 1,
    family,
    protocol,
    ports: protocol === 'tcp' || protocol === 'udp' ? (fields.ports ?? port(b.rng.pick(SERVICE_PORTS))) : [],
    ...(b.dialect.icmpTypes && fields.icmpType !== undefined && (protocol === 'icmp' || protocol === 'icmpv6')
      ? { icmpType: fields.icmpType }
      : {}),
    remote: fields.remote,
    enabled: fields.enabled ?? !disabled,
    description: fields.description ?? '',
  };
}

function otherGroup(b: Builder): Remote {
  const { rng, refs } = b;
  if (rng.chance(0.02)) return { kind: 'group', groupId: refs.staleId() };
  if (b.dialect.name === 'aws' && rng.chance(0.02))
    return { kind: 'group', groupId: refs.staleId(), account: '345678901234' };
  return { kind: 'group', groupId: rng.pick(refs.groupIds) };
}

function egressAll(b: Builder, family: Family = 'ipv4'): RuleSpec {
  return rule(b, {
    direction: 'egress',
    protocol: 'all',
    family,
    remote: { kind: 'cidr', cidr: anyCidr(family) },
    priority: 100,
    enabled: true,
  });
}

/** The rules a group of this archetype starts with, most important first. */
function coreRules(b: Builder, archetype: Archetype): RuleSpec[] {
  const { rng, dialect } = b;
  const self: Remote = { kind: 'group', groupId: b.ownId };
  const ipv6 = rng.chance(0.35);
  switch (archetype) {
    case 'default': {
      const rules = [
        rule(b, { protocol: 'all', family: 'ipv4', remote: self, priority: 100, enabled: true }),
        rule(b, {
          direction: 'egress',
          protocol: 'all',
          family: 'ipv4',
          remote: { kind: 'any' },
          priority: 100,
          enabled: true,
        }),
      ];
      if (dialect.name === 'huawei' || dialect.name === 'otc-v3') {
        rules.push(rule(b, { protocol: 'all', family: 'ipv6', remote: self, priority: 100, enabled: true }));
        rules.push(
          rule(b, {
            direction: 'egress',
            protocol: 'all',
            family: 'ipv6',
            remote: { kind: 'any' },
            priority: 100,
            enabled: true,
          }),
        );
      }
      return rules;
    }
    case 'web': {
      const both = dialect.multiport && rng.chance(0.5);
      const web = both ? parseMultiport('80,443') : port(443);
      const rules = [
        rule(b, {
          protocol: 'tcp',
          ports: web,
          remote: { kind: 'cidr', cidr: '0.0.0.0/0' },
          description: descriptionOf(rng, 'public'),
        }),
      ];
      if (ipv6)
        rules.push(
          rule(b, {
            protocol: 'tcp',
            ports: web,
            remote: { kind: 'cidr', cidr: '::/0' },
            description: descriptionOf(rng, 'public'),
          }),
        );
      if (!both)
        rules.push(
          rule(b, {
            protocol: 'tcp',
            ports: port(80),
            remote: { kind: 'cidr', cidr: '0.0.0.0/0' },
            description: descriptionOf(rng, 'public'),
          }),
        );
      rules.push(
        rule(b, {
          protocol: 'tcp',
          ports: port(22),
          remote: { kind: 'cidr', cidr: rng.pick(['10.0.0.0/8', '172.16.0.0/12', privateCidr(rng)]) },
        }),
      );
      rules.push(egressAll(b));
      if (ipv6) rules.push(egressAll(b, 'ipv6'));
      return rules;
    }
    case 'app':
      return [
        rule(b, {
          protocol: 'tcp',
          ports: port(rng.pick([8080, 8443, 9000, 3000])),
          remote: otherGroup(b),
          description: descriptionOf(rng, 'service'),
        }),
        rule(b, {
          protocol: 'tcp',
          ports: [{ from: 8000, to: rng.pick([8100, 8999]) }],
          remote: { kind: 'cidr', cidr: cidrOf(ipToInt(`10.${rng.int(0, 255)}.0.0`), 16) },
        }),
        rule(b, { protocol: 'tcp', ports: port(22), remote: otherGroup(b), description: 'SSH from bastion' }),
        egressAll(b),
      ];
    case 'db':
      return [
        rule(b, {
          protocol: 'tcp',
          ports: port(rng.pick([5432, 3306, 1433, 27017])),
          remote: otherGroup(b),
          description: descriptionOf(rng, 'service'),
        }),
        rule(b, {
          protocol: 'tcp',
          ports: port(rng.pick([5432, 3306, 6379])),
          remote: { kind: 'cidr', cidr: privateCidr(rng) },
        }),
        egressAll(b),
      ];
    case 'bastion':
      return [
        rule(b, {
          protocol: 'tcp',
          ports: port(22),
          remote: { kind: 'cidr', cidr: docHost(rng) },
          description: 'SSH from office',
        }),
        rule(b, {
          protocol: 'tcp',
          ports: port(3389),
          remote: { kind: 'cidr', cidr: docHost(rng) },
          description: 'RDP from office',
        }),
        egressAll(b),
      ];
    case 'k8s':
      return [
        rule(b, {
          protocol: 'tcp',
          ports: [{ from: 30000, to: 32767 }],
          remote: { kind: 'cidr', cidr: '0.0.0.0/0' },
          description: 'NodePort',
        }),
        rule(b, { protocol: 'all', remote: self }),
        rule(b, { protocol: 'udp', ports: [{ from: 30000, to: 32767 }], remote: { kind: 'cidr', cidr: '10.0.0.0/8' } }),
        rule(b, { protocol: 'tcp', ports: port(10250), remote: otherGroup(b) }),
        egressAll(b),
      ];
    case 'admin-exposed': {
      const rules = [
        rule(b, {
          protocol: 'tcp',
          ports: port(rng.pick(ADMIN_PORTS)),
          remote: { kind: 'cidr', cidr: '0.0.0.0/0' },
          description: descriptionOf(rng, 'admin'),
        }),
      ];
      rules.push(egressAll(b));
      if (rng.chance(0.5))
        rules.push(rule(b, { protocol: 'tcp', ports: port(3389), remote: { kind: 'cidr', cidr: '0.0.0.0/0' } }));
      if (ipv6) rules.push(rule(b, { protocol: 'tcp', ports: port(22), remote: { kind: 'cidr', cidr: '::/0' } }));
      if (rng.chance(0.3))
        rules.push(
          rule(b, {
            protocol: 'tcp',
            ports: port(rng.pick([3306, 5432, 6379, 9200])),
            remote: { kind: 'cidr', cidr: '0.0.0.0/0' },
          }),
        );
      if (dialect.deny && rng.chance(0.3)) {
        // The app-deny-demo pattern: two half-Internet denies above the allow close SSH again.
        for (const cidr of ['0.0.0.0/1', '128.0.0.0/1']) {
          rules.push(
            rule(b, {
              action: 'deny',
              priority: 1,
              protocol: 'tcp',
              ports: port(22),
              remote: { kind: 'cidr', cidr },
              enabled: true,
              description: descriptionOf(rng, 'deny'),
            }),
          );
        }
      }
      return rules;
    }
    case 'allowlist': {
      const p = rng.pick([443, 22, 8443, 993]);
      return [
        rule(b, {
          protocol: 'tcp',
          ports: port(p),
          remote: { kind: 'cidr', cidr: docHost(rng) },
          description: descriptionOf(rng, 'partner'),
        }),
        rule(b, {
          protocol: 'tcp',
          ports: port(p),
          remote: { kind: 'cidr', cidr: docBlock(rng) },
          description: descriptionOf(rng, 'partner'),
        }),
        egressAll(b),
      ];
    }
    case 'internal':
      return [
        rule(b, {
          protocol: 'all',
          remote: { kind: 'cidr', cidr: rng.pick(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) },
        }),
        rule(b, { protocol: 'icmp', remote: { kind: 'cidr', cidr: '10.0.0.0/8' }, icmpType: 8 }),
        egressAll(b),
      ];
  }
}

type Filler =
  | 'private'
  | 'partner'
  | 'ipv6'
  | 'group'
  | 'range'
  | 'wide'
  | 'udp'
  | 'icmp'
  | 'egress'
  | 'deny'
  | 'multiport'
  | 'public';

function fillerRule(b: Builder, list: RuleList): RuleSpec {
  const { rng, dialect } = b;
  const kind = rng.weighted<Filler>([
    ['private', 30],
    ['partner', 14],
    ['ipv6', 10],
    ['group', 10],
    ['range', 8],
    ['wide', 4],
    ['udp', 6],
    ['icmp', 4],
    ['egress', 6],
    ['deny', dialect.deny ? 6 : 0],
    ['multiport', dialect.multiport ? 4 : 0],
    ['public', 3],
  ]);
  switch (kind) {
    case 'private':
      return rule(b, {
        protocol: 'tcp',
        remote: { kind: 'cidr', cidr: privateCidr(rng) },
        description: descriptionOf(rng, 'service'),
      });
    case 'partner':
      return rule(b, {
        protocol: 'tcp',
        ports: port(rng.pick([443, 22, 8443, 21, 990])),
        remote: { kind: 'cidr', cidr: rng.chance(0.8) ? docHost(rng) : docBlock(rng) },
        description: descriptionOf(rng, 'partner', 0.2),
      });
    case 'ipv6':
      return rule(b, {
        protocol: 'tcp',
        ports: port(rng.pick([443, 80, 22, 8080])),
        remote: { kind: 'cidr', cidr: ipv6Block(rng) },
        description: descriptionOf(rng, 'service'),
      });
    case 'group':
      return rule(b, {
        protocol: rng.chance(0.8) ? 'tcp' : 'all',
        remote: otherGroup(b),
        description: descriptionOf(rng, 'service'),
      });
    case 'range': {
      const from = rng.pick([1024, 8000, 9000, 30000, 49152, 1]);
      const to = from === 1 ? 65535 : from + rng.pick([10, 100, 999, 2767]);
      return rule(b, {
        protocol: rng.chance(0.8) ? 'tcp' : 'udp',
        ports: [{ from, to: Math.min(to, 65535) }],
        remote: { kind: 'cidr', cidr: privateCidr(rng) },
      });
    }
    case 'wide':
      return rule(b, {
        protocol: 'tcp',
        remote: { kind: 'cidr', cidr: widePublicCidr(rng) },
        description: descriptionOf(rng, 'partner'),
      });
    case 'udp':
      return rule(b, {
        protocol: 'udp',
        ports: port(rng.pick(UDP_PORTS)),
        remote: { kind: 'cidr', cidr: privateCidr(rng) },
      });
    case 'icmp':
      return rule(b, {
        protocol: 'icmp',
        icmpType: rng.pick([0, 3, 8, 11]),
        remote: { kind: 'cidr', cidr: rng.chance(0.3) ? anyCidr(rng.chance(0.3) ? 'ipv6' : 'ipv4') : privateCidr(rng) },
      });
    case 'egress':
      return rule(b, {
        direction: 'egress',
        protocol: 'tcp',
        ports: port(rng.pick([443, 5432, 3306, 53, 25])),
        remote: { kind: 'cidr', cidr: rng.chance(0.3) ? '0.0.0.0/0' : privateCidr(rng) },
      });
    case 'deny':
      return overlappingDeny(b, list);
    case 'multiport':
      return rule(b, {
        protocol: 'tcp',
        ports: parseMultiport(rng.pick(MULTIPORTS)),
        remote: { kind: 'cidr', cidr: privateCidr(rng) },
      });
    case 'public':
      return rule(b, {
        protocol: 'tcp',
        ports: port(rng.pick([80, 443, 8080, 8443])),
        remote: { kind: 'cidr', cidr: rng.chance(0.3) ? '::/0' : '0.0.0.0/0' },
        description: descriptionOf(rng, 'public'),
      });
  }
}

/** A deny that cuts into an allow of the group (a narrower block, same ports), or a blocklist entry. */
function overlappingDeny(b: Builder, list: RuleList): RuleSpec {
  const { rng } = b;
  const allows = list.rules.filter(
    (r) =>
      r.action === 'allow' &&
      r.direction === 'ingress' &&
      r.family === 'ipv4' &&
      r.remote.kind === 'cidr' &&
      prefixOf(r.remote.cidr) <= 24,
  );
  if (allows.length === 0 || rng.chance(0.25)) {
    return rule(b, {
      action: 'deny',
      priority: 1,
      protocol: 'all',
      remote: { kind: 'cidr', cidr: docBlock(rng) },
      enabled: true,
      description: descriptionOf(rng, 'deny', 0.2),
    });
  }
  const base = rng.pick(allows);
  const cidr = base.remote.kind === 'cidr' ? subnetOf(rng, base.remote.cidr) : docBlock(rng);
  // Equal priority (deny wins) or a smaller number (deny first); sometimes a larger one (shadowed deny).
  const priority = rng.weighted([
    [base.priority, 30],
    [Math.max(1, base.priority - rng.int(1, 50)), 55],
    [Math.min(100, base.priority + rng.int(1, 20)), 15],
  ]);
  return {
    ...base,
    action: 'deny',
    priority,
    remote: { kind: 'cidr', cidr },
    enabled: true,
    description: descriptionOf(rng, 'deny', 0.2),
  };
}

/** A unique private /32: the fallback when random rules keep colliding. */
function uniqueHost(b: Builder, serial: number): RuleSpec {
  return rule(b, {
    protocol: 'tcp',
    ports: port(443),
    remote: { kind: 'cidr', cidr: `10.${250 + (serial >>> 16)}.${(serial >>> 8) & 255}.${serial & 255}/32` },
  });
}

function groupRules(b: Builder, archetype: Archetype, count: number): RuleSpec[] {
  const list = new RuleList(count);
  for (const r of coreRules(b, archetype)) list.add(r);
  let misses = 0;
  let serial = 0;
  while (!list.full) {
    if (list.add(fillerRule(b, list))) continue;
    if (++misses > 20) list.add(uniqueHost(b, serial++));
  }
  return list.rules;
}

// ---------------------------------------------------------------------------------------------
// Scopes: one snapshot file each

interface ScopeSpec {
  provider: ProviderName;
  dialect: Dialect;
  account: string;
  region: string;
  weight: number;
}

interface Scope extends ScopeSpec {
  groups: GroupPlan[];
  vpcId: string;
}

const SCOPES: Record<ProviderName, readonly ScopeSpec[]> = {
  aws: [
    { provider: 'aws', dialect: DIALECTS.aws, account: '123456789012', region: 'eu-west-1', weight: 0.45 },
    { provider: 'aws', dialect: DIALECTS.aws, account: '123456789012', region: 'us-east-1', weight: 0.25 },
    { provider: 'aws', dialect: DIALECTS.aws, account: '210987654321', region: 'eu-central-1', weight: 0.2 },
    { provider: 'aws', dialect: DIALECTS.aws, account: '210987654321', region: 'ap-southeast-2', weight: 0.1 },
  ],
  alibaba: [
    { provider: 'alibaba', dialect: DIALECTS.alibaba, account: '1623581094671182', region: 'cn-hangzhou', weight: 0.5 },
    { provider: 'alibaba', dialect: DIALECTS.alibaba, account: '1623581094671182', region: 'cn-shanghai', weight: 0.3 },
    { provider: 'alibaba', dialect: DIALECTS.alibaba, account: '1623581094671182', region: 'cn-beijing', weight: 0.2 },
  ],
  huawei: [
    {
      provider: 'huawei',
      dialect: DIALECTS.huawei,
      account: '8bf2294836b85aaa6a7f068724171d15',
      region: 'ap-southeast-1',
      weight: 0.5,
    },
    {
      provider: 'huawei',
      dialect: DIALECTS.huawei,
      account: '0e6a5b8d1c2f4a7e9b3d5c7f1a2e4b6d',
      region: 'ap-southeast-3',
      weight: 0.3,
    },
    {
      provider: 'huawei',
      dialect: DIALECTS.huawei,
      account: '5d1f3b7a9c2e4f6a8b0d2c4e6f8a0b1c',
      region: 'cn-north-4',
      weight: 0.2,
    },
  ],
  otc: [
    {
      provider: 'otc',
      dialect: DIALECTS['otc-v3'],
      account: 'b4c44e08aa3678fd8b3acaacf87ad1cc',
      region: 'eu-de',
      weight: 0.3,
    },
    {
      provider: 'otc',
      dialect: DIALECTS['otc-v3'],
      account: '7a1e5c9d3b2f4e6a8c0b1d3f5e7a9c2b',
      region: 'eu-de',
      weight: 0.2,
    },
    {
      provider: 'otc',
      dialect: DIALECTS['otc-neutron'],
      account: 'c519282e53bd1528bdc8f7f780c82ac6',
      region: 'eu-nl',
      weight: 0.3,
    },
    {
      provider: 'otc',
      dialect: DIALECTS['otc-neutron'],
      account: '2f4b6d8e0a1c3e5f7b9d1a3c5e7f9b0d',
      region: 'eu-de',
      weight: 0.2,
    },
  ],
};

const ALIBABA_ZONE_PREFIX: Record<string, string> = { 'cn-hangzhou': 'bp', 'cn-shanghai': 'uf', 'cn-beijing': '2z' };
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Makes ids unique across the whole estate (a collision is astronomically unlikely, but checked). */
class Ids {
  readonly #used = new Set<string>();
  readonly #rng: Random;

  constructor(rng: Random) {
    this.#rng = rng;
  }

  make(produce: (rng: Random) => string): string {
    for (;;) {
      const id = produce(this.#rng);
      if (!this.#used.has(id)) {
        this.#used.add(id);
        return id;
      }
    }
  }

  group(dialect: Dialect, region: string): string {
    if (dialect.name === 'aws') return this.make((r) => `sg-0${r.hex(16)}`);
    if (dialect.name === 'alibaba')
      return this.make((r) => `sg-${ALIBABA_ZONE_PREFIX[region] ?? 'bp'}${r.chars(BASE36, 19)}`);
    return this.make((r) => r.uuid());
  }

  rule(dialect: Dialect, region: string): string {
    if (dialect.name === 'alibaba')
      return this.make((r) => `sgr-${ALIBABA_ZONE_PREFIX[region] ?? 'bp'}${r.chars(BASE36, 19)}`);
    return this.make((r) => r.uuid());
  }
}

/** Rules per group: between MIN_RULES and MAX_RULES, skewed small, summing exactly to `total`. */
function ruleCounts(rng: Random, groups: number, total: number): number[] {
  const buckets: readonly (readonly [readonly [number, number], number])[] = [
    [[2, 4], 30],
    [[5, 12], 45],
    [[13, 24], 18],
    [[25, 40], 7],
  ];
  const mean =
    buckets.reduce((sum, [[lo, hi], w]) => sum + ((lo + hi) / 2) * w, 0) / buckets.reduce((sum, [, w]) => sum + w, 0);
  const scale = total / groups / mean;
  const counts: number[] = [];
  let sum = 0;
  for (let i = 0; i < groups; i++) {
    const [lo, hi] = rng.weighted(buckets);
    const count = Math.min(MAX_RULES, Math.max(MIN_RULES, Math.round(rng.int(lo, hi) * scale)));
    counts.push(count);
    sum += count;
  }
  // Make sure both extremes occur (a 2-rule group and a 40-rule one); the fix-up below leaves them alone.
  const fixed = new Set<number>();
  if (
    groups >= 2 &&
    total - MIN_RULES - MAX_RULES >= (groups - 2) * MIN_RULES &&
    total - MIN_RULES - MAX_RULES <= (groups - 2) * MAX_RULES
  ) {
    const low = counts.indexOf(Math.min(...counts));
    const high = counts.lastIndexOf(Math.max(...counts));
    sum += MIN_RULES - (counts[low] as number) + MAX_RULES - (counts[high] as number);
    counts[low] = MIN_RULES;
    counts[high] = MAX_RULES;
    fixed.add(low).add(high);
  }
  while (sum !== total) {
    const i = rng.int(0, groups - 1);
    if (fixed.has(i)) continue;
    const count = counts[i] as number;
    if (sum < total && count < MAX_RULES) {
      counts[i] = count + 1;
      sum++;
    } else if (sum > total && count > MIN_RULES) {
      counts[i] = count - 1;
      sum--;
    }
  }
  return counts;
}

/** `n` split by weights, largest remainders first; sums exactly to `n`. */
function split(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (n * w) / total);
  const parts = exact.map(Math.floor);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const missing = n - parts.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) {
    const index = (order[k % order.length] as readonly [number, number])[1];
    parts[index] = (parts[index] as number) + 1;
  }
  return parts;
}

const NAME_PARTS = [
  'orders',
  'billing',
  'search',
  'auth',
  'media',
  'reports',
  'crm',
  'ledger',
  'catalog',
  'events',
  'gateway',
  'ml',
];
const BASE_TIME = Date.UTC(2021, 0, 1);
const SPAN_SECONDS = 4 * 365 * 86400;

function planScope(rng: Random, ids: Ids, spec: ScopeSpec, counts: readonly number[]): Scope {
  const groupIds = counts.map(() => ids.group(spec.dialect, spec.region));
  const refs: ScopeRefs = {
    groupIds,
    account: spec.account,
    staleId: () => ids.group(spec.dialect, spec.region),
  };
  const vpcId =
    spec.dialect.name === 'aws'
      ? `vpc-0${rng.hex(16)}`
      : spec.dialect.name === 'alibaba'
        ? `vpc-${ALIBABA_ZONE_PREFIX[spec.region] ?? 'bp'}${rng.chars(BASE36, 19)}`
        : '';
  const groups = counts.map((count, index): GroupPlan => {
    const id = groupIds[index] as string;
    const archetype: Archetype = index === 0 ? 'default' : rng.weighted(ARCHETYPES);
    const builder: Builder = { rng, dialect: spec.dialect, refs, ownId: id };
    const name =
      archetype === 'default'
        ? spec.dialect.name === 'alibaba'
          ? id
          : 'default'
        : `${archetype}-${rng.pick(NAME_PARTS)}-${String(index).padStart(4, '0')}`;
    const description =
      archetype === 'default'
        ? spec.dialect.name === 'aws'
          ? 'default VPC security group'
          : 'Default security group'
        : rng.chance(0.3)
          ? ''
          : `${archetype} tier for ${rng.pick(NAME_PARTS)}`;
    return {
      id,
      name,
      description,
      archetype,
      createdAt: BASE_TIME + rng.int(0, SPAN_SECONDS) * 1000,
      rules: groupRules(builder, archetype, count),
    };
  });
  return { ...spec, groups, vpcId };
}

// ---------------------------------------------------------------------------------------------
// Rendering: one provider API page shape each

type Json = Record<string, unknown>;

interface Rendered {
  document: Json;
  pages: number;
  rules: number;
}

function timestamp(ms: number, zulu = true): string {
  const text = new Date(ms).toISOString().slice(0, 19);
  return zulu ? `${text}Z` : text;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function concreteCidr(rule: RuleSpec): string | undefined {
  if (rule.remote.kind === 'cidr') return rule.remote.cidr;
  if (rule.remote.kind === 'any') return anyCidr(rule.family);
  return undefined;
}

function spanKey(ports: readonly PortSpan[]): string {
  return ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(',');
}

// AWS EC2 DescribeSecurityGroups: rules with the same protocol and ports share one IpPermission.

function awsPermissions(group: GroupPlan, direction: RuleSpec['direction'], account: string): Json[] {
  const permissions = new Map<string, Json & { IpRanges: Json[]; Ipv6Ranges: Json[]; UserIdGroupPairs: Json[] }>();
  for (const rule of group.rules) {
    if (rule.direction !== direction) continue;
    const span = rule.ports[0];
    const key = `${rule.protocol}|${span ? spanKey([span]) : ''}|${rule.icmpType ?? ''}`;
    let permission = permissions.get(key);
    if (!permission) {
      const head: Json = { IpProtocol: rule.protocol === 'all' ? '-1' : rule.protocol };
      if (span) {
        head['FromPort'] = span.from;
        head['ToPort'] = span.to;
      } else if (rule.protocol === 'icmp' || rule.protocol === 'icmpv6') {
        head['FromPort'] = rule.icmpType ?? -1;
        head['ToPort'] = -1;
      }
      permission = { ...head, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      permissions.set(key, permission);
    }
    const description = rule.description ? { Description: rule.description } : {};
    if (rule.remote.kind === 'group') {
      permission.UserIdGroupPairs.push({
        ...description,
        GroupId: rule.remote.groupId,
        UserId: rule.remote.account ?? account,
      });
    } else if (rule.family === 'ipv6') {
      permission.Ipv6Ranges.push({ CidrIpv6: concreteCidr(rule), ...description });
    } else {
      permission.IpRanges.push({ CidrIp: concreteCidr(rule), ...description });
    }
  }
  return [...permissions.values()];
}

function renderAws(scope: Scope, rng: Random): Rendered {
  const groups = scope.groups.map((group) => {
    const item: Json = {
      GroupId: group.id,
      GroupName: group.name,
      Description: group.description,
      VpcId: scope.vpcId,
      OwnerId: scope.account,
      SecurityGroupArn: `arn:aws:ec2:${scope.region}:${scope.account}:security-group/${group.id}`,
      IpPermissions: awsPermissions(group, 'ingress', scope.account),
      IpPermissionsEgress: awsPermissions(group, 'egress', scope.account),
    };
    if (group.archetype !== 'default') item['Tags'] = [{ Key: 'Name', Value: group.name }];
    return item;
  });
  const pages = chunks(groups, 1000).map((list, i, all): Json => {
    const page: Json = { SecurityGroups: list };
    if (i < all.length - 1) page['NextToken'] = Buffer.from(`{"v":"2","c":"${rng.hex(24)}"}`).toString('base64url');
    return page;
  });
  return {
    document: wrapper(scope, pages),
    pages: pages.length,
    rules: groups.reduce((sum, g) => sum + awsPeers(g['IpPermissions']) + awsPeers(g['IpPermissionsEgress']), 0),
  };
}

/** EC2 stores one rule per peer of an IpPermission. */
function awsPeers(permissions: unknown): number {
  return (permissions as { IpRanges: unknown[]; Ipv6Ranges: unknown[]; UserIdGroupPairs: unknown[] }[]).reduce(
    (sum, p) => sum + p.IpRanges.length + p.Ipv6Ranges.length + p.UserIdGroupPairs.length,
    0,
  );
}

// Alibaba Cloud ECS: DescribeSecurityGroups pages + one DescribeSecurityGroupAttribute per group.

function requestId(rng: Random): string {
  return rng.uuid().toUpperCase();
}

function alibabaPermission(rule: RuleSpec, group: GroupPlan, ruleId: string): Json {
  const ingress = rule.direction === 'ingress';
  const cidr = concreteCidr(rule);
  const v4 = cidr !== undefined && rule.family === 'ipv4' ? cidr : '';
  const v6 = cidr !== undefined && rule.family === 'ipv6' ? cidr : '';
  const groupId = rule.remote.kind === 'group' ? rule.remote.groupId : '';
  const span = rule.ports[0];
  const created = timestamp(group.createdAt);
  return {
    SecurityGroupRuleId: ruleId,
    Direction: rule.direction,
    SourceGroupId: ingress ? groupId : '',
    DestGroupOwnerAccount: '',
    DestPrefixListId: '',
    DestPrefixListName: '',
    SourceCidrIp: ingress ? v4 : '',
    Ipv6DestCidrIp: ingress ? '' : v6,
    CreateTime: created,
    Ipv6SourceCidrIp: ingress ? v6 : '',
    DestGroupId: ingress ? '' : groupId,
    DestCidrIp: ingress ? '' : v4,
    IpProtocol: rule.protocol === 'icmpv6' ? 'ICMPV6' : rule.protocol.toUpperCase(),
    Priority: String(rule.priority),
    DestGroupName: '',
    NicType: 'intranet',
    Policy: rule.action === 'deny' ? 'Drop' : 'Accept',
    Description: rule.description,
    PortRange: span ? `${span.from}/${span.to}` : '-1/-1',
    SourcePrefixListName: '',
    SourcePrefixListId: '',
    SourceGroupOwnerAccount: '',
    SourceGroupName: '',
    SourcePortRange: '',
    PortRangeListId: '',
    PortRangeListName: '',
  };
}

/** Alibaba's group type: basic (`normal`) or `enterprise`; one interface never mixes them. */
function alibabaGroupType(group: GroupPlan): string {
  return group.archetype === 'k8s' ? 'enterprise' : 'normal';
}

function renderAlibaba(scope: Scope, rng: Random, ids: Ids): Rendered {
  const types = scope.groups.map(alibabaGroupType);
  const pageSize = 50;
  const listPages = chunks(scope.groups, pageSize).map((list, i): Json => ({
    RequestId: requestId(rng),
    RegionId: scope.region,
    TotalCount: scope.groups.length,
    PageNumber: i + 1,
    PageSize: pageSize,
    SecurityGroups: {
      SecurityGroup: list.map((group, j) => ({
        SecurityGroupId: group.id,
        SecurityGroupName: group.name,
        Description: group.description,
        VpcId: scope.vpcId,
        SecurityGroupType: types[i * pageSize + j],
        CreationTime: timestamp(group.createdAt),
        ResourceGroupId: '',
        ServiceManaged: false,
        Tags: { Tag: [] },
      })),
    },
  }));
  const attributePages = scope.groups.map((group, i): Json => ({
    RequestId: requestId(rng),
    RegionId: scope.region,
    SecurityGroupId: group.id,
    SecurityGroupName: group.name,
    VpcId: scope.vpcId,
    Description: group.description,
    InnerAccessPolicy: types[i] === 'enterprise' ? 'Drop' : 'Accept',
    Permissions: {
      Permission: group.rules.map((rule) => alibabaPermission(rule, group, ids.rule(scope.dialect, scope.region))),
    },
  }));
  const pages = [...listPages, ...attributePages];
  const rules = attributePages.reduce(
    (sum, page) => sum + (page['Permissions'] as { Permission: unknown[] }).Permission.length,
    0,
  );
  return { document: wrapper(scope, pages), pages: pages.length, rules };
}

// Huawei Cloud / OTC VPC v3: ListSecurityGroups + ListSecurityGroupRules (marker paging).

function v3Remote(
  rule: RuleSpec,
  nullAny: boolean,
): { remote_group_id: string | null; remote_ip_prefix: string | null } {
  if (rule.remote.kind === 'group') return { remote_group_id: rule.remote.groupId, remote_ip_prefix: null };
  if (rule.remote.kind === 'any')
    return { remote_group_id: null, remote_ip_prefix: nullAny ? null : anyCidr(rule.family) };
  return { remote_group_id: null, remote_ip_prefix: rule.remote.cidr };
}

function v3Rule(rule: RuleSpec, group: GroupPlan, scope: Scope, id: string): Json {
  const huawei = scope.dialect.name === 'huawei';
  const created = timestamp(group.createdAt);
  const remote = v3Remote(rule, !huawei);
  const fields: Json = {
    id,
    description: rule.description,
    security_group_id: group.id,
    direction: rule.direction,
    protocol: rule.protocol === 'all' ? null : rule.protocol,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
    multiport: rule.ports.length ? spanKey(rule.ports) : null,
    action: rule.action,
    priority: rule.priority,
    remote_group_id: remote.remote_group_id,
    remote_ip_prefix: remote.remote_ip_prefix,
    remote_address_group_id: null,
    project_id: scope.account,
    created_at: created,
    updated_at: created,
  };
  if (huawei) fields['enabled'] = rule.enabled;
  return fields;
}

function markerPages(rng: Random, key: string, items: readonly Json[], size: number): Json[] {
  return chunks(items, size).map((list, i, all): Json => {
    const pageInfo: Json = { previous_marker: list[0]?.['id'] ?? null, current_count: list.length };
    if (i < all.length - 1) pageInfo['next_marker'] = list[list.length - 1]?.['id'];
    return { request_id: rng.hex(32), [key]: list, page_info: pageInfo };
  });
}

function renderV3(scope: Scope, rng: Random, ids: Ids): Rendered {
  const groups = scope.groups.map((group): Json => ({
    id: group.id,
    name: group.name,
    description: group.description,
    project_id: scope.account,
    enterprise_project_id: '0',
    created_at: timestamp(group.createdAt),
    updated_at: timestamp(group.createdAt),
    tags: [],
  }));
  const rules = scope.groups.flatMap((group) =>
    group.rules.map((rule) => v3Rule(rule, group, scope, ids.rule(scope.dialect, scope.region))),
  );
  const pages = [
    ...markerPages(rng, 'security_groups', groups, 2000),
    ...markerPages(rng, 'security_group_rules', rules, 2000),
  ];
  return { document: wrapper(scope, pages), pages: pages.length, rules: rules.length };
}

// OTC Neutron v2.0: GET /v2.0/security-groups with the rules nested in each group.

function neutronRule(rule: RuleSpec, group: GroupPlan, scope: Scope, id: string): Json {
  const created = timestamp(group.createdAt, false);
  const span = rule.ports[0];
  const icmp = rule.protocol === 'icmp' || rule.protocol === 'icmpv6';
  const remote = v3Remote(rule, true);
  return {
    id,
    direction: rule.direction,
    protocol: rule.protocol === 'all' ? null : rule.protocol === 'icmpv6' ? 'ipv6-icmp' : rule.protocol,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
    description: rule.description || null,
    remote_group_id: remote.remote_group_id,
    remote_ip_prefix: remote.remote_ip_prefix,
    tenant_id: scope.account,
    project_id: scope.account,
    port_range_max: span ? span.to : null,
    port_range_min: span ? span.from : icmp ? (rule.icmpType ?? null) : null,
    security_group_id: group.id,
    remote_address_group_id: null,
    created_at: created,
    updated_at: created,
  };
}

function renderNeutron(scope: Scope, ids: Ids): Rendered {
  const groups = scope.groups.map((group): Json => ({
    id: group.id,
    name: group.name,
    description: group.description,
    tenant_id: scope.account,
    project_id: scope.account,
    security_group_rules: group.rules.map((rule) =>
      neutronRule(rule, group, scope, ids.rule(scope.dialect, scope.region)),
    ),
    created_at: timestamp(group.createdAt, false),
    updated_at: timestamp(group.createdAt, false),
  }));
  const pages = chunks(groups, 500).map((list, i, all): Json => {
    const page: Json = { security_groups: list };
    if (i < all.length - 1) {
      const marker = list[list.length - 1]?.['id'];
      page['security_groups_links'] = [
        {
          href: `https://vpc.${scope.region}.otc.t-systems.com/v2.0/security-groups?limit=500&marker=${marker}`,
          rel: 'next',
        },
      ];
    }
    return page;
  });
  const rules = groups.reduce((sum, g) => sum + (g['security_group_rules'] as unknown[]).length, 0);
  return { document: wrapper(scope, pages), pages: pages.length, rules };
}

function wrapper(scope: Scope, pages: Json[]): Json {
  return { provider: scope.provider, account: scope.account, region: scope.region, pages };
}

function render(scope: Scope, rng: Random, ids: Ids): Rendered {
  switch (scope.dialect.name) {
    case 'aws':
      return renderAws(scope, rng);
    case 'alibaba':
      return renderAlibaba(scope, rng, ids);
    case 'huawei':
    case 'otc-v3':
      return renderV3(scope, rng, ids);
    case 'otc-neutron':
      return renderNeutron(scope, ids);
  }
}

function isAdminExposed(group: GroupPlan): boolean {
  return group.rules.some(
    (r) =>
      r.direction === 'ingress' &&
      r.action === 'allow' &&
      r.enabled &&
      ((r.remote.kind === 'cidr' && (r.remote.cidr === '0.0.0.0/0' || r.remote.cidr === '::/0')) ||
        r.remote.kind === 'any') &&
      (r.protocol === 'all' ||
        (r.protocol === 'tcp' && r.ports.some((p) => ADMIN_PORTS.some((a) => p.from <= a && a <= p.to)))),
  );
}

function validate(options: EstateOptions): number {
  const { groups, rulesPerGroup, seed } = options;
  if (!Number.isSafeInteger(groups) || groups < PROVIDERS.length)
    throw new RangeError(`groups must be an integer >= ${PROVIDERS.length} (got ${groups})`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer (got ${seed})`);
  const interfaces = options.interfaces ?? 0;
  if (!Number.isSafeInteger(interfaces) || interfaces < 0)
    throw new RangeError(`interfaces must be an integer >= 0 (got ${interfaces})`);
  const share = options.publicShare ?? DEFAULT_PUBLIC_SHARE;
  if (!(share >= 0 && share <= 1)) throw new RangeError(`publicShare must be between 0 and 1 (got ${share})`);
  const total = Math.round(groups * rulesPerGroup);
  if (!(total >= groups * MIN_RULES && total <= groups * MAX_RULES)) {
    throw new RangeError(`rulesPerGroup must be between ${MIN_RULES} and ${MAX_RULES} (got ${rulesPerGroup})`);
  }
  return total;
}

/**
 * Writes a synthetic estate into `dir` (created if missing; must hold no files yet) and
 * returns what it wrote. Deterministic for given options.
 */
export function generateEstate(dir: string, options: EstateOptions = DEFAULT_OPTIONS): EstateCounts {
  const totalRules = validate(options);
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir}: not empty; generate into a new or empty folder`);
  const rng = new Random(options.seed);
  const ids = new Ids(rng);
  const counts = ruleCounts(rng, options.groups, totalRules);
  const perProvider = split(
    options.groups,
    PROVIDERS.map(() => 1),
  );

  const result: EstateCounts = {
    groups: 0,
    rules: 0,
    files: 0,
    pages: 0,
    bytes: 0,
    minRulesPerGroup: Math.min(...counts),
    maxRulesPerGroup: Math.max(...counts),
    adminExposedGroups: 0,
    byProvider: Object.fromEntries(PROVIDERS.map((p) => [p, { groups: 0, rules: 0, files: 0, pages: 0 }])) as Record<
      ProviderName,
      ProviderCounts
    >,
    interfaces: {
      interfaces: 0,
      publicInterfaces: 0,
      distinctGroupSets: 0,
      pages: 0,
      bytes: 0,
      byProvider: {},
    },
  };
  const written: WrittenScope[] = [];

  let offset = 0;
  PROVIDERS.forEach((provider, p) => {
    const specs = SCOPES[provider];
    const sizes = split(
      perProvider[p] as number,
      specs.map((s) => s.weight),
    );
    specs.forEach((spec, s) => {
      const size = sizes[s] as number;
      if (size === 0) return;
      const scope = planScope(rng, ids, spec, counts.slice(offset, offset + size));
      offset += size;
      const rendered = render(scope, rng, ids);
      const folder = join(dir, provider);
      mkdirSync(folder, { recursive: true });
      const api = spec.dialect.name === 'otc-neutron' ? '-neutron' : '';
      const file = join(provider, `${spec.account}-${spec.region}${api}.json`);
      const text = `${JSON.stringify(rendered.document, null, options.compact ? undefined : 2)}\n`;
      writeFileSync(join(dir, file), text);

      const totals = result.byProvider[provider];
      totals.groups += scope.groups.length;
      totals.rules += rendered.rules;
      totals.files++;
      totals.pages += rendered.pages;
      result.groups += scope.groups.length;
      result.rules += rendered.rules;
      result.files++;
      result.pages += rendered.pages;
      result.bytes += Buffer.byteLength(text);
      result.adminExposedGroups += scope.groups.filter(isAdminExposed).length;
      written.push({ scope, file, document: rendered.document });
    });
  });
  if (options.interfaces) writeInterfaces(written, options, dir, result.interfaces);
  return result;
}

interface WrittenScope {
  scope: Scope;
  /** Relative to the estate folder. */
  file: string;
  document: Json;
}

/**
 * Each scope's document again, its interface listing after its group pages as `warden snapshot`
 * writes them (an interface listing vouches for "attached to nothing" only beside the groups it
 * covers), into `interfacesDir` or over the documents in `dir`. Interfaces are spread over the
 * scopes the bench can list them for by their number of groups.
 */
function writeInterfaces(
  written: readonly WrittenScope[],
  options: EstateOptions,
  dir: string,
  counts: InterfaceCounts,
): void {
  const rng = new Random(options.seed ^ INTERFACE_SEED_SALT);
  const listed = written.filter((w) => generatesInterfaces(w.scope.provider));
  const sizes = new Map(
    split(
      options.interfaces ?? 0,
      listed.map((w) => w.scope.groups.length),
    ).map((size, i) => [listed[i] as WrittenScope, size]),
  );
  for (const entry of written) {
    const { scope, file, document } = entry;
    const groups = scope.groups.map((g) => ({
      id: g.id,
      kind: scope.provider === 'alibaba' ? alibabaGroupType(g) : 'any',
    }));
    const rendered = renderInterfaces(
      { ...scope, groups },
      sizes.get(entry) ?? 0,
      options.publicShare ?? DEFAULT_PUBLIC_SHARE,
      rng,
    );
    const pages = [...(document['pages'] as Json[]), ...(rendered?.pages ?? [])];
    const target = join(options.interfacesDir ?? dir, file);
    mkdirSync(dirname(target), { recursive: true });
    const text = `${JSON.stringify({ ...document, pages }, null, options.compact ? undefined : 2)}\n`;
    writeFileSync(target, text);
    counts.bytes += Buffer.byteLength(text);
    if (rendered === undefined) continue;
    counts.interfaces += rendered.interfaces;
    counts.publicInterfaces += rendered.publicInterfaces;
    counts.distinctGroupSets += rendered.distinctGroupSets;
    counts.pages += rendered.pages.length;
    counts.byProvider[scope.provider] = (counts.byProvider[scope.provider] ?? 0) + rendered.interfaces;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

const COMMAND = {
  name: 'generate-estate',
  usage:
    'Usage: node bench/generate-estate.ts <dir> [--groups 10000] [--rules-per-group 10] [--interfaces 0] [--seed 1] [--compact]',
  options: {
    groups: { type: 'string' },
    interfaces: { type: 'string' },
    'rules-per-group': { type: 'string' },
    seed: { type: 'string' },
    compact: { type: 'boolean', default: false },
  },
  positionals: true,
} as const;

function main({ values, positionals }: BenchArgs<typeof COMMAND>): number {
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) throw new UsageError('give exactly one output folder');
  const options = {
    groups: number('groups', values.groups, DEFAULT_OPTIONS.groups),
    rulesPerGroup: number('rules-per-group', values['rules-per-group'], DEFAULT_OPTIONS.rulesPerGroup),
    seed: number('seed', values.seed, DEFAULT_OPTIONS.seed),
    interfaces: number('interfaces', values.interfaces, 0),
    compact: values.compact,
  };
  let counts: EstateCounts;
  try {
    counts = generateEstate(resolve(dir), options);
  } catch (error) {
    // The options' own limits and a folder that is not empty: bad input too.
    throw new UsageError((error as Error).message);
  }
  process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  return 0;
}

if (import.meta.main) {
  process.exitCode = await runBench(COMMAND, main);
}
