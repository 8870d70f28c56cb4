import { isIPv4, isIPv6 } from 'node:net';
import type { Family } from './types.ts';

/** A CIDR block as an inclusive interval of integer addresses. */
export interface AddressBlock {
  family: Family;
  prefix: number;
  lo: bigint;
  hi: bigint;
}

export const FAMILY_BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

export function familyMax(family: Family): bigint {
  return (1n << BigInt(FAMILY_BITS[family])) - 1n;
}

function ipv4ToBigint(ip: string): bigint {
  let value = 0n;
  for (const part of ip.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6ToBigint(ip: string): bigint {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail?.[1]) {
    const v4 = ipv4ToBigint(v4Tail[1]);
    text = text.slice(0, -v4Tail[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  let value = 0n;
  for (const part of parts) value = (value << 16n) | BigInt(parseInt(part, 16));
  return value;
}

const parsed = new Map<string, AddressBlock | undefined>();
const PARSED_LIMIT = 100_000;

/**
 * Parses `a.b.c.d/n`, an IPv6 CIDR, or a bare address (as /32 or /128). Host bits are masked off.
 * Estates repeat a few CIDRs (0.0.0.0/0 …) endlessly, so answers are remembered; they are frozen.
 */
export function parseCidr(text: string): AddressBlock | undefined {
  if (typeof text !== 'string') return undefined;
  const known = parsed.get(text);
  if (known !== undefined || parsed.has(text)) return known;
  const block = parseCidrUncached(text);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, block === undefined ? undefined : Object.freeze(block));
  return block;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** The common case, IPv4, in plain numbers; BigInt only for the result. */
function parseIpv4Cidr(text: string): AddressBlock | undefined | null {
  const match = IPV4_CIDR.exec(text);
  if (!match) return null; // not this fast path's shape: let the general parser decide
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = match[i] as string;
    if (octet.length > 1 && octet[0] === '0') return undefined; // leading zeros are ambiguous (octal)
    const n = Number(octet);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const lo = Math.floor(value / size) * size;
  return { family: 'ipv4', prefix, lo: BigInt(lo), hi: BigInt(lo + size - 1) };
}

function parseCidrUncached(text: string): AddressBlock | undefined {
  const fast = parseIpv4Cidr(text.trim());
  if (fast !== null) return fast;
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const ip = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash === -1 ? undefined : trimmed.slice(slash + 1);
  let family: Family;
  let address: bigint;
  if (isIPv4(ip)) {
    family = 'ipv4';
    address = ipv4ToBigint(ip);
  } else if (isIPv6(ip) && !ip.includes('%')) {
    // A zone id (fe80::1%eth0) names a link of one host: no address block in a security group rule.
    family = 'ipv6';
    address = ipv6ToBigint(ip);
  } else {
    return undefined;
  }
  const bits = FAMILY_BITS[family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const lo = (address >> hostBits) << hostBits;
  const hi = lo + (1n << hostBits) - 1n;
  return { family, prefix, lo, hi };
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 'ipv4') {
    const n = Number(value);
    return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
  }
  const hextets: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) hextets.push(((value >> shift) & 0xffffn).toString(16));
  // Compress the longest run of zero hextets (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (hextets[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return hextets.join(':');
  const head = hextets.slice(0, bestStart).join(':');
  const tail = hextets.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

const canonical = new Map<string, string | undefined>();

/** Canonical text of a CIDR (host bits cleared, IPv6 compressed), or undefined when invalid. */
export function canonicalCidr(text: string): string | undefined {
  const known = canonical.get(text);
  if (known !== undefined || canonical.has(text)) return known;
  const block = parseCidr(text);
  let result = block ? `${formatAddress(block.family, block.lo)}/${block.prefix}` : undefined;
  if (result === text) result = text; // keep the one string object: later lookups compare by identity first
  if (canonical.size >= PARSED_LIMIT) canonical.clear();
  canonical.set(text, result);
  return result;
}

/** The smallest list of CIDR blocks covering exactly [lo, hi]. */
export function intervalToCidrs(family: Family, lo: bigint, hi: bigint): string[] {
  const bits = FAMILY_BITS[family];
  const out: string[] = [];
  let start = lo;
  while (start <= hi) {
    let size = 0;
    while (size < bits) {
      const next = size + 1;
      const blockSize = 1n << BigInt(next);
      if (start % blockSize !== 0n || start + blockSize - 1n > hi) break;
      size = next;
    }
    out.push(`${formatAddress(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}
