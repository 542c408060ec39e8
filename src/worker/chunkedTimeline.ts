// A run's timeline on the UI thread, kept as the JSON text of the chunks it arrived in and
// parsed a chunk at a time when a view reads an event there. A million events held as objects
// are some five million objects on the UI thread's heap: reading them from one message froze
// the tab for seconds, and even read in chunks the garbage collector then paused the thread
// for 100-400 ms at a time while it marked and moved them. As text they are a few hundred
// strings, which the collector does not look into; the views read events near the playhead
// and the selected packet, so a handful of parsed chunks serves them.
import type { EventsChunk, TimelineEvent } from './protocol';

/** Parsed chunks kept (most recently read first out last): the playhead's, a packet's, a seek's. */
const KEEP_PARSED = 8;

export class ChunkedTimeline {
  private readonly texts: string[] = [];
  /** Index of the first event of each chunk. */
  private readonly starts: number[] = [];
  private n = 0;
  // Map order is age: a read moves the chunk to the end, the oldest is dropped first.
  private readonly parsed = new Map<number, readonly TimelineEvent[]>();

  get length(): number {
    return this.n;
  }

  /** Chunks parsed so far (a chunk read again after it was dropped counts again). */
  get parses(): number {
    return this.parseCount;
  }
  private parseCount = 0;

  /** Chunks held. */
  get chunks(): number {
    return this.texts.length;
  }

  /**
   * The next chunk, which must start where the timeline so far ends. It is kept as text: its
   * index part (chunk.index) came built from the worker, so arriving parses nothing.
   */
  append(chunk: Pick<EventsChunk, 'from' | 'count' | 'json'>): void {
    if (chunk.from !== this.n) throw new Error(`run timeline out of order at event ${chunk.from}`);
    if (!(Number.isInteger(chunk.count) && chunk.count > 0) || typeof chunk.json !== 'string')
      throw new Error(`run timeline chunk at event ${chunk.from} is malformed`);
    this.texts.push(chunk.json);
    this.starts.push(chunk.from);
    this.n += chunk.count;
  }

  /** The event at `i`, or undefined outside the timeline (as an array answers). */
  at(i: number): TimelineEvent | undefined {
    if (!(i >= 0 && i < this.n)) return undefined;
    const s = this.starts;
    // The last chunk starting at or before i.
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.chunk(lo)[i - s[lo]!];
  }

  private chunk(k: number): readonly TimelineEvent[] {
    const hit = this.parsed.get(k);
    if (hit) {
      this.parsed.delete(k);
      this.parsed.set(k, hit);
      return hit;
    }
    this.parseCount++;
    const events = JSON.parse(this.texts[k]!) as TimelineEvent[];
    const want = (k + 1 < this.starts.length ? this.starts[k + 1]! : this.n) - this.starts[k]!;
    if (!Array.isArray(events) || events.length !== want)
      throw new Error(`run timeline chunk at event ${this.starts[k]} holds the wrong number of events`);
    this.parsed.set(k, events);
    if (this.parsed.size > KEEP_PARSED) this.parsed.delete(this.parsed.keys().next().value!);
    return events;
  }

  /**
   * The timeline as a read-only array, for `RunResult.events`: indexing and `length` read
   * through to the chunks; array methods work on it (Array.isArray is true), but one that
   * walks the whole timeline parses all of it, so the views read windows (timeline.ts).
   */
  asArray(): readonly TimelineEvent[] {
    const self = this;
    const isIndex = (key: string | symbol): key is string => {
      if (typeof key !== 'string' || key.length === 0) return false;
      const c = key.charCodeAt(0);
      return c >= 48 && c <= 57 && String(Number(key) >>> 0) === key;
    };
    const proxy = new Proxy([] as TimelineEvent[], {
      get(target, key, receiver) {
        if (key === 'length') return self.n;
        if (isIndex(key)) return self.at(Number(key));
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (isIndex(key)) return Number(key) < self.n;
        return Reflect.has(target, key);
      },
      // Object.keys, spreading and deep equality (tests) see the events as an array's own.
      ownKeys(target) {
        const keys: (string | symbol)[] = Array.from({ length: self.n }, (_, i) => String(i));
        return keys.concat(Reflect.ownKeys(target));
      },
      getOwnPropertyDescriptor(target, key) {
        if (key === 'length')
          return { value: self.n, writable: true, enumerable: false, configurable: false };
        if (isIndex(key) && Number(key) < self.n)
          return { value: self.at(Number(key)), writable: false, enumerable: true, configurable: true };
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      set: () => false,
      deleteProperty: () => false,
      defineProperty: () => false,
    });
    owners.set(proxy, this);
    return proxy;
  }
}

const owners = new WeakMap<object, ChunkedTimeline>();

/** The ChunkedTimeline behind a run's `events` (undefined for a plain array): tests count parses. */
export function chunkedTimelineOf(events: readonly TimelineEvent[]): ChunkedTimeline | undefined {
  return owners.get(events);
}
