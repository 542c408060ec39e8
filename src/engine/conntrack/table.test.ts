import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../packet';
import { ipv4 } from '../net/ipv4';
import { bucketOf } from './earlyDrop';
import type { CtEntry } from './entry';
import { formatConntrackEvent, formatConntrackL } from './format';
import { ConntrackTable, type CtInResult, TABLE_FULL_MESSAGE } from './table';
import { icmp, seeded, sysctls, tcp, udp } from './testing';
import { tupleHash } from './tuple';
import { IPS_ASSURED, IPS_SEEN_REPLY } from './types';

const S = 1_000_000;
const A = '10.77.0.1';
const B = '10.77.0.2';

function table(values: Record<string, string> = {}): ConntrackTable {
  return new ConntrackTable({ sysctls: sysctls(values), random: seeded(1) });
}

function tracked(r: CtInResult): Extract<CtInResult, { kind: 'tracked' }> {
  if (r.kind !== 'tracked') throw new Error(`expected tracked, got ${JSON.stringify(r)}`);
  return r;
}

/** Runs a packet through in() and, like the last hook would, confirms a new entry. */
function pass(t: ConntrackTable, p: Parameters<ConntrackTable['in']>[0], now: number, zone = 0) {
  const r = tracked(t.in(p, now, zone));
  if (r.created) expect(t.confirm(r.entry, now)).toBe(true);
  return r;
}

