import { describe, expect, it } from 'vitest';
import type { CtEntry } from '../conntrack/entry';
import { formatConntrackL } from '../conntrack/format';
import { ConntrackTable } from '../conntrack/table';
import { icmp, seeded, sysctls, tcp, udp } from '../conntrack/testing';
import { tupleOf } from '../conntrack/tuple';
import {
  IPS_CONFIRMED,
  IPS_DST_NAT,
  IPS_DST_NAT_DONE,
  IPS_SEEN_REPLY,
  IPS_SRC_NAT,
  IPS_SRC_NAT_DONE,
} from '../conntrack/types';
import type { NatRange, NatRequest } from '../iptables/types';
import { type Ipv4, ipv4 } from '../net/ipv4';
import { type IpPacket, TCP_ACK, TCP_SYN } from '../packet';
import { natIcmpReply, natPacket } from './packet';
import { natDone, setupNat } from './setup';

function req(
  target: NatRequest['target'],
  range: NatRange = {},
  flags: Partial<NatRequest> = {},
): NatRequest {
  return { target, range, random: false, randomFully: false, persistent: false, ...flags };
}

function newTable(): ConntrackTable {
  return new ConntrackTable({ sysctls: sysctls(), random: seeded(7) });
}

function begin(t: ConntrackTable, p: IpPacket, now = 0): CtEntry {
  const r = t.in(p, now);
  if (r.kind !== 'tracked' || !r.created) throw new Error(`not a new connection: ${r.kind}`);
  return r.entry;
}

const ctx = (extra: { masqueradeAddress?: Ipv4; redirectAddress?: Ipv4 } = {}) => ({
  random: seeded(3),
  ...extra,
});

