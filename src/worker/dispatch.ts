// The worker's brain without the worker: a pure request -> response function over an injected
// engine, so tests call it directly and the worker file only wires `onmessage` to it.
import type { RunOutcomeOf, RunResult, Scenario, Settings } from '../engine/api';
import type { FixReport } from '../engine/fix/search';
import {
  type LoadResult,
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
  /** `progress` is called between scheduler events, as often as the engine likes. */
  runScenario(scenario: Scenario, settings: Settings, progress?: (p: Progress) => void): RunResult;
  /** The fix search; `progress` after each run it makes. */
  findFixes(
    scenario: Scenario,
    settings: Settings,
    progress?: (p: Progress) => void,
  ): RunOutcomeOf<FixReport>;
  /** The views' text after the first `index` events (index already clamped to the timeline). */
  snapshot(result: RunResult, index: number): Pick<Snapshot, 'now' | 'hosts'>;
  /** A console line on `host` after the first `index` events. */
  command(result: RunResult, index: number, host: string, line: string): ResultOf['command'];
  pcap(result: RunResult, host: string, ifname: string): Uint8Array | undefined;
}

/** Runs the UI still shows: the current one and the one it replaces while a re-run lands. */
const KEEP_RUNS = 4;
/** Progress messages are spaced at least this far apart (wall time, ms). */
export const PROGRESS_EVERY_MS = 100;

export interface Dispatcher {
  /** The unsolicited greeting the worker sends first. */
  ready(): ResponseMessage;
  /** The answer to `msg`; `emit` carries the progress messages sent before it. */
  handle(msg: RequestMessage, emit?: (m: ResponseMessage) => void): ResponseMessage;
}

export function createDispatcher(engine: EngineApi, clock: () => number = () => Date.now()): Dispatcher {
  let nextMessageId = 1;
  let nextRunId: RunId = 1;
  // Insertion order doubles as age: the oldest run is evicted first.
  const runs = new Map<RunId, RunResult>();

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
      case 'run': {
        const result = engine.runScenario(msg.data.scenario, msg.data.settings, reporter(msg, emit));
        const runId = nextRunId++;
        runs.set(runId, result);
        for (const id of runs.keys()) if (runs.size > KEEP_RUNS) runs.delete(id);
        return { runId, result };
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

  return {
    ready: () => ({ messageId: nextMessageId++, type: 'ready', data: { version: PROTOCOL_VERSION } }),
    handle(msg, emit) {
      try {
        return { messageId: nextMessageId++, type: 'ok', requestId: msg.messageId, data: answer(msg, emit) };
      } catch (e) {
        return {
          messageId: nextMessageId++,
          type: 'error',
          requestId: msg.messageId,
          data: serializeError(e),
        };
      }
    },
  };
}
