import { formatIptablesList, formatIptablesSave, formatRule } from '../iptables';
import { formatTargetSave } from '../iptables/save';
import { BUILTIN_CHAINS, type Chain, type Ruleset, type Table, TABLE_ORDER } from '../iptables/ruleset';
import type { TableName } from '../timeline/events';
import { type CommandOutput, err, out } from './output';
import type { ConsoleHost } from './state';

// The reading side of iptables 1.8.9 (nf_tables): -L, -S and iptables-save. A table the host
// never loaded still lists its built-in chains with policy ACCEPT, as iptables-nft shows them.

export const IPT = 'iptables v1.8.9 (nf_tables)';

export function isTable(name: string): name is TableName {
  return (TABLE_ORDER as readonly string[]).includes(name);
}

export function noTable(name: string): CommandOutput {
  return err(
    `${IPT}: table '${name}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n`,
    3,
  );
}

export function incompatible(chain: string, table: string): CommandOutput {
  return err(`${IPT}: chain \`${chain}' in table \`${table}' is incompatible, use 'nft' tool.\n`, 1);
}

/** The table as iptables-nft shows it: the loaded one, or the built-in chains empty. */
export function tableOf(rs: Ruleset | null, name: TableName): Table {
  return (
    rs?.tables.find((t) => t.name === name) ?? {
      name,
      chains: BUILTIN_CHAINS[name].map(
        (c): Chain => ({
          name: c,
          builtin: true,
          policy: 'ACCEPT',
          counters: { pkts: 0, bytes: 0 },
          rules: [],
        }),
      ),
    }
  );
}

export interface ListArgs {
  readonly table: TableName;
  readonly chain?: string;
  readonly numeric: boolean;
  readonly verbose: boolean;
  readonly exact: boolean;
  readonly lineNumbers: boolean;
}

export function listRules(h: ConsoleHost, a: ListArgs): CommandOutput {
  const t = tableOf(h.ruleset, a.table);
  if (a.chain !== undefined && !t.chains.some((c) => c.name === a.chain))
    return incompatible(a.chain, a.table);
  return out(
    formatIptablesList({ tables: [t] }, a.table, {
      counters: h.counters,
      verbose: a.verbose,
      numeric: a.numeric,
      exact: a.exact,
      lineNumbers: a.lineNumbers,
      ...(a.chain !== undefined ? { chain: a.chain } : {}),
    }),
  );
}

/** `iptables -S [CHAIN]`, with `-v` the counters as `-c pkts bytes`. */
export function listSpecs(
  h: ConsoleHost,
  table: TableName,
  chain: string | undefined,
  verbose: boolean,
): CommandOutput {
  const t = tableOf(h.ruleset, table);
  if (chain !== undefined && !t.chains.some((c) => c.name === chain)) return incompatible(chain, table);
  const chains = t.chains.filter((c) => chain === undefined || c.name === chain);
  const ls: string[] = [];
  for (const c of chains) {
    const p = h.counters(table, c.name, 0) ?? { pkts: 0, bytes: 0 };
    if (c.builtin) ls.push(`-P ${c.name} ${c.policy}${verbose ? ` -c ${p.pkts} ${p.bytes}` : ''}`);
    else ls.push(`-N ${c.name}`);
  }
  for (const c of chains)
    c.rules.forEach((r, i) => {
      const k = h.counters(table, c.name, i + 1) ?? { pkts: 0, bytes: 0 };
      // -v puts the counters after the matches, before the target: `-A X -o lo -c 2 86 -j ACCEPT`.
      const text = formatRule(r);
      const target = r.target ? formatTargetSave(r.target) : '';
      ls.push(
        verbose ? `${text.slice(0, text.length - target.length)} -c ${k.pkts} ${k.bytes}${target}` : text,
      );
    });
  return out(`${ls.join('\n')}\n`);
}

/** ctime(3) of the virtual clock counted from the epoch, for the iptables-save header. */
export function ctime(now: number): string {
  const d = new Date(Math.floor(now / 1000));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
    d.getUTCMonth()
  ];
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export function iptablesSave(h: ConsoleHost, args: readonly string[]): CommandOutput {
  let counters = false;
  let table: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--counters') counters = true;
    else if (a === '-t' || a === '--table') {
      table = args[++i];
      if (table === undefined) return err("iptables-save: option requires an argument -- 't'\n", 1);
    } else if (a.startsWith('-t') && a.length > 2) table = a.slice(2);
    else return err(`iptables-save: unrecognized option '${a}'\n`, 1);
  }
  if (table !== undefined && !isTable(table))
    return err(`iptables-save v1.8.9 (nf_tables): table '${table}' does not exist\n`, 1);
  const tables = (h.ruleset?.tables ?? []).filter((t) => table === undefined || t.name === table);
  return out(
    formatIptablesSave({ tables }, { date: ctime(h.now), counters: h.counters, ruleCounters: counters }),
  );
}
