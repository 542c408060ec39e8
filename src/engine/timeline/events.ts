import type { CtDir, CtEntryData, CtState } from '../conntrack/types';
import type { Ipv4 } from '../net/ipv4';
import type { StopKey } from '../api';
import type { Frame } from '../packet';
import type { HostSpec } from '../scenario/schema';

/** Virtual time in microseconds since the start of the run. */
export type Micros = number;
/** Unique per run; a bridged flood or a generated reply gets a new id with `parent`. */
export type PacketId = number;
/** Index of the item in the scenario's traffic script that a packet or event belongs to. */
export type ConnId = number;

export type Hook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
export type BridgeHook = 'BR_PRE_ROUTING' | 'BR_LOCAL_IN' | 'BR_FORWARD' | 'BR_LOCAL_OUT' | 'BR_POST_ROUTING';
export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
/** A native nftables table's name (any string nft accepts); events carrying one also carry `family`. */
export type NftTableName = string & { readonly __nft?: never };
export type NftFamily = 'ip' | 'inet' | 'bridge';

/** Why a packet ended without reaching a socket; one code per distinct kernel reason. */
export type DropReason =
  | 'rule' // an iptables rule or policy said DROP/REJECT
  | 'no-route'
  | 'forwarding-disabled' // ip_forward=0: IpInAddrErrors, no ICMP
  | 'rp-filter'
  | 'ttl-exceeded'
  | 'neigh-failed' // ARP got no answer
  | 'no-socket' // nothing listens: RST or ICMP port unreachable is generated
  | 'socket-mismatch' // a TCP segment no socket expects
  | 'martian' // e.g. a packet from one of the host's own addresses arriving from outside
  | 'bridge-hairpin' // a bridge would send the frame back out its ingress port, hairpin_mode off
  | 'bridge-port-state' // an STP port still listening or learning (stp_state 1)
  | 'not-for-us' // frame addressed to another MAC, or ARP for another address
  | 'ct-invalid'
  | 'ct-table-full'
  | 'nat-icmp-redirect' // ICMP redirect for a NATed connection, dropped by the NAT core
  | 'link-down'
  | 'duplicate';

export interface RouteDecision {
  readonly kind: 'local' | 'unicast' | 'broadcast' | 'unreachable';
  readonly dev?: string;
  readonly via?: Ipv4;
  readonly src?: Ipv4;
  /** The route as `ip route get` would summarise it, e.g. `10.244.1.0/24 dev cni0 src 10.244.1.1`. */
  readonly text: string;
}

interface At {
  /** Virtual time. */
  readonly t: Micros;
  readonly host: string;
}

