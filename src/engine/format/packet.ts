import { formatIpv4 } from '../net/ipv4';
import type { Frame, IcmpHeader, IpPacket, TcpHeader, UdpHeader } from '../packet';

// Packets printed the way tcpdump -n prints them, because that is what engineers read.

export function tcpFlags(f: number): string {
  let s = '';
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x04) s += 'R';
  if (f & 0x08) s += 'P';
  if (f & 0x10) s += '.';
  return s || 'none';
}

/** The short name teachers use: SYN, SYN-ACK, ACK, RST, FIN ... */
export function tcpKind(f: number): string {
  if (f & 0x04) return f & 0x10 ? 'RST-ACK' : 'RST';
  if (f & 0x02) return f & 0x10 ? 'SYN-ACK' : 'SYN';
  if (f & 0x01) return 'FIN-ACK';
  if (f & 0x08) return 'data';
  return 'ACK';
}

export function formatIp(ip: IpPacket): string {
  const s = formatIpv4(ip.src);
  const d = formatIpv4(ip.dst);
  const l4 = ip.l4;
  if (l4.proto === 6) {
    const t = l4 as TcpHeader;
    const seq = t.flags & 0x02 || t.payloadLen > 0 || t.flags & 0x05 ? `, seq ${t.seq}` : '';
    const ack = t.flags & 0x10 ? `, ack ${t.ack}` : '';
    return `IP ${s}.${t.sport} > ${d}.${t.dport}: Flags [${tcpFlags(t.flags)}]${seq}${ack}, length ${t.payloadLen}`;
  }
  if (l4.proto === 17) {
    const u = l4 as UdpHeader;
    return `IP ${s}.${u.sport} > ${d}.${u.dport}: UDP, length ${u.payloadLen}`;
  }
  if (l4.proto === 1) return `IP ${s} > ${d}: ${formatIcmp(l4 as IcmpHeader, ip.len)}`;
  return `IP ${s} > ${d}: ip-proto-${ip.proto}`;
}

function formatIcmp(c: IcmpHeader, len: number): string {
  if (c.type === 8 || c.type === 0)
    return `ICMP echo ${c.type === 8 ? 'request' : 'reply'}, id ${c.id}, seq ${c.seq}, length ${len - 20}`;
  const inner = c.inner;
  if (c.type === 3 && inner) {
    const i = inner.l4;
    if (c.code === 3 && (i.proto === 6 || i.proto === 17))
      return `ICMP ${formatIpv4(inner.dst)} ${i.proto === 6 ? 'tcp' : 'udp'} port ${i.dport} unreachable, length ${len - 20}`;
    const what = ['net', 'host', 'protocol'][c.code] ?? `code ${c.code}`;
    return `ICMP ${formatIpv4(inner.dst)} ${what} unreachable, length ${len - 20}`;
  }
  if (c.type === 11 && inner) return `ICMP time exceeded in-transit, length ${len - 20}`;
  if (c.type === 5 && inner)
    return `ICMP redirect ${formatIpv4(inner.dst)} to host ${formatIpv4(c.gateway ?? 0)}, length ${len - 20}`;
  return `ICMP type ${c.type} code ${c.code}, length ${len - 20}`;
}

export function formatFrame(f: Frame): string {
  if (f.type === 0x0806) {
    const a = f.arp;
    return a.op === 1
      ? `ARP, Request who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}, length 28`
      : `ARP, Reply ${formatIpv4(a.spa)} is-at ${a.sha}, length 28`;
  }
  return formatIp(f.ip);
}

/** tcpdump -e style link header. */
export function formatEther(f: Frame): string {
  return `${f.src} > ${f.dst}, ethertype ${f.type === 0x0800 ? 'IPv4 (0x0800)' : 'ARP (0x0806)'}`;
}
