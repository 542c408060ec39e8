// The editor's undo/redo history, kept in the browser beside the saved work (savedWork.ts), so a
// reload brings back the work and what Undo edit and Redo edit step through. Bounded: the steps
// nearest to the work on screen, at most SAVED_STEPS each way and MAX_HISTORY_CHARS in all (a
// pasted node's scenario is megabytes; its steps give way first). The history names the work it
// belongs to (`of`, a fingerprint of the scenario without its changes): a reload that opens
// other work (a link) starts a fresh history, as opening it in the page does.
import type { Scenario } from '../../engine/api';
import type { AppStore } from '../store';
import type { EditorStore, HistoryEntry } from './editorStore';
import type { Work } from './model';
import { SAVE_DELAY_MS } from './savedWork';

export const HISTORY_KEY = 'nflab.history';
/** Steps kept each way (undo and redo). */
export const SAVED_STEPS = 30;
/** Characters of history kept at most (localStorage holds about 5 million for the origin). */
export const MAX_HISTORY_CHARS = 2_000_000;

type KV = Pick<Storage, 'getItem' | 'setItem'> & Partial<Pick<Storage, 'removeItem'>>;

/** cyrb53 over the scenario's JSON without its changes (those have their own undo). */
export function fingerprint(s: Scenario): string {
  const text = JSON.stringify({ ...s, changes: [] });
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${text.length}:${(h2 >>> 0).toString(36)}${(h1 >>> 0).toString(36)}`;
}

/**
 * The record to store: the steps nearest to now (the ends of `past` and `future`), taken one
 * each way in turn while they fit in `maxChars`; null when there is nothing to keep.
 */
export function historyRecord(
  of: string,
  past: readonly HistoryEntry[],
  future: readonly HistoryEntry[],
  maxChars = MAX_HISTORY_CHARS,
  steps = SAVED_STEPS,
): string | null {
  if (past.length === 0 && future.length === 0) return null;
  const p: string[] = [];
  const f: string[] = [];
  let size = 0;
  let pi = past.length - 1;
  let fi = future.length - 1;
  let room = true;
  while (room && (pi >= 0 || fi >= 0) && (p.length < steps || f.length < steps)) {
    room = false;
    for (const [list, out, i] of [
      [past, p, pi],
      [future, f, fi],
    ] as const) {
      if (i < 0 || out.length >= steps) continue;
      const text = JSON.stringify(list[i]);
      if (size + text.length > maxChars) continue;
      size += text.length + 1;
      out.unshift(text);
      room = true;
      if (list === past) pi--;
      else fi--;
    }
  }
  if (p.length === 0 && f.length === 0) return null;
  return `{"v":1,"of":${JSON.stringify(of)},"past":[${p.join(',')}],"future":[${f.join(',')}]}`;
}

function isEntry(x: unknown): x is { work: { scenario: unknown; settings: unknown }; settings: boolean } {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as { work?: { scenario?: unknown; settings?: unknown }; settings?: unknown };
  return (
    typeof e.settings === 'boolean' &&
    typeof e.work === 'object' &&
    e.work !== null &&
    typeof e.work.scenario === 'object' &&
    typeof e.work.settings === 'object' &&
    e.work.settings !== null
  );
}

/** The saved history if it belongs to `scenario`, its steps checked by `check` (those refused are dropped). */
export function readHistory(
  storage: KV | null,
  scenario: Scenario,
  check: (w: Work) => Work | null,
): { past: HistoryEntry[]; future: HistoryEntry[] } | null {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(HISTORY_KEY) ?? null;
  } catch {
    return null;
  }
  if (raw === null) return null;
  let rec: { v?: unknown; of?: unknown; past?: unknown; future?: unknown };
  try {
    rec = JSON.parse(raw) as typeof rec;
  } catch {
    return null;
  }
  if (rec.v !== 1 || rec.of !== fingerprint(scenario)) return null;
  if (!Array.isArray(rec.past) || !Array.isArray(rec.future)) return null;
  // A step the engine refuses today (a newer or older build wrote it) ends the history there.
  const take = (list: unknown[], nearestLast: boolean): HistoryEntry[] => {
    const out: HistoryEntry[] = [];
    const order = nearestLast ? [...list].reverse() : list;
    for (const e of order) {
      if (!isEntry(e)) break;
      const w = check(e.work as Work);
      if (!w) break;
      out.push({ work: w, settings: e.settings });
    }
    return nearestLast ? out.reverse() : out;
  };
  return { past: take(rec.past, true), future: take(rec.future, true) };
}

export interface HistorySave {
  flush(): void;
  stop(): void;
}

/** Keeps `editor`'s history in `storage` whenever it or the work on screen changes. */
export function installHistorySave(app: AppStore, editor: EditorStore, storage: KV | null): HistorySave {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: string | null | undefined;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const s = app.getState();
    if (s.phase !== 'ready' || !s.scenario) return;
    const { past, future } = editor.getState();
    let record = historyRecord(fingerprint(s.scenario), past, future);
    if (record === last) return;
    try {
      if (record === null) storage?.removeItem?.(HISTORY_KEY);
      else storage?.setItem(HISTORY_KEY, record);
    } catch {
      // Full: a history that does not fit is not kept (the work itself matters more).
      record = null;
      try {
        storage?.removeItem?.(HISTORY_KEY);
      } catch {
        // disabled storage
      }
    }
    last = record;
  };
  const later = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(flush, SAVE_DELAY_MS);
  };
  const offEditor = editor.subscribe((e, prev) => {
    if (e.past !== prev.past || e.future !== prev.future) later();
  });
  const offApp = app.subscribe((s, prev) => {
    if (s.scenario !== prev.scenario || s.phase !== prev.phase) later();
  });
  return {
    flush,
    stop() {
      offEditor();
      offApp();
      if (timer !== null) clearTimeout(timer);
    },
  };
}

/**
 * After the saved work opened on a reload: its history back (if it is this work's), then kept
 * from then on. The engine's check (loaded with it) judges each step.
 */
export async function restoreHistory(
  app: AppStore,
  editor: EditorStore,
  storage: KV | null,
): Promise<HistorySave> {
  const s = app.getState().scenario;
  const e = editor.getState();
  if (s && e.past.length === 0 && e.future.length === 0) {
    let raw: string | null = null;
    try {
      raw = storage?.getItem(HISTORY_KEY) ?? null;
    } catch {
      raw = null;
    }
    if (raw !== null) {
      const { checkWork } = await import('./check');
      const got = readHistory(storage, s, (w) => {
        const c = checkWork(w);
        return c.ok ? c.work : null;
      });
      // Still the same work on screen, and nothing edited meanwhile.
      const now = editor.getState();
      if (got && app.getState().scenario === s && now.past.length === 0 && now.future.length === 0)
        editor.setState({ past: got.past, future: got.future });
    }
  }
  return installHistorySave(app, editor, storage);
}
