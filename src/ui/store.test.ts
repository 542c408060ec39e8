import { compressToEncodedURIComponent } from 'lz-string';
import { describe, expect, it } from 'vitest';
import { fixedSession } from '../worker/testEngine';
import { memoryWorkers, settle } from './memoryWorkers';
import { createAppStore, STOP_GRACE_MS } from './store';

describe('app store', () => {
  it('starts on the default scenario and fetches a snapshot for the playhead', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
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
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
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
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store.getState().start('');
    store.getState().end();
    await store.getState().setSetting('a:net.ipv4.ip_forward', '1');
    expect(store.getState()).toMatchObject({ playhead: 2, settings: { 'a:net.ipv4.ip_forward': '1' } });
  });

  it('replaces a dead worker and rebuilds the same view: scenario, settings, playhead, packet', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    await store.getState().setSetting('a:x.y', '1');
    store.getState().step();
    store.getState().selectPacket(7);
    const ran = w.engines().reduce((n, e) => n + e.runs, 0);
    w.kill();
    expect(store.getState().notice).toEqual({ key: 'workerDied', detail: 'crashed' });
    await settle();
    const s = store.getState();
    expect(w.engines().reduce((n, e) => n + e.runs, 0)).toBe(ran + 1);
    expect(s).toMatchObject({ settings: { 'a:x.y': '1' }, playhead: 1, selectedPacket: 7, phase: 'ready' });
    expect(s.scenario?.id).toBe('fixture');
    expect(s.snapshot?.hosts.a?.conntrack[0]?.line).toBe('at 1');
    // Exactly one worker is left, and every other one, the crashed one too, was ended for good.
    expect(w.live()).toHaveLength(1);
    expect(w.workers.filter((x) => !x.alive && !x.terminated)).toHaveLength(0);
  });

  it('keeps the new setting when the worker dies during the re-run it asked for', async () => {
    const w = memoryWorkers({ holdRuns: true });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    const started = store.getState().start('');
    await settle();
    w.finishRuns();
    await started;
    const rerun = store.getState().setSetting('a:x.y', '1');
    await settle();
    expect(store.getState()).toMatchObject({ phase: 'running', settings: { 'a:x.y': '1' } });
    w.kill(); // the runner, mid-run
    await settle();
    expect(store.getState().notice).toEqual({ key: 'workerDied', detail: 'crashed' });
    w.finishRuns();
    await rerun;
    await settle();
    const s = store.getState();
    expect(s).toMatchObject({ phase: 'ready', settings: { 'a:x.y': '1' } });
    expect(s.result?.settings).toEqual({ 'a:x.y': '1' });
  });

  it('Stop ends the run at its next slice and shows what happened up to there', async () => {
    let endless = false;
    const w = memoryWorkers({
      tweak(e) {
        // Once set, runs go on for ever unless cancelled.
        if (endless)
          e.startRun = (sc, st) => ({ ok: true, result: fixedSession(() => e.runScenario(sc, st), 1e9) });
      },
    });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    endless = true;
    void store.getState().setSetting('a:x.y', '2');
    await settle();
    expect(store.getState().phase).toBe('running');
    store.getState().stop();
    await settle();
    await settle();
    const s = store.getState();
    expect(s).toMatchObject({
      phase: 'ready',
      settings: { 'a:x.y': '2' },
      notice: { key: 'runStopped', partial: true },
    });
    expect(s.result?.stopped?.key).toBe('cancelled');
    expect(w.live()).toHaveLength(1);
  });

  it('Stop terminates a worker that does not answer, and the view stays as it was', async () => {
    const w = memoryWorkers({ holdRuns: true });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    const started = store.getState().start('');
    await settle();
    w.finishRuns();
    await started;
    const before = store.getState().result;
    void store.getState().setSetting('a:x.y', '1');
    await settle();
    const runner = w.workers.at(-1)!;
    expect(runner.alive).toBe(true);
    store.getState().stop();
    await new Promise((r) => setTimeout(r, STOP_GRACE_MS + 50));
    expect(runner.terminated).toBe(true);
    expect(store.getState()).toMatchObject({
      phase: 'ready',
      settings: {},
      notice: { key: 'runStopped', partial: false },
    });
    expect(store.getState().result).toBe(before);
    w.finishRuns();
    await settle();
    expect(store.getState().result).toBe(before);
    store.getState().seek(2);
    await settle();
    expect(store.getState().snapshot?.index).toBe(2);
  });

  it('a run stopped by a budget lands with a notice naming the budget', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    const next = w.workers.length;
    const run = store.getState().setSetting('a:x.y', '1');
    await Promise.resolve();
    const engine = w.workers[next]!.engine;
    const stop = {
      key: 'storm',
      params: { frames: 1000, bridge: 'br0', host: 'a' },
      text: 'storm: stopped after 1000 frames',
    } as const;
    engine.startRun = (sc, st) => ({
      ok: true,
      result: fixedSession(() => ({ ...engine.runScenario(sc, st), stopped: stop })),
    });
    await run;
    expect(store.getState().notice).toEqual({
      key: 'runBudget',
      detail: 'storm: stopped after 1000 frames',
      stop: { key: 'storm', params: stop.params },
    });
  });

  it('a new choice cancels the run in progress', async () => {
    const w = memoryWorkers({ holdRuns: true });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    const started = store.getState().start('');
    await settle();
    w.finishRuns();
    await started;
    void store.getState().setSetting('a:x.y', '1');
    await settle();
    const first = w.workers.at(-1)!;
    const second = store.getState().setSetting('a:x.y', '0');
    expect(first.terminated).toBe(true);
    await settle();
    w.finishRuns();
    await second;
    expect(store.getState()).toMatchObject({ phase: 'ready', settings: { 'a:x.y': '0' } });
    expect(w.live()).toHaveLength(1);
  });

  it('shows the progress of a run', async () => {
    const w = memoryWorkers({ holdRuns: true });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    const started = store.getState().start('');
    await settle();
    const engine = w.workers.at(-1)!.engine;
    const seen: unknown[] = [];
    store.subscribe((s) => s.progress && seen.push(s.progress));
    engine.startRun = (sc, st) => ({ ok: true, result: fixedSession(() => engine.runScenario(sc, st), 4) });
    w.finishRuns();
    await started;
    expect(seen).toEqual([
      { events: 1, now: 1, horizon: 4 },
      { events: 2, now: 2, horizon: 4 },
      { events: 3, now: 3, horizon: 4 },
    ]);
    expect(store.getState().progress).toBeNull();
  });

  it('refuses a link with deeply nested JSON with a message, and opens the default', async () => {
    let deep = '1';
    for (let i = 0; i < 5000; i++) deep = `[${deep}]`;
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store
      .getState()
      .start(`#v=1&doc=${compressToEncodedURIComponent(`{"version":1,"hosts":${deep}}`)}`);
    expect(store.getState().notice).toEqual({
      key: 'badLink',
      detail:
        'the scenario in the link: nested deeper than 64 levels at hosts[0][0][0][0][0][0][0][0][0][0][0]…',
      instead: 'default',
    });
    expect(store.getState()).toMatchObject({ phase: 'ready', scenario: { id: 'fixture' } });
  });

  it('says what is wrong with a file and keeps what the user had', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store.getState().start('');
    const before = store.getState().result;
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(await store.getState().openScenarioJson(deep, 'deep.json')).toBe(false);
    expect(store.getState().notice?.detail).toMatch(/^deep\.json: nested deeper than 64 levels at a\.a\.a/);
    expect(await store.getState().openScenarioJson({ id: 'x' }, 'mine.json')).toBe(false);
    expect(store.getState().notice).toEqual({ key: 'badFile', detail: 'mine.json: id: invalid' });
    expect(store.getState().result).toBe(before);
  });

  it('opens a share link and reproduces settings, playhead and packet', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store.getState().start('#v=1&s=fixture&set=a:k.l=1&at=1&pkt=7');
    expect(store.getState()).toMatchObject({ playhead: 1, selectedPacket: 7, settings: { 'a:k.l': '1' } });
    const link = store.getState().share('http://x/');
    // Format 2 and later name the moment: the first event, at 0 µs on host a (the fake run has no packets).
    expect(link).toBe('http://x/#v=3&s=fixture&set=a%3Ak.l%3D1&at=0&ev=a+app+0');
  });

  it('falls back to the default scenario with a clear message on a bad link', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store.getState().start('#v=1&s=nope');
    expect(store.getState().notice).toEqual({
      key: 'badLink',
      detail: 'no built-in scenario nope',
      instead: 'default',
    });
    expect(store.getState().scenario?.id).toBe('fixture');
    const bad = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await bad.getState().start('#v=1&doc=N4XyA');
    expect(bad.getState().notice?.key).toBe('badLink');
    expect(bad.getState().scenario?.id).toBe('fixture');
  });

  it('searches for fixes in a worker of its own, and a cancel ends it at once', async () => {
    const w = memoryWorkers({ holdFixes: true });
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    const search = store.getState().findFixes();
    await settle();
    expect(store.getState().fixes).toMatchObject({ phase: 'searching' });
    const searcher = w.workers.at(-1)!;
    expect(searcher.held).toHaveLength(1);
    store.getState().cancelFixes();
    await search;
    expect(store.getState().fixes).toEqual({ phase: 'cancelled' });
    expect(searcher.terminated).toBe(true);
    // The run on screen is untouched and still answers.
    expect(store.getState().result?.events).toHaveLength(2);
  });

  it('applies a fix as a change at time 0 and undoes it', async () => {
    const store = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await store.getState().start('');
    await store.getState().findFixes();
    const s = store.getState();
    if (s.fixes.phase !== 'done') throw new Error(`search ended ${s.fixes.phase}`);
    const fix = s.fixes.report.fixes[0]!;
    await s.applyFix(fix);
    expect(store.getState().scenario?.changes).toEqual([{ at: 0, host: 'a', command: 'sysctl -w x=1' }]);
    expect(store.getState().applied).toHaveLength(1);
    expect(store.getState().fixes).toEqual({ phase: 'idle' });
    // The link names the built-in scenario and carries the change beside it.
    expect(store.getState().source).toEqual({
      kind: 'builtin',
      id: 'fixture',
      changes: [{ at: 0, host: 'a', command: 'sysctl -w x=1' }],
    });
    const link = store.getState().share('http://x/');
    expect(link).toContain('#v=3&s=fixture&chg=');
    await store.getState().undoFix();
    expect(store.getState().scenario?.changes).toEqual([]);
    expect(store.getState().applied).toHaveLength(0);
    expect(store.getState().source).toEqual({ kind: 'builtin', id: 'fixture' });
    // The link with the change opens on the change.
    const other = createAppStore({ transport: memoryWorkers().transport, heartbeatMs: 0 });
    await other.getState().start(link.slice(link.indexOf('#')));
    expect(other.getState().scenario?.changes).toEqual([{ at: 0, host: 'a', command: 'sysctl -w x=1' }]);
    expect(other.getState().source).toMatchObject({ kind: 'builtin', id: 'fixture' });
  });

  it('pastes a node into a new host and runs it in the worker that read it, the playhead at the end', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    const before = w.workers.length;
    const ok = await store.getState().pasteNode({
      target: { kind: 'new', name: 'edge' },
      pieces: { 'iptables-save': '*filter\nCOMMIT\n' },
    });
    expect(ok).toBe(true);
    const s = store.getState();
    expect(s.scenario?.hosts.map((h) => h.name)).toEqual(['a', 'edge']);
    expect(s.paste).toEqual({ phase: 'done', host: 'edge', notes: [] });
    expect(s.playhead).toBe(2);
    expect(s.source).toMatchObject({ kind: 'inline' });
    // One worker read the paste and ran it: no second one was started for the run.
    expect(w.workers.length).toBe(before + 1);
    expect(w.engines().at(-1)!.runs).toBe(1);
  });

  it('a refused paste says what and where, and leaves what is on screen as it was', async () => {
    const w = memoryWorkers();
    const store = createAppStore({ transport: w.transport, heartbeatMs: 0 });
    await store.getState().start('');
    const shown = store.getState().result;
    const ok = await store
      .getState()
      .pasteNode({ target: { kind: 'new', name: 'bad' }, pieces: { sysctl: 'x' } });
    expect(ok).toBe(false);
    const s = store.getState();
    expect(s.paste).toEqual({
      phase: 'failed',
      error: { kind: 'iptables-save', line: 2, message: 'Bad argument `x`' },
    });
    expect(s.result).toBe(shown);
    expect(s.scenario?.hosts.map((h) => h.name)).toEqual(['a']);
    expect(w.workers.at(-1)!.terminated).toBe(true);
  });
});
