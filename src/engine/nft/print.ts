// `nft list ruleset` as nft 1.0.6 prints it: canonical values (sorted set elements, marks as
// 0x%08x, named priorities within 10 of a standard one), protocol dependencies left out where
// nft leaves them out, and live counters when a lookup is given.

import { printScalar } from './datatypes';
import { BRIDGE_PRIO, prioAllowed, selectorType, STD_PRIO } from './parse';
import type {
  Chain,
  DataType,
  Element,
  Family,
  Key,
  NftHook,
  NftSet,
  Rhs,
  Rule,
  Ruleset,
  Selector,
  Stmt,
  Table,
  ValueExpr,
  Verdict,
} from './types';

/** Live counter of a `counter` statement, by table, chain, rule index and statement index. */
export type NftCounterLookup = (
  table: Table,
  chain: Chain,
  rule: number,
  stmt: number,
) => { packets: number; bytes: number } | undefined;

export function printRuleset(rs: Ruleset, counters?: NftCounterLookup): string {
  return rs.tables.map((t) => printTable(t, counters)).join('');
}

export function printTable(t: Table, counters?: NftCounterLookup): string {
  let out = `table ${t.family} ${t.name} {\n`;
  if (t.comment !== undefined) out += `\tcomment "${t.comment}"\n`;
  const blocks = [...t.sets.map(printSet), ...t.chains.map((c) => printChain(t, c, counters))];
  out += blocks.join('\n');
  return `${out}}\n`;
}

/** nft's calculate_delim: how many elements of a named set share a line, by key type. */
function perLine(s: NftSet): number {
  if (s.keyType.length > 1) return 1;
  switch (s.keyType[0]) {
    case 'ipv4_addr':
    case 'ct_state':
    case 'ct_status':
      return 2;
    case 'inet_proto':
    case 'inet_service':
    case 'tcp_flag':
    case 'mark':
    case 'integer':
    case 'nf_proto':
      return 5;
    default:
      return 1;
  }
}

function printSet(s: NftSet): string {
  let out = `\t${s.kind} ${s.name} {\n\t\ttype ${s.keyType.join(' . ')}`;
  if (s.dataType) out += ` : ${s.dataType.join(' . ')}`;
  out += '\n';
  const flags = ['constant', 'interval'].filter((f) => s.flags.includes(f));
  if (flags.length) out += `\t\tflags ${flags.join(',')}\n`;
  if (s.comment !== undefined) out += `\t\tcomment "${s.comment}"\n`;
  if (s.elements.length)
    out += `\t\telements = ${printElements(s.elements, s.keyType, perLine(s), s.dataType)}\n`;
  return `${out}\t}\n`;
}

/**
 * nft's order of set elements. A single value sorts by its number. A concatenation sorts as
 * nft compares its register image read as one little-endian number: the last field weighs
 * most, and within a network-order field the last byte does (seen on nft 1.0.6:
 * `10.96.0.1 . tcp . 80` lists before `10.96.0.0 . tcp . 443`).
 */
function compareKeys(a: Key, b: Key, types: readonly DataType[]): number {
  if (a.length === 1) return compareScalar(a[0]!, b[0]!, (v) => v);
  for (let i = a.length - 1; i >= 0; i--) {
    const c = compareScalar(a[i]!, b[i]!, registerOrder(types[i]!));
    if (c) return c;
  }
  return 0;
}

function compareScalar(x: Key[number], y: Key[number], f: (v: number) => number): number {
  if (x.str !== undefined || y.str !== undefined) {
    const p = x.str ?? '';
    const q = y.str ?? '';
    return p < q ? -1 : p > q ? 1 : 0;
  }
  return f(x.lo) - f(y.lo) || f(x.hi) - f(y.hi);
}

