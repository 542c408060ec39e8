// The app's state: one zustand vanilla store (framework-free) whose actions talk to the engine
// worker through the typed client. It holds what the engine produced (the run's timeline,
// hosts, outcomes and the text snapshot at the playhead) and the view state, never engine
// internals. React reads it through useApp (react.ts).
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { RunResult, Scenario, Settings } from '../engine/api';
import type { Transport } from '../worker/client';
import { EngineClient } from '../worker/client';
import { type ResultOf, type Snapshot, WorkerDiedError } from '../worker/protocol';
import type { Lang } from './i18n';
import { settingKey } from './settings';
import { decodeShareHash, encodeShareHash, type LinkScenario } from './shareLink';
import { indexTimeline, stepBackward, stepForward, type TimelineIndex } from './timeline';

export const DEFAULT_SCENARIO = 'same-bridge-hairpin';
/** Playback speeds in events per second; the last is "as fast as the screen refreshes" x 4. */
export const SPEEDS = [1, 2, 4, 8, 16, 32, 120, 480] as const;
/** Restarts allowed after worker deaths before the app gives up (a crash loop). */
const MAX_RESTARTS = 5;

export type Notice =
  | { readonly key: 'workerDied'; readonly detail: string }
  | { readonly key: 'badLink'; readonly detail: string }
  | { readonly key: 'runFailed'; readonly detail: string };

export type Theme = 'light' | 'dark';

export interface AppState {
  readonly phase: 'starting' | 'running' | 'ready';
  readonly catalog: readonly Scenario[];
  readonly scenario: Scenario | null;
  /** How the scenario was obtained: a share link repeats it. */
  readonly source: LinkScenario | null;
  /** The user's overrides (`host:key` -> value); the scenario's own values are the defaults. */
  readonly settings: Settings;
  readonly runId: number | null;
  readonly result: RunResult | null;
  readonly index: TimelineIndex | null;
  /** Events applied (0..events.length). */
  readonly playhead: number;
  /** The playhead with a fraction while animating, for packets between two events. */
  readonly cursor: number;
  readonly playing: boolean;
  readonly speed: number;
  /** null: follow the packet of the current event. */
  readonly selectedPacket: number | null;
  readonly snapshot: Snapshot | null;
  readonly theme: Theme;
  readonly lang: Lang;
  readonly notice: Notice | null;
  readonly shareLink: string;
}

export interface AppActions {
  start(hash: string): Promise<void>;
  selectScenario(id: string): Promise<void>;
  openScenarioJson(json: unknown, source: string): Promise<boolean>;
  setSetting(key: string, value: string): Promise<void>;
  play(): void;
  pause(): void;
  togglePlay(): void;
  step(): void;
  stepBack(): void;
  seek(playhead: number): void;
  restart(): void;
  end(): void;
  setSpeed(speed: number): void;
  /** Advance playback by `ms` of wall time (called on every animation frame). */
  tick(ms: number): void;
  selectPacket(pkt: number | null): void;
  setTheme(t: Theme): void;
  setLang(l: Lang): void;
  share(baseUrl: string): string;
  dismissNotice(): void;
  /** For tests and the crash drill: kill the worker as if it had crashed. */
  crashWorker(): void;
}

export type AppStore = StoreApi<AppState & AppActions>;

export interface StoreDeps {
  transport: () => Transport;
  theme?: Theme;
  lang?: Lang;
}

type Keep =
  | { readonly kind: 'at'; readonly playhead: number }
  | { readonly kind: 'relative'; readonly from: AppState };

