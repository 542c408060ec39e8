import type { Ipv4, Port } from '../net/ipv4';

/**
 * A conntrack tuple. For TCP/UDP `sport`/`dport` are ports. For ICMP, as in the kernel,
 * the source key is the echo id and the destination key is type and code: `sport` holds
 * the id and `dport` holds `type << 8 | code` (see icmpType/icmpCode helpers).
 */
export interface Tuple {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly proto: number;
  readonly sport: Port;
  readonly dport: Port;
}

/** TCP conntrack states, spelled as `conntrack -L` prints them. */
export type TcpCtState =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

/** ctinfo of a packet (enum ip_conntrack_info). */
export type CtInfo = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'ESTABLISHED_REPLY' | 'RELATED_REPLY';

/** What `-m conntrack --ctstate` sees. */
export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

export type CtDir = 'ORIGINAL' | 'REPLY';

// Status bits as include/uapi/linux/netfilter/nf_conntrack_common.h numbers them.
export const IPS_EXPECTED = 1 << 0;
export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_SRC_NAT_DONE = 1 << 7;
export const IPS_DST_NAT_DONE = 1 << 8;
export const IPS_DYING = 1 << 9;

/**
 * Plain-data view of one conntrack entry at one moment: what timeline events carry, and
 * all a formatter needs to print `conntrack -L` or `/proc/net/nf_conntrack` at any time.
 */
export interface CtEntryData {
  /** Stable id within a run (creation order per host), for highlighting and diffing. */
  readonly id: number;
  readonly orig: Tuple;
  readonly reply: Tuple;
  readonly status: number;
  /** TCP only. */
  readonly tcpState?: TcpCtState;
  /** Virtual time (µs) at which the timer runs out; the printed timeout is derived from it. */
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly mark: number;
  readonly zone: number;
}

/** ICMP type of an ICMP tuple (the high byte of `dport`). */
export function icmpType(t: Tuple): number {
  return t.dport >>> 8;
}

/** ICMP code of an ICMP tuple (the low byte of `dport`). */
export function icmpCode(t: Tuple): number {
  return t.dport & 0xff;
}