describe('TCP', () => {
  it('follows a normal connection like the kernel capture (conntrack -E on 6.18)', () => {
    const t = table();
    const lines: string[] = [];
    const ev = (r: ReturnType<typeof pass>, now: number) => {
      if (r.created) lines.push(formatConntrackEvent('NEW', t.snapshot(r.entry), now));
      else if (r.changed) lines.push(formatConntrackEvent('UPDATE', t.snapshot(r.entry), now));
    };
    let now = 1 * S;
    const syn = pass(t, tcp(A, B, 40001, 8080, TCP_SYN, 1000, 0), now);
    expect([syn.ctinfo, syn.ctstate, syn.entry.tcpState]).toEqual(['NEW', 'NEW', 'SYN_SENT']);
    ev(syn, now);
    now += 100;
    const synack = pass(t, tcp(B, A, 8080, 40001, TCP_SYN | TCP_ACK, 5000, 1001), now);
    expect([synack.dir, synack.ctinfo, synack.ctstate, synack.entry.tcpState]).toEqual([
      'REPLY',
      'ESTABLISHED_REPLY',
      'ESTABLISHED',
      'SYN_RECV',
    ]);
    ev(synack, now);
    now += 30;
    const ack = pass(t, tcp(A, B, 40001, 8080, TCP_ACK, 1001, 5001), now);
    expect([ack.ctinfo, ack.entry.tcpState, ack.entry.status & IPS_ASSURED]).toEqual([
      'ESTABLISHED',
      'ESTABLISHED',
      IPS_ASSURED,
    ]);
    ev(ack, now);
    ev(pass(t, tcp(A, B, 40001, 8080, TCP_ACK | TCP_PSH, 1001, 5001, 4), now), now);
    ev(pass(t, tcp(B, A, 8080, 40001, TCP_ACK, 5001, 1005), now), now);
    ev(pass(t, tcp(B, A, 8080, 40001, TCP_ACK | TCP_PSH, 5001, 1005, 4), now), now);
    ev(pass(t, tcp(A, B, 40001, 8080, TCP_ACK, 1005, 5005), now), now);
    now += 300_000;
    ev(pass(t, tcp(B, A, 8080, 40001, TCP_FIN | TCP_ACK, 5005, 1005), now), now);
    now += 40_000;
    ev(pass(t, tcp(A, B, 40001, 8080, TCP_ACK, 1005, 5006), now), now);
    now += 660_000;
    ev(pass(t, tcp(A, B, 40001, 8080, TCP_FIN | TCP_ACK, 1005, 5006), now), now);
    ev(pass(t, tcp(B, A, 8080, 40001, TCP_ACK, 5006, 1006), now), now);
    const o = 'src=10.77.0.1 dst=10.77.0.2 sport=40001 dport=8080';
    const r = 'src=10.77.0.2 dst=10.77.0.1 sport=8080 dport=40001';
    expect(lines).toEqual([
      `    [NEW] tcp      6 120 SYN_SENT ${o} [UNREPLIED] ${r}`,
      ` [UPDATE] tcp      6 60 SYN_RECV ${o} ${r}`,
      ` [UPDATE] tcp      6 432000 ESTABLISHED ${o} ${r} [ASSURED]`,
      ` [UPDATE] tcp      6 120 FIN_WAIT ${o} ${r} [ASSURED]`,
      ` [UPDATE] tcp      6 60 CLOSE_WAIT ${o} ${r} [ASSURED]`,
      ` [UPDATE] tcp      6 30 LAST_ACK ${o} ${r} [ASSURED]`,
      ` [UPDATE] tcp      6 120 TIME_WAIT ${o} ${r} [ASSURED]`,
    ]);
    // TIME_WAIT runs out 120 s later and the expired [DESTROY] prints no timeout.
    expect(t.nextExpiry()).toBe(now + 120 * S);
    const gone = t.expire(now + 120 * S);
    expect(gone.map((e) => formatConntrackEvent('DESTROY', e, now + 120 * S))).toEqual([
      `[DESTROY] tcp      6 TIME_WAIT ${o} ${r} [ASSURED]`,
    ]);
    expect(t.count).toBe(0);
  });

  it('caps ESTABLISHED at the unacknowledged timeout while data is in flight', () => {
    const t = table();
    const e = pass(t, tcp(A, B, 1, 2, TCP_SYN, 100), 0).entry;
    pass(t, tcp(B, A, 2, 1, TCP_SYN | TCP_ACK, 900, 101), 0);
    pass(t, tcp(A, B, 1, 2, TCP_ACK, 101, 901), 0);
    expect(e.expiresAt).toBe(432000 * S);
    pass(t, tcp(A, B, 1, 2, TCP_ACK | TCP_PSH, 101, 901, 50), S);
    expect(e.expiresAt).toBe(S + 300 * S);
    pass(t, tcp(B, A, 2, 1, TCP_ACK, 901, 151), 2 * S);
    expect(e.expiresAt).toBe(2 * S + 432000 * S);
  });

  it('does not refresh the timer on a SYN retransmission', () => {
    const t = table();
    const r = pass(t, tcp(A, B, 40001, 80, TCP_SYN, 7), 0);
    const again = tracked(t.in(tcp(A, B, 40001, 80, TCP_SYN, 7), 49 * S));
    expect(again.ctstate).toBe('NEW');
    expect(again.created).toBe(false);
    expect(r.entry.expiresAt).toBe(120 * S);
    expect(formatConntrackL(t.snapshot(r.entry), 49 * S)).toContain(' 71 SYN_SENT ');
  });

  it('deletes the entry at once when the only reply is a RST (kernel: [DESTROY] ... 120 CLOSE)', () => {
    const t = table();
    pass(t, tcp(A, B, 40010, 9999, TCP_SYN, 1), 0);
    const rst = tracked(t.in(tcp(B, A, 9999, 40010, TCP_RST | TCP_ACK, 0, 2), 50));
    expect(rst.ctstate).toBe('ESTABLISHED');
    expect(rst.removed).toHaveLength(1);
    expect(rst.removed[0]!.why).toBe('killed');
    expect(formatConntrackEvent('DESTROY', rst.removed[0]!.entry, 50)).toBe(
      '[DESTROY] tcp      6 120 CLOSE src=10.77.0.1 dst=10.77.0.2 sport=40010 dport=9999 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=9999 dport=40010',
    );
    expect(t.count).toBe(0);
    expect(t.list(50)).toEqual([]);
  });

  it('moves an established connection to CLOSE for 10 s on a RST', () => {
    const t = table();
    const e = pass(t, tcp(A, B, 1, 2, TCP_SYN), 0).entry;
    pass(t, tcp(B, A, 2, 1, TCP_SYN | TCP_ACK, 0, 1), 0);
    pass(t, tcp(A, B, 1, 2, TCP_ACK, 1, 1), 0);
    const r = tracked(t.in(tcp(B, A, 2, 1, TCP_RST, 1), 5 * S));
    expect(r.changed).toBe(true);
    expect(e.tcpState).toBe('CLOSE');
    expect(t.nextExpiry()).toBe(15 * S);
  });

  it('treats a SYN-ACK, a RST or a FIN without an entry as INVALID and frees the allocation', () => {
    const t = table();
    expect(t.in(tcp(B, A, 80, 5555, TCP_SYN | TCP_ACK), 0).kind).toBe('invalid');
    expect(t.in(tcp(B, A, 80, 5555, TCP_RST), 0).kind).toBe('invalid');
    expect(t.in(tcp(B, A, 80, 5555, TCP_FIN | TCP_ACK), 0).kind).toBe('invalid');
    expect(t.in(tcp(B, A, 80, 5555, TCP_SYN | TCP_FIN), 0).kind).toBe('invalid');
    expect(t.count).toBe(0);
  });

  it('picks up a mid-stream ACK with tcp_loose=1 (ESTABLISHED, 300 s until a reply), not with 0', () => {
    const t = table();
    const r = pass(t, tcp(A, B, 1, 2, TCP_ACK, 10, 20), 0);
    expect([r.ctstate, r.entry.tcpState, r.entry.expiresAt]).toEqual(['NEW', 'ESTABLISHED', 300 * S]);
    const back = pass(t, tcp(B, A, 2, 1, TCP_ACK, 20, 10), S);
    expect(back.entry.status & IPS_ASSURED).toBe(0);
    pass(t, tcp(A, B, 1, 2, TCP_ACK, 10, 20), 2 * S);
    expect(back.entry.status & IPS_ASSURED).toBe(IPS_ASSURED);
    expect(back.entry.expiresAt).toBe(2 * S + 432000 * S);
    const strict = table({ 'net.netfilter.nf_conntrack_tcp_loose': '0' });
    expect(strict.in(tcp(A, B, 1, 2, TCP_ACK), 0).kind).toBe('invalid');
  });

  it('ignores a reply ACK in SYN_SENT (no refresh, but the reply is seen) and a SYN in ESTABLISHED', () => {
    const t = table();
    const e = pass(t, tcp(A, B, 1, 2, TCP_SYN), 0).entry;
    const r = tracked(t.in(tcp(B, A, 2, 1, TCP_ACK), S));
    expect([r.ctstate, e.tcpState, e.expiresAt, e.status & IPS_SEEN_REPLY]).toEqual([
      'ESTABLISHED',
      'SYN_SENT',
      120 * S,
      IPS_SEEN_REPLY,
    ]);
    const f = table();
    const g = pass(f, tcp(A, B, 1, 2, TCP_SYN), 0).entry;
    pass(f, tcp(B, A, 2, 1, TCP_SYN | TCP_ACK, 0, 1), 0);
    pass(f, tcp(A, B, 1, 2, TCP_ACK, 1, 1), 0);
    const syn = tracked(f.in(tcp(A, B, 1, 2, TCP_SYN, 77), S));
    expect([syn.changed, syn.ctstate, g.tcpState, g.expiresAt]).toEqual([
      false,
      'ESTABLISHED',
      'ESTABLISHED',
      432000 * S,
    ]);
  });

  it('lets a new SYN reopen a connection in TIME_WAIT: old entry destroyed, new one NEW', () => {
    const t = table();
    const old = pass(t, tcp(A, B, 1, 2, TCP_SYN), 0).entry;
    pass(t, tcp(B, A, 2, 1, TCP_SYN | TCP_ACK, 0, 1), 0);
    pass(t, tcp(A, B, 1, 2, TCP_ACK, 1, 1), 0);
    pass(t, tcp(A, B, 1, 2, TCP_FIN | TCP_ACK, 1, 1), 0);
    pass(t, tcp(B, A, 2, 1, TCP_FIN | TCP_ACK, 1, 2), 0);
    pass(t, tcp(A, B, 1, 2, TCP_ACK, 2, 2), 0);
    expect(old.tcpState).toBe('TIME_WAIT');
    const r = pass(t, tcp(A, B, 1, 2, TCP_SYN, 99), S);
    expect(r.created).toBe(true);
    expect(r.entry).not.toBe(old);
    expect(r.removed.map((x) => [x.why, x.entry.tcpState])).toEqual([['killed', 'TIME_WAIT']]);
    expect(t.list(S).map((e) => e.id)).toEqual([r.entry.id]);
  });

  it('handles simultaneous open through SYN_SENT2', () => {
    const t = table();
    const e = pass(t, tcp(A, B, 1, 2, TCP_SYN), 0).entry;
    pass(t, tcp(B, A, 2, 1, TCP_SYN), 0);
    expect(e.tcpState).toBe('SYN_SENT2');
    pass(t, tcp(A, B, 1, 2, TCP_SYN | TCP_ACK, 0, 1), 0);
    expect(e.tcpState).toBe('SYN_RECV');
  });
});

