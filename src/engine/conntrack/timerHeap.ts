import type { CtEntry } from './entry';

// Timers of confirmed entries. Refreshing a timer (every packet) only moves `expiresAt` later
// and touches no heap; a node is re-queued lazily when it surfaces early. A timer moved
// earlier (a TCP state with a shorter timeout) pushes a new node and makes the old one stale
// through the entry's generation counter. Ties break by entry id, so expiry order is stable.

// The heap is kept as parallel arrays (time, id, generation, entry) rather than an object per
// node: a table of 100k+ connections would otherwise keep as many small objects alive for the
// garbage collector to copy and mark. Times stay unboxed in a double array.

export class TimerHeap {
  private readonly at: number[] = [];
  private readonly ids: number[] = [];
  private readonly gens: number[] = [];
  private readonly entries: CtEntry[] = [];

  /** (Re)arms the entry's timer if it now runs out earlier than its queued node. */
  schedule(e: CtEntry): void {
    if (e.expiresAt >= e.heapAt) return;
    e.heapGen++;
    e.heapAt = e.expiresAt;
    this.push(e.expiresAt, e.id, e.heapGen, e);
  }

  /** The entry whose timer runs out first, after dropping stale and re-queuing refreshed nodes. */
  peek(): CtEntry | undefined {
    for (;;) {
      if (this.entries.length === 0) return undefined;
      const e = this.entries[0]!;
      if (e.dead || this.gens[0] !== e.heapGen) {
        this.pop();
        continue;
      }
      if (e.expiresAt > this.at[0]!) {
        this.pop();
        e.heapAt = Number.POSITIVE_INFINITY;
        this.schedule(e);
        continue;
      }
      return e;
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Is node i before node j (time, then entry id)? */
  private less(i: number, j: number): boolean {
    const a = this.at[i]!;
    const b = this.at[j]!;
    return a < b || (a === b && this.ids[i]! < this.ids[j]!);
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!;
    this.ids[to] = this.ids[from]!;
    this.gens[to] = this.gens[from]!;
    this.entries[to] = this.entries[from]!;
  }

  private push(at: number, id: number, gen: number, e: CtEntry): void {
    // The new node sits in the last slot while it sifts up; parents move down over it.
    let i = this.entries.length;
    this.at.push(at);
    this.ids.push(id);
    this.gens.push(gen);
    this.entries.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = this.at[p]!;
      if (!(at < pa || (at === pa && id < this.ids[p]!))) break;
      this.move(p, i);
      i = p;
    }
    this.at[i] = at;
    this.ids[i] = id;
    this.gens[i] = gen;
    this.entries[i] = e;
  }

  /** Removes the node `peek()` returned. */
  pop(): void {
    const at = this.at.pop()!;
    const id = this.ids.pop()!;
    const gen = this.gens.pop()!;
    const e = this.entries.pop()!;
    const n = this.entries.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(r, l) ? r : l;
      const ca = this.at[c]!;
      if (!(ca < at || (ca === at && this.ids[c]! < id))) break;
      this.move(c, i);
      i = c;
    }
    this.at[i] = at;
    this.ids[i] = id;
    this.gens[i] = gen;
    this.entries[i] = e;
  }
}
