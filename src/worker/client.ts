// The UI side of the protocol. Unlike duckdb-wasm's client, a dead worker never leaves a
// promise hanging: every pending request is rejected with WorkerDiedError, and so is every
// later one, so the caller can restart a fresh client and re-issue what it needs. A worker
// that stops answering (it exited silently, or a run went quiet) counts as dead: each request
// has a deadline, a running one is kept alive by its progress messages, and a dead worker is
// terminated so that its memory is released.
import { ChunkedTimeline } from './chunkedTimeline';
import { longStrings, restoreEcho } from './echo';
import { checkShape, MAX_REQUEST_CHARS } from './limits';
import {
  type EventsChunk,
  type Progress,
  PROTOCOL_VERSION,
  type Request,
  type RequestMessage,
  type RequestType,
  type ResponseMessage,
  type ResultOf,
  WorkerDiedError,
  WorkerError,
} from './protocol';

/** Whatever carries messages: a Worker, or a fake in tests. */
export interface Transport {
  post(msg: RequestMessage): void;
  /** Called once; the transport delivers every message from the worker to `onMessage`. */
  listen(onMessage: (msg: ResponseMessage) => void, onDeath: (reason: string) => void): void;
  terminate(): void;
}

type DataOf<T extends RequestType> = Extract<Request, { type: T }>['data'];

interface Pending {
  readonly type: RequestType;
  /** The request's long strings, which its answer names instead of carrying (echo.ts). */
  readonly sent: readonly string[];
  resolve(v: unknown): void;
  reject(e: Error): void;
  onProgress?: (p: Progress) => void;
  onEvents?: (chunk: EventsChunk) => void;
  /** A run's timeline as its `events` messages bring it. */
  timeline?: ChunkedTimeline;
  /** Silence allowed before the worker is declared dead (ms). */
  readonly silenceMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface RequestOptions {
  /** Progress messages of a run. */
  readonly onProgress?: (p: Progress) => void;
  /**
   * Each chunk of a run's timeline as it arrives (in order, before the answer), so the caller
   * can index it a chunk per task (chunk.index) instead of all at once when the answer lands.
   */
  readonly onEvents?: (chunk: EventsChunk) => void;
  /** Overrides the default deadline of this request type (ms). */
  readonly silenceMs?: number;
}

/**
 * How long a request may go without a word from the worker. Everything but a run is answered
 * in milliseconds even on a loaded machine; a run reports progress several times a second, so
 * a quiet one is a worker that died without an `error` event.
 */
/** Time a new worker has to load its script and greet. */
export const READY_MS = 30_000;

export const SILENCE_MS: Readonly<Record<RequestType, number>> = {
  catalog: 20_000,
  load: 20_000,
  run: 30_000,
  snapshot: 20_000,
  command: 20_000,
  rules: 20_000,
  // One call without progress: lz-string on a 13 MB scenario, on a loaded machine.
  compress: 600_000,
  fixes: 30_000,
  import: 30_000,
  pcap: 20_000,
  release: 20_000,
  cancel: 20_000,
  ping: 10_000,
};

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private deathReason: string | undefined;
  private readonly deathListeners: ((reason: string) => void)[] = [];
  private readonly logListeners: ((level: string, text: string) => void)[] = [];
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Resolves when the worker greeted us with our protocol version. */
  readonly ready: Promise<void>;

  constructor(private readonly transport: Transport) {
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    // Nobody may be waiting on `ready`; a death is reported through onDeath as well.
    this.ready.catch(() => {});
    this.deathListeners.push((reason) => readyReject(new WorkerDiedError(reason)));
    // A worker whose script never loads says nothing at all: give it a deadline too.
    this.readyTimer = setTimeout(() => this.die('the engine worker did not start'), READY_MS);
    this.ready.then(
      () => clearTimeout(this.readyTimer),
      () => {},
    );
    transport.listen(
      (msg) => {
        switch (msg.type) {
          case 'ready':
            if (msg.data.version === PROTOCOL_VERSION) readyResolve();
            else this.die(`worker speaks protocol ${msg.data.version}, expected ${PROTOCOL_VERSION}`);
            return;
          case 'log':
            for (const l of this.logListeners) l(msg.data.level, msg.data.text);
            return;
          case 'progress': {
            const p = this.pending.get(msg.requestId);
            if (!p) return;
            this.arm(p);
            p.onProgress?.(msg.data);
            return;
          }
          case 'events': {
            const p = this.pending.get(msg.requestId);
            if (!p) return;
            this.arm(p);
            p.timeline ??= new ChunkedTimeline();
            try {
              p.timeline.append(msg.data);
              p.onEvents?.(msg.data);
            } catch (e) {
              this.fail(msg.requestId, p, e instanceof Error ? e : new Error(String(e)));
            }
            return;
          }
          case 'ok':
          case 'error': {
            const p = this.pending.get(msg.requestId);
            if (!p) return; // answer to a request already rejected by a death: ignore
            if (msg.type === 'error') return this.fail(msg.requestId, p, new WorkerError(msg.data));
            const echoed = restoreEcho(msg.data, p.sent);
            const data = p.type === 'run' ? withTimeline(echoed as ResultOf['run'], p.timeline) : echoed;
            if (data instanceof Error) return this.fail(msg.requestId, p, data);
            this.pending.delete(msg.requestId);
            clearTimeout(p.timer);
            p.resolve(data);
            return;
          }
          default: {
            const never: never = msg;
            return never;
          }
        }
      },
      (reason) => this.die(reason),
    );
  }

