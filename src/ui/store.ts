// The app's state: one zustand vanilla store (framework-free) whose actions talk to the engine
// worker through the typed client. It holds what the engine produced (the run's timeline,
// hosts, outcomes and the text snapshot at the playhead) and the view state, never engine
// internals. React reads it through useApp (react.ts).
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { RunResult, RunStop, Scenario, Settings } from '../engine/api';
import { withFix } from '../engine/fix/apply';
import type { PasteInput } from '../engine/import/build';
import type { PasteError } from '../engine/import/types';
import { momentKey, resolveMoment } from '../engine/lesson/moment';
import type { ChangeSpec, Lesson, Moment } from '../engine/scenario/schema';
import type { Transport } from '../worker/client';
import { EngineClient } from '../worker/client';
import { checkShape } from '../worker/limits';
import {
  type CommandReply,
  type Fix,
  type FixReport,
  type Progress,
  type ResultOf,
  type RuleRef,
  type RulesView,
  type RulesWindow,
  type Snapshot,
  WorkerDiedError,
} from '../worker/protocol';
import type { Lang } from './i18n';
import { findPacket, packetKey, playheadOf, positionAt } from './links/moment';
import { settingKey } from './settings';
import {
  compressedReady,
  type DecodeLimits,
  decodeShareHash,
  encodeShareHash,
  type LinkAt,
  type LinkPacket,
  type LinkScenario,
  rememberCompressed,
  WORK_LIMITS,
} from './shareLink';
import { indexTimeline, stepBackward, stepForward, type TimelineIndex, TimelineIndexer } from './timeline';

export const DEFAULT_SCENARIO = 'same-bridge-hairpin';
/** Playback speeds in events per second; the last is "as fast as the screen refreshes" x 4. */
export const SPEEDS = [1, 2, 4, 8, 16, 32, 120, 480] as const;
/** Restarts allowed after worker deaths before the app gives up (a crash loop). */
const MAX_RESTARTS = 5;
/** Stop asks the run to end at its next slice; a worker that has not answered by then is terminated (ms). */
export const STOP_GRACE_MS = 1000;
/** An idle worker is asked for a sign of life this often (ms); 0 turns the heartbeat off. */
export const HEARTBEAT_MS = 5000;

export type Notice =
  | { readonly key: 'workerDied'; readonly detail: string }
  /** `instead`: what is shown in the link's place (none: the link's scenario, without its lesson). */
  | { readonly key: 'badLink'; readonly detail: string; readonly instead?: 'default' | 'work' }
  | { readonly key: 'badFile'; readonly detail: string }
  /** The browser refused to keep the work (storage full); `detail` says how large it was. */
  | { readonly key: 'workNotSaved'; readonly detail: string }
  | { readonly key: 'runFailed'; readonly detail: string }
  /** `partial`: the views show the run up to where it stopped; otherwise the previous run. */
  | { readonly key: 'runStopped'; readonly detail: string; readonly partial: boolean }
  /** The engine ended the run at a budget or a storm; `stop` lets the UI translate it. */
  | { readonly key: 'runBudget'; readonly detail: string; readonly stop: Pick<RunStop, 'key' | 'params'> };

export type Theme = 'light' | 'dark';

/** "What would make this work?" for the run on screen. */
export type FixSearch =
  | { readonly phase: 'idle' }
  | { readonly phase: 'searching'; readonly runs: number; readonly planned: number }
  | { readonly phase: 'done'; readonly report: FixReport }
  | { readonly phase: 'cancelled' }
  | { readonly phase: 'failed'; readonly detail: string };

/** "Paste your own node": the paste being read, or how the last one ended. */
export type PasteState =
  | { readonly phase: 'idle' }
  /** In the worker; `lines` of `total` while a ruleset is read (0 of 0 before it starts). */
  | { readonly phase: 'reading'; readonly step: string; readonly lines: number; readonly total: number }
  | { readonly phase: 'failed'; readonly error: PasteError }
  /** Read; the run of the scenario with the new host follows (the store's phase says how far). */
  | { readonly phase: 'done'; readonly host: string; readonly notes: readonly string[] };

/** A fix the user applied, and the scenario's changes before it, so Undo can bring them back. */
export interface AppliedFix {
  readonly fix: Fix;
  readonly changes: Scenario['changes'];
}

