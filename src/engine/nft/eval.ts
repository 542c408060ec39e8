// Runs an nftables ruleset against packets, as nf_tables does: a base chain is walked rule by
// rule; a rule's statements run left to right and stop at the first match that fails; jump
// pushes a return point, goto does not, return pops; accept or a NAT statement ends this base
// chain only (the next hook function still runs); drop and reject end the packet. Verdict maps
// and named sets are hash lookups (lookup.ts), so dispatch does not grow with the number of
// Services. The ruleset is compiled once into op lists with jump targets resolved to objects,
// NAT bindings and verdicts prebuilt, so a walk allocates nothing and looks nothing up by name.

import { WalkTooLong } from '../budget';
import type { AddrType, NatRequest, PacketCtx, TableVerdict, WalkStep } from '../iptables/types';
import type { Hook } from '../timeline/events';
import { CT_STATE, FIB_ADDRTYPE, isFlagType } from './datatypes';
import { Lookup, scalarMatches } from './lookup';
import { selectorType } from './parse';
import { printRule } from './print';
import type {
  Chain,
  ChainType,
  Element,
  NftSet,
  Rhs,
  Rule,
  Ruleset,
  Scalar,
  Selector,
  Stmt,
  Table,
  Verdict,
} from './types';

/** A base chain as registered at an IPv4 hook (tables of the ip and inet families). */
export interface NftBase {
  readonly table: Table;
  readonly chain: Chain;
  readonly hook: Hook;
  readonly prio: number;
  readonly type: ChainType;
}

const HOOK: Record<string, Hook> = {
  prerouting: 'PREROUTING',
  input: 'INPUT',
  forward: 'FORWARD',
  output: 'OUTPUT',
  postrouting: 'POSTROUTING',
};

const ADDRTYPE_NUM: Record<AddrType, number> = {
  UNSPEC: FIB_ADDRTYPE.unspec!,
  UNICAST: FIB_ADDRTYPE.unicast!,
  LOCAL: FIB_ADDRTYPE.local!,
  BROADCAST: FIB_ADDRTYPE.broadcast!,
  ANYCAST: FIB_ADDRTYPE.anycast!,
  MULTICAST: FIB_ADDRTYPE.multicast!,
  BLACKHOLE: FIB_ADDRTYPE.blackhole!,
  UNREACHABLE: FIB_ADDRTYPE.unreachable!,
  PROHIBIT: FIB_ADDRTYPE.prohibit!,
};
const CTSTATE_BIT: Record<string, number> = {
  INVALID: CT_STATE.invalid!,
  ESTABLISHED: CT_STATE.established!,
  RELATED: CT_STATE.related!,
  NEW: CT_STATE.new!,
  UNTRACKED: CT_STATE.untracked!,
};

/** Selector keys as small integers, so read() is a jump table, not string compares. */
const SEL_CODE: Record<Selector['key'], number> = {
  'ip saddr': 0,
  'ip daddr': 1,
  'ip protocol': 2,
  'meta l4proto': 2,
  'meta mark': 3,
  'meta nfproto': 4,
  iifname: 5,
  iif: 5,
  oifname: 6,
  oif: 6,
  'th sport': 7,
  'th dport': 8,
  'tcp sport': 9,
  'tcp dport': 10,
  'udp sport': 11,
  'udp dport': 12,
  'tcp flags': 13,
  'icmp type': 14,
  'ct state': 15,
  'ct status': 16,
  'ct mark': 17,
  'fib daddr type': 18,
  'ether type': 19,
  numgen: 20,
};

/** A selector compiled: one object shape for every selector. */
class CSel {
  readonly code: number;
  readonly mod: number;
  readonly offset: number;
  /** 0 none, 1 and, 2 or, 3 xor. */
  readonly op: number;
  readonly opValue: number;
  constructor(s: Selector) {
    this.code = SEL_CODE[s.key];
    this.mod = s.mod ?? 1;
    this.offset = s.offset ?? 0;
    this.op = s.binop ? (s.binop.op === '&' ? 1 : s.binop.op === '|' ? 2 : 3) : 0;
    this.opValue = s.binop?.value ?? 0;
  }
}

