// The nftables ruleset as `nft -f` loads it: tables, sets and maps, chains, rules. Values are
// kept as numbers (addresses, ports, marks, state bits) so evaluation compares integers and
// the printer can put them back in nft's canonical form (sorted, masked, named).

export type Family = 'ip' | 'inet' | 'bridge';
export type ChainType = 'filter' | 'nat' | 'route';
/** Hooks as nft spells them; the bridge family has the same names for its own hooks. */
export type NftHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** The data types nft knows for what is modelled, by nft's own names. */
export type DataType =
  | 'ipv4_addr'
  | 'inet_proto'
  | 'inet_service'
  | 'mark'
  | 'ifname'
  | 'ct_state'
  | 'ct_status'
  | 'fib_addrtype'
  | 'integer'
  | 'nf_proto'
  | 'ether_type'
  | 'icmp_type'
  | 'tcp_flag'
  | 'verdict';

/** One value of a scalar type: a closed range (lo == hi for a single value) or an interface name. */
export interface Scalar {
  readonly lo: number;
  readonly hi: number;
  /** Set when written as a prefix (`10.0.0.0/8`), so it prints that way. */
  readonly prefix?: number;
  /** Interface names; a trailing `*` is a wildcard. */
  readonly str?: string;
}

/** A key: one scalar per component of a concatenation. */
export type Key = readonly Scalar[];

export type VerdictKind = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto';
export interface Verdict {
  readonly kind: VerdictKind;
  readonly chain?: string;
}

export interface Element {
  readonly key: Key;
  /** Map data: a verdict (vmap) or values (a data map such as `ipv4_addr . inet_service`). */
  readonly verdict?: Verdict;
  readonly data?: Key;
  readonly comment?: string;
}

/** What a selector reads from the packet or its metadata. */
export type SelectorKey =
  | 'ip saddr'
  | 'ip daddr'
  | 'ip protocol'
  | 'meta l4proto'
  | 'meta mark'
  | 'meta nfproto'
  | 'iifname'
  | 'oifname'
  | 'iif'
  | 'oif'
  | 'th sport'
  | 'th dport'
  | 'tcp sport'
  | 'tcp dport'
  | 'udp sport'
  | 'udp dport'
  | 'tcp flags'
  | 'icmp type'
  | 'ct state'
  | 'ct status'
  | 'ct mark'
  | 'fib daddr type'
  | 'ether type'
  | 'numgen';

export interface Selector {
  readonly key: SelectorKey;
  /** `numgen random mod N offset M`. */
  readonly mod?: number;
  readonly offset?: number;
  /** `meta mark & 0x4000`: a bitwise operation applied before comparing. */
  readonly binop?: { readonly op: '&' | '|' | '^'; readonly value: number };
}

/** The right-hand side of a match, a vmap or a map lookup. */
export type Rhs =
  | { readonly kind: 'value'; readonly key: Key }
  | { readonly kind: 'set'; readonly elements: readonly Element[] }
  | { readonly kind: 'ref'; readonly name: string };

export type RelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** A value computed in a statement: a constant, or a selector with a bitwise op (`meta mark | 0x4000`). */
export type ValueExpr =
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'sel'; readonly sel: Selector };

export interface NatSpec {
  readonly addr?: Scalar;
  readonly port?: Scalar;
  /** `dnat to ip daddr . tcp dport map @m`: address and port come from a map lookup. */
  readonly map?: { readonly lhs: readonly Selector[]; readonly rhs: Rhs };
}

export type Stmt =
  | {
      readonly k: 'match';
      readonly lhs: readonly Selector[];
      /** Explicit operator, or undefined for the implicit one (`ip daddr 1.2.3.4`). */
      readonly op?: RelOp;
      readonly rhs: Rhs;
      /** `tcp flags syn / syn,ack`: compare only these bits. */
      readonly mask?: number;
    }
  | { readonly k: 'vmap'; readonly lhs: readonly Selector[]; readonly rhs: Rhs }
  | { readonly k: 'counter'; readonly packets: number; readonly bytes: number }
  | {
      readonly k: 'log';
      readonly prefix?: string;
      readonly level?: string;
      readonly flags?: string;
    }
  | { readonly k: 'notrack' }
  | { readonly k: 'set'; readonly target: 'meta mark' | 'ct mark'; readonly value: ValueExpr }
  | {
      readonly k: 'nat';
      readonly type: 'dnat' | 'snat' | 'masquerade' | 'redirect';
      /** `dnat ip to` was written (inet needs it; ip prints without it). */
      readonly ipKeyword: boolean;
      readonly to?: NatSpec;
      readonly flags: readonly ('random' | 'fully-random' | 'persistent')[];
    }
  | {
      readonly k: 'reject';
      /** undefined for the default (`icmp port-unreachable` in ip, `icmpx port-unreachable` in inet). */
      readonly with?: { readonly type: 'icmp' | 'icmpx' | 'tcp reset'; readonly code?: string };
    }
  | { readonly k: 'verdict'; readonly v: Verdict };

export interface Rule {
  readonly stmts: readonly Stmt[];
  readonly comment?: string;
  /** 1-based line in the source, for messages and the timeline. */
  readonly line: number;
}

export interface BaseChainSpec {
  readonly type: ChainType;
  readonly hook: NftHook;
  readonly priority: number;
  readonly policy: 'accept' | 'drop';
}

export interface Chain {
  readonly name: string;
  /** Set while the chain's block is parsed (a chain may be declared before its spec). */
  base?: BaseChainSpec;
  comment?: string;
  readonly rules: Rule[];
}

export interface NftSet {
  readonly name: string;
  readonly kind: 'set' | 'map';
  readonly keyType: readonly DataType[];
  readonly dataType?: readonly DataType[];
  readonly flags: readonly string[];
  readonly comment?: string;
  readonly elements: Element[];
}

export interface Table {
  readonly family: Family;
  readonly name: string;
  comment?: string;
  readonly sets: NftSet[];
  readonly chains: Chain[];
}

export interface Ruleset {
  readonly tables: readonly Table[];
}

/** A refusal from `nft -f`: where, and what nft would say. */
export interface NftError {
  readonly line: number;
  /** 1-based first and last column of the offending text, as nft prints them. */
  readonly col: number;
  readonly endCol: number;
  readonly message: string;
}
