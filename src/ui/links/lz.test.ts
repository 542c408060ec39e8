import fc from 'fast-check';
import lz from 'lz-string';
import { describe, expect, it } from 'vitest';
import { decompressUriComponent } from './lz';
import { lzBomb } from './lzBomb';

describe('capped lz-string decompression', () => {
  it('decodes whatever lz-string encodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const r = decompressUriComponent(lz.compressToEncodedURIComponent(s), 1e6);
        expect(r).toEqual(s === '' ? { ok: true, text: '' } : { ok: true, text: s });
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with lz-string on arbitrary input in its alphabet, where it decodes at all', () => {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 60 }), (a) => {
        const s = a.join('');
        let theirs: string | null;
        try {
          theirs = lz.decompressFromEncodedURIComponent(s);
        } catch {
          theirs = null; // lz-string throws on some garbage; the app caught that as corrupt
        }
        const mine = decompressUriComponent(s, 1e6);
        // Where lz-string reads an undefined code (it then emits garbage or throws), this
        // decoder says corrupt; wherever it decodes, both agree.
        if (mine.ok) expect(mine.text).toBe(theirs);
      }),
      { numRuns: 2000 },
    );
  });

  it('stops a bomb at the cap instead of inflating it', () => {
    // Half a million characters from a link of a few kB: lz-string would build all of them.
    const bomb = lz.compressToEncodedURIComponent('a'.repeat(500_000));
    expect(bomb.length).toBeLessThan(2 * 1024);
    expect(decompressUriComponent(bomb, 50_000)).toEqual({ ok: false, why: 'too-large' });
    expect(decompressUriComponent(bomb, 500_000)).toMatchObject({ ok: true });
  });

  it('refuses characters outside the alphabet', () => {
    expect(decompressUriComponent('%%%', 100)).toEqual({ ok: false, why: 'corrupt' });
    expect(decompressUriComponent('', 100)).toEqual({ ok: false, why: 'corrupt' });
  });
});

describe('the bomb of issue 8', () => {
  it('is what lz-string inflates quadratically, and the capped decoder stops it', () => {
    // Small enough for lz-string to inflate here: 2,000 codes -> 2 million characters.
    const small = lzBomb(2000);
    expect(lz.decompressFromEncodedURIComponent(small)).toHaveLength((2001 * 2002) / 2);
    expect(decompressUriComponent(small, 3_000_000)).toMatchObject({ ok: true });
    // The full-size one: a 64 kB link, stopped at the 1 MB cap long before its 265 million.
    const big = lzBomb(23_000);
    expect(big.length).toBeLessThanOrEqual(64 * 1024);
    expect(decompressUriComponent(big, 1024 * 1024)).toEqual({ ok: false, why: 'too-large' });
  });
});
