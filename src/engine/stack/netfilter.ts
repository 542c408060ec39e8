import { BudgetExceeded, stopOf, WalkTooLong } from '../budget';
import type { AddrType, PacketCtx, TableVerdict, WalkStep } from '../iptables/types';
import type { Ipv4 } from '../net/ipv4';
import type { NftBase, NftRuntime } from '../nft/eval';
import type { World } from '../sim/world';
import type { BridgeHook, DropReason, Hook, TableName } from '../timeline/events';
import type { Host } from './host';
import type { Skb } from './skb';

/** What the stack needs of an iptables ruleset (implemented by src/engine/iptables). */
export interface IptablesLike {
  hasTable(t: TableName): boolean;
  runTable(t: TableName, hook: Hook, ctx: PacketCtx, onStep?: (s: WalkStep) => void): TableVerdict;
}

/** What the stack needs of conntrack and the NAT core (implemented in stack/ct.ts). */
export interface CtHooks {
  /** nf_conntrack_in at PREROUTING/OUTPUT; false = drop (invalid handling is the rules' job, so only table full). */
  in(w: World, h: Host, skb: Skb, hook: Hook): boolean;
  /** nf_nat_inet_fn for one manip at one hook: consults `nat` rules for a new connection, then rewrites. */
  nat(w: World, h: Host, skb: Skb, hook: Hook): boolean;
  /** nf_confirm at the last hook. */
  confirm(w: World, h: Host, skb: Skb): boolean;
  /** The packet died: free its unconfirmed entry. */
  free(w: World, h: Host, skb: Skb): void;
}

/** A hook function as registered at a hook, in priority order. */
type HookFn =
  | { readonly kind: 'table'; readonly table: TableName; readonly prio: number }
  | { readonly kind: 'nft'; readonly base: NftBase; readonly prio: number }
  | { readonly kind: 'conntrack'; readonly prio: number }
  | { readonly kind: 'nat'; readonly prio: number }
  | { readonly kind: 'confirm'; readonly prio: number };

/**
 * A chain the NAT core consults for a connection's first packet (nf_nat_inet_fn): the iptables
 * nat table's chain at that hook, or an nft chain of type nat. They run in priority order until
 * one sets up a binding; the NAT core itself sits at -100 / 100 whatever their priorities.
 */
export type NatChain =
  | { readonly table: 'nat'; readonly prio: number }
  | { readonly table: NftBase; readonly prio: number };

