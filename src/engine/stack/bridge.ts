import { BROADCAST_MAC, formatIpv4, type Ipv4 } from '../net/ipv4';
import type { World } from '../sim/world';
import type { BridgeHook, DropReason } from '../timeline/events';
import type { Host } from './host';
import type { Iface } from './iface';
import { neighOutput, setMacs } from './neigh';
import { hasBridgeChains, nfBridgeHook, nfHook } from './netfilter';
import { type Skb, withIp } from './skb';
import { stpDropText, stpPortState } from './stp';

// The Linux bridge with br_netfilter (reference §1.5, §1.6): learning, forwarding and
// flooding between ports, and — when net.bridge.bridge-nf-call-iptables=1 — the IPv4
// PREROUTING/FORWARD/POSTROUTING hooks for bridged IPv4 frames, with `-i/-o` the bridge.

interface BridgeDeps {
  netifDeliver(w: World, h: Host, dev: Iface, skb: Skb): void;
  wireXmit(w: World, h: Host, dev: Iface, skb: Skb): void;
  drop(w: World, h: Host, skb: Skb, reason: DropReason, text: string): void;
  routeOutput(h: Host, dst: Ipv4): { dev: Iface; nexthop: Ipv4 } | undefined;
}
let deps: BridgeDeps;
export function setBridgeDeps(d: BridgeDeps): void {
  deps = d;
}

function callIptables(h: Host): boolean {
  return h.sysctl.int('net.bridge.bridge-nf-call-iptables', 1) === 1;
}

/** br_handle_frame: a frame received on bridge port `port`. */
export function brHandleFrame(w: World, h: Host, br: Iface, port: Iface, skb: Skb): void {
  w.bridgeCrossing(++skb.crossings, h.name, br.name);
  const f = skb.frame;
  // br_handle_frame: a listening port drops the frame unlearned; a learning port learns its
  // source MAC (br_handle_frame_finish) and then drops it.
  const state = stpPortState(port, w.now);
  const known = br.fdb.get(f.src);
  if (state !== 'listening') br.fdb.set(f.src, port);
  const learned = known !== port && state !== 'listening' ? { mac: f.src, port: port.name } : undefined;
  if (state !== 'forwarding') {
    if (w.tl) emitBridge(w, h, skb, br, port, 'drop', [], learned);
    return deps.drop(w, h, skb, 'bridge-port-state', stpDropText(port, state));
  }
  brHook(w, h, skb, 'BR_PRE_ROUTING', port.name);
  if (f.type === 0x0800 && callIptables(h)) {
    // nft bridge chains up to br_netfilter's priority, then br_nf_pre_routing: IPv4
    // PREROUTING with the bridge as input device, then the bridge chains after it.
    if (!nfBridgeHook(w, h, 'BR_PRE_ROUTING', skb, port.name, undefined, 'before')) return;
    skb.ip = f.ip;
    skb.inDev = br.name;
    skb.physIn = port.name;
    skb.outDev = '';
    skb.bridged = true;
    const dst0 = skb.ip.dst;
    if (!nfHook(w, h, 'PREROUTING', skb)) return;
    skb.sabotage = true;
    skb.frame = withIp(skb.frame, skb.ip);
    if (hasBridgeChains(h, 'BR_PRE_ROUTING', 'after')) {
      brHook(w, h, skb, 'BR_PRE_ROUTING', port.name);
      if (!nfBridgeHook(w, h, 'BR_PRE_ROUTING', skb, port.name, undefined, 'after')) return;
    }
    if (skb.ip.dst !== dst0) return bridgedDnat(w, h, br, port, skb, learned);
  } else if (!nfBridgeHook(w, h, 'BR_PRE_ROUTING', skb, port.name, undefined, 'all')) return;
  decide(w, h, br, port, skb, learned);
}

