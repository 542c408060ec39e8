// Packet builders for the conntrack and NAT tests (not used by the engine itself).
import { ipv4 } from '../net/ipv4';
import {
  ICMP_HLEN,
  IP_HLEN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpPacket,
  TCP_HLEN,
  UDP_HLEN,
} from '../packet';

export function tcp(
  src: string,
  dst: string,
  sport: number,
  dport: number,
  flags: number,
  seq = 0,
  ack = 0,
  payloadLen = 0,
): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 0,
    proto: IPPROTO_TCP,
    len: IP_HLEN + TCP_HLEN + payloadLen,
    l4: { proto: 6, sport, dport, flags, seq, ack, window: 64240, payloadLen },
  };
}

export function udp(src: string, dst: string, sport: number, dport: number, payloadLen = 10): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 0,
    proto: IPPROTO_UDP,
    len: IP_HLEN + UDP_HLEN + payloadLen,
    l4: { proto: 17, sport, dport, payloadLen },
  };
}

export function icmp(
  src: string,
  dst: string,
  type: number,
  code: number,
  id = 0,
  inner?: IpPacket,
): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 0,
    proto: IPPROTO_ICMP,
    len: IP_HLEN + ICMP_HLEN + (inner === undefined ? 56 : IP_HLEN + 8),
    l4: { proto: 1, type, code, id, seq: 1, ...(inner === undefined ? {} : { inner }) },
  };
}

/** A sysctl reader over a plain object. */
export function sysctls(values: Record<string, string> = {}): (name: string) => string | undefined {
  return (name) => values[name];
}

/** A small deterministic PRNG (mulberry32) for tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
