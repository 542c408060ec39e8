import { describe, expect, it } from 'vitest';
import icmpErrors from '../../cli/testdata/icmp-errors.json';
import { parseScenario } from '../scenario/load';
import { runScenario } from '../sim/run';
import { ICMP_ERR_CONVERT, type IcmpErrSocket, icmpSocketError, icmpText } from './icmpErr';

// What Linux 6.18 did, measured (docs/kernel-observations.md 3.6): a responder in the peer's
// namespace answered each packet with a crafted ICMP error of this type and code, and a
// Python client reported what connect() on a TCP socket, recv() on a connected UDP socket and
// recvfrom() on an unconnected one returned ('timeout': the socket was never told).
const KERNEL: readonly (readonly [number, number, string, string, string])[] = [
  [3, 0, 'ENETUNREACH', 'timeout', 'timeout'],
  [3, 1, 'EHOSTUNREACH', 'timeout', 'timeout'],
  [3, 2, 'ENOPROTOOPT', 'ENOPROTOOPT', 'timeout'],
  [3, 3, 'ECONNREFUSED', 'ECONNREFUSED', 'timeout'],
  [3, 4, 'timeout', 'EMSGSIZE', 'timeout'],
  [3, 5, 'EOPNOTSUPP', 'timeout', 'timeout'],
  [3, 6, 'ENETUNREACH', 'ENETUNREACH', 'timeout'],
  [3, 7, 'EHOSTDOWN', 'EHOSTDOWN', 'timeout'],
  [3, 8, 'ENONET', 'ENONET', 'timeout'],
  [3, 9, 'ENETUNREACH', 'ENETUNREACH', 'timeout'],
  [3, 10, 'EHOSTUNREACH', 'EHOSTUNREACH', 'timeout'],
  [3, 11, 'ENETUNREACH', 'timeout', 'timeout'],
  [3, 12, 'EHOSTUNREACH', 'timeout', 'timeout'],
  [3, 13, 'EHOSTUNREACH', 'EHOSTUNREACH', 'timeout'],
  [3, 14, 'EHOSTUNREACH', 'EHOSTUNREACH', 'timeout'],
  [3, 15, 'EHOSTUNREACH', 'EHOSTUNREACH', 'timeout'],
  [11, 0, 'EHOSTUNREACH', 'timeout', 'timeout'],
  [11, 1, 'timeout', 'timeout', 'timeout'],
  [12, 0, 'EPROTO', 'EPROTO', 'timeout'],
  [4, 0, 'timeout', 'timeout', 'timeout'],
  [5, 1, 'timeout', 'timeout', 'timeout'],
  [3, 16, 'timeout', 'timeout', 'timeout'],
];

const seen = (sock: IcmpErrSocket, type: number, code: number) => {
  const v = icmpSocketError(sock, type, code);
  return v?.fatal ? v.errno : 'timeout';
};

describe('ICMP errors as the socket sees them', () => {
  it.each(KERNEL)(
    'type %i code %i: TCP connect %s, connected UDP %s, unconnected UDP %s',
    (t, c, tcp, udpc, udpu) => {
      expect(seen('tcp-connecting', t, c)).toBe(tcp);
      expect(seen('udp-connected', t, c)).toBe(udpc);
      expect(seen('udp-unconnected', t, c)).toBe(udpu);
    },
  );

  it('keeps the kernel table: host prohibited is EHOSTUNREACH and hard, codes 11 and 12 are soft', () => {
    expect(ICMP_ERR_CONVERT).toHaveLength(16);
    expect(ICMP_ERR_CONVERT[10]).toEqual({ errno: 'EHOSTUNREACH', fatal: true });
    expect(ICMP_ERR_CONVERT[11]).toEqual({ errno: 'ENETUNREACH', fatal: false });
    expect(ICMP_ERR_CONVERT[12]).toEqual({ errno: 'EHOSTUNREACH', fatal: false });
    // A soft error still has its errno (what IP_RECVERR would queue), the socket is just not told.
    expect(icmpSocketError('udp-unconnected', 3, 3)).toEqual({ errno: 'ECONNREFUSED', fatal: false });
    expect(icmpSocketError('udp-connected', 11, 0)).toEqual({ errno: 'EHOSTUNREACH', fatal: false });
  });

  it('names each error for traces', () => {
    expect(icmpText(3, 10)).toBe('host prohibited');
    expect(icmpText(3, 13)).toBe('administratively prohibited');
    expect(icmpText(11, 1)).toBe('fragment reassembly time exceeded');
    expect(icmpText(12, 0)).toBe('parameter problem');
    expect(icmpText(3, 16)).toBe('unreachable code 16');
  });
});

describe('REJECT --reject-with and a router, end to end', () => {
  it('fails each client as the kernel did (parity run of src/cli/testdata/icmp-errors.json)', () => {
    const p = parseScenario(icmpErrors, 'icmp-errors.json');
    if (!p.ok) throw new Error(p.error);
    // The agent's outcomes on Linux 6.18, in traffic order: TCP to the eight REJECT variants,
    // connected UDP to the seven ICMP ones, unconnected UDP to them, then TCP through no
    // route, an unreachable, a prohibit and a blackhole route on the router.
    const kernel = [
      ...[
        'ENETUNREACH',
        'EHOSTUNREACH',
        'ECONNREFUSED',
        'ENOPROTOOPT',
        'ENETUNREACH',
        'EHOSTUNREACH',
        'EHOSTUNREACH',
        'ECONNREFUSED',
      ],
      ...['-', '-', 'ECONNREFUSED', 'ENOPROTOOPT', 'ENETUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH'],
      ...['-', '-', '-', '-', '-', '-', '-'],
      ...['ENETUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH', '-'],
    ];
    const outcomes = runScenario(p.scenario).outcomes;
    expect(outcomes.map((o) => (o.ok ? 'ok' : (/\bE[A-Z]{3,}\b/.exec(o.reason)?.[0] ?? '-')))).toEqual(
      kernel,
    );
  });
});
