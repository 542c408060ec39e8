import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lookup, scalarMatches } from './lookup';
import type { Element, Scalar } from './types';

/** The reference: nft's semantics as a first-match scan over the elements in order. */
function scanFind(elements: readonly Element[], vals: readonly (number | string)[]): number | undefined {
  const i = elements.findIndex(
    (e) => e.key.length === vals.length && e.key.every((s, k) => scalarMatches(s, vals[k]!)),
  );
  return i === -1 ? undefined : i;
}

const num = fc.integer({ min: 0, max: 40 });
const scalar: fc.Arbitrary<Scalar> = fc.oneof(
  num.map((v) => ({ lo: v, hi: v })),
  fc.tuple(num, fc.integer({ min: 0, max: 6 })).map(([lo, w]) => ({ lo, hi: lo + w })),
  fc.constantFrom('eth0', 'eth1', 'veth*', 'lo').map((str) => ({ lo: 0, hi: 0, str })),
);

describe('Lookup', () => {
  it('finds what a first-match scan finds, for exact keys, ranges, wildcards and concatenations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) =>
          fc.tuple(
            fc.array(fc.array(scalar, { minLength: n, maxLength: n }), { maxLength: 40 }),
            fc.array(
              fc.array(fc.oneof(num, fc.constantFrom('eth0', 'veth3', 'lo', 'wlan0')), {
                minLength: n,
                maxLength: n,
              }),
              { minLength: 1, maxLength: 20 },
            ),
          ),
        ),
        ([keys, probes]) => {
          const elements: Element[] = keys.map((key) => ({ key }));
          // Keys the hash table keeps apart must not collide in meaning: nft refuses overlaps
          // in interval sets, so only check sets where no value matches two elements.
          const l = new Lookup(elements, (e) => elements.indexOf(e));
          for (const p of probes) {
            const want = scanFind(elements, p);
            const got = l.find(p);
            const hits = elements.filter(
              (e) => e.key.length === p.length && e.key.every((s, k) => scalarMatches(s, p[k]!)),
            );
            if (hits.length <= 1) expect(got).toBe(want);
            else expect(got === undefined ? undefined : hits).toContain(elements[got!]);
          }
        },
      ),
    );
  });

  it('looks up 10,000 concatenated keys by hash', () => {
    const elements: Element[] = [];
    for (let i = 0; i < 10_000; i++)
      elements.push({
        key: [
          { lo: 0x0a600000 + i, hi: 0x0a600000 + i },
          { lo: 6, hi: 6 },
          { lo: 80, hi: 80 },
        ],
      });
    const l = new Lookup(elements, (e) => elements.indexOf(e));
    expect(l.find([0x0a600000 + 4321, 6, 80])).toBe(4321);
    expect(l.find([0x0a600000 + 4321, 17, 80])).toBeUndefined();
    expect(l.find([0x0a600000 + 10_000, 6, 80])).toBeUndefined();
  });
});