/** What a selector reads; undefined when the packet has no such field (the rule does not match). */
function read(s: CSel, ctx: PacketCtx): number | string | undefined {
  const ip = ctx.ip;
  let v: number | string | undefined;
  switch (s.code) {
    case 0:
      v = ip.src;
      break;
    case 1:
      v = ip.dst;
      break;
    case 2:
      v = ip.proto;
      break;
    case 3:
      v = ctx.mark;
      break;
    case 4:
      v = 2;
      break;
    case 5:
      v = ctx.inDev || undefined;
      break;
    case 6:
      v = ctx.outDev || undefined;
      break;
    case 7:
      v = ip.l4.proto === 1 ? undefined : ip.l4.sport;
      break;
    case 8:
      v = ip.l4.proto === 1 ? undefined : ip.l4.dport;
      break;
    case 9:
      v = ip.l4.proto === 6 ? ip.l4.sport : undefined;
      break;
    case 10:
      v = ip.l4.proto === 6 ? ip.l4.dport : undefined;
      break;
    case 11:
      v = ip.l4.proto === 17 ? ip.l4.sport : undefined;
      break;
    case 12:
      v = ip.l4.proto === 17 ? ip.l4.dport : undefined;
      break;
    case 13:
      v = ip.l4.proto === 6 ? ip.l4.flags : undefined;
      break;
    case 14:
      v = ip.l4.proto === 1 ? ip.l4.type : undefined;
      break;
    case 15:
      v = CTSTATE_BIT[ctx.ctstate];
      break;
    case 16:
      v = ctx.ct?.status;
      break;
    case 17:
      v = ctx.ct?.mark;
      break;
    case 18:
      v = ADDRTYPE_NUM[ctx.addrType(ip.dst)];
      break;
    case 19:
      v = 0x0800;
      break;
    case 20:
      // numgen random: a seeded draw per evaluation, uniform over 0..mod-1.
      v = Math.floor(ctx.random() * s.mod) + s.offset;
      break;
  }
  if (s.op !== 0 && typeof v === 'number') {
    const b = s.opValue;
    v = (s.op === 1 ? v & b : s.op === 2 ? v | b : v ^ b) >>> 0;
  }
  return v;
}

// A verdict as one word: the code in the low 3 bits; jump and goto carry the target chain's
// offset in the code above them. Before the target is placed, a word is a negative placeholder.
const V_ACCEPT = 0;
const V_DROP = 1;
const V_CONTINUE = 2;
const V_RETURN = 3;
const V_JUMP = 4;
const V_GOTO = 5;
/** A vmap element without a verdict: the lookup hits and the rule does not match. */
const V_NONE = 7;
const VERDICT_CODE: Record<Verdict['kind'], number> = {
  accept: V_ACCEPT,
  drop: V_DROP,
  continue: V_CONTINUE,
  return: V_RETURN,
  jump: V_JUMP,
  goto: V_GOTO,
};
const VERDICT_KIND: readonly Verdict['kind'][] = ['accept', 'drop', 'continue', 'return', 'jump', 'goto'];

// Op codes. A rule is compiled into one stretch of the code: [length, rule number, ops...], each
// op its code and its operands inline (layouts beside each code).
const O_RANGE = 0; // sel, neg, lo, hi: one selector against one value or range
const O_STR = 1; // sel, neg, wildcard, string: an interface name, or its wildcard
const O_FLAGS = 2; // sel, bits, mask (-1: any of the bits): ct state, tcp flags...
const O_CMP = 3; // sel, value, 0 < 1 > 2 <= 3 >=
const O_TUPLE = 4; // neg, key, n, sel * n: a concatenation against one constant key
const O_SET = 5; // neg, lookup, n, sel * n: membership in a set
const O_VMAP = 6; // lookup, n, sel * n
const O_NOP = 7; // counter, log
const O_NOTRACK = 8;
const O_MARK = 9; // sel (-1: none), value: meta mark set
const O_CTMARK = 10; // sel (-1: none), value: ct mark set
const O_NAT = 11; // type, flags, minIp, maxIp, minPort, maxPort
const O_NATMAP = 12; // type, lookup, n, sel * n
const O_REJECT = 13; // verdict (the next one for TCP)
const O_VERDICT = 14; // verdict word
const O_SETS = 15; // sel, neg, n, (lo, hi) * n: a small anonymous set of numbers, inline
const O_VMAPS = 16; // sel, n, (lo, hi, verdict word) * n: numgen's vmap, inline

/** Small anonymous sets and vmaps of one numeric field are compiled inline, scanned in order. */
const INLINE_MAX = 16;

const NAT_TYPES: readonly Extract<Stmt, { k: 'nat' }>['type'][] = ['dnat', 'snat', 'masquerade', 'redirect'];
const NAT_TARGETS: readonly NatRequest['target'][] = ['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT'];
const NAT_ADDR = 1;
const NAT_PORT = 2;
const NAT_RANDOM = 4;
const NAT_FULLY_RANDOM = 8;
const NAT_PERSISTENT = 16;

