import { bag } from '../dict';
import type { RunResult } from '../api';
import { formatConntrackL } from '../conntrack';
import { formatIptablesList, formatIptablesSave, parseIptablesSave, type Ruleset } from '../iptables';
import { parseNft } from '../nft/parse';
import { printRuleset } from '../nft/print';
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
  /** `nft list ruleset` of the native nftables tables, with the counters at that point; '' when none. */
  readonly nft: string;
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
    const nrs = nftRulesetOf(result, h.name, h.nftRuleset);
    hosts[h.name] = {
      conntrack: (w.conntrack[h.name] ?? []).map((e) => ({ id: e.id, line: formatConntrackL(e, w.now) })),
      iptablesSave: rs ? formatIptablesSave(rs, { counters: lookup }) : '',
      iptablesList: rs
        ? rs.tables.map((t) => ({
            table: t.name,
            text: formatIptablesList(rs, t.name, { counters: lookup, verbose: true, numeric: true }),
          }))
        : [],
      nft: nrs
        ? printRuleset(nrs, (t, c, i, s) => {
            // A counter counts the packets that reached it: those its rule matched (see nft/eval.ts).
            const hit = counters?.get(`${t.family} ${t.name}/${c.name}/${i + 1}`);
            const init = c.rules[i]!.stmts[s] as Extract<Stmt, { k: 'counter' }>;
            return { packets: init.packets + (hit?.pkts ?? 0), bytes: init.bytes + (hit?.bytes ?? 0) };
          })
        : '',
    };
  }
  return { now: w.now, hosts };
}