describe('UDP', () => {
  it('keeps [UNREPLIED] 30 s without an answer', () => {
    const t = table();
    const r = pass(t, udp(A, B, 40003, 5353), 0);
    expect(formatConntrackL(t.snapshot(r.entry), 50_000)).toBe(
      'udp      17 29 src=10.77.0.1 dst=10.77.0.2 sport=40003 dport=5353 [UNREPLIED] src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40003 mark=0 use=1',
    );
    // Read within the same jiffy (HZ=250) the kernel still prints the full 30.
    expect(formatConntrackL(t.snapshot(r.entry), 3_999)).toContain(' 30 ');
  });

  it('is not ASSURED for exchanges within 2 s, and ASSURED with 120 s after (kernel capture)', () => {
    const t = table();
    const lines: string[] = [];
    let now = 10 * S;
    const first = pass(t, udp(A, B, 40030, 5353), now);
    lines.push(formatConntrackEvent('NEW', t.snapshot(first.entry), now));
    const steps: [boolean, number][] = [
      [false, 16_000],
      [true, 200_000],
      [false, 1_000],
      [true, 2_500_000],
      [false, 1_000],
    ];
    for (const [orig, dt] of steps) {
      now += dt;
      const r = pass(t, orig ? udp(A, B, 40030, 5353) : udp(B, A, 5353, 40030), now);
      if (r.changed) lines.push(formatConntrackEvent('UPDATE', t.snapshot(r.entry), now));
      if (dt === 200_000) expect(r.entry.status & IPS_ASSURED).toBe(0);
    }
    const o = 'src=10.77.0.1 dst=10.77.0.2 sport=40030 dport=5353';
    const rp = 'src=10.77.0.2 dst=10.77.0.1 sport=5353 dport=40030';
    expect(lines).toEqual([
      `    [NEW] udp      17 30 ${o} [UNREPLIED] ${rp}`,
      ` [UPDATE] udp      17 30 ${o} ${rp}`,
      ` [UPDATE] udp      17 120 ${o} ${rp} [ASSURED]`,
    ]);
  });
});

