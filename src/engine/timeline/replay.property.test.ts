import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinScenarios } from '../../scenarios';
import rstKilledSyn from '../../cli/testdata/rst-killed-syn.json';
import type { LiveTables, RunResult, Settings } from '../api';
import { parseScenario } from '../scenario/load';
import type { Scenario, TrafficSpec } from '../scenario/schema';
import { settingRuns } from '../scenario/variants';
import { runScenario } from '../sim/run';
import { stateAt } from './replay';
import { hostViews } from './views';

// The views (the app's conntrack tables, --format conntrack|proc|json) are folded from the
// timeline. Whatever the run did, the fold at any quiet moment must be exactly the live table
// the engine held then: no entry kept after it left, none missing, none stale.

function runObserved(s: Scenario, settings: Settings = {}): { r: RunResult; live: LiveTables[] } {
  const live: LiveTables[] = [];
  const r = runScenario(s, { settings, observe: (l) => live.push(l) });
  return { r, live };
}

/** The first moment where the replay and the live table differ, as a readable message, or undefined. */
function firstMismatch(r: RunResult, live: readonly LiveTables[]): string | undefined {
  for (const l of live) {
    const st = stateAt(r, l.index);
    for (const h of r.hosts) {
      const want = l.conntrack[h.name] ?? [];
      const got = st.conntrack[h.name] ?? [];
      if (JSON.stringify(got) !== JSON.stringify(want))
        return `${r.scenario.id} at event ${l.index} (t=${l.now} µs) on ${h.name}: replay has [${got.map((e) => e.id)}], live table [${want.map((e) => e.id)}]`;
    }
  }
  return undefined;
}

const rstScenario = (() => {
  const p = parseScenario(rstKilledSyn, 'rst-killed-syn.json');
  if (!p.ok) throw new Error(p.error);
  return p.scenario;
})();

describe('replayed conntrack tables equal the live ones', () => {
  it('a SYN answered only by a RST leaves nothing, in every view rebuilt from the timeline', () => {
    const { r, live } = runObserved(rstScenario);
    expect(r.outcomes[0]!.reason).toMatch(/ECONNREFUSED/);
    expect(firstMismatch(r, live)).toBeUndefined();
    // The killed entry is gone at once, not held as CLOSE until its SYN_SENT timer runs out.
    const rst = r.events.findIndex((e) => e.type === 'conntrack' && e.op === 'destroy');
    expect(rst).toBeGreaterThan(0);
    for (const i of [rst + 1, r.events.length]) {
      expect(stateAt(r, i).conntrack.host).toEqual([]);
      expect(hostViews(r, i).hosts.host!.conntrack).toEqual([]);
    }
  });

  it('for every built-in scenario in each of its settings', () => {
    for (const s of builtinScenarios)
      for (const run of settingRuns(s)) {
        const { r, live } = runObserved(s, run.settings);
        expect(live.length).toBeGreaterThan(0);
        expect(firstMismatch(r, live), `${s.id} ${run.label}`).toBeUndefined();
      }
  });

  it('for generated traffic on every built-in topology, closed ports and unrouted addresses included', () => {
    const bases = [...builtinScenarios, rstScenario];
    // Generated from the scenario's id, so a counterexample prints short.
    const byId = new Map(bases.map((s) => [s.id, s]));
    const gen = fc.constantFrom(...byId.keys()).chain((id) => {
      const s = byId.get(id)!;
      const hosts = s.hosts.map((h) => h.name);
      const addrs = [
        ...new Set([
          ...s.hosts.flatMap((h) => h.interfaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]!))),
          ...s.traffic.flatMap((t) => ('to' in t ? [t.to.split(':')[0]!] : [])),
          '10.9.9.9',
        ]),
      ];
      const ports = [
        ...new Set([...s.traffic.flatMap((t) => ('port' in t ? [t.port] : [])), 22, 53, 80, 81]),
      ];
      const at = fc.integer({ min: 0, max: 4000 });
      const ep = fc.tuple(fc.constantFrom(...addrs), fc.constantFrom(...ports)).map(([a, p]) => `${a}:${p}`);
      const traffic: fc.Arbitrary<TrafficSpec> = fc.oneof(
        fc.record({
          kind: fc.constant('tcp-connect' as const),
          host: fc.constantFrom(...hosts),
          to: ep,
          at,
          send: fc.constant('hi'),
          timeout: fc.constantFrom(800, 3000),
        }),
        fc.record({
          kind: fc.constant('udp-send' as const),
          host: fc.constantFrom(...hosts),
          to: ep,
          at,
          send: fc.constant('q'),
          timeout: fc.constant(1000),
        }),
        fc.record({
          kind: fc.constant('ping' as const),
          host: fc.constantFrom(...hosts),
          to: fc.constantFrom(...addrs),
          at,
          count: fc.integer({ min: 1, max: 2 }),
          timeout: fc.constant(1000),
        }),
      ) as fc.Arbitrary<TrafficSpec>;
      return fc.record({
        id: fc.constant(id),
        run: fc.constantFrom(...settingRuns(s)),
        extra: fc.array(traffic, { maxLength: 5 }),
        seed: fc.integer(),
      });
    });
    fc.assert(
      fc.property(gen, ({ id, run, extra, seed }) => {
        const s = byId.get(id)!;
        const { r, live } = runObserved({ ...s, seed, traffic: [...s.traffic, ...extra] }, run.settings);
        expect(firstMismatch(r, live)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});
