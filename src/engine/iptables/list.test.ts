import { describe, expect, it } from 'vitest';
import { formatIptablesList, printNum } from './list';
import { parseIptablesSave } from './parse';
import type { Ruleset } from './ruleset';
import allInput from './testdata/all.input.txt?raw';
import filterN from './testdata/all.list.filter.txt?raw';
import mangleN from './testdata/all.list.mangle.txt?raw';
import natN from './testdata/all.list.nat.txt?raw';
import rawN from './testdata/all.list.raw.txt?raw';
import filterV from './testdata/all.list-v.filter.txt?raw';
import mangleV from './testdata/all.list-v.mangle.txt?raw';
import natV from './testdata/all.list-v.nat.txt?raw';
import rawV from './testdata/all.list-v.raw.txt?raw';
import filterVx from './testdata/all.list-vx-lines.filter.txt?raw';
import mangleVx from './testdata/all.list-vx-lines.mangle.txt?raw';
import natVx from './testdata/all.list-vx-lines.nat.txt?raw';
import rawVx from './testdata/all.list-vx-lines.raw.txt?raw';
import countersVLines from './testdata/counters.list-v-lines.filter.txt?raw';
import countersVx from './testdata/counters.list-vx.filter.txt?raw';
import countersSave from './testdata/counters.save-c.txt?raw';

// Goldens: `iptables -t T -L -n -v`, `-L -n -v -x --line-numbers` and `-L -n` captured from
// iptables v1.8.9 (nf_tables) after restoring testdata/all.input.txt (and counters.*) in a namespace.

function parse(text: string): Ruleset {
  const r = parseIptablesSave(text, 'test');
  if (!r.ok) throw new Error(`${r.error.line}: ${r.error.message}`);
  return r.ruleset;
}

describe('formatIptablesList', () => {
  const rs = parse(allInput);
  it.each([
    ['raw', rawV, rawVx, rawN],
    ['mangle', mangleV, mangleVx, mangleN],
    ['nat', natV, natVx, natN],
    ['filter', filterV, filterVx, filterN],
  ] as const)('%s table matches the real iptables -L output byte for byte', (table, v, vx, n) => {
    expect(formatIptablesList(rs, table, { verbose: true, numeric: true })).toBe(v);
    expect(
      formatIptablesList(rs, table, { verbose: true, numeric: true, exact: true, lineNumbers: true }),
    ).toBe(vx);
    expect(formatIptablesList(rs, table, { verbose: false, numeric: true })).toBe(n);
  });

  it('prints counters with K/M/G suffixes, or exact with -x (captured with iptables-restore -c)', () => {
    const c = parse(countersSave);
    expect(formatIptablesList(c, 'filter', { verbose: true, numeric: true, lineNumbers: true })).toBe(
      countersVLines,
    );
    expect(formatIptablesList(c, 'filter', { verbose: true, numeric: true, exact: true })).toBe(countersVx);
  });

  it('takes counters from a lookup', () => {
    const out = formatIptablesList(rs, 'nat', {
      verbose: true,
      numeric: true,
      counters: (_t, chain, n) => (chain === 'PREROUTING' ? { pkts: n + 1, bytes: 60 * (n + 1) } : undefined),
    });
    expect(out).toContain('Chain PREROUTING (policy ACCEPT 1 packets, 60 bytes)');
    expect(out).toContain(
      '    2   120 DNAT       6    --  *      *       0.0.0.0/0            10.0.1.1             tcp dpt:8080 to:10.0.2.2:80',
    );
  });

  it('rounds like xtables_print_num', () => {
    expect(printNum(99999, false, true)).toBe('99999 ');
    expect(printNum(100000, false, true)).toBe(' 100K ');
    expect(printNum(9999499, false, true)).toBe('9999K ');
    expect(printNum(9999500, false, true)).toBe('  10M ');
    expect(printNum(1234567890123, false, true)).toBe('1235G ');
    expect(printNum(12345678901234, false, true)).toBe('  12T ');
  });
});
