import type { CtState } from '../conntrack/types';
import type { Ipv4 } from '../net/ipv4';
import { ipv4 } from '../net/ipv4';
import type { IpPacket } from '../packet';
import type { AddrType, CtView, PacketCtx } from './types';

// Packet contexts for tests of this folder.

export function tcpPacket(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags = 0x02,
  len = 60,
): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 1,
    proto: 6,
    len,
    l4: { proto: 6, sport, dport, flags, seq: 0, ack: 0, window: 64240, payloadLen: 0 },
  };
}

export function udpPacket(src: string, sport: number, dst: string, dport: number, len = 29): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 1,
    proto: 17,
    len,
    l4: { proto: 17, sport, dport, payloadLen: len - 28 },
  };
}

export function icmpPacket(src: string, dst: string, type: number, code: number): IpPacket {
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 1,
    proto: 1,
    len: 84,
    l4: { proto: 1, type, code, id: 7, seq: 1 },
  };
}

export interface CtxInit {
  inDev?: string;
  outDev?: string;
  physIn?: string;
  physOut?: string;
  bridged?: boolean;
  mark?: number;
  ct?: CtView;
  ctstate?: CtState;
  local?: readonly string[];
  random?: () => number;
}

export function makeCtx(ip: IpPacket, o: CtxInit = {}): PacketCtx {
  const local = new Set((o.local ?? []).map((a) => ipv4(a) as number));
  return {
    ip,
    inDev: o.inDev ?? '',
    outDev: o.outDev ?? '',
    physIn: o.physIn ?? '',
    physOut: o.physOut ?? '',
    bridged: o.bridged ?? false,
    mark: o.mark ?? 0,
    ct: o.ct,
    ctstate: o.ctstate ?? (o.ct ? 'NEW' : 'INVALID'),
    notrack: false,
    zone: 0,
    trace: false,
    addrType: (a: Ipv4): AddrType => (local.has(a) ? 'LOCAL' : 'UNICAST'),
    random: o.random ?? (() => 0.5),
  };
}
