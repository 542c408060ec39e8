// The tables iptables-nft 1.8.9 writes, as nft 1.0.6 lists them (`nft list ruleset`). iptables-nft
// turns a few matches into native expressions (addresses, interfaces, -p, -f, tcp/udp ports and
// flags, -m mark, TRACE, the verdicts) and keeps the rest as xt (compat) expressions, which nft
// prints through the extension's translation (libxt_*'s xlate: `ct state ...`, `dnat to ...`),
// as `xt match NAME`/`xt target NAME` where there is none, and as nothing for -m comment. nft
// joins the statements with one space, so an empty one leaves two; it hides a `meta l4proto`
// that a later tcp/udp header match implies, unless a non-expression statement (an xt one)
// stands between. Every form here was read off the kernel: testdata/iptables-nft/corpus.json
// (parity/iptablesNftCorpus.ts) and the scenario goldens (scripts/nft-iptables-goldens.sh).

import { ADDR_TYPES, ICMP_TYPES, protoName, TCP_FLAGS } from '../iptables/names';
import type { AddrSpec, Chain, Match, PortSpec, Rule, Table, Target } from '../iptables/ruleset';
import { maskLength } from '../iptables/values';
import { formatIpv4 } from '../net/ipv4';
import { printPriority } from './print';
import type { NftHook } from './types';

/** One statement as nft prints it; `xt` when it is a compat expression (not an nft expression). */
interface Part {
  readonly text: string;
  readonly xt: boolean;
  /** A native tcp/udp header match: the protocol it implies. */
  readonly l4?: number;
}

const native = (text: string, l4?: number): Part =>
  l4 === undefined ? { text, xt: false } : { text, xt: false, l4 };
const xt = (text: string): Part => ({ text, xt: true });

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** `ip saddr 10.0.0.0/8`, `ip saddr & 255.0.255.0 == 10.0.12.0` (a mask that is no prefix). */
function addrPart(field: string, a: AddrSpec): Part | undefined {
  if (a.addr === 0 && a.mask === 0 && !a.invert) return undefined;
  const len = maskLength(a.mask);
  if (len < 0)
    return native(`${field} & ${formatIpv4(a.mask)} ${a.invert ? '!=' : '=='} ${formatIpv4(a.addr)}`);
  const text = len === 32 ? formatIpv4(a.addr) : `${formatIpv4(a.addr)}/${len}`;
  return native(`${field} ${a.invert ? '!= ' : ''}${text}`);
}

function ifacePart(field: string, i: { name: string; invert: boolean }): Part | undefined {
  if (i.name === '+') return i.invert ? native(`${field} != "INVAL/D"`) : undefined;
  const name = i.name.endsWith('+') ? `${i.name.slice(0, -1)}*` : i.name;
  return native(`${field} ${i.invert ? '!= ' : ''}"${name}"`);
}

const isFull = (p: PortSpec | undefined) => p !== undefined && p.lo === 0 && p.hi === 65535;

/** How iptables-nft compares a port: `80`, `<= 4` (from 0), `80-90`, and their negations. */
function portCmp(p: PortSpec): string {
  if (p.lo === p.hi) return `${p.invert ? '!= ' : ''}${p.lo}`;
  if (p.lo === 0) return `${p.invert ? '> ' : '<= '}${p.hi}`;
  return `${p.invert ? '!= ' : ''}${p.lo}-${p.hi}`;
}

const flagNames = (bits: number) =>
  TCP_FLAGS.filter(([, b]) => bits & b)
    .map(([n]) => n.toLowerCase())
    .join(',');

