import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import hairpin from '../../scenarios/same-bridge-hairpin.json';
import type { RunResult } from '../api';
import { parseScenario } from '../scenario/load';
import type { Scenario, TrafficSpec } from '../scenario/schema';
import { builtinScenarios } from '../../scenarios';
import { formatConntrackL } from '../conntrack';
import { settingRuns } from '../scenario/variants';
import { checkFates } from '../timeline/fates';
import { stateAt } from '../timeline/replay';
import { runScenario, simulate } from './run';

const base = (() => {
  const r = parseScenario(hairpin, 'same-bridge-hairpin.json');
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
})();

const hosts = ['pod-a', 'pod-b', 'node'] as const;
const addrs = ['10.244.1.1', '10.244.1.2', '10.244.1.3', '10.96.0.10', '10.9.9.9'];
const trafficArb: fc.Arbitrary<TrafficSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('tcp-connect' as const),
    host: fc.constantFrom(...hosts),
    to: fc.tuple(fc.constantFrom(...addrs), fc.constantFrom(80, 8080, 22)).map(([a, p]) => `${a}:${p}`),
    at: fc.integer({ min: 0, max: 3000 }),
    timeout: fc.constantFrom(1500, 4000),
  }),
  fc.record({
    kind: fc.constant('udp-send' as const),
    host: fc.constantFrom(...hosts),
    to: fc.tuple(fc.constantFrom(...addrs), fc.constantFrom(53, 8080)).map(([a, p]) => `${a}:${p}`),
    at: fc.integer({ min: 0, max: 3000 }),
    send: fc.constant('q'),
    timeout: fc.constant(1000),
    connected: fc.boolean(),
    more: fc.array(fc.record({ at: fc.integer({ min: 0, max: 5000 }), send: fc.constant('again') }), {
      maxLength: 2,
    }),
  }),
  fc.record({
    kind: fc.constant('tcp-session' as const),
    host: fc.constantFrom(...hosts),
    to: fc.tuple(fc.constantFrom(...addrs), fc.constantFrom(80, 8080)).map(([a, p]) => `${a}:${p}`),
    at: fc.integer({ min: 0, max: 3000 }),
    timeout: fc.constant(4000),
    actions: fc.array(
      fc.oneof(
        fc.record({ at: fc.integer({ min: 0, max: 6000 }), send: fc.constant('hello\n') }),
        fc.record({ at: fc.integer({ min: 0, max: 6000 }), close: fc.constant(true as const) }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant('ping' as const),
    host: fc.constantFrom(...hosts),
    to: fc.constantFrom(...addrs),
    at: fc.integer({ min: 0, max: 3000 }),
    count: fc.integer({ min: 1, max: 2 }),
    timeout: fc.constant(1000),
  }),
) as fc.Arbitrary<TrafficSpec>;

function withTraffic(extra: TrafficSpec[], bnf: string, seed: number): Scenario {
  return {
    ...base,
    seed,
    traffic: [...base.traffic, ...extra],
    hosts: base.hosts.map((h) =>
      h.name === 'node' ? { ...h, sysctls: { ...h.sysctls, 'net.bridge.bridge-nf-call-iptables': bnf } } : h,
    ),
  };
}

describe('runScenario invariants', () => {
  it('every packet ends with exactly one recorded fate, and every client item one outcome', () => {
    fc.assert(
      fc.property(
        fc.array(trafficArb, { maxLength: 5 }),
        fc.constantFrom('0', '1'),
        fc.integer(),
        (extra, bnf, seed) => {
          const r = runScenario(withTraffic(extra, bnf, seed));
          expect(checkFates(r.events)).toBeUndefined();
          expect(r.outcomes.length).toBe(
            r.scenario.traffic.filter((t) => !t.kind.endsWith('-listen') && t.kind !== 'tcp-inject').length,
          );
          expect(r.outcomes.every((o) => o.reason !== 'still running when the run ended')).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('same input, same timeline, byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(trafficArb, { maxLength: 4 }),
        fc.constantFrom('0', '1'),
        fc.integer(),
        (extra, bnf, seed) => {
          const s = withTraffic(extra, bnf, seed);
          const a: RunResult = runScenario(s);
          const b: RunResult = runScenario(structuredClone(s));
          expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
          expect(b.outcomes).toEqual(a.outcomes);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a run cut at any moment (--at) is the full run up to that moment, its tables included', () => {
    const runs = builtinScenarios.flatMap((s) => settingRuns(s).map((run) => ({ s, run })));
    fc.assert(
      fc.property(
        fc.constantFrom(...runs.keys()),
        fc.oneof(fc.integer({ min: 0, max: 6_000_000 }), fc.integer({ min: 0, max: 200_000_000 })),
        (k, at) => {
          const { s, run } = runs[k]!;
          const full = runScenario(s, { settings: run.settings });
          const cut = runScenario(s, { settings: run.settings, until: at });
          const past = full.events.filter((e) => e.t <= at);
          expect(cut.endTime).toBe(at);
          expect(JSON.stringify(cut.events.slice(0, past.length))).toBe(JSON.stringify(past));
          // Past the full run's end only timers go on: each further event is an entry expiring.
          for (const e of cut.events.slice(past.length)) {
            expect(e.t).toBeGreaterThan(full.endTime);
            expect(e.type === 'conntrack' && e.op === 'destroy' && e.entry.expiresAt === e.t).toBe(true);
          }
          // What conntrack -L prints at `at`: the same whether the run was cut there or not.
          const lines = (r: RunResult, n: number) => {
            const st = stateAt(r, n);
            return r.hosts.map((h) =>
              (st.conntrack[h.name] ?? [])
                .filter((e) => e.expiresAt > at)
                .map((e) => formatConntrackL(e, at)),
            );
          };
          expect(lines(cut, cut.events.length)).toEqual(lines(full, past.length));
          const end = stateAt(cut, cut.events.length);
          for (const h of cut.hosts)
            for (const e of end.conntrack[h.name] ?? []) expect(e.expiresAt).toBeGreaterThan(at);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('times are non-decreasing along the timeline', () => {
    const r = runScenario(base);
    for (let i = 1; i < r.events.length; i++)
      expect(r.events[i]!.t).toBeGreaterThanOrEqual(r.events[i - 1]!.t);
  });

  it('refuses what only shows when building, naming the field, without throwing', () => {
    const bad = {
      ...base,
      hosts: base.hosts.map((h) =>
        h.name === 'node' ? { ...h, iptables_save: '*nat\n-A NOPE -j ACCEPT\nCOMMIT\n' } : h,
      ),
    };
    const r = simulate(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/same-bridge-hairpin: hosts\[0\]\.iptables_save: line 2/);
    const badSet = simulate(base, { settings: { 'nohost:net.ipv4.ip_forward': '1' } });
    expect(badSet).toEqual({ ok: false, error: '--set nohost:net.ipv4.ip_forward=1: no host named nohost' });
  });

  it('tells the hairpin story of design.md: 0 fails with RST, 1 succeeds through the VIP', () => {
    const off = runScenario(base, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '0' } });
    expect(off.outcomes[0]!.ok).toBe(false);
    expect(off.outcomes[0]!.line).toMatch(/pod-a -> 10\.96\.0\.10:80 tcp failed: .*10\.244\.1\.3:8080.*RST/);
    const on = runScenario(base, { settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' } });
    expect(on.outcomes[0]!.ok).toBe(true);
    expect(on.outcomes[0]!.line).toMatch(/from 10\.96\.0\.10:80/);
  });
});

describe('ip_forward', () => {
  // The kernel stores any int and forwards when it is non-zero (IN_DEV_FORWARD); seen on 6.18
  // with `sysctl -w net.ipv4.ip_forward=2` (and -1) in a router namespace.
  it('forwards for any non-zero value, as the kernel does', async () => {
    const { default: gw } = await import('../../scenarios/snat-gateway.json');
    const r = parseScenario(gw, 'snat-gateway.json');
    if (!r.ok) throw new Error(r.error);
    const oks = (v: string) => {
      const o = simulate(r.scenario, { settings: { 'gateway:net.ipv4.ip_forward': v } });
      if (!o.ok) throw new Error(o.error);
      return o.result.outcomes.map((x) => x.ok);
    };
    expect(oks('1').every(Boolean)).toBe(true);
    expect(oks('2')).toEqual(oks('1'));
    expect(oks('-1')).toEqual(oks('1'));
    expect(oks('0').some(Boolean)).toBe(false);
  });
});
