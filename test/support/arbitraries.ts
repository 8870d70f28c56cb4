import fc from 'fast-check';
import { parseCidr } from '../../src/model/address.ts';

/** An address inside one of `cidrs`: its first, its last, or any one between (as the evaluator's bigint). */
export const addressArb = (cidrs: string[]): fc.Arbitrary<bigint> =>
  fc
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