export function createAppStore(deps: StoreDeps): AppStore {
  let client: EngineClient;
  let restarts = 0;
  let runSeq = 0;
  // Snapshot requests are coalesced: at most one in flight, the latest wanted index next.
  let snapInFlight = false;
  let snapWanted: { runId: number; index: number } | null = null;
  let requestSnapshot: () => void = () => {};

  const store = createStore<AppState & AppActions>()((set, get) => {
    // Set by crashWorker so that its terminate counts as a death, not a shutdown.
    let crashing = false;

    function connect(): void {
      client = new EngineClient(deps.transport());
      const mine = client;
      mine.onDeath((reason) => {
        if (mine !== client) return;
        if (reason === 'terminated' && !crashing) return;
        crashing = false;
        snapInFlight = false;
        if (restarts >= MAX_RESTARTS) {
          set({ notice: { key: 'workerDied', detail: `${reason}; restarted too often, reload the page` } });
          return;
        }
        restarts++;
        set({ notice: { key: 'workerDied', detail: reason }, runId: null });
        connect();
        const s = get();
        if (s.scenario) void run(s.scenario, s.settings, { kind: 'relative', from: s });
      });
    }

    async function run(scenario: Scenario, settings: Settings, keep: Keep): Promise<boolean> {
      const seq = ++runSeq;
      set({ phase: 'running' });
      let r: ResultOf['run'];
      try {
        r = await client.request('run', { scenario, settings });
      } catch (e) {
        if (e instanceof WorkerDiedError) return false; // the restart re-runs
        if (seq === runSeq)
          set({ phase: 'ready', notice: { key: 'runFailed', detail: (e as Error).message } });
        return false;
      }
      if (seq !== runSeq) {
        void client.request('release', { runId: r.runId }).catch(() => {});
        return false;
      }
      const prev = get();
      if (prev.runId !== null) void client.request('release', { runId: prev.runId }).catch(() => {});
      const n = r.result.events.length;
      let playhead: number;
      if (keep.kind === 'at') playhead = Math.min(n, Math.max(0, keep.playhead));
      else {
        const old = keep.from.result?.events.length ?? 0;
        playhead =
          old === 0 || keep.from.playhead >= old
            ? keep.from.result
              ? n
              : 0
            : Math.round((keep.from.playhead / old) * n);
      }
      set({
        phase: 'ready',
        scenario,
        settings,
        runId: r.runId,
        result: r.result,
        index: indexTimeline(r.result.events),
        playhead,
        cursor: playhead,
        playing: prev.playing && playhead < n,
      });
      return true;
    }

    requestSnapshot = (): void => {
      const { runId, playhead } = get();
      if (runId === null) return;
      snapWanted = { runId, index: playhead };
      if (snapInFlight) return;
      void pump();
    };

    async function pump(): Promise<void> {
      while (snapWanted) {
        const want = snapWanted;
        snapWanted = null;
        snapInFlight = true;
        try {
          const snap = await client.request('snapshot', want);
          if (get().runId === snap.runId) set({ snapshot: snap });
        } catch {
          // A released run or a dead worker: the next run or restart asks again.
        } finally {
          snapInFlight = false;
        }
      }
    }

    function moveTo(playhead: number): void {
      const n = get().result?.events.length ?? 0;
      const p = Math.min(n, Math.max(0, playhead));
      set({ playhead: p, cursor: p, playing: get().playing && p < n });
    }

    function scenarioById(id: string): Scenario | undefined {
      return get().catalog.find((s) => s.id === id);
    }

    async function fallback(detail: string | null): Promise<void> {
      const s = scenarioById(DEFAULT_SCENARIO) ?? get().catalog[0];
      if (detail) set({ notice: { key: 'badLink', detail } });
      if (!s) return;
      set({ source: { kind: 'builtin', id: s.id }, selectedPacket: null });
      await run(s, {}, { kind: 'at', playhead: 0 });
    }

    return {
      phase: 'starting',
      catalog: [],
      scenario: null,
      source: null,
      settings: {},
      runId: null,
      result: null,
      index: null,
      playhead: 0,
      cursor: 0,
      playing: false,
      speed: 8,
      selectedPacket: null,
      snapshot: null,
      theme: deps.theme ?? 'light',
      lang: deps.lang ?? 'en',
      notice: null,
      shareLink: '',

      async start(hash) {
        connect();
        let catalog: readonly Scenario[];
        try {
          await client.ready;
          catalog = (await client.request('catalog', {})).scenarios;
        } catch (e) {
          set({ phase: 'ready', notice: { key: 'runFailed', detail: (e as Error).message } });
          return;
        }
        set({ catalog });
        const link = decodeShareHash(hash);
        if (link.ok === 'none') return fallback(null);
        if (link.ok === false) return fallback(link.error);
        const st = link.state;
        let scenario: Scenario | undefined;
        if (st.scenario.kind === 'builtin') {
          scenario = scenarioById(st.scenario.id);
          if (!scenario) return fallback(`no built-in scenario ${st.scenario.id}`);
        } else {
          const loaded = await client.request('load', { json: st.scenario.json, source: 'share link' });
          if (!loaded.ok) return fallback(loaded.error);
          scenario = loaded.scenario;
        }
        set({ source: st.scenario, selectedPacket: st.packet });
        const ran = await run(scenario, st.settings, { kind: 'at', playhead: st.playhead });
        if (!ran && get().result === null) return fallback(get().notice?.detail ?? 'the link could not run');
      },

      async selectScenario(id) {
        const s = scenarioById(id);
        if (!s) return;
        set({ source: { kind: 'builtin', id }, selectedPacket: null, playing: false, snapshot: null });
        await run(s, {}, { kind: 'at', playhead: 0 });
      },

      async openScenarioJson(json, source) {
        const loaded = await client.request('load', { json, source });
        if (!loaded.ok) {
          set({ notice: { key: 'runFailed', detail: loaded.error } });
          return false;
        }
        set({ source: { kind: 'inline', json }, selectedPacket: null, playing: false, snapshot: null });
        return run(loaded.scenario, {}, { kind: 'at', playhead: 0 });
      },

      async setSetting(key, value) {
        const s = get();
        if (!s.scenario) return;
        const spec = s.scenario.settings.find((x) => settingKey(x) === key);
        const settings = { ...s.settings, [key]: value };
        if (spec && !spec.values.includes(value)) return;
        await run(s.scenario, settings, { kind: 'relative', from: s });
      },

      play() {
        const s = get();
        const n = s.result?.events.length ?? 0;
        if (n === 0) return;
        // Play at the end starts over, as media players do.
        if (s.playhead >= n) set({ playhead: 0, cursor: 0 });
        set({ playing: true });
      },
      pause: () => set({ playing: false, cursor: get().playhead }),
      togglePlay() {
        if (get().playing) get().pause();
        else get().play();
      },
      step() {
        const s = get();
        if (!s.result) return;
        set({ playing: false });
        moveTo(stepForward(s.result.events, s.playhead));
      },
      stepBack() {
        const s = get();
        if (!s.result) return;
        set({ playing: false });
        moveTo(stepBackward(s.result.events, s.playhead));
      },
      seek: (p) => moveTo(Math.round(p)),
      restart() {
        set({ playing: false });
        moveTo(0);
      },
      end() {
        set({ playing: false });
        moveTo(get().result?.events.length ?? 0);
      },
      setSpeed: (speed) => set({ speed: Math.min(10000, Math.max(0.1, speed)) }),
      tick(ms) {
        const s = get();
        if (!s.playing || !s.result) return;
        const n = s.result.events.length;
        const cursor = Math.min(n, s.cursor + (Math.min(ms, 250) * s.speed) / 1000);
        const playhead = Math.floor(cursor);
        if (cursor >= n) set({ cursor: n, playhead: n, playing: false });
        else if (playhead !== s.playhead) set({ cursor, playhead });
        else set({ cursor });
      },
      selectPacket: (pkt) => set({ selectedPacket: pkt }),
      setTheme: (theme) => set({ theme }),
      setLang: (lang) => set({ lang }),
      share(baseUrl) {
        const s = get();
        if (!s.source) return '';
        const link =
          baseUrl +
          encodeShareHash({
            scenario: s.source,
            settings: s.settings,
            playhead: s.playhead,
            packet: s.selectedPacket,
          });
        set({ shareLink: link });
        return link;
      },
      dismissNotice: () => set({ notice: null }),
      crashWorker() {
        crashing = true;
        client.terminate();
      },
    };
  });

  // The snapshot follows the playhead and the run.
  store.subscribe((s, prev) => {
    if (s.runId !== prev.runId || s.playhead !== prev.playhead) requestSnapshot();
  });
  return store;
}
