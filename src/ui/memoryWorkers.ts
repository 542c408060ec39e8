// Test support: in-memory engine workers over the real dispatcher, for store tests.
import type { Transport } from '../worker/client';
import { createDispatcher } from '../worker/dispatch';
import type { RequestMessage, ResponseMessage } from '../worker/protocol';
import { fakeEngine } from '../worker/testEngine';

/**
 * In-memory workers over the real dispatcher. `kill` simulates a crash of the newest live one;
 * with `holdRuns`, runs wait in their worker until `finishRuns()`, so a test can act while one
 * is in progress.
 */
export function memoryWorkers(
  opts: { holdRuns?: boolean; holdFixes?: boolean; tweak?: (e: ReturnType<typeof fakeEngine>) => void } = {},
) {
  interface W {
    engine: ReturnType<typeof fakeEngine>;
    alive: boolean;
    terminated: boolean;
    kill(): void;
    held: (() => void)[];
  }
  const workers: W[] = [];
  const transport = (): Transport => {
    const engine = fakeEngine();
    opts.tweak?.(engine);
    let tick = 0;
    const d = createDispatcher(engine, {
      clock: () => (tick += 1000),
      yieldNow: () => new Promise((r) => setTimeout(r, 0)),
    });
    let deliver!: (m: ResponseMessage) => void;
    const w: W = { engine, alive: true, terminated: false, kill: () => {}, held: [] };
    workers.push(w);
    const handle = async (m: RequestMessage) => {
      if (!w.alive) return;
      const r = await d.handle(m, (x) => w.alive && deliver(x));
      if (w.alive) deliver(r);
    };
    return {
      post(m) {
        if ((opts.holdRuns && m.type === 'run') || (opts.holdFixes && m.type === 'fixes'))
          w.held.push(() => handle(m));
        else queueMicrotask(() => handle(m));
      },
      listen(onMessage, onDeath) {
        deliver = onMessage;
        w.kill = () => {
          w.alive = false;
          onDeath('crashed');
        };
        queueMicrotask(() => onMessage(d.ready()));
      },
      terminate() {
        w.alive = false;
        w.terminated = true;
      },
    };
  };
  return {
    transport,
    workers,
    engines: () => workers.map((w) => w.engine),
    live: () => workers.filter((w) => w.alive),
    kill: () =>
      workers
        .filter((w) => w.alive)
        .at(-1)!
        .kill(),
    finishRuns: () => {
      for (const w of workers) for (const f of w.held.splice(0)) f();
    },
  };
}

export const settle = () => new Promise((r) => setTimeout(r, 5));
