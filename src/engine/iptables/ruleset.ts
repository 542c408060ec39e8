import type { Counter, TableName } from './types';

// The parsed ruleset is plain immutable data (it crosses the worker boundary and is shared by
// every runtime made from it). Runtime state (counters, nth counters) lives in the runtime.

/** `[!] -s/-d addr/mask`; `addr` is already masked, as the kernel stores it. */
export interface AddrSpec {
  readonly addr: number;
  readonly mask: number;
  readonly invert: boolean;
}

/** `[!] -i/-o name`; a trailing `+` makes `name` (without the `+`) a prefix. */
export interface IfaceSpec {
  /** As written, including a trailing `+`. */
  readonly name: string;
  readonly invert: boolean;
}

export interface PortSpec {
  readonly lo: number;
  readonly hi: number;
  readonly invert: boolean;
}

export interface BitsSpec {
  readonly mask: number;
  readonly invert: boolean;
}

export interface TcpMatch {
  readonly kind: 'tcp';
  readonly sport?: PortSpec;
  readonly dport?: PortSpec;
  readonly flags?: { readonly mask: number; readonly cmp: number; readonly invert: boolean };
}

export interface UdpMatch {
  readonly kind: 'udp';
  readonly sport?: PortSpec;
  readonly dport?: PortSpec;
}

export interface IcmpMatch {
  readonly kind: 'icmp';
  /** 0xff is `any`. */
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
  readonly invert: boolean;
}

/** Bits of `--ctstate`, in the order iptables prints them. */
export const CT_STATE_BITS = [
  'INVALID',
  'NEW',
  'RELATED',
  'ESTABLISHED',
  'UNTRACKED',
  'SNAT',
  'DNAT',
] as const;
export type CtStateName = (typeof CT_STATE_BITS)[number];

export interface ConntrackMatch {
  readonly kind: 'conntrack';
  /** Bit i is CT_STATE_BITS[i]. */
  readonly state?: BitsSpec;
  /** Kernel IPS_* status bits. */
  readonly status?: BitsSpec;
  readonly origsrc?: AddrSpec;
  readonly origdst?: AddrSpec;
  readonly replsrc?: AddrSpec;
  readonly repldst?: AddrSpec;
  readonly origsrcport?: PortSpec;
  readonly origdstport?: PortSpec;
  readonly replsrcport?: PortSpec;
  readonly repldstport?: PortSpec;
  readonly dir?: 'ORIGINAL' | 'REPLY';
  /** `--ctproto`: the original tuple's layer-4 protocol (0 is any, as the kernel stores it). */
  readonly proto?: { readonly num: number; readonly invert: boolean };
  /** `--ctexpire lo[:hi]`: the seconds the entry has left (lo > hi is accepted and never matches). */
  readonly expire?: { readonly lo: number; readonly hi: number; readonly invert: boolean };
}

export interface StateMatch {
  readonly kind: 'state';
  /** Bits as ConntrackMatch.state (SNAT/DNAT never set). */
  readonly state: BitsSpec;
}

export interface MarkMatch {
  readonly kind: 'mark' | 'connmark';
  readonly value: number;
  readonly mask: number;
  readonly invert: boolean;
}

export interface AddrtypeMatch {
  readonly kind: 'addrtype';
  /** Bit i is ADDR_TYPES[i]. */
  readonly src?: BitsSpec;
  readonly dst?: BitsSpec;
  readonly limitIn: boolean;
  readonly limitOut: boolean;
}

export interface CommentMatch {
  readonly kind: 'comment';
  readonly text: string;
}

export interface MultiportMatch {
  readonly kind: 'multiport';
  readonly which: 'sports' | 'dports' | 'ports';
  readonly ports: readonly { readonly lo: number; readonly hi: number }[];
  readonly invert: boolean;
}

export interface PhysdevMatch {
  readonly kind: 'physdev';
  readonly in?: IfaceSpec;
  readonly out?: IfaceSpec;
  readonly isIn?: { readonly invert: boolean };
  readonly isOut?: { readonly invert: boolean };
  readonly isBridged?: { readonly invert: boolean };
}

