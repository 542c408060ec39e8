import { describe, expect, it } from 'vitest';
import { builtinScenarios } from '../../scenarios';
import { runScenario } from '..';
import type { TimelineEvent } from '../timeline/events';

// Regression tests for differences the kernel-parity harness found (docs/kernel-observations.md).
// Each pins what Linux 6.18 did, so the engine cannot drift back.

const scenario = (id: string) => builtinScenarios.find((s) => s.id === id)!;
const at = (events: readonly TimelineEvent[], host: string) => events.filter((e) => e.host === host);

describe('behaviour the kernel showed', () => {
  it('retransmitted SYNs skip the nat chains: the binding exists (same-bridge-hairpin, bnf=0)', () => {
    const r = runScenario(scenario('same-bridge-hairpin'));
    const node = at(r.events, 'node');
    const synsIn = node.filter(
      (e) =>
        e.type === 'hook' &&
        e.hook === 'PREROUTING' &&
        r.events.some(
          (p) =>
            p.type === 'packet' &&
            p.pkt === e.pkt &&
            p.frame.type === 0x0800 &&
            p.frame.ip.l4.proto === 6 &&
            (p.frame.ip.l4.flags & 0x12) === 0x02,
        ),
    ) as Extract<TimelineEvent, { type: 'hook' }>[];
    expect(synsIn.length).toBe(4);
    const chainsOf = (pkt: number) =>
      node
        .filter((e) => e.type === 'chain' && e.pkt === pkt)
        .map((e) => (e as { table: string; chain: string }).table + ':' + (e as { chain: string }).chain);
    expect(chainsOf(synsIn[0]!.pkt)).toEqual(['nat:PREROUTING', 'filter:FORWARD', 'nat:POSTROUTING']);
    for (const s of synsIn.slice(1)) expect(chainsOf(s.pkt)).toEqual(['filter:FORWARD']);
  });

  it('the node sends one ICMP redirect per routed SYN and the NAT core drops each at OUTPUT', () => {
    const r = runScenario(scenario('same-bridge-hairpin'));
    const redirects = r.events.filter(
      (e) =>
        e.type === 'packet' &&
        e.host === 'node' &&
        e.frame.type === 0x0800 &&
        e.frame.ip.l4.proto === 1 &&
        (e.frame.ip.l4 as { type: number }).type === 5,
    ) as Extract<TimelineEvent, { type: 'packet' }>[];
    expect(redirects).toHaveLength(4);
    for (const p of redirects) {
      const fate = r.events.find((e) => e.type === 'drop' && e.pkt === p.pkt) as Extract<
        TimelineEvent,
        { type: 'drop' }
      >;
      expect(fate?.reason).toBe('nat-icmp-redirect');
      expect(r.events.some((e) => e.type === 'chain' && e.pkt === p.pkt)).toBe(false);
    }
    expect(
      at(r.events, 'pod-a').some(
        (e) => e.type === 'rcv' && e.frame.type === 0x0800 && e.frame.ip.l4.proto === 1,
      ),
    ).toBe(false);
  });

  it('SYNs go out at 0, 1, 2, 3 s and a retransmission due with the 4 s timeout is not sent', () => {
    const r = runScenario(scenario('same-bridge-hairpin'));
    const syns = r.events.filter(
      (e) =>
        e.type === 'xmit' &&
        e.host === 'pod-a' &&
        e.frame.type === 0x0800 &&
        e.frame.ip.l4.proto === 6 &&
        (e.frame.ip.l4.flags & 0x12) === 0x02,
    );
    expect(syns.map((e) => Math.floor(e.t / 1_000_000))).toEqual([0, 1, 2, 3]);
  });

  it('an ICMP net unreachable ends connect() at once with ENETUNREACH (stateless-dnat, notrack)', () => {
    const r = runScenario(scenario('stateless-dnat'), { settings: { 'edge:variant': 'notrack' } });
    const o = r.outcomes.find((x) => x.proto === 'tcp' && x.from === 'user')!;
    expect(o.ok).toBe(false);
    expect(o.reason).toMatch(/ENETUNREACH/);
    const ev = r.events.find((e) => e.type === 'outcome' && e.conn === o.conn)!;
    expect(ev.t).toBeLessThan(100_000);
  });

  it('a frame the bridge hands up to the IP stack is routed, not bridged (docker-port-publish)', () => {
    const r = runScenario(scenario('docker-port-publish'));
    const fwd = r.events.filter(
      (e) => e.type === 'hook' && e.host === 'host' && e.hook === 'FORWARD',
    ) as Extract<TimelineEvent, { type: 'hook' }>[];
    expect(fwd.length).toBeGreaterThan(0);
    for (const e of fwd) expect(e.bridged ?? false).toBe(false);
  });

  it('with bnf=1 a bridged DNAT keeps TTL 64 and walks FORWARD as -i cni0 -o cni0', () => {
    const r = runScenario(scenario('same-bridge-hairpin'), {
      settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' },
    });
    const node = at(r.events, 'node');
    expect(node.some((e) => e.type === 'rewrite' && e.what === 'ttl')).toBe(false);
    const fwd = node.filter((e) => e.type === 'hook' && e.hook === 'FORWARD') as Extract<
      TimelineEvent,
      { type: 'hook' }
    >[];
    for (const e of fwd) expect([e.in, e.out, e.bridged]).toEqual(['cni0', 'cni0', true]);
  });
});
