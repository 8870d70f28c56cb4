import fc from 'fast-check';
import { isIPv4 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalCidr, formatAddress, intervalToCidrs, parseCidr } from '../src/model/address.ts';

describe('addresses', () => {
  it('parses IPv4 and IPv6 CIDRs, masking host bits, and rejects what is not an address', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 'ipv4', prefix: 8, lo: 0x0a000000n, hi: 0x0affffffn });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ lo: 0n, hi: 0xffffffffn });
    expect(parseCidr('203.0.113.7')).toMatchObject({ prefix: 32, lo: 0xcb007107n, hi: 0xcb007107n });
    expect(parseCidr('::/0')).toMatchObject({ family: 'ipv6', lo: 0n, hi: (1n << 128n) - 1n });
    expect(canonicalCidr('2001:DB8:0:0::1/32')).toBe('2001:db8::/32');
    expect(canonicalCidr('::ffff:1.2.3.4/128')).toBe('::ffff:102:304/128');
    for (const bad of ['256.0.0.0/8', '1.2.3.4/33', '01.2.3.4/8', '1.2.3/8', 'abc', '', '::/129', '1.2.3.4/'])
      expect(parseCidr(bad), bad).toBeUndefined();
  });
  it('the IPv4 fast path agrees with node:net and with formatting, for random addresses and prefixes', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        expect(isIPv4(ip)).toBe(true);
        const block = parseCidr(`${ip}/${prefix}`)!;
        expect(block.hi - block.lo + 1n).toBe(1n << BigInt(32 - prefix));
        expect(parseCidr(`${formatAddress('ipv4', block.lo)}/${prefix}`)).toEqual(block);
        expect(intervalToCidrs('ipv4', block.lo, block.hi)).toEqual([canonicalCidr(`${ip}/${prefix}`)]);
      }),
    );
  });
});
