import type { CtEntry } from '../conntrack/entry';
import { invertTuple, isIcmpQueryRequest } from '../conntrack/tuple';
import {
  type CtDir,
  IPS_DST_NAT,
  IPS_DST_NAT_DONE,
  IPS_SRC_NAT,
  IPS_SRC_NAT_DONE,
  type Tuple,
} from '../conntrack/types';
import type { Ipv4 } from '../net/ipv4';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type IpPacket } from '../packet';
import type { Manip } from './range';

// nf_nat_packet / nf_nat_manip_pkt and nf_nat_icmp_reply_translation (nf_nat_core.c,
// nf_nat_proto.c). Packets are immutable: a rewrite returns a new object (same IP length),
// and a packet nothing applies to comes back as the same object.

const IPS_NAT_MASK = IPS_SRC_NAT | IPS_DST_NAT;
const IPS_NAT_DONE_MASK = IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;

/** Does this manip rewrite packets of this direction? (the status bit, flipped for replies) */
function applies(entry: CtEntry, dir: CtDir, manip: Manip): boolean {
  let bit = manip === 'SRC' ? IPS_SRC_NAT : IPS_DST_NAT;
  if (dir === 'REPLY') bit ^= IPS_NAT_MASK;
  return (entry.status & bit) !== 0;
}

function isIcmpQuery(type: number): boolean {
  return isIcmpQueryRequest(type) || type === 0 || type === 14 || type === 16 || type === 18;
}

/**
 * nf_nat_ipv4_manip_pkt: make the source (SRC) or destination (DST) address and key of `ip`
 * those of `target`. ICMP queries carry their id as the key in both manips; ICMP errors and
 * other protocols only change the address.
 */
export function manipPacket(ip: IpPacket, target: Tuple, manip: Manip): IpPacket {
  return manipTo(ip, target.src, target.dst, target.sport, target.dport, manip);
}

/** manipPacket with the target tuple given as its fields. */
function manipTo(
  ip: IpPacket,
  tSrc: Ipv4,
  tDst: Ipv4,
  tSport: number,
  tDport: number,
  manip: Manip,
): IpPacket {
  const l4 = ip.l4;
  const src = manip === 'SRC' ? tSrc : ip.src;
  const dst = manip === 'DST' ? tDst : ip.dst;
  let newL4 = l4;
  if ((l4.proto === IPPROTO_TCP || l4.proto === IPPROTO_UDP) && ip.proto === l4.proto) {
    if (manip === 'SRC' && l4.sport !== tSport) newL4 = { ...l4, sport: tSport };
    else if (manip === 'DST' && l4.dport !== tDport) newL4 = { ...l4, dport: tDport };
  } else if (l4.proto === IPPROTO_ICMP && isIcmpQuery(l4.type) && l4.id !== tSport) {
    newL4 = { ...l4, id: tSport };
  }
  if (src === ip.src && dst === ip.dst && newL4 === l4) return ip;
  return { ...ip, src, dst, l4: newL4 };
}

/**
 * nf_nat_packet for a tracked (not ICMP-error) packet of `entry` travelling in `dir`, at a hook
 * of manip type `manip` (DST at PREROUTING/OUTPUT, SRC at POSTROUTING/INPUT): DNAT/SNAT the
 * original direction, un-SNAT/un-DNAT the reply direction.
 */
export function natPacket(entry: CtEntry, dir: CtDir, manip: Manip, ip: IpPacket): IpPacket {
  if (!applies(entry, dir, manip)) return ip;
  // Make the packet look like the inverse of the other direction's tuple.
  const other = dir === 'ORIGINAL' ? entry.reply : entry.orig;
  if (other.proto !== IPPROTO_ICMP) {
    // invertTuple without building it: addresses and keys swapped.
    return manipTo(ip, other.dst, other.src, other.dport, other.sport, manip);
  }
  const target = invertTuple(other);
  return target === undefined ? ip : manipPacket(ip, target, manip);
}

/**
 * nf_nat_icmp_reply_translation for an ICMP error RELATED to `entry` (`dir` = the direction the
 * error travels): rewrites the embedded header with the opposite manip and the outer header so
 * both match what the receiver sent or expects. Undefined means drop: an ICMP redirect for a
 * NATed connection (or one whose NAT is not set up yet).
 */
export function natIcmpReply(entry: CtEntry, dir: CtDir, manip: Manip, ip: IpPacket): IpPacket | undefined {
  const l4 = ip.l4;
  if (l4.proto !== IPPROTO_ICMP || l4.inner === undefined) return natPacket(entry, dir, manip, ip);
  if (l4.type === 5) {
    if ((entry.status & IPS_NAT_DONE_MASK) !== IPS_NAT_DONE_MASK) return undefined;
    if (entry.status & IPS_NAT_MASK) return undefined;
  }
  if (!applies(entry, dir, manip)) return ip;
  const other = dir === 'ORIGINAL' ? entry.reply : entry.orig;
  const inner = manipPacket(l4.inner, other, manip === 'SRC' ? 'DST' : 'SRC');
  // The outer header becomes the inverse of the other direction's tuple (addresses only).
  const src = manip === 'SRC' ? other.dst : ip.src;
  const dst = manip === 'DST' ? other.src : ip.dst;
  if (inner === l4.inner && src === ip.src && dst === ip.dst) return ip;
  return { ...ip, src, dst, l4: { ...l4, inner } };
}
