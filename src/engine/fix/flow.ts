import { tcpKind } from '../format/packet';
import { formatIpv4 } from '../net/ipv4';
import type { Frame, IpPacket } from '../packet';
import type { PacketId, TimelineEvent } from '../timeline/events';

// One connection's packets in a run: the client's own, everything NAT made of them, the
// answers (whose events carry the server's item, not the client's) and what the stack
// generated in return (RSTs, ICMP errors). The fix search reads a failure off these.

/** The unordered pair of endpoints an IP packet travels between (`10.0.0.1:80|10.0.0.2:4000`). */
function pairKey(ip: IpPacket): string {
  const l4 = ip.l4;
  const ports = l4.proto === 6 || l4.proto === 17;
  const a = `${ip.src}:${ports ? l4.sport : 0}`;
  const b = `${ip.dst}:${ports ? l4.dport : 0}`;
  return a < b ? `${ip.proto}|${a}|${b}` : `${ip.proto}|${b}|${a}`;
}

function ipOf(f: Frame): IpPacket | undefined {
  return f.type === 0x0800 ? f.ip : undefined;
}

/** The ids of the packets that belong to traffic item `conn`, and the events about them. */
export interface Flow {
  readonly packets: ReadonlySet<PacketId>;
  readonly events: readonly TimelineEvent[];
}

export function flowOf(events: readonly TimelineEvent[], conn: number): Flow {
  const packets = new Set<PacketId>();
  const pairs = new Set<string>();
  // Two passes reach a fixpoint for one NAT step each way; a third covers full NAT.
  for (let pass = 0; pass < 3; pass++) {
    for (const e of events) {
      if (e.type === 'packet') {
        const ip = ipOf(e.frame);
        if (!ip) continue;
        const mine =
          e.conn === conn ||
          (e.parent !== undefined && packets.has(e.parent)) ||
          pairs.has(pairKey(ip)) ||
          (ip.l4.proto === 1 && ip.l4.inner !== undefined && pairs.has(pairKey(ip.l4.inner)));
        if (mine) {
          packets.add(e.pkt);
          pairs.add(pairKey(ip));
        }
      } else if (e.type === 'rewrite' && packets.has(e.pkt)) {
        const a = ipOf(e.after);
        if (a) pairs.add(pairKey(a));
      }
    }
  }
  const mine = events.filter((e) => 'pkt' in e && e.pkt !== undefined && packets.has(e.pkt));
  return { packets, events: mine };
}

/**
 * A packet as a teacher names it, in parts, so each language can say it: its kind (`tcp`
 * with its flags as tcpdump prints them, `udp`, the ICMP kinds, `arp`) and its endpoints.
 */
export interface PacketName {
  readonly kind: 'tcp' | 'udp' | 'echo-request' | 'echo-reply' | 'icmp-error' | 'ip' | 'arp';
  /** TCP only: `SYN`, `SYN-ACK`, `RST`... */
  readonly flags?: string;
  /** `10.244.1.3:8080` (with the port for TCP and UDP). */
  readonly src?: string;
  readonly dst?: string;
}

export function packetName(f: Frame): PacketName {
  const ip = ipOf(f);
  if (!ip) return { kind: 'arp' };
  const l4 = ip.l4;
  const s = formatIpv4(ip.src);
  const d = formatIpv4(ip.dst);
  if (l4.proto === 6)
    return { kind: 'tcp', flags: tcpKind(l4.flags), src: `${s}:${l4.sport}`, dst: `${d}:${l4.dport}` };
  if (l4.proto === 17) return { kind: 'udp', src: `${s}:${l4.sport}`, dst: `${d}:${l4.dport}` };
  if (l4.proto === 1) {
    const kind = l4.type === 8 ? 'echo-request' : l4.type === 0 ? 'echo-reply' : 'icmp-error';
    return { kind, src: s, dst: d };
  }
  return { kind: 'ip', src: s, dst: d };
}

const KIND_EN: Readonly<Record<PacketName['kind'], string>> = {
  tcp: '',
  udp: 'UDP datagram',
  'echo-request': 'echo request',
  'echo-reply': 'echo reply',
  'icmp-error': 'ICMP error',
  ip: 'packet',
  arp: 'ARP frame',
};

/** `the SYN-ACK 10.244.1.3:8080 > 10.244.1.2:40001`, in English. */
export function packetNameText(n: PacketName): string {
  if (n.kind === 'arp') return 'the ARP frame';
  return `the ${n.kind === 'tcp' ? n.flags : KIND_EN[n.kind]} ${n.src} > ${n.dst}`;
}

/** `the SYN-ACK 10.244.1.3:8080 > 10.244.1.2:40001`, as a teacher names a packet. */
export function describePacket(f: Frame): string {
  return packetNameText(packetName(f));
}
