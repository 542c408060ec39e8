// What `nft list ...` shows of one namespace: the tables iptables-nft made and the native ones,
// in the order the kernel created them (iptables-restore runs before `nft -f` when a host has
// both, as the parity harness loads them; a table an iptables change made later comes after),
// with live counters; and the console's `nft list ruleset|tables|table|chain|chains`.

import type { Ruleset as IptRuleset } from '../iptables/ruleset';
import { type IptCounter, type ListedTable, listIptablesTable, restoreOrder } from './iptablesNft';
import { type NftCounterLookup, printChain, printTable } from './print';
import type { Ruleset } from './types';

export type { ListedTable } from './iptablesNft';

export interface NftSources {
  /** The iptables ruleset at that point (null: iptables-nft made no tables). */
  readonly iptables: IptRuleset | null;
  /** The iptables-save text the host started with: the order iptables-restore created things in. */
  readonly iptablesText: string;
  readonly iptCounters: IptCounter;
  readonly native: Ruleset | null;
  readonly nativeCounters?: NftCounterLookup;
}

/** Every table of the namespace as nft lists it, in the kernel's order. */
export function listTables(s: NftSources): ListedTable[] {
  const order = restoreOrder(s.iptablesText);
  const ipt = s.iptables?.tables ?? [];
  const early: ListedTable[] = [];
  const late: ListedTable[] = [];
  for (const name of order.keys()) {
    const t = ipt.find((x) => x.name === name);
    if (t) early.push(listIptablesTable(t, s.iptCounters, chainOrder(t, order.get(name)!)));
  }
  for (const t of ipt)
    if (!order.has(t.name)) late.push(listIptablesTable(t, s.iptCounters, chainOrder(t, [])));
  const native = (s.native?.tables ?? []).map((t) => ({
    family: t.family,
    name: t.name,
    text: printTable(t, s.nativeCounters),
    chains: t.chains.map((c) => ({
      name: c.name,
      text: printChain(t, c, s.nativeCounters),
      header: printChain(t, { ...c, rules: [] }),
      xt: false,
    })),
    xt: false,
  }));
  return [...early, ...native, ...late];
}

/**
 * The chains in creation order: those the loaded text declared, then those a change created
 * since (a user chain, or a built-in chain that now has rules or a policy set; iptables-nft
 * creates a built-in chain only when something touches it).
 */
function chainOrder(t: IptRuleset['tables'][number], declared: readonly string[]): string[] {
  const rest = t.chains
    .filter((c) => !declared.includes(c.name))
    .filter((c) => !c.builtin || c.rules.length > 0 || c.policy === 'DROP')
    .map((c) => c.name);
  return [...declared, ...rest];
}

const warning = (t: ListedTable) =>
  `# Warning: table ${t.family} ${t.name} is managed by iptables-nft, do not touch!\n`;

/** What `nft list ...` printed: stdout, stderr, and both as a terminal shows them interleaved. */
export interface NftOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly text: string;
  readonly exit: number;
}

function listed(tables: readonly ListedTable[], body: (t: ListedTable) => string, warn = true): NftOutput {
  let stdout = '';
  let stderr = '';
  let text = '';
  for (const t of tables) {
    const w = warn && t.xt ? warning(t) : '';
    const b = body(t);
    stdout += b;
    stderr += w;
    text += w + b;
  }
  return { stdout, stderr, text, exit: 0 };
}

/** `nft list ruleset [family]`: what the runner and the rules view print, stdout alone. */
export function rulesetText(tables: readonly ListedTable[]): string {
  return tables.map((t) => t.text).join('');
}

const FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];

/**
 * nft's own error for a command line: `Error: <message>`, the line as typed, and carets under
 * the words `[from, to)` (the words of `args`, counted from `list`), as nft 1.0.6 prints them.
 */
function cmdError(args: readonly string[], from: number, to: number, message: string): NftOutput {
  const line = args.join(' ');
  let col = from >= args.length ? line.length : 0;
  if (from < args.length) for (let i = 0; i < from; i++) col += args[i]!.length + 1;
  let width = 0;
  if (from >= args.length) width = 1;
  else for (let i = from; i < to; i++) width += args[i]!.length + (i > from ? 1 : 0);
  const stderr = `Error: ${message}\n${line}\n${' '.repeat(col)}${'^'.repeat(width)}\n`;
  return { stdout: '', stderr, text: stderr, exit: 1 };
}

/** `nft list ...` (the arguments after `nft`). */
export function nftList(tables: readonly ListedTable[], args: readonly string[]): NftOutput {
  const what = args[1];
  const syntax = (at: number, expecting?: string) =>
    cmdError(
      args,
      at,
      at + 1,
      `syntax error, unexpected ${at >= args.length ? 'newline' : 'string'}${expecting ? `, expecting ${expecting}` : ''}`,
    );
  const extra = (at: number) =>
    args.length > at ? syntax(at, 'end of file or newline or semicolon') : undefined;
  /** `[family] NAME`: where the name is, the family, and the index after it. */
  const named = (at: number) => {
    const fam = FAMILIES.includes(args[at] ?? '') && args[at + 1] !== undefined ? args[at]! : undefined;
    const nameAt = fam ? at + 1 : at;
    return { family: fam ?? 'ip', nameAt, name: args[nameAt], next: nameAt + 1 };
  };
  switch (what) {
    case 'ruleset':
    case 'tables':
    case 'chains': {
      const fam = FAMILIES.includes(args[2] ?? '') ? args[2] : undefined;
      const bad = extra(fam ? 3 : 2);
      if (bad) return bad;
      const ts = tables.filter((t) => !fam || t.family === fam);
      if (what === 'tables') return listed(ts, (t) => `table ${t.family} ${t.name}\n`, false);
      if (what === 'chains')
        return listed(
          ts,
          (t) =>
            // `list chains` puts no blank line between chains, unlike the listings with rules.
            `table ${t.family} ${t.name} {\n${t.chains.map((c) => c.header).join('')}}\n`,
          false,
        );
      return listed(ts, (t) => t.text);
    }
    case 'table': {
      const n = named(2);
      if (n.name === undefined) return syntax(n.nameAt, 'string');
      const bad = extra(n.next);
      if (bad) return bad;
      const t = tables.find((x) => x.family === n.family && x.name === n.name);
      if (!t) return cmdError(args, n.nameAt, n.nameAt + 1, 'No such file or directory');
      return listed([t], (x) => x.text);
    }
    case 'chain': {
      const n = named(2);
      if (n.name === undefined) return syntax(n.nameAt, 'string');
      const chainName = args[n.next];
      if (chainName === undefined) return syntax(n.next, 'string');
      const bad = extra(n.next + 1);
      if (bad) return bad;
      const t = tables.find((x) => x.family === n.family && x.name === n.name);
      if (!t) return cmdError(args, n.nameAt, n.nameAt + 1, 'No such file or directory');
      const c = t.chains.find((x) => x.name === chainName);
      if (!c) return cmdError(args, n.next, n.next + 1, 'No such file or directory');
      return listed([{ ...t, xt: c.xt }], (x) => `table ${x.family} ${x.name} {\n${c.text}}\n`);
    }
    case undefined:
      return syntax(1);
    default:
      return cmdError(args, 1, 2, 'syntax error, unexpected string');
  }
}
