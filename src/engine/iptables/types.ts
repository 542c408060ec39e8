import type { CtDir, CtState, Tuple } from '../conntrack/types';
import type { Ipv4 } from '../net/ipv4';
import type { IpPacket } from '../packet';
import type { Hook, TableName } from '../timeline/events';

export type { Hook, TableName };

/** Route types `-m addrtype` knows, as iptables prints them. */
export type AddrType =
  | 'UNSPEC'
  | 'UNICAST'
  | 'LOCAL'
  | 'BROADCAST'
  | 'ANYCAST'
  | 'MULTICAST'
  | 'BLACKHOLE'
  | 'UNREACHABLE'
  | 'PROHIBIT';

/** The conntrack entry as rules see it (read-only but for the connmark). */
export interface CtView {
  readonly state: CtState;
  /** Whole seconds the entry has left (nf_ct_expires / HZ); 0 while it is unconfirmed. */
  readonly expires: number;
  readonly dir: CtDir;
  readonly status: number;
  readonly orig: Tuple;
  readonly reply: Tuple;
  /** CONNMARK reads and writes this. */
  mark: number;
}

/**
 * The packet as one table's walk sees it: an skb with its metadata. The stack fills it in
 * and reads back what targets changed (mark, connmark, notrack, zone, trace).
 */
export interface PacketCtx {
  ip: IpPacket;
  /** Input device as iptables sees it: for bridged frames the bridge, not the port. Empty when none. */
  inDev: string;
  outDev: string;
  /** Bridge ports, for `-m physdev`; empty when the packet is not bridged. */
  physIn: string;
  physOut: string;
  /** True when br_netfilter runs the IPv4 hooks for a bridged frame (`--physdev-is-bridged`). */
  bridged: boolean;
  /** skb->mark, changed by MARK. */
  mark: number;
  /** undefined when the packet has no conntrack entry: ctstate is INVALID or UNTRACKED (see ctstate). */
  ct: CtView | undefined;
  ctstate: CtState;
  /** Set by NOTRACK / CT --notrack in raw. */
  notrack: boolean;
  /** Set by CT --zone in raw. */
  zone: number;
  /** Set by TRACE. */
  trace: boolean;
  /** Route type of an address in this namespace, for `-m addrtype`. */
  addrType(addr: Ipv4): AddrType;
  /** Seeded uniform [0, 1) for `-m statistic --mode random`. */
  random(): number;
}

export interface NatRange {
  readonly minIp?: Ipv4;
  readonly maxIp?: Ipv4;
  readonly minPort?: number;
  readonly maxPort?: number;
  /** NF_NAT_RANGE_PROTO_OFFSET (`:lo-hi/base`): the port is lo + (original port - base) mod the range. */
  readonly basePort?: number;
}

/** A NAT target hit: what the NAT core must set up for this connection. */
export interface NatRequest {
  readonly target: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  readonly range: NatRange;
  readonly random: boolean;
  readonly randomFully: boolean;
  readonly persistent: boolean;
}

export interface RejectSpec {
  /** `icmp-port-unreachable` (default), `icmp-host-unreachable`, `tcp-reset`, ... as iptables spells it. */
  readonly with: string;
}

/** One step of a table walk, reported to the timeline when tracing is on. */
export type WalkStep =
  | {
      readonly kind: 'rule';
      readonly chain: string;
      readonly rulenum: number;
      readonly text: string;
      readonly verdict: string;
      readonly bytes: number;
    }
  | {
      readonly kind: 'policy';
      readonly chain: string;
      readonly policy: 'ACCEPT' | 'DROP';
      readonly bytes: number;
    }
  | { readonly kind: 'target'; readonly target: string; readonly text: string };

export interface TableVerdict {
  readonly verdict: 'ACCEPT' | 'DROP';
  /** Set when a NAT target ended the walk. */
  readonly nat?: NatRequest;
  /** Set when REJECT ended the walk; the stack sends the error and drops the packet. */
  readonly reject?: RejectSpec;
}

/** Packet and byte counters of one rule or policy. */
export interface Counter {
  pkts: number;
  bytes: number;
}

/** Reads counters: rulenum is 1-based; 0 means the chain's policy counter. */
export type CounterLookup = (table: TableName, chain: string, rulenum: number) => Counter | undefined;

export interface ParseError {
  /** The file or source the text came from, e.g. `scenario.json: hosts[0].iptables_save`. */
  readonly source: string;
  /** 1-based line. */
  readonly line: number;
  readonly message: string;
}
