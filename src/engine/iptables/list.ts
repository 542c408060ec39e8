import { formatIpv4 } from '../net/ipv4';
import {
  addrShort,
  addrTypesText,
  ctStateText,
  ctStatusText,
  hex,
  natRangeText,
  portText,
  probabilityText,
} from './format';
import { protoName } from './names';
import { isVoidL4 } from './save';
import type { AddrSpec, Match, PortSpec, Rule, Ruleset, Target } from './ruleset';
import type { Counter, CounterLookup, TableName } from './types';
import { serviceName } from './values';

// Byte-exact `iptables -t T -L -n [-v] [-x] [--line-numbers]` of iptables 1.8.9 (nf_tables):
// print_header / print_rule_details / xtables_print_num and each extension's print().

export interface ListOptions {
  counters?: CounterLookup;
  verbose: boolean;
  /** `-n`: numbers for protocols, addresses and ports; without it `all`, `anywhere`, `dpt:http`. */
  numeric: boolean;
  exact?: boolean;
  lineNumbers?: boolean;
  /** `iptables -L CHAIN`: only this chain. */
  chain?: string;
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** xtables_print_num: K/M/G/T above 99999 unless exact; `table` pads to columns. */
export function printNum(n: number, exact: boolean, table: boolean): string {
  if (exact) return table ? `${lpad(String(n), 8)} ` : `${n} `;
  if (n <= 99999) return table ? `${lpad(String(n), 5)} ` : `${n} `;
  let v = n;
  for (const unit of ['K', 'M', 'G']) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999) return table ? `${lpad(String(v), 4)}${unit} ` : `${v}${unit} `;
  }
  v = Math.floor((v + 500) / 1000);
  return table ? `${lpad(String(v), 4)}T ` : `${v}T `;
}

// Without -n, iptables names ports by getservbyport (per protocol); this sandbox has no
// resolver, so addresses stay numbers (as getnameinfo answers for names it cannot find).
let portName: (n: number) => string = String;

function ports(name: string, p: PortSpec | undefined): string {
  if (!p) return '';
  const i = p.invert ? '!' : '';
  return p.lo === p.hi
    ? ` ${name}:${i}${portName(p.lo)}`
    : ` ${name}s:${i}${portName(p.lo)}:${portName(p.hi)}`;
}

const hex2 = (n: number) => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
const markText = (value: number, mask: number) =>
  ` ${hex(value)}${mask === 0xffffffff ? '' : `/${hex(mask)}`}`;

export function formatMatchList(m: Match): string {
  switch (m.kind) {
    case 'tcp': {
      if (isVoidL4(m)) return '';
      let s = ` tcp${ports('spt', m.sport)}${ports('dpt', m.dport)}`;
      if (m.flags) s += ` flags:${m.flags.invert ? '!' : ''}${hex2(m.flags.mask)}/${hex2(m.flags.cmp)}`;
      return s;
    }
    case 'udp':
      if (isVoidL4(m)) return '';
      return ` udp${ports('spt', m.sport)}${ports('dpt', m.dport)}`;
    case 'icmp': {
      let s = ` icmp${m.invert ? ' !' : ''}type ${m.type}`;
      if (m.codeMin === m.codeMax) s += ` code ${m.codeMin}`;
      else if (m.codeMin !== 0 || m.codeMax !== 0xff) s += ` codes ${m.codeMin}-${m.codeMax}`;
      return s;
    }
    case 'conntrack': {
      const n = (x: { invert: boolean } | undefined) => (x?.invert ? ' !' : '');
      const a = (name: string, x: AddrSpec | undefined) => (x ? `${n(x)} ${name} ${addrShort(x)}` : '');
      const p = (name: string, x: PortSpec | undefined) => (x ? `${n(x)} ${name} ${portText(x)}` : '');
      let s = '';
      if (m.state) s += `${n(m.state)} ctstate ${ctStateText(m.state)}`;
      if (m.proto) s += `${n(m.proto)} ctproto ${m.proto.num}`;
      s +=
        a('ctorigsrc', m.origsrc) +
        a('ctorigdst', m.origdst) +
        a('ctreplsrc', m.replsrc) +
        a('ctrepldst', m.repldst);
      s += p('ctorigsrcport', m.origsrcport) + p('ctorigdstport', m.origdstport);
      s += p('ctreplsrcport', m.replsrcport) + p('ctrepldstport', m.repldstport);
      if (m.status) s += `${n(m.status)} ctstatus ${ctStatusText(m.status.mask)}`;
      if (m.expire)
        s += `${n(m.expire)} ctexpire ${m.expire.lo === m.expire.hi ? m.expire.lo : `${m.expire.lo}:${m.expire.hi}`}`;
      if (m.dir) s += ` ctdir ${m.dir}`;
      return s;
    }
    case 'state':
      return `${m.state.invert ? ' !' : ''} state ${ctStateText(m.state)}`;
    case 'mark':
      return ` mark match${m.invert ? ' !' : ''}${markText(m.value, m.mask)}`;
    case 'connmark':
      return ` connmark match ${m.invert ? '!' : ''}${markText(m.value, m.mask)}`;
    case 'addrtype': {
      let s = ' ADDRTYPE match';
      if (m.src) s += ` src-type ${m.src.invert ? '!' : ''}${addrTypesText(m.src.mask)}`;
      if (m.dst) s += ` dst-type ${m.dst.invert ? '!' : ''}${addrTypesText(m.dst.mask)}`;
      if (m.limitIn) s += ' limit-in';
      if (m.limitOut) s += ' limit-out';
      return s;
    }
    case 'comment':
      return ` /* ${m.text} */`;
    case 'multiport':
      return ` multiport ${m.which} ${m.invert ? ' !' : ''}${m.ports.map((x) => portText(x)).join(',')}`;
    case 'physdev': {
      const n = (x: { invert: boolean } | undefined) => (x?.invert ? ' !' : '');
      let s = ' PHYSDEV match';
      if (m.isIn) s += `${n(m.isIn)} --physdev-is-in`;
      if (m.in) s += `${n(m.in)} --physdev-in ${m.in.name}`;
      if (m.isOut) s += `${n(m.isOut)} --physdev-is-out`;
      if (m.out) s += `${n(m.out)} --physdev-out ${m.out.name}`;
      if (m.isBridged) s += `${n(m.isBridged)} --physdev-is-bridged`;
      return s;
    }
    case 'statistic': {
      const i = m.invert ? ' !' : '';
      if (m.mode === 'random')
        return ` statistic${i} mode random probability ${probabilityText(m.probability)}`;
      return ` statistic${i} mode nth every ${m.every}${m.packet !== 0 ? ` packet ${m.packet}` : ''}`;
    }
  }
}

