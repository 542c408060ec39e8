import { formatIptablesSave, formatRule } from '../iptables';
import { parseIptablesSave } from '../iptables/parse';
import { restoreErrorText } from '../iptables/restoreError';
import { parseRuleArgs, RuleError } from '../iptables/parseRule';
import { validateTable } from '../iptables/validate';
import {
  BUILTIN_CHAINS,
  type Chain,
  type Rule,
  type Ruleset,
  TABLE_ORDER,
  type Table,
} from '../iptables/ruleset';
import type { TableName } from '../timeline/events';
import type { IptablesArgs } from './iptables';
import { IPT, tableOf } from './iptablesRead';
import { type CommandOutput, err, out } from './output';

// The changing commands of iptables 1.8.9 (nf_tables) as pure functions of the ruleset:
// -A -I -D -R -C -N -X -E -F -Z -P, with the tool's own messages (captured on the kernel,
// testdata/iptables-changes.json). Untouched rules keep their objects, so the counters that
// belong to them can follow them to their new positions (see counterMoves).

export interface RulesetChange {
  readonly output: CommandOutput;
  /** The ruleset after the command; absent when it did not change. */
  readonly ruleset?: Ruleset;
  /** `table/chain/rulenum` keys whose counters move (`null`: they are gone or zeroed). */
  readonly moves?: Readonly<Record<string, string | null>>;
}

const noChain = () => err('iptables: No chain/target/match by that name.\n', 1);
const usage = (msg: string) =>
  err(`${IPT}: ${msg}\nTry \`iptables -h' or 'iptables --help' for more information.\n`, 2);

function replaceTable(rs: Ruleset | null, t: Table): Ruleset {
  const tables = (rs?.tables ?? []).filter((x) => x.name !== t.name);
  tables.push(t);
  return {
    tables: TABLE_ORDER.filter((n) => tables.some((x) => x.name === n)).map(
      (n) => tables.find((x) => x.name === n)!,
    ),
  };
}

function sortChains(chains: readonly Chain[], table: TableName): Chain[] {
  const builtins = BUILTIN_CHAINS[table].map((n) => chains.find((c) => c.name === n)!).filter(Boolean);
  const users = chains
    .filter((c) => !c.builtin)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...users];
}

const OPS: Readonly<Record<string, string>> = { A: 'RULE_APPEND', I: 'RULE_INSERT', R: 'RULE_REPLACE' };

/** What iptables prints when the kernel refuses the rule it was given. */
const kernelRefused = (command: string, errno: string, chain: string) =>
  err(`${IPT}:  ${OPS[command] ?? 'RULE_APPEND'} failed (${errno}): rule in chain ${chain}\n`, 4);

/**
 * `-s a,b -d c,d`: iptables makes one rule per source and destination, in that order, and
 * each is appended (inserted, deleted, checked) on its own.
 */
export function expandAddresses(words: readonly string[]): string[][] {
  const lists = (opts: readonly string[]) => {
    const i = words.findIndex((w) => opts.includes(w));
    return i >= 0 && words[i + 1] !== undefined ? { i: i + 1, values: words[i + 1]!.split(',') } : undefined;
  };
  const s = lists(['-s', '--source', '--src']);
  const d = lists(['-d', '--destination', '--dst']);
  const out: string[][] = [];
  for (const sv of s?.values ?? [undefined])
    for (const dv of d?.values ?? [undefined])
      out.push(words.map((w, k) => (s && k === s.i ? sv! : d && k === d.i ? dv! : w)));
  return out;
}

function parseRule(t: Table, chain: Chain, words: readonly string[], command: string): Rule | CommandOutput {
  try {
    return parseRuleArgs(
      words,
      {
        table: t.name,
        chain: chain.name,
        builtin: chain.builtin,
        chains: new Map(t.chains.map((c) => [c.name, c])),
        line: 0,
      },
      undefined,
    );
  } catch (e) {
    if (e instanceof RuleError)
      return e.opts.errno
        ? kernelRefused(command, e.opts.errno, chain.name)
        : usage(e.opts.blank ? `${e.message}\n` : e.message);
    throw e;
  }
}