/** Either an iptables table's chain at the hook, or an nft base chain. */
export type ChainRef = TableName | NftBase;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Table priorities (reference §2.1); security at 150 as iptables-nft registers it. */
const TABLE_PRIO: Record<TableName, number> = { raw: -300, mangle: -150, nat: 0, filter: 0, security: 150 };
const TABLE_HOOKS: Record<TableName, readonly Hook[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/**
 * One hook function as the views show it: what registered it, under what name, at what priority.
 * `kind` leaves room for more registrants (nft base chains) without changing readers.
 */
export interface HookRegistration {
  readonly kind: 'table' | 'nft-chain' | 'conntrack' | 'nat' | 'confirm';
  /**
   * An iptables table's name; `<table> <chain>` for an nft base chain; else the function's kind
   * (`conntrack`, `nat`, `confirm`). Views name the function `<name> <HOOK>`.
   */
  readonly name: string;
  readonly priority: number;
}

/** The functions registered at each IPv4 hook, in the order nfHook runs them. */
export function hookRegistrations(nf: NetfilterState): Record<Hook, readonly HookRegistration[]> {
  const out = {} as Record<Hook, readonly HookRegistration[]>;
  for (const hook of Object.keys(nf.fns) as Hook[])
    out[hook] = nf.fns[hook].map(
      (f): HookRegistration =>
        f.kind === 'table'
          ? { kind: 'table', name: f.table, priority: f.prio }
          : f.kind === 'nft'
            ? { kind: 'nft-chain', name: `${f.base.table.name} ${f.base.chain.name}`, priority: f.prio }
            : { kind: f.kind, name: f.kind, priority: f.prio },
    );
  return out;
}

export interface NetfilterState {
  readonly ipt: IptablesLike | undefined;
  readonly nft: NftRuntime | undefined;
  /** Per hook, the chains the NAT core walks, in the order it walks them. */
  readonly natChains: Record<Hook, readonly NatChain[]>;
  readonly ct: CtHooks | undefined;
  /** Why this namespace tracks connections (a nat table, a conntrack match, ...). */
  readonly ctReason: string | undefined;
  readonly fns: Record<Hook, readonly HookFn[]>;
  /** The base chains of nft `bridge` tables at each bridge hook, in the order they run. */
  readonly brFns: Record<BridgeHook, readonly NftBase[]>;
}

/**
 * br_netfilter's own priority at each bridge hook: bridge-family chains at or below it run
 * before the IPv4 hook it calls, those above it after (Linux 6.18, nft monitor trace: at
 * BR_PRE_ROUTING and BR_FORWARD a chain at priority 0 ran before the IPv4 chains, one at 100
 * after; at BR_POST_ROUTING br_nf_post_routing sits at INT_MAX).
 */
export const BRNF_PRIO: Record<BridgeHook, number> = {
  BR_PRE_ROUTING: 0,
  BR_LOCAL_IN: 0,
  BR_FORWARD: 0,
  BR_LOCAL_OUT: 0,
  BR_POST_ROUTING: 2147483647,
};

const BRIDGE_HOOK: Record<Hook, BridgeHook> = {
  PREROUTING: 'BR_PRE_ROUTING',
  INPUT: 'BR_LOCAL_IN',
  FORWARD: 'BR_FORWARD',
  OUTPUT: 'BR_LOCAL_OUT',
  POSTROUTING: 'BR_POST_ROUTING',
};

/**
 * Registers the hook functions the kernel would: a table's chains only where the table
 * exists, conntrack (and with it nat and confirm) only when the ruleset needs it (§13).
 */
export function createNetfilter(
  ipt: IptablesLike | undefined,
  ct: CtHooks | undefined,
  ctReason?: string,
  nft?: NftRuntime,
): NetfilterState {
  const fns: Record<Hook, HookFn[]> = { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] };
  const natChains: Record<Hook, NatChain[]> = {
    PREROUTING: [],
    INPUT: [],
    FORWARD: [],
    OUTPUT: [],
    POSTROUTING: [],
  };
  for (const t of ['raw', 'mangle', 'filter', 'security'] as const) {
    if (!ipt?.hasTable(t)) continue;
    for (const hook of TABLE_HOOKS[t]) register(fns[hook], hookFn('table', t, TABLE_PRIO[t]));
  }
  if (ipt?.hasTable('nat'))
    for (const hook of TABLE_HOOKS.nat)
      register(natChains[hook], {
        table: 'nat',
        prio: hook === 'PREROUTING' || hook === 'OUTPUT' ? -100 : 100,
      });
  // The nft ruleset is loaded after the iptables one (scenario order, and parity's order).
  for (const base of nft?.bases ?? []) {
    if (base.type === 'nat') register(natChains[base.hook], { table: base, prio: base.prio });
    else register(fns[base.hook], { kind: 'nft', base, prio: base.prio });
  }
  if (ct) {
    register(fns.PREROUTING, hookFn('conntrack', undefined, -200));
    register(fns.OUTPUT, hookFn('conntrack', undefined, -200));
    register(fns.INPUT, hookFn('confirm', undefined, INT_MAX));
    register(fns.POSTROUTING, hookFn('confirm', undefined, INT_MAX));
    if (Object.values(natChains).some((l) => l.length > 0)) {
      register(fns.PREROUTING, hookFn('nat', undefined, -100));
      register(fns.OUTPUT, hookFn('nat', undefined, -100));
      register(fns.INPUT, hookFn('nat', undefined, 100));
      register(fns.POSTROUTING, hookFn('nat', undefined, 100));
    }
  }
  const brFns: Record<BridgeHook, NftBase[]> = {
    BR_PRE_ROUTING: [],
    BR_LOCAL_IN: [],
    BR_FORWARD: [],
    BR_LOCAL_OUT: [],
    BR_POST_ROUTING: [],
  };
  // Only filter chains: bridge nat and route chains are not modelled.
  for (const base of nft?.bridgeBases ?? [])
    if (base.type === 'filter') {
      const list = brFns[BRIDGE_HOOK[base.hook]];
      let i = 0;
      while (i < list.length && list[i]!.prio < base.prio) i++;
      list.splice(i, 0, base);
    }
  void INT_MIN;
  return { ipt, nft, natChains, ct, ctReason, fns, brFns };
}

