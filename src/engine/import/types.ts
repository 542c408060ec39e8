// What "paste your own node" reads: the four outputs a real machine prints, each named as the
// user typed the command, so an error says which paste and which line.

export type PasteKind = 'iptables-save' | 'ip-addr' | 'ip-route' | 'sysctl';

/** The command whose output each kind is, as messages name it. */
export const PASTE_COMMAND: Readonly<Record<PasteKind | 'target', string>> = {
  target: 'host',
  'iptables-save': 'iptables-save',
  'ip-addr': 'ip -j addr',
  'ip-route': 'ip -j route',
  sysctl: 'sysctl -a',
};

export interface PasteError {
  /** The paste at fault; `target` for the host asked for (a new host's name). */
  readonly kind: PasteKind | 'target';
  /** 1-based line of the pasted text; 0 when the problem is not on one line. */
  readonly line: number;
  /** What is wrong, naming the element where the line cannot (`[2].addr_info[0]`). */
  readonly message: string;
}

/** The outcome of one importer: the value and what it left out (`notes`), or the first error. */
export type Imported<T> =
  | { readonly ok: true; readonly value: T; readonly notes: readonly string[] }
  | { readonly ok: false; readonly error: PasteError };

/** One line for the user: `ip -j route, line 3: ...`. */
export function pasteErrorText(e: PasteError): string {
  return `${PASTE_COMMAND[e.kind]}${e.line > 0 ? `, line ${e.line}` : ''}: ${e.message}`;
}

/** The 1-based line holding character `pos` of `text`. */
export function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
