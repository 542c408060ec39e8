import { ConntrackTable, type CtRemoved, formatConntrackL } from '../conntrack';
import { type CtDir, IPS_CONFIRMED } from '../conntrack/types';
import { createIptables, formatIptablesSave, parseIptablesSave, type Ruleset } from '../iptables';
import type { CtView, NatRequest, PacketCtx } from '../iptables/types';
import { NftRuntime } from '../nft/eval';
import { nftErrorLine } from '../nft/error';
import { parseNft } from '../nft/parse';
import { printRuleset } from '../nft/print';
import { natDone, natIcmpReply, natPacket, setupNat } from '../nat';
import type { Ipv4 } from '../net/ipv4';
import type { World } from '../sim/world';
import type { Hook } from '../timeline/events';
import type { Host } from './host';
import {
  type CtHooks,
  createNetfilter,
  emitDrop,
  makeCtx,
  type NetfilterState,
  tableDrop,
  walk,
} from './netfilter';
import type { Skb } from './skb';
import { withIp } from './skb';

// Glue between the packet path and the conntrack table / NAT core: nf_conntrack_in,
// nf_nat_inet_fn and nf_confirm as hook functions, each reporting to the timeline.

export interface HostNetfilter extends NetfilterState {
  readonly ctx: PacketCtx;
  readonly table: ConntrackTable | undefined;
  readonly saveText: string;
  /** The nft ruleset as loaded, as `nft list ruleset` prints it without live counters. */
  readonly nftText: string;
  ctView(skb: Skb, now: number): CtView;
  setCtMark(skb: Skb, mark: number): void;
  expire(w: World, h: Host, t: number): void;
}

const manipOf = (hook: Hook): 'SRC' | 'DST' => (hook === 'PREROUTING' || hook === 'OUTPUT' ? 'DST' : 'SRC');

/** Builds a host's netfilter: parses its ruleset (errors name source and line) and registers hooks. */
export function createNetfilterFor(
  h: Host,
  source: string,
  naiveRules = false,
  maxEvaluations?: number,
  /** The conntrack table of the ruleset this one replaces (`changes`): entries live on. */
  keep?: ConntrackTable,
): HostNetfilter | string {
  const text = h.spec.iptables_save;
  let ipt: ReturnType<typeof createIptables> | undefined;
  let ruleset: Ruleset | undefined;
  if (text !== undefined && text.trim() !== '') {
    const parsed = parseIptablesSave(text, source);
    if (!parsed.ok) return `${parsed.error.source}: line ${parsed.error.line}: ${parsed.error.message}`;
    ipt = createIptables(parsed.ruleset, {
      naive: naiveRules,
      ...(maxEvaluations !== undefined ? { maxEvaluations } : {}),
    });
    ruleset = parsed.ruleset;
  }
  let nft: NftRuntime | undefined;
  let nftText = '';
  const nftSource = source.replace(/iptables_save$/, 'nft_ruleset');
  if (h.spec.nft_ruleset !== undefined && h.spec.nft_ruleset.trim() !== '') {
    const parsed = parseNft(h.spec.nft_ruleset);
    if (!parsed.ok) return nftErrorLine(nftSource, parsed.error);
    nft = new NftRuntime(parsed.ruleset, maxEvaluations);
    nftText = printRuleset(parsed.ruleset);
  }
  // Once loaded, conntrack stays registered in the namespace even if the rules that needed it go.
  const ctReason =
    ipt?.needsConntrack() ??
    nft?.needsConntrack() ??
    (keep ? 'conntrack was already tracking in this namespace' : undefined);
  const table =
    keep ??
    (ctReason
      ? new ConntrackTable({ sysctls: (n: string) => h.sysctl.get(n), random: h.random })
      : undefined);
  const hooks = table ? ctHooks(table) : undefined;
  const base = createNetfilter(ipt, hooks, ctReason, nft);
  const view: CtView = {
    state: 'INVALID',
    expires: 0,
    dir: 'ORIGINAL',
    status: 0,
    orig: undefined as never,
    reply: undefined as never,
    mark: 0,
  };
  let saveText: string | undefined;
  return {
    ...base,
    ctx: makeCtx(h),
    table,
    // Printed when asked: a kube-proxy node's 100,000 rules are megabytes of text few readers need.
    get saveText() {
      saveText ??= ruleset ? formatIptablesSave(ruleset, { header: false }) : '';
      return saveText;
    },
    nftText,
    ctView(skb, now) {
      const e = skb.ct;
      (view as { expires: number }).expires =
        e.status & IPS_CONFIRMED ? Math.max(0, Math.floor((e.expiresAt - now) / 1_000_000)) : 0;
      (view as { state: string }).state = skb.ctstate;
      (view as { dir: CtDir }).dir = skb.dir ?? 'ORIGINAL';
      (view as { status: number }).status = e.status;
      (view as { orig: unknown }).orig = e.orig;
      (view as { reply: unknown }).reply = e.reply;
      view.mark = e.mark;
      return view;
    },
    setCtMark(skb, mark) {
      if (skb.ct && skb.ct.mark !== mark) skb.ct.mark = mark;
    },
    expire(w, host, t) {
      if (!table) return;
      for (const e of table.expire(t)) {
        if (w.tl)
          w.emit({
            t: e.expiresAt,
            host: host.name,
            type: 'conntrack',
            op: 'destroy',
            entry: e,
            note: 'timer expired',
          });
      }
    },
  };
}