/**
 * nf_hook_entries_grow: a new function goes before the first one whose priority is not lower,
 * so at equal priority the one registered last runs first (seen on Linux 6.18 with three nft
 * tables at input priority 0: the last loaded was traced first).
 */
function register<T extends { readonly prio: number }>(list: T[], fn: T): void {
  let i = 0;
  while (i < list.length && list[i]!.prio < fn.prio) i++;
  list.splice(i, 0, fn);
}

/** Every hook function has the same fields (table undefined but for tables): one object shape for nfHook's loop. */
function hookFn(kind: HookFn['kind'], table: TableName | undefined, prio: number): HookFn {
  return { kind, table, prio } as HookFn;
}

/** The functions at `hook`, by named field rather than a keyed lookup (this runs several times per packet). */
function fnsAt(fns: NetfilterState['fns'], hook: Hook): readonly HookFn[] {
  switch (hook) {
    case 'PREROUTING':
      return fns.PREROUTING;
    case 'INPUT':
      return fns.INPUT;
    case 'FORWARD':
      return fns.FORWARD;
    case 'OUTPUT':
      return fns.OUTPUT;
    case 'POSTROUTING':
      return fns.POSTROUTING;
    default:
      return fns[hook];
  }
}

/** Per-host packet context handed to rule walks; reused to keep the hot path allocation-free. */
export function makeCtx(h: Host): PacketCtx {
  const routes = h.routes;
  return {
    ip: undefined as never,
    inDev: '',
    outDev: '',
    physIn: '',
    physOut: '',
    bridged: false,
    mark: 0,
    ct: undefined,
    ctstate: 'INVALID',
    notrack: false,
    zone: 0,
    trace: false,
    addrType(a: Ipv4): AddrType {
      if (routes.isLocal(a)) return 'LOCAL';
      if (a === 0xffffffff || routes.broadcast.has(a)) return 'BROADCAST';
      if (a >>> 28 === 14) return 'MULTICAST';
      return 'UNICAST';
    },
    random: h.random,
  };
}

/**
 * Runs every hook function at `hook` in priority order (NF_HOOK). Returns false when the
 * packet was dropped (the drop event and the freeing of its conntrack entry are done here).
 */
export function nfHook(w: World, h: Host, hook: Hook, skb: Skb): boolean {
  const nf = h.nf as NetfilterState;
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'hook',
      pkt: skb.id,
      family: 'ipv4',
      hook,
      ...(skb.inDev ? { in: skb.inDev } : {}),
      ...(skb.outDev ? { out: skb.outDev } : {}),
      ...(skb.bridged ? { bridged: true } : {}),
    });
  const fns = fnsAt(nf.fns, hook);
  for (let i = 0; i < fns.length; i++) {
    const fn = fns[i]!;
    let ok = true;
    switch (fn.kind) {
      case 'table':
        ok = runTable(w, h, nf, fn.table, hook, skb);
        break;
      case 'nft':
        ok = runTable(w, h, nf, fn.base, hook, skb);
        break;
      case 'conntrack':
        // A looped-back packet keeps the entry it got on the way out (stat `ignore`).
        if (skb.ct === undefined && !skb.notrack) ok = nf.ct!.in(w, h, skb, hook);
        break;
      case 'nat':
        ok = nf.ct!.nat(w, h, skb, hook);
        break;
      case 'confirm':
        ok = nf.ct!.confirm(w, h, skb);
        break;
    }
    if (!ok) {
      nf.ct?.free(w, h, skb);
      return false;
    }
  }
  return true;
}

