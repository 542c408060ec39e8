// Values of nft's data types: parsing the words a user writes, printing them back as
// `nft list ruleset` does (marks as 0x%08x, protocols and states by name, flags in bit order).

import { formatIpv4, maskOf, parseIpv4 } from '../net/ipv4';
import type { DataType, Scalar } from './types';

export const PROTOCOLS: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  sctp: 132,
};
const PROTO_NAMES = new Map(Object.entries(PROTOCOLS).map(([k, v]) => [v, k]));

/** Bit values as the kernel defines them (nf_conntrack_common.h, nft's ct_state). */
export const CT_STATE: Record<string, number> = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};
export const CT_STATUS: Record<string, number> = {
  expected: 1,
  'seen-reply': 2,
  assured: 4,
  confirmed: 8,
  snat: 16,
  dnat: 32,
  dying: 512,
};
export const TCP_FLAGS: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ecn: 64,
  cwr: 128,
};
export const FIB_ADDRTYPE: Record<string, number> = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
};
const NFPROTO: Record<string, number> = { ipv4: 2, ipv6: 10 };
const ETHER_TYPE: Record<string, number> = { ip: 0x0800, arp: 0x0806, ip6: 0x86dd, vlan: 0x8100 };
export const ICMP_TYPE: Record<string, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'time-exceeded': 11,
  'parameter-problem': 12,
};

/** Types whose values are bit flags: a list means any of them, and they print in bit order. */
export const FLAG_TYPES: ReadonlySet<DataType> = new Set(['ct_state', 'ct_status', 'tcp_flag']);

const WIDTH: Record<DataType, number> = {
  ipv4_addr: 32,
  inet_proto: 8,
  inet_service: 16,
  mark: 32,
  ifname: 0,
  ct_state: 32,
  ct_status: 32,
  fib_addrtype: 32,
  integer: 32,
  nf_proto: 8,
  ether_type: 16,
  icmp_type: 8,
  tcp_flag: 8,
  verdict: 0,
};

function names(t: DataType): Record<string, number> | undefined {
  switch (t) {
    case 'inet_proto':
      return PROTOCOLS;
    case 'ct_state':
      return CT_STATE;
    case 'ct_status':
      return CT_STATUS;
    case 'tcp_flag':
      return TCP_FLAGS;
    case 'fib_addrtype':
      return FIB_ADDRTYPE;
    case 'nf_proto':
      return NFPROTO;
    case 'ether_type':
      return ETHER_TYPE;
    case 'icmp_type':
      return ICMP_TYPE;
    default:
      return undefined;
  }
}

function parseNumber(s: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s.slice(2), 16);
  if (/^\d+$/.test(s)) return Number(s);
  return undefined;
}

/** What `nft -f` says when a word is not a value of the type. */
function badValue(t: DataType, s: string): string {
  switch (t) {
    case 'ipv4_addr':
      return 'Could not resolve hostname: Name or service not known';
    case 'inet_service':
      return /^\d+$/.test(s)
        ? 'Service out of range'
        : `Could not resolve service: Servname not supported for ai_socktype`;
    case 'inet_proto':
      return `Could not resolve protocol name`;
    case 'ct_state':
      return 'Could not parse conntrack state';
    case 'ct_status':
      return 'Could not parse conntrack status';
    default:
      return `Could not parse ${t.replace('_', ' ')}`;
  }
}

/** One scalar (not a list) of type `t`: a value, a range `a-b` or, for addresses, a prefix. */
export function parseScalar(t: DataType, s: string): Scalar | string {
  if (t === 'ifname') return { lo: 0, hi: 0, str: s };
  if (t === 'ipv4_addr') {
    const slash = s.indexOf('/');
    if (slash > 0) {
      const a = parseIpv4(s.slice(0, slash));
      const len = Number(s.slice(slash + 1));
      if (a === undefined) return badValue(t, s);
      if (!/^\d+$/.test(s.slice(slash + 1)) || len > 32) return 'Could not parse prefix';
      const m = maskOf(len);
      const lo = (a & m) >>> 0;
      return { lo, hi: (lo | ~m) >>> 0, prefix: len };
    }
  }
  const dash = s.indexOf('-', 1);
  if (dash > 0 && t !== 'ct_status' && t !== 'icmp_type' && names(t)?.[s] === undefined) {
    const lo = parseScalar(t, s.slice(0, dash));
    const hi = parseScalar(t, s.slice(dash + 1));
    if (typeof lo === 'string') return lo;
    if (typeof hi === 'string') return hi;
    if (hi.lo < lo.lo) return 'Range has zero or negative size';
    return { lo: lo.lo, hi: hi.hi };
  }
  let v: number | undefined;
  if (t === 'ipv4_addr') v = parseIpv4(s);
  else v = names(t)?.[s] ?? parseNumber(s);
  if (v === undefined) return badValue(t, s);
  const w = WIDTH[t];
  if (w < 32 && v >= 2 ** w)
    return t === 'inet_service' ? 'Service out of range' : `Value ${s} exceeds valid range 0-${2 ** w - 1}`;
  if (v > 0xffffffff) return `Value ${s} exceeds valid range 0-${0xffffffff}`;
  return { lo: v, hi: v };
}

const hex8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

function printOne(t: DataType, v: number): string {
  switch (t) {
    case 'ipv4_addr':
      return formatIpv4(v);
    case 'mark':
      return hex8(v);
    case 'inet_proto':
      return PROTO_NAMES.get(v) ?? String(v);
    case 'ct_state':
    case 'ct_status':
    case 'tcp_flag': {
      const out: string[] = [];
      for (const [name, bit] of Object.entries(names(t)!)) if (v & bit) out.push(name);
      return out.join(',') || hex8(v);
    }
    default: {
      const ns = names(t);
      if (ns) for (const [name, n] of Object.entries(ns)) if (n === v) return name;
      return String(v);
    }
  }
}

export function printScalar(t: DataType, s: Scalar): string {
  if (s.str !== undefined) return `"${s.str}"`;
  if (s.prefix !== undefined) return s.prefix === 32 ? formatIpv4(s.lo) : `${formatIpv4(s.lo)}/${s.prefix}`;
  if (s.lo === s.hi) return printOne(t, s.lo);
  return `${printOne(t, s.lo)}-${printOne(t, s.hi)}`;
}

/** For a flag type, the bits of a comma list OR-ed into one value. */
export function isFlagType(t: DataType): boolean {
  return FLAG_TYPES.has(t);
}
