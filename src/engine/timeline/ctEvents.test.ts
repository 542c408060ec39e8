import { describe, expect, it } from 'vitest';
import { builtinScenarios } from '../../scenarios';
import { runScenario } from '../sim/run';
import { conntrackEventLines } from './ctEvents';

const scenario = (id: string) => builtinScenarios.find((s) => s.id === id)!;

describe('conntrack -E from the timeline', () => {
  it('prints nothing for an entry whose packet died before confirmation', () => {
    // peer's SYN to host:22 is dropped at INPUT: its entry is freed unconfirmed, every retry.
    const host = conntrackEventLines(runScenario(scenario('stateful-firewall'))).host!;
    expect(host.some((l) => l.includes('dport=22'))).toBe(false);
    expect(host.filter((l) => l.startsWith('    [NEW] '))).toHaveLength(3);
  });

  it('prints an early-dropped entry as [DESTROY] with the seconds it had left', () => {
    // 12 one-query flows into a table of 8 with one bucket: early drop's window is the whole
    // table, so each new flow evicts the unassured entries before it.
    const base = scenario('conntrack-table-full');
    const flood = {
      ...base,
      hosts: base.hosts.map((h) =>
        h.name === 'server'
          ? { ...h, sysctls: { ...h.sysctls, 'net.netfilter.nf_conntrack_buckets': '1' } }
          : h,
      ),
      traffic: [
        base.traffic[0]!,
        { kind: 'udp-flood' as const, host: 'client', to: '10.0.0.2:53', at: 0, flows: 12, interval: 10 },
      ],
    };
    const r = runScenario(flood);
    const drops = r.events.filter((e) => e.type === 'conntrack' && e.op === 'early-drop').length;
    expect(drops).toBe(8);
    const destroyed = conntrackEventLines(r).server!.filter((l) => l.startsWith('[DESTROY] '));
    expect(destroyed).toHaveLength(drops);
    for (const l of destroyed) expect(l).toMatch(/^\[DESTROY\] udp {6}17 \d+ src=/);
  });

  it('stops at the index it is given, as the timeline does', () => {
    const r = runScenario(scenario('stateful-firewall'));
    expect(conntrackEventLines(r, 0)).toEqual({ host: [], peer: [] });
    const firstConfirm = r.events.findIndex((e) => e.type === 'conntrack' && e.op === 'confirmed');
    expect(conntrackEventLines(r, firstConfirm + 1).host).toHaveLength(1);
  });
});
