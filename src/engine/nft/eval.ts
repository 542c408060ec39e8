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
import { printRule, printVerdict } from './print';
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

// Compiled verdict codes.
const V_ACCEPT = 0;
const V_DROP = 1;
const V_CONTINUE = 2;
const V_RETURN = 3;
const V_JUMP = 4;
const V_GOTO = 5;
const VERDICT_CODE: Record<Verdict['kind'], number> = {
  accept: V_ACCEPT,
  drop: V_DROP,
  continue: V_CONTINUE,
  return: V_RETURN,
  jump: V_JUMP,
  goto: V_GOTO,
};

/** A verdict with its target chain resolved to the compiled chain, and its text for the timeline. */
interface CVerdict {
  readonly code: number;
  target: CChain | undefined;
  readonly text: string;
}

/** A chain compiled: each rule an op list, jump targets object references (no lookup by name). */
interface CChain {
  readonly src: Chain;
  readonly rules: (readonly Op[])[];
}

// Op codes: one per kind of statement the walk can meet, matches split by how they compare.
const O_RANGE = 0; // one selector against one value or range
const O_STR = 1; // an interface name, or its wildcard
const O_FLAGS = 2; // a flag type (ct state, tcp flags...) against bits, maybe masked
const O_CMP = 3; // < > <= >=
const O_TUPLE = 4; // a concatenation against one constant key
const O_SET = 5; // membership in a set
const O_VMAP = 6;
const O_NOP = 7; // counter, log
const O_NOTRACK = 8;
const O_MARK = 9; // meta mark set
const O_CTMARK = 10; // ct mark set
const O_NAT = 11;
const O_NATMAP = 12;
const O_REJECT = 13;
const O_VERDICT = 14;

const NO_SELS: readonly CSel[] = [];
const NO_KEY: readonly Scalar[] = [];

/** One statement compiled. A single class, so the walk's property reads stay monomorphic. */
class Op {
  code = O_NOP;
  sels: readonly CSel[] = NO_SELS;
  sel0: CSel | undefined = undefined;
  /** `!=`. */
  neg = false;
  lo = 0;
  hi = 0;
  str = '';
  /**
   * For O_CMP: 0 <, 1 >, 2 <=, 3 >=; for O_FLAGS: the mask, or -1 for "any of the bits"; for
   * O_STR: 1 when `str` is a wildcard's prefix.
   */
  arg = 0;
  key: readonly Scalar[] = NO_KEY;
  set: Lookup<unknown> | undefined = undefined;
  verdict: CVerdict | undefined = undefined;
  /** A mark's constant value (`meta mark set 0x1`), when there is no selector. */
  constValue = 0;
  /** What a terminal statement returns: a NAT binding, or REJECT (tcp reset / otherwise). */
  tv: TableVerdict | undefined = undefined;
  tvTcp: TableVerdict | undefined = undefined;
  text = '';
}

const ACCEPT: TableVerdict = { verdict: 'ACCEPT' };
const DROP: TableVerdict = { verdict: 'DROP' };

// exec()'s outcome for one rule.
const R_NOMATCH = 0;
const R_NEXT = 1;
const R_VERDICT = 2;
const R_END = 3;

/** Deepest jump stack nf_tables allows (NFT_JUMP_STACK_SIZE). */
const JUMP_STACK = 16;

export class NftRuntime {
  readonly bases: readonly NftBase[];
  private readonly sets = new Map<Table, Map<string, NftSet>>();
  private readonly compiledChains = new Map<Table, Map<string, CChain>>();
  private readonly roots = new WeakMap<Chain, CChain>();
  private readonly texts = new WeakMap<Rule, string>();
  /**
   * Compiled selectors and statements, shared wherever they are the same (kube-proxy writes
   * `jump mark-for-masquerade` in every Service chain): with 10,000 Services, the objects a
   * packet touches then stay in the cache instead of being one cold copy per chain.
   */
  private readonly selCache = new Map<string, CSel>();
  /** Statements by their JSON while a table is compiled; dropped after (the keys are big). */
  private opCache = new Map<string, Op>();
  // Scratch space of one walk (walks do not nest): no allocation per packet.
  private readonly stackChain: (CChain | undefined)[] = new Array(JUMP_STACK).fill(undefined);
  private readonly stackIdx = new Int32Array(JUMP_STACK);
  private readonly vals: (number | string)[] = [];
  /** exec()'s payload: the verdict (R_VERDICT) or the walk's result and its text (R_END). */
  private cv: CVerdict | undefined;
  private tv: TableVerdict = ACCEPT;
  private tvText = '';

