import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNftError, nftErrorLine } from './error';
import { parseNft } from './parse';
import { printRuleset } from './print';

const chain = (body: string) => `table ip t {\n\tchain c {\n${body}\n\t}\n}\n`;

// Each text and what `nft -c -f e.nft` (nft 1.0.6) printed for it on Linux 6.18.
const REFUSED: [string, string, string][] = [
  [
    'a misspelt verdict',
    chain('\t\tip daddr 1.2.3.4 acept'),
    'e.nft:3:25-25: Error: syntax error, unexpected newline',
  ],
  [
    'a jump to a missing chain',
    chain('\t\tjump nosuch'),
    'e.nft:3:8-13: Error: Could not process rule: No such file or directory',
  ],
  [
    'a bad address',
    chain('\t\tip daddr 10.0.0.300 accept'),
    'e.nft:3:12-21: Error: Could not resolve hostname: Name or service not known',
  ],
  [
    'a missing brace',
    'table ip t {\n\tchain c {\n\t\taccept\n\t}\n\n',
    'e.nft:6:1-1: Error: syntax error, unexpected end of file',
  ],
  [
    'dstnat at output',
    chain('\t\ttype nat hook output priority dstnat; policy accept;'),
    'e.nft:3:24-38: Error: invalid priority expression value in this context.',
  ],
  ['a missing set', chain('\t\tip daddr @nosuch accept'), 'e.nft:3:12-18: Error: No such file or directory'],
  [
    'an unknown family',
    'table foo t {\n}\n',
    'e.nft:1:11-11: Error: syntax error, unexpected string, expecting end of file or newline or semicolon',
  ],
  [
    'a nat chain at forward',
    chain('\t\ttype nat hook forward priority 0; policy accept;'),
    'e.nft:2:8-8: Error: Could not process rule: Operation not supported',
  ],
  [
    'an unknown chain type',
    chain('\t\ttype blah hook input priority 0; policy accept;'),
    'e.nft:3:8-11: Error: unknown chain type',
  ],
  ['a port out of range', chain('\t\ttcp dport 70000 accept'), 'e.nft:3:13-17: Error: Service out of range'],
  [
    'a missing map',
    chain('\t\tip saddr . tcp dport vmap @m'),
    'e.nft:3:29-30: Error: No such file or directory',
  ],
  [
    'an unknown priority name',
    chain('\t\ttype filter hook input priority foo; policy accept;'),
    'e.nft:3:26-37: Error: invalid priority expression value in this context.',
  ],
  [
    'a bad policy',
    chain('\t\ttype filter hook input priority 0; policy maybe;'),
    "e.nft:3:45-49: Error: syntax error, unexpected string, expecting accept or drop or '$'",
  ],
  [
    'a vmap element to a missing chain',
    'table ip t {\n\tmap m {\n\t\ttype ipv4_addr : verdict\n\t\telements = { 1.2.3.4 : goto nochain }\n\t}\n}\n',
    'e.nft:4:16-22: Error: Could not process rule: No such file or directory',
  ],
  [
    'a bad conntrack state',
    chain('\t\tct state new,bogus accept'),
    'e.nft:3:16-20: Error: Could not parse conntrack state',
  ],
  [
    'a jump to a base chain',
    chain('\t\ttype filter hook input priority 0; policy accept;\n\t\tjump c'),
    'e.nft:4:8-8: Error: Could not process rule: Operation not supported',
  ],
];

describe('parseNft refuses what nft -f refuses, where nft says', () => {
  it.each(REFUSED)('%s', (_what, text, expected) => {
    const r = parseNft(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(nftErrorLine('e.nft', r.error)).toBe(expected);
  });

  it('prints the source line and carets under the offending text, as nft does', () => {
    const text = chain('\t\ttcp dport 70000 accept');
    const r = parseNft(text);
    if (r.ok) throw new Error('loaded');
    expect(formatNftError('e.nft', text, r.error)).toBe(
      'e.nft:3:13-17: Error: Service out of range\n\t\ttcp dport 70000 accept\n\t\t          ^^^^^',
    );
  });

  it('refuses queue and other statements it does not model by name', () => {
    const r = parseNft(chain('\t\tqueue num 1'));
    expect(r.ok || r.error.message).toMatch(/queue is not modelled/);
    const l = parseNft(chain('\t\tlimit rate 10/second accept'));
    expect(l.ok || l.error.message).toMatch(/`limit` is not modelled/);
  });

  it('loads nothing when any part is wrong', () => {
    const r = parseNft(`table ip a {\n\tchain x {\n\t\taccept\n\t}\n}\n${chain('\t\tjump nosuch')}`);
    expect(r.ok).toBe(false);
  });

  it('merges a table declared twice, as nft -f does', () => {
    const r = parseNft('table ip t {\n\tchain a {\n\t}\n}\ntable ip t {\n\tchain b {\n\t\tjump a\n\t}\n}\n');
    expect(r.ok && r.ruleset.tables.length === 1 && r.ruleset.tables[0]!.chains.length).toBe(2);
  });
});

const VALID = `table ip t {
\tset s {
\t\ttype ipv4_addr . inet_proto . inet_service
\t\telements = { 10.96.0.1 . tcp . 80 }
\t}
\tchain pre {
\t\ttype nat hook prerouting priority dstnat - 10; policy accept;
\t\tip daddr . meta l4proto . th dport @s counter packets 1 bytes 60 jump svc
\t\tmeta mark set meta mark | 0x4000 ct state established,related accept
\t}
\tchain svc {
\t\tnumgen random mod 2 vmap { 0 : goto a, 1 : goto a }
\t}
\tchain a {
\t\tmeta l4proto tcp dnat to 10.244.1.3:8080
\t}
}
`;

describe('parseNft never throws', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        parseNft(s);
      }),
      { numRuns: 2000, seed: 12 },
    );
  });

  it('on a valid ruleset with words dropped, repeated or swapped, and what loads prints', () => {
    const words = VALID.split(/(\s+)/);
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat(words.length - 1),
            fc.nat(words.length - 1),
            fc.constantFrom('drop', 'dup', 'swap'),
          ),
          {
            maxLength: 4,
          },
        ),
        (edits) => {
          const w = [...words];
          for (const [a, b, how] of edits) {
            if (how === 'drop') w[a] = '';
            else if (how === 'dup') w[a] = `${w[a]} ${w[b]}`;
            else [w[a], w[b]] = [w[b]!, w[a]!];
          }
          const r = parseNft(w.join(''));
          if (r.ok) printRuleset(r.ruleset);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
});

describe('the fuzzed ruleset', () => {
  it('loads unchanged, so the edits start from something valid', () => {
    expect(parseNft(VALID).ok).toBe(true);
  });
});
