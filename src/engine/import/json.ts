// JSON as `ip -j` prints it, with errors turned into a line of the pasted text.
import { type Imported, lineAt, type PasteKind } from './types';

/** Parses `text` as a JSON array of objects; a syntax error names its line. */
export function jsonArray(kind: PasteKind, text: string): Imported<readonly Record<string, unknown>[]> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // V8: "... in JSON at position 123 (line 3 column 5)"; older ones give the position only.
    const pos = /position (\d+)/.exec(msg);
    return {
      ok: false,
      error: { kind, line: pos ? lineAt(text, Number(pos[1])) : 0, message: `not JSON: ${msg}` },
    };
  }
  if (!Array.isArray(v))
    return { ok: false, error: { kind, line: 1, message: 'expected a JSON array ([...]), as ip -j prints' } };
  for (const [i, x] of v.entries())
    if (x === null || typeof x !== 'object' || Array.isArray(x))
      return { ok: false, error: { kind, line: 0, message: `[${i}] is not an object` } };
  return { ok: true, value: v as Record<string, unknown>[], notes: [] };
}

/** The line of the `n`-th (0-based) occurrence of `"key"` in `text`, or 0: where element n starts. */
export function lineOfKey(text: string, key: string, n: number): number {
  const needle = `"${key}"`;
  let at = -1;
  for (let k = 0; k <= n; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return 0;
  }
  return lineAt(text, at);
}
