import { IntMap } from './intMap';
import { HeadOp, KEY_DPORT, KEY_DST, KEY_SRC, type Op, type RuleOp } from './ops';
import type { Rule } from './ruleset';

// Lays a chain out as ops, turning runs of rules keyed by the same field into hashed lookups.
// A rule is keyable when a single exact value of that field is necessary for it to match, and it
// has no `statistic` match (skipping such a rule would skip its random draw or nth count).
// Runs shorter than MIN_RUN are left as plain rules: a lookup would not pay for itself.

const MIN_RUN = 4;

/** The key a rule requires for each kind, or undefined. */
export function ruleKeys(r: Rule): [number | undefined, number | undefined, number | undefined] {
  if (r.matches.some((m) => m.kind === 'statistic')) return [undefined, undefined, undefined];
  const dst = r.dst && r.dst.mask === 0xffffffff && !r.dst.invert ? r.dst.addr | 0 : undefined;
  const src = r.src && r.src.mask === 0xffffffff && !r.src.invert ? r.src.addr | 0 : undefined;
  let dport: number | undefined;
  if (r.proto && !r.proto.invert && (r.proto.num === 6 || r.proto.num === 17)) {
    for (const m of r.matches) {
      if ((m.kind === 'tcp' || m.kind === 'udp') && m.dport && !m.dport.invert && m.dport.lo === m.dport.hi) {
        dport = (r.proto.num << 16) | m.dport.lo;
        break;
      }
    }
  }
  return [dst, src, dport];
}

/**
 * Ops for a chain. `make(i, next)` builds the RuleOp of rule i; `naive` keeps a plain scan
 * (the reference the indexed layout must agree with).
 */
export function layoutChain(rules: readonly Rule[], make: (i: number) => RuleOp, naive: boolean): Op[] {
  const ops: Op[] = [];
  const keys = naive ? [] : rules.map(ruleKeys);
  let i = 0;
  while (i < rules.length) {
    let bestKind = -1;
    let bestLen = 0;
    if (!naive) {
      for (const kind of [KEY_DST, KEY_DPORT, KEY_SRC]) {
        let len = 0;
        while (i + len < rules.length && keys[i + len]![kind] !== undefined) len++;
        if (len > bestLen) {
          bestLen = len;
          bestKind = kind;
        }
      }
    }
    if (bestLen < MIN_RUN) {
      const op = make(i);
      op.next = ops.length + 1;
      ops.push(op);
      i++;
      continue;
    }
    const headAt = ops.length;
    const end = headAt + 1 + bestLen;
    const map = new IntMap(bestLen);
    const ruleOps: RuleOp[] = [];
    for (let j = 0; j < bestLen; j++) ruleOps.push(make(i + j));
    // next = the following rule with the same key, else past the run
    const nextOf = new Map<number, number>();
    for (let j = bestLen - 1; j >= 0; j--) {
      const k = keys[i + j]![bestKind]!;
      ruleOps[j]!.next = nextOf.get(k) ?? end;
      nextOf.set(k, headAt + 1 + j);
    }
    for (let j = 0; j < bestLen; j++) map.setIfAbsent(keys[i + j]![bestKind]!, headAt + 1 + j);
    ops.push(new HeadOp(bestKind, map, end));
    for (const op of ruleOps) ops.push(op);
    i += bestLen;
  }
  return ops;
}
