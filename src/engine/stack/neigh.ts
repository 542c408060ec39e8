import { BROADCAST_MAC, formatIpv4, type Ipv4, type Mac, ZERO_MAC } from '../net/ipv4';
import { ARPOP_REPLY, ARPOP_REQUEST, type ArpPacket, type Frame } from '../packet';
import type { World } from '../sim/world';
import type { Host } from './host';
import type { Iface } from './iface';
import { newSkb, type Skb } from './skb';

/** ARP retransmissions before a neighbour is FAILED (mcast_solicit=3, retrans_time 1 s). */
const ARP_TRIES = 3;
const ARP_RETRANS = 1_000_000;

export interface NeighDeps {
  xmit(w: World, h: Host, dev: Iface, skb: Skb): void;
  /** The queued packets of a failed resolution. */
  failed(w: World, h: Host, skbs: readonly Skb[], dev: Iface, ip: Ipv4): void;
}

let deps: NeighDeps;
export function setNeighDeps(d: NeighDeps): void {
  deps = d;
}

const key = (dev: Iface, ip: Ipv4): string => `${dev.name}|${ip}`;

/** Sends `skb` to `nexthop` on `dev`, resolving its MAC with ARP first when unknown. */
export function neighOutput(w: World, h: Host, dev: Iface, nexthop: Ipv4, skb: Skb): void {
  const mac =
    dev.neigh.get(nexthop) ??
    (nexthop === 0xffffffff || h.routes.broadcast.has(nexthop) ? BROADCAST_MAC : undefined);
  if (mac !== undefined) {
    if (w.tl && mac !== BROADCAST_MAC)
      w.emit({
        t: w.now,
        host: h.name,
        type: 'neigh',
        pkt: skb.id,
        op: 'hit',
        ip: nexthop,
        mac,
        dev: dev.name,
      });
    skb.frame = setMacs(skb.frame, dev.mac, mac);
    deps.xmit(w, h, dev, skb);
    return;
  }
  const k = key(dev, nexthop);
  const p = h.pending.get(k);
  if (w.tl)
    w.emit({ t: w.now, host: h.name, type: 'neigh', pkt: skb.id, op: 'miss', ip: nexthop, dev: dev.name });
  if (p) {
    p.queue.push(skb);
    return;
  }
  h.pending.set(k, { dev, ip: nexthop, queue: [skb], tries: 0 });
  solicit(w, h, dev, nexthop, skb.ip?.src);
}

function solicit(w: World, h: Host, dev: Iface, ip: Ipv4, hint: Ipv4 | undefined): void {
  const p = h.pending.get(key(dev, ip));
  if (!p) return;
  if (p.tries >= ARP_TRIES) {
    h.pending.delete(key(dev, ip));
    if (w.tl) w.emit({ t: w.now, host: h.name, type: 'neigh', op: 'failed', ip, dev: dev.name });
    deps.failed(w, h, p.queue, dev, ip);
    return;
  }
  p.tries++;
  // arp_announce=0: the packet's own source if it is ours, else the device's address.
  const spa =
    hint !== undefined && h.routes.local.has(hint) ? hint : (h.addrOf(dev, ip) ?? h.anyAddr() ?? (0 as Ipv4));
  const arp: ArpPacket = { op: ARPOP_REQUEST, sha: dev.mac, spa, tha: ZERO_MAC, tpa: ip };
  sendArp(w, h, dev, { src: dev.mac, dst: BROADCAST_MAC, type: 0x0806, arp });
  w.sched.after(ARP_RETRANS, () => solicit(w, h, dev, ip, spa));
}

function sendArp(w: World, h: Host, dev: Iface, frame: Frame): void {
  const skb = newSkb(w.packetId(), undefined, frame);
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'packet', pkt: skb.id, origin: 'arp', frame });
  deps.xmit(w, h, dev, skb);
}

/** ARP input on a device (for a bridge port: on the bridge device). arp_ignore=0: answer for any local address. */
export function arpRcv(w: World, h: Host, dev: Iface, skb: Skb): void {
  if (skb.frame.type !== 0x0806) return;
  const arp = skb.frame.arp;
  if (arp.op === ARPOP_REQUEST) {
    const ours = h.routes.local.has(arp.tpa) && arp.tpa >>> 24 !== 127;
    if (!ours) {
      drop(w, h, skb, `ARP who-has ${formatIpv4(arp.tpa)}: not an address of ${h.name}`);
      return;
    }
    learn(w, h, dev, arp.spa, arp.sha, skb);
    if (w.tl) w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: 'arp' });
    const reply: ArpPacket = { op: ARPOP_REPLY, sha: dev.mac, spa: arp.tpa, tha: arp.sha, tpa: arp.spa };
    sendArp(w, h, dev, { src: dev.mac, dst: arp.sha, type: 0x0806, arp: reply });
    return;
  }
  if (arp.tha !== dev.mac && !h.pending.has(key(dev, arp.spa))) {
    drop(w, h, skb, 'ARP reply not for this host');
    return;
  }
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'deliver', pkt: skb.id, to: 'arp' });
  learn(w, h, dev, arp.spa, arp.sha, skb);
}

function learn(w: World, h: Host, dev: Iface, ip: Ipv4, mac: Mac, skb: Skb): void {
  const k = key(dev, ip);
  const had = dev.neigh.get(ip);
  dev.neigh.set(ip, mac);
  if (had !== mac && w.tl)
    w.emit({ t: w.now, host: h.name, type: 'neigh', pkt: skb.id, op: 'learn', ip, mac, dev: dev.name });
  const p = h.pending.get(k);
  if (!p) return;
  h.pending.delete(k);
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'neigh', op: 'resolved', ip, mac, dev: dev.name });
  for (const q of p.queue) {
    q.frame = setMacs(q.frame, dev.mac, mac);
    deps.xmit(w, h, dev, q);
  }
}

function drop(w: World, h: Host, skb: Skb, text: string): void {
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'drop', pkt: skb.id, reason: 'not-for-us', text });
}

export function setMacs(f: Frame, src: Mac, dst: Mac): Frame {
  return f.type === 0x0800 ? { src, dst, type: 0x0800, ip: f.ip } : { src, dst, type: 0x0806, arp: f.arp };
}
