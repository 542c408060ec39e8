import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv4 } from '../net/ipv4';
import { IPPROTO_TCP, type IpPacket, TCP_ACK, TCP_PSH, TCP_SYN } from '../packet';
import { ConntrackTable, type CtInResult } from './table';
import { seeded, sysctls } from './testing';

// tcp_in_window (nf_conntrack_proto_tcp.c): the window checks of Linux 6.x. The numbers are
// those of a handshake between two 6.18 namespaces: SYN window 64240 and SYN-ACK 65160, both
// with window scale 10, then windows 63 and 64 (x 1024) on the wire.

const S = 1_000_000;
const C = '10.0.1.2';
const B = '10.0.2.2';

function seg(
  src: string,
  dst: string,
  sp: number,
  dp: number,
  flags: number,
  seq: number,
  ack: number,
  o: { len?: number; win?: number; wscale?: number } = {},
): IpPacket {
  const len = o.len ?? 0;
  return {
    src: ipv4(src),
    dst: ipv4(dst),
    ttl: 64,
    id: 0,
    proto: IPPROTO_TCP,
    len: 52 + len,
    l4: {
      proto: 6,
      sport: sp,
      dport: dp,
      flags,
      seq: seq >>> 0,
      ack: ack >>> 0,
      window: o.win ?? 64,
      payloadLen: len,
      ...(o.wscale !== undefined ? { wscale: o.wscale } : {}),
    },
  };
}

function table(values: Record<string, string> = {}): ConntrackTable {
  return new ConntrackTable({ sysctls: sysctls(values), random: seeded(1) });
}

function kindOf(r: CtInResult): string {
  return r.kind === 'invalid' ? `invalid: ${r.reason}` : r.kind === 'tracked' ? r.ctstate : r.kind;
}

/** A connection C:40000 -> B:8080 through the handshake; returns the table and both ISNs' next numbers. */
function established(isnC: number, isnB: number, values: Record<string, string> = {}) {
  const t = table(values);
  const r = t.in(seg(C, B, 40000, 8080, TCP_SYN, isnC, 0, { win: 64240, wscale: 10 }), 0);
  if (r.kind !== 'tracked') throw new Error(kindOf(r));
  t.confirm(r.entry, 0);
  const c = { nxt: (isnC + 1) >>> 0 };
  const b = { nxt: (isnB + 1) >>> 0 };
  expect(
    kindOf(t.in(seg(B, C, 8080, 40000, TCP_SYN | TCP_ACK, isnB, c.nxt, { win: 65160, wscale: 10 }), 1000)),
  ).toBe('ESTABLISHED');
  expect(kindOf(t.in(seg(C, B, 40000, 8080, TCP_ACK, c.nxt, b.nxt, { win: 63 }), 2000))).toBe('ESTABLISHED');
  return { t, entry: r.entry, c, b };
}

