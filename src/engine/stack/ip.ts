import { formatIpv4, type Ipv4 } from '../net/ipv4';
import type { IpPacket } from '../packet';
import type { Task } from '../sim/scheduler';
import { LINK_DELAY, type World } from '../sim/world';
import type { ConnId, DropReason, Hook, RouteDecision } from '../timeline/events';
import { brDevXmit, brHandleFrame, setBridgeDeps } from './bridge';
import type { Host } from './host';
import type { Iface } from './iface';
import { arpRcv, neighOutput, setNeighDeps } from './neigh';
import { emitDrop, nfHook } from './netfilter';
import { decisionText, type Route } from './route';
import { newSkb, type Skb, wireSkb, withIp } from './skb';

// The IPv4 paths of reference §1.2: receive, local delivery, forwarding, local output.

/** The transport layer of a host (stack/sockets.ts): where local packets go and errors come from. */
export interface L4 {
  rcv(w: World, h: Host, skb: Skb): void;
  /**
   * A locally generated packet could not be sent: no route, ARP failed, or netfilter dropped it
   * on its way out (EPERM: nf_hook_slow's verdict, which ip_local_out hands back to sendmsg).
   */
  error(w: World, h: Host, skb: Skb, errno: 'ENETUNREACH' | 'EHOSTUNREACH' | 'EPERM'): void;
  /** ICMP error generation (port unreachable, time exceeded, redirect). */
  icmpSend(w: World, h: Host, offending: Skb, type: number, code: number, gateway?: Ipv4): void;
}

let l4: L4;
export function setL4(x: L4): void {
  l4 = x;
}

export function drop(w: World, h: Host, skb: Skb, reason: DropReason, text: string): void {
  emitDrop(w, h, skb, reason, text);
  (h.nf as { ct?: { free(w: World, h: Host, s: Skb): void } }).ct?.free(w, h, skb);
}

function routeEvent(w: World, h: Host, skb: Skb, dst: Ipv4, d: Omit<RouteDecision, 'text'>): void {
  if (!w.tl) return;
  const decision: RouteDecision = { ...d, text: `${formatIpv4(dst)} ${decisionText(d)}`.trim() };
  w.emit({ t: w.now, host: h.name, type: 'route', pkt: skb.id, dst, decision });
}

/** A frame arrives from the wire on `dev`. */
export function netifRx(w: World, h: Host, dev: Iface, skb: Skb): void {
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'rcv', pkt: skb.id, dev: dev.name, frame: skb.frame });
  if (!dev.up) return drop(w, h, skb, 'link-down', `${dev.name} is down`);
  if (dev.master) return brHandleFrame(w, h, dev.master, dev, skb);
  netifDeliver(w, h, dev, skb);
}

/** The frame is for this host's protocol stack on `dev` (possibly a bridge device). */
export function netifDeliver(w: World, h: Host, dev: Iface, skb: Skb): void {
  skb.crossings = 0;
  const f = skb.frame;
  if (f.type === 0x0806) return arpRcv(w, h, dev, skb);
  if (f.dst !== dev.mac && f.dst !== 'ff:ff:ff:ff:ff:ff' && dev.kind !== 'loopback')
    return drop(w, h, skb, 'not-for-us', `frame for ${f.dst} is not for ${dev.name} (${dev.mac})`);
  ipRcv(w, h, dev, skb);
}

export function ipRcv(w: World, h: Host, dev: Iface, skb: Skb): void {
  skb.ip = (skb.frame as { ip: IpPacket }).ip;
  if (!skb.sabotage) {
    skb.inDev = dev.name;
    skb.outDev = '';
    if (!nfHook(w, h, 'PREROUTING', skb)) return;
  }
  routeInput(w, h, dev, skb);
}

