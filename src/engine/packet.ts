import type { Ipv4, Mac, Port } from './net/ipv4';

// Packets are plain immutable data: every rewrite makes a new object, so the timeline can
// keep the packet as it was before and after each step without copying.

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpHeader {
  readonly proto: 6;
  readonly sport: Port;
  readonly dport: Port;
  /** Bitmask of TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK. */
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly window: number;
  /** Bytes of application data; the payload itself only as a short text for display. */
  readonly payloadLen: number;
  readonly payload?: string;
  /** Window scale option (SYN and SYN-ACK only): the shift the sender applies to its own windows. */
  readonly wscale?: number;
}

export interface UdpHeader {
  readonly proto: 17;
  readonly sport: Port;
  readonly dport: Port;
  readonly payloadLen: number;
  readonly payload?: string;
}

export interface IcmpHeader {
  readonly proto: 1;
  readonly type: number;
  readonly code: number;
  /** Echo id/sequence; 0 for errors. */
  readonly id: number;
  readonly seq: number;
  /** For errors (type 3, 4, 5, 11, 12): the offending packet's IP header and first L4 bytes. */
  readonly inner?: IpPacket;
  /** Redirect gateway (type 5). */
  readonly gateway?: Ipv4;
}

export type L4Header = TcpHeader | UdpHeader | IcmpHeader;

export interface IpPacket {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl: number;
  /** IP identification field, deterministic per host. */
  readonly id: number;
  readonly proto: number;
  /** IP total length in bytes: what iptables counters and conntrack `bytes=` count. */
  readonly len: number;
  readonly l4: L4Header;
}

export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

export interface ArpPacket {
  readonly op: 1 | 2;
  readonly sha: Mac;
  readonly spa: Ipv4;
  readonly tha: Mac;
  readonly tpa: Ipv4;
}

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;

export type Frame =
  | { readonly src: Mac; readonly dst: Mac; readonly type: 0x0800; readonly ip: IpPacket }
  | { readonly src: Mac; readonly dst: Mac; readonly type: 0x0806; readonly arp: ArpPacket };

/** Header lengths used to compute IP total length. */
export const IP_HLEN = 20;
export const TCP_HLEN_SYN = 40; // SYN and SYN-ACK carry options (MSS, SACK, TS, WS) as Linux sends them
export const TCP_HLEN = 32; // timestamps option on every other segment
export const UDP_HLEN = 8;
export const ICMP_HLEN = 8;