/**
 * br_nf_pre_routing_finish after DNAT: if the new destination is reached through this same
 * bridge the frame stays bridged with the new MAC ("bridged DNAT"), otherwise it goes up.
 */
function bridgedDnat(
  w: World,
  h: Host,
  br: Iface,
  port: Iface,
  skb: Skb,
  learned?: { mac: string; port: string },
): void {
  if (h.sysctl.ipForward === 0)
    return deps.drop(
      w,
      h,
      skb,
      'forwarding-disabled',
      'DNAT of a bridged frame needs net.ipv4.ip_forward=1 (IpInAddrErrors on Linux 6.18)',
    );
  const r = h.routes.isLocal(skb.ip.dst) ? undefined : deps.routeOutput(h, skb.ip.dst);
  if (!r || r.dev !== br) {
    skb.frame = setMacs(skb.frame, skb.frame.src, br.mac);
    return decide(w, h, br, port, skb, learned);
  }
  void learned;
  // Resolve the new destination's MAC through the bridge, then switch the frame.
  resolveThenSwitch(w, h, br, port, r.nexthop, skb);
}

function resolveThenSwitch(w: World, h: Host, br: Iface, port: Iface, nexthop: Ipv4, skb: Skb): void {
  const mac = br.neigh.get(nexthop);
  if (mac !== undefined) {
    if (w.tl)
      w.emit({
        t: w.now,
        host: h.name,
        type: 'neigh',
        pkt: skb.id,
        op: 'hit',
        ip: nexthop,
        mac,
        dev: br.name,
      });
    skb.frame = setMacs(skb.frame, skb.frame.src, mac);
    return decide(w, h, br, port, skb, undefined);
  }
  // Unknown: let the neighbour layer ARP on the bridge and queue the frame; it comes back
  // through brDevXmit, where it is switched with the resolved MAC but keeps its source MAC.
  const src = skb.frame.src;
  (skb as { keepSrc?: string }).keepSrc = src;
  (skb as { fromPort?: Iface }).fromPort = port;
  neighOutput(w, h, br, nexthop, skb);
}

function decide(
  w: World,
  h: Host,
  br: Iface,
  inPort: Iface,
  skb: Skb,
  learned?: { mac: string; port: string },
): void {
  const dst = skb.frame.dst;
  if (dst === br.mac) {
    // Up to the IP stack: from here it is routed, not bridged (physdev-in is still known).
    skb.bridged = false;
    if (w.tl) emitBridge(w, h, skb, br, inPort, 'local', [], learned);
    brHook(w, h, skb, 'BR_LOCAL_IN', inPort.name);
    if (!nfBridgeHook(w, h, 'BR_LOCAL_IN', skb, inPort.name, undefined, 'all')) return;
    return deps.netifDeliver(w, h, br, skb);
  }
  if (dst === BROADCAST_MAC || (Number.parseInt(dst.slice(0, 2), 16) & 1) === 1) {
    return flood(w, h, br, inPort, skb, true, learned);
  }
  const out = br.fdb.get(dst);
  if (!out) return flood(w, h, br, inPort, skb, false, learned);
  if (out === inPort && !inPort.hairpin) {
    if (w.tl) emitBridge(w, h, skb, br, inPort, 'drop', [], learned);
    return deps.drop(
      w,
      h,
      skb,
      'bridge-hairpin',
      `${dst} is behind ${inPort.name}, the port the frame came in on, and hairpin_mode is off`,
    );
  }
  const outState = stpPortState(out, w.now);
  if (outState !== 'forwarding') {
    if (w.tl) emitBridge(w, h, skb, br, inPort, 'drop', [], learned);
    return deps.drop(w, h, skb, 'bridge-port-state', stpDropText(out, outState));
  }
  if (w.tl) emitBridge(w, h, skb, br, inPort, 'forward', [out.name], learned);
  brForward(w, h, br, out, skb, inPort.name);
}