const ACCEPT: TableVerdict = { verdict: 'ACCEPT' };
const DROP: TableVerdict = { verdict: 'DROP' };

// exec()'s outcome for one rule.
const R_NOMATCH = 0;
const R_NEXT = 1;
const R_VERDICT = 2;
const R_END = 3;

/** Deepest jump stack nf_tables allows (NFT_JUMP_STACK_SIZE). */
const JUMP_STACK = 16;

/** A compiled chain: where its code starts, and the chain it came from (for the timeline). */
interface ChainInfo {
  readonly src: Chain;
  off: number;
}

export class NftRuntime {
  readonly bases: readonly NftBase[];
  /** Base chains of `bridge` tables (filter type), run at the bridge hooks of the same names. */
  readonly bridgeBases: readonly NftBase[];
  private readonly sets = new Map<Table, Map<string, NftSet>>();
  /**
   * Every chain's rules in one int32 stream, as nf_tables keeps a chain's rules in one blob:
   * a chain is [its ChainInfo index, rules..., 0]. With 10,000 Services the Service and
   * endpoint chains a first packet crosses are a few cache lines, not a graph of heap objects
   * scattered over a large heap (which cost a cache and TLB miss per object). Values are read
   * unsigned through `u32`, a view of the same memory.
   */
  private code = new Int32Array(1024);
  private u32 = new Uint32Array(this.code.buffer);
  private len = 0;
  private readonly infos: ChainInfo[] = [];
  private readonly chainIdx = new Map<Table, Map<string, number>>();
  private readonly roots = new WeakMap<Chain, number>();
  private readonly texts = new WeakMap<Rule, string>();
  /** Selectors, shared wherever they are the same (a handful in a whole ruleset). */
  private readonly sels: CSel[] = [];
  private readonly selIdx = new Map<string, number>();
  private readonly strs: string[] = [];
  private readonly keys: (readonly Scalar[])[] = [];
  private readonly lookups: Lookup<unknown>[] = [];
  private readonly named = new WeakMap<NftSet, Map<string, number>>();
  /** Prebuilt results of reject statements (non-TCP, then TCP). */
  private readonly tvs: TableVerdict[] = [];
  /** Code positions holding a placeholder verdict while a table is compiled. */
  private readonly fixups: number[] = [];
  // Scratch space of one walk (walks do not nest): no allocation per packet but the NAT request.
  private readonly stackOff = new Int32Array(JUMP_STACK);
  private readonly stackPc = new Int32Array(JUMP_STACK);
  private readonly vals: (number | string)[] = [];
  /** exec()'s payload: the verdict word (R_VERDICT) or the walk's result and its text (R_END). */
  private vw = 0;
  private tv: TableVerdict = ACCEPT;
  private tvText = '';

  constructor(
    readonly ruleset: Ruleset,
    /** Rules evaluated in one walk before it throws WalkTooLong (budget.ts): gotos can loop, jumps multiply. */
    private readonly maxEvaluations = Number.POSITIVE_INFINITY,
  ) {
    const bases: NftBase[] = [];
    const bridgeBases: NftBase[] = [];
    for (const t of ruleset.tables) {
      this.compileTable(t);
      for (const c of t.chains)
        if (c.base)
          (t.family === 'bridge' ? bridgeBases : bases).push({
            table: t,
            chain: c,
            hook: HOOK[c.base.hook]!,
            prio: c.base.priority,
            type: c.base.type,
          });
    }
    this.bases = bases;
    this.bridgeBases = bridgeBases;
  }

  /** Why nf_tables needs conntrack here (ct expressions, notrack, nat chains), or undefined. */
  needsConntrack(): string | undefined {
    for (const b of this.bases) if (b.type === 'nat') return `nft nat chain ${b.table.name} ${b.chain.name}`;
    for (const t of this.ruleset.tables)
      for (const c of t.chains)
        for (const r of c.rules)
          for (const s of r.stmts) {
            if (s.k === 'notrack') return `nft notrack in ${t.name} ${c.name}`;
            const sels =
              s.k === 'match' || s.k === 'vmap'
                ? s.lhs
                : s.k === 'set' && s.target === 'ct mark'
                  ? []
                  : undefined;
            if (s.k === 'set' && s.target === 'ct mark') return `nft ct mark in ${t.name} ${c.name}`;
            if (sels?.some((x) => x.key.startsWith('ct '))) return `nft ct expression in ${t.name} ${c.name}`;
          }
    return undefined;
  }

