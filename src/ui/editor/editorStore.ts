// The editor's own state beside the app store: the host being edited, and the undo/redo history of edits. The history holds the work before each edit without its
// `changes`: those belong to the console's own undo/redo, so undoing an edit keeps the commands
// typed since, and undoing a command keeps the edits. The same scenario rebuilt elsewhere (a
// pasted node) is one more step to undo; another scenario on screen starts a fresh history.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Scenario, Settings } from '../../engine/api';
import type { AppStore } from '../store';
import type { Checked, Problem } from './check';
import { fitSettings, type Work } from './model';

/** Edits remembered for undo. */
export const HISTORY = 100;

/** A step of the history (kept in the browser too: savedHistory.ts). */
export interface HistoryEntry {
  /** The work on the other side of the step (before it, in `past`; after it, in `future`). */
  readonly work: Work;
  /** The step changed settings (a host or port renamed or removed): undo puts them back too. */
  readonly settings: boolean;
}

export interface EditorState {
  /** The host the forms and the ruleset editor show (null: the first). */
  readonly host: string | null;
  readonly past: readonly HistoryEntry[];
  readonly future: readonly HistoryEntry[];
}

export interface EditorActions {
  selectHost(host: string): void;
  /** The work edits build on: the last one asked for, else what is on screen. */
  work(): Work | null;
  /**
   * Applies `edit` to the work: checked by the engine (null: applied and run) or refused with
   * what the engine said, leaving the scenario as it was.
   */
  commit(edit: (w: Work) => Work): Promise<Problem | null>;
  undo(): Promise<void>;
  redo(): Promise<void>;
}

export type EditorStore = StoreApi<EditorState & EditorActions>;

/** Two scenarios that differ at most in their `changes` (a console command, a fix). */
function sameBase(a: Scenario, b: Scenario): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'changes') continue;
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  return true;
}

function sameSettings(a: Settings, b: Settings): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

export interface EditorDeps {
  /** The engine's check (check.ts); tests may stand in a simpler one. */
  check: (w: Work) => Checked | Promise<Checked>;
}

export function createEditorStore(app: AppStore, deps: EditorDeps): EditorStore {
  const check = deps.check;
  // The scenarios this editor submitted lately: what lands from them is not a replacement.
  const mine: Scenario[] = [];
  let pending: Work | null = null;
  let seq = 0;

  const store = createStore<EditorState & EditorActions>()((set, get) => {
    function shown(): Work | null {
      const s = app.getState();
      return s.scenario ? { scenario: s.scenario, settings: s.settings } : null;
    }

    /** Runs `next`; `past`/`future` become `history` if it lands, and stay as they were if not. */
    async function submit(
      next: Work,
      history: Pick<EditorState, 'past' | 'future'>,
    ): Promise<Problem | null> {
      const my = ++seq;
      const before = { past: get().past, future: get().future };
      mine.push(next.scenario);
      if (mine.length > 8) mine.shift();
      pending = next;
      set(history);
      const ok = await app.getState().editScenario(next.scenario, next.settings);
      if (my !== seq) return null; // a later edit took over; it carries this one
      pending = null;
      if (ok) return null;
      set(before);
      const n = app.getState().notice;
      if (n?.key !== 'runFailed') return null; // stopped or replaced by the user: nothing to say
      // The field says it; the page-wide notice would say it twice.
      app.getState().dismissNotice();
      return { where: '', message: n.detail };
    }

    /** The work for a step of the history, with the current changes (and settings unless the step moved them). */
    function restore(entry: HistoryEntry, cur: Work): Work {
      const scenario: Scenario = { ...entry.work.scenario, changes: cur.scenario.changes };
      const settings: Settings = entry.settings ? entry.work.settings : cur.settings;
      return { scenario, settings: fitSettings(scenario, settings) };
    }

    return {
      host: null,
      past: [],
      future: [],
      selectHost: (host) => set({ host }),
      work: () => pending ?? shown(),
      async commit(edit) {
        const base = get().work();
        if (!base) return { where: '', message: 'nothing on screen to edit' };
        let next: Work;
        try {
          next = edit(base);
        } catch (e) {
          return { where: '', message: (e as Error).message };
        }
        next = { ...next, settings: fitSettings(next.scenario, next.settings) };
        const c = await check(next);
        if (!c.ok) return c.problem;
        const entry: HistoryEntry = { work: base, settings: !sameSettings(c.work.settings, base.settings) };
        return submit(c.work, { past: [...get().past, entry].slice(-HISTORY), future: [] });
      },
      async undo() {
        const cur = get().work();
        const last = get().past.at(-1);
        if (!cur || !last) return;
        const back: HistoryEntry = { work: cur, settings: last.settings };
        await submit(restore(last, cur), { past: get().past.slice(0, -1), future: [...get().future, back] });
      },
      async redo() {
        const cur = get().work();
        const next = get().future.at(-1);
        if (!cur || !next) return;
        const back: HistoryEntry = { work: cur, settings: next.settings };
        await submit(restore(next, cur), { past: [...get().past, back], future: get().future.slice(0, -1) });
      },
    };
  });

  app.subscribe((s, prev) => {
    if (s.scenario === prev.scenario || !s.scenario) return;
    const next = s.scenario;
    const ours =
      mine.some((m) => m === next || sameBase(m, next)) ||
      (prev.scenario !== null && sameBase(prev.scenario, next));
    if (!ours) {
      pending = null;
      // The same scenario rebuilt elsewhere (a node pasted into it, its file opened again) is a
      // step Undo edit takes back; another scenario starts a history of its own.
      const before =
        prev.scenario && prev.result ? { scenario: prev.scenario, settings: prev.result.settings } : null;
      if (before && before.scenario.id === next.id) {
        const entry: HistoryEntry = { work: before, settings: !sameSettings(before.settings, s.settings) };
        store.setState({ past: [...store.getState().past, entry].slice(-HISTORY), future: [] });
      } else store.setState({ past: [], future: [] });
    }
    const host = store.getState().host;
    if (host !== null && !next.hosts.some((h) => h.name === host)) store.setState({ host: null });
  });
  return store;
}

const editors = new WeakMap<AppStore, EditorStore>();

/**
 * The one editor of an app store, made with the app's first render (useEditorOpen) so that its
 * history sees every scenario change, a paste before the editor was ever opened too. The
 * engine's check loads with the editor's panel, the first time an edit needs it.
 */
export function editorFor(app: AppStore): EditorStore {
  let e = editors.get(app);
  if (!e) {
    e = createEditorStore(app, { check: async (w) => (await import('./check')).checkWork(w) });
    editors.set(app, e);
  }
  return e;
}
