import { bag } from '../dict';
import type { RunResult } from '../api';
import { formatConntrackL } from '../conntrack';
import { formatIptablesList, formatIptablesSave, parseIptablesSave, type Ruleset } from '../iptables';
import { listLines } from '../iptables/list';
import { saveLines } from '../iptables/save';
import { type ListedTable, listTables, rulesetText } from '../nft/listing';
import { parseNft } from '../nft/parse';
import type { NftCounterLookup } from '../nft/print';
import type { Ruleset as NftRuleset, Stmt } from '../nft/types';
import type { TableName } from './events';
import { stateAt } from './replay';
import { nftRuleLine } from './ruleLine';
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
  /**
   * Set when the host's rules are longer than `outlineOver` (ViewOptions): the three texts
   * above are then empty and hostRulesLines prints the lines a reader asks for.
   */
  readonly rulesOutline?: RulesOutline;
}

/** Which texts a host's long ruleset has: `iptables-save -c`, `-L` per table, `nft list ruleset`. */
export interface RulesOutline {
  readonly save: boolean;
  readonly tables: readonly TableName[];
  readonly nft: boolean;
}

/** One of a host's rules texts: `save` (`iptables-save -c`), `nft`, or a table's `-L -n -v`. */
export type RulesView = 'save' | 'nft' | TableName;

export interface ViewOptions {
  /**
   * Rules (iptables rules plus nft rules and set elements) above which a host's texts are left
   * out and only outlined: a kube-proxy node's are 30 MB, printed and copied at every playhead.
   */
  readonly outlineOver?: number;
}

/** The size of a host's rules, for ViewOptions.outlineOver. */
function ruleCount(rs: Ruleset | null, nrs: NftRuleset | null): number {
  let n = 0;
  for (const t of rs?.tables ?? []) for (const c of t.chains) n += c.rules.length;
  for (const t of nrs?.tables ?? []) {
    for (const c of t.chains) n += c.rules.length;
    for (const x of t.sets) n += x.elements.length;
  }
  return n;
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
  opts: ViewOptions = {},
): { now: number; hosts: Record<string, HostView> } {
  const w = stateAt(result, index);
  const hosts = bag<HostView>();
  for (const h of result.hosts) {
    const counters = w.counters[h.name];
    const lookup = (table: TableName, chain: string, rulenum: number) =>
      counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 };
    const rs = rulesetOf(result, h.name, specAt(result, index, h.name)?.iptables_save ?? h.iptablesSave);
    const conntrack = (w.conntrack[h.name] ?? []).map((e) => ({
      id: e.id,
      line: formatConntrackL(e, w.now),
    }));
    const nftNative = Boolean(h.nftRuleset?.trim());
    if (opts.outlineOver !== undefined) {
      const nrs = nftRulesetOf(result, h.name, h.nftRuleset);
      if (ruleCount(rs, nrs) > opts.outlineOver) {
        hosts[h.name] = {
          conntrack,
          iptablesSave: '',
          iptablesList: [],
          nft: '',
          nftNative,
          rulesOutline: {
            save: rs !== null,
            tables: rs ? rs.tables.map((t) => t.name) : [],
            nft: rs !== null || nrs !== null,
          },
        };
        continue;
      }
    }
    hosts[h.name] = {
      conntrack,
      iptablesSave: rs ? formatIptablesSave(rs, { counters: lookup }) : '',
      iptablesList: rs
        ? rs.tables.map((t) => ({
            table: t.name,
            text: formatIptablesList(rs, t.name, { counters: lookup, verbose: true, numeric: true }),
          }))
        : [],
      nft: rulesetText(nftTablesAt(result, index, h.name, counters)),
      nftNative,
    };
  }
  return { now: w.now, hosts };
}

/** One of host `host`'s rules texts after the first `index` events, with the counters then ('' when none). */
export function hostRulesText(result: RunResult, index: number, host: string, view: RulesView): string {
  const h = result.hosts.find((x) => x.name === host);
  if (!h) return '';
  const counters = stateAt(result, index).counters[host];
  if (view === 'nft') return rulesetText(nftTablesAt(result, index, host, counters));
  const rs = rulesetOf(result, host, specAt(result, index, host)?.iptables_save ?? h.iptablesSave);
  if (!rs) return '';
  const lookup = (table: TableName, chain: string, rulenum: number) =>
    counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 };
  if (view === 'save') return formatIptablesSave(rs, { counters: lookup });
  return formatIptablesList(rs, view, { counters: lookup, verbose: true, numeric: true });
}

/** A rules text as lines printed when asked (see hostRulesLines). */
export interface RulesLines {
  readonly length: number;
  line(k: number): string;
  /** The line of a rule (its chain's line for rulenum 0), or -1 when it is not in this text. */
  find(ref: { table: string; chain: string; rulenum: number; family?: string }): number;
}

type Layout = ReturnType<typeof saveLines> | ReturnType<typeof listLines>;
const layouts = new WeakMap<Ruleset, Map<string, Layout>>();

function layoutOf<T extends Layout>(rs: Ruleset, key: string, make: () => T): T {
  let m = layouts.get(rs);
  if (!m) {
    m = new Map();
    layouts.set(rs, m);
  }
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}

/**
 * hostRulesText as lines, each printed when asked: the line layout of an iptables ruleset is
 * made once, so a window of a 100,000-rule text costs its own lines, not the whole text (a
 * viewer scrolls it at every playhead). `nft list ruleset` is printed whole and split.
 */
export function hostRulesLines(result: RunResult, index: number, host: string, view: RulesView): RulesLines {
  const none: RulesLines = { length: 0, line: () => '', find: () => -1 };
  const h = result.hosts.find((x) => x.name === host);
  if (!h) return none;
  if (view === 'nft') {
    const text = hostRulesText(result, index, host, 'nft');
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    return {
      length: lines.length,
      line: (k) => lines[k] ?? '',
      find: (r) => (r.family === undefined ? -1 : nftRuleLine(lines, r.family, r.table, r.chain, r.rulenum)),
    };
  }
  const rs = rulesetOf(result, host, specAt(result, index, host)?.iptables_save ?? h.iptablesSave);
  if (!rs) return none;
  const counters = stateAt(result, index).counters[host];
  const lookup = (table: TableName, chain: string, rulenum: number) =>
    counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 };
  if (view === 'save') {
    const l = layoutOf(rs, 'save', () => saveLines(rs));
    return {
      length: l.length,
      line: (k) => (k >= 0 && k < l.length ? l.line(k, lookup) : ''),
      find: (r) => (r.family === undefined ? l.find(r.table, r.chain, r.rulenum) : -1),
    };
  }
  const l = layoutOf(rs, view, () => listLines(rs, view, { verbose: true, numeric: true }));
  if (!l) return none;
  return {
    length: l.length,
    line: (k) => (k >= 0 && k < l.length ? l.line(k, lookup) : ''),
    find: (r) => (r.family === undefined && r.table === view ? l.find(r.chain, r.rulenum) : -1),
  };
}
