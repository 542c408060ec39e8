// Bounds on what crosses postMessage. The structured clone recurses: a deeply nested value
// from a link or a file throws inside postMessage (uncaught, on some paths) before the engine's
// schema ever sees it. Real scenarios are a few levels deep and well under a megabyte, so
// anything far beyond that is refused here, on the sending side, with the place named.

/** Deeper than any scenario the schema accepts (about 8 levels), far below the clone's limit. */
export const MAX_DEPTH = 64;
/** Objects, arrays and primitives together. */
export const MAX_NODES = 200_000;
/** Characters over all strings and keys. */
export const MAX_CHARS = 2 * 1024 * 1024;
/**
 * Characters in one request the app itself makes: a pasted node's rules run to tens of MB (a
 * kube-proxy node with 10,000 Services prints 13 MB). Files and links keep MAX_CHARS.
 */
export const MAX_REQUEST_CHARS = 64 * 1024 * 1024;

export interface ShapeLimits {
  readonly maxDepth?: number;
  readonly maxNodes?: number;
  readonly maxChars?: number;
}

function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const k of path.slice(0, 12))
    s += typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(k) ? `.${k}` : '[…]';
  if (path.length > 12) s += '…';
  return s.startsWith('.') ? s.slice(1) : s || '(top)';
}

/**
 * Null when `value` is plain data within the limits; otherwise one line saying what is wrong and
 * where. Iterative, so the check itself cannot overflow the stack it protects.
 */
export function checkShape(value: unknown, limits: ShapeLimits = {}): string | null {
  const maxDepth = limits.maxDepth ?? MAX_DEPTH;
  const maxNodes = limits.maxNodes ?? MAX_NODES;
  const maxChars = limits.maxChars ?? MAX_CHARS;
  let nodes = 0;
  let chars = 0;
  // Each frame: the value and the key path that reached it (kept only for the message).
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (++nodes > maxNodes) return `more than ${maxNodes} values`;
    if (typeof v === 'string') {
      chars += v.length;
      if (chars > maxChars) return `more than ${Math.round(maxChars / 1024)} k characters of text`;
      continue;
    }
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol') return `not plain data at ${pathText(path)}`;
      continue;
    }
    if (path.length >= maxDepth) return `nested deeper than ${maxDepth} levels at ${pathText(path)}`;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else {
      for (const k of Object.keys(v)) {
        chars += k.length;
        stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
      }
      if (chars > maxChars) return `more than ${Math.round(maxChars / 1024)} k characters of text`;
    }
  }
  return null;
}
