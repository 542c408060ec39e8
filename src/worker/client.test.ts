import { describe, expect, it, vi } from 'vitest';
import { EngineClient, InputError, READY_MS, type Transport } from './client';
import { createDispatcher } from './dispatch';
import { type RequestMessage, type ResponseMessage, WorkerDiedError, WorkerError } from './protocol';
import { fakeEngine, fixtureScenario } from './testEngine';

/** A transport that answers through the real dispatcher, asynchronously, unless told to hold. */
function fakeTransport(opts: { hold?: boolean; version?: number } = {}) {
  const d = createDispatcher(fakeEngine());
  let onMessage!: (m: ResponseMessage) => void;
  let onDeath!: (r: string) => void;
  const held: RequestMessage[] = [];
  let terminated = false;
  const t: Transport & { crash(reason: string): void; held: RequestMessage[]; terminated(): boolean } = {
    held,
    terminated: () => terminated,
    post(msg) {
      if (opts.hold) held.push(msg);
      else queueMicrotask(async () => onMessage(await d.handle(msg, (m) => onMessage(m))));
    },
    listen(m, death) {
      onMessage = m;
      onDeath = death;
      const ready = d.ready();
      queueMicrotask(() =>
        onMessage(
          ready.type === 'ready'
            ? { ...ready, data: { version: opts.version ?? ready.data.version } }
            : ready,
        ),
      );
    },
    terminate() {
      terminated = true;
    },
    crash: (reason) => onDeath(reason),
  };
  return t;
}

describe('EngineClient', () => {
  it('resolves requests with typed results', async () => {
    const c = new EngineClient(fakeTransport());
    await c.ready;
    const { runId, result } = await c.request('run', { scenario: fixtureScenario, settings: {} });
    expect(result.events).toHaveLength(2);
    const snap = await c.request('snapshot', { runId, index: 1 });
    expect(snap.hosts.a?.conntrack[0]?.line).toBe('at 1');
  });

  it('turns error responses into rejected promises carrying the worker-side name', async () => {
    const c = new EngineClient(fakeTransport());
    const p = c.request('run', { scenario: fixtureScenario, settings: { crash: '1' } });
    await expect(p).rejects.toBeInstanceOf(WorkerError);
    await expect(p).rejects.toMatchObject({ name: 'TypeError', message: 'engine exploded' });
  });

  it('rejects every pending request when the worker dies, and every later one', async () => {
    const t = fakeTransport({ hold: true });
    const c = new EngineClient(t);
    const deaths: string[] = [];
    c.onDeath((r) => deaths.push(r));
    const a = c.request('catalog', {});
    const b = c.request('snapshot', { runId: 1, index: 0 });
    expect(c.pendingCount).toBe(2);
    t.crash('out of memory');
    await expect(a).rejects.toBeInstanceOf(WorkerDiedError);
    await expect(b).rejects.toThrow('out of memory');
    expect(c.pendingCount).toBe(0);
    expect(c.dead).toBe(true);
    expect(deaths).toEqual(['out of memory']);
    await expect(c.request('catalog', {})).rejects.toBeInstanceOf(WorkerDiedError);
  });

  it('rejects pending requests on terminate', async () => {
    const t = fakeTransport({ hold: true });
    const c = new EngineClient(t);
    const a = c.request('catalog', {});
    c.terminate();
    expect(t.terminated()).toBe(true);
    await expect(a).rejects.toThrow('terminated');
  });

  it('treats a worker speaking another protocol version as dead', async () => {
    const c = new EngineClient(fakeTransport({ version: 999 }));
    await expect(c.ready).rejects.toThrow('protocol 999');
    expect(c.dead).toBe(true);
  });

  it('fails only the one request whose data cannot be posted', async () => {
    const t = fakeTransport();
    const post = t.post;
    t.post = (m) => {
      if (m.type === 'load') throw new Error('DataCloneError');
      post(m);
    };
    const c = new EngineClient(t);
    await expect(c.request('load', { json: {}, source: 'x' })).rejects.toThrow('DataCloneError');
    await expect(c.request('catalog', {})).resolves.toMatchObject({ scenarios: [{ id: 'fixture' }] });
  });

  it('declares a silent worker dead, terminates it and fails its requests', async () => {
    vi.useFakeTimers();
    try {
      const t = fakeTransport({ hold: true });
      const c = new EngineClient(t);
      const deaths: string[] = [];
      c.onDeath((r) => deaths.push(r));
      const p = c.request('ping', {}, { silenceMs: 1000 });
      const caught = p.catch((e: Error) => e);
      await vi.advanceTimersByTimeAsync(999);
      expect(c.dead).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await caught).toBeInstanceOf(WorkerDiedError);
      expect(deaths).toEqual(['no answer to ping within 1 s']);
      expect(t.terminated()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a run alive while it reports progress, and passes the progress on', async () => {
    vi.useFakeTimers();
    try {
      const t = fakeTransport({ hold: true });
      let deliver!: (m: import('./protocol').ResponseMessage) => void;
      const listen = t.listen;
      t.listen = (m, d) => {
        deliver = m;
        listen(m, d);
      };
      const c = new EngineClient(t);
      const seen: number[] = [];
      const p = c.request(
        'run',
        { scenario: fixtureScenario, settings: {} },
        {
          silenceMs: 1000,
          onProgress: (x) => seen.push(x.events),
        },
      );
      const failed = p.catch((e: Error) => e.message);
      const id = t.held[0]!.messageId;
      for (let i = 1; i <= 5; i++) {
        await vi.advanceTimersByTimeAsync(800);
        deliver({
          messageId: 100 + i,
          type: 'progress',
          requestId: id,
          data: { events: i * 10, now: i, horizon: 10 },
        });
      }
      expect(c.dead).toBe(false);
      expect(seen).toEqual([10, 20, 30, 40, 50]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await failed).toBe('no answer to run within 1 s');
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives a worker that never greets a deadline', async () => {
    vi.useFakeTimers();
    try {
      const t = fakeTransport({ hold: true });
      t.listen = () => {}; // the script never loaded: not a word, not an error
      const c = new EngineClient(t);
      await vi.advanceTimersByTimeAsync(READY_MS);
      await expect(c.ready).rejects.toThrow('did not start');
      expect(t.terminated()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses data too deep to clone before posting it, and lives on', async () => {
    const t = fakeTransport();
    const c = new EngineClient(t);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const p = c.request('load', { json: deep, source: 'link' });
    await expect(p).rejects.toBeInstanceOf(InputError);
    await expect(p).rejects.toThrow('nested deeper than 64 levels at json[0][0]');
    await expect(c.request('catalog', {})).resolves.toMatchObject({ scenarios: [{ id: 'fixture' }] });
  });
});
