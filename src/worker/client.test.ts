import { describe, expect, it } from 'vitest';
import { EngineClient, type Transport } from './client';
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
      else queueMicrotask(() => onMessage(d.handle(msg)));
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
});