/** nft's reading of `tcp flags & mask ==/!= cmp`. */
function tcpFlags(f: { mask: number; cmp: number; invert: boolean }): string {
  const single = (f.mask & (f.mask - 1)) === 0;
  if (f.cmp === 0) return `tcp flags ${f.invert ? '' : '! '}${flagNames(f.mask)}`;
  if (single && f.cmp === f.mask)
    return `tcp flags & ${flagNames(f.mask)} ${f.invert ? '!=' : '=='} ${flagNames(f.cmp)}`;
  return `tcp flags ${f.invert ? '!= ' : ''}${flagNames(f.cmp)} / ${flagNames(f.mask)}`;
}

/** A tcp/udp match: native payload matches, or an empty xt match when it tests nothing. */
function l4Parts(m: Extract<Match, { kind: 'tcp' | 'udp' }>): Part[] {
  const proto = m.kind === 'tcp' ? 6 : 17;
  const flags = m.kind === 'tcp' ? m.flags : undefined;
  const sport = isFull(m.sport) ? undefined : m.sport;
  const dport = isFull(m.dport) ? undefined : m.dport;
  if (!flags && !sport && !dport) {
    // `! --sport 0:65535` is written natively and shows as nothing; no test at all stays an xt match.
    return m.sport?.invert || m.dport?.invert ? [] : [xt('')];
  }
  const out: Part[] = [];
  if (flags) out.push(native(tcpFlags(flags), proto));
  if (sport) out.push(native(`${m.kind} sport ${portCmp(sport)}`, proto));
  if (dport) out.push(native(`${m.kind} dport ${portCmp(dport)}`, proto));
  return out;
}

const CT_STATE_XLATE = ['invalid', 'new', 'related', 'established', 'untracked'];
const CT_STATUS_XLATE: readonly (readonly [string, number])[] = [
  ['expected', 1],
  ['seen-reply', 2],
  ['assured', 4],
  ['confirmed', 8],
];

function stateText(mask: number, invert: boolean): string {
  const names = CT_STATE_XLATE.filter((_, i) => mask & (1 << i));
  return `ct state ${invert ? '! ' : ''}${names.join(',')}`;
}

/** libxt_conntrack's address: the prefix when the mask is one, else the address alone. */
function ctAddr(a: AddrSpec): string {
  const len = maskLength(a.mask);
  return `${a.invert ? '!= ' : ''}${formatIpv4(a.addr)}${len >= 0 && len < 32 ? `/${len}` : ''}`;
}

