import { describe, expect, it } from 'vitest';
import { parseNft } from './parse';
import { printRuleset } from './print';

// Goldens captured on the kernel by scripts/nft-goldens.sh: each <name>.nft loaded with
// `nft -f` and listed with `nft list ruleset` (nft 1.0.6) into <name>.list.
const files = import.meta.glob<string>('./testdata/*', { query: '?raw', import: 'default', eager: true });
const read = (f: string): string => {
  const text = files[`./testdata/${f}`];
  if (text === undefined) throw new Error(`no testdata/${f}`);
  return text;
};
const cases = Object.keys(files)
  .filter((f) => f.endsWith('.nft'))
  .map((f) => f.slice('./testdata/'.length, -4));

describe('nft list ruleset', () => {
  it.each(cases)('%s prints as nft lists it after nft -f', (name) => {
    const r = parseNft(read(`${name}.nft`));
    if (!r.ok) throw new Error(`${name}.nft:${r.error.line}:${r.error.col}: ${r.error.message}`);
    expect(printRuleset(r.ruleset)).toBe(read(`${name}.list`));
  });

  it.each(cases)('%s: the listing itself loads and lists the same (a fixed point)', (name) => {
    const list = read(`${name}.list`);
    const r = parseNft(list);
    if (!r.ok) throw new Error(`${name}.list:${r.error.line}:${r.error.col}: ${r.error.message}`);
    expect(printRuleset(r.ruleset)).toBe(list);
  });
});
