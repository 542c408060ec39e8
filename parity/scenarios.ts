import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, parseScenarioText } from '../src/engine/scenario/load';
import type { Scenario } from '../src/engine/scenario/schema';
import type { SettingRun } from '../src/engine/scenario/variants';

// Where the harness gets its scenarios: the built-in registry (`src/scenarios/index.ts`,
// `builtinScenarios`) when it exists, the loose `src/scenarios/*.json` files otherwise, and the
// fixtures beside this file for any built-in id still missing. Paths given on the command line
// are loaded as scenario files.

const here = dirname(fileURLToPath(import.meta.url));
const SCENARIO_DIR = join(here, '..', 'src', 'scenarios');
const FIXTURE_DIR = join(here, 'fixtures');

/**
 * Kernel cases that are not built-in scenarios but pin one behaviour each: run after the
 * built-ins, in this order (paths from the repository root).
 */
export const KERNEL_CASES: readonly string[] = [
  // issue 7.1: a SYN answered only by a RST; the tracker kills the entry, conntrack -L is empty
  'src/cli/testdata/rst-killed-syn.json',
  // issue 7.4: conntrack -E for a TCP connection, a UDP exchange, a ping and a RST-killed SYN
  'src/cli/testdata/ct-events.json',
  // issue 10: bridge-nf-call-iptables flipped mid-run by a `changes` item; the next SYN
  // retransmission connects
  'src/cli/testdata/hairpin-bnf-mid-run.json',
  // issue 7.6: close-first and slow servers, a second UDP exchange, an unconnected UDP socket
  'parity/cases/scenario-format.json',
  // issue 7.5: each REJECT --reject-with variant and a router's unreachable routes, as the
  // connecting TCP socket, a connected and an unconnected UDP socket see them
  'src/cli/testdata/icmp-errors.json',
  // issue 7.2: conntrack -F mid-connection; tcp_loose picks it up and checks it liberally
  'parity/cases/tcp-loose-pickup.json',
  // issue 10: a change at 0 ms (the console's "change at the start") is in force before the
  // traffic at 0 ms: the first SYN is already masqueraded
  'parity/cases/change-at-start.json',
  // issue 7.6: a bridge with stp_state 1; its ports drop every frame for 2 x forward_delay
  'parity/cases/stp-bridge.json',
  // issue 12: a table bridge with chains at the five bridge hooks around br_netfilter's IPv4
  // hooks (priority filter before, 100 after); its forward chain drops tcp dport 9
  'parity/cases/nft-bridge.json',
];

/**
 * Rows beyond settingRuns' one per setting value: combinations a scenario's story rests on.
 * The hairpin story (bridge-nf-call-iptables 0 fails, 1 works) holds in nftables mode too.
 */
export const EXTRA_SETTING_RUNS: Readonly<Record<string, readonly SettingRun[]>> = {
  'same-bridge-hairpin': [
    {
      label: 'node:kube-proxy-mode=nftables, node:net.bridge.bridge-nf-call-iptables=1',
      settings: { 'node:kube-proxy-mode': 'nftables', 'node:net.bridge.bridge-nf-call-iptables': '1' },
    },
  ],
};

export interface Loaded {
  readonly scenarios: Scenario[];
  readonly errors: string[];
  readonly source: string;
}

export async function loadBuiltins(): Promise<Loaded> {
  const errors: string[] = [];
  const byId = new Map<string, Scenario>();
  let source = 'parity/fixtures';
  const add = (json: unknown, where: string) => {
    const r = parseScenario(json, where);
    if (r.ok) {
      if (!byId.has(r.scenario.id)) byId.set(r.scenario.id, r.scenario);
    } else errors.push(r.error);
  };
  const registry = join(SCENARIO_DIR, 'index.ts');
  if (existsSync(registry)) {
    try {
      const mod = (await import(registry)) as { builtinScenarios?: unknown };
      const list = mod.builtinScenarios;
      const items = Array.isArray(list) ? list : list && typeof list === 'object' ? Object.values(list) : [];
      for (const [i, item] of items.entries()) add(item, `src/scenarios/index.ts builtinScenarios[${i}]`);
      source = 'src/scenarios/index.ts';
    } catch (e) {
      errors.push(`src/scenarios/index.ts: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (source !== 'src/scenarios/index.ts' && existsSync(SCENARIO_DIR)) {
    const files = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json'));
    for (const f of files) add(JSON.parse(readFileSync(join(SCENARIO_DIR, f), 'utf8')), `src/scenarios/${f}`);
    if (files.length) source = 'src/scenarios/*.json';
  }
  for (const f of KERNEL_CASES) {
    const r = parseScenarioText(readFileSync(join(here, '..', f), 'utf8'), f);
    if (!r.ok) errors.push(r.error);
    else if (!byId.has(r.scenario.id)) {
      byId.set(r.scenario.id, r.scenario);
      source += ` + ${f}`;
    }
  }
  for (const f of readdirSync(FIXTURE_DIR).filter((x) => x.endsWith('.json'))) {
    const r = parseScenarioText(readFileSync(join(FIXTURE_DIR, f), 'utf8'), `parity/fixtures/${f}`);
    if (!r.ok) errors.push(r.error);
    else if (!byId.has(r.scenario.id)) {
      byId.set(r.scenario.id, r.scenario);
      source += ` + fixture ${r.scenario.id}`;
    }
  }
  return { scenarios: [...byId.values()], errors, source };
}

export function loadFile(path: string): Scenario {
  const r = parseScenarioText(readFileSync(path, 'utf8'), path);
  if (!r.ok) throw new Error(r.error);
  return r.scenario;
}