const ctPorts = (p: PortSpec) => `${p.invert ? '!= ' : ''}${p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`}`;

function conntrackText(m: Extract<Match, { kind: 'conntrack' }>): string {
  const out: string[] = [];
  if (m.dir) out.push(`ct direction ${m.dir === 'REPLY' ? 'reply' : 'original'}`);
  if (m.proto)
    out.push(
      `ct ${m.dir === 'REPLY' ? 'reply' : 'original'} protocol ${m.proto.invert ? '!= ' : ''}${m.proto.num}`,
    );
  if (m.state) {
    // SNAT/DNAT are status bits in nft: the translation names one and drops the rest.
    if (m.state.mask & (1 << 5)) out.push('ct status snat');
    else if (m.state.mask & (1 << 6)) out.push('ct status dnat');
    else out.push(stateText(m.state.mask, m.state.invert));
  }
  if (m.status) {
    const names = CT_STATUS_XLATE.filter(([, b]) => m.status!.mask & b).map(([n]) => n);
    out.push(
      ['ct status', ...(m.status.invert ? ['!'] : []), ...(names.length ? [names.join(',')] : [])].join(' '),
    );
  }
  if (m.expire) {
    const e = m.expire;
    out.push(`ct expiration ${e.invert ? '!= ' : ''}${e.lo === e.hi ? e.lo : `${e.lo}-${e.hi}`}`);
  }
  if (m.origsrc) out.push(`ct original saddr ${ctAddr(m.origsrc)}`);
  if (m.origdst) out.push(`ct original daddr ${ctAddr(m.origdst)}`);
  if (m.replsrc) out.push(`ct reply saddr ${ctAddr(m.replsrc)}`);
  if (m.repldst) out.push(`ct reply daddr ${ctAddr(m.repldst)}`);
  if (m.origsrcport) out.push(`ct original proto-src ${ctPorts(m.origsrcport)}`);
  if (m.origdstport) out.push(`ct original proto-dst ${ctPorts(m.origdstport)}`);
  if (m.replsrcport) out.push(`ct reply proto-src ${ctPorts(m.replsrcport)}`);
  if (m.repldstport) out.push(`ct reply proto-dst ${ctPorts(m.repldstport)}`);
  return out.join(' ');
}

function addrtypeText(m: Extract<Match, { kind: 'addrtype' }>): string {
  const spec = m.src ?? m.dst;
  let s = `fib ${m.src ? 'saddr ' : 'daddr '}`;
  if (m.limitIn) s += '. iif ';
  else if (m.limitOut) s += '. oif ';
  s += 'type ';
  if (m.src?.invert || m.dst?.invert) s += '!= ';
  const names = ADDR_TYPES.filter((_, i) => (spec?.mask ?? 0) & (1 << i)).map((n) => n.toLowerCase());
  return s + (names.length === 1 ? names[0] : `{ ${names.join(', ')} }`);
}

function multiportText(m: Extract<Match, { kind: 'multiport' }>, proto: number): string {
  const p = protoName(proto);
  if (m.which === 'ports') {
    const ports: number[] = [];
    for (const r of m.ports) ports.push(...(r.lo === r.hi ? [r.lo] : [r.lo, r.hi]));
    const elems = ports.flatMap((x) => [`0-65535 . ${x}`, `${x} . 0-65535`]);
    return `${p} sport . ${p} dport { ${elems.join(', ')} }`;
  }
  const list = m.ports.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`));
  const rhs = list.length === 1 ? list[0] : `{ ${list.join(', ')} }`;
  return `${p} ${m.which === 'sports' ? 'sport' : 'dport'} ${m.invert ? '!= ' : ''}${rhs}`;
}

function icmpText(m: Extract<Match, { kind: 'icmp' }>): string {
  if (m.type === 0xff) return 'ip protocol icmp';
  if (m.codeMin === 0 && m.codeMax === 0xff) {
    const name = ICMP_TYPES.find(([, t, lo, hi]) => t === m.type && lo === 0 && hi === 0xff)?.[0];
    if (name) return `icmp type ${m.invert ? '!= ' : ''}${name}`;
  }
  return 'xt match icmp';
}

function matchParts(m: Match, proto: number): Part[] {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      return l4Parts(m);
    case 'mark':
      return [
        native(
          m.mask === 0xffffffff
            ? `meta mark ${m.invert ? '!= ' : ''}${hex8(m.value)}`
            : `meta mark & ${hex8(m.mask)} ${m.invert ? '!=' : '=='} ${hex8(m.value)}`,
        ),
      ];
    case 'connmark':
      return [
        xt(
          m.mask === 0xffffffff
            ? `ct mark ${m.invert ? '!= ' : ''}${hex(m.value)}`
            : `ct mark and ${hex(m.mask)} ${m.invert ? '!=' : '=='} ${hex(m.value)}`,
        ),
      ];
    case 'comment':
      return [xt('')];
    case 'conntrack':
      return [xt(conntrackText(m))];
    case 'state':
      return [xt(stateText(m.state.mask, m.state.invert))];
    case 'icmp':
      return [xt(icmpText(m))];
    case 'addrtype':
      return [xt(addrtypeText(m))];
    case 'multiport':
      return [xt(multiportText(m, proto))];
    case 'physdev':
      return [xt('xt match physdev')];
    case 'statistic':
      return [
        xt(
          m.mode === 'random'
            ? `meta random & 2147483647 ${m.invert ? '>=' : '<'} ${m.probability}`
            : `numgen inc mod ${m.every} ${m.invert ? '!= ' : ''}${m.packet}`,
        ),
      ];
  }
}

