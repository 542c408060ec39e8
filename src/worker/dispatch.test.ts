import { describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatch';
import { PROTOCOL_VERSION, type ResponseMessage } from './protocol';
import { fakeEngine, fixedSession, fixtureScenario } from './testEngine';

function ok(r: ResponseMessage | Promise<ResponseMessage>) {
  if (r instanceof Promise) throw new Error('expected a synchronous answer');
  if (r.type !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.data as never;
}

describe('dispatcher', () => {
  it('greets with the protocol version', async () => {
    const d = createDispatcher(fakeEngine());
    expect(d.ready()).toMatchObject({ type: 'ready', data: { version: PROTOCOL_VERSION } });
  });

  it('answers each request with its id', async () => {
    const d = createDispatcher(fakeEngine());
    const r = d.handle({ messageId: 42, type: 'catalog', data: {} });
    expect(r).toMatchObject({ type: 'ok', requestId: 42 });
    expect((ok(r) as { scenarios: unknown[] }).scenarios).toHaveLength(1);
  });

  it('validates untrusted scenarios as data, not exceptions', async () => {
    const d = createDispatcher(fakeEngine());
    expect(ok(d.handle({ messageId: 1, type: 'load', data: { json: { id: 'x' }, source: 'link' } }))).toEqual(
      {
        ok: false,
        error: 'link: id: invalid',
      },
    );
  });

  it('runs, snapshots with a clamped index, and releases', async () => {
    const d = createDispatcher(fakeEngine());
    const run = ok(
      await d.handle({ messageId: 1, type: 'run', data: { scenario: fixtureScenario, settings: {} } }),
    ) as {
      runId: number;
    };
    const snap = ok(d.handle({ messageId: 2, type: 'snapshot', data: { runId: run.runId, index: 99 } })) as {
      index: number;
      now: number;
    };
    expect(snap).toMatchObject({ index: 2, now: 5 });
    expect(
      ok(d.handle({ messageId: 3, type: 'snapshot', data: { runId: run.runId, index: -3 } })),
    ).toMatchObject({
      index: 0,
    });
    expect(ok(d.handle({ messageId: 4, type: 'release', data: { runId: run.runId } }))).toEqual({
      released: true,
    });
    const gone = d.handle({ messageId: 5, type: 'snapshot', data: { runId: run.runId, index: 0 } });
    expect(gone).toMatchObject({ type: 'error', requestId: 5 });
  });

  it('answers a window of a long rules text at a playhead, and finds a rule in it', async () => {
    const d = createDispatcher(fakeEngine());
    const run = ok(
      await d.handle({ messageId: 1, type: 'run', data: { scenario: fixtureScenario, settings: {} } }),
    ) as { runId: number };
    const data = { runId: run.runId, index: 1, host: 'a', view: 'save', from: 5000, count: 3 } as const;
    expect(ok(d.handle({ messageId: 2, type: 'rules', data }))).toEqual({
      index: 1,
      view: 'save',
      total: 10_003,
      from: 5000,
      lines: ['[1:0] -A a -j R4999', '[1:0] -A a -j R5000', '[1:0] -A a -j R5001'],
      found: -1,
    });
    const find = { table: 'save', chain: 'a', rulenum: 7000 };
    const w = ok(
      d.handle({ messageId: 3, type: 'rules', data: { ...data, index: 2, from: 0, count: 1e9, find } }),
    );
    expect(w).toMatchObject({ index: 2, found: 7001, from: 0 });
    // At most MAX_RULES_LINES lines per answer, and none past the end.
    expect((w as { lines: string[] }).lines).toHaveLength(5000);
    expect(ok(d.handle({ messageId: 4, type: 'rules', data: { ...data, from: 20_000 } }))).toMatchObject({
      from: 10_003,
      lines: [],
    });
  });

  it('reads a paste into a host, with progress before the answer, and an error as data', async () => {
    let t = 0;
    const d = createDispatcher(fakeEngine(), { clock: () => (t += 200) });
    const sent: ResponseMessage[] = [];
    const input = { target: { kind: 'new', name: 'edge' }, pieces: { sysctl: 'a.b = 1' } } as const;
    const r = d.handle({ messageId: 7, type: 'import', data: { scenario: fixtureScenario, input } }, (m) =>
      sent.push(m),
    );
    expect(ok(r)).toMatchObject({
      ok: true,
      host: 'edge',
      scenario: { hosts: [{ name: 'a' }, { name: 'edge' }] },
    });
    expect(sent).toMatchObject([
      { type: 'progress', requestId: 7, data: { step: 'iptables-save', lines: 1, total: 2 } },
    ]);
    const bad = { ...input, target: { kind: 'new', name: 'bad' } } as const;
    expect(
      ok(d.handle({ messageId: 8, type: 'import', data: { scenario: fixtureScenario, input: bad } })),
    ).toEqual({
      ok: false,
      error: { kind: 'iptables-save', line: 2, message: 'Bad argument `x`' },
    });
  });

  it('serialises engine errors with name, message and stack', async () => {
    const d = createDispatcher(fakeEngine());
    const r = await d.handle({
      messageId: 7,
      type: 'run',
      data: { scenario: fixtureScenario, settings: { crash: '1' } },
    });
    expect(r.type).toBe('error');
    if (r.type !== 'error') return;
    expect(r.requestId).toBe(7);
    expect(r.data.name).toBe('TypeError');
    expect(r.data.message).toBe('engine exploded');
    expect(r.data.stack).toContain('engine exploded');
  });

  it('evicts old runs but keeps the recent ones', async () => {
    const d = createDispatcher(fakeEngine());
    const ids: number[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        (
          ok(
            await d.handle({ messageId: i, type: 'run', data: { scenario: fixtureScenario, settings: {} } }),
          ) as {
            runId: number;
          }
        ).runId,
      );
    expect(
      (await d.handle({ messageId: 10, type: 'snapshot', data: { runId: ids[0]!, index: 0 } })).type,
    ).toBe('error');
    expect(
      (await d.handle({ messageId: 11, type: 'snapshot', data: { runId: ids[5]!, index: 0 } })).type,
    ).toBe('ok');
  });

  it('rejects an unknown request type as an error response', async () => {
    const d = createDispatcher(fakeEngine());
    const r = d.handle({ messageId: 3, type: 'bogus', data: {} } as never);
    expect(r).toMatchObject({ type: 'error', requestId: 3, data: { message: 'unknown request type bogus' } });
  });

  it("reports a run's progress through emit between slices, spaced in wall time, before the answer", async () => {
    const engine = fakeEngine();
    engine.startRun = (sc, st) => ({ ok: true, result: fixedSession(() => engine.runScenario(sc, st), 30) });
    let now = 0;
    const d = createDispatcher(engine, { clock: () => (now += 40), yieldNow: async () => {} });
    const sent: ResponseMessage[] = [];
    const r = await d.handle(
      { messageId: 9, type: 'run', data: { scenario: fixtureScenario, settings: {} } },
      (m) => sent.push(m),
    );
    expect(r).toMatchObject({ type: 'ok', requestId: 9 });
    expect(sent.every((m) => (m.type === 'progress' || m.type === 'events') && m.requestId === 9)).toBe(true);
    const events = sent.flatMap((m) => (m.type === 'progress' ? [m.data.events] : []));
    expect(events.length).toBeGreaterThan(2);
    expect(events.length).toBeLessThan(30);
    expect([...events].sort((a, b) => a - b)).toEqual(events);
  });

  it("sends a run's timeline ahead of its answer in bounded chunks of JSON, in order", async () => {
    const engine = fakeEngine();
    const long = engine.runScenario(fixtureScenario, {});
    const many = { ...long, events: Array.from({ length: 23 }, (_, i) => ({ ...long.events[0]!, t: i })) };
    engine.startRun = () => ({ ok: true, result: fixedSession(() => many, 1) });
    const d = createDispatcher(engine, { eventsPerMessage: 5 });
    const sent: ResponseMessage[] = [];
    const r = await d.handle(
      { messageId: 4, type: 'run', data: { scenario: fixtureScenario, settings: {} } },
      (m) => sent.push(m),
    );
    const chunks = sent.flatMap((m) => (m.type === 'events' && m.requestId === 4 ? [m.data] : []));
    expect(chunks.map((c) => [c.from, c.count])).toEqual([
      [0, 5],
      [5, 5],
      [10, 5],
      [15, 5],
      [20, 3],
    ]);
    expect(chunks.flatMap((c) => JSON.parse(c.json))).toEqual(many.events);
    // The answer carries everything but the timeline, and says how much went ahead.
    expect(r).toMatchObject({
      type: 'ok',
      data: { streamed: 23, result: { events: [], outcomes: many.outcomes } },
    });
    // Without a channel (a direct call) the answer is whole.
    const whole = ok(
      await d.handle({ messageId: 5, type: 'run', data: { scenario: fixtureScenario, settings: {} } }),
    );
    expect((whole as { result: { events: unknown[] } }).result.events).toHaveLength(23);
  });

  it('a cancel ends the run in progress with the timeline so far', async () => {
    const engine = fakeEngine();
    engine.startRun = (sc, st) => ({ ok: true, result: fixedSession(() => engine.runScenario(sc, st), 1e9) });
    const d = createDispatcher(engine, { yieldNow: () => new Promise((r) => setTimeout(r, 0)) });
    const pending = d.handle({
      messageId: 1,
      type: 'run',
      data: { scenario: fixtureScenario, settings: {} },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(ok(d.handle({ messageId: 2, type: 'cancel', data: {} }))).toEqual({ cancelled: true });
    const r = await pending;
    expect(r).toMatchObject({
      type: 'ok',
      requestId: 1,
      data: { result: { stopped: { key: 'cancelled' } } },
    });
    expect(ok(d.handle({ messageId: 3, type: 'cancel', data: {} }))).toEqual({ cancelled: false });
  });

  it('a scenario that cannot start is an error answer naming the field', async () => {
    const d = createDispatcher(fakeEngine());
    const r = await d.handle({
      messageId: 4,
      type: 'run',
      data: { scenario: fixtureScenario, settings: { bad: '1' } },
    });
    expect(r).toMatchObject({ type: 'error', requestId: 4, data: { message: 'fixture: hosts[0]: bad' } });
  });

  it('answers a ping', async () => {
    const d = createDispatcher(fakeEngine());
    expect(ok(d.handle({ messageId: 1, type: 'ping', data: {} }))).toEqual({ pong: true });
  });
});