export type StatisticMatch =
  | {
      readonly kind: 'statistic';
      readonly mode: 'random';
      /** As the kernel stores it: round(p * 2^31). */
      readonly probability: number;
      readonly invert: boolean;
    }
  | {
      readonly kind: 'statistic';
      readonly mode: 'nth';
      /** n as written (`--every n`); the kernel stores n - 1. */
      readonly every: number;
      readonly packet: number;
      readonly invert: boolean;
    };

export type Match =
  | TcpMatch
  | UdpMatch
  | IcmpMatch
  | ConntrackMatch
  | StateMatch
  | MarkMatch
  | AddrtypeMatch
  | CommentMatch
  | MultiportMatch
  | PhysdevMatch
  | StatisticMatch;

export interface NatSpec {
  readonly minIp?: number;
  readonly maxIp?: number;
  readonly minPort?: number;
  readonly maxPort?: number;
  /** `/BASE` after a port range (NF_NAT_RANGE_PROTO_OFFSET): ports shift by the original port minus BASE. */
  readonly basePort?: number;
}

export type Target =
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'TRACE' | 'NOTRACK' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  | { readonly kind: 'REJECT'; readonly with: string }
  | { readonly kind: 'LOG'; readonly prefix?: string; readonly level: number; readonly flags: number }
  /** skb->mark = (skb->mark & ~mask) ^ value. */
  | { readonly kind: 'MARK'; readonly value: number; readonly mask: number }
  | { readonly kind: 'CONNMARK'; readonly mode: 'set'; readonly ctmark: number; readonly ctmask: number }
  | {
      readonly kind: 'CONNMARK';
      readonly mode: 'save' | 'restore';
      readonly nfmask: number;
      readonly ctmask: number;
    }
  | {
      readonly kind: 'DNAT' | 'SNAT';
      readonly range: NatSpec;
      readonly random: boolean;
      readonly randomFully: boolean;
      readonly persistent: boolean;
    }
  | {
      readonly kind: 'MASQUERADE' | 'REDIRECT';
      readonly minPort?: number;
      readonly maxPort?: number;
      readonly random: boolean;
      readonly randomFully: boolean;
    }
  | { readonly kind: 'CT'; readonly notrack: boolean; readonly zone?: number };

export interface Rule {
  readonly chain: string;
  readonly src?: AddrSpec;
  readonly dst?: AddrSpec;
  readonly inIface?: IfaceSpec;
  readonly outIface?: IfaceSpec;
  /** Absent: any protocol (`-p all`). */
  readonly proto?: { readonly num: number; readonly invert: boolean };
  /** `[!] -f`: non-first fragments (the model has none). */
  readonly fragment?: { readonly invert: boolean };
  /** In the order iptables-save prints them (the order each was first named). */
  readonly matches: readonly Match[];
  /** Absent: a counting-only rule. */
  readonly target?: Target;
  /** The `[pkts:bytes]` prefix, when the text had one. */
  readonly counters?: Counter;
  /** 1-based source line, for error messages. */
  readonly line: number;
}

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** Built-in chains only. */
  readonly policy?: 'ACCEPT' | 'DROP';
  /** The `[pkts:bytes]` of the chain line. */
  readonly counters: Counter;
  readonly rules: readonly Rule[];
}

export interface Table {
  readonly name: TableName;
  /** Built-in chains in hook order, then user chains sorted by name (iptables-save order). */
  readonly chains: readonly Chain[];
}

export interface Ruleset {
  /** In iptables-nft's order (TABLE_ORDER). */
  readonly tables: readonly Table[];
}

/** The order iptables-save (nf_tables) prints tables in, whatever the input order. */
export const TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function findTable(rs: Ruleset, name: TableName): Table | undefined {
  return rs.tables.find((t) => t.name === name);
}

export function findChain(t: Table, name: string): Chain | undefined {
  return t.chains.find((c) => c.name === name);
}