function markTargetText(name: string, v: number, m: number): string {
  if (v === 0) return ` ${name} and ${hex(~m >>> 0)}`;
  if (v === m) return ` ${name} or ${hex(v)}`;
  if (m === 0) return ` ${name} xor ${hex(v)}`;
  if (m === 0xffffffff) return ` ${name} set ${hex(v)}`;
  return ` ${name} xset ${hex(v)}/${hex(m)}`;
}

export function formatTargetList(t: Target): string {
  switch (t.kind) {
    case 'REJECT':
      return ` reject-with ${t.with}`;
    case 'LOG':
      return ` LOG flags ${t.flags} level ${t.level}${t.prefix !== undefined ? ` prefix "${t.prefix}"` : ''}`;
    case 'MARK':
      return markTargetText('MARK', t.value, t.mask);
    case 'CONNMARK': {
      if (t.mode === 'set') return markTargetText('CONNMARK', t.ctmark, t.ctmask);
      const [a, b, na, nb] =
        t.mode === 'save'
          ? [t.nfmask, t.ctmask, 'nfmask', 'ctmask']
          : [t.ctmask, t.nfmask, 'ctmask', 'nfmask'];
      if (t.nfmask === 0xffffffff && t.ctmask === 0xffffffff) return ` CONNMARK ${t.mode}`;
      if (t.nfmask === t.ctmask) return ` CONNMARK ${t.mode} mask ${hex(t.nfmask)}`;
      return ` CONNMARK ${t.mode} ${na} ${hex(a)} ${nb} ~${hex(b)}`;
    }
    case 'DNAT':
    case 'SNAT': {
      let s = ` to:${natRangeText(t.range)}`;
      if (t.random) s += ' random';
      if (t.randomFully) s += ' random-fully';
      if (t.persistent) s += ' persistent';
      return s;
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      let s = '';
      if (t.minPort !== undefined)
        s += `${t.kind === 'MASQUERADE' ? ' masq ports: ' : ' redir ports '}${portText({ lo: t.minPort, hi: t.maxPort ?? t.minPort }, '-')}`;
      if (t.random) s += ' random';
      if (t.randomFully) s += ' random-fully';
      return s;
    }
    case 'NOTRACK':
      return ' NOTRACK';
    case 'CT': {
      if (t.notrack) return ' CT notrack';
      return t.zone !== undefined ? ` CT zone ${t.zone}` : ' CT';
    }
    default:
      return '';
  }
}

function targetName(t: Target | undefined): string {
  if (!t) return '';
  if (t.kind === 'jump' || t.kind === 'goto') return t.chain;
  if (t.kind === 'NOTRACK') return 'CT';
  return t.kind;
}

function addrCol(a: AddrSpec | undefined, numeric: boolean): string {
  if (!a) return ` ${pad(numeric ? '0.0.0.0/0' : 'anywhere', 19)} `;
  const text = a.mask === 0 ? (numeric ? `${formatIpv4(a.addr)}/0` : 'anywhere') : addrShort(a);
  return `${a.invert ? '!' : ' '}${pad(text, 19)} `;
}

