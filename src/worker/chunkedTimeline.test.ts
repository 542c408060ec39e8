import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../engine/index';
import { builtinScenarios } from '../scenarios/index';
import { ChunkedTimeline } from './chunkedTimeline';
import type { TimelineEvent } from './protocol';

// JSON drops properties whose value is undefined, as the views never tell them from absent ones.
const plain = (e: readonly TimelineEvent[]): TimelineEvent[] => JSON.parse(JSON.stringify(e));
const events = plain(runScenario(builtinScenarios.find((s) => s.id === 'conntrack-table-full')!).events);

function chunked(all: readonly TimelineEvent[], per: number): ChunkedTimeline {
  const t = new ChunkedTimeline();
  for (let from = 0; from < all.length; from += per) {
    const part = all.slice(from, from + per);
    t.append({ from, count: part.length, json: JSON.stringify(part) });
  }
  return t;
}

describe('ChunkedTimeline', () => {
  it('reads every event back, in any order, whatever the chunk size (more chunks than it keeps parsed)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.integer({ min: -3, max: events.length + 3 }), { minLength: 1, maxLength: 300 }),
        (per, reads) => {
          const t = chunked(events, per);
          expect(t.length).toBe(events.length);
          for (const i of reads) expect(t.at(i)).toEqual(events[i]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is an array to the code that reads RunResult.events', () => {
    const a = chunked(events, 64).asArray();
    expect(Array.isArray(a)).toBe(true);
    expect(a.length).toBe(events.length);
    expect(a[0]).toEqual(events[0]);
    expect(a[events.length]).toBeUndefined();
    expect(a.at(-1)).toEqual(events.at(-1));
    expect(a.findIndex((e) => e.type === 'outcome')).toBe(events.findIndex((e) => e.type === 'outcome'));
    expect(a.slice(100, 300)).toEqual(events.slice(100, 300));
    expect(a.filter((e) => e.type === 'drop')).toEqual(events.filter((e) => e.type === 'drop'));
    expect([...a]).toEqual(events);
    expect(a).toEqual(events);
    expect(Object.keys(a)).toHaveLength(events.length);
    expect(5 in a).toBe(true);
    expect(events.length in a).toBe(false);
    expect(() => {
      (a as TimelineEvent[])[0] = events[1]!;
    }).toThrow(TypeError);
  });

  it('refuses chunks out of order, and a chunk holding another count than it says when read', () => {
    const t = new ChunkedTimeline();
    expect(() => t.append({ from: 3, count: 1, json: '[]' })).toThrow(/out of order at event 3/);
    expect(() => t.append({ from: 0, count: 0, json: '[]' })).toThrow(/malformed/);
    t.append({ from: 0, count: 2, json: JSON.stringify(events.slice(0, 3)) });
    expect(() => t.at(0)).toThrow(/wrong number of events/);
  });

  it('parses nothing when chunks arrive, and then only the chunks read', () => {
    const t = chunked(events, 16);
    expect(t.chunks).toBe(Math.ceil(events.length / 16));
    expect(t.parses).toBe(0);
    t.at(0);
    t.at(15);
    expect(t.parses).toBe(1);
    t.at(16);
    expect(t.parses).toBe(2);
    // A whole-timeline scan parses every chunk: what the tests of the views check never happens.
    expect(t.asArray().findIndex((e) => e.t < 0)).toBe(-1);
    expect(t.parses).toBe(t.chunks);
  });
});