/** Where each old rule's counters go: rules are matched by identity, chains by name. */
function counterMoves(
  table: TableName,
  before: Table,
  after: Table,
  zeroed: ReadonlySet<string>,
): Record<string, string | null> {
  const moves: Record<string, string | null> = {};
  const where = new Map<Rule, string>();
  for (const c of after.chains)
    c.rules.forEach((r, i) => {
      where.set(r, `${table}/${c.name}/${i + 1}`);
    });
  for (const c of before.chains) {
    if (zeroed.has(c.name)) moves[`${table}/${c.name}/0`] = null;
    c.rules.forEach((r, i) => {
      const from = `${table}/${c.name}/${i + 1}`;
      const to = zeroed.has(c.name) ? null : (where.get(r) ?? null);
      if (to !== from) moves[from] = to;
    });
  }
  return moves;
}

export function changeRuleset(rs: Ruleset | null, a: IptablesArgs): RulesetChange {
  const t = tableOf(rs, a.table);
  const chain = a.chain === undefined ? undefined : t.chains.find((c) => c.name === a.chain);
  const withChains = (
    chains: readonly Chain[],
    output: CommandOutput = out(''),
    zeroed: ReadonlySet<string> = new Set(),
  ): RulesetChange => {
    const next: Table = { name: t.name, chains: sortChains(chains, t.name) };
    return { output, ruleset: replaceTable(rs, next), moves: counterMoves(t.name, t, next, zeroed) };
  };
  const withRules = (c: Chain, rules: readonly Rule[]): RulesetChange => {
    const next = withChains(t.chains.map((x) => (x === c ? { ...x, rules } : x)));
    // The kernel's own checks when the rule is committed (hooks a target or match allows, jump depth).
    const table = next.ruleset?.tables.find((x) => x.name === t.name);
    const problem = table && validateTable(table);
    return problem ? { output: kernelRefused(a.command, problem.errno, problem.chain) } : next;
  };
  const num = a.operand === undefined ? undefined : Number(a.operand);
  switch (a.command) {
    case 'A':
    case 'I':
    case 'R':
    case 'D':
    case 'C': {
      if (!chain) return { output: noChain() };
      if (
        (a.command === 'D' || a.command === 'R') &&
        num !== undefined &&
        a.command === 'D' &&
        a.rule.length === 0
      ) {
        if (num < 1 || num > chain.rules.length)
          return { output: err('iptables: Index of deletion too big.\n', 1) };
        return withRules(
          chain,
          chain.rules.filter((_, i) => i !== num - 1),
        );
      }
      const rules: Rule[] = [];
      for (const words of a.command === 'R' ? [a.rule] : expandAddresses(a.rule)) {
        const r = parseRule(t, chain, words, a.command);
        if ('exit' in r) return { output: r };
        rules.push(r);
      }
      const rule = rules[0]!;
      if (a.command === 'A') return withRules(chain, [...chain.rules, ...rules]);
      if (a.command === 'I') {
        const at = num ?? 1;
        if (at < 1 || at > chain.rules.length + 1)
          return { output: err('iptables: Index of insertion too big.\n', 1) };
        return withRules(chain, [...chain.rules.slice(0, at - 1), ...rules, ...chain.rules.slice(at - 1)]);
      }
      if (a.command === 'R') {
        if (num === undefined || num < 1 || num > chain.rules.length)
          return { output: err('iptables: Index of replacement too big.\n', 1) };
        return withRules(
          chain,
          chain.rules.map((r, i) => (i === num - 1 ? rule : r)),
        );
      }
      let left = chain.rules;
      for (const r of rules) {
        const text = formatRule(r);
        const idx = left.findIndex((x) => formatRule(x) === text);
        if (idx < 0)
          return { output: err('iptables: Bad rule (does a matching rule exist in that chain?).\n', 1) };
        left = left.filter((_, i) => i !== idx);
      }
      if (a.command === 'C') return { output: out('') };
      return withRules(chain, left);
    }
    case 'N': {
      if (chain) return { output: err('iptables: Chain already exists.\n', 1) };
      const name = a.chain!;
      if (name.length > 28)
        return { output: usage(`chain name \`${name}' too long (must be under 29 chars)`) };
      if (
        name[0] === '-' ||
        name[0] === '!' ||
        /[\s"']/.test(name) ||
        /^(ACCEPT|DROP|QUEUE|RETURN)$/.test(name)
      )
        return { output: usage(`Invalid chain name \`${name}'`) };
      return withChains([...t.chains, { name, builtin: false, counters: { pkts: 0, bytes: 0 }, rules: [] }]);
    }
    case 'X': {
      if (a.chain !== undefined && (!chain || chain.builtin)) return { output: noChain() };
      const victims = chain ? [chain] : t.chains.filter((c) => !c.builtin);
      const names = new Set(victims.map((c) => c.name));
      for (const c of t.chains)
        for (const r of c.rules)
          if (
            (r.target?.kind === 'jump' || r.target?.kind === 'goto') &&
            names.has(r.target.chain) &&
            !names.has(c.name)
          )
            return {
              output: err(
                `${IPT}:  CHAIN_DEL failed (Device or resource busy): chain ${r.target.chain}\n`,
                4,
              ),
            };
      if (chain && chain.rules.length > 0)
        return {
          output: err(`${IPT}:  CHAIN_DEL failed (Device or resource busy): chain ${chain.name}\n`, 4),
        };
      if (victims.length === 0) return { output: out('') };
      return withChains(t.chains.filter((c) => !names.has(c.name)));
    }
    case 'E': {
      if (!chain || chain.builtin) return { output: noChain() };
      const to = a.operand!;
      if (t.chains.some((c) => c.name === to)) return { output: err('iptables: File exists.\n', 1) };
      const rename = (r: Rule): Rule =>
        (r.target?.kind === 'jump' || r.target?.kind === 'goto') && r.target.chain === chain.name
          ? { ...r, target: { ...r.target, chain: to } }
          : r;
      return withChains(
        t.chains.map((c) => ({
          ...c,
          name: c === chain ? to : c.name,
          rules: c.rules.map((r) => {
            const moved = c === chain ? { ...rename(r), chain: to } : rename(r);
            return moved.target === r.target && moved.chain === r.chain ? r : moved;
          }),
        })),
      );
    }
    case 'F': {
      if (a.chain !== undefined && !chain) return { output: noChain() };
      return withChains(t.chains.map((c) => (chain === undefined || c === chain ? { ...c, rules: [] } : c)));
    }
    case 'Z': {
      if (a.chain !== undefined && !chain) return { output: noChain() };
      const zeroed = new Set(t.chains.filter((c) => chain === undefined || c === chain).map((c) => c.name));
      return withChains(t.chains, out(''), zeroed);
    }
    case 'P': {
      if (!chain?.builtin) return { output: err('iptables: Bad built-in chain name.\n', 1) };
      const p = a.operand;
      if (p !== 'ACCEPT' && p !== 'DROP')
        return { output: err("iptables: Bad policy name. Run `dmesg' for more information.\n", 1) };
      return withChains(t.chains.map((c) => (c === chain ? { ...c, policy: p } : c)));
    }
    default:
      return { output: usage(`unknown command -${a.command}`) };
  }
}

/** `iptables-restore` of pasted text: each table it names replaces the host's. */
export function restoreRuleset(rs: Ruleset | null, text: string, noflush: boolean): RulesetChange {
  const parsed = parseIptablesSave(text, 'iptables-restore');
  if (!parsed.ok) return { output: err(restoreErrorText(parsed.error, text), 1) };
  let next = rs;
  for (const t of parsed.ruleset.tables) {
    const old = tableOf(next, t.name);
    const merged = noflush
      ? {
          ...t,
          chains: sortChains(
            [...old.chains.filter((c) => !t.chains.some((x) => x.name === c.name)), ...t.chains],
            t.name,
          ),
        }
      : t;
    next = replaceTable(next, merged);
  }
  const moves: Record<string, string | null> = {};
  for (const t of parsed.ruleset.tables)
    Object.assign(moves, counterMoves(t.name, tableOf(rs, t.name), tableOf(next, t.name), new Set()));
  return { output: out(''), ...(next ? { ruleset: next } : {}), moves };
}

export function rulesetText(rs: Ruleset): string {
  return formatIptablesSave(rs, { header: false });
}
