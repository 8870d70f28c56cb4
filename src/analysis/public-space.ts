import { familyMax, parseCidr } from '../model/address.ts';
import type { Family } from '../model/types.ts';

// What "the Internet" is: the globally routable address space, as a set of intervals, so
// exposure is measured by how much of it a rule set allows, never by matching strings.

/** IANA special-purpose blocks that are not reachable from the public Internet (RFC 6890 and successors). */
const NON_PUBLIC: Record<Family, readonly string[]> = {
  ipv4: [
    '0.0.0.0/8', // this network
    '10.0.0.0/8', // RFC 1918
    '100.64.0.0/10', // CGNAT, RFC 6598
    '127.0.0.0/8', // loopback
    '169.254.0.0/16', // link-local
    '172.16.0.0/12', // RFC 1918
    '192.0.0.0/24', // IETF protocol assignments
    '192.0.2.0/24', // TEST-NET-1
    '192.168.0.0/16', // RFC 1918
    '198.18.0.0/15', // benchmarking
    '198.51.100.0/24', // TEST-NET-2
    '203.0.113.0/24', // TEST-NET-3
    '224.0.0.0/3', // multicast, reserved, broadcast
  ],
  ipv6: [
    '::/3', // unspecified, loopback, IPv4-mapped, discard … (everything below global unicast)
    '2001:db8::/32', // documentation
    '4000::/2', // not allocated for global unicast
    '8000::/1', // includes ULA fc00::/7, link-local fe80::/10, multicast ff00::/8
  ],
};

export interface Interval {
  lo: bigint;
  hi: bigint;
}

function intervals(family: Family): Interval[] {
  const blocks = NON_PUBLIC[family].map((cidr) => parseCidr(cidr)).filter((b) => b !== undefined);
  return blocks.map((b) => ({ lo: b.lo, hi: b.hi })).sort((a, b) => (a.lo < b.lo ? -1 : 1));
}

const NON_PUBLIC_INTERVALS: Record<Family, Interval[]> = { ipv4: intervals('ipv4'), ipv6: intervals('ipv6') };

function overlap(a: Interval, lo: bigint, hi: bigint): bigint {
  const from = a.lo > lo ? a.lo : lo;
  const to = a.hi < hi ? a.hi : hi;
  return to >= from ? to - from + 1n : 0n;
}

/** How many public addresses lie in [lo, hi]. */
export function publicCount(family: Family, lo: bigint, hi: bigint): bigint {
  let count = hi - lo + 1n;
  const blocks = NON_PUBLIC_INTERVALS[family];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] as Interval;
    if (block.lo > hi) break; // sorted: the rest lie above
    if (block.hi >= lo) count -= overlap(block, lo, hi);
  }
  return count;
}

export const PUBLIC_TOTAL: Record<Family, bigint> = {
  ipv4: publicCount('ipv4', 0n, familyMax('ipv4')),
  ipv6: publicCount('ipv6', 0n, familyMax('ipv6')),
};

/** Share of the public address space, 0..1, with six decimals of precision. */
export function publicShare(family: Family, count: bigint): number {
  return Number((count * 1_000_000n) / PUBLIC_TOTAL[family]) / 1_000_000;
}

/** Public addresses of [lo, hi] not inside any of `excluded` (sorted, non-overlapping, e.g. trusted ranges). */
export function publicCountExcluding(family: Family, lo: bigint, hi: bigint, excluded: readonly Interval[]): bigint {
  let count = publicCount(family, lo, hi);
  for (let i = 0; i < excluded.length; i++) {
    const block = excluded[i] as Interval;
    const from = block.lo > lo ? block.lo : lo;
    const to = block.hi < hi ? block.hi : hi;
    if (to >= from) count -= publicCount(family, from, to);
  }
  return count;
}