  ruleText(t: Table, r: Rule): string {
    let s = this.texts.get(r);
    if (s === undefined) {
      s = printRule(t, r);
      this.texts.set(r, s);
    }
    return s;
  }

  // --- compilation, once per ruleset -------------------------------------------------------

  private emit(w: number): void {
    if (this.len === this.code.length) {
      const code = new Int32Array(this.code.length * 2);
      code.set(this.code);
      this.code = code;
      this.u32 = new Uint32Array(code.buffer);
    }
    this.code[this.len++] = w | 0;
  }

  private compileTable(t: Table): void {
    if (!this.sets.has(t)) this.sets.set(t, new Map(t.sets.map((s) => [s.name, s])));
    const byName = new Map<string, number>();
    this.chainIdx.set(t, byName);
    const first = this.infos.length;
    // Indexes first, so a jump to a chain defined further down has a placeholder to patch.
    for (const c of t.chains) {
      byName.set(c.name, this.infos.length);
      this.infos.push({ src: c, off: -1 });
    }
    const lookups0 = this.lookups.length;
    for (let i = 0; i < t.chains.length; i++) {
      const c = t.chains[i]!;
      this.compileChain(t, c, first + i);
      this.roots.set(c, this.infos[first + i]!.off);
    }
    this.patch(lookups0);
  }

  private compileChain(t: Table, c: Chain, info: number): number {
    const off = this.len;
    this.infos[info]!.off = off;
    this.emit(info);
    for (let r = 0; r < c.rules.length; r++) {
      const start = this.len;
      this.emit(0);
      this.emit(r + 1);
      for (const s of c.rules[r]!.stmts) this.compileStmt(t, s);
      this.code[start] = this.len - start;
    }
    this.emit(0);
    return off;
  }

  /** Placeholders (targets further down when they were compiled) become verdict words. */
  private patch(lookups0: number): void {
    const resolve = (w: number) => {
      if (w >= 0) return w;
      const x = -1 - w;
      return (this.infos[x >> 3]!.off << 3) | (x & 7);
    };
    for (const pos of this.fixups) this.code[pos] = resolve(this.code[pos]!);
    this.fixups.length = 0;
    for (let i = lookups0; i < this.lookups.length; i++)
      this.lookups[i]!.mapResults((r) => (typeof r === 'number' ? resolve(r) : r));
  }

  /** The compiled chain a base chain starts at (compiled on first use for a chain built elsewhere). */
  private root(base: NftBase): number {
    let off = this.roots.get(base.chain);
    if (off === undefined) {
      if (!this.chainIdx.has(base.table)) this.compileTable(base.table);
      off = this.roots.get(base.chain);
      if (off === undefined) {
        const lookups0 = this.lookups.length;
        this.infos.push({ src: base.chain, off: -1 });
        off = this.compileChain(base.table, base.chain, this.infos.length - 1);
        this.patch(lookups0);
        this.roots.set(base.chain, off);
      }
    }
    return off;
  }

  private sel(s: Selector): number {
    const key = `${s.key}|${s.mod}|${s.offset}|${s.binop?.op}|${s.binop?.value}`;
    let i = this.selIdx.get(key);
    if (i === undefined) {
      i = this.sels.length;
      this.sels.push(new CSel(s));
      this.selIdx.set(key, i);
    }
    return i;
  }

  private emitSels(lhs: readonly Selector[]): void {
    this.emit(lhs.length);
    for (const x of lhs) this.emit(this.sel(x));
  }

  /** A verdict's word: final when its target is placed, else a placeholder patch() resolves. */
  private verdictWord(t: Table, v: Verdict): number {
    const code = VERDICT_CODE[v.kind];
    if (v.chain === undefined) return code;
    const idx = this.chainIdx.get(t)?.get(v.chain);
    // The parser refuses a jump to a chain that does not exist, as nft -f does.
    if (idx === undefined) throw new Error(`nft: ${v.kind} to unknown chain ${v.chain}`);
    const off = this.infos[idx]!.off;
    return off >= 0 ? (off << 3) | code : -1 - ((idx << 3) | code);
  }

  private emitVerdict(w: number): void {
    if (w < 0) this.fixups.push(this.len);
    this.emit(w);
  }

  private verdictText(w: number): string {
    const code = w & 7;
    const kind = VERDICT_KIND[code]!;
    return code === V_JUMP || code === V_GOTO ? `${kind} ${this.infos[this.code[w >> 3]!]!.src.name}` : kind;
  }

