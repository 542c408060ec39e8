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
    const r = runScenario(scenario('conntrack-table-full'), {
      settings: { 'server:net.netfilter.nf_conntrack_max': '8' },
    });
    const drops = r.events.filter((e) => e.type === 'conntrack' && e.op === 'early-drop').length;
    expect(drops).toBeGreaterThan(0);
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
