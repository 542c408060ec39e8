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
  /**
   * Bridges this frame (and the frame it was flooded from) crossed since an IP stack last
   * handled it; crosses the wire with the frame. More than the world's bridges is a loop (World.bridgeCrossing).
   */
  crossings: number;
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
    crossings: 0,
  };
}

/**
 * The same frame arriving at another host: metadata does not cross the wire. The sender is
 * done with its skb once it is on the wire, so the object is reset and reused (no allocation
 * per hop on the hot path).
 */
export function wireSkb(s: Skb, frame: Frame): Skb {
  s.frame = frame;
  s.ip = frame.type === 0x0800 ? frame.ip : (undefined as unknown as IpPacket);
  s.mark = 0;
  s.ct = undefined;
  s.ctinfo = undefined;
  s.dir = undefined;
  s.ctstate = 'INVALID';
  s.notrack = false;
  s.zone = 0;
  s.trace = false;
  s.inDev = '';
  s.outDev = '';
  s.physIn = '';
  s.physOut = '';
  s.bridged = false;
  s.sabotage = false;
  return s;
}

export function withIp(frame: Frame, ip: IpPacket): Frame {
  return frame.type === 0x0800 && frame.ip !== ip
    ? { src: frame.src, dst: frame.dst, type: 0x0800, ip }
    : frame;
}
