import { printable } from '../printable';
import { parseRuleArgs, RuleError } from './parseRule';
import type { Chain, Rule, Ruleset, Table } from './ruleset';
import { BUILTIN_CHAINS, TABLE_ORDER } from './ruleset';
import type { Counter, ParseError, TableName } from './types';
import { validateTable } from './validate';

export type ParseResult = { ok: true; ruleset: Ruleset } | { ok: false; error: ParseError };

interface ChainBuilder {
  name: string;
  builtin: boolean;
  policy?: 'ACCEPT' | 'DROP';
  counters: Counter;
  rules: Rule[];
}

interface TableBuilder {
  name: TableName;
  chains: Map<string, ChainBuilder>;
  line: number;
}

class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a rule line as iptables-restore does: blanks separate words, `"..."` groups a word
 * (inside it `\x` is a literal x), a closing quote ends the word.
 */
export function splitArgs(text: string): string[] | undefined {
  if (text.indexOf('"') < 0) {
    // Fast path (most lines): no quoting to honour.
    const parts = text.indexOf('\t') < 0 ? text.split(' ') : text.split(/[ \t]/);
    let k = 0;
    for (let j = 0; j < parts.length; j++) if (parts[j] !== '') parts[k++] = parts[j]!;
    parts.length = k;
    return parts;
  }
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === '"') {
        quoted = false;
        out.push(cur);
        cur = '';
        has = false;
      } else cur += c;
      continue;
    }
    if (c === '"') {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
      quoted = true;
    } else if (c === ' ' || c === '\t') {
      if (has) {
        out.push(cur);
        cur = '';
        has = false;
      }
    } else {
      cur += c;
      has = true;
    }
  }
  if (quoted) return undefined;
  if (has) out.push(cur);
  return out;
}

const COUNTERS_RE = /^\[(\d{1,20}):(\d{1,20})\]$/;

function parseCounters(text: string): Counter | undefined {
  const m = COUNTERS_RE.exec(text);
  return m ? { pkts: Number(m[1]), bytes: Number(m[2]) } : undefined;
}

function lineError(line: number, message: string): never {
  throw new LineError(line, message);
}

function isTableName(s: string): s is TableName {
  return s === 'raw' || s === 'mangle' || s === 'nat' || s === 'filter' || s === 'security';
}

export interface ParseOptions {
  /** Told how far the read is (lines done of all), every few thousand lines: a long paste's progress. */
  readonly onLines?: (done: number, total: number) => void;
}

/** Texts at least this long are remembered once read (a pasted node's rules run to megabytes). */
const MEMO_MIN_CHARS = 64 * 1024;
const MEMO_SIZE = 3;
/**
 * The last long texts read, and their rulesets: an import checks a pasted node's rules, its run
 * loads them and its views list them, each from the same text. A Ruleset is never changed
 * once read (console changes parse new text), so sharing it is safe.
 */
const memo: { text: string; ruleset: Ruleset }[] = [];

/** Reads `iptables-save` text. Never throws: every problem is a ParseError naming source and line. */
export function parseIptablesSave(text: string, source: string, opts: ParseOptions = {}): ParseResult {
  const long = text.length >= MEMO_MIN_CHARS;
  if (long) {
    const hit = memo.find((m) => m.text === text);
    if (hit) return { ok: true, ruleset: hit.ruleset };
  }
  try {
    const ruleset = parseOrThrow(text, opts.onLines);
    if (long) {
      memo.unshift({ text, ruleset });
      memo.length = Math.min(memo.length, MEMO_SIZE);
    }
    return { ok: true, ruleset };
  } catch (e) {
    if (e instanceof LineError)
      return { ok: false, error: { source: printable(source), line: e.line, message: printable(e.message) } };
    return {
      ok: false,
      error: { source: printable(source), line: 0, message: printable(`internal error: ${String(e)}`) },
    };
  }
}

