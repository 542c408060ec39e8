// Binds the real engine to the dispatcher's EngineApi and turns a WorldState into the text
// the views show (`conntrack -L`, `iptables-save -c`, `iptables -L -n -v`), so the UI thread
// never loads the engine, its parsers or its schema library.
import { pcapOf } from '../engine/export/pcap';
import { importPaste } from '../engine/import/build';
import {
  hostRulesLines,
  hostViews,
  isChange,
  parseScenario,
  runCommand,
  searchFixes,
  startRun,
} from '../engine/index';
import { builtinScenarios } from '../scenarios/index';
import type { EngineApi } from './dispatch';
import { RULES_OUTLINE_OVER } from './protocol';

export const realEngine: EngineApi = {
  builtins: builtinScenarios,
  parseScenario,
  startRun(scenario, settings) {
    const r = startRun(scenario, { settings });
    return r.ok ? { ok: true, result: r.session } : r;
  },
  snapshot: (result, index) => hostViews(result, index, { outlineOver: RULES_OUTLINE_OVER }),
  rulesLines: (result, index, host, view) => hostRulesLines(result, index, host, view),
  pcap: (result, host, ifname) => pcapOf(result, host, ifname),
  command: (result, index, host, line) => ({
    ...runCommand(result, index, host, line),
    change: isChange(line),
  }),
  importPaste(scenario, input, progress) {
    const r = importPaste(scenario, input, (step, lines, total) =>
      progress?.({ events: 0, now: 0, step, ...(total ? { lines, total } : {}) }),
    );
    return r.ok ? { ok: true, ...r.value } : { ok: false, error: r.error };
  },
  findFixes(scenario, settings, progress) {
    const search = searchFixes(scenario, { settings });
    for (;;) {
      const n = search.next();
      if (n.done) return n.value;
      progress?.({ events: n.value.events, now: 0, runs: n.value.runs, planned: n.value.planned });
    }
  },
};