const swap16 = (v: number) => ((v & 0xff) << 8) | (v >>> 8);
const swap32 = (v: number) =>
  (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/** A field's bytes as a little-endian number: network-order types are byte-swapped. */
function registerOrder(t: DataType): (v: number) => number {
  switch (t) {
    case 'ipv4_addr':
      return swap32;
    case 'inet_service':
    case 'ether_type':
      return swap16;
    default:
      return (v) => v;
  }
}

/** `{ a, b }`, sorted as nft sorts them; `perLine` elements to a line, then `,\n\t\t\t     `. */
function printElements(
  elements: readonly Element[],
  types: readonly DataType[],
  perLine: number,
  dataTypes?: readonly DataType[],
): string {
  const sorted = [...elements].sort((a, b) => compareKeys(a.key, b.key, types));
  let out = '{ ';
  let count = 0;
  sorted.forEach((e, i) => {
    if (i > 0) {
      if (count < perLine) out += ', ';
      else {
        out += ',\n\t\t\t     ';
        count = 0;
      }
    }
    out += printKey(e.key, types);
    if (e.comment !== undefined) out += ` comment "${e.comment}"`;
    if (e.verdict) out += ` : ${printVerdict(e.verdict)}`;
    else if (e.data) out += ` : ${printKey(e.data, dataTypes ?? NAT_DATA)}`;
    count++;
  });
  return `${out} }`;
}

const NAT_DATA: readonly DataType[] = ['ipv4_addr', 'inet_service'];

function printKey(k: Key, types: readonly DataType[]): string {
  return k.map((s, i) => printScalar(types[i]!, s)).join(' . ');
}

export function printVerdict(v: Verdict): string {
  return v.chain !== undefined ? `${v.kind} ${v.chain}` : v.kind;
}

/** nft's prio2str: a standard name with an offset of at most 10, where the hook allows it. */
export function printPriority(family: Family, hook: NftHook, prio: number): string {
  const table = family === 'bridge' ? BRIDGE_PRIO : STD_PRIO;
  for (const [name, std] of Object.entries(table)) {
    const off = prio - std;
    if (Math.abs(off) > 10) continue;
    if (!prioAllowed(family, name, hook)) break;
    return off > 0 ? `${name} + ${off}` : off < 0 ? `${name} - ${-off}` : name;
  }
  return String(prio);
}

export function printChain(t: Table, c: Chain, counters?: NftCounterLookup): string {
  let out = `\tchain ${c.name} {\n`;
  if (c.comment !== undefined) out += `\t\tcomment "${c.comment}"\n`;
  if (c.base)
    out += `\t\ttype ${c.base.type} hook ${c.base.hook} priority ${printPriority(t.family, c.base.hook, c.base.priority)}; policy ${c.base.policy};\n`;
  c.rules.forEach((r, i) => {
    out += `\t\t${printRule(t, r, counters && ((s) => counters(t, c, i, s)))}\n`;
  });
  return `${out}\t}\n`;
}

const PROTO_OF: Partial<Record<Selector['key'], string>> = {
  'tcp sport': 'tcp',
  'tcp dport': 'tcp',
  'tcp flags': 'tcp',
  'udp sport': 'udp',
  'udp dport': 'udp',
  'icmp type': 'icmp',
};

/** A single-value `meta l4proto X` / `ip protocol X`: the protocol it pins, if any. */
function pinnedProto(s: Stmt): string | undefined {
  if (s.k !== 'match' || s.lhs.length !== 1 || (s.op && s.op !== '==') || s.rhs.kind !== 'value')
    return undefined;
  const key = s.lhs[0]!.key;
  if (key !== 'meta l4proto' && key !== 'ip protocol') return undefined;
  const v = s.rhs.key[0]!;
  return v.lo !== v.hi
    ? undefined
    : v.lo === 6
      ? 'tcp'
      : v.lo === 17
        ? 'udp'
        : v.lo === 1
          ? 'icmp'
          : undefined;
}

/** The transport header a statement reads, after `th` is resolved by the protocol in force. */
function payloadProto(s: Stmt, proto: string | undefined): string | undefined {
  if (s.k !== 'match' && s.k !== 'vmap') return undefined;
  if (s.lhs.length !== 1) return undefined;
  const k = s.lhs[0]!.key;
  if (k === 'th sport' || k === 'th dport') return proto === 'tcp' || proto === 'udp' ? proto : undefined;
  return PROTO_OF[k];
}

export function printRule(
  t: Table,
  r: Rule,
  counter?: (stmt: number) => { packets: number; bytes: number } | undefined,
): string {
  // Which statements nft leaves out as implied dependencies, and which `th` it names.
  const hidden = new Set<number>();
  let proto: string | undefined;
  let protoAt = -1;
  const thAs = new Map<number, string>();
  let nfprotoAt = -1;
  r.stmts.forEach((s, i) => {
    const p = pinnedProto(s);
    if (p) {
      proto = p;
      protoAt = i;
      return;
    }
    if (t.family === 'inet' && s.k === 'match' && s.lhs.length === 1 && s.lhs[0]!.key === 'meta nfproto') {
      nfprotoAt = i;
      return;
    }
    const pp = payloadProto(s, proto);
    if (pp && pp === proto && protoAt >= 0) {
      hidden.add(protoAt);
      protoAt = -1;
      const k = (s as { lhs: readonly Selector[] }).lhs[0]!.key;
      if (k.startsWith('th ')) thAs.set(i, `${pp} ${k.slice(3)}`);
    }
    if (nfprotoAt >= 0 && s.k === 'match' && s.lhs.some((x) => x.key.startsWith('ip '))) {
      hidden.add(nfprotoAt);
      nfprotoAt = -1;
    }
  });
  const parts: string[] = [];
  let tcpContext = false;
  r.stmts.forEach((s, i) => {
    if (pinnedProto(s) === 'tcp' || payloadProto(s, proto) === 'tcp') tcpContext = true;
    if (hidden.has(i)) return;
    parts.push(printStmt(t, s, counter?.(i), thAs.get(i), tcpContext));
  });
  if (r.comment !== undefined) parts.push(`comment "${r.comment}"`);
  return parts.join(' ');
}

function printSelector(s: Selector, as?: string): string {
  let out: string;
  if (s.key === 'numgen')
    out = `numgen random mod ${s.mod}${s.offset !== undefined ? ` offset ${s.offset}` : ''}`;
  else out = as ?? s.key;
  if (s.binop) out += ` ${s.binop.op} ${printScalar('mark', { lo: s.binop.value, hi: s.binop.value })}`;
  return out;
}

function printLhs(lhs: readonly Selector[], as?: string): string {
  return lhs.map((s) => printSelector(s, lhs.length === 1 ? as : undefined)).join(' . ');
}

function printRhs(rhs: Rhs, types: readonly DataType[]): string {
  switch (rhs.kind) {
    case 'ref':
      return `@${rhs.name}`;
    case 'value':
      return printKey(rhs.key, types);
    case 'set':
      return printElements(rhs.elements, types, Number.POSITIVE_INFINITY);
  }
}

function printValueExpr(v: ValueExpr): string {
  return v.kind === 'const' ? printScalar('mark', { lo: v.value, hi: v.value }) : printSelector(v.sel);
}

function printStmt(
  t: Table,
  s: Stmt,
  live: { packets: number; bytes: number } | undefined,
  as: string | undefined,
  tcpContext: boolean,
): string {
  switch (s.k) {
    case 'match': {
      const types = s.lhs.map(selectorType);
      const binop = s.lhs.some((x) => x.binop);
      const op = s.op === '!=' || (s.op && s.op !== '==') ? ` ${s.op}` : binop ? ' ==' : '';
      const mask = s.mask !== undefined ? ` / ${printScalar(types[0]!, { lo: s.mask, hi: s.mask })}` : '';
      return `${printLhs(s.lhs, as)}${op} ${printRhs(s.rhs, types)}${mask}`;
    }
    case 'vmap':
      return `${printLhs(s.lhs, as)} vmap ${printRhs(s.rhs, s.lhs.map(selectorType))}`;
    case 'counter': {
      const c = live ?? s;
      return `counter packets ${c.packets} bytes ${c.bytes}`;
    }
    case 'log': {
      let out = 'log';
      if (s.prefix !== undefined) out += ` prefix "${s.prefix}"`;
      if (s.level && s.level !== 'warn') out += ` level ${s.level}`;
      if (s.flags) out += ` flags ${s.flags}`;
      return out;
    }
    case 'notrack':
      return 'notrack';
    case 'set':
      return `${s.target} set ${printValueExpr(s.value)}`;
    case 'nat': {
      let out: string = s.type;
      if (s.to) {
        if (s.type === 'dnat' || s.type === 'snat') out += t.family === 'ip' ? ' to ' : ' ip to ';
        else out += ' to ';
        if (s.to.map)
          out += `${printLhs(s.to.map.lhs)} map ${printRhs(s.to.map.rhs, s.to.map.lhs.map(selectorType))}`;
        else {
          if (s.to.addr) out += printScalar('ipv4_addr', s.to.addr);
          if (s.to.port) out += `:${printScalar('inet_service', s.to.port)}`;
        }
      }
      const flags = (['random', 'fully-random', 'persistent'] as const).filter((f) => s.flags.includes(f));
      if (flags.length) out += ` ${flags.join(',')}`;
      return out;
    }
    case 'reject': {
      const w = s.with;
      if (!w) return 'reject';
      if (w.type === 'tcp reset')
        return t.family === 'ip' || tcpContext
          ? 'reject with tcp reset'
          : 'meta l4proto tcp reject with tcp reset';
      if (w.code === 'port-unreachable' && (w.type === 'icmpx' || t.family === 'ip')) return 'reject';
      return `reject with ${w.type} ${w.code}`;
    }
    case 'verdict':
      return printVerdict(s.v);
  }
}

export type { NftHook };