describe('setupNat', () => {
  it('does full NAT like the kernel example (DNAT 10.0.1.1:8080 -> 10.0.2.2:80, MASQUERADE 10.0.2.1)', () => {
    const t = newTable();
    const syn = tcp('10.0.1.2', '10.0.1.1', 48788, 8080, TCP_SYN, 1);
    const e = begin(t, syn);
    const dnat = req('DNAT', { minIp: ipv4('10.0.2.2'), maxIp: ipv4('10.0.2.2'), minPort: 80, maxPort: 80 });
    expect(setupNat(t, e, 'DST', dnat, ctx())).toEqual({ ok: true, changed: true });
    expect(natDone(e, 'DST')).toBe(true);
    expect(natDone(e, 'SRC')).toBe(false);
    const atPre = natPacket(e, 'ORIGINAL', 'DST', syn);
    expect([atPre.dst, atPre.l4.proto === 6 && atPre.l4.dport]).toEqual([ipv4('10.0.2.2'), 80]);
    expect(atPre.len).toBe(syn.len);
    expect(setupNat(t, e, 'SRC', req('MASQUERADE'), ctx({ masqueradeAddress: ipv4('10.0.2.1') }))).toEqual({
      ok: true,
      changed: true,
    });
    const out = natPacket(e, 'ORIGINAL', 'SRC', atPre);
    expect([out.src, out.l4.proto === 6 && out.l4.sport]).toEqual([ipv4('10.0.2.1'), 48788]);
    expect(e.status & (IPS_SRC_NAT | IPS_DST_NAT | IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE)).toBe(
      IPS_SRC_NAT | IPS_DST_NAT | IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE,
    );
    expect(t.confirm(e, 0)).toBe(true);
    // The reply comes back to the masquerade address and is un-SNATed at PREROUTING,
    // un-DNATed at POSTROUTING.
    const synack = tcp('10.0.2.2', '10.0.2.1', 80, 48788, TCP_SYN | TCP_ACK, 9, 2);
    const r = t.in(synack, 1);
    expect(r.kind === 'tracked' && r.dir).toBe('REPLY');
    const unsnat = natPacket(e, 'REPLY', 'DST', synack);
    expect(unsnat.dst).toBe(ipv4('10.0.1.2'));
    expect(unsnat.src).toBe(ipv4('10.0.2.2'));
    const undnat = natPacket(e, 'REPLY', 'SRC', unsnat);
    expect(tupleOf(undnat)).toEqual(tupleOf(tcp('10.0.1.1', '10.0.1.2', 8080, 48788, 0)));
    expect(formatConntrackL(t.snapshot(e), 1)).toBe(
      'tcp      6 60 SYN_RECV src=10.0.1.2 dst=10.0.1.1 sport=48788 dport=8080 src=10.0.2.2 dst=10.0.2.1 sport=80 dport=48788 mark=0 use=1',
    );
    expect(e.status & IPS_SEEN_REPLY).toBe(IPS_SEEN_REPLY);
  });

  it('makes a null binding that changes nothing and sets only the DONE bits', () => {
    const t = newTable();
    const e = begin(t, udp('10.0.0.1', '10.0.0.2', 5000, 53));
    const reply = e.reply;
    expect(setupNat(t, e, 'DST', null, ctx())).toEqual({ ok: true, changed: false });
    expect(setupNat(t, e, 'SRC', null, ctx())).toEqual({ ok: true, changed: false });
    expect(e.reply).toBe(reply);
    expect(e.status & (IPS_SRC_NAT | IPS_DST_NAT)).toBe(0);
    const p = udp('10.0.0.1', '10.0.0.2', 5000, 53);
    expect(natPacket(e, 'ORIGINAL', 'SRC', p)).toBe(p);
  });

  it('keeps the source port when free and picks another in the same class when taken', () => {
    const t = newTable();
    const masq = ctx({ masqueradeAddress: ipv4('10.1.1.3') });
    // The router's own flow already uses 10.1.1.3:41050 -> server.
    const own = begin(t, udp('10.1.1.3', '10.9.9.9', 41050, 53));
    setupNat(t, own, 'DST', null, masq);
    setupNat(t, own, 'SRC', null, masq);
    t.confirm(own, 0);
    const e = begin(t, udp('192.168.1.100', '10.9.9.9', 41050, 53));
    setupNat(t, e, 'DST', null, masq);
    expect(setupNat(t, e, 'SRC', req('MASQUERADE'), masq).ok).toBe(true);
    expect(e.reply.dst).toBe(ipv4('10.1.1.3'));
    expect(e.reply.dport).not.toBe(41050);
    expect(e.reply.dport).toBeGreaterThanOrEqual(1024);
    const free = begin(t, udp('192.168.1.100', '10.9.9.9', 41051, 53));
    setupNat(t, free, 'SRC', req('MASQUERADE'), masq);
    expect(free.reply.dport).toBe(41051);
    // Privileged source ports stay in their class.
    for (const [port, lo, hi] of [
      [123, 1, 511],
      [700, 600, 1023],
    ] as const) {
      const a = begin(t, udp('10.1.1.3', '10.9.9.9', port, 53));
      setupNat(t, a, 'SRC', null, masq);
      t.confirm(a, 0);
      const b = begin(t, udp('192.168.1.7', '10.9.9.9', port, 53));
      setupNat(t, b, 'SRC', req('MASQUERADE'), masq);
      expect(b.reply.dport).toBeGreaterThanOrEqual(lo);
      expect(b.reply.dport).toBeLessThanOrEqual(hi);
      expect(b.reply.dport).not.toBe(port);
    }
  });

  it('remaps the port of a null SRC binding on a clash', () => {
    const t = newTable();
    const first = begin(t, udp('10.0.0.5', '10.0.0.9', 3000, 53));
    setupNat(t, first, 'DST', req('DNAT', { minIp: ipv4('10.0.0.9') }), ctx());
    setupNat(t, first, 'SRC', null, ctx());
    t.confirm(first, 0);
    // A second flow whose DNAT makes it the same connection as the first: its source port moves.
    const second = begin(t, udp('10.0.0.5', '10.0.0.100', 3000, 53));
    setupNat(t, second, 'DST', req('DNAT', { minIp: ipv4('10.0.0.9') }), ctx());
    expect(setupNat(t, second, 'SRC', null, ctx())).toEqual({ ok: true, changed: true });
    expect(second.reply.src).toBe(ipv4('10.0.0.9'));
    expect(second.reply.dst).toBe(ipv4('10.0.0.5'));
    expect(second.reply.dport).not.toBe(3000);
    expect(t.confirm(second, 0)).toBe(true);
  });

  it('re-picks the port with --random and --random-fully, deterministically per seed', () => {
    const pick = (seed: number, flags: Partial<NatRequest>) => {
      const t = new ConntrackTable({ sysctls: sysctls(), random: seeded(seed) });
      const e = begin(t, tcp('192.168.1.2', '1.1.1.1', 40000, 443, TCP_SYN));
      setupNat(t, e, 'SRC', req('SNAT', { minIp: ipv4('10.1.1.3') }, flags), { random: seeded(seed) });
      return e.reply.dport;
    };
    for (const flags of [{ random: true }, { randomFully: true }]) {
      expect(pick(1, flags)).toBe(pick(1, flags));
      expect([1, 2, 3, 4].map((s) => pick(s, flags)).some((p) => p !== 40000)).toBe(true);
    }
    expect(pick(1, {})).toBe(40000);
  });

  it('never moves the destination port for DNAT without a port, and maps into a port range', () => {
    const t = newTable();
    const e = begin(t, tcp('10.0.0.1', '10.96.0.10', 5555, 80, TCP_SYN));
    setupNat(t, e, 'DST', req('DNAT', { minIp: ipv4('10.244.1.3') }), ctx());
    expect([e.reply.src, e.reply.sport]).toEqual([ipv4('10.244.1.3'), 80]);
    const f = begin(t, tcp('10.0.0.1', '10.96.0.10', 5556, 80, TCP_SYN));
    setupNat(t, f, 'DST', req('DNAT', { minIp: ipv4('10.244.1.3'), minPort: 8080, maxPort: 8090 }), ctx());
    expect(f.reply.sport).toBe(8080);
    const g = begin(t, tcp('10.0.0.1', '10.0.0.2', 5557, 80, TCP_SYN));
    setupNat(t, g, 'SRC', req('SNAT', { minIp: ipv4('10.0.0.50'), minPort: 2000, maxPort: 2010 }), ctx());
    expect(g.reply.dport).toBeGreaterThanOrEqual(2000);
    expect(g.reply.dport).toBeLessThanOrEqual(2010);
  });

  it('shifts the port by its distance from the base with :lo-hi/base (NF_NAT_RANGE_PROTO_OFFSET)', () => {
    const t = newTable();
    const shift = (dport: number, sport: number) => {
      const e = begin(t, tcp('10.0.0.1', '10.96.0.10', sport, dport, TCP_SYN));
      const range = { minIp: ipv4('1.1.1.1'), minPort: 1000, maxPort: 2000, basePort: 3000 };
      setupNat(t, e, 'DST', req('DNAT', range), ctx());
      return e.reply.sport;
    };
    expect(shift(3005, 5000)).toBe(1005);
    // nf_nat_l4proto_unique_tuple: off is a u16, so a port below the base wraps: 65535 % 1001.
    expect(shift(2999, 5001)).toBe(1000 + (65535 % 1001));
    // In range already, but the shift still applies (no in-range shortcut with an offset).
    expect(shift(1500, 5002)).toBe(1000 + (((1500 - 3000) & 0xffff) % 1001));
  });

  it('picks an address of a range deterministically', () => {
    const choose = (src: string) => {
      const t = newTable();
      const e = begin(t, udp(src, '8.8.8.8', 1111, 53));
      setupNat(t, e, 'SRC', req('SNAT', { minIp: ipv4('10.0.0.10'), maxIp: ipv4('10.0.0.13') }), ctx());
      return e.reply.dst;
    };
    const picks = ['192.168.0.1', '192.168.0.2', '192.168.0.3', '192.168.0.4', '192.168.0.5'].map(choose);
    expect(picks).toEqual(
      ['192.168.0.1', '192.168.0.2', '192.168.0.3', '192.168.0.4', '192.168.0.5'].map(choose),
    );
    for (const p of picks) expect(p >= ipv4('10.0.0.10') && p <= ipv4('10.0.0.13')).toBe(true);
  });

  it('reuses the mapping an earlier connection from the same source got', () => {
    const t = newTable();
    const masq = ctx({ masqueradeAddress: ipv4('10.1.1.3') });
    const own = begin(t, udp('10.1.1.3', '10.9.9.9', 5000, 53));
    setupNat(t, own, 'SRC', null, masq);
    t.confirm(own, 0);
    const a = begin(t, udp('192.168.1.100', '10.9.9.9', 5000, 53));
    setupNat(t, a, 'SRC', req('MASQUERADE'), masq);
    t.confirm(a, 0);
    const mapped = a.reply.dport;
    expect(mapped).not.toBe(5000);
    const b = begin(t, udp('192.168.1.100', '10.8.8.8', 5000, 53));
    setupNat(t, b, 'SRC', req('MASQUERADE'), masq);
    expect(b.reply.dport).toBe(mapped);
  });

  it('fails without an address for MASQUERADE or REDIRECT, and for a target of the other manip', () => {
    const t = newTable();
    const e = begin(t, udp('10.0.0.1', '10.0.0.2', 1, 2));
    expect(setupNat(t, e, 'SRC', req('MASQUERADE'), ctx()).ok).toBe(false);
    expect(setupNat(t, e, 'DST', req('REDIRECT'), ctx()).ok).toBe(false);
    expect(setupNat(t, e, 'SRC', req('DNAT', { minIp: ipv4('1.1.1.1') }), ctx()).ok).toBe(false);
    const r = setupNat(
      t,
      e,
      'DST',
      req('REDIRECT', { minPort: 3128 }),
      ctx({ redirectAddress: ipv4('10.0.0.2') }),
    );
    expect(r.ok).toBe(true);
    expect([e.reply.src, e.reply.sport]).toEqual([ipv4('10.0.0.2'), 3128]);
  });

  it('refuses to bind a confirmed connection', () => {
    const t = newTable();
    const e = begin(t, udp('10.0.0.1', '10.0.0.2', 1, 2));
    t.confirm(e, 0);
    expect(setupNat(t, e, 'SRC', null, ctx()).ok).toBe(false);
    expect(e.status & IPS_CONFIRMED).toBe(IPS_CONFIRMED);
  });

  it('translates ICMP echo ids on a clash', () => {
    const t = newTable();
    const masq = ctx({ masqueradeAddress: ipv4('10.1.1.3') });
    const a = begin(t, icmp('192.168.1.2', '8.8.8.8', 8, 0, 77));
    setupNat(t, a, 'SRC', req('MASQUERADE'), masq);
    t.confirm(a, 0);
    const b = begin(t, icmp('192.168.1.3', '8.8.8.8', 8, 0, 77));
    setupNat(t, b, 'SRC', req('MASQUERADE'), masq);
    expect(b.reply.sport).not.toBe(77);
    const out = natPacket(b, 'ORIGINAL', 'SRC', icmp('192.168.1.3', '8.8.8.8', 8, 0, 77));
    expect(out.l4.proto === 1 && [out.src, out.l4.id]).toEqual([ipv4('10.1.1.3'), b.reply.sport]);
    const back = natPacket(b, 'REPLY', 'DST', icmp('8.8.8.8', '10.1.1.3', 0, 0, b.reply.sport));
    expect(back.l4.proto === 1 && [back.dst, back.l4.id]).toEqual([ipv4('192.168.1.3'), 77]);
  });
});

