import type { HashNode } from './entry';

// The tuple hash of confirmed entries: a power-of-two array of chains threaded through the
// entries' own HashNodes, so linking allocates nothing and a lookup is one array index (a JS
// Map of 100k+ number keys costs a hash probe and boxes keys past the Smi range). New nodes go
// to the front of their chain; growing keeps every chain's order, so which of two equal
// tuples a lookup meets first never depends on the table's size.

const INITIAL = 1024;

export class NodeHash {
  private heads: (HashNode | undefined)[] = new Array<HashNode | undefined>(INITIAL).fill(undefined);
  private mask = INITIAL - 1;
  private count = 0;

  /** The first node of the chain `hash` falls in (other hashes may share it: compare `n.hash`). */
  chain(hash: number): HashNode | undefined {
    return this.heads[hash & this.mask];
  }

  link(n: HashNode, hash: number): void {
    if (this.count >= this.heads.length) this.grow();
    const i = hash & this.mask;
    n.hash = hash;
    n.next = this.heads[i];
    this.heads[i] = n;
    this.count++;
  }

  unlink(n: HashNode): void {
    const i = n.hash & this.mask;
    const head = this.heads[i];
    if (head === n) {
      this.heads[i] = n.next;
      this.count--;
    } else {
      for (let p = head; p !== undefined; p = p.next) {
        if (p.next === n) {
          p.next = n.next;
          this.count--;
          break;
        }
      }
    }
    n.next = undefined;
  }

  /** Doubles the array: chain i splits into i and i + old size, each in its old order. */
  private grow(): void {
    const old = this.heads;
    const size = old.length * 2;
    const heads = new Array<HashNode | undefined>(size).fill(undefined);
    const tails = new Array<HashNode | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      for (let n = old[i]; n !== undefined; ) {
        const next = n.next;
        const j = n.hash & mask;
        n.next = undefined;
        const t = tails[j];
        if (t === undefined) heads[j] = n;
        else t.next = n;
        tails[j] = n;
        n = next;
      }
    }
    this.heads = heads;
    this.mask = mask;
  }
}