export type TimelineEvent =
  /** An application does something: listen, connect, send, receive, time out, close. */
  | (At & { readonly type: 'app'; readonly conn?: ConnId; readonly text: string })
  /** A packet comes into existence (socket, stack reply, bridge flood copy, REJECT, ARP). */
  | (At & {
      readonly type: 'packet';
      readonly pkt: PacketId;
      readonly parent?: PacketId;
      readonly conn?: ConnId;
      readonly origin: 'socket' | 'tcp-stack' | 'icmp' | 'arp' | 'reject' | 'flood' | 'raw';
      readonly frame: Frame;
    })
  /** A frame leaves a device onto its link; `to` is the other end. */
  | (At & {
      readonly type: 'xmit';
      readonly pkt: PacketId;
      readonly dev: string;
      readonly frame: Frame;
      readonly to?: { readonly host: string; readonly dev: string };
    })
  /** A frame arrives on a device. */
  | (At & { readonly type: 'rcv'; readonly pkt: PacketId; readonly dev: string; readonly frame: Frame })
  /** A bridge decides: learn the source, then forward to a port, flood, hand to the host, or drop. */
  | (At & {
      readonly type: 'bridge';
      readonly pkt: PacketId;
      readonly bridge: string;
      readonly inPort: string;
      readonly decision: 'forward' | 'flood' | 'local' | 'drop';
      readonly outPorts: readonly string[];
      readonly learned?: { readonly mac: string; readonly port: string };
    })
  /** A netfilter hook is entered. For bridged frames with br_netfilter, `family` is ipv4 and `bridged` is true. */
  | (At & {
      readonly type: 'hook';
      readonly pkt: PacketId;
      readonly family: 'ipv4' | 'bridge';
      readonly hook: Hook | BridgeHook;
      readonly in?: string;
      readonly out?: string;
      readonly bridged?: boolean;
    })
  /**
   * A table's base chain at this hook is walked (only chains that exist, as iptables-nft does).
   * For a native nftables chain, `family` is set and `table`/`chain` are the nft names.
   */
  | (At & {
      readonly type: 'chain';
      readonly pkt: PacketId;
      readonly table: TableName | NftTableName;
      readonly chain: string;
      /** A bridge hook for the base chains of `bridge` tables. */
      readonly hook: Hook | BridgeHook;
      readonly family?: NftFamily;
    })
  /** A rule whose matches all succeeded (counted). `rulenum` is 1-based within its chain. */
  | (At & {
      readonly type: 'rule';
      readonly pkt: PacketId;
      readonly table: TableName | NftTableName;
      readonly chain: string;
      readonly rulenum: number;
      /** The rule as iptables-save prints it, starting with `-A CHAIN`; nft rules as `nft list ruleset` prints them. */
      readonly text: string;
      /** What the walk does next: continue, jump X, goto X, return, accept, drop. */
      readonly verdict: string;
      readonly bytes: number;
      readonly family?: NftFamily;
    })
  /** The end of a built-in chain: its policy applies (counted). */
  | (At & {
      readonly type: 'policy';
      readonly pkt: PacketId;
      readonly table: TableName | NftTableName;
      readonly chain: string;
      readonly policy: 'ACCEPT' | 'DROP';
      readonly bytes: number;
      readonly family?: NftFamily;
      /** The packet's mark (skb->mark) at the policy, when not 0: `nft monitor trace` prints it there. */
      readonly mark?: number;
    })
  /** A side effect of a non-terminating target: LOG line, MARK, CONNMARK, TRACE, CT. */
  | (At & { readonly type: 'target'; readonly pkt: PacketId; readonly target: string; readonly text: string })
  /** The packet was rewritten (NAT, reverse NAT, TTL, MAC). */
  | (At & {
      readonly type: 'rewrite';
      readonly pkt: PacketId;
      readonly what: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' | 'un-DNAT' | 'un-SNAT' | 'ttl' | 'mac';
      readonly hook?: Hook;
      readonly before: Frame;
      readonly after: Frame;
    })
  /** A conntrack change or lookup result; `entry` is the entry after the change. */
  | (At & {
      readonly type: 'conntrack';
      readonly pkt?: PacketId;
      readonly op:
        | 'new' // unconfirmed entry created (invisible to conntrack -L)
        | 'confirmed' // inserted in the table: conntrack -E [NEW]
        | 'update' // state/flags/timeout changed: [UPDATE]
        | 'lookup' // packet matched an existing entry, nothing printed changed
        | 'nat' // NAT binding made
        | 'destroy' // expired or removed: [DESTROY]
        | 'early-drop' // evicted to make room
        | 'freed'; // unconfirmed entry freed because its packet died
      readonly entry: CtEntryData;
      readonly ctstate?: CtState;
      readonly dir?: CtDir;
      readonly note?: string;
    })
  /** ctstate for packets with no entry: INVALID, UNTRACKED, or table full. */
  | (At & {
      readonly type: 'ctstate';
      readonly pkt: PacketId;
      readonly ctstate: CtState;
      readonly note: string;
    })
  | (At & {
      readonly type: 'route';
      readonly pkt: PacketId;
      readonly dst: Ipv4;
      readonly decision: RouteDecision;
    })
  | (At & {
      readonly type: 'neigh';
      readonly pkt?: PacketId;
      readonly op: 'hit' | 'miss' | 'learn' | 'resolved' | 'failed';
      readonly ip: Ipv4;
      readonly mac?: string;
      readonly dev: string;
    })
  /** Fate: handed to a socket, the ARP/ICMP code, or the TCP stack. */
  | (At & { readonly type: 'deliver'; readonly pkt: PacketId; readonly to: string })
  /** Fate: gone, and why. */
  | (At & {
      readonly type: 'drop';
      readonly pkt: PacketId;
      readonly reason: DropReason;
      readonly text: string;
    })
  /** Fate of an original whose copies go on (bridge flooding). */
  | (At & { readonly type: 'cloned'; readonly pkt: PacketId; readonly copies: readonly PacketId[] })
  /**
   * A command of the scenario's `changes` ran on the host: what it printed, and what it
   * changed (the host's configuration after it; counters that moved with their rules).
   */
  | (At & {
      readonly type: 'change';
      readonly command: string;
      readonly stdout: string;
      readonly stderr: string;
      readonly exit: number;
      readonly spec?: HostSpec;
      readonly moves?: Readonly<Record<string, string | null>>;
    })
  /** A traffic item's outcome as the client sees it. */
  | (At & {
      readonly type: 'outcome';
      readonly conn: ConnId;
      readonly ok: boolean;
      readonly line: string;
    })
  /**
   * The run ended early: a budget or a storm (see budget.ts) or a cancel. Always the last event;
   * packets still in flight then have no fate. `host` is where it happened, `-` when nowhere.
   */
  | (At & {
      readonly type: 'stopped';
      readonly key: StopKey;
      readonly params: Readonly<Record<string, string | number>>;
      readonly text: string;
    });

export type TimelineEventType = TimelineEvent['type'];
export const FATE_TYPES: ReadonlySet<TimelineEventType> = new Set(['deliver', 'drop', 'cloned']);
