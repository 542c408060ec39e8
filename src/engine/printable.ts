// Messages quote user text (a chain name, a value, a file name). A share link comes from a
// stranger, so a quoted control character could break the line or a terminal, and a bidi
// override could make the message read differently from what it says (Trojan Source). Every
// message that leaves the engine goes through `printable`.

/** C0 and C1 controls, DEL, bidi marks, embeddings, overrides and isolates, line and paragraph separators. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each unsafe character written as a visible escape, e.g. `\u{202e}`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}