  /** A named set's index is shared by every rule that refers to it; an anonymous one is its own. */
  private lookupOf<R>(t: Table, rhs: Rhs, purpose: string, result: (e: Element) => R | undefined): number {
    if (rhs.kind === 'set') {
      this.lookups.push(new Lookup(rhs.elements, result));
      return this.lookups.length - 1;
    }
    const set = rhs.kind === 'ref' ? this.sets.get(t)?.get(rhs.name) : undefined;
    if (!set) {
      this.lookups.push(new Lookup<R>([], result));
      return this.lookups.length - 1;
    }
    let byPurpose = this.named.get(set);
    if (!byPurpose) {
      byPurpose = new Map();
      this.named.set(set, byPurpose);
    }
    let l = byPurpose.get(purpose);
    if (l === undefined) {
      this.lookups.push(new Lookup(set.elements, result));
      l = this.lookups.length - 1;
      byPurpose.set(purpose, l);
    }
    return l;
  }

  private compileStmt(t: Table, s: Stmt): void {
    switch (s.k) {
      case 'match': {
        const neg = s.op === '!=' ? 1 : 0;
        if (s.rhs.kind !== 'value') {
          const inline = s.rhs.kind === 'set' && s.lhs.length === 1 && inlineable(s.rhs.elements);
          if (inline && s.rhs.kind === 'set') {
            this.emit(O_SETS);
            this.emit(this.sel(s.lhs[0]!));
            this.emit(neg);
            this.emit(s.rhs.elements.length);
            for (const e of s.rhs.elements) {
              this.emit(e.key[0]!.lo);
              this.emit(e.key[0]!.hi);
            }
            break;
          }
          this.emit(O_SET);
          this.emit(neg);
          this.emit(this.lookupOf(t, s.rhs, 'set', () => true));
          this.emitSels(s.lhs);
          break;
        }
        const key = s.rhs.key;
        const k0 = key[0]!;
        const sel = this.sel(s.lhs[0]!);
        if (s.lhs.length === 1 && isFlagType(selectorType(s.lhs[0]!)) && s.op === undefined) {
          this.emit(O_FLAGS);
          this.emit(sel);
          this.emit(k0.lo);
          this.emit(s.mask ?? -1);
        } else if (s.op === '<' || s.op === '>' || s.op === '<=' || s.op === '>=') {
          this.emit(O_CMP);
          this.emit(sel);
          this.emit(k0.lo);
          this.emit(s.op === '<' ? 0 : s.op === '>' ? 1 : s.op === '<=' ? 2 : 3);
        } else if (s.lhs.length === 1 && k0.str !== undefined) {
          const wild = k0.str.endsWith('*');
          this.emit(O_STR);
          this.emit(sel);
          this.emit(neg);
          this.emit(wild ? 1 : 0);
          this.strs.push(wild ? k0.str.slice(0, -1) : k0.str);
          this.emit(this.strs.length - 1);
        } else if (s.lhs.length === 1) {
          this.emit(O_RANGE);
          this.emit(sel);
          this.emit(neg);
          this.emit(k0.lo);
          this.emit(k0.hi);
        } else {
          this.emit(O_TUPLE);
          this.emit(neg);
          this.keys.push(key);
          this.emit(this.keys.length - 1);
          this.emitSels(s.lhs);
        }
        break;
      }
      case 'vmap':
        if (s.rhs.kind === 'set' && s.lhs.length === 1 && inlineable(s.rhs.elements)) {
          this.emit(O_VMAPS);
          this.emit(this.sel(s.lhs[0]!));
          this.emit(s.rhs.elements.length);
          for (const e of s.rhs.elements) {
            this.emit(e.key[0]!.lo);
            this.emit(e.key[0]!.hi);
            this.emitVerdict(e.verdict ? this.verdictWord(t, e.verdict) : V_NONE);
          }
          break;
        }
        this.emit(O_VMAP);
        this.emit(
          this.lookupOf(t, s.rhs, 'vmap', (e) => (e.verdict ? this.verdictWord(t, e.verdict) : undefined)),
        );
        this.emitSels(s.lhs);
        break;
      case 'counter':
      case 'log':
        this.emit(O_NOP);
        break;
      case 'notrack':
        this.emit(O_NOTRACK);
        break;
      case 'set':
        this.emit(s.target === 'meta mark' ? O_MARK : O_CTMARK);
        this.emit(s.value.kind === 'const' ? -1 : this.sel(s.value.sel));
        this.emit(s.value.kind === 'const' ? s.value.value : 0);
        break;
      case 'nat': {
        const type = NAT_TYPES.indexOf(s.type);
        if (s.to?.map) {
          this.emit(O_NATMAP);
          this.emit(type);
          this.emit(
            this.lookupOf(t, s.to.map.rhs, `nat ${s.type} ${s.flags.join(',')}`, (e) =>
              e.data ? natVerdict(s, e.data[0], e.data[1]) : undefined,
            ),
          );
          this.emitSels(s.to.map.lhs);
          break;
        }
        const addr = s.to?.addr;
        const port = s.to?.port;
        this.emit(O_NAT);
        this.emit(type);
        this.emit(
          (addr ? NAT_ADDR : 0) |
            (port ? NAT_PORT : 0) |
            (s.flags.includes('random') ? NAT_RANDOM : 0) |
            (s.flags.includes('fully-random') ? NAT_FULLY_RANDOM : 0) |
            (s.flags.includes('persistent') ? NAT_PERSISTENT : 0),
        );
        this.emit(addr?.lo ?? 0);
        this.emit(addr?.hi ?? 0);
        this.emit(port?.lo ?? 0);
        this.emit(port?.hi ?? 0);
        break;
      }
      case 'reject':
        this.emit(O_REJECT);
        this.emit(this.tvs.length);
        this.tvs.push({ verdict: 'DROP', reject: { with: rejectWith(s, 0) } });
        this.tvs.push({ verdict: 'DROP', reject: { with: rejectWith(s, 6) } });
        break;
      case 'verdict':
        this.emit(O_VERDICT);
        this.emitVerdict(this.verdictWord(t, s.v));
        break;
    }
  }

