import type { WardenConfig } from '../config/schema.ts';
import type { FindingDraft } from './check.ts';
import { describeRule, percent, serviceName } from './describe.ts';
import type { Direction, Family, PortRange, Protocol, Rule } from '../model/types.ts';
import { atomFor, regionKey, regionsAt } from './evaluate.ts';
import type { CompiledRule, EvaluatedPolicy, ProtocolAtom, Region } from './evaluate.ts';
import { publicCount, publicShare } from './public-space.ts';

/** How much of the public Internet a policy lets through for one protocol and port. */
export interface Exposure {
  family: Family;
  /** Public addresses allowed. */
  count: bigint;
  /** Share of the family's public address space, 0..1. */
  share: number;
  /** The rules deciding the allowed public parts. */
  rules: Rule[];
}

// A segment's regions are shared by every port in it; measure them once.
const measured = new WeakMap<readonly Region[], Exposure>();

function measure(family: Family, regions: readonly Region[]): Exposure {
  const known = measured.get(regions);
  if (known) return known;
  const exposure = measureUncached(family, regions);
  measured.set(regions, exposure);
  return exposure;
}

function measureUncached(family: Family, regions: readonly Region[]): Exposure {
  let count = 0n;
  const rules = new Set<Rule>();
  for (let i = 0; i < regions.length; i++) {
    const region = regions[i] as Region;
    if (region.decision !== 'allow') continue;
    const share = publicCount(family, region.lo, region.hi);
    if (share === 0n) continue;
    count += share;
    if (region.decidedBy) rules.add(region.decidedBy);
  }
  return { family, count, share: publicShare(family, count), rules: [...rules] };
}

export function internetExposure(
  policy: EvaluatedPolicy,
  direction: Direction,
  family: Family,
  protocol: Protocol,
  port: number,
): Exposure {
  return measure(family, regionsAt(policy, direction, family, protocol, port));
}

export function isInternet(exposure: Exposure, config: WardenConfig): boolean {
  return exposure.count > 0n && exposure.share >= config.internet.minShare;
}

interface OpenSegment {
  from: number;
  to: number;
  exposure: Exposure;
}

/** Inbound TCP and UDP port segments open to the Internet, per family: short lists, usually empty. */
export interface InternetIndex {
  entries: { protocol: 'tcp' | 'udp'; family: Family; open: OpenSegment[] }[];
  any: boolean;
}

const indexes = new WeakMap<EvaluatedPolicy, InternetIndex>();

/** Measured once per policy, so asking about dozens of ports costs a scan of a few segments. */
export function internetIndex(policy: EvaluatedPolicy, config: WardenConfig): InternetIndex {
  const known = indexes.get(policy);
  if (known) return known;
  const entries: InternetIndex['entries'] = [];
  const reachable = { ipv4: mayReachInternet(policy, 'ipv4'), ipv6: mayReachInternet(policy, 'ipv6') };
  for (const protocol of ['tcp', 'udp'] as const) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const open: OpenSegment[] = [];
      if (!reachable[family]) {
        entries.push({ protocol, family, open });
        continue;
      }
      const atom = atomFor(policy, 'ingress', family, protocol);
      for (const segment of policy.segments.get(regionKey('ingress', family, atom)) ?? []) {
        if (!segment.regions.some((r) => r.decision === 'allow')) continue;
        const exposure = measure(family, segment.regions);
        if (isInternet(exposure, config)) open.push({ from: segment.ports.from, to: segment.ports.to, exposure });
      }
      entries.push({ protocol, family, open });
    }
  }
  const index = { entries, any: entries.some((e) => e.open.length > 0) };
  indexes.set(policy, index);
  return index;
}

/**
 * Only an allow rule whose own block holds public addresses can open anything to the Internet; a
 * policy laid over others allows only what one of them allows (its own rules are not compiled).
 */
function mayReachInternet(policy: EvaluatedPolicy, family: Family): boolean {
  if (policy.layers) return policy.layers.some((layer) => mayReachInternet(layer, family));
  const bucket = policy.buckets.get(`ingress|${family}`);
  if (!bucket) return false;
  for (let i = 0; i < bucket.rules.length; i++) {
    const c = bucket.rules[i] as CompiledRule;
    if (c.rule.action === 'allow' && publicCount(family, c.lo, c.hi) > 0n) return true;
  }
  return false;
}

/**
 * The smallest exposure over every port of a protocol within `span`, so "every port is open to
 * the Internet" means that minimum reaches the Internet threshold. `all` asks about the
 * protocols no rule names, which only all-protocol rules reach.
 */
export function weakestExposure(
  policy: EvaluatedPolicy,
  direction: Direction,
  family: Family,
  protocol: Protocol | 'all',
  span: PortRange,
): Exposure {
  const atom: ProtocolAtom = protocol === 'all' ? 'other' : atomFor(policy, direction, family, protocol);
  let weakest: Exposure | undefined;
  const rules = new Set<Rule>();
  for (const segment of policy.segments.get(regionKey(direction, family, atom)) ?? []) {
    if (segment.ports.to < span.from || segment.ports.from > span.to) continue;
    const exposure = measure(family, segment.regions);
    // One port closed to the Internet settles it: not every port is open.
    if (exposure.count === 0n) return exposure;
    exposure.rules.forEach((r) => rules.add(r));
    if (!weakest || exposure.count < weakest.count) weakest = exposure;
  }
  if (!weakest) return { family, count: 0n, share: 0, rules: [] };
  return { ...weakest, rules: [...rules] };
}

const NOTHING: ReadonlySet<Protocol> = new Set();

/**
 * A finding draft for one port reachable from the Internet over TCP or UDP, IPv4 or IPv6
 * (`skip` leaves out protocols reported elsewhere), or undefined when it is not.
 */
export function internetPortDraft(
  index: InternetIndex,
  port: number,
  titlePrefix: string,
  skip: ReadonlySet<Protocol> = NOTHING,
  describe: (rule: Rule) => string = describeRule,
): FindingDraft | undefined {
  if (!index.any) return undefined;
  let open: { protocol: string; exposure: Exposure }[] | undefined;
  for (let i = 0; i < index.entries.length; i++) {
    const entry = index.entries[i] as InternetIndex['entries'][number];
    if (entry.open.length === 0 || skip.has(entry.protocol)) continue;
    for (let k = 0; k < entry.open.length; k++) {
      const segment = entry.open[k] as OpenSegment;
      if (segment.from <= port && port <= segment.to)
        (open ??= []).push({ protocol: entry.protocol, exposure: segment.exposure });
    }
  }
  if (!open) return undefined;
  const service = serviceName(port) ? ` (${serviceName(port)})` : '';
  const rules = [...new Set(open.flatMap((o) => o.exposure.rules))];
  const where = open.map(
    (o) => `${o.protocol.toUpperCase()} ${o.exposure.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${percent(o.exposure.share)}`,
  );
  return {
    subject: `port/${port}`,
    ruleIds: rules.map((r) => r.native.ruleId),
    exposure: Object.fromEntries(open.map((o) => [`${o.protocol} ${o.exposure.family}`, o.exposure.count.toString()])),
    title: `${titlePrefix}${port}${service} is open to the Internet`,
    detail: `Port ${port}${service} is reachable from the public Internet (${where.join('; ')} of public addresses), allowed by ${rules.map(describe).join(', ')}.`,
  };
}
