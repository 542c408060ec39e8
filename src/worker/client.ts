// The UI side of the protocol. Unlike duckdb-wasm's client, a dead worker never leaves a
// promise hanging: every pending request is rejected with WorkerDiedError, and so is every
// later one, so the caller can restart a fresh client and re-issue what it needs.
import {
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
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private deathReason: string | undefined;
  private readonly deathListeners: ((reason: string) => void)[] = [];
  private readonly logListeners: ((level: string, text: string) => void)[] = [];
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
          case 'ok':
          case 'error': {
            const p = this.pending.get(msg.requestId);
            if (!p) return; // answer to a request already rejected by a death: ignore
            this.pending.delete(msg.requestId);
            if (msg.type === 'ok') p.resolve(msg.data);
            else p.reject(new WorkerError(msg.data));
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

  request<T extends RequestType>(type: T, data: DataOf<T>): Promise<ResultOf[T]> {
    if (this.deathReason !== undefined) return Promise.reject(new WorkerDiedError(this.deathReason));
    const messageId = this.nextId++;
    return new Promise<ResultOf[T]>((resolve, reject) => {
      this.pending.set(messageId, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.transport.post({ messageId, type, data } as RequestMessage);
      } catch (e) {
        // e.g. DataCloneError: this request fails, the worker lives on.
        this.pending.delete(messageId);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
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

  terminate(): void {
    this.transport.terminate();
    this.die('terminated');
  }

  private die(reason: string): void {
    if (this.deathReason !== undefined) return;
    this.deathReason = reason;
    const err = new WorkerDiedError(reason);
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
    for (const l of [...this.deathListeners]) l(reason);
  }
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
        onDeath(e.message || 'the engine worker crashed');
      });
      worker.addEventListener('messageerror', () =>
        onDeath('a message from the engine worker could not be read'),
      );
    },
    terminate: () => worker.terminate(),
  };
}
