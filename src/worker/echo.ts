// Long strings a request carried are not sent back in its answer: a pasted node's rules are
// megabytes, and the import's answer (the new scenario) and the run's (the scenario as run)
// hold them again. The worker puts a short mark in their place and the client, which still has
// the request, puts them back, so both ends see the same answer and the text crosses once.

/** Strings at least this long are looked for. */
export const ECHO_MIN_CHARS = 64 * 1024;
/** A mark: a character no iptables-save text, JSON or name holds, and the string's number. */
const MARK = '\u0000nflab-echo:';

/** The long strings in `v`, depth first in key order (both ends walk the same data the same way). */
export function longStrings(v: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (x.length >= ECHO_MIN_CHARS) out.push(x);
    } else if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    } else if (x !== null && typeof x === 'object' && !ArrayBuffer.isView(x)) {
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) stack.push((x as Record<string, unknown>)[keys[i]!]);
    }
  }
  return out;
}

/** `v` with its long strings mapped by `f` (copied only where something changed). */
function mapLong(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return v.length >= ECHO_MIN_CHARS || v.startsWith(MARK) ? f(v) : v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const y = mapLong(v[i], f);
      if (y === v[i]) continue;
      out ??= v.slice();
      out[i] = y;
    }
    return out ?? v;
  }
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    const y = mapLong(x, f);
    if (y === x) continue;
    out ??= { ...(v as Record<string, unknown>) };
    out[k] = y;
  }
  return out ?? v;
}

/** The answer with every long string that the request carried (`sent`) replaced by a mark. */
export function elideEcho<T>(answer: T, sent: readonly string[]): T {
  if (sent.length === 0) return answer;
  return mapLong(answer, (s) => {
    const i = sent.findIndex((x) => x.length === s.length && x === s);
    return i >= 0 ? `${MARK}${i}` : s;
  }) as T;
}

/** The answer with its marks replaced by the request's strings again. */
export function restoreEcho<T>(answer: T, sent: readonly string[]): T {
  if (sent.length === 0) return answer;
  return mapLong(answer, (s) => {
    if (!s.startsWith(MARK)) return s;
    const i = Number(s.slice(MARK.length));
    return Number.isInteger(i) && i >= 0 && i < sent.length ? sent[i]! : s;
  }) as T;
}