const LOG_LEVEL_XLATE = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

function logText(t: Extract<Target, { kind: 'LOG' }>): string {
  let s = 'log';
  if (t.prefix) s += ` prefix "${t.prefix}"`;
  if (t.level !== 4 && LOG_LEVEL_XLATE[t.level]) s += ` level ${LOG_LEVEL_XLATE[t.level]}`;
  if ((t.flags & 0x2f) === 0x2f) return `${s} flags all`;
  if (t.flags & 0x03) {
    s += ' flags tcp';
    if (t.flags & 0x01) s += ' sequence';
    if (t.flags & 0x02) s += `${t.flags & 0x01 ? ',' : ' '}options`;
  }
  if (t.flags & 0x04) s += ' flags ip options';
  if (t.flags & 0x08) s += ' flags skuid';
  if (t.flags & 0x20) s += ' flags ether';
  return s;
}

/** libxt_MARK/CONNMARK's set: `0x5`, `mark and 0xff`, `mark or 0x4000`, `mark xor 0x1`. */
function markSet(value: number, mask: number, self: string): string {
  if (mask >>> 0 === 0xffffffff) return hex(value);
  if (value === 0) return `${self} and ${hex(~mask)}`;
  if (value >>> 0 === mask >>> 0) return `${self} or ${hex(value)}`;
  if (mask === 0) return `${self} xor ${hex(value)}`;
  return self === 'mark'
    ? `mark and ${hex(~mask)} xor ${hex(value)}`
    : `${self} xor ${hex(value)} and ${hex(~mask)}`;
}

const natFlags = (t: { random: boolean; randomFully: boolean; persistent?: boolean }) => {
  const f = [t.random && 'random', t.randomFully && 'fully-random', t.persistent && 'persistent'].filter(
    Boolean,
  );
  return f.length ? ` ${f.join(',')}` : '';
};

const portRange = (lo: number, hi: number | undefined) =>
  hi === undefined || hi === lo ? `${lo}` : `${lo}-${hi}`;

const REJECT_XLATE: Readonly<Record<string, string>> = {
  'icmp-net-unreachable': 'net-unreachable',
  'icmp-host-unreachable': 'host-unreachable',
  'icmp-proto-unreachable': 'prot-unreachable',
  'icmp-net-prohibited': 'net-prohibited',
  'icmp-host-prohibited': 'host-prohibited',
  'icmp-admin-prohibited': 'admin-prohibited',
};

function targetPart(t: Target): Part {
  switch (t.kind) {
    case 'ACCEPT':
      return native('accept');
    case 'DROP':
      return native('drop');
    case 'RETURN':
      return native('return');
    case 'jump':
    case 'goto':
      return native(`${t.kind} ${t.chain}`);
    case 'TRACE':
      return native('meta nftrace set 1');
    case 'NOTRACK':
      return xt('notrack');
    case 'CT':
      return xt(t.notrack ? 'notrack' : 'xt target CT');
    case 'REJECT':
      if (t.with === 'icmp-port-unreachable') return xt('reject');
      if (t.with === 'tcp-reset') return xt('reject with tcp reset');
      return xt(`reject with icmp type ${REJECT_XLATE[t.with] ?? t.with}`);
    case 'LOG':
      return xt(logText(t));
    case 'MARK':
      return xt(`meta mark set ${markSet(t.value, t.mask, 'mark')}`);
    case 'CONNMARK': {
      if (t.mode === 'set') return xt(`ct mark set ${markSet(t.ctmark, t.ctmask, 'ct mark')}`);
      const head = t.mode === 'save' ? 'ct mark set mark' : 'meta mark set ct mark';
      if (t.nfmask >>> 0 === 0xffffffff && t.ctmask >>> 0 === 0xffffffff) return xt(head);
      if (t.nfmask === t.ctmask) return xt(`${head} and ${hex(t.nfmask)}`);
      return xt('xt target CONNMARK');
    }
    case 'DNAT':
    case 'SNAT': {
      const r = t.range;
      if (r.basePort !== undefined) return xt(`xt target ${t.kind}`);
      let to = '';
      if (r.minIp !== undefined)
        to +=
          formatIpv4(r.minIp) +
          (r.maxIp !== undefined && r.maxIp !== r.minIp ? `-${formatIpv4(r.maxIp)}` : '');
      if (r.minPort !== undefined) to += `:${portRange(r.minPort, r.maxPort)}`;
      return xt(`${t.kind === 'DNAT' ? 'dnat' : 'snat'} to ${to}${natFlags(t)}`);
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      let s = t.kind === 'MASQUERADE' ? 'masquerade' : 'redirect';
      if (t.minPort !== undefined) s += ` to :${portRange(t.minPort, t.maxPort)}`;
      return xt(s + natFlags(t));
    }
  }
}

