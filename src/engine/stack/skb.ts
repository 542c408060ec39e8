import type { CtDir, CtInfo, CtState } from '../conntrack/types';
import type { Frame, IpPacket } from '../packet';
import type { ConnId, PacketId } from '../timeline/events';

/**
 * A packet in flight with the metadata the kernel keeps beside it (struct sk_buff): mark,
 * conntrack attachment, devices. Mutable: one skb per packet per host pass; the IP packet
 * inside is immutable and replaced on every rewrite.
 */
export interface Skb {
  readonly id: PacketId;
  readonly conn: ConnId | undefined;
  /** Current L2 header; for IPv4 frames the IP packet is `ip`. */
  frame: Frame;
  ip: IpPacket;
  mark: number;
  // biome-ignore lint/suspicious/noExplicitAny: the conntrack entry type is owned by the conntrack module
  ct: any;
  ctinfo: CtInfo | undefined;
  dir: CtDir | undefined;
  ctstate: CtState;
  notrack: boolean;
  zone: number;
  trace: boolean;
  inDev: string;
  outDev: string;
  physIn: string;
  physOut: string;
  /** br_netfilter ran the IPv4 hooks for this bridged frame. */
  bridged: boolean;
  /** PREROUTING already ran in the bridge: ip_sabotage_in skips it at IP receive. */
  sabotage: boolean;
}

export function newSkb(id: PacketId, conn: ConnId | undefined, frame: Frame): Skb {
  return {
    id,
    conn,
    frame,
    ip: frame.type === 0x0800 ? frame.ip : (undefined as unknown as IpPacket),
    mark: 0,
    ct: undefined,
    ctinfo: undefined,
    dir: undefined,
    ctstate: 'INVALID',
    notrack: false,
    zone: 0,
    trace: false,
    inDev: '',
    outDev: '',
    physIn: '',
    physOut: '',
    bridged: false,
    sabotage: false,
  };
}

/** A fresh skb for the same frame arriving at another host: metadata does not cross the wire. */
export function wireSkb(s: Skb, frame: Frame): Skb {
  return newSkb(s.id, s.conn, frame);
}

export function withIp(frame: Frame, ip: IpPacket): Frame {
  return frame.type === 0x0800 ? { src: frame.src, dst: frame.dst, type: 0x0800, ip } : frame;
}
