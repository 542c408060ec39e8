import { BudgetExceeded, stopOf, WalkTooLong } from '../budget';
import type { AddrType, PacketCtx, TableVerdict, WalkStep } from '../iptables/types';
import type { Ipv4 } from '../net/ipv4';
import type { World } from '../sim/world';
import type { DropReason, Hook, TableName } from '../timeline/events';
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
  | { readonly kind: 'conntrack'; readonly prio: number }
  | { readonly kind: 'nat'; readonly prio: number }
  | { readonly kind: 'confirm'; readonly prio: number };

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

export interface NetfilterState {
  readonly ipt: IptablesLike | undefined;
  readonly ct: CtHooks | undefined;
  /** Why this namespace tracks connections (a nat table, a conntrack match, ...). */
  readonly ctReason: string | undefined;
  readonly fns: Record<Hook, readonly HookFn[]>;
}

/**
 * Registers the hook functions the kernel would: a table's chains only where the table
 * exists, conntrack (and with it nat and confirm) only when the ruleset needs it (§13).
 */
export function createNetfilter(
  ipt: IptablesLike | undefined,
  ct: CtHooks | undefined,
  ctReason?: string,
): NetfilterState {
  const fns: Record<Hook, HookFn[]> = { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] };
  for (const t of ['raw', 'mangle', 'filter', 'security'] as const) {
    if (!ipt?.hasTable(t)) continue;
    for (const hook of TABLE_HOOKS[t]) fns[hook].push(hookFn('table', t, TABLE_PRIO[t]));
  }
  if (ct) {
    fns.PREROUTING.push(hookFn('conntrack', undefined, -200));
    fns.OUTPUT.push(hookFn('conntrack', undefined, -200));
    fns.INPUT.push(hookFn('confirm', undefined, INT_MAX));
    fns.POSTROUTING.push(hookFn('confirm', undefined, INT_MAX));
    if (ipt?.hasTable('nat')) {
      fns.PREROUTING.push(hookFn('nat', undefined, -100));
      fns.OUTPUT.push(hookFn('nat', undefined, -100));
      fns.INPUT.push(hookFn('nat', undefined, 100));
      fns.POSTROUTING.push(hookFn('nat', undefined, 100));
    }
  }
  for (const list of Object.values(fns)) list.sort((a, b) => a.prio - b.prio);
  void INT_MIN;
  return { ipt, ct, ctReason, fns };
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

/** Walks one table's chain for the NAT core (nat rules run from nf_nat_inet_fn). */
export function runTable(
  w: World,
  h: Host,
  nf: NetfilterState,
  table: TableName,
  hook: Hook,
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
  table: TableName,
  hook: Hook,
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
  ctx.ct = skb.ct ? h.nf.ctView(skb) : undefined;
  ctx.ctstate = skb.ctstate;
  ctx.notrack = skb.notrack;
  ctx.zone = skb.zone;
  ctx.trace = skb.trace;
  try {
    return walkCtx(w, h, nf, table, hook, skb, ctx);
  } catch (e) {
    if (!(e instanceof WalkTooLong)) throw e;
    const where = { limit: e.limit, pkt: skb.id, table, hook, host: h.name };
    throw new BudgetExceeded(stopOf('budget.rules', where));
  }
}

function walkCtx(
  w: World,
  h: Host,
  nf: NetfilterState,
  table: TableName,
  hook: Hook,
  skb: Skb,
  ctx: PacketCtx,
): TableVerdict {
  let v: TableVerdict;
  if (w.tl) {
    w.emit({ t: w.now, host: h.name, type: 'chain', pkt: skb.id, table, chain: hook, hook });
    v = nf.ipt!.runTable(table, hook, ctx, (s) => {
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
        });
      else w.emit({ t: w.now, host: h.name, type: 'target', pkt: skb.id, target: s.target, text: s.text });
    });
  } else {
    v = nf.ipt!.runTable(table, hook, ctx);
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
export function tableDrop(w: World, h: Host, skb: Skb, table: TableName, hook: Hook, v: TableVerdict): void {
  emitDrop(w, h, skb, 'rule', `${v.reject ? 'rejected' : 'dropped'} by ${table} ${hook}`);
  if (v.reject) rejectSender(w, h, skb, v.reject.with);
}

/** REJECT's answer (ICMP error or TCP reset) is built by the transport layer, which registers here. */
let rejectSender: (w: World, h: Host, skb: Skb, how: string) => void = () => {};
export function setRejectSender(f: typeof rejectSender): void {
  rejectSender = f;
}