describe('tcp_in_window', () => {
  it('marks a segment beyond the receiver window INVALID, SEQ over the upper bound; be_liberal accepts it', () => {
    const { t, c, b } = established(611883640, 1964010288);
    expect(
      kindOf(t.in(seg(C, B, 40000, 8080, TCP_PSH | TCP_ACK, c.nxt, b.nxt, { len: 7, win: 63 }), 3000)),
    ).toBe('ESTABLISHED');
    c.nxt += 7;
    const far = seg(B, C, 8080, 40000, TCP_PSH | TCP_ACK, b.nxt + 2 ** 30, c.nxt, { len: 16 });
    const r = t.in(far, 4000);
    expect(kindOf(r)).toMatch(
      /^invalid: nf_ct_tcp: SEQ is over upper bound \d+ \(over the window of the receiver\)$/,
    );
    expect(t.stats.invalid).toBe(1);
    const liberal = established(611883640, 1964010288, { 'net.netfilter.nf_conntrack_tcp_be_liberal': '1' });
    expect(
      kindOf(
        liberal.t.in(
          seg(B, C, 8080, 40000, TCP_PSH | TCP_ACK, liberal.b.nxt + 2 ** 30, liberal.c.nxt, { len: 16 }),
          4000,
        ),
      ),
    ).toBe('ESTABLISHED');
  });

  it('marks an ACK of data never sent INVALID (ACK over the upper bound)', () => {
    const { t, c, b } = established(1000, 5000);
    const r = t.in(seg(C, B, 40000, 8080, TCP_ACK, c.nxt, b.nxt + 100_000), 3000);
    expect(kindOf(r)).toMatch(/ACK is over upper bound/);
  });

  it('ignores an old retransmission below the window: tracked, not refreshed', () => {
    const { t, entry, c, b } = established(1000, 5000);
    // Push the sender's td_end far ahead (200 windows of 64 KiB), acknowledged each time.
    for (let i = 0; i < 200; i++) {
      expect(kindOf(t.in(seg(C, B, 40000, 8080, TCP_ACK, c.nxt, b.nxt, { len: 1400 }), 3000 + i))).toBe(
        'ESTABLISHED',
      );
      c.nxt += 1400;
      t.in(seg(B, C, 8080, 40000, TCP_ACK, b.nxt, c.nxt, { win: 64 }), 3000 + i);
    }
    const before = entry.expiresAt;
    const r = t.in(seg(C, B, 40000, 8080, TCP_ACK, 1001, b.nxt, { len: 1400 }), 10 * S);
    expect(kindOf(r)).toBe('ESTABLISHED');
    expect(entry.expiresAt).toBe(before);
  });

  it('caps the timer at nf_conntrack_tcp_timeout_max_retrans after nf_conntrack_tcp_max_retrans retransmissions', () => {
    const { t, entry, c, b } = established(1000, 5000);
    const ack = () => t.in(seg(C, B, 40000, 8080, TCP_ACK, c.nxt, b.nxt, { win: 63 }), 5 * S);
    ack();
    expect(entry.expiresAt).toBe(5 * S + 432000 * S);
    ack();
    ack();
    ack(); // the third retransmission
    expect(entry.expiresAt).toBe(5 * S + 300 * S);
    const more = established(1000, 5000, { 'net.netfilter.nf_conntrack_tcp_max_retrans': '10' });
    for (let i = 0; i < 4; i++)
      more.t.in(seg(C, B, 40000, 8080, TCP_ACK, more.c.nxt, more.b.nxt, { win: 63 }), 5 * S);
    expect(more.entry.expiresAt).toBe(5 * S + 432000 * S);
  });

  it('checks a connection picked up mid-stream (tcp_loose, after conntrack -F) liberally', () => {
    const t = table();
    const r = t.in(seg(C, B, 40000, 8080, TCP_ACK, 1000, 5000, { len: 10, win: 63 }), 0);
    expect(kindOf(r)).toBe('NEW');
    if (r.kind === 'tracked') t.confirm(r.entry, 0);
    // The window scale is unknown after a pickup: a segment "beyond" the window still passes.
    expect(kindOf(t.in(seg(B, C, 8080, 40000, TCP_ACK, 5000 + 2 ** 30, 1010), S))).toBe('ESTABLISHED');
    expect(t.stats.invalid).toBe(0);
  });

  it('never calls in-window traffic INVALID, for any ISNs and any exchange of messages', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1400 }), fc.integer({ min: 0, max: 1400 })), {
          maxLength: 30,
        }),
        (isnC, isnB, rounds) => {
          const { t, c, b } = established(isnC, isnB);
          let now = 3000;
          for (const [up, down] of rounds) {
            expect(
              kindOf(
                t.in(seg(C, B, 40000, 8080, TCP_PSH | TCP_ACK, c.nxt, b.nxt, { len: up, win: 63 }), now++),
              ),
            ).toBe('ESTABLISHED');
            c.nxt = (c.nxt + up) >>> 0;
            expect(
              kindOf(
                t.in(seg(B, C, 8080, 40000, TCP_PSH | TCP_ACK, b.nxt, c.nxt, { len: down, win: 64 }), now++),
              ),
            ).toBe('ESTABLISHED');
            b.nxt = (b.nxt + down) >>> 0;
            expect(kindOf(t.in(seg(C, B, 40000, 8080, TCP_ACK, c.nxt, b.nxt, { win: 63 }), now++))).toBe(
              'ESTABLISHED',
            );
          }
          expect(t.stats.invalid).toBe(0);
          // ... and always calls a segment a quarter of the sequence space ahead INVALID.
          const r = t.in(seg(B, C, 8080, 40000, TCP_ACK, b.nxt + 2 ** 30, c.nxt, { len: 1 }), now);
          expect(r.kind).toBe('invalid');
        },
      ),
      { numRuns: 60 },
    );
  });
});
