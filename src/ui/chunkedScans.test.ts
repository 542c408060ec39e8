// Issue 8: on the UI thread a run's timeline is text in chunks, parsed where a view reads
// (worker/chunkedTimeline.ts). Seeking, stepping, share-link moments, lessons, the account
// and console changes must read the index's columns, never scan the events: on a timeline of
// a million events a scan parses every chunk, for seconds. Here the timeline arrives in chunks
// of 8 events (a hundred chunks for a built-in run) and each action may parse only a few.
import { describe, expect, it } from 'vitest';
import { builtinScenarios } from '../scenarios/index';
import { chunkedTimelineOf } from '../worker/chunkedTimeline';
import { EngineClient, type Transport } from '../worker/client';
import { createDispatcher } from '../worker/dispatch';
import { realEngine } from '../worker/engineApi';
import type { ResponseMessage } from '../worker/protocol';
import { findPacket, packetKey, playheadOf, positionAt } from './links/moment';
import { settle } from './memoryWorkers';
import { packetAccount, runAccount } from './narrate';
import { packetLabel } from './packetLabel';
import { createAppStore } from './store';
import {
  changeAt,
  currentHost,
  currentPacket,
  indexTimeline,
  stepBackward,
  stepForward,
  timeAt,
  TimelineIndexer,
  touchedEntry,
} from './timeline';

const PER = 8;

/** Workers over the real engine whose messages are structured-cloned, as postMessage does. */
function realTransport(): Transport {
  const d = createDispatcher(realEngine, { eventsPerMessage: PER });
  let deliver!: (m: ResponseMessage) => void;
  let alive = true;
  return {
    post: (m) => {
      const req = structuredClone(m);
      queueMicrotask(async () => {
        const r = await d.handle(req, (x) => alive && deliver(structuredClone(x)));
        if (alive) deliver(structuredClone(r));
      });
    },
    listen(onMessage) {
      deliver = onMessage;
      queueMicrotask(() => onMessage(d.ready()));
    },
    terminate() {
      alive = false;
    },
  };
}

const SCENARIO = 'conntrack-table-full';

async function chunkedRun(id: string) {
  const c = new EngineClient(realTransport());
  await c.ready;
  const ix = new TimelineIndexer();
  const r = await c.request(
    'run',
    { scenario: builtinScenarios.find((s) => s.id === id)!, settings: {} },
    { onEvents: (chunk) => ix.addChunk(chunk.index) },
  );
  const tl = chunkedTimelineOf(r.result.events)!;
  return { r, ix: ix.finish(), tl };
}

describe('whole-timeline reads on the UI thread (issue 8)', () => {
  it('the index built in the worker, chunk by chunk, is the one built from the events', async () => {
    for (const s of builtinScenarios) {
      const { r, ix, tl } = await chunkedRun(s.id);
      expect(tl.parses).toBe(0);
      const plain = JSON.parse(JSON.stringify(r.result.events.slice()));
      expect(ix).toEqual(indexTimeline(plain));
    }
  });

  it('stepping, naming and finding moments, the account and a change parse a few chunks, not all', async () => {
    const { r, ix, tl } = await chunkedRun(SCENARIO);
    const events = r.result.events;
    const n = events.length;
    expect(tl.chunks).toBeGreaterThan(80);
    expect(tl.parses).toBe(0);
    let p = 0;
    let steps = 0;
    while (p < n) {
      p = stepForward(ix, p);
      steps++;
    }
    while (p > 0) p = stepBackward(ix, p);
    expect(steps).toBeGreaterThan(50);
    for (let q = 0; q <= n; q += 7) {
      currentPacket(ix, q);
      currentHost(ix, q);
      timeAt(ix, q);
      expect(playheadOf(ix, positionAt(ix, q))).toBe(q);
    }
    for (const info of ix.packets) expect(findPacket(ix, packetKey(ix, info.pkt)!)).toBe(info.pkt);
    runAccount(r.result, ix, n, 'en');
    expect(tl.parses).toBe(0);
    // No such change: the columns answer without reading an event.
    expect(changeAt(ix, events, 'nowhere', 'iptables -F', 0)).toBe(-1);
    expect(tl.parses).toBe(0);
    // What a packet's views read: its own events, a few chunks.
    const pkt = ix.packets[Math.floor(ix.packets.length / 2)]!.pkt;
    touchedEntry(ix, events, pkt, n);
    packetAccount(r.result, ix, pkt, n, 'en');
    packetLabel(events, ix, pkt, n);
    expect(tl.parses).toBeLessThan(6);
  });

  it('the store: a lesson, its steps and prediction, stepping, sharing and opening the link', async () => {
    const store = createAppStore({ transport: realTransport, heartbeatMs: 0 });
    await store.getState().start('');
    const lesson = builtinScenarios.find((s) => s.id === SCENARIO)!.lessons[0]!;
    await store.getState().openLesson(SCENARIO, lesson.id, 0);
    await settle();
    const s0 = store.getState();
    const tl = chunkedTimelineOf(s0.result!.events)!;
    expect(tl.chunks).toBeGreaterThan(80);
    const before = tl.parses;
    for (let k = 0; k < lesson.steps.length; k++) {
      store.getState().lessonGo(k);
      if (lesson.steps[k]!.predict) store.getState().predict(0);
      store.getState().step();
      store.getState().stepBack();
    }
    store.getState().seek(Math.floor(s0.result!.events.length / 2));
    store.getState().end();
    const hash = store.getState().workHash();
    expect(hash).not.toBe('');
    expect(tl.parses - before).toBe(0);
    // The link opens in another tab at the same moment, reading no chunk to find it.
    const other = createAppStore({ transport: realTransport, heartbeatMs: 0 });
    await other.getState().start(hash);
    await settle();
    const o = other.getState();
    expect(o.playhead).toBe(store.getState().playhead);
    expect(chunkedTimelineOf(o.result!.events)!.parses).toBe(0);
  });

  it('a change made at the playhead: the console finds its event reading only that instant', async () => {
    const store = createAppStore({ transport: realTransport, heartbeatMs: 0 });
    await store.getState().start('');
    await store.getState().selectScenario(SCENARIO);
    const s = store.getState();
    const host = s.result!.hosts[0]!.name;
    const at = 1; // ms
    expect(
      await store.getState().setChanges([{ at, host, command: 'sysctl -w net.ipv4.ip_forward=1' }]),
    ).toBe(true);
    const after = store.getState();
    const tl = chunkedTimelineOf(after.result!.events)!;
    const before = tl.parses;
    const i = changeAt(
      after.index!,
      after.result!.events,
      host,
      'sysctl -w net.ipv4.ip_forward=1',
      at * 1000,
    );
    expect(i).toBeGreaterThanOrEqual(0);
    expect(after.result!.events[i]).toMatchObject({ type: 'change', host });
    expect(tl.parses - before).toBeLessThanOrEqual(2);
  });
});
