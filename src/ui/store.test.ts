import { describe, expect, it } from 'vitest';
import type { Transport } from '../worker/client';
import { createDispatcher } from '../worker/dispatch';
import type { ResponseMessage } from '../worker/protocol';
import { fakeEngine } from '../worker/testEngine';
import { createAppStore } from './store';

/** An in-memory worker over the real dispatcher; `kill` simulates a crash. */
function memoryWorkers() {
  const engines: ReturnType<typeof fakeEngine>[] = [];
  const kills: (() => void)[] = [];
  const transport = (): Transport => {
    const engine = fakeEngine();
    engines.push(engine);
    const d = createDispatcher(engine);
    let deliver!: (m: ResponseMessage) => void;
    let alive = true;
    return {
      post: (m) => queueMicrotask(() => alive && deliver(d.handle(m))),
      listen(onMessage, onDeath) {
        deliver = onMessage;
        kills.push(() => {
          alive = false;
          onDeath('crashed');
        });
        queueMicrotask(() => onMessage(d.ready()));
      },
      terminate() {
        alive = false;
      },
    };
  };
  return { transport, engines, kill: () => kills.at(-1)!() };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('app store', () => {
  it('starts on the default scenario and fetches a snapshot for the playhead', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport });
    await store.getState().start('');
    await settle();
    const s = store.getState();
    expect(s.scenario?.id).toBe('fixture');
    expect(s.result?.events).toHaveLength(2);
    expect(s.playhead).toBe(0);
    expect(s.snapshot?.hosts.a?.conntrack[0]?.line).toBe('at 0');
    s.end();
    await settle();
    expect(store.getState().snapshot?.index).toBe(2);
  });

  it('steps, seeks and plays by wall time at its speed', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport });
    await store.getState().start('');
    const s = store.getState();
    s.step();
    expect(store.getState().playhead).toBe(1);
    s.stepBack();
    expect(store.getState().playhead).toBe(0);
    s.setSpeed(2);
    s.play();
    for (let i = 0; i < 3; i++) s.tick(200); // 1.2 events
    expect(store.getState()).toMatchObject({ playhead: 1, playing: true });
    s.tick(5000); // a long frame (a background tab) is capped at 250 ms
    expect(store.getState()).toMatchObject({ playhead: 1, playing: true });
    for (let i = 0; i < 5; i++) s.tick(200);
    expect(store.getState()).toMatchObject({ playhead: 2, playing: false });
    s.seek(99);
    expect(store.getState().playhead).toBe(2);
  });

  it('keeps the playhead at the end when a setting re-runs the scenario', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport });
    await store.getState().start('');
    store.getState().end();
    await store.getState().setSetting('a:net.ipv4.ip_forward', '1');
    expect(store.getState()).toMatchObject({ playhead: 2, settings: { 'a:net.ipv4.ip_forward': '1' } });
  });

  it('restarts a dead worker and re-runs the same scenario and settings', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport });
    await store.getState().start('');
    await store.getState().setSetting('a:x.y', '1');
    store.getState().end();
    w.kill();
    expect(store.getState().notice).toEqual({ key: 'workerDied', detail: 'crashed' });
    await settle();
    const s = store.getState();
    expect(w.engines).toHaveLength(2);
    expect(w.engines[1]!.runs).toBe(1);
    expect(s).toMatchObject({ settings: { 'a:x.y': '1' }, playhead: 2, phase: 'ready' });
    expect(s.scenario?.id).toBe('fixture');
  });

  it('opens a share link and reproduces settings, playhead and packet', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport });
    await store.getState().start('#v=1&s=fixture&set=a:k.l=1&at=1&pkt=7');
    expect(store.getState()).toMatchObject({ playhead: 1, selectedPacket: 7, settings: { 'a:k.l': '1' } });
    const link = store.getState().share('http://x/');
    expect(link).toBe('http://x/#v=1&s=fixture&set=a%3Ak.l%3D1&at=1&pkt=7');
  });

  it('falls back to the default scenario with a clear message on a bad link', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport });
    await store.getState().start('#v=1&s=nope');
    expect(store.getState().notice).toEqual({ key: 'badLink', detail: 'no built-in scenario nope' });
    expect(store.getState().scenario?.id).toBe('fixture');
    const bad = createAppStore({ transport: memoryWorkers().transport });
    await bad.getState().start('#v=1&doc=N4XyA');
    expect(bad.getState().notice?.key).toBe('badLink');
    expect(bad.getState().scenario?.id).toBe('fixture');
  });
});
