// Golden links of every released format open at the moment their sender saw. Each fixture
// records that moment in words that do not depend on event or packet numbers (virtual time,
// host, event kind and detail, the selected packet's first line), so these tests say whether a
// link still shows the same point of the story under today's model.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../engine/api';
import { parseScenario, runScenario } from '../../engine/index';
import { builtinScenarios } from '../../scenarios/index';
import { decodeShareHash, encodeShareHash, type ShareState } from '../shareLink';
import { indexTimeline } from '../timeline';
import { findPacket, packetKey, playheadOf, positionAt } from './moment';

interface Fixture {
  readonly name: string;
  readonly hash: string;
  readonly expect: {
    readonly scenario: string;
    readonly settings: Record<string, string>;
    readonly moment: Record<string, unknown> | null;
    readonly packet: { host: string; label: string; t: number } | null;
    /** The console's changes the link carries (in its scenario in v2, in `chg` from v3). */
    readonly changes?: readonly unknown[];
  };
}

const DETAIL = ['hook', 'table', 'chain', 'rulenum', 'op', 'dev', 'what', 'decision', 'text', 'origin'];
function describeEvent(e: TimelineEvent): Record<string, unknown> {
  const d: Record<string, unknown> = { t: e.t, host: e.host, type: e.type };
  for (const k of DETAIL) if (k in e) d[k] = (e as unknown as Record<string, unknown>)[k];
  return d;
}

/** Opens a link as the app does (store.ts, on landing), with today's engine. */
function open(hash: string) {
  const d = decodeShareHash(hash);
  if (d.ok !== true) throw new Error(`${hash}: ${d.ok === false ? d.error : 'not a link'}`);
  const st = d.state;
  let scenario =
    st.scenario.kind === 'builtin'
      ? builtinScenarios.find((s) => s.id === (st.scenario as { id: string }).id)
      : undefined;
  const changes = st.scenario.changes;
  if (st.scenario.kind === 'inline' || changes !== undefined) {
    const json = st.scenario.kind === 'inline' ? st.scenario.json : scenario;
    const loaded = parseScenario(changes ? { ...(json as object), changes } : json, 'link');
    if (!loaded.ok) throw new Error(loaded.error);
    scenario = loaded.scenario;
  }
  const result = runScenario(scenario!, { settings: st.settings });
  const ix = indexTimeline(result.events);
  const n = result.events.length;
  const playhead = st.at.kind === 'index' ? Math.min(n, st.at.index) : playheadOf(ix, st.at);
  const pk = st.packet;
  const pkt = pk === null ? null : pk.kind === 'id' ? pk.id : findPacket(ix, pk.key);
  const info = pkt === null ? undefined : ix.packets.find((p) => p.pkt === pkt);
  return {
    state: st,
    scenario: result.scenario.id,
    result,
    ix,
    playhead,
    moment: playhead > 0 ? describeEvent(result.events[playhead - 1]!) : null,
    packet: info ? { host: info.host, label: info.label, t: result.events[info.index]!.t } : null,
  };
}

for (const version of [1, 2, 3]) {
  const file = JSON.parse(readFileSync(new URL(`./v${version}.fixtures.json`, import.meta.url), 'utf8')) as {
    links: Fixture[];
  };
  describe(`golden links of format ${version}`, () => {
    for (const f of file.links)
      it(`${f.name} opens at the same moment`, () => {
        const o = open(f.hash);
        expect(o.scenario).toBe(f.expect.scenario);
        expect(o.state.settings).toEqual(f.expect.settings);
        expect(o.moment).toEqual(f.expect.moment);
        expect(o.packet).toEqual(f.expect.packet);
        if (f.expect.changes) expect(o.result.scenario.changes).toEqual(f.expect.changes);
      });
  });
}

describe('positions survive a change of the model', () => {
  const hairpin = builtinScenarios.find((s) => s.id === 'same-bridge-hairpin')!;
  const events = runScenario(hairpin, {
    settings: { 'node:net.bridge.bridge-nf-call-iptables': '1' },
  }).events;
  const ix = indexTimeline(events);

  it('a link made today opens where it was made', () => {
    for (let p = 0; p <= events.length; p++) expect(playheadOf(ix, positionAt(ix, p))).toBe(p);
    for (const info of ix.packets) expect(findPacket(ix, packetKey(ix, info.pkt)!)).toBe(info.pkt);
  });

  it('finds the same event after packets are renumbered and new events appear around it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: events.length }),
        fc.array(fc.integer({ min: 0, max: events.length }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 1000 }),
        (playhead, inserts, shift) => {
          const pos = positionAt(ix, playhead);
          // The changed model: every packet number moves, and extra events are recorded at the
          // same instants as existing ones (a new hook, a new trace line).
          const at = new Set(inserts);
          const changed: TimelineEvent[] = [];
          let target = -1;
          const te = events[playhead - 1]!;
          events.forEach((e, i) => {
            // (An extra app event beside an app event of the same host and instant would be the
            // same moment twice: indistinguishable by design.)
            const twin = te.type === 'app' && e.t === te.t && e.host === te.host;
            if (at.has(i) && !twin) changed.push({ t: e.t, host: e.host, type: 'app', text: 'a new event' });
            changed.push(
              'pkt' in e && e.pkt !== undefined ? ({ ...e, pkt: e.pkt + shift } as TimelineEvent) : e,
            );
            if (i === playhead - 1) target = changed.length;
          });
          const cix = indexTimeline(changed);
          expect(playheadOf(cix, pos)).toBe(target);
          // An index-based link (format 1) would now point elsewhere whenever an event was
          // inserted before it; that is why format 2 exists.
        },
      ),
      { numRuns: 300 },
    );
  });

  it('falls back to the same virtual time when the event itself is gone', () => {
    const p = 40;
    const pos = positionAt(ix, p);
    if (pos.kind !== 'moment') throw new Error('expected a moment');
    // The changed model no longer records this kind of event for this packet at that instant.
    const e0 = events[p - 1]!;
    const same = (e: TimelineEvent) =>
      e.t === e0.t &&
      e.host === e0.host &&
      e.type === e0.type &&
      ('pkt' in e ? e.pkt : -1) === ('pkt' in e0 ? e0.pkt : -1);
    const gone = events.filter((e) => !same(e));
    const got = playheadOf(indexTimeline(gone), pos);
    expect(gone[got - 1]!.t).toBeLessThanOrEqual(pos.moment.t);
    if (got < gone.length) expect(gone[got]!.t).toBeGreaterThan(pos.moment.t);
  });

  it('round-trips through the link text', () => {
    for (const p of [0, 1, 17, 40, events.length]) {
      const state: ShareState = {
        scenario: { kind: 'builtin', id: 'same-bridge-hairpin' },
        settings: {},
        at: positionAt(ix, p),
        packet: { kind: 'key', key: packetKey(ix, ix.packets[3]!.pkt)! },
      };
      expect(decodeShareHash(encodeShareHash(state))).toEqual({ ok: true, state });
    }
  });
});
