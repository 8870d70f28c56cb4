import fc from 'fast-check';
import { parseCidr } from '../../src/model/address.ts';

/** An address in one of the blocks, biased to the blocks' edges where off-by-one errors live. */
export function addressIn(cidrs: readonly string[]): fc.Arbitrary<bigint> {
  return fc
    .tuple(
      fc.constantFrom(...cidrs),
      fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      fc.constantFrom('lo', 'hi', 'mid'),
    )
    .map(([cidr, r, where]) => {
      const block = parseCidr(cidr)!;
      if (where === 'lo') return block.lo;
      if (where === 'hi') return block.hi;
      return block.lo + (r % (block.hi - block.lo + 1n));
    });
}