  // --- the walk, per packet ----------------------------------------------------------------

  /** Walks one base chain (with the chains it jumps to) for one packet. */
  run(base: NftBase, ctx: PacketCtx, onStep?: (s: WalkStep) => void): TableVerdict {
    const stackOff = this.stackOff;
    const stackPc = this.stackPc;
    let depth = 0;
    let off = this.root(base);
    const code = this.code;
    let pc = off + 1;
    let evaluations = 0;
    for (;;) {
      if (++evaluations > this.maxEvaluations) throw new WalkTooLong(this.maxEvaluations);
      const len = code[pc]!;
      if (len === 0) {
        if (depth > 0) {
          depth--;
          off = stackOff[depth]!;
          pc = stackPc[depth]!;
          continue;
        }
        const policy = base.chain.base!.policy;
        onStep?.({
          kind: 'policy',
          chain: base.chain.name,
          policy: policy === 'accept' ? 'ACCEPT' : 'DROP',
          bytes: ctx.ip.len,
        });
        return policy === 'accept' ? ACCEPT : DROP;
      }
      const start = pc;
      pc += len;
      const r = this.exec(code, start + 2, pc, ctx);
      if (r === R_NOMATCH) continue;
      if (onStep) {
        const src = this.infos[code[off]!]!.src;
        const rulenum = code[start + 1]!;
        onStep({
          kind: 'rule',
          chain: src.name,
          rulenum,
          text: this.ruleText(base.table, src.rules[rulenum - 1]!),
          verdict: r === R_NEXT ? 'continue' : r === R_VERDICT ? this.verdictText(this.vw) : this.tvText,
          bytes: ctx.ip.len,
        });
      }
      if (r === R_END) return this.tv;
      if (r === R_NEXT) continue;
      const w = this.vw;
      switch (w & 7) {
        case V_ACCEPT:
          return ACCEPT;
        case V_DROP:
          return DROP;
        case V_RETURN:
          // To the chain's end, which pops (or ends the base chain) as running off it does.
          while (code[pc] !== 0) pc += code[pc]!;
          break;
        case V_JUMP:
          if (depth >= JUMP_STACK) return DROP;
          stackOff[depth] = off;
          stackPc[depth] = pc;
          depth++;
          off = w >> 3;
          pc = off + 1;
          break;
        case V_GOTO:
          off = w >> 3;
          pc = off + 1;
          break;
      }
    }
  }