function ctHooks(table: ConntrackTable): CtHooks {
  return {
    in(w, h, skb) {
      const r = table.in(skb.ip, w.now, skb.zone);
      // Entries that left before this packet found its own (expired, early-dropped, the old
      // connection a SYN reopens) are told first; the packet's own entry, when the tracker
      // killed it (a RST as the only answer), is told after the lookup that found it, as the
      // kernel finds the entry, then nf_ct_kill_acct deletes it.
      const own = r.kind === 'tracked' ? r.entry.id : -1;
      if (w.tl) for (const rm of r.removed) if (rm.entry.id !== own) removedEvent(w, h, skb, rm);
      switch (r.kind) {
        case 'tracked':
        case 'related-error': {
          skb.ct = r.entry;
          skb.ctinfo = r.ctinfo;
          skb.dir = r.dir;
          skb.ctstate = r.ctstate;
          if (w.tl) {
            w.emit({
              t: w.now,
              host: h.name,
              type: 'conntrack',
              pkt: skb.id,
              op:
                r.kind === 'tracked' && r.created
                  ? 'new'
                  : r.kind === 'tracked' && r.changed
                    ? 'update'
                    : 'lookup',
              entry: table.snapshot(r.entry),
              ctstate: r.ctstate,
              dir: r.dir,
            });
            for (const rm of r.removed) if (rm.entry.id === own) removedEvent(w, h, skb, rm);
          }
          return true;
        }
        case 'invalid':
          skb.ctstate = 'INVALID';
          if (w.tl)
            w.emit({
              t: w.now,
              host: h.name,
              type: 'ctstate',
              pkt: skb.id,
              ctstate: 'INVALID',
              note: r.reason,
            });
          return true;
        case 'table-full':
          if (w.tl) {
            w.emit({
              t: w.now,
              host: h.name,
              type: 'ctstate',
              pkt: skb.id,
              ctstate: 'INVALID',
              note: 'nf_conntrack: table full, dropping packet',
            });
            w.emit({
              t: w.now,
              host: h.name,
              type: 'drop',
              pkt: skb.id,
              reason: 'ct-table-full',
              text: 'nf_conntrack: nf_conntrack: table full, dropping packet',
            });
          }
          return false;
      }
    },
    nat(w, h, skb, hook) {
      const e = skb.ct;
      if (!e) return true;
      const manip = manipOf(hook);
      const nf = h.nf as HostNetfilter;
      const isNewish = skb.ctinfo === 'NEW' || skb.ctinfo === 'RELATED';
      const icmpErr = skb.ctinfo === 'RELATED' || skb.ctinfo === 'RELATED_REPLY';
      if (icmpErr && skb.ip.proto === 1) {
        const before = skb.ip;
        const translated = natIcmpReply(e, skb.dir!, manip, skb.ip);
        if (translated === undefined) {
          emitDrop(
            w,
            h,
            skb,
            'nat-icmp-redirect',
            'ICMP redirect about a NATed connection: dropped by the NAT core (nf_nat_icmp_reply_translation)',
          );
          return false;
        }
        skb.ip = translated;
        rewriteEvent(
          w,
          h,
          skb,
          before,
          hook,
          skb.dir === 'REPLY' ? (manip === 'DST' ? 'un-SNAT' : 'un-DNAT') : manip === 'DST' ? 'DNAT' : 'SNAT',
        );
        return true;
      }
      if (isNewish && !natDone(e, manip)) {
        // nf_nat_inet_fn: the nat chains at this hook in order, until one makes a binding.
        let req: NatRequest | null = null;
        for (const c of nf.natChains[hook]) {
          const v = walk(w, h, nf, c.table, hook, skb);
          if (v.verdict === 'DROP') {
            tableDrop(w, h, skb, c.table, hook, v);
            return false;
          }
          if (v.nat) {
            req = v.nat;
            break;
          }
        }
        const r = setupNat(table, e, manip, req, {
          masqueradeAddress: req?.target === 'MASQUERADE' ? masqAddr(h, skb) : undefined,
          redirectAddress: req?.target === 'REDIRECT' ? redirectAddr(h, skb, hook) : undefined,
          random: h.random,
        });
        if (!r.ok) {
          emitDrop(w, h, skb, 'rule', `${req?.target ?? 'NAT'}: ${r.reason}`);
          return false;
        }
        if (w.tl && req)
          w.emit({
            t: w.now,
            host: h.name,
            type: 'conntrack',
            pkt: skb.id,
            op: 'nat',
            entry: table.snapshot(e),
            note: `${req.target} binding: reply tuple is now ${formatReplyHint(e)}`,
          });
        if (w.tl) labels.set(e, { ...labels.get(e), [manip]: req?.target });
      }
      const before = skb.ip;
      skb.ip = natPacket(e, skb.dir!, manip, skb.ip);
      if (skb.ip !== before) {
        const lab = labels.get(e)?.[manip];
        const what =
          skb.dir === 'REPLY'
            ? manip === 'DST'
              ? 'un-SNAT'
              : 'un-DNAT'
            : ((lab as 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' | undefined) ??
              (manip === 'DST' ? 'DNAT' : 'SNAT'));
        rewriteEvent(w, h, skb, before, hook, what);
      }
      return true;
    },
    confirm(w, h, skb) {
      const e = skb.ct;
      // Only the original direction confirms (__nf_conntrack_confirm); an attached error does not.
      if (!e || e.status & IPS_CONFIRMED || skb.dir !== 'ORIGINAL') return true;
      if (!table.confirm(e, w.now)) {
        emitDrop(w, h, skb, 'duplicate', 'nf_conntrack insert_failed: another entry holds this tuple');
        return false;
      }
      if (w.tl)
        w.emit({
          t: w.now,
          host: h.name,
          type: 'conntrack',
          pkt: skb.id,
          op: 'confirmed',
          entry: table.snapshot(e),
          ctstate: skb.ctstate,
          dir: skb.dir,
        });
      return true;
    },
    free(w, h, skb) {
      const e = skb.ct;
      // Only the packet that created the entry holds it; an attached error dying leaves it be.
      if (!e || e.status & IPS_CONFIRMED || e.dead || skb.ctinfo !== 'NEW') return;
      const snap = table.snapshot(e);
      table.free(e);
      if (w.tl)
        w.emit({
          t: w.now,
          host: h.name,
          type: 'conntrack',
          pkt: skb.id,
          op: 'freed',
          entry: snap,
          note: 'packet dropped before confirmation: the entry is freed',
        });
    },
  };
}

/** The event for an entry that left the table while a packet was being tracked. */
function removedEvent(w: World, h: Host, skb: Skb, rm: CtRemoved): void {
  const op = rm.why === 'early-drop' ? 'early-drop' : 'destroy';
  const note =
    rm.why === 'early-drop'
      ? 'early drop: the table is full and this entry is not [ASSURED]'
      : rm.why === 'expired'
        ? 'timer expired'
        : 'killed by the TCP tracker';
  w.emit({ t: w.now, host: h.name, type: 'conntrack', pkt: skb.id, op, entry: rm.entry, note });
}

const labels = new WeakMap<object, { SRC?: string; DST?: string }>();

function rewriteEvent(
  w: World,
  h: Host,
  skb: Skb,
  before: Skb['ip'],
  hook: Hook,
  what: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' | 'un-DNAT' | 'un-SNAT',
): void {
  if (!w.tl || skb.ip === before) return;
  const b = withIp(skb.frame, before);
  skb.frame = withIp(skb.frame, skb.ip);
  w.emit({ t: w.now, host: h.name, type: 'rewrite', pkt: skb.id, what, hook, before: b, after: skb.frame });
}

function formatReplyHint(e: { reply: unknown }): string {
  void formatConntrackL;
  const r = e.reply as { src: number; dst: number; sport: number; dport: number };
  const ip = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  return `src=${ip(r.src)} dst=${ip(r.dst)} sport=${r.sport} dport=${r.dport}`;
}

/** MASQUERADE: the out device's address that suits the next hop (inet_select_addr). */
function masqAddr(h: Host, skb: Skb): Ipv4 | undefined {
  const dev = h.ifaces.get(skb.outDev);
  if (!dev) return undefined;
  const r = h.routes.lookupMain(skb.ip.dst);
  return h.addrOf(dev, r?.via ?? skb.ip.dst);
}

/** REDIRECT: the incoming device's primary address; 127.0.0.1 for local output. */
function redirectAddr(h: Host, skb: Skb, hook: Hook): Ipv4 | undefined {
  if (hook === 'OUTPUT') return 0x7f000001 as Ipv4;
  const dev = h.ifaces.get(skb.inDev);
  return dev ? h.addrOf(dev) : undefined;
}
