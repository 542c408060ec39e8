import type { CtEntry } from './entry';

// nf_nat_bysource: SRC-manipulated entries chained by a hash of their original source, through
// the entries' own `srcNext` (no list or Map entry per connection). Entries join at the end of
// their chain, and growing keeps each chain's order, so a walk meets them oldest first.

const INITIAL = 1024;

export class SourceHash {
  private heads: (CtEntry | undefined)[] = new Array<CtEntry | undefined>(INITIAL).fill(undefined);
  private mask = INITIAL - 1;
  private count = 0;

  /** The first entry of the chain `hash` falls in (other sources may share it: compare fields). */
  chain(hash: number): CtEntry | undefined {
    return this.heads[hash & this.mask];
  }

  /** Appends `e` under `hash` (a non-negative 30-bit hash); no-op when it is already linked. */
  link(e: CtEntry, hash: number): void {
    if (e.srcHash !== -1) return;
    if (this.count >= this.heads.length) this.grow();
    e.srcHash = hash;
    e.srcNext = undefined;
    const i = hash & this.mask;
    const head = this.heads[i];
    if (head === undefined) this.heads[i] = e;
    else {
      let p = head;
      while (p.srcNext !== undefined) p = p.srcNext;
      p.srcNext = e;
    }
    this.count++;
  }

  unlink(e: CtEntry): void {
    if (e.srcHash === -1) return;
    const i = e.srcHash & this.mask;
    const head = this.heads[i];
    if (head === e) this.heads[i] = e.srcNext;
    else {
      for (let p = head; p !== undefined; p = p.srcNext) {
        if (p.srcNext === e) {
          p.srcNext = e.srcNext;
          break;
        }
      }
    }
    e.srcHash = -1;
    e.srcNext = undefined;
    this.count--;
  }

  /** Doubles the array: chain i splits into i and i + old size, each in its old order. */
  private grow(): void {
    const old = this.heads;
    const size = old.length * 2;
    const heads = new Array<CtEntry | undefined>(size).fill(undefined);
    const tails = new Array<CtEntry | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      for (let e = old[i]; e !== undefined; ) {
        const next = e.srcNext;
        const j = e.srcHash & mask;
        e.srcNext = undefined;
        const t = tails[j];
        if (t === undefined) heads[j] = e;
        else t.srcNext = e;
        tails[j] = e;
        e = next;
      }
    }
    this.heads = heads;
    this.mask = mask;
  }
}