function routeInput(w: World, h: Host, dev: Iface, skb: Skb): void {
  const ip = skb.ip;
  const rt = h.routes;
  if (
    dev.kind !== 'loopback' &&
    rt.local.has(ip.src) &&
    h.sysctl.int('net.ipv4.conf.all.accept_local') === 0
  ) {
    routeEvent(w, h, skb, ip.dst, { kind: 'unreachable' });
    return drop(
      w,
      h,
      skb,
      'martian',
      `martian source ${formatIpv4(ip.src)}: an address of ${h.name} arrived on ${dev.name}`,
    );
  }
  if (rt.isLocal(ip.dst) || ip.dst === 0xffffffff || rt.broadcast.has(ip.dst)) {
    routeEvent(w, h, skb, ip.dst, { kind: rt.isLocal(ip.dst) ? 'local' : 'broadcast', dev: 'lo' });
    return ipLocalDeliver(w, h, skb);
  }
  if (h.sysctl.ipForward === 0) {
    routeEvent(w, h, skb, ip.dst, { kind: 'unreachable' });
    return drop(
      w,
      h,
      skb,
      'forwarding-disabled',
      `not for ${h.name} and net.ipv4.ip_forward=0 (IpInAddrErrors)`,
    );
  }
  const r = rt.lookupMain(ip.dst);
  if (r?.type !== 'unicast' || !r.dev) {
    routeEvent(w, h, skb, ip.dst, { kind: 'unreachable' });
    // ip_error: no route -> net unreachable, `unreachable` -> host unreachable, `prohibit` ->
    // admin prohibited (code 13), `blackhole` -> nothing (as captured on 6.18).
    const code = r === undefined ? 0 : r.type === 'unreachable' ? 1 : r.type === 'prohibit' ? 13 : -1;
    if (code >= 0) l4.icmpSend(w, h, skb, 3, code);
    return drop(
      w,
      h,
      skb,
      'no-route',
      r === undefined ? `no route to ${formatIpv4(ip.dst)}` : `${r.type} route to ${formatIpv4(ip.dst)}`,
    );
  }
  const mode = h.sysctl.rpFilter(dev.name);
  if (mode > 0) {
    const back = rt.lookupMain(ip.src);
    if (!back || (mode === 1 && back.dev !== dev)) {
      routeEvent(w, h, skb, ip.dst, { kind: 'unreachable' });
      return drop(
        w,
        h,
        skb,
        'rp-filter',
        `rp_filter=${mode}: ${formatIpv4(ip.src)} is not reachable via ${dev.name}`,
      );
    }
  }
  routeEvent(w, h, skb, ip.dst, { kind: 'unicast', dev: r.dev.name, via: r.via });
  ipForward(w, h, dev, r, skb);
}

function ipLocalDeliver(w: World, h: Host, skb: Skb): void {
  skb.outDev = '';
  skb.physOut = '';
  if (!nfHook(w, h, 'INPUT', skb)) return;
  l4.rcv(w, h, skb);
}

function ipForward(w: World, h: Host, inDev: Iface, r: Route, skb: Skb): void {
  const ip = skb.ip;
  if (ip.ttl <= 1) {
    l4.icmpSend(w, h, skb, 11, 0);
    return drop(w, h, skb, 'ttl-exceeded', 'TTL exceeded in transit');
  }
  const after: IpPacket = {
    src: ip.src,
    dst: ip.dst,
    ttl: ip.ttl - 1,
    id: ip.id,
    proto: ip.proto,
    len: ip.len,
    l4: ip.l4,
  };
  if (w.tl) {
    const before = skb.frame;
    skb.frame = withIp(skb.frame, after);
    w.emit({ t: w.now, host: h.name, type: 'rewrite', pkt: skb.id, what: 'ttl', before, after: skb.frame });
  }
  skb.ip = after;
  skb.frame = withIp(skb.frame, after);
  // Forwarding back out of the incoming device to an on-link next hop: the kernel sends an
  // ICMP redirect first (send_redirects=1); for NATed connections the NAT core drops it.
  if (r.dev === inDev && h.sysctl.int('net.ipv4.conf.all.send_redirects') === 1 && onLink(h, inDev, ip.src)) {
    maybeRedirect(w, h, skb, r.via ?? ip.dst);
  }
  skb.outDev = r.dev!.name;
  if (!nfHook(w, h, 'FORWARD', skb)) return;
  postRouting(w, h, r.dev!, r.via ?? skb.ip.dst, skb);
}

function onLink(h: Host, dev: Iface, a: Ipv4): boolean {
  const r = h.routes.lookupMain(a);
  return r !== undefined && r.dev === dev && r.via === undefined;
}

/**
 * ip_rt_send_redirect's rate limit, per source (inet_peer): the first redirect goes at once, the
 * n-th only after ip_rt_redirect_load (20 ms) << n since the last, at most ip_rt_redirect_number
 * (9), and the count resets after ip_rt_redirect_silence (20.48 s) of quiet.
 */
