// One-line packet summaries in tcpdump's notation, which is what engineers read packets in.
import { formatIpv4 } from '../engine/net/ipv4';
import type { Frame, IpPacket } from '../engine/packet';

// tcpdump prints TCP flags in this order (tcp_flag_values in print-tcp.c).
const TCP_FLAGS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
];

export function tcpFlags(flags: number): string {
  let s = '';
  for (const [bit, ch] of TCP_FLAGS) if (flags & bit) s += ch;
  return s || 'none';
}

const UNREACH: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  3: 'port unreachable',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'admin prohibited',
};

function icmpText(ip: IpPacket & { l4: { proto: 1 } }): string {
  const { type, code, id, seq, inner } = ip.l4;
  if (type === 8) return `ICMP echo request, id ${id}, seq ${seq}`;
  if (type === 0) return `ICMP echo reply, id ${id}, seq ${seq}`;
  if (type === 3) {
    const what = UNREACH[code] ?? `unreachable code ${code}`;
    if (code === 3 && inner && inner.l4.proto !== 1)
      return `ICMP ${formatIpv4(inner.dst)} ${inner.l4.proto === 6 ? 'tcp' : 'udp'} port ${inner.l4.dport} unreachable`;
    return `ICMP ${inner ? formatIpv4(inner.dst) : ''} ${what}`.replace('  ', ' ');
  }
  if (type === 11) return 'ICMP time exceeded in-transit';
  if (type === 5) return 'ICMP redirect';
  return `ICMP type ${type}, code ${code}`;
}

export function formatIp(ip: IpPacket): string {
  const src = formatIpv4(ip.src);
  const dst = formatIpv4(ip.dst);
  const l4 = ip.l4;
  if (l4.proto === 6)
    return `IP ${src}.${l4.sport} > ${dst}.${l4.dport}: Flags [${tcpFlags(l4.flags)}], length ${l4.payloadLen}`;
  if (l4.proto === 17) return `IP ${src}.${l4.sport} > ${dst}.${l4.dport}: UDP, length ${l4.payloadLen}`;
  return `IP ${src} > ${dst}: ${icmpText(ip as IpPacket & { l4: { proto: 1 } })}`;
}

export function formatFrame(f: Frame): string {
  if (f.type === 0x0806) {
    const a = f.arp;
    return a.op === 1
      ? `ARP, Request who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}`
      : `ARP, Reply ${formatIpv4(a.spa)} is-at ${a.sha}`;
  }
  return formatIp(f.ip);
}

/** A few words for menus: `TCP [S] 10.244.1.2:40000 > 10.96.0.10:80`. */
export function shortFrame(f: Frame): string {
  if (f.type === 0x0806)
    return f.arp.op === 1 ? `ARP who-has ${formatIpv4(f.arp.tpa)}` : `ARP reply ${formatIpv4(f.arp.spa)}`;
  const ip = f.ip;
  const l4 = ip.l4;
  if (l4.proto === 6)
    return `TCP [${tcpFlags(l4.flags)}] ${formatIpv4(ip.src)}:${l4.sport} > ${formatIpv4(ip.dst)}:${l4.dport}`;
  if (l4.proto === 17) return `UDP ${formatIpv4(ip.src)}:${l4.sport} > ${formatIpv4(ip.dst)}:${l4.dport}`;
  return `ICMP ${l4.type}/${l4.code} ${formatIpv4(ip.src)} > ${formatIpv4(ip.dst)}`;
}

/** `10.244.1.3:8080` (or the bare address for ICMP and ARP): one end of a packet. */
export function endpoint(f: Frame, side: 'src' | 'dst'): string {
  if (f.type === 0x0806) return formatIpv4(side === 'src' ? f.arp.spa : f.arp.tpa);
  const ip = f.ip;
  const a = formatIpv4(side === 'src' ? ip.src : ip.dst);
  const l4 = ip.l4;
  return l4.proto === 6 || l4.proto === 17 ? `${a}:${side === 'src' ? l4.sport : l4.dport}` : a;
}

/** Which end a NAT rewrite changes: destination NAT and the undoing of source NAT change dst. */
export function rewrittenSide(what: string): 'src' | 'dst' {
  return what === 'DNAT' || what === 'REDIRECT' || what === 'un-SNAT' ? 'dst' : 'src';
}

/** What a packet label says after the tuple: `[S]`, `UDP`, `ICMP 8/0`, `ARP who-has`. */
export function packetKind(f: Frame): string {
  if (f.type === 0x0806) return f.arp.op === 1 ? 'ARP who-has' : 'ARP reply';
  const l4 = f.ip.l4;
  if (l4.proto === 6) return `[${tcpFlags(l4.flags)}]`;
  if (l4.proto === 17) return 'UDP';
  return `ICMP ${l4.type}/${l4.code}`;
}

/** A packet's label text on the topology: `10.244.1.2:40001 → 10.96.0.10:80 [S]`. */
export function tupleText(f: Frame): string {
  return `${endpoint(f, 'src')} → ${endpoint(f, 'dst')} ${packetKind(f)}`;
}