function flood(
  w: World,
  h: Host,
  br: Iface,
  inPort: Iface,
  skb: Skb,
  local: boolean,
  learned?: { mac: string; port: string },
): void {
  // should_deliver: only forwarding ports get a copy.
  const outs = br.ports.filter(
    (p) => p.up && (p !== inPort || p.hairpin) && stpPortState(p, w.now) === 'forwarding',
  );
  if (w.tl)
    emitBridge(
      w,
      h,
      skb,
      br,
      inPort,
      'flood',
      outs.map((p) => p.name),
      learned,
    );
  const copies = outs.map(() => cloneSkb(w, h, skb));
  const localCopy = local ? cloneSkb(w, h, skb) : undefined;
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'cloned',
      pkt: skb.id,
      copies: [...copies.map((c) => c.id), ...(localCopy ? [localCopy.id] : [])],
    });
  outs.forEach((p, i) => {
    brForward(w, h, br, p, copies[i]!, inPort.name);
  });
  if (localCopy) {
    brHook(w, h, localCopy, 'BR_LOCAL_IN', inPort.name);
    if (!nfBridgeHook(w, h, 'BR_LOCAL_IN', localCopy, inPort.name, undefined, 'all')) return;
    deps.netifDeliver(w, h, br, localCopy);
  }
}

function cloneSkb(w: World, h: Host, s: Skb): Skb {
  const c: Skb = { ...s, id: w.packetId() };
  if (w.tl)
    w.emit({
      t: w.now,
      host: h.name,
      type: 'packet',
      pkt: c.id,
      parent: s.id,
      origin: 'flood',
      frame: s.frame,
    });
  return c;
}

/** br_forward: with br_netfilter, IPv4 FORWARD and POSTROUTING (`-i br -o br`), then out the port. */
function brForward(w: World, h: Host, br: Iface, out: Iface, skb: Skb, inPort?: string): void {
  const bnf = skb.bridged && skb.frame.type === 0x0800;
  brHook(w, h, skb, 'BR_FORWARD', undefined, out.name);
  if (bnf) {
    if (!nfBridgeHook(w, h, 'BR_FORWARD', skb, inPort, out.name, 'before')) return;
    skb.outDev = br.name;
    skb.physOut = out.name;
    if (!nfHook(w, h, 'FORWARD', skb)) return;
    if (hasBridgeChains(h, 'BR_FORWARD', 'after')) {
      brHook(w, h, skb, 'BR_FORWARD', undefined, out.name);
      if (!nfBridgeHook(w, h, 'BR_FORWARD', skb, inPort, out.name, 'after')) return;
    }
  } else if (!nfBridgeHook(w, h, 'BR_FORWARD', skb, inPort, out.name, 'all')) return;
  brHook(w, h, skb, 'BR_POST_ROUTING', undefined, out.name);
  // br_nf_post_routing sits at INT_MAX: every bridge chain here runs before IPv4 POSTROUTING.
  if (!nfBridgeHook(w, h, 'BR_POST_ROUTING', skb, undefined, out.name, 'all')) return;
  if (bnf) {
    skb.inDev = '';
    skb.physIn = '';
    if (!nfHook(w, h, 'POSTROUTING', skb)) return;
    skb.frame = withIp(skb.frame, skb.ip);
  }
  deps.wireXmit(w, h, out, skb);
}

