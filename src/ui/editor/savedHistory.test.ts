import { describe, expect, it } from 'vitest';
import { getBuiltinScenario } from '../../scenarios';
import { checkWork } from './check';
import type { HistoryEntry } from './editorStore';
import { addHost, type Work } from './model';
import { fingerprint, HISTORY_KEY, historyRecord, readHistory } from './savedHistory';

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    map: m,
  };
}

const checked = (w: Work): Work | null => {
  const c = checkWork(w);
  return c.ok ? c.work : null;
};

/** A history of n edits (host-1 ... host-n added) on same-bridge-hairpin, and the work after them. */
function history(n: number): { past: HistoryEntry[]; now: Work } {
  let w: Work = { scenario: getBuiltinScenario('same-bridge-hairpin')!, settings: {} };
  const past: HistoryEntry[] = [];
  for (let i = 1; i <= n; i++) {
    past.push({ work: w, settings: false });
    w = checked(addHost(w, `host-${i}`))!;
  }
  return { past, now: w };
}

describe('the editor history kept in the browser', () => {
  it('comes back for the same work, each step as the engine reads it', () => {
    const { past, now } = history(3);
    const future: HistoryEntry[] = [{ work: checked(addHost(now, 'later'))!, settings: true }];
    const storage = memoryStorage();
    storage.setItem(HISTORY_KEY, historyRecord(fingerprint(now.scenario), past, future)!);
    const got = readHistory(storage, now.scenario, checked)!;
    expect(got.past.map((e) => e.work.scenario.hosts.length)).toEqual([3, 4, 5]);
    expect(got.past).toEqual(past);
    expect(got.future).toEqual(future);
    // The same scenario through JSON (a reload reads it from the saved link) has the same fingerprint.
    expect(fingerprint(JSON.parse(JSON.stringify(now.scenario)))).toBe(fingerprint(now.scenario));
  });

  it('is not brought back over other work, nor when it is unreadable', () => {
    const { past, now } = history(2);
    const storage = memoryStorage();
    storage.setItem(HISTORY_KEY, historyRecord(fingerprint(now.scenario), past, [])!);
    expect(readHistory(storage, past[0]!.work.scenario, checked)).toBeNull();
    // The changes are not part of the work (they have their own undo).
    const withChange = { ...now.scenario, changes: [{ at: 0, host: 'node', command: 'conntrack -F' }] };
    expect(readHistory(storage, withChange, checked)?.past).toHaveLength(2);
    storage.setItem(HISTORY_KEY, '{"v":1,');
    expect(readHistory(storage, now.scenario, checked)).toBeNull();
    expect(readHistory(null, now.scenario, checked)).toBeNull();
  });

  it('keeps the steps nearest to now within its bounds', () => {
    const { past, now } = history(6);
    const of = fingerprint(now.scenario);
    const all = historyRecord(of, past, [])!;
    const three = JSON.parse(historyRecord(of, past, [], 1e9, 3)!) as { past: unknown[] };
    expect(three.past).toEqual(JSON.parse(all).past.slice(-3));
    // A size bound that holds about two steps keeps the last two.
    const one = JSON.stringify(past[5]).length;
    const two = JSON.parse(historyRecord(of, past, [], one * 2 + 10)!) as { past: unknown[] };
    expect(two.past).toHaveLength(2);
    expect(historyRecord(of, [], [])).toBeNull();
    expect(historyRecord(of, past, [], 10)).toBeNull();
  });

  it('ends the history at a step the engine refuses', () => {
    const { past, now } = history(3);
    const storage = memoryStorage();
    const bad: HistoryEntry = {
      work: { scenario: { ...past[0]!.work.scenario, hosts: [] }, settings: {} },
      settings: false,
    };
    storage.setItem(HISTORY_KEY, historyRecord(fingerprint(now.scenario), [bad, ...past.slice(1)], [])!);
    expect(readHistory(storage, now.scenario, checked)!.past).toEqual(past.slice(1));
  });
});