/** Walks one table's chain (or an nft base chain) at a hook; false when it dropped the packet. */
export function runTable(
  w: World,
  h: Host,
  nf: NetfilterState,
  table: ChainRef,
  hook: Hook | BridgeHook,
  skb: Skb,
): boolean {
  const v = walk(w, h, nf, table, hook, skb);
  if (v.verdict === 'DROP') {
    tableDrop(w, h, skb, table, hook, v);
    return false;
  }
  return true;
}

export function walk(
  w: World,
  h: Host,
  nf: NetfilterState,
  ref: ChainRef,
  hook: Hook | BridgeHook,
  skb: Skb,
): TableVerdict {
  const ctx = h.nf.ctx as PacketCtx;
  ctx.ip = skb.ip;
  ctx.inDev = skb.inDev;
  ctx.outDev = skb.outDev;
  ctx.physIn = skb.physIn;
  ctx.physOut = skb.physOut;
  ctx.bridged = skb.bridged;
  ctx.mark = skb.mark;
  ctx.ct = skb.ct ? h.nf.ctView(skb, w.now) : undefined;
  ctx.ctstate = skb.ctstate;
  ctx.notrack = skb.notrack;
  ctx.zone = skb.zone;
  ctx.trace = skb.trace;
  try {
    return walkCtx(w, h, nf, ref, hook, skb, ctx);
  } catch (e) {
    if (!(e instanceof WalkTooLong)) throw e;
    const table = typeof ref === 'string' ? ref : `${ref.table.name} ${ref.chain.name}`;
    const where = { limit: e.limit, pkt: skb.id, table, hook, host: h.name };
    throw new BudgetExceeded(stopOf('budget.rules', where));
  }
}

// A plain function, not a closure per walk: the walk runs for every table at every hook of every
// packet, and with the timeline off nothing else should be allocated on the way.
function runRef(
  nf: NetfilterState,
  ref: ChainRef,
  hook: Hook | BridgeHook,
  ctx: PacketCtx,
  onStep?: (s: WalkStep) => void,
): TableVerdict {
  return typeof ref === 'string'
    ? nf.ipt!.runTable(ref, hook as Hook, ctx, onStep)
    : nf.nft!.run(ref, ctx, onStep);
}

function walkCtx(
  w: World,
  h: Host,
  nf: NetfilterState,
  ref: ChainRef,
  hook: Hook | BridgeHook,
  skb: Skb,
  ctx: PacketCtx,
): TableVerdict {
  let v: TableVerdict;
  const nftBase = typeof ref === 'string' ? undefined : ref;
  if (w.tl) {
    const table = nftBase ? nftBase.table.name : (ref as TableName);
    const family = nftBase ? { family: nftBase.table.family } : {};
    w.emit({
      t: w.now,
      host: h.name,
      type: 'chain',
      pkt: skb.id,
      table,
      chain: nftBase ? nftBase.chain.name : hook,
      hook,
      ...family,
    });
    v = runRef(nf, ref, hook, ctx, (s) => {
      if (s.kind === 'rule')
        w.emit({
          t: w.now,
          host: h.name,
          type: 'rule',
          pkt: skb.id,
          table,
          chain: s.chain,
          rulenum: s.rulenum,
          text: s.text,
          verdict: s.verdict,
          bytes: s.bytes,
          ...family,
        });
      else if (s.kind === 'policy')
        w.emit({
          t: w.now,
          host: h.name,
          type: 'policy',
          pkt: skb.id,
          table,
          chain: s.chain,
          policy: s.policy,
          bytes: s.bytes,
          ...family,
          ...(ctx.mark ? { mark: ctx.mark } : {}),
        });
      else w.emit({ t: w.now, host: h.name, type: 'target', pkt: skb.id, target: s.target, text: s.text });
    });
  } else {
    v = runRef(nf, ref, hook, ctx);
  }
  skb.mark = ctx.mark;
  skb.notrack = ctx.notrack;
  skb.zone = ctx.zone;
  skb.trace = ctx.trace;
  if (ctx.notrack && skb.ct === undefined) skb.ctstate = 'UNTRACKED';
  if (ctx.ct && skb.ct) h.nf.setCtMark(skb, ctx.ct.mark);
  return v;
}