describe('ICMP', () => {
  it('creates entries only for requests; the reply is ESTABLISHED; a lone reply is INVALID', () => {
    const t = table();
    const req = pass(t, icmp(A, B, 8, 0, 4242), 0);
    expect(req.ctstate).toBe('NEW');
    const rep = tracked(t.in(icmp(B, A, 0, 0, 4242), 100));
    expect([rep.dir, rep.ctstate, rep.changed]).toEqual(['REPLY', 'ESTABLISHED', true]);
    expect(rep.entry.status & IPS_ASSURED).toBe(0);
    expect(formatConntrackL(t.snapshot(rep.entry), 50_000)).toBe(
      'icmp     1 29 src=10.77.0.1 dst=10.77.0.2 type=8 code=0 id=4242 src=10.77.0.2 dst=10.77.0.1 type=0 code=0 id=4242 mark=0 use=1',
    );
    const lone = t.in(icmp(B, A, 0, 0, 7), 0);
    expect(lone.kind).toBe('invalid');
    expect(t.count).toBe(1);
  });

  it('makes an ICMP error about a tracked flow RELATED without touching the entry', () => {
    const t = table();
    const probe = udp(A, B, 40011, 9998);
    const e = pass(t, probe, 0).entry;
    const err = t.in(icmp(B, A, 3, 3, 0, probe), S);
    expect(err.kind).toBe('related-error');
    if (err.kind !== 'related-error') return;
    expect([err.entry, err.dir, err.ctinfo]).toEqual([e, 'REPLY', 'RELATED_REPLY']);
    expect(e.status & IPS_SEEN_REPLY).toBe(0);
    expect(e.expiresAt).toBe(30 * S);
    expect(t.in(icmp(B, A, 3, 3, 0, udp(A, B, 1, 2)), S).kind).toBe('invalid');
    // The outer destination must be the endpoint the entry expects.
    expect(t.in(icmp(B, '10.77.0.9', 3, 3, 0, probe), S).kind).toBe('invalid');
    expect(t.count).toBe(1);
  });
});

