import { describe, expect, it } from 'vitest';
import { formatNftError } from './error';
import { parseNft } from './parse';

// Typical mistakes in nft text against what `nft -c -f <file>` (nft 1.0.6) said about each, in
// testdata/nft-errors (scripts/nft-error-goldens.sh): the same first error, line, columns and
// carets. nft goes on and reports later errors of the same file too; the parser stops at the
// first, and a file with an error loads nothing.

const files = import.meta.glob<string>('./testdata/nft-errors/*', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const cases = Object.keys(files)
  .filter((f) => f.endsWith('.nft'))
  .map((f) => [f.replace(/^.*\//, ''), f] as const);

/** The first error nft printed: its `file:line:col: Error:` line, the source line and the carets. */
const firstError = (err: string) => err.split('\n').slice(0, 3).join('\n');

describe('nft -c -f errors (kernel goldens)', () => {
  it('has the captured mistakes', () => expect(cases.length).toBe(16));
  it.each(cases)('%s', (name, f) => {
    const r = parseNft(files[f]!);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatNftError(name, files[f]!, r.error)).toBe(firstError(files[f.replace(/\.nft$/, '.err')]!));
  });
});
