// The worker's brain without the worker: a request -> response function over an injected
// engine, so tests call it directly and the worker file only wires `onmessage` to it. A run is
// stepped in slices (the engine's RunSession) with a yield to the event loop between them, so
// the worker reads a `cancel` while it runs and answers with the timeline up to there.
import { compressToEncodedURIComponent } from 'lz-string';
import type { RunOutcomeOf, RunResult, RunSession, Scenario, Settings } from '../engine/api';
import type { FixReport } from '../engine/fix/search';
import type { PasteInput } from '../engine/import/build';
import { resolveMoments } from '../engine/lesson/moment';
import { ChunkIndexer } from '../ui/timeline';
import type { RulesLines, RulesView } from '../engine/timeline/views';
import {
  EVENTS_PER_MESSAGE,
  type LoadResult,
  MAX_RULES_LINES,
  type Progress,
  PROTOCOL_VERSION,
  type RequestMessage,
  type ResponseMessage,
  type ResultOf,
  type RunId,
  type Snapshot,
  serializeError,
} from './protocol';

/** The engine as the worker uses it; the real one is bound in engineApi.ts. */
export interface EngineApi {
  readonly builtins: readonly Scenario[];
  parseScenario(json: unknown, source: string): LoadResult;
  startRun(scenario: Scenario, settings: Settings): RunOutcomeOf<RunSession>;
  /** The fix search; `progress` after each run it makes. */
  findFixes(
    scenario: Scenario,
    settings: Settings,
    progress?: (p: Progress) => void,
  ): RunOutcomeOf<FixReport>;
  /** The views' text after the first `index` events (index already clamped to the timeline). */
  snapshot(result: RunResult, index: number): Pick<Snapshot, 'now' | 'hosts'>;
  /** One rules text of `host` after the first `index` events, as lines printed when asked (see `rules`). */
  rulesLines(result: RunResult, index: number, host: string, view: RulesView): RulesLines;
  /** A console line on `host` after the first `index` events. */
  command(result: RunResult, index: number, host: string, line: string): ResultOf['command'];
  pcap(result: RunResult, host: string, ifname: string): Uint8Array | undefined;
  /** A paste read into a host (engine/import); `progress` at each step and while reading rules. */
  importPaste(scenario: Scenario, input: PasteInput, progress?: (p: Progress) => void): ResultOf['import'];
}

/** Runs the UI still shows: the current one and the one it replaces while a re-run lands. */
const KEEP_RUNS = 4;
/** Progress messages are spaced at least this far apart (wall time, ms). */
export const PROGRESS_EVERY_MS = 100;
/** A slice of a run lasts about this long before the worker looks at its messages (ms). */
export const SLICE_MS = 15;
/** Scheduler tasks between two looks at the clock. */
const TASKS_PER_CHECK = 256;

export interface DispatcherOptions {
  /** Wall clock (ms), for slices and progress spacing. */
  readonly clock?: () => number;
  /** Lets queued messages (a cancel) in; the worker uses a MessageChannel round trip. */
  readonly yieldNow?: () => Promise<void>;
  /** Events per `events` message of a run's answer (tests use small ones). */
  readonly eventsPerMessage?: number;
}

export interface Dispatcher {
  /** The unsolicited greeting the worker sends first. */
  ready(): ResponseMessage;
  /** The answer to `msg`; `emit` carries the progress messages sent before it. */
  handle(
    msg: RequestMessage,
    emit?: (m: ResponseMessage) => void,
  ): ResponseMessage | Promise<ResponseMessage>;
}

/** A macrotask turn without setTimeout's clamping: lets the message queue run. */
export function messageChannelYield(): () => Promise<void> {
  const ch = new MessageChannel();
  const waiting: (() => void)[] = [];
  ch.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      ch.port2.postMessage(0);
    });
}

/** A host's loaded ruleset longer than this is not printed for the run's answer (see ResultOf['run']). */
export const SUMMARY_SAVE_MAX_CHARS = 512 * 1024;

/**
 * `h` without its `iptablesSave` when the host's ruleset is long: the summary prints it when
 * read (a getter), so it is neither read nor copied here.
 */