  /** One rule's ops, from `pc` to `end`, left to right, until a match fails or a verdict ends the rule. */
  private exec(code: Int32Array, pc: number, end: number, ctx: PacketCtx): number {
    const u32 = this.u32;
    const sels = this.sels;
    const vals = this.vals;
    while (pc < end) {
      switch (code[pc]) {
        case O_RANGE: {
          const v = read(sels[code[pc + 1]!]!, ctx);
          if (v === undefined) return R_NOMATCH;
          const hit = typeof v === 'number' && v >= u32[pc + 3]! && v <= u32[pc + 4]!;
          if (hit === (code[pc + 2] === 1)) return R_NOMATCH;
          pc += 5;
          break;
        }
        case O_STR: {
          const v = read(sels[code[pc + 1]!]!, ctx);
          if (v === undefined) return R_NOMATCH;
          const s = this.strs[code[pc + 4]!]!;
          const hit = typeof v === 'string' && (code[pc + 3] === 1 ? v.startsWith(s) : v === s);
          if (hit === (code[pc + 2] === 1)) return R_NOMATCH;
          pc += 5;
          break;
        }
        case O_FLAGS: {
          const v = read(sels[code[pc + 1]!]!, ctx) as number | undefined;
          if (v === undefined) return R_NOMATCH;
          const bits = code[pc + 2]!;
          const mask = code[pc + 3]!;
          const hit = mask !== -1 ? (v & mask) === bits : (v & bits) !== 0 || (v === 0 && bits === 0);
          if (!hit) return R_NOMATCH;
          pc += 4;
          break;
        }
        case O_CMP: {
          const v = read(sels[code[pc + 1]!]!, ctx) as number | undefined;
          if (v === undefined) return R_NOMATCH;
          const x = u32[pc + 2]!;
          const a = code[pc + 3];
          if (!(a === 0 ? v < x : a === 1 ? v > x : a === 2 ? v <= x : v >= x)) return R_NOMATCH;
          pc += 4;
          break;
        }
        case O_TUPLE: {
          const n = code[pc + 3]!;
          if (!readAll(code, pc + 4, n, sels, ctx, vals)) return R_NOMATCH;
          const key = this.keys[code[pc + 2]!]!;
          let hit = true;
          for (let i = 0; i < n; i++)
            if (!scalarMatches(key[i]!, vals[i]!)) {
              hit = false;
              break;
            }
          if (hit === (code[pc + 1] === 1)) return R_NOMATCH;
          pc += 4 + n;
          break;
        }
        case O_SET: {
          const n = code[pc + 3]!;
          if (!readAll(code, pc + 4, n, sels, ctx, vals)) return R_NOMATCH;
          const hit = this.lookups[code[pc + 2]!]!.find(vals) !== undefined;
          if (hit === (code[pc + 1] === 1)) return R_NOMATCH;
          pc += 4 + n;
          break;
        }
        case O_SETS: {
          const v = read(sels[code[pc + 1]!]!, ctx);
          if (v === undefined) return R_NOMATCH;
          const n = code[pc + 3]!;
          let hit = false;
          if (typeof v === 'number')
            for (let i = 0, p = pc + 4; i < n; i++, p += 2)
              if (v >= u32[p]! && v <= u32[p + 1]!) {
                hit = true;
                break;
              }
          if (hit === (code[pc + 2] === 1)) return R_NOMATCH;
          pc += 4 + 2 * n;
          break;
        }
        case O_VMAP: {
          const n = code[pc + 2]!;
          if (!readAll(code, pc + 3, n, sels, ctx, vals)) return R_NOMATCH;
          const w = this.lookups[code[pc + 1]!]!.find(vals) as number | undefined;
          if (w === undefined) return R_NOMATCH;
          if ((w & 7) !== V_CONTINUE) {
            this.vw = w;
            return R_VERDICT;
          }
          pc += 3 + n;
          break;
        }
        case O_VMAPS: {
          const v = read(sels[code[pc + 1]!]!, ctx);
          if (typeof v !== 'number') return R_NOMATCH;
          const n = code[pc + 2]!;
          let w = -1;
          for (let i = 0, p = pc + 3; i < n; i++, p += 3)
            if (v >= u32[p]! && v <= u32[p + 1]!) {
              w = code[p + 2]!;
              break;
            }
          if (w === -1 || w === V_NONE) return R_NOMATCH;
          if ((w & 7) !== V_CONTINUE) {
            this.vw = w;
            return R_VERDICT;
          }
          pc += 3 + 3 * n;
          break;
        }
        case O_NOP:
          pc += 1;
          break;
        case O_NOTRACK:
          ctx.notrack = true;
          pc += 1;
          break;
        case O_MARK:
        case O_CTMARK: {
          const s = code[pc + 1]!;
          const val = s !== -1 ? (read(sels[s]!, ctx) as number | undefined) : u32[pc + 2]!;
          if (val === undefined) return R_NOMATCH;
          if (code[pc] === O_MARK) ctx.mark = val >>> 0;
          else if (ctx.ct) ctx.ct.mark = val >>> 0;
          pc += 3;
          break;
        }
        case O_NAT:
          this.tv = natRequest(code, u32, pc);
          this.tvText = NAT_TYPES[code[pc + 1]!]!;
          return R_END;
        case O_NATMAP: {
          const n = code[pc + 3]!;
          if (!readAll(code, pc + 4, n, sels, ctx, vals)) return R_NOMATCH;
          const tv = this.lookups[code[pc + 2]!]!.find(vals) as TableVerdict | undefined;
          if (tv === undefined) return R_NOMATCH;
          this.tv = tv;
          this.tvText = NAT_TYPES[code[pc + 1]!]!;
          return R_END;
        }
        case O_REJECT:
          this.tv = this.tvs[code[pc + 1]! + (ctx.ip.proto === 6 ? 1 : 0)]!;
          this.tvText = 'reject';
          return R_END;
        case O_VERDICT: {
          const w = code[pc + 1]!;
          if ((w & 7) !== V_CONTINUE) {
            this.vw = w;
            return R_VERDICT;
          }
          pc += 2;
          break;
        }
        default:
          throw new Error(`nft: bad op ${code[pc]} at ${pc}`);
      }
    }
    return R_NEXT;
  }
}

