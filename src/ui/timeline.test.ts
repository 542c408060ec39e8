import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../engine/api';
import { runScenario } from '../engine/index';
import { builtinScenarios } from '../scenarios/index';
import { narrate, runAccount } from './narrate';
import { ACCOUNT_MAX, indexTimeline, isAccountEvent, TimelineIndexer } from './timeline';

const runs: RunResult[] = builtinScenarios.map((s) => runScenario(s));
// A timeline with more account events than the account tells (a built-in one has < 40): the
// built-in run with the most, repeated often enough.
const told = (r: RunResult) => r.events.filter(isAccountEvent).length;
const most = runs.reduce((a, b) => (told(b) > told(a) ? b : a));
const long: RunResult = {
  ...most,
  events: Array.from({ length: Math.ceil((2 * ACCOUNT_MAX) / told(most)) }, () => most.events).flat(),
};

/** The account as it was before the index listed its events: a scan of the whole timeline. */
function accountByScan(result: RunResult, playhead: number): string[] {
  const out: string[] = [];
  for (const s of result.scenario.settings) {
    const v = result.hosts.find((h) => h.name === s.host)?.sysctls[s.key];
    if (v !== undefined) out.push(`${s.host} ${s.key} ${v}`);
  }
  const upto = Math.min(playhead, result.events.length);
  for (let i = 0; i < upto && out.length <= 200; i++)
    if (isAccountEvent(result.events[i]!)) out.push(narrate(result.events[i]!, 'en'));
  return out;
}

describe('TimelineIndexer', () => {
  it('gives the same index fed in chunks of any sizes as in one go', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: runs.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (k, sizes) => {
          const events = runs[k]!.events;
          const ix = new TimelineIndexer();
          let from = 0;
          for (let c = 0; from < events.length; c++) {
            const n = sizes[c % sizes.length]!;
            ix.add(events.slice(from, from + n));
            from += n;
          }
          expect(ix.finish()).toEqual(indexTimeline(events));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps flights in the order of their send, as a sort by send would', () => {
    for (const r of runs) {
      const fl = indexTimeline(r.events).flights;
      const sorted = [...fl].sort((a, b) => a.i - b.i);
      expect(fl).toEqual(sorted);
    }
  });

  it('lists the first ACCOUNT_MAX account events, in order', () => {
    expect(long.events.filter(isAccountEvent).length).toBeGreaterThan(ACCOUNT_MAX);
    for (const r of [...runs, long]) {
      const want = r.events.flatMap((e, i) => (isAccountEvent(e) ? [i] : [])).slice(0, ACCOUNT_MAX);
      expect(indexTimeline(r.events).accountAt).toEqual(want);
    }
  });
});

describe('runAccount from the index', () => {
  it('says what a scan of the whole timeline says, at every playhead of every built-in scenario', () => {
    for (const r of [...runs, long]) {
      const ix = indexTimeline(r.events);
      const settingLines = accountByScan(r, 0).length;
      for (let p = 0; p <= r.events.length; p += Math.max(1, Math.floor(r.events.length / 97))) {
        const got = runAccount(r, ix, p, 'en');
        const want = accountByScan(r, p);
        // Same events told; the setting lines are compared by count (their wording is i18n's).
        expect(got.slice(settingLines, settingLines + want.length - settingLines)).toEqual(
          want.slice(settingLines),
        );
        expect(got.length - (p >= r.events.length && r.outcomes.length ? 1 : 0)).toBe(want.length);
      }
    }
  });
});
