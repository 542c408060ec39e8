import { type ListedTable, listTables, nftList } from '../nft/listing';
import { parseNft } from '../nft/parse';
import type { Ruleset, Stmt } from '../nft/types';
import type { TableName } from '../timeline/events';
import { nftMonitor } from './nftMonitor';
import type { CommandOutput } from './output';
import type { ConsoleHost } from './state';

// `nft list ruleset|tables|chains|table [family] NAME|chain [family] TABLE CHAIN` as nft 1.0.6
// prints them in that namespace: the tables iptables-nft made for the host's iptables rules and
// its native tables, with the counters at that point, the warning nft writes to stderr before a
// table holding xt expressions, and nft's own errors (captured on the kernel:
// src/engine/nft/testdata/nft-list.txt). Changing the ruleset with nft is not modelled.

/** Parsed native rulesets by text: a kube-proxy ruleset of 10,000 Services takes seconds to parse. */
const parsed = new Map<string, Ruleset | null>();

function nativeOf(text: string | undefined): Ruleset | null {
  if (!text?.trim()) return null;
  let r = parsed.get(text);
  if (r === undefined) {
    const p = parseNft(text);
    r = p.ok ? p.ruleset : null;
    if (parsed.size >= 4) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, r);
  }
  return r;
}

/** The namespace's tables as `nft list` shows them, at the console's point of the run. */
export function nftTablesOf(h: ConsoleHost): ListedTable[] {
  const start = h.scenario.hosts.find((x) => x.name === h.name);
  return listTables({
    iptables: h.ruleset,
    iptablesText: start?.iptables_save ?? '',
    iptCounters: (table, chain, rulenum) =>
      h.counters(table as TableName, chain, rulenum) ?? { pkts: 0, bytes: 0 },
    native: nativeOf(h.spec.nft_ruleset),
    nativeCounters: (t, c, i, s) => {
      const hit = h.counters(`${t.family} ${t.name}` as TableName, c.name, i + 1);
      const init = c.rules[i]!.stmts[s] as Extract<Stmt, { k: 'counter' }>;
      return { packets: init.packets + (hit?.pkts ?? 0), bytes: init.bytes + (hit?.bytes ?? 0) };
    },
  });
}

export function nftCommand(h: ConsoleHost, args: readonly string[]): CommandOutput {
  if (args[0] === 'monitor') return nftMonitor(h, args);
  if (args[0] !== 'list') {
    const what = args[0] === undefined ? 'nft without a command' : `nft ${args[0]}`;
    return {
      stdout: '',
      stderr: `${what}: not modelled by nflab; the console reads the ruleset with nft list ruleset, nft list tables, nft list table [family] NAME, nft list chain [family] TABLE CHAIN\n`,
      exit: 1,
    };
  }
  return nftList(nftTablesOf(h), args);
}
