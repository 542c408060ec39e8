// Runs an nftables ruleset against packets, as nf_tables does: a base chain is walked rule by
// rule; a rule's statements run left to right and stop at the first match that fails; jump
// pushes a return point, goto does not, return pops; accept or a NAT statement ends this base
// chain only (the next hook function still runs); drop and reject end the packet. Verdict maps
// and named sets are hash lookups, so dispatch does not grow with the number of Services.

import { WalkTooLong } from '../budget';
import type { AddrType, NatRequest, PacketCtx, TableVerdict, WalkStep } from '../iptables/types';
import type { Hook } from '../timeline/events';
import { CT_STATE, FIB_ADDRTYPE, isFlagType } from './datatypes';
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

/**
 * Set and map contents indexed for constant-time lookups; ranges and wildcards are scanned. A
 * concatenation is a trie of Maps, one level per field, so a lookup allocates nothing.
 */
class Lookup {
  private readonly exact = new Map<number | string, unknown>();
  private readonly scan: Element[] = [];
  constructor(elements: readonly Element[]) {
    for (const e of elements) {
      if (!isExact(e)) {
        this.scan.push(e);
        continue;
      }
      let level = this.exact;
      const n = e.key.length;
      for (let i = 0; i < n - 1; i++) {
        const k = keyOf(e.key[i]!);
        let next = level.get(k) as Map<number | string, unknown> | undefined;
        if (!next) {
          next = new Map();
          level.set(k, next);
        }
        level = next;
      }
      const last = keyOf(e.key[n - 1]!);
      if (!level.has(last)) level.set(last, e);
    }
  }
  find(vals: readonly (number | string)[]): Element | undefined {
    let level: unknown = this.exact;
    for (let i = 0; i < vals.length && level !== undefined; i++)
      level = (level as Map<number | string, unknown>).get(vals[i]!);
    if (level !== undefined) return level as Element;
    for (const e of this.scan) if (keyMatches(e, vals)) return e;
    return undefined;
  }
}

const keyOf = (s: Element['key'][number]): number | string => s.str ?? s.lo;

function isExact(e: Element): boolean {
  for (const s of e.key) {
    if (s.str !== undefined ? s.str.endsWith('*') : s.lo !== s.hi) return false;
  }
  return true;
}

function scalarMatches(s: Element['key'][number], v: number | string): boolean {
  if (s.str !== undefined) {
    if (typeof v !== 'string') return false;
    return s.str.endsWith('*') ? v.startsWith(s.str.slice(0, -1)) : v === s.str;
  }
  return typeof v === 'number' && v >= s.lo && v <= s.hi;
}

function keyMatches(e: Element, vals: readonly (number | string)[]): boolean {
  for (let i = 0; i < vals.length; i++) if (!scalarMatches(e.key[i]!, vals[i]!)) return false;
  return true;
}

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

/** What a selector reads; undefined when the packet has no such field (the rule does not match). */
function read(s: Selector, ctx: PacketCtx): number | string | undefined {
  const ip = ctx.ip;
  let v: number | string | undefined;
  switch (s.key) {
    case 'ip saddr':
      v = ip.src;
      break;
    case 'ip daddr':
      v = ip.dst;
      break;
    case 'ip protocol':
    case 'meta l4proto':
      v = ip.proto;
      break;
    case 'meta mark':
      v = ctx.mark;
      break;
    case 'meta nfproto':
      v = 2;
      break;
    case 'iifname':
    case 'iif':
      v = ctx.inDev || undefined;
      break;
    case 'oifname':
    case 'oif':
      v = ctx.outDev || undefined;
      break;
    case 'th sport':
      v = ip.l4.proto === 1 ? undefined : ip.l4.sport;
      break;
    case 'th dport':
      v = ip.l4.proto === 1 ? undefined : ip.l4.dport;
      break;
    case 'tcp sport':
      v = ip.l4.proto === 6 ? ip.l4.sport : undefined;
      break;
    case 'tcp dport':
      v = ip.l4.proto === 6 ? ip.l4.dport : undefined;
      break;
    case 'udp sport':
      v = ip.l4.proto === 17 ? ip.l4.sport : undefined;
      break;
    case 'udp dport':
      v = ip.l4.proto === 17 ? ip.l4.dport : undefined;
      break;
    case 'tcp flags':
      v = ip.l4.proto === 6 ? ip.l4.flags : undefined;
      break;
    case 'icmp type':
      v = ip.l4.proto === 1 ? ip.l4.type : undefined;
      break;
    case 'ct state':
      v = CTSTATE_BIT[ctx.ctstate];
      break;
    case 'ct status':
      v = ctx.ct?.status;
      break;
    case 'ct mark':
      v = ctx.ct?.mark;
      break;
    case 'fib daddr type':
      v = ADDRTYPE_NUM[ctx.addrType(ip.dst)];
      break;
    case 'ether type':
      v = 0x0800;
      break;
    case 'numgen':
      // numgen random: a seeded draw per evaluation, uniform over 0..mod-1.
      v = Math.floor(ctx.random() * s.mod!) + (s.offset ?? 0);
      break;
  }
  if (v !== undefined && s.binop && typeof v === 'number') {
    const b = s.binop.value;
    v = (s.binop.op === '&' ? v & b : s.binop.op === '|' ? v | b : v ^ b) >>> 0;
  }
  return v;
}

