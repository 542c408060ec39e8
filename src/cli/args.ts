// Argument parsing for `npm run -s sim`, kept apart from I/O so it can be unit-tested.

export type Format =
  | 'conntrack'
  | 'proc'
  | 'trace'
  | 'json'
  | 'outcome'
  | 'events'
  | 'iptables-save'
  | 'iptables'
  | 'nft'
  | 'nft-trace'
  | 'pcap';
/** The contract's formats (design.md §3), then two more: `iptables-save -c` and `iptables -L -n -v` per host. */
export const FORMATS: readonly Format[] = [
  'conntrack',
  'proc',
  'trace',
  'json',
  'outcome',
  'events',
  'iptables-save',
  'iptables',
  'nft',
  'nft-trace',
  'pcap',
];

export interface SimArgs {
  readonly list: boolean;
  readonly scenario?: string;
  readonly format: Format;
  readonly settings: Record<string, string>;
  /** `--at`: cut the run at this virtual time, in µs. */
  readonly at?: number;
  /** `--explain-fix`: print the fixes found for each failed connection instead of a format. */
  readonly explainFix?: boolean;
  /** `--iface host:ifname`: the interface `--format pcap` captures. */
  readonly iface?: { readonly host: string; readonly ifname: string };
}

const UNIT_US: Readonly<Record<string, number>> = { s: 1_000_000, ms: 1000, us: 1, µs: 1 };

/** `2.5s`, `1500ms`, `250us` -> µs; undefined when it is not a time. */
export function parseTime(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|ms|us|µs)$/.exec(text.trim());
  if (!m) return undefined;
  const us = Math.round(Number(m[1]) * UNIT_US[m[2]!]!);
  return Number.isSafeInteger(us) ? us : undefined;
}

export function parseArgs(argv: readonly string[]): SimArgs | { error: string } {
  let list = false;
  let scenario: string | undefined;
  let format: Format = 'outcome';
  let at: number | undefined;
  let explainFix = false;
  let iface: { host: string; ifname: string } | undefined;
  // No prototype: `--set __proto__=1` is a key like any other (and refused later by name).
  const settings: Record<string, string> = Object.create(null);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      return argv[++i];
    };
    const name = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (name === '--list') list = true;
    else if (name === '--explain-fix') explainFix = true;
    else if (name === '--format') {
      const f = value();
      if (!f || !FORMATS.includes(f as Format))
        return { error: `--format: expected one of ${FORMATS.join(', ')}, got ${f ?? 'nothing'}` };
      format = f as Format;
    } else if (name === '--iface') {
      const v = value() ?? '';
      const m = /^([a-z][a-z0-9-]{0,30}):([^\s/:]{1,15})$/.exec(v);
      if (!m) return { error: `--iface: expected host:ifname, e.g. node:cni0, got ${v || 'nothing'}` };
      iface = { host: m[1]!, ifname: m[2]! };
    } else if (name === '--at') {
      const t = value();
      at = t === undefined ? undefined : parseTime(t);
      if (at === undefined)
        return { error: `--at: expected a virtual time such as 2.5s or 1500ms, got ${t ?? 'nothing'}` };
    } else if (name === '--set') {
      const s = value();
      const eq = s?.indexOf('=') ?? -1;
      if (!s || eq <= 0)
        return { error: `--set: expected host:key=value or key=value, got ${s ?? 'nothing'}` };
      settings[s.slice(0, eq)] = s.slice(eq + 1);
    } else if (a.startsWith('-')) return { error: `unknown option ${a}` };
    else if (scenario === undefined) scenario = a;
    else return { error: `unexpected argument ${a}` };
  }
  if (!list && scenario === undefined)
    return {
      error:
        'usage: sim <scenario id or file.json> [--set host:key=value] [--at 2.5s] [--format conntrack|proc|trace|json|outcome|events|iptables-save|iptables|nft|nft-trace|pcap --iface host:ifname] [--explain-fix] | --list',
    };
  if (explainFix && at !== undefined)
    return { error: '--explain-fix: looks at whole runs and takes no --at' };
  if (format === 'pcap' && !iface && !list)
    return { error: '--format pcap needs --iface host:ifname (the interface to capture)' };
  return {
    list,
    format,
    settings,
    ...(explainFix ? { explainFix } : {}),
    ...(iface ? { iface } : {}),
    ...(scenario !== undefined ? { scenario } : {}),
    ...(at !== undefined ? { at } : {}),
  };
}

/** Line and column of a JSON.parse error position, for messages that name the line. */
export function jsonErrorLine(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : firstBadToken(text);
  message = message.replace(/, ".*" is not valid JSON$/s, '');
  if (pos === undefined) return message;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${col}: ${message.replace(/ in JSON at position \d+.*$/, '')}`;
}

/** Where JSON.parse gave up when its message has no position: the first character no JSON value can hold there. */
function firstBadToken(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const value = (): boolean => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"' || !str()) return false;
          ws();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === '"') return str();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const str = (): boolean => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) return false;
    i++;
    return true;
  };
  return value() ? undefined : i;
}
