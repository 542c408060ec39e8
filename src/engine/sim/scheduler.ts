import type { Micros } from '../timeline/events';

/** A heap entry. The packet path schedules objects that carry their own `run` to spare a closure per hop. */
export interface Task {
  t: Micros;
  seq: number;
  run(): void;
}

class FnTask implements Task {
  constructor(
    public t: Micros,
    public seq: number,
    private readonly fn: () => void,
  ) {}
  run(): void {
    this.fn();
  }
}

/**
 * The virtual clock: a binary heap of tasks ordered by time, then by insertion, so that
 * equal-time tasks run in the order they were scheduled and every run is deterministic.
 */
export class Scheduler {
  now: Micros = 0;
  private heap: Task[] = [];
  private seq = 0;

  at(t: Micros, fn: () => void): void {
    this.push(new FnTask(Math.max(t, this.now), 0, fn));
  }

  /** Schedules a task object at `task.t` (clamped to now); its seq is assigned here. */
  push(task: Task): void {
    if (task.t < this.now) task.t = this.now;
    task.seq = this.seq++;
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(task, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = task;
  }

  after(delay: Micros, fn: () => void): void {
    this.at(this.now + delay, fn);
  }

  get pending(): number {
    return this.heap.length;
  }

  /** The latest time any pending task is due (a scan: for progress, not the hot path). */
  lastTime(): Micros | undefined {
    let last: Micros | undefined;
    for (const t of this.heap) if (last === undefined || t.t > last) last = t.t;
    return last;
  }

  peekTime(): Micros | undefined {
    return this.heap[0]?.t;
  }

  /** Runs the next task; false when none is left. */
  step(): boolean {
    const h = this.heap;
    const top = h[0];
    if (!top) return false;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    this.now = top.t;
    top.run();
    return true;
  }
}

function before(a: Task, b: Task): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