export interface AppState {
  readonly phase: 'starting' | 'running' | 'ready';
  /** How far the run in progress has come (null: none, or no report yet). */
  readonly progress: Progress | null;
  readonly catalog: readonly Scenario[];
  readonly scenario: Scenario | null;
  /** How the scenario was obtained: a share link repeats it. */
  readonly source: LinkScenario | null;
  /**
   * The user's overrides (`host:key` -> value); the scenario's own values are the defaults.
   * While a re-run is in progress these are the new ones (the views still show `result`).
   */
  readonly settings: Settings;
  readonly runId: number | null;
  readonly result: RunResult | null;
  readonly index: TimelineIndex | null;
  /** The lessons' moments on the run, resolved by the worker (momentKey -> playhead or null). */
  readonly moments: ReadonlyMap<string, number | null>;
  /** Events applied (0..events.length). */
  readonly playhead: number;
  /** The playhead with a fraction while animating, for packets between two events. */
  readonly cursor: number;
  readonly playing: boolean;
  readonly speed: number;
  /** null: follow the packet of the current event. */
  readonly selectedPacket: number | null;
  readonly snapshot: Snapshot | null;
  /**
   * The run `snapshot` was taken of. Each worker numbers its runs from 1, so a new run can have
   * the id and the length of the last: only this says the snapshot is the new run's.
   */
  readonly snapshotOf: RunResult | null;
  readonly theme: Theme;
  readonly lang: Lang;
  readonly notice: Notice | null;
  readonly shareLink: string;
  /** A rule the user asked to see (from the pipeline): the rules view opens at it. `seq` re-triggers. */
  readonly ruleFocus: RuleFocus | null;
  /** Presentation mode: large type, only the views a classroom needs. */
  readonly presenting: boolean;
  readonly fixes: FixSearch;
  /** Fixes applied, latest last: each Undo takes one back. */
  readonly applied: readonly AppliedFix[];
  /** The lesson being followed on the scenario on screen, if any. */
  readonly lesson: LessonState | null;
  /** Playback that stops by itself at this playhead (a prediction playing on to its answer). */
  readonly playTo: { readonly at: number; readonly speed: number } | null;
  readonly paste: PasteState;
  /**
   * Counts the link texts of long scenarios that arrived from the worker compressing them:
   * until the one on screen has come, workHash() is '' (autosave and Share wait for it).
   */
  readonly linkTexts: number;
}

export interface LessonState {
  readonly id: string;
  /** 0-based step. */
  readonly step: number;
  /** The learner's choice on this step's prediction (null: not answered yet). */
  readonly guess: number | null;
}

/** The lesson on screen and its step, when both exist. */
export function currentLesson(
  s: Pick<AppState, 'lesson' | 'scenario'>,
): { lesson: Lesson; step: number } | null {
  if (!s.lesson || !s.scenario) return null;
  const lesson = s.scenario.lessons.find((l) => l.id === s.lesson!.id);
  return lesson ? { lesson, step: Math.min(s.lesson.step, lesson.steps.length - 1) } : null;
}

export interface RuleFocus {
  readonly host: string;
  readonly table: string;
  readonly chain: string;
  /** 1-based position in its chain; 0 for the chain's policy. */
  readonly rulenum: number;
  /** An nft table's family (`ip`, `inet`, ...): the rule is in `nft list ruleset`, not iptables. */
  readonly family?: string;
  readonly seq: number;
}

/** The work kept in the browser (editor/savedWork.ts): what a reload opens instead of the default. */
export interface SavedWork {
  /** The work as a share hash (decoded with the larger limits of saved work). */
  readonly hash: string;
  /** The page's own hash when it was saved: a reload with this hash (or none) restores the work. */
  readonly link: string;
}

