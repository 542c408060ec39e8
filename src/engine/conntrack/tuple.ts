import type { Ipv4 } from '../net/ipv4';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type IpPacket } from '../packet';
import type { Tuple } from './types';

// Tuples as nf_conntrack builds them (nf_ct_get_tuple, nf_ct_invert_tuple). The ICMP key layout
// (sport = echo id, dport = type << 8 | code) is the one documented in types.ts.

/** ICMP query types that have a reply type; nf_conntrack_proto_icmp.c `invmap`. */
const ICMP_INVERSE: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [17, 18],
  [18, 17],
]);

/** Requests that may create an entry (icmp_new's `valid_new`). */
export function isIcmpQueryRequest(type: number): boolean {
  return type === 8 || type === 13 || type === 15 || type === 17;
}

/** Error types that carry the offending header (icmp_error_message). */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

/** The L4 keys of a packet: ports, or ICMP id and type<<8|code; 0/0 for other protocols. */
export function packetSport(ip: IpPacket): number {
  const l4 = ip.l4;
  if (l4.proto === IPPROTO_TCP || l4.proto === IPPROTO_UDP) return l4.sport;
  if (l4.proto === IPPROTO_ICMP) return l4.id;
  return 0;
}

export function packetDport(ip: IpPacket): number {
  const l4 = ip.l4;
  if (l4.proto === IPPROTO_TCP || l4.proto === IPPROTO_UDP) return l4.dport;
  if (l4.proto === IPPROTO_ICMP) return (l4.type << 8) | l4.code;
  return 0;
}

/** The tuple of a packet in the direction it travels (the ORIGINAL tuple if it creates an entry). */
export function tupleOf(ip: IpPacket): Tuple {
  return { src: ip.src, dst: ip.dst, proto: ip.proto, sport: packetSport(ip), dport: packetDport(ip) };
}

/**
 * nf_ct_invert_tuple: swap addresses and keys; ICMP keeps the id and maps the type to its
 * reply type. Undefined for ICMP types without an inverse (such a packet cannot be tracked).
 */
export function invertTuple(t: Tuple): Tuple | undefined {
  if (t.proto === IPPROTO_ICMP) {
    const inv = ICMP_INVERSE.get(t.dport >>> 8);
    if (inv === undefined) return undefined;
    return { src: t.dst, dst: t.src, proto: t.proto, sport: t.sport, dport: (inv << 8) | (t.dport & 0xff) };
  }
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

export function tupleEquals(a: Tuple, b: Tuple): boolean {
  return (
    a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.sport === b.sport && a.dport === b.dport
  );
}

/**
 * The tuple of the packet embedded in an ICMP error (types 3, 4, 5, 11, 12), as it was sent.
 * Conntrack inverts it to find the entry the error is about. Undefined when the packet is not
 * an ICMP error or carries no inner header.
 */
export function icmpErrorInnerTuple(ip: IpPacket): Tuple | undefined {
  const l4 = ip.l4;
  if (l4.proto !== IPPROTO_ICMP || !isIcmpError(l4.type) || l4.inner === undefined) return undefined;
  return tupleOf(l4.inner);
}

/**
 * A 30-bit hash of a tuple and its zone, computed from numbers only so the per-packet lookup
 * allocates nothing. 30 bits keep it a small integer (Smi) in every JS engine, so storing it
 * never boxes a number. Collisions are resolved by comparing the fields (see table.ts).
 */
export function tupleHash(
  src: Ipv4,
  dst: Ipv4,
  proto: number,
  sport: number,
  dport: number,
  zone: number,
): number {
  let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ((sport << 16) | dport), 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15) ^ ((proto << 16) | zone), 0x165667b1);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

export function hashOfTuple(t: Tuple, zone: number): number {
  return tupleHash(t.src, t.dst, t.proto, t.sport, t.dport, zone);
}
