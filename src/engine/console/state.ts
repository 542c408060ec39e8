import type { RunResult } from '../api';
import type { CtEntryData } from '../conntrack/types';
import type { Ruleset } from '../iptables';
import type { CounterLookup } from '../iptables/types';
import type { HostSpec, Scenario } from '../scenario/schema';
import { buildHost, type Host } from '../stack/host';
import type { Micros, TimelineEvent } from '../timeline/events';
import { stateAt } from '../timeline/replay';
import { specAt } from '../timeline/specs';
import { rulesetOf } from '../timeline/views';
import { type IfIndexes, ifIndexes } from './ifindex';

/** What the tools of one host see at one point of a run: the input of every console command. */
export interface ConsoleHost {
  readonly name: string;
  readonly scenario: Scenario;
  /** The host as configured at that point (addresses, routes, sysctls, ruleset text). */
  readonly spec: HostSpec;
  /** Devices, routes and sysctls built from `spec` by the engine's own code. */
  readonly host: Host;
  readonly ifindex: IfIndexes;
  readonly now: Micros;
  /** Confirmed conntrack entries in `conntrack -L` order. */
  readonly conntrack: readonly CtEntryData[];
  readonly counters: CounterLookup;
  /** The ruleset at that point; null when the host has none (iptables-nft then has no tables). */
  readonly ruleset: Ruleset | null;
  /** This host's timeline events up to that point (tcpdump, ip neigh and bridge fdb read them). */
  readonly events: readonly TimelineEvent[];
}

/** The host `name` after the first `index` events of `result`, or undefined if there is no such host. */
export function consoleHostAt(result: RunResult, index: number, name: string): ConsoleHost | undefined {
  const spec = specAt(result, index, name);
  if (!spec) return undefined;
  const specs = result.scenario.hosts.map((h) => specAt(result, index, h.name) ?? h);
  const built = buildHosts(specs, result.scenario.seed).get(name);
  if (!built) return undefined;
  const w = stateAt(result, index);
  const counters = w.counters[name];
  const n = Math.max(0, Math.min(index, result.events.length));
  const events: TimelineEvent[] = [];
  for (let i = 0; i < n; i++) if (result.events[i]!.host === name) events.push(result.events[i]!);

  return {
    name,
    scenario: result.scenario,
    spec,
    host: built,
    ifindex: ifIndexes(result.scenario),
    now: w.now,
    conntrack: w.conntrack[name] ?? [],
    counters: (table, chain, rulenum) =>
      counters?.get(`${table}/${chain}/${rulenum}`) ?? { pkts: 0, bytes: 0 },
    ruleset: rulesetOf(result, name, spec.iptables_save ?? ''),
    events,
  };
}

/** Every host's devices, with veth peers wired across hosts (a carrier depends on the peer). */
function buildHosts(specs: readonly HostSpec[], seed: number): Map<string, Host> {
  const hosts = new Map<string, Host>();
  specs.forEach((spec, i) => {
    const h = buildHost(spec, seed, i);
    if (!('where' in h)) hosts.set(spec.name, h);
  });
  for (const h of hosts.values())
    for (const s of h.spec.interfaces)
      if (s.peer) {
        const dev = h.ifaces.get(s.name);
        const peer = hosts.get(s.peer.host)?.ifaces.get(s.peer.ifname);
        if (dev && peer) dev.peer = peer;
      }
  return hosts;
}
