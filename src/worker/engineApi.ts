// Binds the real engine to the dispatcher's EngineApi and turns a WorldState into the text
// the views show (`conntrack -L`, `iptables-save -c`, `iptables -L -n -v`), so the UI thread
// never loads the engine, its parsers or its schema library.
import {
  formatConntrackL,
  formatIptablesList,
  formatIptablesSave,
  parseIptablesSave,
  parseScenario,
  type RunResult,
  runScenario,
  stateAt,
} from '../engine/index';
import type { Ruleset } from '../engine/iptables/ruleset';
import type { TableName } from '../engine/timeline/events';
import { builtinScenarios } from '../scenarios/index';
import type { EngineApi } from './dispatch';
import type { HostSnapshot } from './protocol';

// Each host's ruleset parsed once per run (a run's hosts never change).
const rulesets = new WeakMap<RunResult, Map<string, Ruleset | null>>();

function rulesetOf(result: RunResult, host: string, text: string): Ruleset | null {
  let m = rulesets.get(result);
  if (!m) {
    m = new Map();
    rulesets.set(result, m);
  }
  if (!m.has(host)) {
    const r = text.trim() ? parseIptablesSave(text, `${host}: iptables_save`) : null;
    m.set(host, r?.ok ? r.ruleset : null);
  }
  return m.get(host) ?? null;
}

export const realEngine: EngineApi = {
  builtins: builtinScenarios,
  parseScenario,
  runScenario: (scenario, settings) => runScenario(scenario, { settings }),
  snapshot(result, index) {
    const w = stateAt(result, index);
    const hosts: Record<string, HostSnapshot> = {};
    for (const h of result.hosts) {
      const entries = w.conntrack[h.name] ?? [];
      const counters = w.counters[h.name];
      const lookup = (table: TableName, chain: string, rulenum: number) =>
        counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 };
      const rs = rulesetOf(result, h.name, h.iptablesSave);
      hosts[h.name] = {
        conntrack: entries.map((e) => ({ id: e.id, line: formatConntrackL(e, w.now) })),
        iptablesSave: rs ? formatIptablesSave(rs, { counters: lookup }) : '',
        iptablesList: rs
          ? rs.tables.map((t) => ({
              table: t.name,
              text: formatIptablesList(rs, t.name, { counters: lookup, verbose: true, numeric: true }),
            }))
          : [],
      };
    }
    return { now: w.now, hosts };
  },
};
