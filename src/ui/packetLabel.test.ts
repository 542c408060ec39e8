import { describe, expect, it } from 'vitest';
import { parseScenario } from '../engine/scenario/load';
import { runScenario } from '../engine/sim/run';
import hairpin from '../scenarios/same-bridge-hairpin.json';
import { packetLabel } from './packetLabel';
import { indexTimeline } from './timeline';

const run = (() => {
  const r = parseScenario(hairpin, 'same-bridge-hairpin.json');
  if (!r.ok) throw new Error(r.error);
  return runScenario(r.scenario, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } });
})();
const ix = indexTimeline(run.events);

describe('packetLabel', () => {
  it('shows the Service address before DNAT and the backend after it, marking the destination', () => {
    const at = run.events.findIndex((e) => e.type === 'rewrite' && e.what === 'DNAT');
    const e = run.events[at]! as { pkt: number };
    const before = packetLabel(run.events, ix, e.pkt, at)!;
    expect(before.dst).toBe('10.96.0.10:80');
    expect(before.kind).toBe('[S]');
    expect(before.changed).toBeUndefined();
    const after = packetLabel(run.events, ix, e.pkt, at + 1)!;
    expect(after.dst).toBe('10.244.1.3:8080');
    expect(after.src).toBe(before.src);
    expect(after.changed).toEqual({ side: 'dst', what: 'DNAT' });
    expect(after.host).toBe('node');
  });

  it('is absent before the packet exists', () => {
    const first = run.events.findIndex((e) => e.type === 'packet');
    const e = run.events[first]! as { pkt: number };
    expect(packetLabel(run.events, ix, e.pkt, first)).toBeUndefined();
    expect(packetLabel(run.events, ix, undefined, 10)).toBeUndefined();
  });
});