function maybeRedirect(w: World, h: Host, skb: Skb, gw: Ipv4): void {
  const LOAD = 20_000;
  const SILENCE = LOAD << 10;
  let peer = h.redirectPeers.get(skb.ip.src);
  if (!peer) {
    peer = { n: 0, last: 0 };
    h.redirectPeers.set(skb.ip.src, peer);
  }
  if (peer.n > 0 && w.now > peer.last + SILENCE) peer.n = 0;
  if (peer.n >= 9) {
    peer.last = w.now;
    return;
  }
  if (peer.n === 0 || w.now > peer.last + LOAD * 2 ** peer.n) {
    peer.n++;
    peer.last = w.now;
    l4.icmpSend(w, h, skb, 5, 1, gw);
  }
}

/** POSTROUTING, then the neighbour layer. */
/** POSTROUTING, then out of `dev`; false when netfilter dropped the packet there. */
export function postRouting(w: World, h: Host, dev: Iface, nexthop: Ipv4, skb: Skb): boolean {
  skb.inDev = '';
  skb.physIn = '';
  skb.outDev = dev.name;
  if (!nfHook(w, h, 'POSTROUTING', skb)) return false;
  skb.frame = withIp(skb.frame, skb.ip);
  if (dev.kind === 'loopback') devXmit(w, h, dev, skb);
  else neighOutput(w, h, dev, nexthop, skb);
  return true;
}

export interface OutRoute {
  dev: Iface;
  nexthop: Ipv4;
  src: Ipv4;
}

/** ip_route_output: local destinations leave through lo; the source is chosen here. */
export function routeOutput(h: Host, dst: Ipv4): OutRoute | undefined {
  // Routes do not change during a run: the answer per destination is cached (the kernel's dst cache).
  const hit = h.outRoutes.get(dst);
  if (hit !== undefined) return hit ?? undefined;
  const r = computeRouteOutput(h, dst);
  h.outRoutes.set(dst, r ?? null);
  return r;
}

/**
 * Why a local socket cannot send to `dst` when routeOutput finds nothing: the error of the
 * route type (fib_props), as connect() and sendto() return it.
 */
export function routeOutputErrno(h: Host, dst: Ipv4): string {
  const t = h.routes.lookupMain(dst)?.type;
  return t === 'unreachable'
    ? 'EHOSTUNREACH'
    : t === 'prohibit'
      ? 'EACCES'
      : t === 'blackhole'
        ? 'EINVAL'
        : 'ENETUNREACH';
}

function computeRouteOutput(h: Host, dst: Ipv4): OutRoute | undefined {
  const rt = h.routes;
  if (rt.isLocal(dst)) {
    const lo = [...h.ifaces.values()].find((i) => i.kind === 'loopback');
    if (!lo) return undefined;
    return { dev: lo, nexthop: dst, src: dst >>> 24 === 127 ? dst : dst };
  }
  const r = rt.lookupMain(dst);
  if (r?.type !== 'unicast' || !r.dev) return undefined;
  const nexthop = r.via ?? dst;
  const src = r.src ?? h.addrOf(r.dev, nexthop) ?? h.anyAddr();
  if (src === undefined) return undefined;
  return { dev: r.dev, nexthop, src };
}

/** A locally generated IP packet (socket, TCP stack, ICMP): OUTPUT, re-route, POSTROUTING. */
export function ipLocalOut(
  w: World,
  h: Host,
  ip: IpPacket,
  conn: ConnId | undefined,
  origin: 'socket' | 'tcp-stack' | 'icmp' | 'reject' | 'raw',
  parent?: number,
  /** For ICMP errors and REJECT: the packet they answer, whose conntrack entry they join (nf_ct_attach). */
  about?: Skb,
): void {
  const r = routeOutput(h, ip.dst);
  const frame = { src: '00:00:00:00:00:00', dst: '00:00:00:00:00:00', type: 0x0800 as const, ip };
  const skb = newSkb(w.packetId(), conn, frame);
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'packet',
      pkt: skb.id,
      origin,
      frame,
      ...(conn !== undefined ? { conn } : {}),
      ...(parent !== undefined ? { parent } : {}),
    });
  if (!r) {
    routeEvent(w, h, skb, ip.dst, { kind: 'unreachable' });
    drop(w, h, skb, 'no-route', `no route to ${formatIpv4(ip.dst)}: Network is unreachable`);
    return l4.error(w, h, skb, 'ENETUNREACH');
  }
  routeEvent(w, h, skb, ip.dst, {
    kind: r.dev.kind === 'loopback' ? 'local' : 'unicast',
    dev: r.dev.name,
    src: r.src,
  });
  if (about?.ct) attachCt(w, h, skb, about);
  skb.outDev = r.dev.name;
  const dst0 = ip.dst;
  // A drop on the way out (a rule, a full conntrack table) is the sender's error at once.
  if (!nfHook(w, h, 'OUTPUT', skb)) return l4.error(w, h, skb, 'EPERM');
  let out = r;
  if (skb.ip.dst !== dst0) {
    // ip_route_me_harder: DNAT in OUTPUT changed the destination.
    const r2 = routeOutput(h, skb.ip.dst);
    if (!r2) {
      drop(w, h, skb, 'no-route', `no route to ${formatIpv4(skb.ip.dst)} after DNAT`);
      return l4.error(w, h, skb, 'ENETUNREACH');
    }
    routeEvent(w, h, skb, skb.ip.dst, {
      kind: r2.dev.kind === 'loopback' ? 'local' : 'unicast',
      dev: r2.dev.name,
    });
    out = r2;
  }
  skb.frame = withIp(skb.frame, skb.ip);
  if (!postRouting(w, h, out.dev, out.nexthop, skb)) l4.error(w, h, skb, 'EPERM');
}

