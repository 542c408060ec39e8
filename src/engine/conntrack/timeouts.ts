import type { TcpCtState } from './types';

// Per-namespace conntrack knobs, read from sysctls by their real names with the kernel's
// defaults (Documentation/networking/nf_conntrack-sysctl.rst; values checked on 6.18).

export const SECOND = 1_000_000; // the virtual clock counts microseconds

export type Sysctls = (name: string) => string | undefined;

export interface CtSettings {
  readonly max: number;
  /** nf_conntrack_buckets: the hash size early drop's 8-bucket window is taken from. */
  readonly buckets: number;
  readonly tcpLoose: boolean;
  /** nf_conntrack_tcp_be_liberal: out-of-window segments are accepted instead of INVALID. */
  readonly tcpBeLiberal: boolean;
  /** nf_conntrack_tcp_max_retrans: this many retransmissions cap the timer at tcpRetrans. */
  readonly tcpMaxRetrans: number;
  readonly tcpRetrans: number;
  /** µs per TCP state. */
  readonly tcp: Readonly<Record<TcpCtState, number>>;
  /** The same, indexed by the tracker's state number (the order of TCP_STATE_ORDER). */
  readonly tcpByIndex: readonly number[];
  /** `tcp_timeout_unacknowledged`: cap while data is in flight. */
  readonly tcpUnack: number;
  readonly udp: number;
  readonly udpStream: number;
  readonly icmp: number;
  readonly generic: number;
}

const TCP_DEFAULTS: ReadonlyArray<readonly [TcpCtState, string, number]> = [
  ['SYN_SENT', 'syn_sent', 120],
  ['SYN_SENT2', 'syn_sent', 120],
  ['SYN_RECV', 'syn_recv', 60],
  ['ESTABLISHED', 'established', 432000],
  ['FIN_WAIT', 'fin_wait', 120],
  ['CLOSE_WAIT', 'close_wait', 60],
  ['LAST_ACK', 'last_ack', 30],
  ['TIME_WAIT', 'time_wait', 120],
  ['CLOSE', 'close', 10],
  ['NONE', 'close', 10],
];

/** The TCP states in the kernel's order (enum tcp_conntrack), which tcp.ts numbers them by. */
export const TCP_STATE_ORDER: readonly TcpCtState[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

function num(sysctls: Sysctls, name: string, dflt: number): number {
  const v = sysctls(name);
  if (v === undefined) return dflt;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : dflt;
}

/** Reads the knobs once; the table calls it again when told sysctls changed. */
export function readCtSettings(sysctls: Sysctls): CtSettings {
  const tcp = {} as Record<TcpCtState, number>;
  for (const [state, name, dflt] of TCP_DEFAULTS) {
    tcp[state] = num(sysctls, `net.netfilter.nf_conntrack_tcp_timeout_${name}`, dflt) * SECOND;
  }
  return {
    max: num(sysctls, 'net.netfilter.nf_conntrack_max', 262144),
    buckets: Math.max(1, num(sysctls, 'net.netfilter.nf_conntrack_buckets', 262144)),
    tcpLoose: num(sysctls, 'net.netfilter.nf_conntrack_tcp_loose', 1) !== 0,
    tcpBeLiberal: num(sysctls, 'net.netfilter.nf_conntrack_tcp_be_liberal', 0) !== 0,
    tcpMaxRetrans: num(sysctls, 'net.netfilter.nf_conntrack_tcp_max_retrans', 3),
    tcpRetrans: num(sysctls, 'net.netfilter.nf_conntrack_tcp_timeout_max_retrans', 300) * SECOND,
    tcp,
    tcpByIndex: TCP_STATE_ORDER.map((state) => tcp[state]),
    tcpUnack: num(sysctls, 'net.netfilter.nf_conntrack_tcp_timeout_unacknowledged', 300) * SECOND,
    udp: num(sysctls, 'net.netfilter.nf_conntrack_udp_timeout', 30) * SECOND,
    udpStream: num(sysctls, 'net.netfilter.nf_conntrack_udp_timeout_stream', 120) * SECOND,
    icmp: num(sysctls, 'net.netfilter.nf_conntrack_icmp_timeout', 30) * SECOND,
    generic: num(sysctls, 'net.netfilter.nf_conntrack_generic_timeout', 600) * SECOND,
  };
}