export function formatRuleList(r: Rule, num: number, ctr: Counter, o: ListOptions): string {
  const exact = o.exact === true;
  let s = '';
  if (o.lineNumbers) s += `${pad(String(num), 4)} `;
  if (o.verbose) s += printNum(ctr.pkts, exact, true) + printNum(ctr.bytes, exact, true);
  s += `${pad(targetName(r.target), 9)} `;
  s += r.proto?.invert ? '!' : ' ';
  const proto = r.proto?.num ?? 0;
  s += `${pad(o.numeric ? String(proto) : proto === 0 ? 'all' : protoName(proto), 4)} `;
  s += r.fragment ? `${r.fragment.invert ? '!' : '-'}f ` : '-- ';
  if (o.verbose) {
    const i = r.inIface ? `${r.inIface.invert ? '!' : ''}${r.inIface.name}` : '*';
    const out = r.outIface ? `${r.outIface.invert ? '!' : ''}${r.outIface.name}` : '*';
    s += ` ${pad(i, 6)} ${pad(out, 6)} `;
  }
  s += addrCol(r.src, o.numeric) + addrCol(r.dst, o.numeric);
  if (r.target?.kind === 'goto') s += '[goto] ';
  portName = o.numeric ? String : serviceName;
  for (const m of r.matches) s += formatMatchList(m);
  portName = String;
  if (r.target) s += formatTargetList(r.target);
  return s;
}

export function formatIptablesList(rs: Ruleset, table: TableName, o: ListOptions): string {
  const l = listLines(rs, table, o);
  if (!l) return '';
  const out: string[] = new Array(l.length);
  for (let k = 0; k < l.length; k++) out[k] = l.line(k, o.counters);
  return `${out.join('\n')}\n`;
}

/** The lines of a long text, each printed when asked, with the counters given then. */
export interface RulesLines {
  readonly length: number;
  line(k: number, counters: CounterLookup | undefined): string;
  /** The line of rule `rulenum` of `chain` (its chain line for 0), or -1. */
  find(chain: string, rulenum: number): number;
}

/**
 * `iptables -t table -L` as lines printed one at a time (undefined: no such table): a viewer of a
 * 100,000-rule table prints the screenful it shows. Joined, they are formatIptablesList's text.
 */
export function listLines(
  rs: Ruleset,
  table: TableName,
  o: Omit<ListOptions, 'counters'>,
): RulesLines | undefined {
  const t = rs.tables.find((x) => x.name === table);
  if (!t) return undefined;
  const exact = o.exact === true;
  const refs = new Map<string, number>();
  for (const c of t.chains)
    for (const r of c.rules)
      if (r.target?.kind === 'jump' || r.target?.kind === 'goto')
        refs.set(r.target.chain, (refs.get(r.target.chain) ?? 0) + 1);
  let head = '';
  if (o.lineNumbers) head += `${pad('num', 4)} `;
  if (o.verbose)
    head += exact ? `${lpad('pkts', 8)} ${lpad('bytes', 10)} ` : `${lpad('pkts', 5)} ${lpad('bytes', 5)} `;
  head += `${pad('target', 9)}  prot opt`;
  if (o.verbose) head += ` ${pad('in', 6)} ${pad('out', 6)} `;
  head += ` ${pad('source', 19)}  ${pad('destination', 19)} `;
  // Per line: the chain's index, and -1 for its name line, -2 for the column heads, -3 for the
  // blank line after it, or the rule's index.
  const chains = t.chains.filter((c) => o.chain === undefined || c.name === o.chain);
  let n = 0;
  for (const c of chains) n += 2 + c.rules.length + 1;
  n = Math.max(0, n - 1);
  const chainOf = new Int32Array(n);
  const what = new Int32Array(n);
  const starts = new Map<string, number>();
  let k = 0;
  chains.forEach((c, ci) => {
    starts.set(c.name, k);
    chainOf[k] = ci;
    what[k++] = -1;
    chainOf[k] = ci;
    what[k++] = -2;
    for (let i = 0; i < c.rules.length; i++) {
      chainOf[k] = ci;
      what[k++] = i;
    }
    if (k < n) {
      chainOf[k] = ci;
      what[k++] = -3;
    }
  });
  return {
    length: n,
    line(k, counters) {
      const c = chains[chainOf[k]!]!;
      const w = what[k]!;
      if (w === -2) return head;
      if (w === -3) return '';
      if (w === -1) {
        if (!c.builtin) return `Chain ${c.name} (${refs.get(c.name) ?? 0} references)`;
        const p = counters ? (counters(table, c.name, 0) ?? { pkts: 0, bytes: 0 }) : c.counters;
        return o.verbose
          ? `Chain ${c.name} (policy ${c.policy} ${printNum(p.pkts, exact, false)}packets, ${printNum(p.bytes, exact, false)}bytes)`
          : `Chain ${c.name} (policy ${c.policy})`;
      }
      const r = c.rules[w]!;
      const ctr = counters
        ? (counters(table, c.name, w + 1) ?? { pkts: 0, bytes: 0 })
        : (r.counters ?? { pkts: 0, bytes: 0 });
      return formatRuleList(r, w + 1, ctr, o);
    },
    find(chain, rulenum) {
      const at = starts.get(chain);
      if (at === undefined) return -1;
      const c = chains[chainOf[at]!]!;
      if (rulenum < 0 || rulenum > c.rules.length) return -1;
      return rulenum === 0 ? at : at + 1 + rulenum;
    },
  };
}
