import { describe, expect, it } from 'vitest';
import { runScenario } from '../engine/index';
import { builtinScenarios } from '../scenarios/index';
import { narrate, packetAccount, runAccount } from './narrate';
import { indexTimeline, isMeaningful, stepBackward, stepForward } from './timeline';

const hairpin = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;

describe('plain-language account', () => {
  it('narrates every event of every built-in scenario in both languages', () => {
    for (const s of builtinScenarios) {
      const r = runScenario(s);
      for (const e of r.events.slice(0, 3000)) {
        const en = narrate(e, 'en');
        const zh = narrate(e, 'zh');
        expect(en.length).toBeGreaterThan(3);
        expect(zh).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('tells the failing hairpin from the working one, naming the sysctl', () => {
    const off = runScenario(hairpin, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '0' } });
    const on = runScenario(hairpin, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } });
    const offText = runAccount(off, indexTimeline(off.events), off.events.length, 'en').join('\n');
    const onText = runAccount(on, indexTimeline(on.events), on.events.length, 'en').join('\n');
    expect(offText).toContain('net.bridge.bridge-nf-call-iptables = 0');
    expect(offText).toContain('0 connection(s) succeeded, 1 failed');
    expect(onText).toContain('net.bridge.bridge-nf-call-iptables = 1');
    expect(onText).toContain('1 connection(s) succeeded, 0 failed');
    expect(onText).toMatch(/DNAT rewrites the packet/);
  });

  it('stops the packet story at the playhead', () => {
    const r = runScenario(hairpin);
    const ix = indexTimeline(r.events);
    const first = ix.packets[0]!;
    const all = packetAccount(r, ix, first.pkt, r.events.length, 'en');
    const some = packetAccount(r, ix, first.pkt, first.index + 1, 'en');
    expect(some).toHaveLength(1);
    expect(all.length).toBeGreaterThan(1);
  });
});

describe('timeline index', () => {
  it('pairs every xmit to another host with its rcv, and steps over meaningful events only', () => {
    const r = runScenario(hairpin);
    const ix = indexTimeline(r.events);
    expect(ix.flights.length).toBe(r.events.filter((e) => e.type === 'xmit' && e.to).length);
    for (const f of ix.flights) {
      const x = r.events[f.i]!;
      const v = r.events[f.j]!;
      expect(x.type).toBe('xmit');
      expect(v.type).toBe('rcv');
      expect(f.j).toBeGreaterThan(f.i);
    }
    let p = 0;
    let steps = 0;
    while (p < r.events.length) {
      const q = stepForward(ix, p);
      expect(isMeaningful(r.events[q - 1]!)).toBe(true);
      expect(stepBackward(ix, q)).toBeLessThanOrEqual(p === 0 ? 0 : p);
      p = q;
      steps++;
    }
    expect(steps).toBe(r.events.filter(isMeaningful).length);
  });
});