/** br_dev_xmit: the host sends through the bridge device (its IP hooks already ran). */
export function brDevXmit(w: World, h: Host, br: Iface, skb: Skb): void {
  const keep = (skb as { keepSrc?: string }).keepSrc;
  const fromPort = (skb as { fromPort?: Iface }).fromPort;
  if (keep !== undefined && fromPort) {
    // A bridged-DNAT frame that waited for ARP: switch it with its original source MAC.
    skb.frame = setMacs(skb.frame, keep, skb.frame.dst);
    return decide(w, h, br, fromPort, skb, undefined);
  }
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'xmit', pkt: skb.id, dev: br.name, frame: skb.frame });
  brHook(w, h, skb, 'BR_LOCAL_OUT', undefined, br.name);
  const dst = skb.frame.dst;
  const out = dst === BROADCAST_MAC ? undefined : br.fdb.get(dst);
  skb.bridged = false;
  // With STP a frame leaves only through a forwarding port; before any port forwards, the
  // bridge's own frames go nowhere (br_flood/br_forward free them uncounted).
  const stuck = out ? [out] : br.ports.filter((p) => p.up);
  const forwarding = stuck.filter((p) => stpPortState(p, w.now) === 'forwarding');
  if (stuck.length && !forwarding.length) {
    if (w.tl) emitBridge(w, h, skb, br, br, 'drop', []);
    return deps.drop(w, h, skb, 'bridge-port-state', stpDropText(stuck[0]!, stpPortState(stuck[0]!, w.now)));
  }
  if (out) {
    if (w.tl) emitBridge(w, h, skb, br, br, 'forward', [out.name]);
    if (!nfBridgeHook(w, h, 'BR_LOCAL_OUT', skb, undefined, out.name, 'all')) return;
    brHook(w, h, skb, 'BR_POST_ROUTING', undefined, out.name);
    if (!nfBridgeHook(w, h, 'BR_POST_ROUTING', skb, undefined, out.name, 'all')) return;
    return deps.wireXmit(w, h, out, skb);
  }
  const outs = br.ports.filter((p) => p.up && stpPortState(p, w.now) === 'forwarding');
  if (w.tl)
    emitBridge(
      w,
      h,
      skb,
      br,
      br,
      'flood',
      outs.map((p) => p.name),
    );
  const copies = outs.map(() => cloneSkb(w, h, skb));
  if (w.tl) w.emit({ t: w.now, host: h.name, type: 'cloned', pkt: skb.id, copies: copies.map((c) => c.id) });
  outs.forEach((p, i) => {
    // NF_BR_LOCAL_OUT runs per port in __br_forward: each copy meets the chains there.
    if (hasBridgeChains(h, 'BR_LOCAL_OUT', 'all'))
      brHook(w, h, copies[i]!, 'BR_LOCAL_OUT', undefined, p.name);
    if (!nfBridgeHook(w, h, 'BR_LOCAL_OUT', copies[i]!, undefined, p.name, 'all')) return;
    brHook(w, h, copies[i]!, 'BR_POST_ROUTING', undefined, p.name);
    if (!nfBridgeHook(w, h, 'BR_POST_ROUTING', copies[i]!, undefined, p.name, 'all')) return;
    deps.wireXmit(w, h, p, copies[i]!);
  });
}

/**
 * A bridge-family hook (reference §1.5) on the timeline. Registered there: the base chains of
 * nft `bridge` tables (nfBridgeHook) and br_netfilter, whose IPv4 hooks follow as their own
 * events (ebtables tables are not modelled).
 */
function brHook(w: World, h: Host, skb: Skb, hook: BridgeHook, inDev?: string, outDev?: string): void {
  if (!w.tl) return;
  w.emit({
    t: w.now,
    host: h.name,
    type: 'hook',
    pkt: skb.id,
    family: 'bridge',
    hook,
    ...(inDev ? { in: inDev } : {}),
    ...(outDev ? { out: outDev } : {}),
  });
}

function emitBridge(
  w: World,
  h: Host,
  skb: Skb,
  br: Iface,
  inPort: Iface,
  decision: 'forward' | 'flood' | 'local' | 'drop',
  outPorts: string[],
  learned?: { mac: string; port: string },
): void {
  w.emit({
    t: w.now,
    host: h.name,
    type: 'bridge',
    pkt: skb.id,
    bridge: br.name,
    inPort: inPort.name,
    decision,
    outPorts,
    ...(learned ? { learned } : {}),
  });
}

export { formatIpv4 };
