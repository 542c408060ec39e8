import { describe, expect, it } from 'vitest';
import { ipv4 } from '../net/ipv4';
import { TCP_SYN } from '../packet';
import { icmp, tcp, udp } from './testing';
import { hashOfTuple, icmpErrorInnerTuple, invertTuple, tupleHash, tupleOf } from './tuple';
import { icmpCode, icmpType } from './types';

describe('tuples', () => {
  it('takes ports from TCP and UDP', () => {
    expect(tupleOf(tcp('10.0.0.1', '10.0.0.2', 1234, 80, TCP_SYN))).toEqual({
      src: ipv4('10.0.0.1'),
      dst: ipv4('10.0.0.2'),
      proto: 6,
      sport: 1234,
      dport: 80,
    });
    expect(invertTuple(tupleOf(udp('10.0.0.1', '10.0.0.2', 5000, 53)))).toEqual(
      tupleOf(udp('10.0.0.2', '10.0.0.1', 53, 5000)),
    );
  });

  it('keys ICMP by id and type<<8|code and maps request types to reply types', () => {
    const echo = tupleOf(icmp('10.0.0.1', '10.0.0.2', 8, 0, 77));
    expect([echo.sport, icmpType(echo), icmpCode(echo)]).toEqual([77, 8, 0]);
    for (const [a, b] of [
      [8, 0],
      [13, 14],
      [15, 16],
      [17, 18],
    ] as const) {
      const inv = invertTuple(tupleOf(icmp('10.0.0.1', '10.0.0.2', a, 0, 5)))!;
      expect([icmpType(inv), inv.sport, inv.src]).toEqual([b, 5, ipv4('10.0.0.2')]);
      expect(icmpType(invertTuple(inv)!)).toBe(a);
    }
    expect(invertTuple(tupleOf(icmp('10.0.0.1', '10.0.0.2', 9, 0)))).toBeUndefined();
  });

  it('extracts the inner tuple of ICMP errors only', () => {
    const probe = udp('10.0.0.1', '10.0.0.2', 4000, 33434);
    for (const type of [3, 4, 5, 11, 12]) {
      expect(icmpErrorInnerTuple(icmp('10.0.0.2', '10.0.0.1', type, 0, 0, probe))).toEqual(tupleOf(probe));
    }
    expect(icmpErrorInnerTuple(icmp('10.0.0.2', '10.0.0.1', 0, 0, 1))).toBeUndefined();
    expect(icmpErrorInnerTuple(icmp('10.0.0.2', '10.0.0.1', 3, 3))).toBeUndefined();
  });

  it('hashes zones and directions apart', () => {
    const a = tupleOf(udp('10.0.0.1', '10.0.0.2', 1, 2));
    const h = hashOfTuple(a, 0);
    expect(h).toBe(tupleHash(a.src, a.dst, a.proto, a.sport, a.dport, 0));
    expect(hashOfTuple(a, 1)).not.toBe(h);
    expect(hashOfTuple(invertTuple(a)!, 0)).not.toBe(h);
    expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
  });
});
