// What a socket makes of an ICMP error about one of its packets (net/ipv4/icmp.c icmp_unreach
// and icmp_err_convert, tcp_ipv4.c tcp_v4_err, udp.c __udp4_lib_err), without IP_RECVERR.
// Every row was checked on Linux 6.18 with crafted errors and with each REJECT --reject-with
// variant (docs/kernel-observations.md 3.6).

/** The socket the error is about. */
export type IcmpErrSocket = 'tcp-connecting' | 'udp-connected' | 'udp-unconnected';

export interface IcmpErrVerdict {
  /** The errno the socket gets (sk_err), as the kernel names it. */
  readonly errno: string;
  /**
   * The application sees it at once: connect() fails, recv() on a connected UDP socket fails.
   * Otherwise the error is soft: a connecting socket keeps retransmitting, a UDP socket keeps
   * waiting (with IP_RECVERR it would be queued, which the model's applications do not ask for).
   */
  readonly fatal: boolean;
}

const E = (errno: string, fatal: boolean): IcmpErrVerdict => Object.freeze({ errno, fatal });

/**
 * icmp_err_convert: destination unreachable code -> errno and whether RFC 1122 calls it a hard
 * error. Codes 0, 1, 11 and 12 are transient; 4 (fragmentation needed) is PMTU discovery.
 */
export const ICMP_ERR_CONVERT: readonly IcmpErrVerdict[] = Object.freeze([
  E('ENETUNREACH', false), // 0 net unreachable
  E('EHOSTUNREACH', false), // 1 host unreachable
  E('ENOPROTOOPT', true), // 2 protocol unreachable
  E('ECONNREFUSED', true), // 3 port unreachable
  E('EMSGSIZE', false), // 4 fragmentation needed
  E('EOPNOTSUPP', false), // 5 source route failed
  E('ENETUNREACH', true), // 6 net unknown
  E('EHOSTDOWN', true), // 7 host unknown
  E('ENONET', true), // 8 host isolated
  E('ENETUNREACH', true), // 9 net prohibited (REJECT icmp-net-prohibited)
  E('EHOSTUNREACH', true), // 10 host prohibited (REJECT icmp-host-prohibited)
  E('ENETUNREACH', false), // 11 net unreachable for TOS
  E('EHOSTUNREACH', false), // 12 host unreachable for TOS
  E('EHOSTUNREACH', true), // 13 administratively prohibited (icmp-admin-prohibited, `ip route prohibit`)
  E('EHOSTUNREACH', true), // 14 host precedence violation
  E('EHOSTUNREACH', true), // 15 precedence cutoff
]);

const ICMP_DEST_UNREACH = 3;
const ICMP_SOURCE_QUENCH = 4;
const ICMP_REDIRECT = 5;
const ICMP_TIME_EXCEEDED = 11;
const ICMP_PARAMETERPROB = 12;
const ICMP_FRAG_NEEDED = 4;
const ICMP_EXC_FRAGTIME = 1;
const NR_ICMP_UNREACH = 15;

/**
 * The verdict of the socket on an ICMP error of this type and code; undefined when it ignores
 * it: icmp_unreach drops unreachable codes above 15 and fragment-reassembly time exceeded,
 * every socket ignores source quench and redirects, TCP takes fragmentation needed as PMTU
 * news. An unconnected UDP socket is never told (its errno is what IP_RECVERR would queue).
 */
export function icmpSocketError(sock: IcmpErrSocket, type: number, code: number): IcmpErrVerdict | undefined {
  if (type === ICMP_DEST_UNREACH && code > NR_ICMP_UNREACH) return undefined;
  if (type === ICMP_TIME_EXCEEDED && code === ICMP_EXC_FRAGTIME) return undefined;
  let v: IcmpErrVerdict;
  switch (type) {
    case ICMP_PARAMETERPROB:
      v = E('EPROTO', true);
      break;
    case ICMP_TIME_EXCEEDED:
      v = E('EHOSTUNREACH', false);
      break;
    case ICMP_DEST_UNREACH:
      if (code === ICMP_FRAG_NEEDED) {
        // tcp_v4_mtu_reduced; UDP with the default IP_PMTUDISC_WANT reports EMSGSIZE as hard.
        if (sock === 'tcp-connecting') return undefined;
        v = E('EMSGSIZE', true);
      } else v = ICMP_ERR_CONVERT[code]!;
      break;
    default:
      // Source quench (ignored), redirects (a route change, not an error), anything else.
      return undefined;
  }
  switch (sock) {
    case 'tcp-connecting':
      // tcp_v4_err in SYN_SENT: whatever the table says, the connect fails (tcp_done).
      return v.fatal ? v : E(v.errno, true);
    case 'udp-connected':
      return v;
    case 'udp-unconnected':
      return v.fatal ? E(v.errno, false) : v;
  }
}

const UNREACH_NAMES: readonly string[] = [
  'net unreachable',
  'host unreachable',
  'protocol unreachable',
  'port unreachable',
  'fragmentation needed',
  'source route failed',
  'net unknown',
  'host unknown',
  'host isolated',
  'net prohibited',
  'host prohibited',
  'net unreachable for TOS',
  'host unreachable for TOS',
  'administratively prohibited',
  'host precedence violation',
  'precedence cutoff',
];

/** A short name of an ICMP error for traces and outcome lines. */
export function icmpText(type: number, code: number): string {
  switch (type) {
    case ICMP_DEST_UNREACH:
      return UNREACH_NAMES[code] ?? `unreachable code ${code}`;
    case ICMP_SOURCE_QUENCH:
      return 'source quench';
    case ICMP_REDIRECT:
      return 'redirect';
    case ICMP_TIME_EXCEEDED:
      return code === ICMP_EXC_FRAGTIME ? 'fragment reassembly time exceeded' : 'time exceeded';
    case ICMP_PARAMETERPROB:
      return 'parameter problem';
    default:
      return `type ${type} code ${code}`;
  }
}