/** Each rule's text around its counter, built once: a rule never changes once read. */
const memo = new WeakMap<Rule, { before: string; after: string; xt: boolean }>();

/** One iptables rule as nft lists it, with its counter; `xt` when it holds a compat expression. */
export function iptablesNftRule(
  r: Rule,
  counter: { pkts: number; bytes: number },
): { text: string; xt: boolean } {
  let m = memo.get(r);
  if (!m) {
    m = ruleParts(r);
    memo.set(r, m);
  }
  return { text: `${m.before}counter packets ${counter.pkts} bytes ${counter.bytes}${m.after}`, xt: m.xt };
}

function ruleParts(r: Rule): { before: string; after: string; xt: boolean } {
  const parts: Part[] = [];
  const push = (p: Part | undefined) => {
    if (p) parts.push(p);
  };
  if (r.inIface) push(ifacePart('iifname', r.inIface));
  if (r.outIface) push(ifacePart('oifname', r.outIface));
  let protoAt = -1;
  if (r.proto && (r.proto.num !== 0 || r.proto.invert)) {
    if (!r.proto.invert) protoAt = parts.length;
    push(native(`meta l4proto ${r.proto.invert ? '!= ' : ''}${protoName(r.proto.num)}`));
  }
  if (r.src) push(addrPart('ip saddr', r.src));
  if (r.dst) push(addrPart('ip daddr', r.dst));
  if (r.fragment) push(native(`ip frag-off & 8191 ${r.fragment.invert ? '==' : '!='} 0`));
  for (const m of r.matches) for (const p of matchParts(m, r.proto?.num ?? 0)) parts.push(p);
  // nft hides `meta l4proto tcp` before a tcp header match, unless an xt statement stands between.
  if (protoAt >= 0) {
    for (let i = protoAt + 1; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.xt) break;
      if (p.l4 === r.proto!.num) {
        parts.splice(protoAt, 1);
        break;
      }
    }
  }
  const target = r.target ? targetPart(r.target) : undefined;
  return {
    before: parts.map((p) => `${p.text} `).join(''),
    after: target ? ` ${target.text}` : '',
    xt: parts.some((p) => p.xt) || target?.xt === true,
  };
}

/** iptables-nft's base chains: type, hook and priority per table and built-in chain. */
const BASE: Readonly<Record<string, { type: string; prio: Readonly<Record<string, number>> }>> = {
  raw: { type: 'filter', prio: { PREROUTING: -300, OUTPUT: -300 } },
  mangle: {
    type: 'filter',
    prio: { PREROUTING: -150, INPUT: -150, FORWARD: -150, OUTPUT: -150, POSTROUTING: -150 },
  },
  filter: { type: 'filter', prio: { INPUT: 0, FORWARD: 0, OUTPUT: 0 } },
  security: { type: 'filter', prio: { INPUT: 150, FORWARD: 150, OUTPUT: 150 } },
  nat: { type: 'nat', prio: { PREROUTING: -100, INPUT: 100, OUTPUT: -100, POSTROUTING: 100 } },
};