/** One walk's outcome inside a rule. */
type RuleResult =
  | { readonly kind: 'next' }
  | { readonly kind: 'verdict'; readonly v: Verdict }
  | { readonly kind: 'nat'; readonly req: NatRequest }
  | { readonly kind: 'reject'; readonly with: string };

const NEXT: RuleResult = { kind: 'next' };

export class NftRuntime {
  readonly bases: readonly NftBase[];
  private readonly lookups = new WeakMap<object, Lookup>();
  private readonly sets = new Map<Table, Map<string, NftSet>>();
  private readonly chains = new Map<Table, Map<string, Chain>>();
  private readonly texts = new WeakMap<Rule, string>();
  // Scratch space of one walk (walks do not nest): no allocation per packet.
  private readonly stack: { chain: Chain; i: number }[] = [];
  private readonly vals: (number | string)[] = [];

  constructor(
    readonly ruleset: Ruleset,
    /** Rules evaluated in one walk before it throws WalkTooLong (budget.ts): gotos can loop, jumps multiply. */
    private readonly maxEvaluations = Number.POSITIVE_INFINITY,
  ) {
    const bases: NftBase[] = [];
    for (const t of ruleset.tables) {
      this.sets.set(t, new Map(t.sets.map((s) => [s.name, s])));
      this.chains.set(t, new Map(t.chains.map((c) => [c.name, c])));
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

  private lookup(t: Table, rhs: Rhs): Lookup | undefined {
    const owner: object | undefined =
      rhs.kind === 'ref' ? this.sets.get(t)?.get(rhs.name) : rhs.kind === 'set' ? rhs : undefined;
    if (!owner) return undefined;
    let l = this.lookups.get(owner);
    if (!l) {
      l = new Lookup(rhs.kind === 'set' ? rhs.elements : (owner as NftSet).elements);
      this.lookups.set(owner, l);
    }
    return l;
  }

  ruleText(t: Table, r: Rule): string {
    let s = this.texts.get(r);
    if (s === undefined) {
      s = printRule(t, r);
      this.texts.set(r, s);
    }
    return s;
  }

  /** Walks one base chain (with the chains it jumps to) for one packet. */
  run(base: NftBase, ctx: PacketCtx, onStep?: (s: WalkStep) => void): TableVerdict {
    const t = base.table;
    const stack = this.stack;
    stack.length = 0;
    let chain = base.chain;
    let i = 0;
    const vals = this.vals;
    let evaluations = 0;
    for (;;) {
      if (++evaluations > this.maxEvaluations) throw new WalkTooLong(this.maxEvaluations);
      if (i >= chain.rules.length) {
        const top = stack.pop();
        if (top) {
          chain = top.chain;
          i = top.i;
          continue;
        }
        const policy = base.chain.base!.policy;
        onStep?.({
          kind: 'policy',
          chain: base.chain.name,
          policy: policy === 'accept' ? 'ACCEPT' : 'DROP',
          bytes: ctx.ip.len,
        });
        return { verdict: policy === 'accept' ? 'ACCEPT' : 'DROP' };
      }
      const rule = chain.rules[i++]!;
      const r = this.rule(t, rule, ctx, vals);
      if (r === undefined) continue;
      if (onStep) {
        const verdictText =
          r.kind === 'next'
            ? 'continue'
            : r.kind === 'verdict'
              ? printVerdict(r.v)
              : r.kind === 'nat'
                ? r.req.target.toLowerCase()
                : 'reject';
        onStep({
          kind: 'rule',
          chain: chain.name,
          rulenum: i,
          text: this.ruleText(t, rule),
          verdict: verdictText,
          bytes: ctx.ip.len,
        });
      }
      if (r.kind === 'nat') return { verdict: 'ACCEPT', nat: r.req };
      if (r.kind === 'reject') return { verdict: 'DROP', reject: { with: r.with } };
      if (r.kind === 'next') continue;
      const v = r.v;
      switch (v.kind) {
        case 'accept':
          return { verdict: 'ACCEPT' };
        case 'drop':
          return { verdict: 'DROP' };
        case 'continue':
          break;
        case 'return':
          i = chain.rules.length;
          break;
        case 'jump':
          if (stack.length >= 16) return { verdict: 'DROP' };
          stack.push({ chain, i });
          chain = this.chains.get(t)!.get(v.chain!)!;
          i = 0;
          break;
        case 'goto':
          chain = this.chains.get(t)!.get(v.chain!)!;
          i = 0;
          break;
      }
    }
  }

  /** A rule: undefined when a match failed (not counted), else what it decided. */
  private rule(t: Table, rule: Rule, ctx: PacketCtx, vals: (number | string)[]): RuleResult | undefined {
    const stmts = rule.stmts;
    for (let k = 0; k < stmts.length; k++) {
      const s = stmts[k]!;
      switch (s.k) {
        case 'match':
          if (!this.match(t, s, ctx, vals)) return undefined;
          break;
        case 'vmap': {
          if (!this.readAll(s.lhs, ctx, vals)) return undefined;
          const e = this.lookup(t, s.rhs)?.find(vals);
          if (!e?.verdict) return undefined;
          if (e.verdict.kind !== 'continue') return { kind: 'verdict', v: e.verdict };
          break;
        }
        case 'counter':
        case 'log':
          break;
        case 'notrack':
          ctx.notrack = true;
          break;
        case 'set': {
          const val =
            s.value.kind === 'const' ? s.value.value : (read(s.value.sel, ctx) as number | undefined);
          if (val === undefined) return undefined;
          if (s.target === 'meta mark') ctx.mark = val >>> 0;
          else if (ctx.ct) ctx.ct.mark = val >>> 0;
          break;
        }
        case 'nat': {
          const req = this.natRequest(t, s, ctx, vals);
          if (!req) return undefined;
          return { kind: 'nat', req };
        }
        case 'reject':
          return { kind: 'reject', with: rejectWith(s, ctx) };
        case 'verdict':
          if (s.v.kind !== 'continue') return { kind: 'verdict', v: s.v };
          break;
      }
    }
    return NEXT;
  }

  private readAll(lhs: readonly Selector[], ctx: PacketCtx, vals: (number | string)[]): boolean {
    vals.length = lhs.length;
    for (let i = 0; i < lhs.length; i++) {
      const v = read(lhs[i]!, ctx);
      if (v === undefined) return false;
      vals[i] = v;
    }
    return true;
  }

  private match(
    t: Table,
    s: Extract<Stmt, { k: 'match' }>,
    ctx: PacketCtx,
    vals: (number | string)[],
  ): boolean {
    if (!this.readAll(s.lhs, ctx, vals)) return false;
    let hit: boolean;
    if (s.rhs.kind === 'value') {
      const key = s.rhs.key;
      const type = selectorType(s.lhs[0]!);
      if (s.lhs.length === 1 && isFlagType(type) && s.op === undefined) {
        const v = vals[0] as number;
        hit =
          s.mask !== undefined
            ? (v & s.mask) === key[0]!.lo
            : (v & key[0]!.lo) !== 0 || (v === 0 && key[0]!.lo === 0);
      } else if (s.op === '<' || s.op === '>' || s.op === '<=' || s.op === '>=') {
        const v = vals[0] as number;
        const x = key[0]!.lo;
        hit = s.op === '<' ? v < x : s.op === '>' ? v > x : s.op === '<=' ? v <= x : v >= x;
        return hit;
      } else {
        hit = true;
        for (let i = 0; i < vals.length; i++)
          if (!scalarMatches(key[i]!, vals[i]!)) {
            hit = false;
            break;
          }
      }
    } else {
      hit = this.lookup(t, s.rhs)?.find(vals) !== undefined;
    }
    return s.op === '!=' ? !hit : hit;
  }

  private natRequest(
    t: Table,
    s: Extract<Stmt, { k: 'nat' }>,
    ctx: PacketCtx,
    vals: (number | string)[],
  ): NatRequest | undefined {
    const target =
      s.type === 'dnat'
        ? 'DNAT'
        : s.type === 'snat'
          ? 'SNAT'
          : s.type === 'masquerade'
            ? 'MASQUERADE'
            : 'REDIRECT';
    let addr = s.to?.addr;
    let port = s.to?.port;
    if (s.to?.map) {
      if (!this.readAll(s.to.map.lhs, ctx, vals)) return undefined;
      const e = this.lookup(t, s.to.map.rhs)?.find(vals);
      if (!e?.data) return undefined;
      addr = e.data[0];
      port = e.data[1];
    }
    return {
      target,
      range: {
        ...(addr && { minIp: addr.lo as never, maxIp: addr.hi as never }),
        ...(port && { minPort: port.lo, maxPort: port.hi }),
      },
      random: s.flags.includes('random'),
      randomFully: s.flags.includes('fully-random'),
      persistent: s.flags.includes('persistent'),
    };
  }
}

/** The REJECT `--reject-with` word the transport layer knows, from nft's reject statement. */
function rejectWith(s: Extract<Stmt, { k: 'reject' }>, ctx: PacketCtx): string {
  const w = s.with;
  if (!w) return 'icmp-port-unreachable';
  if (w.type === 'tcp reset') return ctx.ip.proto === 6 ? 'tcp-reset' : 'icmp-port-unreachable';
  const code =
    w.code === 'prot-unreachable' ? 'proto-unreachable' : w.code === 'no-route' ? 'net-unreachable' : w.code!;
  return `icmp-${code}`;
}