  constructor(
    readonly ruleset: Ruleset,
    /** Rules evaluated in one walk before it throws WalkTooLong (budget.ts): gotos can loop, jumps multiply. */
    private readonly maxEvaluations = Number.POSITIVE_INFINITY,
  ) {
    const bases: NftBase[] = [];
    for (const t of ruleset.tables) {
      this.sets.set(t, new Map(t.sets.map((s) => [s.name, s])));
      this.compileTable(t);
      if (t.family === 'bridge') continue;
      for (const c of t.chains)
        if (c.base)
          bases.push({
            table: t,
            chain: c,
            hook: HOOK[c.base.hook]!,
            prio: c.base.priority,
            type: c.base.type,
          });
    }
    this.bases = bases;
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

  private compileTable(t: Table): void {
    const byName = new Map<string, CChain>();
    this.compiledChains.set(t, byName);
    // Shells first, so a jump to a chain defined further down resolves to its object.
    for (const c of t.chains) {
      const cc: CChain = { src: c, rules: [] };
      byName.set(c.name, cc);
      this.roots.set(c, cc);
    }
    for (const c of t.chains) this.fillChain(t, c, byName.get(c.name)!);
    this.opCache = new Map();
  }

  private fillChain(t: Table, c: Chain, cc: CChain): void {
    for (const r of c.rules) cc.rules.push(r.stmts.map((s) => this.compileShared(t, s)));
  }

  /** The compiled chain a base chain starts at (compiled on first use for a chain built elsewhere). */
  private root(base: NftBase): CChain {
    let cc = this.roots.get(base.chain);
    if (!cc) {
      if (!this.compiledChains.has(base.table)) this.compileTable(base.table);
      cc = { src: base.chain, rules: [] };
      this.fillChain(base.table, base.chain, cc);
      this.roots.set(base.chain, cc);
    }
    return cc;
  }

  private csel(s: Selector): CSel {
    const key = `${s.key}|${s.mod}|${s.offset}|${s.binop?.op}|${s.binop?.value}`;
    let c = this.selCache.get(key);
    if (!c) {
      c = new CSel(s);
      this.selCache.set(key, c);
    }
    return c;
  }

  /** A statement compiled, or the same statement's earlier compilation in this table. */
  private compileShared(t: Table, s: Stmt): Op {
    // Anonymous sets can be large: those are compiled each time rather than keyed by their text.
    if ((s.k === 'match' || s.k === 'vmap') && s.rhs.kind === 'set' && s.rhs.elements.length > 16)
      return this.compileStmt(t, s);
    const cache = this.opCache;
    const key = JSON.stringify(s);
    let op = cache.get(key);
    if (!op) {
      op = this.compileStmt(t, s);
      cache.set(key, op);
    }
    return op;
  }

  private compiledVerdict(t: Table, v: Verdict): CVerdict {
    const target = v.chain !== undefined ? this.compiledChains.get(t)?.get(v.chain) : undefined;
    return { code: VERDICT_CODE[v.kind], target, text: printVerdict(v) };
  }

  /** A named set's index is shared by every rule that refers to it; an anonymous one is its own. */
  private named = new WeakMap<NftSet, Map<string, Lookup<unknown>>>();
  private lookupOf<R>(t: Table, rhs: Rhs, purpose: string, result: (e: Element) => R | undefined): Lookup<R> {
    if (rhs.kind === 'set') return new Lookup(rhs.elements, result);
    const set = rhs.kind === 'ref' ? this.sets.get(t)?.get(rhs.name) : undefined;
    if (!set) return new Lookup<R>([], result);
    let byPurpose = this.named.get(set);
    if (!byPurpose) {
      byPurpose = new Map();
      this.named.set(set, byPurpose);
    }
    let l = byPurpose.get(purpose);
    if (!l) {
      l = new Lookup(set.elements, result);
      byPurpose.set(purpose, l);
    }
    return l as Lookup<R>;
  }

  private compileStmt(t: Table, s: Stmt): Op {
    const op = new Op();
    switch (s.k) {
      case 'match': {
        op.sels = s.lhs.map((x) => this.csel(x));
        op.sel0 = op.sels[0];
        op.neg = s.op === '!=';
        if (s.rhs.kind !== 'value') {
          op.code = O_SET;
          op.set = this.lookupOf(t, s.rhs, 'set', () => true);
          break;
        }
        const key = s.rhs.key;
        const k0 = key[0]!;
        if (s.lhs.length === 1 && isFlagType(selectorType(s.lhs[0]!)) && s.op === undefined) {
          op.code = O_FLAGS;
          op.lo = k0.lo;
          op.arg = s.mask ?? -1;
        } else if (s.op === '<' || s.op === '>' || s.op === '<=' || s.op === '>=') {
          op.code = O_CMP;
          op.lo = k0.lo;
          op.arg = s.op === '<' ? 0 : s.op === '>' ? 1 : s.op === '<=' ? 2 : 3;
        } else if (s.lhs.length === 1 && k0.str !== undefined) {
          op.code = O_STR;
          op.arg = k0.str.endsWith('*') ? 1 : 0;
          op.str = op.arg === 1 ? k0.str.slice(0, -1) : k0.str;
        } else if (s.lhs.length === 1) {
          op.code = O_RANGE;
          op.lo = k0.lo;
          op.hi = k0.hi;
        } else {
          op.code = O_TUPLE;
          op.key = key;
        }
        break;
      }
      case 'vmap':
        op.code = O_VMAP;
        op.sels = s.lhs.map((x) => this.csel(x));
        op.set = this.lookupOf(t, s.rhs, 'vmap', (e) =>
          e.verdict ? this.compiledVerdict(t, e.verdict) : undefined,
        );
        break;
      case 'counter':
      case 'log':
        op.code = O_NOP;
        break;
      case 'notrack':
        op.code = O_NOTRACK;
        break;
      case 'set':
        op.code = s.target === 'meta mark' ? O_MARK : O_CTMARK;
        if (s.value.kind === 'const') op.constValue = s.value.value;
        else op.sel0 = this.csel(s.value.sel);
        break;
      case 'nat': {
        op.text = s.type;
        if (s.to?.map) {
          op.code = O_NATMAP;
          op.sels = s.to.map.lhs.map((x) => this.csel(x));
          op.set = this.lookupOf(t, s.to.map.rhs, `nat ${s.type} ${s.flags.join(',')}`, (e) =>
            e.data ? natVerdict(s, e.data[0], e.data[1]) : undefined,
          );
        } else {
          op.code = O_NAT;
          op.tv = natVerdict(s, s.to?.addr, s.to?.port);
        }
        break;
      }
      case 'reject': {
        op.code = O_REJECT;
        op.text = 'reject';
        op.tv = { verdict: 'DROP', reject: { with: rejectWith(s, 0) } };
        op.tvTcp = { verdict: 'DROP', reject: { with: rejectWith(s, 6) } };
        break;
      }
      case 'verdict':
        op.code = O_VERDICT;
        op.verdict = this.compiledVerdict(t, s.v);
        break;
    }
    return op;
  }

  // --- the walk, per packet ----------------------------------------------------------------

  /** Walks one base chain (with the chains it jumps to) for one packet. */
  run(base: NftBase, ctx: PacketCtx, onStep?: (s: WalkStep) => void): TableVerdict {
    const stackChain = this.stackChain;
    const stackIdx = this.stackIdx;
    let depth = 0;
    let chain = this.root(base);
    let i = 0;
    let evaluations = 0;
    for (;;) {
      if (++evaluations > this.maxEvaluations) throw new WalkTooLong(this.maxEvaluations);
      const rules = chain.rules;
      if (i >= rules.length) {
        if (depth > 0) {
          depth--;
          chain = stackChain[depth]!;
          i = stackIdx[depth]!;
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
      const r = this.exec(rules[i++]!, ctx);
      if (r === R_NOMATCH) continue;
      if (onStep)
        onStep({
          kind: 'rule',
          chain: chain.src.name,
          rulenum: i,
          text: this.ruleText(base.table, chain.src.rules[i - 1]!),
          verdict: r === R_NEXT ? 'continue' : r === R_VERDICT ? this.cv!.text : this.tvText,
          bytes: ctx.ip.len,
        });
      if (r === R_END) return this.tv;
      if (r === R_NEXT) continue;
      const v = this.cv!;
      switch (v.code) {
        case V_ACCEPT:
          return ACCEPT;
        case V_DROP:
          return DROP;
        case V_RETURN:
          i = rules.length;
          break;
        case V_JUMP:
          if (depth >= JUMP_STACK) return DROP;
          stackChain[depth] = chain;
          stackIdx[depth] = i;
          depth++;
          chain = v.target!;
          i = 0;
          break;
        case V_GOTO:
          chain = v.target!;
          i = 0;
          break;
      }
    }
  }

  /** One rule's statements, left to right, until a match fails or a verdict ends the rule. */
  private exec(ops: readonly Op[], ctx: PacketCtx): number {
    const vals = this.vals;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!;
      switch (op.code) {
        case O_RANGE: {
          const v = read(op.sel0!, ctx);
          if (v === undefined) return R_NOMATCH;
          const hit = typeof v === 'number' && v >= op.lo && v <= op.hi;
          if (hit === op.neg) return R_NOMATCH;
          break;
        }
        case O_STR: {
          const v = read(op.sel0!, ctx);
          if (v === undefined) return R_NOMATCH;
          const hit = typeof v === 'string' && (op.arg === 1 ? v.startsWith(op.str) : v === op.str);
          if (hit === op.neg) return R_NOMATCH;
          break;
        }
        case O_FLAGS: {
          const v = read(op.sel0!, ctx) as number | undefined;
          if (v === undefined) return R_NOMATCH;
          const hit = op.arg !== -1 ? (v & op.arg) === op.lo : (v & op.lo) !== 0 || (v === 0 && op.lo === 0);
          if (!hit) return R_NOMATCH;
          break;
        }
        case O_CMP: {
          const v = read(op.sel0!, ctx) as number | undefined;
          if (v === undefined) return R_NOMATCH;
          const x = op.lo;
          const a = op.arg;
          if (!(a === 0 ? v < x : a === 1 ? v > x : a === 2 ? v <= x : v >= x)) return R_NOMATCH;
          break;
        }
        case O_TUPLE: {
          if (!readAll(op.sels, ctx, vals)) return R_NOMATCH;
          let hit = true;
          for (let i = 0; i < vals.length; i++)
            if (!scalarMatches(op.key[i]!, vals[i]!)) {
              hit = false;
              break;
            }
          if (hit === op.neg) return R_NOMATCH;
          break;
        }
        case O_SET: {
          if (!readAll(op.sels, ctx, vals)) return R_NOMATCH;
          const hit = op.set!.find(vals) !== undefined;
          if (hit === op.neg) return R_NOMATCH;
          break;
        }
        case O_VMAP: {
          if (!readAll(op.sels, ctx, vals)) return R_NOMATCH;
          const v = op.set!.find(vals) as CVerdict | undefined;
          if (v === undefined) return R_NOMATCH;
          if (v.code !== V_CONTINUE) {
            this.cv = v;
            return R_VERDICT;
          }
          break;
        }
        case O_NOP:
          break;
        case O_NOTRACK:
          ctx.notrack = true;
          break;
        case O_MARK:
        case O_CTMARK: {
          const val = op.sel0 ? (read(op.sel0, ctx) as number | undefined) : op.constValue;
          if (val === undefined) return R_NOMATCH;
          if (op.code === O_MARK) ctx.mark = val >>> 0;
          else if (ctx.ct) ctx.ct.mark = val >>> 0;
          break;
        }
        case O_NAT:
          this.tv = op.tv!;
          this.tvText = op.text;
          return R_END;
        case O_NATMAP: {
          if (!readAll(op.sels, ctx, vals)) return R_NOMATCH;
          const tv = op.set!.find(vals) as TableVerdict | undefined;
          if (tv === undefined) return R_NOMATCH;
          this.tv = tv;
          this.tvText = op.text;
          return R_END;
        }
        case O_REJECT:
          this.tv = ctx.ip.proto === 6 ? op.tvTcp! : op.tv!;
          this.tvText = op.text;
          return R_END;
        case O_VERDICT:
          if (op.verdict!.code !== V_CONTINUE) {
            this.cv = op.verdict;
            return R_VERDICT;
          }
          break;
      }
    }
    return R_NEXT;
  }
}

function readAll(sels: readonly CSel[], ctx: PacketCtx, vals: (number | string)[]): boolean {
  vals.length = sels.length;
  for (let i = 0; i < sels.length; i++) {
    const v = read(sels[i]!, ctx);
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
