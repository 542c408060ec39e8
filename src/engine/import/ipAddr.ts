// `ip -j addr` (or `ip -d -j addr`, which adds the link kinds) -> the scenario's interfaces.
// The model knows loopback, veth, bridge and ethernet devices with IPv4 addresses; what it
// does not model is left out and said in a note, never an error.
import type { InterfaceSpec } from '../scenario/schema';
import { jsonArray, lineOfKey } from './json';
import type { Imported, PasteError } from './types';

const IFNAME = /^[^\s/:]{1,15}$/; // dev_valid_name: IFNAMSIZ - 1, no '/', ':' or blanks
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;

/**
 * An interface as read from the paste, before it is placed on a host: `pairedWith` names the
 * other end of a veth pair when both ends are in this namespace (`"link": "eth1"`).
 */
export interface PastedInterface {
  readonly spec: InterfaceSpec;
  readonly pairedWith?: string;
}

export function importIpAddr(text: string): Imported<readonly PastedInterface[]> {
  const arr = jsonArray('ip-addr', text);
  if (!arr.ok) return arr;
  const links = arr.value;
  const fail = (i: number, message: string): { ok: false; error: PasteError } => ({
    ok: false,
    error: { kind: 'ip-addr', line: lineOfKey(text, 'ifname', i), message: `[${i}]: ${message}` },
  });
  const names = new Set<string>();
  for (const [i, l] of links.entries()) {
    const name = l.ifname;
    if (typeof name !== 'string') return fail(i, 'no "ifname" (is this the output of ip -j addr?)');
    // `ip -j addr` prints the bare name; `veth0@if3` is the text form's, accepted all the same.
    const bare = name.replace(/@.*$/, '');
    if (!IFNAME.test(bare)) return fail(i, `"${name}" is not an interface name`);
    if (names.has(bare)) return fail(i, `two interfaces named ${bare}`);
    names.add(bare);
  }
  const bareName = (l: Obj) => String(l.ifname).replace(/@.*$/, '');
  const masters = new Set(links.map((l) => l.master).filter((m): m is string => typeof m === 'string'));
  const notes: string[] = [];
  let ipv6 = 0;
  const seenMacs = new Set<string>();
  const out: PastedInterface[] = [];
  for (const [i, l] of links.entries()) {
    const name = bareName(l);
    const info = obj(l.linkinfo);
    const infoKind = typeof info?.info_kind === 'string' ? info.info_kind : undefined;
    const flags = Array.isArray(l.flags) ? l.flags : [];
    const peerHere = typeof l.link === 'string' && names.has(l.link) ? l.link : undefined;
    let kind: InterfaceSpec['kind'];
    if (l.link_type === 'loopback' || flags.includes('LOOPBACK')) kind = 'loopback';
    else if (infoKind === 'bridge' || (infoKind === undefined && masters.has(name))) kind = 'bridge';
    else if (peerHere && (infoKind === undefined || infoKind === 'veth')) kind = 'veth';
    else {
      kind = 'ethernet';
      if (infoKind === 'veth' || (infoKind === undefined && l.link_netnsid !== undefined))
        notes.push(`${name}: its veth peer is in another namespace; imported as an unconnected interface`);
      else if (infoKind !== undefined)
        notes.push(`${name}: ${infoKind} devices are not modelled; imported as ethernet`);
    }
    const addresses: string[] = [];
    const addrInfo = Array.isArray(l.addr_info) ? l.addr_info : [];
    for (const [ai, a0] of addrInfo.entries()) {
      const a = obj(a0);
      if (!a) return fail(i, `addr_info[${ai}] is not an object`);
      if (a.family === 'inet6') {
        ipv6++;
        continue;
      }
      if (a.family !== 'inet') continue;
      const plen = a.prefixlen;
      if (
        typeof a.local !== 'string' ||
        typeof plen !== 'number' ||
        !Number.isInteger(plen) ||
        plen < 0 ||
        plen > 32
      )
        return fail(i, `addr_info[${ai}]: an inet address needs "local" and "prefixlen" 0..32`);
      addresses.push(`${a.local}/${plen}`);
    }
    const spec: { -readonly [K in keyof InterfaceSpec]: InterfaceSpec[K] } = {
      name,
      kind,
      addresses,
      up: flags.includes('UP'),
    };
    if (typeof l.mtu === 'number' && Number.isInteger(l.mtu) && l.mtu > 0 && kind !== 'loopback')
      spec.mtu = l.mtu;
    // A bridge takes a port's MAC: keep the first holder, let the model derive the others'.
    const mac = typeof l.address === 'string' ? l.address.toLowerCase() : undefined;
    if (kind !== 'loopback' && mac && MAC.test(mac) && !seenMacs.has(mac)) {
      spec.mac = mac;
      seenMacs.add(mac);
    }
    if (typeof l.master === 'string') {
      const m = links.find((x) => bareName(x) === l.master);
      const mKind = obj(m?.linkinfo)?.info_kind;
      if (m && (mKind === undefined || mKind === 'bridge') && kind !== 'loopback' && kind !== 'bridge')
        spec.master = l.master;
      else notes.push(`${name}: master ${l.master} is not a bridge of this paste; left out`);
    }
    const slave = obj(info?.info_slave_data);
    if (spec.master && typeof slave?.hairpin === 'boolean') spec.hairpin = slave.hairpin;
    const data = obj(info?.info_data);
    if (kind === 'bridge' && data) {
      if (data.mcast_snooping === 0 || data.mcast_snooping === 1) spec.mcast_snooping = data.mcast_snooping;
      if (data.stp_state === 1) {
        spec.stp_state = 1;
        if (typeof data.forward_delay === 'number' && data.forward_delay >= 0)
          spec.forward_delay = Math.round(data.forward_delay);
      } else if (data.stp_state !== undefined && data.stp_state !== 0)
        // 2 is user-space STP (mstpd): its timing is not the kernel's.
        notes.push(`${name}: stp_state ${String(data.stp_state)} is not modelled; imported as 0`);
      if (data.vlan_filtering === 1) notes.push(`${name}: vlan_filtering 1 is not modelled; imported as 0`);
    }
    out.push(peerHere && kind === 'veth' ? { spec, pairedWith: peerHere } : { spec });
  }
  if (ipv6) notes.push(`${ipv6} IPv6 address${ipv6 === 1 ? '' : 'es'} left out (the model is IPv4 only)`);
  return { ok: true, value: out, notes };
}