export interface AppActions {
  /**
   * Opens the link in `hash`; with no link (or the link the saved work came from) the saved work,
   * and the saved work too, after the notice, when the link is bad.
   */
  start(hash: string, saved?: SavedWork | null): Promise<void>;
  selectScenario(id: string): Promise<void>;
  openScenarioJson(json: unknown, source: string): Promise<boolean>;
  setSetting(key: string, value: string): Promise<void>;
  /** Cancels the run in progress; the view stays on what it showed before. */
  stop(): void;
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
  /**
   * What is on screen as a share hash, for keeping it in the browser ('' before the first run,
   * and while a long scenario's link text is compressed in a worker: see whenLinkReady).
   */
  workHash(): string;
  /** Resolves once workHash() can be had for what is on screen. */
  whenLinkReady(): Promise<void>;
  /** Shows a problem found outside the store (e.g. a file too large to read). */
  report(notice: Notice): void;
  dismissNotice(): void;
  showRule(r: Omit<RuleFocus, 'seq'>): void;
  togglePresentation(): void;
  /** Searches for fixes of the run on screen, in a worker of its own (the UI never waits on it). */
  findFixes(): Promise<void>;
  /** Ends the fix search at once (its worker is terminated). */
  cancelFixes(): void;
  /** Applies a fix as changes at the start of the run, and runs again. */
  applyFix(fix: Fix): Promise<void>;
  /** Takes the last applied fix back. */
  undoFix(): Promise<void>;
  /**
   * Reads what a machine printed into a new or existing host (in the worker that then runs the
   * result, so the rules are read once), and runs the scenario with it, the playhead at the end.
   * False when the paste was refused (`paste` holds the error; nothing on screen changed).
   */
  pasteNode(input: PasteInput): Promise<boolean>;
  /** The paste dialog opened: a worker is started for the paste now, so Import does not wait for one to load. */
  preparePaste(): void;
  /** The paste dialog closed: the worker started for it goes unless a paste took it. */
  dropPaste(): void;
  /** Ends the paste being read at once (its worker is terminated); the run after it is a run (Stop). */
  cancelPaste(): void;
  /** Forgets the last paste's outcome (the dialog closed). */
  clearPaste(): void;
  /** For tests and the crash drill: kill the busiest worker as if it had crashed. */
  crashWorker(): void;
  /** The pcap of `host`'s `ifname` over the run shown (null: none). */
  pcap(host: string, ifname: string): Promise<Uint8Array | null>;
  /**
   * Lines of a rules text of `host` at the playhead that the snapshot only outlines (null: no
   * run to ask, or it is gone); with `find`, the line of that rule too.
   */
  rulesWindow(
    host: string,
    view: RulesView,
    from: number,
    count: number,
    find?: RuleRef,
  ): Promise<RulesWindow | null>;
  /** A console line on `host` at the playhead (null: no run to ask). */
  consoleRun(host: string, line: string): Promise<CommandReply | null>;
  /**
   * Re-runs with this `changes` list (the console's commands, at their virtual times); the
   * share link carries them beside the scenario's id or text (`chg`). The playhead stays where it was.
   */
  setChanges(changes: readonly ChangeSpec[]): Promise<boolean>;
  /**
   * The editor's edits: runs this scenario with these settings in place of what is on screen,
   * keeping the playhead. False when the run did not land (refused: the notice says why).
   */
  editScenario(scenario: Scenario, settings: Settings): Promise<boolean>;
  /** Opens lesson `id` of scenario `scenarioId` (switching to it unless on screen) at `step`. */
  openLesson(scenarioId: string, id: string, step?: number): Promise<void>;
  closeLesson(): void;
  /** Goes to a step of the lesson and seeks to its moment. */
  lessonGo(step: number): void;
  /** Answers the current step's prediction, then plays on to the moment that shows it. */
  predict(choice: number): void;
}

export type AppStore = StoreApi<AppState & AppActions>;

export interface StoreDeps {
  transport: () => Transport;
  theme?: Theme;
  lang?: Lang;
  /** Heartbeat period (ms) for the idle worker; 0: none (tests drive deaths themselves). */
  heartbeatMs?: number;
}

type Keep =
  | { readonly kind: 'at'; readonly playhead: number }
  | { readonly kind: 'relative'; readonly from: AppState }
  /** From a link: the position and the selected packet, found in the new timeline. */
  | { readonly kind: 'link'; readonly at: LinkAt; readonly packet: LinkPacket | null };

/** A run asked for: what a crash must not lose. */
interface Want {
  readonly seq: number;
  readonly scenario: Scenario;
  readonly source: LinkScenario | null;
  readonly settings: Settings;
  readonly keep: Keep;
}

