// What `iptables-restore` (1.8.9, nf_tables) prints when it refuses a ruleset, from the parse
// error our reader reports. The forms differ by where iptables-restore found the problem: the
// option parser's errors carry the version banner and "Error occurred at line", the table
// reader's some "line N failed" or "Bad argument" instead. Each branch below is a text captured
// from the kernel (restoreError.test.ts); anything else takes the option parser's form.
import type { ParseError } from './types';

const TRY = "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n";

function banner(message: string, line: number): string {
  return `iptables-restore v1.8.9 (nf_tables): ${message}\nError occurred at line: ${line}\n${TRY}`;
}

/** The tool's stderr for `e` in `text` (the ruleset it read), ending with a newline. */
export function restoreErrorText(e: Pick<ParseError, 'line' | 'message'>, text: string): string {
  const m = e.message;
  const n = e.line;
  if (m.startsWith('No chain/target/match by that name'))
    return `iptables-restore: line ${n} failed: No chain/target/match by that name.\n`;
  if (m.startsWith('Bad policy name')) return `iptables-restore: line ${n} failed: Bad policy name.\n`;
  if (m.startsWith('COMMIT expected (')) return `iptables-restore: COMMIT expected at line ${n}\n`;
  // A line the table reader does not know: it names the line's first word.
  if (m.startsWith('COMMIT expected before a new table') || m.startsWith('unknown command "'))
    return `Bad argument \`${firstWord(text, n)}'\nError occurred at line: ${n}\n${TRY}`;
  if (/^table name '.*' invalid$/.test(m)) return banner(`iptables-restore: line ${n} ${m}`, n);
  return banner(m, n);
}

function firstWord(text: string, line: number): string {
  return (text.split('\n')[line - 1] ?? '').trim().split(/[ \t]+/)[0] ?? '';
}
