// An open-addressing hash map from int32 keys to int32 values on typed arrays: lookups in the
// packet walk must not allocate, and Map<number, ...> boxes keys above 2^30 (most addresses).

export class IntMap {
  private keys: Int32Array;
  private vals: Int32Array;
  private used: Uint8Array;
  private mask: number;
  private size = 0;

  constructor(capacity = 8) {
    let cap = 8;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  private slot(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
  }

  /** Value for key, or `missing`. */
  get(key: number, missing: number): number {
    const k = key | 0;
    let i = this.slot(k);
    while (this.used[i] === 1) {
      if (this.keys[i] === k) return this.vals[i]!;
      i = (i + 1) & this.mask;
    }
    return missing;
  }

  /** Sets key only if absent (the first rule with a key wins). */
  setIfAbsent(key: number, val: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const k = key | 0;
    let i = this.slot(k);
    while (this.used[i] === 1) {
      if (this.keys[i] === k) return;
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    this.keys[i] = k;
    this.vals[i] = val;
    this.size++;
  }

  private grow(): void {
    const { keys, vals, used } = this;
    const cap = (this.mask + 1) * 2;
    this.keys = new Int32Array(cap);
    this.vals = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.setIfAbsent(keys[i]!, vals[i]!);
  }
}
