import { bag } from '../dict';
import type { RunResult } from '../api';
import { formatConntrackL } from '../conntrack';
import { formatIptablesList, formatIptablesSave, parseIptablesSave, type Ruleset } from '../iptables';
import { type ListedTable, listTables, rulesetText } from '../nft/listing';
import { parseNft } from '../nft/parse';
import type { NftCounterLookup } from '../nft/print';
import type { Ruleset as NftRuleset, Stmt } from '../nft/types';
import type { TableName } from './events';
import { stateAt } from './replay';
import { specAt } from './specs';

/** What a host looks like to its tools at one point of the timeline. */
export interface HostView {
  /** `conntrack -L` lines with the entry ids, in listing order. */
  readonly conntrack: readonly { readonly id: number; readonly line: string }[];
  /** `iptables-save -c`: the ruleset with the counters at that point. */
  readonly iptablesSave: string;
  /** `iptables -t <table> -L -n -v` per table the host has. */
  readonly iptablesList: readonly { readonly table: TableName; readonly text: string }[];
  /**
   * `nft list ruleset` (stdout) with the counters at that point: the tables iptables-nft made
   * for the iptables rules and the native nftables tables, in the kernel's order; '' when none.
   */
  readonly nft: string;
  /** True when the host has native nftables tables (not only those iptables-nft made). */
  readonly nftNative: boolean;
}

const nftRulesets = new WeakMap<RunResult, Map<string, NftRuleset | null>>();

function nftRulesetOf(result: RunResult, host: string, text: string | undefined): NftRuleset | null {
  let m = nftRulesets.get(result);
  if (!m) {
    m = new Map();
    nftRulesets.set(result, m);
  }
  if (!m.has(host)) {
    const r = text?.trim() ? parseNft(text) : null;
    m.set(host, r?.ok ? r.ruleset : null);
  }
  return m.get(host) ?? null;
}

// Each ruleset text parsed once per run: it changes only where a `change` event says so.
const rulesets = new WeakMap<RunResult, Map<string, Ruleset | null>>();

export function rulesetOf(result: RunResult, host: string, text: string): Ruleset | null {
  let m = rulesets.get(result);
  if (!m) {
    m = new Map();
    rulesets.set(result, m);
  }
  if (!m.has(text)) {
    const r = text.trim() ? parseIptablesSave(text, `${host}: iptables_save`) : null;
    m.set(text, r?.ok ? r.ruleset : null);
  }
  return m.get(text) ?? null;
}

/**
 * Every table of host `name` as `nft list` shows it after the first `index` events (the views,
 * the runner and the console's `nft list` share this).
 */
export function nftTablesAt(
  result: RunResult,
  index: number,
  name: string,
  counters: ReadonlyMap<string, { pkts: number; bytes: number }> | undefined = stateAt(result, index)
    .counters[name],
): ListedTable[] {
  const h = result.hosts.find((x) => x.name === name);
  if (!h) return [];
  const spec = specAt(result, index, name);
  const iptables = rulesetOf(result, name, spec?.iptables_save ?? h.iptablesSave);
  const native = nftRulesetOf(result, name, h.nftRuleset);
  const nativeCounters: NftCounterLookup = (t, c, i, s) => {
    // A counter counts the packets that reached it: those its rule matched (see nft/eval.ts).
    const hit = counters?.get(`${t.family} ${t.name}/${c.name}/${i + 1}`);
    const init = c.rules[i]!.stmts[s] as Extract<Stmt, { k: 'counter' }>;
    return { packets: init.packets + (hit?.pkts ?? 0), bytes: init.bytes + (hit?.bytes ?? 0) };
  };
  return listTables({
    iptables,
    iptablesText: specAt(result, 0, name)?.iptables_save ?? '',
    iptCounters: (table, chain, rulenum) =>
      counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 },
    native,
    nativeCounters,
  });
}

/** Every host's tool views after the first `index` events (the views, the CLI and tests share this). */
export function hostViews(
  result: RunResult,
  index: number,
): { now: number; hosts: Record<string, HostView> } {
  const w = stateAt(result, index);
  const hosts = bag<HostView>();
  for (const h of result.hosts) {
    const counters = w.counters[h.name];
    const lookup = (table: TableName, chain: string, rulenum: number) =>
      counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 };
    const rs = rulesetOf(result, h.name, specAt(result, index, h.name)?.iptables_save ?? h.iptablesSave);
    hosts[h.name] = {
      conntrack: (w.conntrack[h.name] ?? []).map((e) => ({ id: e.id, line: formatConntrackL(e, w.now) })),
      iptablesSave: rs ? formatIptablesSave(rs, { counters: lookup }) : '',
      iptablesList: rs
        ? rs.tables.map((t) => ({
            table: t.name,
            text: formatIptablesList(rs, t.name, { counters: lookup, verbose: true, numeric: true }),
          }))
        : [],
      nft: rulesetText(nftTablesAt(result, index, h.name, counters)),
      nftNative: Boolean(h.nftRuleset?.trim()),
    };
  }
  return { now: w.now, hosts };
}
