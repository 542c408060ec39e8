// Set and map contents indexed as nf_tables indexes them, so a lookup costs the same with ten
// elements or ten thousand: exact keys (concatenations included) in an open-addressing hash
// table of int32 columns (nft_set_hash), single-field ranges and prefixes in a sorted array
// searched by bisection (nft_set_rbtree); what neither fits (interface wildcards, concatenated
// ranges) is scanned in order. Nothing is allocated per lookup, and a small set (kube-proxy
// writes one per Service for numgen) is one array: with 10,000 of them, memory is the cost.

import type { Element, Scalar } from './types';

type Val = number | string;

const EMPTY_I32 = new Int32Array(0);
/** Scratch for the key being looked up (lookups do not nest; nft concatenates at most 16 fields). */
const PROBE = new Int32Array(32);

export class Lookup<R> {
  private readonly fields: number;
  private mask = 0;
  /** `fields` int32 words per slot: the key, numbers as int32, strings by interned id. */
  private keys = EMPTY_I32;
  /** Per slot, the index into `results` plus one; 0 is an empty slot. */
  private slots = EMPTY_I32;
  private results: (R | undefined)[] | undefined;
  private strIds: Map<string, number> | undefined;
  /** Which fields of the hashed keys are strings (bit i for field i): a probe of other types misses. */
  private strMask = 0;
  /** Disjoint single-field ranges, sorted by their low end, and what each one gives. */
  private rangeLo: readonly number[] = [];
  private rangeHi: readonly number[] = [];
  private rangeRes: (R | undefined)[] | undefined;
  private scan: { readonly e: Element; readonly r: R | undefined }[] | undefined;

  /** `result` gives what a hit returns (a verdict, a NAT binding); undefined makes the hit fail. */
  constructor(elements: readonly Element[], result: (e: Element) => R | undefined) {
    this.fields = Math.min(elements[0]?.key.length ?? 1, PROBE.length);
    const exact: Element[] = [];
    const ranges: Element[] = [];
    const scan: Element[] = [];
    // A small single-field set (numgen's vmap, a port list) is only bisected: fewer objects to
    // touch than a hash table's arrays.
    const small = this.fields === 1 && elements.length <= 16;
    for (const e of elements) {
      if (e.key.length !== this.fields) scan.push(e);
      else if (small && e.key[0]!.str === undefined) ranges.push(e);
      else if (isExact(e)) exact.push(e);
      else if (this.fields === 1 && e.key[0]!.str === undefined) ranges.push(e);
      else scan.push(e);
    }
    // One type per field in the hash table (an interned string id is not a number).
    const maskOf = (e: Element) => e.key.reduce((m, k, i) => (k.str !== undefined ? m | (1 << i) : m), 0);
    this.strMask = exact.length > 0 ? maskOf(exact[0]!) : 0;
    for (let i = exact.length - 1; i >= 0; i--)
      if (maskOf(exact[i]!) !== this.strMask) scan.push(...exact.splice(i, 1));
    if (exact.length > 0) {
      let cap = 8;
      while (cap < exact.length * 2) cap *= 2;
      this.mask = cap - 1;
      this.keys = new Int32Array(cap * this.fields);
      this.slots = new Int32Array(cap);
      this.results = [];
      for (const e of exact) this.insert(e, result(e));
    }
    if (ranges.length > 0) {
      const sorted = ranges.slice().sort((a, b) => a.key[0]!.lo - b.key[0]!.lo);
      // nft refuses overlapping intervals in a set; if some got here anyway, keep the first-match order.
      if (sorted.every((e, i) => i === 0 || e.key[0]!.lo > sorted[i - 1]!.key[0]!.hi)) {
        this.rangeLo = sorted.map((e) => e.key[0]!.lo);
        this.rangeHi = sorted.map((e) => e.key[0]!.hi);
        this.rangeRes = sorted.map(result);
      } else scan.push(...ranges);
    }
    if (scan.length > 0) {
      const order = new Map(elements.map((e, i) => [e, i]));
      scan.sort((a, b) => order.get(a)! - order.get(b)!);
      this.scan = scan.map((e) => ({ e, r: result(e) }));
    }
  }

