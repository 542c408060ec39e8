import type { CtEntry } from './entry';

// Timers of confirmed entries. Refreshing a timer (every packet) only moves `expiresAt` later
// and touches no heap; a node is re-queued lazily when it surfaces early. A timer moved
// earlier (a TCP state with a shorter timeout) pushes a new node and makes the old one stale
// through the entry's generation counter. Ties break by entry id, so expiry order is stable.

interface Node {
  readonly at: number;
  readonly id: number;
  readonly gen: number;
  readonly entry: CtEntry;
}

function less(a: Node, b: Node): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

export class TimerHeap {
  private readonly nodes: Node[] = [];

  /** (Re)arms the entry's timer if it now runs out earlier than its queued node. */
  schedule(e: CtEntry): void {
    if (e.expiresAt >= e.heapAt) return;
    e.heapGen++;
    e.heapAt = e.expiresAt;
    this.push({ at: e.expiresAt, id: e.id, gen: e.heapGen, entry: e });
  }

  /** The entry whose timer runs out first, after dropping stale and re-queuing refreshed nodes. */
  peek(): CtEntry | undefined {
    for (;;) {
      const top = this.nodes[0];
      if (top === undefined) return undefined;
      const e = top.entry;
      if (e.dead || top.gen !== e.heapGen) {
        this.pop();
        continue;
      }
      if (e.expiresAt > top.at) {
        this.pop();
        e.heapAt = Number.POSITIVE_INFINITY;
        this.schedule(e);
        continue;
      }
      return e;
    }
  }

  get size(): number {
    return this.nodes.length;
  }

  private push(n: Node): void {
    const a = this.nodes;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(n, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = n;
  }

  /** Removes the node `peek()` returned. */
  pop(): void {
    const a = this.nodes;
    const last = a.pop()!;
    if (a.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && less(a[r]!, a[l]!) ? r : l;
      if (!less(a[c]!, last)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
  }
}
