// The NAT core of nflab: bindings made for a connection's first packet, and the rewrite every
// later packet (and every ICMP error about it) gets.
export { manipPacket, natIcmpReply, natPacket } from './packet';
export type { Manip, NatContext, NatRangeSpec } from './range';
export { rangeFor } from './range';
export { natDone, type SetupResult, setupNat } from './setup';