  /** Replaces every result (a compiled verdict whose target chain was placed after the lookup was built). */
  mapResults(f: (r: R) => R): void {
    const g = (r: R | undefined) => (r === undefined ? r : f(r));
    if (this.results) this.results = this.results.map(g);
    if (this.rangeRes) this.rangeRes = this.rangeRes.map(g);
    if (this.scan) this.scan = this.scan.map(({ e, r }) => ({ e, r: g(r) }));
  }

  /** A key word: a number as int32, a string by its interned id. */
  private word(v: Val): number {
    if (typeof v === 'number') return v | 0;
    this.strIds ??= new Map();
    let id = this.strIds.get(v);
    if (id === undefined) {
      id = this.strIds.size;
      this.strIds.set(v, id);
    }
    return id;
  }

  private insert(e: Element, r: R | undefined): void {
    const n = this.fields;
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) h = mix(h, this.word(scalarVal(e.key[i]!)));
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.slots[slot] === 0) {
        for (let i = 0; i < n; i++) this.keys[slot * n + i] = this.word(scalarVal(e.key[i]!));
        this.results!.push(r);
        this.slots[slot] = this.results!.length;
        return;
      }
      if (this.sameKey(slot, e)) return; // a duplicate: the first one stays
    }
  }

  private sameKey(slot: number, e: Element): boolean {
    const n = this.fields;
    for (let i = 0; i < n; i++) if (this.keys[slot * n + i] !== this.word(scalarVal(e.key[i]!))) return false;
    return true;
  }

  /** The hit's result, or undefined for a miss (or a hit whose result is undefined). */
  find(vals: readonly Val[]): R | undefined {
    const n = this.fields;
    const results = this.results;
    if (results !== undefined && vals.length === n) {
      const probe = PROBE;
      let h = 0x811c9dc5;
      let known = true;
      let mask = 0;
      for (let i = 0; i < n; i++) {
        const v = vals[i]!;
        let w: number;
        if (typeof v === 'number') w = v | 0;
        else {
          const id = this.strIds?.get(v);
          if (id === undefined) known = false;
          w = id ?? -1;
          mask |= 1 << i;
        }
        probe[i] = w;
        h = mix(h, w);
      }
      if (known && mask === this.strMask)
        for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
          const idx = this.slots[slot]!;
          if (idx === 0) break;
          let eq = true;
          for (let i = 0; i < n; i++)
            if (this.keys[slot * n + i] !== probe[i]) {
              eq = false;
              break;
            }
          if (eq) return results[idx - 1];
        }
    }
    const lo = this.rangeLo;
    if (lo.length > 0 && n === 1 && typeof vals[0] === 'number') {
      const v = vals[0];
      let a = 0;
      let b = lo.length - 1;
      // The last range whose low end is <= v.
      while (a < b) {
        const m = (a + b + 1) >> 1;
        if (lo[m]! <= v) a = m;
        else b = m - 1;
      }
      if (lo[a]! <= v && v <= this.rangeHi[a]!) return this.rangeRes![a];
    }
    const scan = this.scan;
    if (scan !== undefined)
      for (let i = 0; i < scan.length; i++) if (keyMatches(scan[i]!.e, vals)) return scan[i]!.r;
    return undefined;
  }
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x01000193);
  return h ^ (h >>> 15);
}

const scalarVal = (s: Scalar): Val => s.str ?? s.lo;

function isExact(e: Element): boolean {
  for (const s of e.key) if (s.str !== undefined ? s.str.endsWith('*') : s.lo !== s.hi) return false;
  return true;
}

/** One scalar against one packet value: a range, an interface name or its `*` wildcard. */
export function scalarMatches(s: Scalar, v: Val): boolean {
  if (s.str !== undefined) {
    if (typeof v !== 'string') return false;
    return s.str.endsWith('*') ? v.startsWith(s.str.slice(0, -1)) : v === s.str;
  }
  return typeof v === 'number' && v >= s.lo && v <= s.hi;
}

function keyMatches(e: Element, vals: readonly Val[]): boolean {
  if (e.key.length !== vals.length) return false;
  for (let i = 0; i < vals.length; i++) if (!scalarMatches(e.key[i]!, vals[i]!)) return false;
  return true;
}
