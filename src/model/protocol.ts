import type { NamedProtocol, PortRange, Protocol } from './types.ts';

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };
export const MAX_PORT = 65535;

const NUMBER_TO_NAME: Record<number, NamedProtocol> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 58: 'icmpv6' };
const NAME_TO_NUMBER: Record<NamedProtocol, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, icmpv6: 58 };

/**
 * Canonical protocol from any provider spelling: `tcp`, `TCP`, `6`, 6, `-1`, `all`, `any`,
 * `icmpv6`, `icmp6`, `58` … Returns undefined for something that is not a protocol.
 * `all`-spellings: `-1`, `all`, `any`, `*`, '' (Huawei: an empty protocol means any).
 */
export function parseProtocol(value: unknown): Protocol | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return protocolFromNumber(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '-1' || text === 'all' || text === 'any' || text === '*' || text === '') return 'all';
  if (text === 'icmp6' || text === 'ipv6-icmp') return 'icmpv6';
  if (Object.hasOwn(NAME_TO_NUMBER, text)) return text as NamedProtocol;
  if (/^\d{1,3}$/.test(text)) return protocolFromNumber(Number(text));
  return undefined;
}

function protocolFromNumber(value: number): Protocol | undefined {
  if (value === -1) return 'all';
  if (!Number.isInteger(value) || value < 0 || value > 255) return undefined;
  return NUMBER_TO_NAME[value] ?? value;
}

export function protocolNumber(protocol: Protocol): number | undefined {
  if (protocol === 'all') return undefined;
  return typeof protocol === 'number' ? protocol : NAME_TO_NUMBER[protocol];
}

export function hasPorts(protocol: Protocol): boolean {
  return protocol === 'tcp' || protocol === 'udp';
}

export function isIcmp(protocol: Protocol): boolean {
  return protocol === 'icmp' || protocol === 'icmpv6';
}

/** ICMP type/code as a range in the port dimension: type*256+code; -1 (or undefined) means any. */
export function icmpRange(type: number | undefined, code: number | undefined): PortRange {
  if (type === undefined || type < 0) return ALL_PORTS;
  if (code === undefined || code < 0) return { from: type * 256, to: type * 256 + 255 };
  return { from: type * 256 + code, to: type * 256 + code };
}

export function protocolLabel(protocol: Protocol): string {
  return typeof protocol === 'number' ? `proto-${protocol}` : protocol;
}

/** Human text for a port range of a protocol: `22`, `80-90`, `all`, `type 8` … */
export function portsLabel(protocol: Protocol, range: PortRange): string {
  if (range.from === ALL_PORTS.from && range.to === ALL_PORTS.to) return 'all';
  if (isIcmp(protocol)) {
    const type = Math.floor(range.from / 256);
    if (range.from % 256 === 0 && range.to === range.from + 255) return `type ${type}`;
    if (range.from === range.to) return `type ${type} code ${range.from % 256}`;
    return `${range.from}-${range.to}`;
  }
  if (range.from === 1 && range.to === MAX_PORT) return 'all';
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** Sorted, merged copy of a list of ranges. */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range.from <= last.to + 1) last.to = Math.max(last.to, range.to);
    else out.push({ ...range });
  }
  return out;
}

/** `ranges` minus `cut`, merged. */
export function subtractRanges(ranges: readonly PortRange[], cut: readonly PortRange[]): PortRange[] {
  let out = mergeRanges(ranges);
  for (const c of cut) {
    const next: PortRange[] = [];
    for (const r of out) {
      if (c.to < r.from || c.from > r.to) next.push(r);
      else {
        if (r.from < c.from) next.push({ from: r.from, to: c.from - 1 });
        if (c.to < r.to) next.push({ from: c.to + 1, to: r.to });
      }
    }
    out = next;
  }
  return out;
}

export function intersectRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  for (const x of mergeRanges(a))
    for (const y of mergeRanges(b)) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (from <= to) out.push({ from, to });
    }
  return mergeRanges(out);
}

/** A port list as written in config and templates: `all` (or blank), `22`, `80-90`, `22,80-90`; undefined when it does not parse. */
export function parsePortList(text: string | undefined): PortRange[] | undefined {
  if (text === undefined || text.trim() === '' || text.trim() === 'all') return [ALL_PORTS];
  const ranges: PortRange[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from > to || to > MAX_PORT) return undefined;
    ranges.push({ from, to });
  }
  return mergeRanges(ranges);
}