/** A scenario from a link with the link's `changes` in place of its own (none: as it is). */
function withChanges(json: unknown, changes: readonly ChangeSpec[] | undefined): unknown {
  if (changes === undefined || typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  return { ...json, changes };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Workers: `shown` holds the run on screen and answers snapshots, loads and heartbeats; each
 * run gets a fresh `runner`, so cancelling is terminating it (immediate, whatever the engine is
 * doing, and its memory goes with it) while the run on screen stays fully usable. A runner
 * that lands becomes `shown` and the old one is terminated.
 */
export function createAppStore(deps: StoreDeps): AppStore {
  let shown: EngineClient | null = null;
  let runner: { client: EngineClient; want: Want; stopping: boolean } | null = null;
  let restarts = 0;
  let runSeq = 0;
  // Snapshot requests are coalesced: at most one in flight, the latest wanted index next.
  let snapInFlight = false;
  let snapWanted: { runId: number; index: number; of: RunResult | null } | null = null;
  let requestSnapshot: () => void = () => {};
  // The fix search runs in a worker of its own, so cancelling it is terminating that worker.
  let fixer: EngineClient | null = null;
  let fixSeq = 0;
  // The worker compressing a long scenario's link text, the scenario, and who waits for it.
  let compressor: { client: EngineClient; json: object; waiting: (() => void)[] } | null = null;
  const compressFailed = new WeakSet<object>();
  // The worker reading a paste; the run of its result goes on in the same worker.
  let paster: EngineClient | null = null;
  let pasteSeq = 0;
  // Started when the paste dialog opens, taken by the first paste.
  let warmPaster: EngineClient | null = null;

  const store = createStore<AppState & AppActions>()((set, get) => {
    function spawn(): EngineClient {
      return new EngineClient(deps.transport());
    }

    /** The worker holding the run on screen, or a fresh idle one if it is gone. */
    function idle(): EngineClient {
      if (!shown || shown.dead) adopt(spawn(), null);
      return shown!;
    }

    /** Makes `client` the shown worker; the previous one is terminated (memory released). */
    function adopt(client: EngineClient, runId: number | null): void {
      const old = shown;
      shown = client;
      client.onDeath((reason) => {
        if (client !== shown) return; // replaced on purpose
        shownDied(reason);
      });
      if (old && old !== client) old.terminate('replaced');
      if (runId === null && get().runId !== null) set({ runId: null });
    }

    function shownDied(reason: string): void {
      shown = null;
      snapInFlight = false;
      if (restarts >= MAX_RESTARTS) {
        set({ notice: { key: 'workerDied', detail: `${reason}; restarted too often, reload the page` } });
        return;
      }
      restarts++;
      set({ notice: { key: 'workerDied', detail: reason }, runId: null });
      // A run in progress will bring its own worker; otherwise the view is rebuilt from the
      // same inputs, which give the same timeline, so the playhead is kept exactly.
      const s = get();
      if (runner || !s.scenario) return;
      void run(s.scenario, s.source, s.settings, { kind: 'at', playhead: s.playhead });
    }

    /** Back to what is on screen after a run that did not land. */
    function revert(notice: Notice | null): void {
      const s = get();
      set({
        phase: 'ready',
        progress: null,
        settings: s.result ? s.result.settings : s.settings,
        ...(s.result ? { source: shownSource } : {}),
        ...(notice ? { notice } : {}),
      });
    }
    // The source of the run on screen (state.source may already name the one being run).
    let shownSource: LinkScenario | null = null;

    async function run(
      scenario: Scenario,
      source: LinkScenario | null,
      settings: Settings,
      keep: Keep,
      retry = 0,
      /** A worker that holds what this run reads already (a paste's parsed rules). */
      warm?: EngineClient,
    ): Promise<boolean> {
      const seq = ++runSeq;
      if (runner) runner.client.terminate('cancelled');
      const want: Want = { seq, scenario, source, settings, keep };
      const client = warm && !warm.dead ? warm : spawn();
      runner = { client, want, stopping: false };
      set({ phase: 'running', progress: null, settings, ...(source ? { source } : {}) });
      let r: ResultOf['run'];
      // The timeline is indexed a chunk at a time as it arrives: no task blocks on all of it.
      const indexer = new TimelineIndexer();
      try {
        await client.ready;
        r = await client.request(
          'run',
          { scenario, settings },
          {
            onProgress: (p) => seq === runSeq && set({ progress: p }),
            onEvents: (chunk) => seq === runSeq && indexer.addChunk(chunk.index),
          },
        );
      } catch (e) {
        if (seq !== runSeq) return false; // cancelled or superseded: nothing to say
        runner = null;
        client.terminate('failed');
        if (e instanceof WorkerDiedError && retry === 0 && restarts < MAX_RESTARTS) {
          // A crash during a run: once more in a fresh worker, with what the user asked for.
          restarts++;
          set({ notice: { key: 'workerDied', detail: e.message } });
          return run(scenario, source, settings, keep, 1);
        }
        revert({ key: 'runFailed', detail: messageOf(e) });
        if (!shown || shown.dead) idle();
        return false;
      }
      if (seq !== runSeq) {
        client.terminate('superseded');
        return false;
      }
      runner = null;
      adopt(client, r.runId);
      shownSource = source;
      const prev = get();
      const n = r.result.events.length;
      const index = indexer.size === n ? indexer.finish() : indexTimeline(r.result.events);
      let playhead: number;
      let selectedPacket = prev.selectedPacket;
      if (keep.kind === 'at') playhead = Math.min(n, Math.max(0, keep.playhead));
      else if (keep.kind === 'link') {
        const at = keep.at;
        playhead = at.kind === 'index' ? Math.min(n, at.index) : playheadOf(index, at);
        const pk = keep.packet;
        selectedPacket = pk === null ? null : pk.kind === 'id' ? pk.id : findPacket(index, pk.key);
      } else {
        const old = keep.from.result?.events.length ?? 0;
        playhead =
          old === 0 || keep.from.playhead >= old
            ? keep.from.result
              ? n
              : 0
            : Math.round((keep.from.playhead / old) * n);
      }
      endFixSearch();
      const stop = r.result.stopped;
      set({
        phase: 'ready',
        progress: null,
        ...(stop
          ? {
              notice:
                stop.key === 'cancelled'
                  ? { key: 'runStopped', detail: stop.text, partial: true }
                  : { key: 'runBudget', detail: stop.text, stop: { key: stop.key, params: stop.params } },
            }
          : {}),
        scenario,
        settings,
        ...(source ? { source } : {}),
        fixes: { phase: 'idle' },
        runId: r.runId,
        result: r.result,
        index,
        moments: new Map(r.moments ?? []),
        selectedPacket,
        playhead,
        cursor: playhead,
        playing: prev.playing && playhead < n,
      });
      return true;
    }

    function endFixSearch(): void {
      fixSeq++;
      fixer?.terminate('cancelled');
      fixer = null;
    }

    requestSnapshot = (): void => {
      const { runId, playhead, result } = get();
      if (runId === null) return;
      snapWanted = { runId, index: playhead, of: result };
      if (snapInFlight) return;
      void pump();
    };

    async function pump(): Promise<void> {
      while (snapWanted) {
        const want = snapWanted;
        snapWanted = null;
        snapInFlight = true;
        try {
          const snap = await idle().request('snapshot', { runId: want.runId, index: want.index });
          if (get().runId === snap.runId && get().result === want.of)
            set({ snapshot: snap, snapshotOf: want.of });
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

    // The saved work to open when a link cannot be (null: the default scenario instead).
    let rescue: SavedWork | null = null;

    async function fallback(detail: string | null): Promise<void> {
      const saved = rescue;
      rescue = null;
      if (detail) set({ notice: { key: 'badLink', detail, instead: saved ? 'work' : 'default' } });
      // The notice names the link; the work opens as it was left, untouched by it.
      if (saved) return openLink(saved.hash, WORK_LIMITS);
      const s = scenarioById(DEFAULT_SCENARIO) ?? get().catalog[0];
      if (!s) {
        set({ phase: 'ready' });
        return;
      }
      set({ selectedPacket: null });
      await run(s, { kind: 'builtin', id: s.id }, {}, { kind: 'at', playhead: 0 });
    }

    async function openLink(hash: string, limits?: DecodeLimits): Promise<void> {
      const link = decodeShareHash(hash, limits);
      if (link.ok === 'none') return fallback(null);
      if (link.ok === false) return fallback(link.error);
      const st = link.state;
      let scenario: Scenario | undefined;
      const changes = st.scenario.changes;
      if (st.scenario.kind === 'builtin') {
        scenario = scenarioById(st.scenario.id);
        if (!scenario) return fallback(`no built-in scenario ${st.scenario.id}`);
        if (changes !== undefined) {
          // The link's commands on the built-in scenario, checked as any scenario from a link.
          const json = { ...scenario, changes };
          const bad = checkShape(json, limits?.shape);
          if (bad) return fallback(`the changes in the link: ${bad}`);
          const loaded = await idle().request('load', { json, source: 'share link' });
          if (!loaded.ok) return fallback(loaded.error);
          scenario = loaded.scenario;
        }
      } else {
        const json = withChanges(st.scenario.json, changes);
        const bad = checkShape(json, limits?.shape);
        if (bad) return fallback(`the scenario in the link: ${bad}`);
        const loaded = await idle().request('load', { json, source: 'share link' });
        if (!loaded.ok) return fallback(loaded.error);
        scenario = loaded.scenario;
      }
      const ran = await run(scenario, st.scenario, st.settings, {
        kind: 'link',
        at: st.at,
        packet: st.packet,
      });
      // A link whose run fails (not one the user stopped or replaced) leaves the default on screen.
      const after = get();
      if (!ran && after.result === null && after.notice?.key === 'runFailed')
        return fallback(after.notice.detail);
      if (ran && st.lesson) {
        const known = after.scenario?.lessons.some((l) => l.id === st.lesson!.id);
        if (!known) set({ notice: { key: 'badLink', detail: `no lesson ${st.lesson.id} in this scenario` } });
        else goToStep(st.lesson.id, st.lesson.step, false);
      }
    }

    /** The playhead that shows a moment of the run on screen (null: it does not happen). */
    function momentAt(m: Moment): number | null {
      const s = get();
      return s.result ? momentOn(s.result, s.moments, m) : null;
    }

    function goToStep(id: string, step: number, seekAlways: boolean): void {
      const lesson = get().scenario?.lessons.find((l) => l.id === id);
      if (!lesson) return;
      const n = Math.max(0, Math.min(lesson.steps.length - 1, step));
      const st = lesson.steps[n]!;
      set({ lesson: { id, step: n, guess: null }, playing: false, playTo: null, selectedPacket: null });
      const at = momentAt(st.at);
      if (at !== null) moveTo(at);
      else if (seekAlways) moveTo(0);
      const hl = st.highlight;
      if (hl?.kind === 'rule')
        get().showRule({ host: hl.host, table: hl.table, chain: hl.chain, rulenum: hl.rulenum });
    }

    return {
      phase: 'starting',
      progress: null,
      catalog: [],
      scenario: null,
      source: null,
      settings: {},
      runId: null,
      result: null,
      index: null,
      moments: new Map(),
      playhead: 0,
      cursor: 0,
      playing: false,
      speed: 8,
      selectedPacket: null,
      snapshot: null,
      snapshotOf: null,
      theme: deps.theme ?? 'light',
      lang: deps.lang ?? 'en',
      notice: null,
      shareLink: '',
      ruleFocus: null,
      presenting: false,
      fixes: { phase: 'idle' },
      applied: [],
      lesson: null,
      playTo: null,
      paste: { phase: 'idle' },
      linkTexts: 0,

      async start(hash, saved = null) {
        let catalog: readonly Scenario[];
        try {
          const c = idle();
          await c.ready;
          catalog = (await c.request('catalog', {})).scenarios;
        } catch (e) {
          set({ phase: 'ready', notice: { key: 'runFailed', detail: messageOf(e) } });
          return;
        }
        set({ catalog });
        const restore = saved !== null && (hash === '' || hash === '#' || hash === saved.link);
        rescue = restore ? null : saved;
        try {
          if (restore) await openLink(saved.hash, WORK_LIMITS);
          else await openLink(hash);
        } catch (e) {
          // Whatever went wrong with the link, the app opens on something usable and says why.
          await fallback(messageOf(e));
        }
      },

      async selectScenario(id) {
        const s = scenarioById(id);
        if (!s) return;
        set({ selectedPacket: null, playing: false, applied: [], lesson: null, playTo: null });
        await run(s, { kind: 'builtin', id }, {}, { kind: 'at', playhead: 0 });
      },

      async openScenarioJson(json, source) {
        const bad = checkShape(json);
        if (bad) {
          set({ notice: { key: 'badFile', detail: `${source}: ${bad}` } });
          return false;
        }
        let loaded: ResultOf['load'];
        try {
          loaded = await idle().request('load', { json, source });
        } catch (e) {
          set({ notice: { key: 'badFile', detail: `${source}: ${messageOf(e)}` } });
          return false;
        }
        if (!loaded.ok) {
          set({ notice: { key: 'badFile', detail: loaded.error } });
          return false;
        }
        set({ selectedPacket: null, playing: false, applied: [], lesson: null, playTo: null });
        return run(loaded.scenario, { kind: 'inline', json }, {}, { kind: 'at', playhead: 0 });
      },

      async setSetting(key, value) {
        const s = get();
        if (!s.scenario) return;
        const spec = s.scenario.settings.find((x) => settingKey(x) === key);
        if (spec && !spec.values.includes(value)) return;
        // While a re-run is under way the user's latest choice wins; it builds on the last request.
        const base = runner ? runner.want : { scenario: s.scenario, source: s.source, settings: s.settings };
        await run(
          base.scenario,
          base.source,
          { ...base.settings, [key]: value },
          { kind: 'relative', from: s },
        );
      },

      stop() {
        const r = runner;
        if (!r || r.stopping) return;
        r.stopping = true;
        // The worker ends the run at its next slice and sends the timeline so far, which lands
        // like any run. One that does not answer in time (stuck inside one step) is terminated.
        r.client.request('cancel', {}).catch(() => {});
        setTimeout(() => {
          if (runner !== r) return;
          runSeq++;
          r.client.terminate('stopped');
          runner = null;
          revert({ key: 'runStopped', detail: '', partial: false });
          if (!shown || shown.dead) idle();
        }, STOP_GRACE_MS);
      },

      play() {
        const s = get();
        const n = s.result?.events.length ?? 0;
        if (n === 0) return;
        // Play at the end starts over, as media players do.
        if (s.playhead >= n) set({ playhead: 0, cursor: 0 });
        set({ playing: true });
      },
      pause: () => set({ playing: false, playTo: null, cursor: get().playhead }),
      togglePlay() {
        if (get().playing) get().pause();
        else get().play();
      },
      step() {
        const s = get();
        if (!s.result) return;
        set({ playing: false });
        moveTo(s.index ? stepForward(s.index, s.playhead) : s.playhead);
      },
      stepBack() {
        const s = get();
        if (!s.result) return;
        set({ playing: false });
        moveTo(s.index ? stepBackward(s.index, s.playhead) : s.playhead);
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
        const n = s.playTo ? Math.min(s.playTo.at, s.result.events.length) : s.result.events.length;
        const speed = s.playTo ? Math.max(s.speed, s.playTo.speed) : s.speed;
        const cursor = Math.min(n, s.cursor + (Math.min(ms, 250) * speed) / 1000);
        const playhead = Math.floor(cursor);
        if (cursor >= n) set({ cursor: n, playhead: n, playing: false, playTo: null });
        else if (playhead !== s.playhead) set({ cursor, playhead });
        else set({ cursor });
      },
      selectPacket: (pkt) => set({ selectedPacket: pkt }),
      setTheme: (theme) => set({ theme }),
      setLang: (lang) => set({ lang }),
      share(baseUrl) {
        const hash = get().workHash();
        if (!hash) return '';
        const link = baseUrl + hash;
        set({ shareLink: link });
        return link;
      },
      whenLinkReady() {
        const source = shownSource ?? get().source;
        if (source?.kind !== 'inline' || compressedReady(source.json)) return Promise.resolve();
        const json = source.json as object;
        if (compressFailed.has(json)) return Promise.resolve();
        if (compressor?.json !== json) {
          compressor?.client.terminate('replaced');
          const c = { client: spawn(), json, waiting: [] as (() => void)[] };
          compressor = c;
          const done = (): void => {
            if (compressor === c) compressor = null;
            c.client.terminate('done');
            for (const w of c.waiting) w();
            set({ linkTexts: get().linkTexts + 1 });
          };
          c.client.ready
            .then(() => c.client.request('compress', { json }))
            .then(
              (r) => {
                rememberCompressed(json, r.doc);
                done();
              },
              (e: unknown) => {
                if (compressor !== c) return; // replaced by a newer scenario
                compressFailed.add(json);
                set({ notice: { key: 'workNotSaved', detail: messageOf(e) } });
                done();
              },
            );
        }
        const c = compressor!;
        return new Promise((resolve) => c.waiting.push(resolve));
      },
      workHash() {
        const s = get();
        const source = shownSource ?? s.source;
        if (!source || !s.result || !s.index) return '';
        if (source.kind === 'inline' && !compressedReady(source.json)) {
          void get().whenLinkReady();
          return '';
        }
        const key = s.selectedPacket === null ? null : packetKey(s.index, s.selectedPacket);
        return encodeShareHash({
          scenario: source,
          settings: s.result.settings,
          at: positionAt(s.index, s.playhead),
          packet: key ? { kind: 'key', key } : null,
          ...(s.lesson ? { lesson: { id: s.lesson.id, step: s.lesson.step } } : {}),
        });
      },
      report: (notice) => set({ notice }),
      dismissNotice: () => set({ notice: null }),
      togglePresentation: () => set({ presenting: !get().presenting }),
      showRule: (r) => set({ ruleFocus: { ...r, seq: (get().ruleFocus?.seq ?? 0) + 1 } }),
      async findFixes() {
        const s = get();
        if (!s.scenario || !s.result) return;
        endFixSearch();
        const seq = fixSeq;
        const client = spawn();
        fixer = client;
        set({ fixes: { phase: 'searching', runs: 0, planned: 0 } });
        try {
          await client.ready;
          const report = await client.request(
            'fixes',
            { scenario: s.scenario, settings: s.result.settings },
            {
              onProgress: (p) =>
                seq === fixSeq &&
                set({ fixes: { phase: 'searching', runs: p.runs ?? 0, planned: p.planned ?? 0 } }),
            },
          );
          if (seq !== fixSeq) return;
          set({ fixes: { phase: 'done', report } });
        } catch (e) {
          if (seq !== fixSeq) return; // cancelled or replaced: nothing to say
          set({ fixes: { phase: 'failed', detail: messageOf(e) } });
        } finally {
          if (seq === fixSeq) {
            fixer = null;
            client.terminate('done');
          }
        }
      },
      cancelFixes() {
        if (!fixer) return;
        endFixSearch();
        set({ fixes: { phase: 'cancelled' } });
      },
      async applyFix(fix) {
        const s = get();
        if (!s.scenario) return;
        const before: AppliedFix = { fix, changes: s.scenario.changes };
        set({ playing: false });
        // The same path as a command typed in the console: the scenario's changes, re-run.
        if (await get().setChanges(withFix(s.scenario, fix.changes).changes))
          set({ applied: [...get().applied, before] });
      },
      async undoFix() {
        const list = get().applied;
        const last = list.at(-1);
        if (!last) return;
        set({ playing: false });
        if (await get().setChanges(last.changes)) set({ applied: list.slice(0, -1) });
      },
      async openLesson(scenarioId, id, step = 0) {
        const s = get();
        // A lesson starts from its scenario as written (a hands-on step must still be to do),
        // unless that is what is on screen already.
        const onScreen =
          s.scenario?.id === scenarioId && s.scenario.changes.length === 0 && s.result !== null;
        if (!onScreen) {
          if (scenarioById(scenarioId)) await get().selectScenario(scenarioId);
          else if (s.scenario?.id !== scenarioId) return;
        }
        goToStep(id, step, true);
      },
      closeLesson: () => set({ lesson: null, playTo: null }),
      lessonGo(step) {
        const l = get().lesson;
        if (l) goToStep(l.id, step, false);
      },
      predict(choice) {
        const s = get();
        const cur = currentLesson(s);
        const p = cur?.lesson.steps[cur.step]?.predict;
        if (!s.lesson || !p || s.lesson.guess !== null) return;
        set({ lesson: { ...s.lesson, guess: choice } });
        const at = momentAt(p.reveal);
        if (at === null || at <= s.playhead) {
          if (at !== null) moveTo(at);
          return;
        }
        // Plays on to the answer in about two seconds, however far it is.
        set({ playing: true, cursor: s.playhead, playTo: { at, speed: (at - s.playhead) / 2 } });
      },
      async pasteNode(input) {
        const s = get();
        if (!s.scenario) return false;
        const seq = ++pasteSeq;
        paster?.terminate('replaced');
        const client = warmPaster && !warmPaster.dead ? warmPaster : spawn();
        warmPaster = null;
        paster = client;
        set({ paste: { phase: 'reading', step: '', lines: 0, total: 0 } });
        let r: ResultOf['import'];
        try {
          await client.ready;
          r = await client.request(
            'import',
            { scenario: s.scenario, input },
            {
              onProgress: (p) =>
                seq === pasteSeq &&
                set({
                  paste: { phase: 'reading', step: p.step ?? '', lines: p.lines ?? 0, total: p.total ?? 0 },
                }),
            },
          );
        } catch (e) {
          client.terminate('failed');
          if (seq !== pasteSeq) return false; // cancelled or replaced: nothing to say
          paster = null;
          set({ paste: { phase: 'failed', error: { kind: 'target', line: 0, message: messageOf(e) } } });
          return false;
        }
        if (seq !== pasteSeq) {
          client.terminate('superseded');
          return false;
        }
        paster = null;
        if (!r.ok) {
          client.terminate('done');
          set({ paste: { phase: 'failed', error: r.error } });
          return false;
        }
        // The paste says what the host's sysctls are: overrides of that host would hide them.
        const settings = Object.fromEntries(
          Object.entries(s.settings).filter(([k]) => !k.startsWith(`${r.host}:`)),
        );
        set({
          paste: { phase: 'done', host: r.host, notes: r.notes },
          selectedPacket: null,
          playing: false,
          applied: [],
          lesson: null,
          playTo: null,
        });
        return run(
          r.scenario,
          { kind: 'inline', json: r.scenario },
          settings,
          { kind: 'at', playhead: Number.MAX_SAFE_INTEGER },
          0,
          client,
        );
      },
      preparePaste() {
        if (!warmPaster || warmPaster.dead) warmPaster = spawn();
      },
      dropPaste() {
        warmPaster?.terminate('unused');
        warmPaster = null;
      },
      cancelPaste() {
        if (!paster) return;
        pasteSeq++;
        paster.terminate('cancelled');
        paster = null;
        set({ paste: { phase: 'idle' } });
      },
      clearPaste() {
        if (get().paste.phase !== 'reading') set({ paste: { phase: 'idle' } });
      },
      crashWorker() {
        (runner?.client ?? shown)?.terminate('simulated crash');
      },
      async pcap(host, ifname) {
        const { runId } = get();
        if (runId === null) return null;
        try {
          return (await idle().request('pcap', { runId, host, ifname })).bytes;
        } catch {
          return null;
        }
      },
      async rulesWindow(host, view, from, count, find) {
        const { runId, playhead } = get();
        if (runId === null) return null;
        try {
          return await idle().request('rules', {
            runId,
            index: playhead,
            host,
            view,
            from,
            count,
            ...(find ? { find } : {}),
          });
        } catch {
          return null;
        }
      },
      async consoleRun(host, line) {
        const { runId, playhead } = get();
        if (runId === null) return null;
        try {
          return await idle().request('command', { runId, index: playhead, host, line });
        } catch (e) {
          return { stdout: '', stderr: `${messageOf(e)}\n`, exit: 1, change: false };
        }
      },
      async setChanges(changes) {
        const s = get();
        if (!s.scenario) return false;
        const base = runner ? runner.want : { scenario: s.scenario, source: s.source, settings: s.settings };
        const scenario: Scenario = { ...base.scenario, changes: [...changes] };
        // The link names what the scenario came from and carries the commands beside it (chg),
        // not the whole scenario again.
        const source: LinkScenario = !base.source
          ? { kind: 'inline', json: scenario }
          : base.source.kind === 'builtin' && changes.length === 0
            ? { kind: 'builtin', id: base.source.id }
            : { ...base.source, changes: scenario.changes };
        return run(scenario, source, base.settings, {
          kind: 'at',
          playhead: s.playhead,
        });
      },
      async editScenario(scenario, settings) {
        const s = get();
        return run(scenario, { kind: 'inline', json: scenario }, settings, {
          kind: 'at',
          playhead: s.playhead,
        });
      },
    };
  });

  // The snapshot follows the playhead and the run.
  store.subscribe((s, prev) => {
    // Each run has a fresh worker, whose run ids start again at 1: a new result is a new run
    // even when the id and the playhead are the same as before.
    if (s.runId !== prev.runId || s.result !== prev.result || s.playhead !== prev.playhead) requestSnapshot();
  });
  // A worker that died without a word is found by asking it, not only when the user acts.
  const beat = deps.heartbeatMs ?? HEARTBEAT_MS;
  if (beat > 0)
    setInterval(() => {
      if (shown && !shown.dead && !runner) shown.request('ping', {}).catch(() => {});
    }, beat);
  return store;
}

/**
 * The playhead showing a lesson's moment on the run on screen (null: it does not happen): the
 * worker's answer, resolved where the events are objects; a run that came without answers (not
 * streamed from a worker: tests, the bench harness) holds its events as objects and is scanned.
 */
export function momentOn(
  result: RunResult,
  moments: ReadonlyMap<string, number | null>,
  m: Moment,
): number | null {
  const hit = moments.get(momentKey(m));
  return hit !== undefined ? hit : resolveMoment(result.events, m);
}