/** A packet's fate when it is dropped: the one place that records it. */
export function emitDrop(w: World, h: Host, skb: Skb, reason: DropReason, text: string): void {
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'drop', pkt: skb.id, reason, text });
}

/** A table's walk ended in DROP or REJECT: record it, and for REJECT send the error. */
export function tableDrop(
  w: World,
  h: Host,
  skb: Skb,
  table: ChainRef,
  hook: Hook | BridgeHook,
  v: TableVerdict,
): void {
  const what = typeof table === 'string' ? table : `${table.table.name} ${table.chain.name}`;
  emitDrop(w, h, skb, 'rule', `${v.reject ? 'rejected' : 'dropped'} by ${what} ${hook}`);
  if (v.reject) rejectSender(w, h, skb, v.reject.with);
}

/** REJECT's answer (ICMP error or TCP reset) is built by the transport layer, which registers here. */
let rejectSender: (w: World, h: Host, skb: Skb, how: string) => void = () => {};
export function setRejectSender(f: typeof rejectSender): void {
  rejectSender = f;
}

/**
 * The base chains of nft `bridge` tables at a bridge hook (IPv4 frames only: the walk reads an
 * IPv4 header), with the bridge ports as `iifname`/`oifname`. `phase` picks those that run
 * before br_netfilter's IPv4 hook (priority up to BRNF_PRIO), after it, or all. False when a
 * chain dropped the frame (the drop event is written here).
 */
export function nfBridgeHook(
  w: World,
  h: Host,
  hook: BridgeHook,
  skb: Skb,
  inPort: string | undefined,
  outPort: string | undefined,
  phase: 'before' | 'after' | 'all',
): boolean {
  const nf = h.nf as NetfilterState;
  const list = nf.brFns[hook];
  if (list.length === 0 || skb.frame.type !== 0x0800) return true;
  const saved = { ip: skb.ip, inDev: skb.inDev, outDev: skb.outDev };
  try {
    for (const base of list) {
      const before = base.prio <= BRNF_PRIO[hook];
      if ((phase === 'before' && !before) || (phase === 'after' && before)) continue;
      skb.ip = skb.frame.ip;
      skb.inDev = inPort ?? '';
      skb.outDev = outPort ?? '';
      const v = walk(w, h, nf, base, hook, skb);
      if (v.verdict === 'DROP') {
        tableDrop(w, h, skb, base, hook, v);
        return false;
      }
    }
    return true;
  } finally {
    skb.ip = saved.ip;
    skb.inDev = saved.inDev;
    skb.outDev = saved.outDev;
  }
}

/** Whether any bridge-family chain at `hook` runs in `phase` (so the view can show it). */
export function hasBridgeChains(h: Host, hook: BridgeHook, phase: 'before' | 'after' | 'all'): boolean {
  const nf = h.nf as NetfilterState;
  return nf.brFns[hook].some((b) => phase === 'all' || b.prio <= BRNF_PRIO[hook] === (phase === 'before'));
}