describe('table', () => {
  it('keeps unconfirmed entries invisible and lets a racing duplicate fail at confirm', () => {
    const t = table();
    const a = tracked(t.in(udp(A, B, 1, 2), 0));
    const b = tracked(t.in(udp(A, B, 1, 2), 0));
    expect(a.entry).not.toBe(b.entry);
    expect(t.count).toBe(2);
    expect(t.list(0)).toEqual([]);
    expect(t.confirm(a.entry, 0)).toBe(true);
    expect(t.confirm(b.entry, 0)).toBe(false);
    expect(t.count).toBe(1);
    expect(t.stats.insert_failed).toBe(1);
  });

  it('frees an unconfirmed entry; the next packet is NEW again', () => {
    const t = table();
    const a = tracked(t.in(udp(A, B, 1, 2), 0));
    t.free(a.entry);
    expect(t.count).toBe(0);
    expect(tracked(t.in(udp(A, B, 1, 2), 1)).created).toBe(true);
  });

  it('starts the timer at confirmation', () => {
    const t = table();
    const a = tracked(t.in(udp(A, B, 1, 2), 0));
    t.confirm(a.entry, 2 * S);
    expect(a.entry.expiresAt).toBe(32 * S);
  });

  it('expires in timer order, reports the next expiry, follows refreshes and shorter timeouts', () => {
    const t = table();
    const u = pass(t, udp(A, B, 1, 2), 0).entry;
    const i = pass(t, icmp(A, B, 8, 0, 1), 5 * S).entry;
    const c = pass(t, tcp(A, B, 3, 4, TCP_SYN), 0).entry;
    pass(t, tcp(B, A, 4, 3, TCP_SYN | TCP_ACK, 0, 1), 0);
    pass(t, tcp(A, B, 3, 4, TCP_ACK, 1, 1), 0);
    expect(t.nextExpiry()).toBe(30 * S);
    pass(t, udp(A, B, 1, 2), 20 * S); // refresh to 50 s
    expect(t.nextExpiry()).toBe(35 * S);
    pass(t, tcp(A, B, 3, 4, TCP_FIN | TCP_ACK, 1, 1), 21 * S); // FIN_WAIT: 141 s
    expect(t.expire(34 * S)).toEqual([]);
    expect(t.expire(200 * S).map((e) => e.id)).toEqual([i.id, u.id, c.id]);
    expect(t.nextExpiry()).toBeUndefined();
    expect(t.count).toBe(0);
  });

  it('treats an expired entry the lookup meets as gone', () => {
    const t = table();
    const a = pass(t, udp(A, B, 1, 2), 0).entry;
    const r = pass(t, udp(A, B, 1, 2), 31 * S);
    expect(r.created).toBe(true);
    expect(r.removed.map((x) => [x.why, x.entry.id])).toEqual([['expired', a.id]]);
  });

  it('lists confirmed entries in creation order', () => {
    const t = table();
    const x = tracked(t.in(udp(A, B, 1, 2), 0));
    const y = pass(t, udp(A, B, 3, 4), 0);
    t.confirm(x.entry, 0);
    expect(t.list(0).map((e) => e.id)).toEqual([x.entry.id, y.entry.id]);
  });

  it('keeps identical tuples in different zones apart', () => {
    const t = table();
    const z0 = pass(t, udp(A, B, 1, 2), 0, 0);
    const z5 = pass(t, udp(A, B, 1, 2), 0, 5);
    expect(z0.entry).not.toBe(z5.entry);
    expect(tracked(t.in(udp(B, A, 2, 1), 0, 5)).entry).toBe(z5.entry);
    expect(formatConntrackL(t.snapshot(z5.entry), 0)).toMatch(/mark=0 zone=5 use=1$/);
  });

  describe('full table', () => {
    const full = { 'net.netfilter.nf_conntrack_max': '3' };

    /** The bucket of a UDP tuple from A to B among `size` buckets, as early drop sees it. */
    const bucket = (sport: number, dport: number, size: number) =>
      bucketOf(tupleHash(ipv4(A), ipv4(B), 17, sport, dport, 0), size);
    const reply = (sport: number, dport: number, size: number) =>
      bucketOf(tupleHash(ipv4(B), ipv4(A), 17, dport, sport, 0), size);

    it('early-drops every unassured entry of the first bucket in the window that has one', () => {
      // One bucket: the window is the whole table, so every unassured entry goes at once.
      const t = table({ ...full, 'net.netfilter.nf_conntrack_buckets': '1' });
      const assured = pass(t, tcp(A, B, 9, 80, TCP_SYN), 0).entry;
      pass(t, tcp(B, A, 80, 9, TCP_SYN | TCP_ACK, 0, 1), 0);
      pass(t, tcp(A, B, 9, 80, TCP_ACK, 1, 1), 0);
      const u1 = pass(t, udp(A, B, 1, 53), 0).entry;
      const u2 = pass(t, udp(A, B, 2, 53), 0).entry;
      const r = pass(t, udp(A, B, 3, 53), S);
      expect(r.removed.map((x) => [x.why, x.entry.id])).toEqual([
        ['early-drop', u1.id],
        ['early-drop', u2.id],
      ]);
      expect(assured.dead).toBe(false);
      expect(t.count).toBe(2);
      expect(t.stats.early_drop).toBe(2);
    });

    it("looks only at 8 buckets from the new tuple's: an unassured entry elsewhere is safe", () => {
      const size = 262144;
      const near = (p: number, q: number) => {
        const d = (x: number) => (x - bucket(q, 53, size) + size) % size;
        return d(bucket(p, 53, size)) < 8 || d(reply(p, 53, size)) < 8;
      };
      // Three unassured flows and a fourth whose window none of them falls in.
      const ports = [1, 2, 3];
      let next = 4;
      while (ports.some((p) => near(p, next))) next++;
      const t = table({ ...full, 'net.netfilter.nf_conntrack_buckets': String(size) });
      const kept = ports.map((p) => pass(t, udp(A, B, p, 53), 0).entry);
      expect(t.in(udp(A, B, next, 53), S)).toEqual({
        kind: 'table-full',
        message: TABLE_FULL_MESSAGE,
        removed: [],
      });
      expect(kept.every((e) => !e.dead)).toBe(true);
      expect([t.stats.drop, t.stats.early_drop]).toEqual([1, 0]);
      // A flow whose window does hold one of them evicts that one.
      let hit = next + 1;
      while (!near(1, hit) || near(2, hit) || near(3, hit)) hit++;
      const r = pass(t, udp(A, B, hit, 53), S);
      expect(r.removed.map((x) => [x.why, x.entry.id])).toEqual([['early-drop', kept[0]!.id]]);
    });

    it('drops the packet when every entry is ASSURED, counting unconfirmed ones too', () => {
      const t = table({ 'net.netfilter.nf_conntrack_max': '2' });
      const conns: CtEntry[] = [];
      for (const port of [1, 2]) {
        conns.push(pass(t, tcp(A, B, port, 80, TCP_SYN), 0).entry);
        pass(t, tcp(B, A, 80, port, TCP_SYN | TCP_ACK, 0, 1), 0);
        pass(t, tcp(A, B, port, 80, TCP_ACK, 1, 1), 0);
      }
      expect(t.in(udp(A, B, 5, 53), 0)).toEqual({
        kind: 'table-full',
        message: TABLE_FULL_MESSAGE,
        removed: [],
      });
      expect(TABLE_FULL_MESSAGE).toBe('nf_conntrack: table full, dropping packet');
      const small = table({ 'net.netfilter.nf_conntrack_max': '1' });
      tracked(small.in(udp(A, B, 1, 2), 0));
      expect(small.in(udp(A, B, 3, 4), 0).kind).toBe('table-full');
      expect(conns.every((e) => !e.dead)).toBe(true);
    });
  });
});