/** A table listed: its text, and whether nft warns that iptables-nft manages it. */
export interface ListedTable {
  readonly family: 'ip' | 'inet' | 'bridge';
  readonly name: string;
  /** `table ip filter {` ... `}\n`. */
  readonly text: string;
  /**
   * Each chain's block (`\tchain X {` ... `\t}\n`) in listing order; `header` is the block
   * without its rules (`nft list chains`); `xt` when its rules hold a compat expression.
   */
  readonly chains: readonly {
    readonly name: string;
    readonly text: string;
    readonly header: string;
    readonly xt: boolean;
  }[];
  /** nft prints `# Warning: table ip filter is managed by iptables-nft, do not touch!` on stderr. */
  readonly xt: boolean;
}

/** Counters of an iptables rule (1-based rulenum), as the run has them. */
export type IptCounter = (table: string, chain: string, rulenum: number) => { pkts: number; bytes: number };

/**
 * One iptables table as nft lists it. `order` is the order its chains were created in the
 * kernel (iptables-restore creates them as the text declares them, a built-in one left
 * undeclared at its first rule, and no other built-in one); absent, the table's own order.
 */
export function listIptablesTable(t: Table, counters: IptCounter, order?: readonly string[]): ListedTable {
  const byName = new Map(t.chains.map((c) => [c.name, c] as const));
  const names = order ? order.filter((n) => byName.has(n)) : t.chains.map((c) => c.name);
  let anyXt = false;
  const chains = names.map((n) => {
    const c = byName.get(n)!;
    const type = chainHeader(t.name, c);
    let text = `\tchain ${c.name} {\n${type}`;
    let xt = false;
    c.rules.forEach((r, i) => {
      const line = iptablesNftRule(r, counters(t.name, c.name, i + 1));
      xt ||= line.xt;
      text += `\t\t${line.text}\n`;
    });
    anyXt ||= xt;
    return { name: c.name, text: `${text}\t}\n`, header: `\tchain ${c.name} {\n${type}\t}\n`, xt };
  });
  return {
    family: 'ip',
    name: t.name,
    text: `table ip ${t.name} {\n${chains.map((c) => c.text).join('\n')}}\n`,
    chains,
    xt: anyXt,
  };
}

function chainHeader(table: string, c: Chain): string {
  if (!c.builtin) return '';
  const base = BASE[table]!;
  const hook = c.name.toLowerCase() as NftHook;
  const type = table === 'mangle' && c.name === 'OUTPUT' ? 'route' : base.type;
  const prio = printPriority('ip', hook, base.prio[c.name] ?? 0);
  return `\t\ttype ${type} hook ${hook} priority ${prio}; policy ${(c.policy ?? 'ACCEPT').toLowerCase()};\n`;
}

/**
 * The order iptables-restore creates tables and chains in, read off the text: tables as they
 * come, each table's chains as declared (`:NAME`), a built-in chain never declared at its first
 * `-A`. Keys are table names; the map's order is the tables'.
 */
export function restoreOrder(text: string): ReadonlyMap<string, readonly string[]> {
  if (lastOrder?.text === text) return lastOrder.order;
  const order = readOrder(text);
  lastOrder = { text, order };
  return order;
}

/** The last text read: every snapshot of a run asks again with the same (large) text. */
let lastOrder: { text: string; order: Map<string, string[]> } | undefined;

function readOrder(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      cur = out.get(name) ?? [];
      out.set(name, cur);
      continue;
    }
    if (!cur) continue;
    let m = /^:(\S+)/.exec(line);
    if (!m) m = /^(?:\[\d+:\d+\]\s+)?-[AI]\s+(\S+)/.exec(line);
    if (m && !cur.includes(m[1]!)) cur.push(m[1]!);
  }
  return out;
}
