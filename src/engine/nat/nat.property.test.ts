import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CtEntry } from '../conntrack/entry';
import { ConntrackTable } from '../conntrack/table';
import { seeded, sysctls } from '../conntrack/testing';
import { invertTuple, tupleEquals, tupleOf } from '../conntrack/tuple';
import type { Tuple } from '../conntrack/types';
import type { NatRequest } from '../iptables/types';
import type { Ipv4 } from '../net/ipv4';
import { IP_HLEN, type IpPacket, TCP_SYN } from '../packet';
import { natPacket } from './packet';
import { setupNat } from './setup';

// After any sequence of NAT setups on random (deliberately clashing) connections:
// (a) an original packet rewritten at DST then SRC manip is the inverse of the reply tuple,
// (b) a reply packet rewritten at DST then SRC manip is the inverse of the original tuple,
// (c) no two live entries share a reply tuple.

const BASE = 0x0a000000; // 10.0.0.0: a handful of addresses so tuples collide often
const addr = fc.integer({ min: 1, max: 6 }).map((n) => (BASE + n) as Ipv4);
const port = fc.constantFrom(80, 100, 700, 1023, 1024, 5000, 5001, 65535);
const proto = fc.constantFrom(6, 17, 1);

const conn = fc.record({ proto, src: addr, dst: addr, sport: port, dport: port });

const dstReq: fc.Arbitrary<NatRequest | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    target: fc.constant('DNAT' as const),
    range: fc.oneof(
      addr.map((a) => ({ minIp: a })),
      fc.tuple(addr, port).map(([a, p]) => ({ minIp: a, minPort: p, maxPort: p })),
      fc
        .tuple(addr, fc.integer({ min: 1, max: 4 }))
        .map(([a, n]) => ({ minIp: a, minPort: 8000, maxPort: 8000 + n })),
    ),
    random: fc.boolean(),
    randomFully: fc.constant(false),
    persistent: fc.boolean(),
  }),
);

const srcReq: fc.Arbitrary<NatRequest | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    target: fc.constantFrom('SNAT' as const, 'MASQUERADE' as const),
    range: fc.oneof(
      fc.tuple(addr, fc.integer({ min: 0, max: 2 })).map(([a, n]) => ({ minIp: a, maxIp: (a + n) as Ipv4 })),
      fc
        .tuple(addr, fc.integer({ min: 0, max: 3 }))
        .map(([a, n]) => ({ minIp: a, minPort: 2000, maxPort: 2000 + n })),
    ),
    random: fc.boolean(),
    randomFully: fc.boolean(),
    persistent: fc.constant(false),
  }),
);

function packetOf(t: Tuple): IpPacket {
  const base = { src: t.src, dst: t.dst, ttl: 64, id: 0, proto: t.proto, len: IP_HLEN + 40 };
  if (t.proto === 6) {
    return {
      ...base,
      l4: {
        proto: 6,
        sport: t.sport,
        dport: t.dport,
        flags: TCP_SYN,
        seq: 1,
        ack: 0,
        window: 100,
        payloadLen: 0,
      },
    };
  }
  if (t.proto === 17) return { ...base, l4: { proto: 17, sport: t.sport, dport: t.dport, payloadLen: 0 } };
  return { ...base, l4: { proto: 1, type: t.dport >>> 8, code: t.dport & 0xff, id: t.sport, seq: 1 } };
}

describe('NAT properties', () => {
  it('round-trips both directions and keeps reply tuples unique', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(conn, dstReq, srcReq, addr), { minLength: 1, maxLength: 40 }),
        fc.integer(),
        (steps, seed) => {
          const random = seeded(seed);
          const table = new ConntrackTable({ sysctls: sysctls(), random });
          const live: CtEntry[] = [];
          for (const [c, dreq, sreq, masq] of steps) {
            // ICMP: an echo request; the "port" arbitrary stands for the id.
            const t: Tuple = c.proto === 1 ? { ...c, dport: 8 << 8 } : c;
            const r = table.in(packetOf(t), 0);
            if (r.kind !== 'tracked' || !r.created) continue;
            const ctx = { random, masqueradeAddress: masq };
            const d = setupNat(table, r.entry, 'DST', dreq, ctx);
            const s = setupNat(
              table,
              r.entry,
              'SRC',
              sreq?.target === 'MASQUERADE' ? { ...sreq, range: {} } : sreq,
              ctx,
            );
            expect(d.ok && s.ok).toBe(true);
            if (table.confirm(r.entry, 0)) live.push(r.entry);
          }
          for (const e of live) {
            const orig = packetOf(e.orig);
            const out = natPacket(e, 'ORIGINAL', 'SRC', natPacket(e, 'ORIGINAL', 'DST', orig));
            expect(out.len).toBe(orig.len);
            expect(invertTuple(tupleOf(out))).toEqual(e.reply);
            const back = natPacket(e, 'REPLY', 'SRC', natPacket(e, 'REPLY', 'DST', packetOf(e.reply)));
            expect(tupleOf(back)).toEqual(invertTuple(e.orig));
          }
          for (let i = 0; i < live.length; i++) {
            for (let j = i + 1; j < live.length; j++) {
              expect(tupleEquals(live[i]!.reply, live[j]!.reply)).toBe(false);
            }
          }
          expect(table.list(0)).toHaveLength(live.length);
        },
      ),
      { numRuns: 300, seed: 20260522 },
    );
  });
});