/** Whether an anonymous set's elements fit inline: few, one numeric field each. */
function inlineable(elements: readonly Element[]): boolean {
  return (
    elements.length <= INLINE_MAX && elements.every((e) => e.key.length === 1 && e.key[0]!.str === undefined)
  );
}

/**
 * The NAT core's request for an inline nat statement, built per packet from the code: a few
 * words beside the rule already being read, where a prebuilt request per endpoint was three
 * more objects to fetch from a large heap.
 */
function natRequest(code: Int32Array, u32: Uint32Array, pc: number): TableVerdict {
  const f = code[pc + 2]!;
  const minIp = u32[pc + 3]! as never;
  const maxIp = u32[pc + 4]! as never;
  const minPort = code[pc + 5]!;
  const maxPort = code[pc + 6]!;
  const range: NatRequest['range'] =
    f & NAT_ADDR
      ? f & NAT_PORT
        ? { minIp, maxIp, minPort, maxPort }
        : { minIp, maxIp }
      : f & NAT_PORT
        ? { minPort, maxPort }
        : {};
  return {
    verdict: 'ACCEPT',
    nat: {
      target: NAT_TARGETS[code[pc + 1]!]!,
      range,
      random: (f & NAT_RANDOM) !== 0,
      randomFully: (f & NAT_FULLY_RANDOM) !== 0,
      persistent: (f & NAT_PERSISTENT) !== 0,
    },
  };
}

function readAll(
  code: Int32Array,
  pc: number,
  n: number,
  sels: readonly CSel[],
  ctx: PacketCtx,
  vals: (number | string)[],
): boolean {
  vals.length = n;
  for (let i = 0; i < n; i++) {
    const v = read(sels[code[pc + i]!]!, ctx);
    if (v === undefined) return false;
    vals[i] = v;
  }
  return true;
}

/** The NAT core's request for a nat statement, built once per statement (or per map element). */
function natVerdict(
  s: Extract<Stmt, { k: 'nat' }>,
  addr: Scalar | undefined,
  port: Scalar | undefined,
): TableVerdict {
  const target: NatRequest['target'] =
    s.type === 'dnat'
      ? 'DNAT'
      : s.type === 'snat'
        ? 'SNAT'
        : s.type === 'masquerade'
          ? 'MASQUERADE'
          : 'REDIRECT';
  const nat: NatRequest = {
    target,
    range: {
      ...(addr && { minIp: addr.lo as never, maxIp: addr.hi as never }),
      ...(port && { minPort: port.lo, maxPort: port.hi }),
    },
    random: s.flags.includes('random'),
    randomFully: s.flags.includes('fully-random'),
    persistent: s.flags.includes('persistent'),
  };
  return { verdict: 'ACCEPT', nat };
}

/** The REJECT `--reject-with` word the transport layer knows, from nft's reject statement. */
function rejectWith(s: Extract<Stmt, { k: 'reject' }>, proto: number): string {
  const w = s.with;
  if (!w) return 'icmp-port-unreachable';
  if (w.type === 'tcp reset') return proto === 6 ? 'tcp-reset' : 'icmp-port-unreachable';
  const code =
    w.code === 'prot-unreachable' ? 'proto-unreachable' : w.code === 'no-route' ? 'net-unreachable' : w.code!;
  return `icmp-${code}`;
}
