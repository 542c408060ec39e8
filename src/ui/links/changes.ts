// The `chg` parameter of a share link (format 3): the scenario's `changes` (console commands at
// their virtual times) on their own, so a link with a few commands names its built-in scenario
// by id instead of carrying the whole scenario (a 15 kB link for one `sysctl -w` before).
//
// The text: one change per line, fields split by tab, `<at ms>\t<host>\t<command>[\t<stdin>]`,
// the host left empty when it is the line before's. Words the console's language repeats are
// one character each (TOKENS, by code), literal control characters are escaped with DEL, and
// the result is lz-string compressed into the link's alphabet.
//
// TOKENS is part of the link format: entries are never changed or removed, or old links would
// read differently. A later format may add a table of its own.
import { compressToEncodedURIComponent } from 'lz-string';
import type { ChangeSpec } from '../../engine/scenario/schema';
import { decompressUriComponent } from './lz';

/** The codes a token may take: C0 controls except tab and newline, then C1 controls. */
const CODES: readonly number[] = [
  ...[
    1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31,
  ],
  ...Array.from({ length: 32 }, (_, i) => 0x80 + i),
];

/** Frozen: see above. At most CODES.length entries. */
export const TOKENS: readonly string[] = [
  'iptables ',
  'sysctl -w ',
  'net.bridge.bridge-nf-call-iptables',
  'net.ipv4.',
  'conntrack ',
  ' -j ',
  'ACCEPT',
  'DROP',
  'MASQUERADE',
  ' -p tcp',
  ' -p udp',
  ' --dport ',
  ' --sport ',
  'curl http://',
  'ping -c ',
  'bridge link set dev ',
  ' hairpin o',
  'ip route ',
  'ip addr ',
  'ip link set ',
  ' -A ',
  ' -I ',
  ' -D ',
  'PREROUTING',
  'POSTROUTING',
  'FORWARD',
  'INPUT',
  'OUTPUT',
  ' -t nat',
  ' -m conntrack --ctstate ',
  'ESTABLISHED',
  'RELATED',
  'NEW',
  ' -j DNAT --to-destination ',
  ' -j SNAT --to-source ',
  'KUBE-',
  ' -s ',
  ' -d ',
  'nc ',
  ' via ',
  ' dev ',
  ' -i ',
  ' -o ',
  ' -m comment --comment ',
  'REJECT',
  ' -p icmp',
  'iptables-restore',
  ' --to-ports ',
  'net.ipv4.ip_forward',
  'net.netfilter.nf_conntrack_',
  ' -N ',
  ' -X ',
  ' -F',
  ' -P ',
  ' -R ',
  ' -t filter',
  ' -t raw',
  ' -t mangle',
  '/32',
  '/24',
  ' add ',
];

const ESC = '\x7f';
const TOKEN_OF = new Map<number, string>(TOKENS.map((t, i) => [CODES[i]!, t]));
/** Longest first, so ` -j DNAT --to-destination ` wins over ` -j `. */
const BY_LENGTH = TOKENS.map((t, i) => [t, String.fromCharCode(CODES[i]!)] as const).sort(
  (a, b) => b[0].length - a[0].length,
);
const FIRST_CHARS = new Set(TOKENS.map((t) => t[0]!));

/** Characters that must be escaped: separators, token codes and the escape itself. */
const special = (c: number): boolean => c < 0x20 || (c >= 0x7f && c <= 0x9f);

function pack(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (FIRST_CHARS.has(ch)) {
      const hit = BY_LENGTH.find(([t]) => text.startsWith(t, i));
      if (hit) {
        out += hit[1];
        i += hit[0].length;
        continue;
      }
    }
    out += special(ch.charCodeAt(0)) ? ESC + ch : ch;
    i++;
  }
  return out;
}

/** The changes as the `chg` value ('' for none: a link may say "no changes" over a scenario's own). */
export function encodeChanges(changes: readonly ChangeSpec[]): string {
  if (changes.length === 0) return '';
  let prev = '';
  const lines = changes.map((c) => {
    const host = c.host === prev ? '' : pack(c.host);
    prev = c.host;
    const fields = [String(c.at), host, pack(c.command)];
    if (c.stdin !== undefined) fields.push(pack(c.stdin));
    return fields.join('\t');
  });
  return compressToEncodedURIComponent(lines.join('\n'));
}

/** At most this many changes in a link. */
export const MAX_CHANGES = 10_000;
const AT = /^\d{1,30}(?:\.\d{1,30})?(?:e[+-]?\d{1,3})?$/;

/** Reads a `chg` value; an Error says what is wrong with it. */
export function decodeChanges(value: string, maxChars: number): ChangeSpec[] | Error {
  if (value === '') return [];
  const z = decompressUriComponent(value, maxChars);
  if (!z.ok)
    return new Error(
      z.why === 'too-large'
        ? `the changes in the link are larger than ${maxChars / 1024} kB`
        : 'chg is corrupt',
    );
  const text = z.text;
  // Fields of the line being read, unpacked as they are read.
  const out: ChangeSpec[] = [];
  let fields: string[] = [];
  let cur = '';
  let prevHost: string | null = null;
  const endLine = (): Error | null => {
    fields.push(cur);
    cur = '';
    const f = fields;
    fields = [];
    const n = out.length + 1;
    if (f.length !== 3 && f.length !== 4) return new Error(`chg: change ${n} has ${f.length} fields`);
    if (!AT.test(f[0]!)) return new Error(`chg: change ${n}: time is not a number`);
    const host = f[1] === '' ? prevHost : f[1]!;
    if (host === null) return new Error(`chg: change ${n} names no host`);
    if (f[2] === '') return new Error(`chg: change ${n} has no command`);
    if (out.length >= MAX_CHANGES) return new Error(`chg: more than ${MAX_CHANGES} changes`);
    prevHost = host;
    out.push({ at: Number(f[0]), host, command: f[2]!, ...(f.length === 4 ? { stdin: f[3]! } : {}) });
    return null;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const c = ch.charCodeAt(0);
    if (ch === ESC) {
      if (i + 1 >= text.length) return new Error('chg ends in an escape');
      cur += text[++i];
    } else if (ch === '\t') {
      fields.push(cur);
      cur = '';
    } else if (ch === '\n') {
      const bad = endLine();
      if (bad) return bad;
    } else if (special(c)) {
      const t = TOKEN_OF.get(c);
      if (t === undefined) return new Error(`chg: unknown code ${c} at ${i}`);
      cur += t;
    } else cur += ch;
  }
  const bad = endLine();
  return bad ?? out;
}