/**
 * nf_ct_attach: a locally made error joins the entry of the packet it answers, in the other
 * direction, as RELATED, so NAT translates it (or drops it, for redirects) and conntrack does
 * not track it as a flow of its own.
 */
function attachCt(w: World, h: Host, skb: Skb, about: Skb): void {
  skb.ct = about.ct;
  skb.dir = about.dir === 'REPLY' ? 'ORIGINAL' : 'REPLY';
  skb.ctinfo = about.dir === 'REPLY' ? 'RELATED' : 'RELATED_REPLY';
  skb.ctstate = 'RELATED';
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'conntrack',
      pkt: skb.id,
      op: 'lookup',
      entry: (h.nf as { table: { snapshot(e: unknown): never } }).table.snapshot(about.ct),
      ctstate: 'RELATED',
      dir: skb.dir,
      note: `attached to the entry of #${about.id} (nf_ct_attach)`,
    });
}

/** Puts a frame on a device: a bridge switches it, loopback turns it around, a wire carries it. */
export function devXmit(w: World, h: Host, dev: Iface, skb: Skb): void {
  if (dev.kind === 'bridge') return brDevXmit(w, h, dev, skb);
  if (dev.kind === 'loopback') {
    if (w.tl) w.emit({ t: w.now, host: h.name, type: 'xmit', pkt: skb.id, dev: dev.name, frame: skb.frame });
    const s = skb; // the skb keeps its conntrack entry across the loop (nf_conntrack_in ignores it)
    s.inDev = dev.name;
    s.outDev = '';
    s.sabotage = false;
    w.sched.after(0, () => {
      if (w.tl) w.emit({ t: w.now, host: h.name, type: 'rcv', pkt: s.id, dev: dev.name, frame: s.frame });
      ipRcv(w, h, dev, s);
    });
    return;
  }
  wireXmit(w, h, dev, skb);
}

export function wireXmit(w: World, h: Host, dev: Iface, skb: Skb): void {
  w.frames++;
  const peer = dev.peer;
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'xmit',
      pkt: skb.id,
      dev: dev.name,
      frame: skb.frame,
      ...(peer ? { to: { host: peer.host.name, dev: peer.name } } : {}),
    });
  if (!peer || !dev.up) return drop(w, h, skb, 'link-down', `${dev.name} has no carrier`);
  w.sched.push(new Arrival(w.now + LINK_DELAY, w, peer, wireSkb(skb, skb.frame)));
}

/** A frame reaching the far end of a link: a scheduler task without a closure. */
class Arrival implements Task {
  seq = 0;
  constructor(
    public t: number,
    private readonly w: World,
    private readonly dev: Iface,
    private readonly skb: Skb,
  ) {}
  run(): void {
    netifRx(this.w, this.dev.host, this.dev, this.skb);
  }
}

/** Hook names for the IPv4 hooks a bridged frame passes with br_netfilter. */
export const BRIDGED_HOOKS: readonly Hook[] = ['PREROUTING', 'FORWARD', 'POSTROUTING'];

setNeighDeps({
  xmit: devXmit,
  failed(w, h, skbs, _dev, ip) {
    for (const s of skbs) {
      drop(w, h, s, 'neigh-failed', `no ARP reply from ${formatIpv4(ip)}`);
      if (h.routes.local.has(s.ip.src)) l4.error(w, h, s, 'EHOSTUNREACH');
      else l4.icmpSend(w, h, s, 3, 1);
    }
  },
});
setBridgeDeps({ netifDeliver, wireXmit, drop, routeOutput });
