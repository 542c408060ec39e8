import type { CtEntry } from './entry';

// Where early_drop (nf_conntrack_core.c) looks when the table is full: NF_CT_EVICTION_RANGE
// buckets of the global hash, from the new tuple's bucket on. Only there; an entry that is not
// ASSURED but hashes anywhere else is safe from it. On a kernel with the default 262144 buckets
// that makes a victim a matter of luck unless unassured entries are everywhere, so the model
// keeps the same geometry instead of a fairer rule of its own.

/** NF_CT_EVICTION_RANGE. */
export const EVICTION_RANGE = 8;

/** tupleHash (tuple.ts) gives 30 bits. */
const HASH_SPACE = 2 ** 30;

/** reciprocal_scale(hash, size): the bucket of a tuple hash among `size` buckets. */
export function bucketOf(hash: number, size: number): number {
  return Math.floor((hash * size) / HASH_SPACE);
}

/**
 * The confirmed entries by bucket (an entry sits in the bucket of each of its two tuples), for
 * one bucket count. Built only when a table first runs full, then kept up to date, so tables
 * that never fill pay nothing for it.
 */
export class BucketIndex {
  private readonly byBucket = new Map<number, Set<CtEntry>>();

  constructor(
    readonly size: number,
    entries: Iterable<CtEntry>,
  ) {
    for (const e of entries) this.add(e);
  }

  add(e: CtEntry): void {
    this.put(bucketOf(e.origNode.hash, this.size), e);
    this.put(bucketOf(e.replyNode.hash, this.size), e);
  }

  delete(e: CtEntry): void {
    for (const b of [bucketOf(e.origNode.hash, this.size), bucketOf(e.replyNode.hash, this.size)]) {
      const set = this.byBucket.get(b);
      if (set === undefined) continue;
      set.delete(e);
      if (set.size === 0) this.byBucket.delete(b);
    }
  }

  /** The entries of bucket `b`, in the order they were confirmed. */
  bucket(b: number): ReadonlySet<CtEntry> | undefined {
    return this.byBucket.get(b);
  }

  private put(b: number, e: CtEntry): void {
    const set = this.byBucket.get(b);
    if (set === undefined) this.byBucket.set(b, new Set([e]));
    else set.add(e);
  }
}
