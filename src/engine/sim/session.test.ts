import { describe, expect, it } from 'vitest';
import { hostileCases } from '../../cli/testdata/hostile';
import { builtinScenarios } from '../../scenarios';
import type { RunResult } from '../api';
import { parseScenarioText } from '../scenario/load';
import type { Scenario } from '../scenario/schema';
import { checkFates } from '../timeline/fates';
import { simulate, startRun } from './run';

function hostile(name: string): Scenario {
  const c = hostileCases.find((x) => x.name === name)!;
  const r = parseScenarioText(c.text, name);
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
}

function done(r: ReturnType<typeof simulate>): RunResult {
  if (!r.ok) throw new Error(r.error);
  return r.result;
}

describe("the timeline's size budget", () => {
  // Counts do not bound memory: each message received is quoted whole in its event's text.
  const big = 'x'.repeat(200_000);
  function chatty(messages: number): Scenario {
    const flood = JSON.parse(hostileCases.find((c) => c.name === 'udp-flood-300k-interval-1')!.text);
    const r = parseScenarioText(
      JSON.stringify({
        version: 1,
        id: 'chatty',
        hosts: flood.hosts,
        traffic: [
          { kind: 'udp-listen', host: 'b', port: 53, reply: big },
          {
            kind: 'udp-send',
            host: 'a',
            to: '10.0.0.2:53',
            send: big,
            more: Array.from({ length: messages - 1 }, (_, i) => ({ at: i + 1, send: big })),
          },
        ],
      }),
      'chatty',
    );
    if (!r.ok) throw new Error(r.error);
    return r.scenario;
  }

  it('stops a run of few but fat events that no count stops', () => {
    const r = done(simulate(chatty(60), { budgets: { timelineBytes: 8 * 2 ** 20 } }));
    expect(r.stopped).toMatchObject({ key: 'budget.bytes', params: { limit: 8 * 2 ** 20 } });
    expect(r.events.length).toBeLessThan(2_000);
    // Without it the same run records more than 8 MB of text: 60 messages and their answers,
    // each quoted whole where it is sent and where it is received.
    const all = done(simulate(chatty(60)));
    expect(all.stopped).toBeUndefined();
    const text = all.events.reduce((n, e) => n + (e.type === 'app' ? e.text.length : 0), 0);
    expect(text).toBeGreaterThan(8 * 2 ** 20);
  });
});

describe('a run in slices (RunSession)', () => {
  it('stepped 7 tasks at a time gives the timeline simulate gives, byte for byte', () => {
    for (const id of ['same-bridge-hairpin', 'conntrack-table-full', 'snat-gateway']) {
      const s = builtinScenarios.find((x) => x.id === id)!;
      const whole = done(simulate(s));
      const started = startRun(s);
      if (!started.ok) throw new Error(started.error);
      let r: ReturnType<typeof simulate> | undefined;
      let slices = 0;
      let last = -1;
      for (;;) {
        r = started.session.advance(7);
        if (r) break;
        const p = started.session.progress();
        expect(p.tasks).toBeGreaterThan(last);
        expect(p.horizon).toBeGreaterThan(0);
        last = p.tasks;
        slices++;
      }
      expect(slices).toBeGreaterThan(3);
      expect(JSON.stringify(done(r))).toBe(JSON.stringify(whole));
      expect(whole.stopped).toBeUndefined();
    }
  });

  it('cancel() ends the run with the timeline so far, a stopped event last and the outcomes undecided', () => {
    const s = builtinScenarios.find((x) => x.id === 'same-bridge-hairpin')!;
    const started = startRun(s);
    if (!started.ok) throw new Error(started.error);
    expect(started.session.advance(20)).toBeUndefined();
    const r = done(started.session.cancel());
    expect(r.stopped).toMatchObject({ key: 'cancelled', params: { tasks: 20 } });
    expect(r.events.at(-1)).toMatchObject({
      type: 'stopped',
      key: 'cancelled',
      text: 'cancelled after 20 scheduler steps',
    });
    expect(r.outcomes[0]!.line).toMatch(/failed: not decided: the run was stopped \(cancelled\)$/);
    expect(checkFates(r.events)).toBeUndefined();
    // Once over, it stays over with the same result.
    expect(started.session.advance(100)).toEqual({ ok: true, result: r });
  });

  it('shouldStop, polled every progressEvery tasks, cancels a synchronous run', () => {
    const s = builtinScenarios.find((x) => x.id === 'conntrack-table-full')!;
    const seen: number[] = [];
    const r = done(
      simulate(s, {
        progressEvery: 10,
        onProgress: (p) => seen.push(p.tasks),
        shouldStop: (p) => p.tasks >= 40,
      }),
    );
    expect(seen).toEqual([10, 20, 30, 40]);
    expect(r.stopped?.key).toBe('cancelled');
  });
});

describe('budgets (issue 8)', () => {
  it('an L2 loop is a storm: frames counted, then cut off with one stopped event', () => {
    for (const name of ['l2-loop-bridges', 'l2-loop-hosts', 'veth-loop-hairpin']) {
      const r = done(simulate(hostile(name), { budgets: { stormFrames: 200 } }));
      expect(r.stopped?.key).toBe('storm');
      expect(r.stopped!.text).toMatch(
        /^storm: stopped after \d+ frames \(a bridge loop: a frame came back to br0 on \w+/,
      );
      expect(r.stopped!.params.looped).toBe(200);
      expect(r.events.filter((e) => e.type === 'stopped')).toHaveLength(1);
      expect(r.events.at(-1)!.type).toBe('stopped');
      // What happened up to there: the ARP broadcast, flooded round and round.
      expect(r.events.filter((e) => e.type === 'bridge' && e.decision === 'flood').length).toBeGreaterThan(
        100,
      );
      expect(checkFates(r.events)).toBeUndefined();
    }
  });

  it('a loop-free bridge never counts as a storm (every built-in scenario runs to its end)', () => {
    for (const s of builtinScenarios)
      expect(done(simulate(s, { budgets: { stormFrames: 1 } })).stopped).toBeUndefined();
  });

  it('chains jumping to chains: the walk stops at rulesPerWalk and names packet, table, hook and host', () => {
    const r = done(simulate(hostile('jump-tree-15'), { budgets: { rulesPerWalk: 5000 } }));
    expect(r.stopped).toMatchObject({
      key: 'budget.rules',
      params: { limit: 5000, table: 'filter', hook: 'OUTPUT', host: 'a' },
    });
    expect(r.events.filter((e) => e.type === 'rule').length).toBeLessThanOrEqual(5000);
  });

  it('events, frames, in-flight and task budgets each stop the run and say which', () => {
    const s = builtinScenarios.find((x) => x.id === 'conntrack-table-full')!;
    const cases = [
      [{ events: 500 }, 'budget.events', 'budget: stopped after 500 timeline events'],
      [{ frames: 40 }, 'budget.frames', 'budget: stopped after 40 frames on the links'],
      [{ tasks: 30 }, 'budget.tasks', 'budget: stopped after 30 scheduler steps'],
      [{ inFlight: 5 }, 'budget.memory', 'budget: stopped with 5 packets and timers in flight at once'],
      [
        { timelineBytes: 50_000 },
        'budget.bytes',
        'budget: stopped at about 0 MB of timeline (limit 50000 bytes)',
      ],
    ] as const;
    for (const [budgets, key, text] of cases) {
      const r = done(simulate(s, { budgets }));
      expect(r.stopped).toMatchObject({ key, text });
      expect(checkFates(r.events)).toBeUndefined();
    }
  });
});