function parseOrThrow(text: string, onLines?: (done: number, total: number) => void): Ruleset {
  const lines = text.split('\n');
  const tables = new Map<TableName, Table>();
  let cur: TableBuilder | undefined;
  let lineCount = lines.length;
  if (lines[lines.length - 1] === '') lineCount--;
  for (let n = 0; n < lineCount; n++) {
    if (onLines && (n & 4095) === 0) onLines(n, lineCount);
    const lineNo = n + 1;
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const first = line.trimStart();
    if (first === '' || first[0] === '#') continue;
    if (first[0] === '*') {
      if (cur)
        lineError(
          lineNo,
          `COMMIT expected before a new table (table ${cur.name} opened at line ${cur.line})`,
        );
      const name = first.slice(1).trim();
      if (!isTableName(name)) lineError(lineNo, `table name '${name}' invalid`);
      const tname = name as TableName;
      if (tables.has(tname)) lineError(lineNo, `table '${tname}' appears twice`);
      cur = { name: tname, chains: new Map(), line: lineNo };
      for (const c of BUILTIN_CHAINS[tname])
        cur.chains.set(c, {
          name: c,
          builtin: true,
          policy: 'ACCEPT',
          counters: { pkts: 0, bytes: 0 },
          rules: [],
        });
      continue;
    }
    if (!cur) lineError(lineNo, 'rule or chain outside of a table (expected *table)');
    const t = cur as TableBuilder;
    if (first.trimEnd() === 'COMMIT') {
      tables.set(t.name, finishTable(t));
      cur = undefined;
      continue;
    }
    if (first[0] === ':') {
      const parts = first
        .slice(1)
        .trim()
        .split(/[ \t]+/);
      const [name, policy, ctr] = parts;
      if (!name || !policy || parts.length > 3)
        lineError(lineNo, 'bad chain line (expected ":CHAIN POLICY [packets:bytes]")');
      const counters =
        ctr === undefined
          ? { pkts: 0, bytes: 0 }
          : (parseCounters(ctr) ?? lineError(lineNo, `bad counters "${ctr}"`));
      const existing = t.chains.get(name!);
      if (existing?.builtin) {
        if (policy !== 'ACCEPT' && policy !== 'DROP')
          lineError(lineNo, `Bad policy name "${policy}" for built-in chain ${name}`);
        existing.policy = policy as 'ACCEPT' | 'DROP';
        existing.counters = counters;
        continue;
      }
      if (existing) lineError(lineNo, `chain ${name} already exists`);
      if (name!.length > 28) lineError(lineNo, `chain name \`${name}' too long (must be under 29 chars)`);
      if (name![0] === '-' || name![0] === '!' || /[\s"']/.test(name!))
        lineError(lineNo, `Invalid chain name \`${name}'`);
      if (policy !== '-' && policy !== 'ACCEPT' && policy !== 'DROP')
        lineError(lineNo, `Bad policy name "${policy}"`);
      t.chains.set(name!, { name: name!, builtin: false, counters, rules: [] });
      continue;
    }
    let rest = first;
    let counters: Counter | undefined;
    if (rest[0] === '[') {
      const sp = rest.search(/[ \t]/);
      const tok = sp < 0 ? rest : rest.slice(0, sp);
      counters = parseCounters(tok) ?? lineError(lineNo, `bad counters "${tok}"`);
      rest = sp < 0 ? '' : rest.slice(sp).trimStart();
    }
    const args = splitArgs(rest) ?? lineError(lineNo, 'unterminated quoted string');
    const cmd = args[0];
    if (cmd !== '-A' && cmd !== '--append')
      lineError(lineNo, cmd === undefined ? 'empty rule' : `unknown command "${cmd}" (only -A)`);
    const chainName = args[1] ?? lineError(lineNo, 'option "-A" requires a chain name');
    const chain =
      t.chains.get(chainName) ??
      lineError(lineNo, `No chain/target/match by that name (chain ${chainName} in table ${t.name})`);
    try {
      chain.rules.push(
        parseRuleArgs(
          args.slice(2),
          {
            table: t.name,
            chain: chainName,
            builtin: chain.builtin,
            line: lineNo,
            chains: t.chains,
          },
          counters,
        ),
      );
    } catch (e) {
      if (e instanceof RuleError) lineError(lineNo, e.message);
      throw e;
    }
  }
  if (cur)
    throw new LineError(lineCount + 1, `COMMIT expected (table ${cur.name} opened at line ${cur.line})`);
  return { tables: TABLE_ORDER.filter((n) => tables.has(n)).map((n) => tables.get(n)!) };
}

function finishTable(t: TableBuilder): Table {
  const builtins = BUILTIN_CHAINS[t.name].map((n) => t.chains.get(n)!);
  const users = [...t.chains.values()]
    .filter((c) => !c.builtin)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chains: Chain[] = [...builtins, ...users].map((c) => {
    const out: { -readonly [K in keyof Chain]: Chain[K] } = {
      name: c.name,
      builtin: c.builtin,
      counters: c.counters,
      rules: c.rules,
    };
    if (c.builtin) out.policy = c.policy ?? 'ACCEPT';
    return out;
  });
  const table: Table = { name: t.name, chains };
  const problem = validateTable(table);
  if (problem) throw new LineError(problem.line, problem.message);
  return table;
}