  get dead(): boolean {
    return this.deathReason !== undefined;
  }

  request<T extends RequestType>(type: T, data: DataOf<T>, opts: RequestOptions = {}): Promise<ResultOf[T]> {
    if (this.deathReason !== undefined) return Promise.reject(new WorkerDiedError(this.deathReason));
    // Refused before postMessage, whose structured clone would throw (or worse) on it.
    const bad = checkShape(data, { maxChars: MAX_REQUEST_CHARS });
    if (bad) return Promise.reject(new InputError(bad));
    const messageId = this.nextId++;
    return new Promise<ResultOf[T]>((resolve, reject) => {
      const p: Pending = {
        type,
        sent: longStrings(data),
        resolve: resolve as (v: unknown) => void,
        reject,
        silenceMs: opts.silenceMs ?? SILENCE_MS[type],
        timer: undefined,
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        ...(opts.onEvents ? { onEvents: opts.onEvents } : {}),
      };
      this.pending.set(messageId, p);
      try {
        this.transport.post({ messageId, type, data } as RequestMessage);
      } catch (e) {
        // e.g. DataCloneError: this request fails, the worker lives on.
        this.pending.delete(messageId);
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.arm(p);
    });
  }

  private fail(id: number, p: Pending, e: Error): void {
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(e);
  }

  /** (Re)starts the request's deadline: silence past it means the worker is gone. */
  private arm(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.die(`no answer to ${p.type} within ${Math.round(p.silenceMs / 1000)} s`);
    }, p.silenceMs);
  }

  onDeath(cb: (reason: string) => void): () => void {
    this.deathListeners.push(cb);
    return () => {
      const i = this.deathListeners.indexOf(cb);
      if (i >= 0) this.deathListeners.splice(i, 1);
    };
  }

  onLog(cb: (level: string, text: string) => void): void {
    this.logListeners.push(cb);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Ends the worker for good (its memory is released); pending requests fail with `reason`. */
  terminate(reason = 'terminated'): void {
    this.die(reason);
  }

  private die(reason: string): void {
    if (this.deathReason !== undefined) return;
    this.deathReason = reason;
    clearTimeout(this.readyTimer);
    // Whatever the cause, the worker is ended for good: a half-dead one holds its memory.
    this.transport.terminate();
    const err = new WorkerDiedError(reason);
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const l of [...this.deathListeners]) l(reason);
  }
}

/** A run's answer with the timeline its `events` messages brought put back (see ResultOf['run']). */
function withTimeline(r: ResultOf['run'], timeline: ChunkedTimeline | undefined): ResultOf['run'] | Error {
  if (r.streamed === undefined) return r;
  const got = timeline?.length ?? 0;
  if (got !== r.streamed) return new Error(`run timeline incomplete: ${got} of ${r.streamed} events arrived`);
  return {
    runId: r.runId,
    result: { ...r.result, events: timeline ? timeline.asArray() : [] },
    ...(r.moments ? { moments: r.moments } : {}),
  };
}

/** A request refused on this side because its data is not sendable (too deep, too big). */
export class InputError extends Error {
  override name = 'InputError';
}

/** The real transport: a module worker built by Vite. */
export function workerTransport(): Transport {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'nflab-engine',
  });
  return {
    post: (msg) => worker.postMessage(msg),
    listen(onMessage, onDeath) {
      worker.addEventListener('message', (e: MessageEvent<ResponseMessage>) => onMessage(e.data));
      worker.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        // An error event may leave the worker alive in a broken state: end it for good.
        worker.terminate();
        onDeath(e.message || 'the engine worker crashed');
      });
      worker.addEventListener('messageerror', () =>
        onDeath('a message from the engine worker could not be read'),
      );
    },
    terminate: () => worker.terminate(),
  };
}
