import type { HostSummary, RunOptions, RunResult } from '../api';
import { formatIpv4 } from '../net/ipv4';
import { applySettings } from '../scenario/load';
import type { Scenario } from '../scenario/schema';
import { createNetfilterFor } from '../stack/ct';
import { buildHost, type Host } from '../stack/host';
import { formatRoute } from '../stack/route';
import { Sockets } from '../stack/sockets';
import { Traffic } from './traffic';
import { World } from './world';

export type RunOutcome = { ok: true; result: RunResult } | { ok: false; error: string };

/** Hard cap on tasks per run, so a pathological scenario ends instead of hanging a worker. */
const MAX_TASKS = 5_000_000;

/**
 * Loads a validated scenario into a world, plays its traffic script on the virtual clock and
 * returns the timeline. Never throws for a scenario that passed `parseScenario`; errors that
 * only show when building (a route via an address on no link, a broken ruleset) come back
 * as `{ ok: false, error }` naming the field.
 */
export function simulate(scenario0: Scenario, opts: RunOptions = {}): RunOutcome {
  try {
    return simulateUnguarded(scenario0, opts);
  } catch (e) {
    // A bug in the model must not take the worker or the runner down with it: say where.
    return { ok: false, error: `${scenario0.id}: internal error in the model: ${(e as Error).message}` };
  }
}

function simulateUnguarded(scenario0: Scenario, opts: RunOptions): RunOutcome {
  const settings = opts.settings ?? {};
  const applied = applySettings(scenario0, settings);
  if (!applied.ok) return applied;
  const scenario = applied.scenario;
  const built = buildWorld(scenario, opts.timeline ?? true, opts.naiveRules ?? false);
  if (!built.ok) return built;
  const { world: w, traffic } = built;
  const err = traffic.start(w.hosts, scenario.traffic);
  if (err) return { ok: false, error: `${scenario.id}: ${err}` };
  const until = opts.until ?? Number.POSITIVE_INFINITY;
  let tasks = 0;
  for (;;) {
    const next = w.sched.peekTime();
    if (next === undefined || next > until || tasks++ > MAX_TASKS) break;
    expireUpTo(w, next);
    w.sched.step();
  }
  const endTime = Math.max(w.now, 0);
  expireUpTo(w, endTime);
  return {
    ok: true,
    result: {
      scenario,
      settings,
      hosts: [...w.hosts.values()].map(summarise),
      events: w.events,
      endTime,
      outcomes: traffic.outcomes(),
    },
  };
}

/** The public entry: like `simulate`, but bad input throws a one-line Error (for callers that validated already). */
export function runScenario(scenario: Scenario, opts: RunOptions = {}): RunResult {
  const r = simulate(scenario, opts);
  if (!r.ok) throw new Error(r.error);
  return r.result;
}

export function buildWorld(
  scenario: Scenario,
  timeline: boolean,
  naiveRules = false,
): { ok: true; world: World; traffic: Traffic } | { ok: false; error: string } {
  const w = new World(scenario.seed, timeline);
  const traffic = new Traffic(w, scenario.traffic);
  for (const [hi, spec] of scenario.hosts.entries()) {
    const h = buildHost(spec, scenario.seed, hi);
    if (!(h instanceof Object) || 'where' in h) {
      const e = h as { where: string; message: string };
      return { ok: false, error: `${scenario.id}: ${e.where}: ${e.message}` };
    }
    const host = h as Host;
    const nf = createNetfilterFor(host, `${scenario.id}: hosts[${hi}].iptables_save`, naiveRules);
    if (typeof nf === 'string') return { ok: false, error: nf };
    host.nf = nf;
    host.sockets = new Sockets(traffic);
    w.hosts.set(host.name, host);
  }
  for (const h of w.hosts.values())
    for (const s of h.spec.interfaces) {
      if (!s.peer) continue;
      h.ifaces.get(s.name)!.peer = w.hosts.get(s.peer.host)!.ifaces.get(s.peer.ifname);
    }
  return { ok: true, world: w, traffic };
}

function expireUpTo(w: World, t: number): void {
  for (const h of w.hosts.values()) h.nf.expire?.(w, h, t);
}

function summarise(h: Host): HostSummary {
  return {
    name: h.name,
    interfaces: [...h.ifaces.values()].map((i) => ({
      name: i.name,
      kind: i.kind,
      mac: i.mac,
      addresses: i.addrs.map((a) => `${formatIpv4(a.addr)}/${a.len}`),
      ...(i.master ? { master: i.master.name } : {}),
      ...(i.master ? { hairpin: i.hairpin } : {}),
      ...(i.peer ? { peer: { host: i.peer.host.name, ifname: i.peer.name } } : {}),
    })),
    routes: h.routes.main.map(formatRoute),
    sysctls: h.sysctl.entries(),
    iptablesSave: h.nf.saveText ?? '',
    ...(h.nf.ctReason ? { conntrackReason: h.nf.ctReason } : {}),
  };
}