function withoutLongSave(h: RunResult['hosts'][number], scenario: Scenario): RunResult['hosts'][number] {
  const text = scenario.hosts.find((x) => x.name === h.name)?.iptables_save ?? '';
  if (text.length <= SUMMARY_SAVE_MAX_CHARS) return h;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(h))
    if (k !== 'iptablesSave') out[k] = (h as unknown as Record<string, unknown>)[k];
  return { ...(out as Omit<typeof h, 'iptablesSave'>), iptablesSave: '' };
}

export function createDispatcher(engine: EngineApi, opts: DispatcherOptions = {}): Dispatcher {
  const clock = opts.clock ?? (() => Date.now());
  const yieldNow = opts.yieldNow ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  let nextMessageId = 1;
  let nextRunId: RunId = 1;
  // Insertion order doubles as age: the oldest run is evicted first.
  const runs = new Map<RunId, RunResult>();
  // Runs in progress, by the id of their request, and whether a cancel came for them.
  const active = new Map<number, { cancelled: boolean }>();

  const perMessage = Math.max(1, opts.eventsPerMessage ?? EVENTS_PER_MESSAGE);

  /**
   * Keeps the result for snapshots and answers with it. With a channel to send on, the
   * timeline goes ahead in bounded `events` messages and the answer carries none of it (see
   * ResultOf['run']): the UI thread then reads it a chunk per task, never all in one.
   */
  function keep(
    msg: RequestMessage,
    result: RunResult,
    emit: ((m: ResponseMessage) => void) | undefined,
  ): ResultOf['run'] {
    const runId = nextRunId++;
    runs.set(runId, result);
    for (const id of runs.keys()) if (runs.size > KEEP_RUNS) runs.delete(id);
    if (!emit) return { runId, result };
    const hosts = result.hosts.map((h) => withoutLongSave(h, result.scenario));
    const all = result.events;
    const indexer = new ChunkIndexer();
    for (let from = 0; from < all.length; from += perMessage) {
      const part = all.slice(from, from + perMessage);
      emit({
        messageId: nextMessageId++,
        type: 'events',
        requestId: msg.messageId,
        data: { from, count: part.length, json: JSON.stringify(part), index: indexer.index(part) },
      });
    }
    return {
      runId,
      result: { ...result, hosts, events: [] },
      streamed: all.length,
      moments: resolveMoments(all, result.scenario.lessons),
    };
  }

  async function run(
    msg: RequestMessage & { type: 'run' },
    emit?: (m: ResponseMessage) => void,
  ): Promise<ResultOf['run']> {
    const started = engine.startRun(msg.data.scenario, msg.data.settings);
    if (!started.ok) throw new Error(started.error);
    const session = started.result;
    const me = { cancelled: false };
    active.set(msg.messageId, me);
    let lastReport = clock();
    try {
      for (;;) {
        const sliceEnd = clock() + SLICE_MS;
        let out: RunOutcomeOf<RunResult> | undefined;
        do out = session.advance(TASKS_PER_CHECK);
        while (!out && clock() < sliceEnd);
        if (out) {
          if (!out.ok) throw new Error(out.error);
          return keep(msg, out.result, emit);
        }
        if (emit && clock() - lastReport >= PROGRESS_EVERY_MS) {
          lastReport = clock();
          const p = session.progress();
          emit({
            messageId: nextMessageId++,
            type: 'progress',
            requestId: msg.messageId,
            data: { events: p.events, now: p.now, horizon: p.horizon },
          });
        }
        await yieldNow();
        if (me.cancelled) {
          const r = session.cancel();
          if (!r.ok) throw new Error(r.error);
          return keep(msg, r.result, emit);
        }
      }
    } finally {
      active.delete(msg.messageId);
    }
  }

  function reporter(msg: RequestMessage, emit?: (m: ResponseMessage) => void) {
    if (!emit) return undefined;
    let last = clock();
    return (p: Progress): void => {
      const now = clock();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      emit({ messageId: nextMessageId++, type: 'progress', requestId: msg.messageId, data: p });
    };
  }

  function answer(
    msg: RequestMessage,
    emit?: (m: ResponseMessage) => void,
  ): ResultOf[RequestMessage['type']] {
    switch (msg.type) {
      case 'catalog':
        return { scenarios: engine.builtins };
      case 'load':
        return engine.parseScenario(msg.data.json, msg.data.source);
      case 'run':
        throw new Error('run is answered asynchronously'); // handled in `handle`
      case 'cancel': {
        let cancelled = false;
        for (const a of active.values()) {
          a.cancelled = true;
          cancelled = true;
        }
        return { cancelled };
      }
      case 'snapshot': {
        const result = runs.get(msg.data.runId);
        if (!result) throw new Error(`run ${msg.data.runId} is not (or no longer) held by the worker`);
        const index = Math.max(0, Math.min(result.events.length, Math.trunc(msg.data.index) || 0));
        return { runId: msg.data.runId, index, ...engine.snapshot(result, index) };
      }
      case 'command': {
        const result = runs.get(msg.data.runId);
        if (!result) throw new Error(`run ${msg.data.runId} is not (or no longer) held by the worker`);
        const index = Math.max(0, Math.min(result.events.length, Math.trunc(msg.data.index) || 0));
        return engine.command(result, index, msg.data.host, String(msg.data.line).slice(0, 1_000_000));
      }
      case 'rules': {
        const d = msg.data;
        const result = runs.get(d.runId);
        if (!result) throw new Error(`run ${d.runId} is not (or no longer) held by the worker`);
        const index = Math.max(0, Math.min(result.events.length, Math.trunc(d.index) || 0));
        // Only the lines asked for are printed: the worker stays free for the next question.
        const text = engine.rulesLines(result, index, String(d.host), d.view);
        const from = Math.max(0, Math.min(text.length, Math.trunc(d.from) || 0));
        const count = Math.max(0, Math.min(MAX_RULES_LINES, text.length - from, Math.trunc(d.count) || 0));
        const lines: string[] = [];
        for (let k = from; k < from + count; k++) lines.push(text.line(k));
        return {
          index,
          view: d.view,
          total: text.length,
          from,
          lines,
          found: d.find ? text.find(d.find) : -1,
        };
      }
      case 'fixes': {
        const r = engine.findFixes(msg.data.scenario, msg.data.settings, reporter(msg, emit));
        if (!r.ok) throw new Error(r.error);
        return r.result;
      }
      case 'pcap': {
        const result = runs.get(msg.data.runId);
        if (!result) throw new Error(`run ${msg.data.runId} is not (or no longer) held by the worker`);
        return { bytes: engine.pcap(result, String(msg.data.host), String(msg.data.ifname)) ?? null };
      }
      case 'import':
        return engine.importPaste(msg.data.scenario, msg.data.input, reporter(msg, emit));
      case 'compress':
        return { doc: compressToEncodedURIComponent(JSON.stringify(msg.data.json)) };
      case 'release':
        return { released: runs.delete(msg.data.runId) };
      case 'ping':
        return { pong: true };
      default: {
        // Exhaustiveness: a new request type fails to compile here until it is handled.
        const never: never = msg;
        throw new Error(`unknown request type ${(never as { type: string }).type}`);
      }
    }
  }

  const ok = (msg: RequestMessage, data: ResultOf[RequestMessage['type']]): ResponseMessage => ({
    messageId: nextMessageId++,
    type: 'ok',
    requestId: msg.messageId,
    data,
  });
  const fail = (msg: RequestMessage, e: unknown): ResponseMessage => ({
    messageId: nextMessageId++,
    type: 'error',
    requestId: msg.messageId,
    data: serializeError(e),
  });

  return {
    ready: () => ({ messageId: nextMessageId++, type: 'ready', data: { version: PROTOCOL_VERSION } }),
    handle(msg, emit) {
      if (msg.type === 'run')
        return run(msg, emit).then(
          (r) => ok(msg, r),
          (e: unknown) => fail(msg, e),
        );
      try {
        return ok(msg, answer(msg, emit));
      } catch (e) {
        return fail(msg, e);
      }
    },
  };
}