describe('ICMP errors for NATed connections', () => {
  it('translates the outer and the embedded header', () => {
    const t = newTable();
    const syn = tcp('10.0.1.2', '10.96.0.10', 40000, 80, TCP_SYN);
    const e = begin(t, syn);
    setupNat(t, e, 'DST', req('DNAT', { minIp: ipv4('10.244.1.3'), minPort: 8080 }), ctx());
    const sent = natPacket(e, 'ORIGINAL', 'DST', syn);
    setupNat(t, e, 'SRC', null, ctx());
    t.confirm(e, 0);
    // The backend answers the DNATed SYN with an error about it.
    const err = icmp('10.244.1.3', '10.0.1.2', 3, 3, 0, sent);
    const r = t.in(err, 1);
    expect(r.kind === 'related-error' && r.ctinfo).toBe('RELATED_REPLY');
    expect(natIcmpReply(e, 'REPLY', 'DST', err)).toBe(err);
    const out = natIcmpReply(e, 'REPLY', 'SRC', err)!;
    expect(out.src).toBe(ipv4('10.96.0.10'));
    expect(out.dst).toBe(ipv4('10.0.1.2'));
    const inner = out.l4.proto === 1 ? out.l4.inner : undefined;
    expect(inner && tupleOf(inner)).toEqual(tupleOf(syn));
  });

  it('drops an ICMP redirect for a NATed connection', () => {
    const t = newTable();
    const syn = tcp('10.244.1.2', '10.96.0.10', 40000, 80, TCP_SYN);
    const e = begin(t, syn);
    setupNat(t, e, 'DST', req('DNAT', { minIp: ipv4('10.244.1.3') }), ctx());
    setupNat(t, e, 'SRC', null, ctx());
    const redirect = icmp('10.244.1.1', '10.244.1.2', 5, 1, 0, natPacket(e, 'ORIGINAL', 'DST', syn));
    expect(natIcmpReply(e, 'ORIGINAL', 'SRC', redirect)).toBeUndefined();
    const plain = begin(t, tcp('10.244.1.2', '10.244.1.9', 1, 2, TCP_ACK));
    setupNat(t, plain, 'DST', null, ctx());
    setupNat(t, plain, 'SRC', null, ctx());
    const r2 = icmp('10.244.1.1', '10.244.1.2', 5, 1, 0, tcp('10.244.1.2', '10.244.1.9', 1, 2, TCP_ACK));
    expect(natIcmpReply(plain, 'REPLY', 'SRC', r2)).toBe(r2);
  });
});
