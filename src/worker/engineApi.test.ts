// The same checks directly against the engine binding and through the client over a
// transport that structured-clones every message, as postMessage does (duckdb-wasm's
// "run each suite twice"): what the UI receives is what the engine produced.
import { describe, expect, it } from 'vitest';
import { builtinScenarios } from '../scenarios/index';
import { EngineClient, type Transport } from './client';
import { createDispatcher } from './dispatch';
import { realEngine } from './engineApi';
import { runScenario } from '../engine/index';
import type { ResponseMessage } from './protocol';

function clonedTransport(eventsPerMessage?: number): Transport {
  const d = createDispatcher(realEngine, eventsPerMessage ? { eventsPerMessage } : {});
  let deliver!: (m: ResponseMessage) => void;
  return {
    post: (m) => {
      const req = structuredClone(m);
      queueMicrotask(async () =>
        deliver(structuredClone(await d.handle(req, (x) => deliver(structuredClone(x))))),
      );
    },
    listen(onMessage) {
      deliver = onMessage;
      queueMicrotask(() => onMessage(d.ready()));
    },
    terminate() {},
  };
}

const hairpin = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;
const BNF = 'node:net.bridge.bridge-nf-call-iptables';

describe('engine binding, directly and through the client', () => {
  it('gives the same timeline both ways', async () => {
    const direct = runScenario(hairpin, { settings: { [BNF]: '1' } });
    const c = new EngineClient(clonedTransport());
    const { result } = await c.request('run', { scenario: hairpin, settings: { [BNF]: '1' } });
    expect(result.events).toEqual(direct.events);
    expect(result.outcomes).toEqual(direct.outcomes);
  });

  it('gives the same timeline when it arrives in many small chunks', async () => {
    const direct = runScenario(hairpin, { settings: { [BNF]: '0' } });
    const c = new EngineClient(clonedTransport(16));
    const seen: number[] = [];
    const { result } = await c.request(
      'run',
      { scenario: hairpin, settings: { [BNF]: '0' } },
      { onEvents: (chunk) => seen.push(chunk.from, chunk.count) },
    );
    expect(seen.length / 2).toBe(Math.ceil(direct.events.length / 16));
    expect(Math.max(...seen.filter((_, i) => i % 2 === 1))).toBe(16);
    expect(result.events).toEqual(direct.events);
  });

  for (const [bnf, ok, marks] of [
    ['0', false, ['SYN_SENT', '[UNREPLIED]']],
    ['1', true, ['[ASSURED]']],
  ] as const)
    it(`bridge-nf-call-iptables=${bnf}: outcome and conntrack -L at the end`, async () => {
      const c = new EngineClient(clonedTransport());
      const { runId, result } = await c.request('run', { scenario: hairpin, settings: { [BNF]: bnf } });
      expect(result.outcomes.map((o) => o.ok)).toEqual([ok]);
      const snap = await c.request('snapshot', { runId, index: result.events.length });
      const lines = snap.hosts.node!.conntrack.map((r) => r.line);
      expect(lines).toHaveLength(1);
      for (const m of marks) expect(lines[0]).toContain(m);
      expect(lines[0]).toMatch(/^tcp {6}6 \d+ /);
      // Counters at the playhead: the DNAT rule saw the SYN; at the start nothing is counted.
      expect(snap.hosts.node!.iptablesSave).toMatch(/\[1:60\] -A KUBE-SEP-\S+ -p tcp/);
      const start = await c.request('snapshot', { runId, index: 0 });
      expect(start.hosts.node!.conntrack).toEqual([]);
      expect(start.hosts.node!.iptablesSave).not.toMatch(/\[[1-9]\d*:\d+\] -A/);
      expect(snap.hosts.node!.iptablesList.map((x) => x.table)).toContain('nat');
    });

  it('validates untrusted scenarios with the engine schema', async () => {
    const c = new EngineClient(clonedTransport());
    const bad = await c.request('load', { json: { ...hairpin, hosts: [] }, source: 'share link' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^share link: hosts/);
    const good = await c.request('load', { json: JSON.parse(JSON.stringify(hairpin)), source: 'share link' });
    expect(good.ok).toBe(true);
  });

  it('cancels a run between slices and answers with the timeline so far', async () => {
    const flood = builtinScenarios.find((s) => s.id === 'conntrack-table-full')!;
    const big = {
      ...flood,
      traffic: [{ kind: 'udp-flood', host: 'client', to: '10.0.0.2:53', at: 0, flows: 300_000, interval: 0 }],
    } as unknown as typeof flood;
    let slices = 0;
    const d = createDispatcher(realEngine, {
      yieldNow: async () => {
        slices++;
      },
    });
    const pending = d.handle({ messageId: 1, type: 'run', data: { scenario: big, settings: {} } });
    // The first yield lets the cancel in; the run answers with what it did so far.
    await Promise.resolve();
    expect(d.handle({ messageId: 2, type: 'cancel', data: {} })).toMatchObject({ data: { cancelled: true } });
    const r = await pending;
    expect(r.type).toBe('ok');
    const { result } = (r as { data: { result: import('../engine/api').RunResult } }).data;
    expect(slices).toBeLessThanOrEqual(2);
    expect(result.stopped?.key).toBe('cancelled');
    expect(result.events.at(-1)).toMatchObject({ type: 'stopped', key: 'cancelled' });
  });
});
